package emulator

import (
	"strings"
	"testing"

	"github.com/databricks/databricks-sdk-go/service/compute"
)

func TestWorkspacePolicyDefinitionParse(t *testing.T) {
	tests := []struct {
		name, def, wantErr string
	}{
		{"empty", "", ""},
		{"every rule type", `{"a":{"type":"fixed","value":1},"b":{"type":"forbidden"},"c":{"type":"allowlist","values":["x"]},` +
			`"d":{"type":"blocklist","values":["y"]},"e":{"type":"regex","pattern":"^a.*"},"f":{"type":"range","minValue":1,"maxValue":2},"g":{"type":"unlimited"}}`, ""},
		{"not JSON", `{"a":`, "not a JSON object"},
		{"not an object", `["a"]`, "not a JSON object"},
		{"fixed without value", `{"a":{"type":"fixed"}}`, "needs a value"},
		{"allowlist without values", `{"a":{"type":"allowlist","values":[]}}`, "needs values"},
		{"bad regex", `{"a":{"type":"regex","pattern":"("}}`, "valid pattern"},
		{"range upside down", `{"a":{"type":"range","minValue":5,"maxValue":2}}`, "minValue <= maxValue"},
		{"range without bounds", `{"a":{"type":"range"}}`, "minValue <= maxValue"},
		{"unknown type", `{"a":{"type":"maximum"}}`, "unknown rule type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseDefinition(tc.def)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("parse: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("parse: %v, want an error about %q", err, tc.wantErr)
			}
		})
	}
}

func TestWorkspacePolicyEnforce(t *testing.T) {
	def := `{"cluster_type":{"type":"fixed","value":"all-purpose"},` +
		`"custom_tags.Team":{"type":"fixed","value":"SAD"},` +
		`"custom_tags.Environment":{"type":"allowlist","values":["DEV","PROD"]},` +
		`"custom_tags.Owner":{"type":"regex","pattern":".+@novadynamics\\.test"},` +
		`"custom_tags.Project":{"type":"unlimited","isOptional":true},` +
		`"num_workers":{"type":"range","maxValue":8},` +
		`"autoscale.max_workers":{"type":"range","maxValue":8},` +
		`"node_type_id":{"type":"allowlist","values":["i3.xlarge","r5d.2xlarge"]},` +
		`"spark_conf.spark.databricks.acl.dfAclsEnabled":{"type":"forbidden"},` +
		`"autotermination_minutes":{"type":"fixed","value":30}}`
	rules, err := parseDefinition(def)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	p := &policyRecord{rules: rules}
	good := func() compute.ClusterDetails {
		return compute.ClusterDetails{
			ClusterSource: compute.ClusterSourceUi, NodeTypeId: "i3.xlarge", NumWorkers: 4,
			CustomTags: map[string]string{"Environment": "DEV", "Owner": "a.b@novadynamics.test"},
		}
	}
	tests := []struct {
		name    string
		change  func(*compute.ClusterDetails)
		wantErr string // "" when the cluster complies
	}{
		{"complies, fixed values filled", func(*compute.ClusterDetails) {}, ""},
		{"job cluster", func(d *compute.ClusterDetails) { d.ClusterSource = compute.ClusterSourceJob }, "cluster_type, the value must be all-purpose"},
		{"fixed tag overridden", func(d *compute.ClusterDetails) { d.CustomTags["Team"] = "MKT" }, "custom_tags.Team, the value must be SAD"},
		{"environment not allowed", func(d *compute.ClusterDetails) { d.CustomTags["Environment"] = "STAGING" }, "custom_tags.Environment"},
		{"environment missing", func(d *compute.ClusterDetails) { delete(d.CustomTags, "Environment") }, "custom_tags.Environment, the value must be present"},
		{"owner not an address", func(d *compute.ClusterDetails) { d.CustomTags["Owner"] = "someone" }, "custom_tags.Owner, the value must match"},
		{"too many workers", func(d *compute.ClusterDetails) { d.NumWorkers = 9 }, "num_workers, the value must be at most 8"},
		{"autoscale too wide", func(d *compute.ClusterDetails) {
			d.Autoscale = &compute.AutoScale{MinWorkers: 1, MaxWorkers: 12}
		}, "autoscale.max_workers"},
		{"node type", func(d *compute.ClusterDetails) { d.NodeTypeId = "p3.8xlarge" }, "node_type_id"},
		{"forbidden spark conf", func(d *compute.ClusterDetails) {
			d.SparkConf = map[string]string{"spark.databricks.acl.dfAclsEnabled": "true"}
		}, "is forbidden"},
		{"autotermination set otherwise", func(d *compute.ClusterDetails) { d.AutoterminationMinutes = 120 }, "autotermination_minutes, the value must be 30"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := good()
			tc.change(&d)
			tags := d.CustomTags
			problem := p.enforce(&d)
			if tc.wantErr == "" {
				if problem != "" {
					t.Fatalf("enforce: %s", problem)
				}
				if d.CustomTags["Team"] != "SAD" || d.AutoterminationMinutes != 30 {
					t.Errorf("fixed values not filled: tags %v, autotermination %d", d.CustomTags, d.AutoterminationMinutes)
				}
				if _, ok := tags["Team"]; ok {
					t.Errorf("enforce changed the caller's tag map in place")
				}
				return
			}
			if !strings.Contains(problem, tc.wantErr) {
				t.Errorf("enforce = %q, want it to name %q", problem, tc.wantErr)
			}
		})
	}
}

func TestWorkspacePaginate(t *testing.T) {
	tests := []struct {
		name           string
		n, size        int
		token          string
		from, to       int
		hasNext, isBad bool
	}{
		{"first page", 45, 20, "", 0, 20, true, false},
		{"middle page", 45, 20, pageToken(20), 20, 40, true, false},
		{"last page", 45, 20, pageToken(40), 40, 45, false, false},
		{"empty list", 0, 20, "", 0, 0, false, false},
		{"exact fit", 20, 20, "", 0, 20, false, false},
		{"garbage token", 45, 20, "zzz", 0, 0, false, true},
		{"offset past the end", 45, 20, pageToken(46), 0, 0, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, ok := paginate(tc.n, tc.size, tc.token)
			if ok == tc.isBad {
				t.Fatalf("paginate ok = %v, want %v", ok, !tc.isBad)
			}
			if tc.isBad {
				return
			}
			if p.from != tc.from || p.to != tc.to || (p.next != "") != tc.hasNext {
				t.Errorf("page = %+v, want [%d:%d) next %v", p, tc.from, tc.to, tc.hasNext)
			}
		})
	}
}
