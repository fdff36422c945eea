package budget

import "testing"

func TestNearTag(t *testing.T) {
	tests := []struct {
		name, value, tag string
		want             bool
	}{
		{"one letter dropped", "EXPLORATORY_MISION", "EXPLORATORY_MISSIONS", true},
		{"case and separators", "exploratory-mision", "EXPLORATORY_MISSIONS", true},
		{"separator missing", "EXPLORATORYMISSIONS", "EXPLORATORY_MISSIONS", true},
		{"transposed letters", "ORBITLA_MECHANICS", "ORBITAL_MECHANICS", true},
		{"same under normalisation", "exploratory missions", "EXPLORATORY_MISSIONS", false},
		{"identical", "NAVIGATION_SYSTEMS", "NAVIGATION_SYSTEMS", false},
		{"too far", "Navigation Sys", "NAVIGATION_SYSTEMS", false},
		{"other category", "ORBITAL_MECHANICS", "MATERIALS_SCIENCE", false},
		{"short value one edit", "TBX", "TBD", true},
		{"short value two edits", "SANDBOX", "SANDY", false},
		{"empty", "", "TBD", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := NearTag(tc.value, tc.tag); got != tc.want {
				t.Errorf("NearTag(%q, %q) = %v, want %v", tc.value, tc.tag, got, tc.want)
			}
		})
	}
}

func FuzzNearTag(f *testing.F) {
	f.Add("EXPLORATORY_MISION", "EXPLORATORY_MISSIONS")
	f.Add("", "x")
	f.Fuzz(func(t *testing.T, a, b string) {
		if NearTag(a, b) != NearTag(b, a) {
			t.Fatalf("NearTag(%q, %q) is not symmetric", a, b)
		}
		if NearTag(a, a) {
			t.Fatalf("NearTag(%q, itself) is true", a)
		}
	})
}
