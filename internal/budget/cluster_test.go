package budget

import "testing"

func TestClusterOwner(t *testing.T) {
	tests := []struct {
		name string
		c    Cluster
		want string
	}{
		{"the Owner tag", Cluster{Creator: "svc@x.test", Tags: map[string]string{OwnerTagKey: "ada@x.test"}}, "ada@x.test"},
		{"the creator without an Owner tag", Cluster{Creator: "svc@x.test"}, "svc@x.test"},
		{"the creator with a blank Owner tag", Cluster{Creator: "svc@x.test", Tags: map[string]string{OwnerTagKey: " "}}, "svc@x.test"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.c.Owner(); got != tc.want {
				t.Errorf("Owner() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestClusterExempt(t *testing.T) {
	tests := []struct {
		name  string
		value string
		set   bool
		want  bool
	}{
		{"exempt", "exempt", true, true},
		{"case and spaces ignored", " Exempt ", true, true},
		{"another value", "exempted", true, false},
		{"no tag", "", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Cluster{Tags: map[string]string{}}
			if tc.set {
				c.Tags[ExemptTagKey] = tc.value
			}
			if got := c.Exempt(); got != tc.want {
				t.Errorf("Exempt() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestClusterSizeAndKind(t *testing.T) {
	tests := []struct {
		name       string
		c          Cluster
		size       string
		allPurpose bool
	}{
		{"fixed", Cluster{Source: ClusterFromUI, Workers: 4}, "4 workers", true},
		{"one worker", Cluster{Source: ClusterFromAPI, Workers: 1}, "1 worker", true},
		{"autoscaling", Cluster{Source: ClusterFromJob, Autoscale: &Autoscale{Min: 2, Max: 8}}, "autoscaling 2-8 workers", false},
		{"a pipeline's", Cluster{Source: ClusterFromPipeline, Workers: 0}, "0 workers", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.c.Size(); got != tc.size {
				t.Errorf("Size() = %q, want %q", got, tc.size)
			}
			if got := tc.c.AllPurpose(); got != tc.allPurpose {
				t.Errorf("AllPurpose() = %v, want %v", got, tc.allPurpose)
			}
		})
	}
}
