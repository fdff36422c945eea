package compliance

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go/service/billing"
	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/jobs"
	"github.com/databricks/databricks-sdk-go/service/pipelines"
	"github.com/databricks/databricks-sdk-go/service/sql"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// testDivision has one category allowed all-purpose compute and one not.
var testDivision = budget.Division{Categories: []budget.Category{
	{
		Slug: "exploratory-missions", Title: "Exploratory Missions", TagValue: "EXPLORATORY_MISSIONS",
		Policy: budget.Policy{MaxWorkers: 8, AutoterminationMinutes: 60, NodeTypes: []string{"m5.xlarge", "m5.2xlarge"}, AllowAllPurpose: true},
	},
	{
		Slug: "deep-space-telemetry", Title: "Deep Space Telemetry", TagValue: "DEEP_SPACE_TELEMETRY",
		Policy: budget.Policy{MaxWorkers: 16, AutoterminationMinutes: 30, NodeTypes: []string{"i3.xlarge"}},
	},
}}

const (
	explore   = "EXPLORATORY_MISSIONS"
	deepSpace = "DEEP_SPACE_TELEMETRY"
)

// tags are the tags of a compliant resource in category, with changes:
// a key set to "" is removed.
func tags(category string, changes ...string) map[string]string {
	t := map[string]string{
		budget.CategoryTagKey: category, TeamTagKey: "SAD", CostCenterTagKey: "ND-Analytics",
		EnvironmentTagKey: "PROD", budget.OwnerTagKey: "ada@novadynamics.test",
	}
	for i := 0; i+1 < len(changes); i += 2 {
		if changes[i+1] == "" {
			delete(t, changes[i])
			continue
		}
		t[changes[i]] = changes[i+1]
	}
	return t
}

// cluster is a compliant all-purpose cluster in Exploratory Missions.
func cluster(id string, change func(*compute.ClusterDetails)) compute.ClusterDetails {
	c := compute.ClusterDetails{
		ClusterId: id, ClusterName: "cluster " + id, ClusterSource: compute.ClusterSourceUi,
		CreatorUserName: "creator@novadynamics.test", CustomTags: tags(explore), PolicyId: "P1",
		NumWorkers: 4, NodeTypeId: "m5.xlarge", AutoterminationMinutes: 45,
	}
	if change != nil {
		change(&c)
	}
	return c
}

// jobSpec is a compliant job cluster spec for Deep Space Telemetry.
func jobSpec(change func(*compute.ClusterSpec)) compute.ClusterSpec {
	s := compute.ClusterSpec{PolicyId: "P2", NumWorkers: 8, NodeTypeId: "i3.xlarge"}
	if change != nil {
		change(&s)
	}
	return s
}

// job is a compliant Deep Space Telemetry job with one job cluster.
func job(id int64, change func(*jobs.JobSettings)) jobs.BaseJob {
	s := &jobs.JobSettings{
		Name: "job", Tags: tags(deepSpace),
		JobClusters: []jobs.JobCluster{{JobClusterKey: "main", NewCluster: jobSpec(nil)}},
		Tasks:       []jobs.Task{{TaskKey: "run", JobClusterKey: "main"}},
	}
	if change != nil {
		change(s)
	}
	return jobs.BaseJob{JobId: id, CreatorUserName: "creator@novadynamics.test", Settings: s}
}

func warehouse(id string, change func(*sql.EndpointInfo)) sql.EndpointInfo {
	w := sql.EndpointInfo{Id: id, Name: "warehouse " + id, CreatorName: "creator@novadynamics.test", AutoStopMins: 10}
	w.Tags = &sql.EndpointTags{}
	for k, v := range tags(explore) {
		w.Tags.CustomTags = append(w.Tags.CustomTags, sql.EndpointTagPair{Key: k, Value: v})
	}
	if change != nil {
		change(&w)
	}
	return w
}

func pipeline(id string, change func(*pipelines.PipelineSpec)) pipelines.GetPipelineResponse {
	s := &pipelines.PipelineSpec{
		Name: "pipeline " + id, Tags: tags(deepSpace),
		Clusters: []pipelines.PipelineCluster{{Label: "default", PolicyId: "P2", NodeTypeId: "i3.xlarge", NumWorkers: 2}},
	}
	if change != nil {
		change(s)
	}
	return pipelines.GetPipelineResponse{PipelineId: id, Name: s.Name, CreatorUserName: "creator@novadynamics.test", Spec: s}
}

// rules lists a report's findings as "rule: explanation".
func rules(r *Report) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, string(f.Rule)+": "+f.Explanation)
	}
	return out
}

func TestRules(t *testing.T) {
	cases := []struct {
		name string
		inv  Inventory
		// want are the findings as "rule: explanation fragment", in order;
		// empty: the resource complies.
		want     []string
		category string // the resource's category; "" skips the check
		owner    string // the resource's owner; "" skips the check
	}{
		// Clusters.
		{name: "compliant cluster", inv: Inventory{Clusters: []compute.ClusterDetails{cluster("c1", nil)}},
			category: explore, owner: "ada@novadynamics.test"},
		{name: "category spelled as a variant still matches",
			inv: Inventory{Clusters: []compute.ClusterDetails{cluster("c1", func(c *compute.ClusterDetails) {
				c.CustomTags = tags(" exploratory-missions")
			})}},
			category: explore},
		{name: "cluster without a category tag",
			inv: Inventory{Clusters: []compute.ClusterDetails{cluster("c1", func(c *compute.ClusterDetails) {
				c.CustomTags = tags("", budget.CategoryTagKey, "")
				c.NumWorkers, c.NodeTypeId = 100, "x1.32xlarge" // no category: its limits are not judged
			})}},
			want: []string{"missing_tag: missing tag OperationalCategory (its spend is unattributed)"}, category: budget.Unattributed},
		{name: "cluster with an unknown category",
			inv: Inventory{Clusters: []compute.ClusterDetails{cluster("c1", func(c *compute.ClusterDetails) {
				c.CustomTags = tags("MOON_BASE")
			})}},
			want: []string{`wrong_tag: tag OperationalCategory is "MOON_BASE"`}, category: budget.Unattributed},
		{name: "cluster with wrong fixed tags and no owner",
			inv: Inventory{Clusters: []compute.ClusterDetails{cluster("c1", func(c *compute.ClusterDetails) {
				c.CustomTags = tags(explore, TeamTagKey, "sad", CostCenterTagKey, "", EnvironmentTagKey, "QA", budget.OwnerTagKey, "")
			})}},
			want: []string{
				"missing_tag: missing tags CostCenter (want ND-Analytics), Owner (want the e-mail of the person responsible)",
				`wrong_tag: tag Team is "sad" (want SAD); tag Environment is "QA" (want DEV or PROD)`,
			},
			owner: "creator@novadynamics.test"},
		{name: "cluster without a policy",
			inv:  Inventory{Clusters: []compute.ClusterDetails{cluster("c1", func(c *compute.ClusterDetails) { c.PolicyId = "" })}},
			want: []string{"no_policy: no cluster policy"}},
		{name: "cluster that never autoterminates, without category",
			inv: Inventory{Clusters: []compute.ClusterDetails{cluster("c1", func(c *compute.ClusterDetails) {
				c.AutoterminationMinutes = 0
				c.CustomTags = tags("", budget.CategoryTagKey, "")
			})}},
			want: []string{"missing_tag: missing tag OperationalCategory", "autotermination_off: autotermination is off"}},
		{name: "cluster autoterminating later than its category allows",
			inv:  Inventory{Clusters: []compute.ClusterDetails{cluster("c1", func(c *compute.ClusterDetails) { c.AutoterminationMinutes = 120 })}},
			want: []string{"autotermination_over_limit: autotermination after 120 minutes idle (the category allows at most 60)"}},
		{name: "cluster with too many workers",
			inv:  Inventory{Clusters: []compute.ClusterDetails{cluster("c1", func(c *compute.ClusterDetails) { c.NumWorkers = 12 })}},
			want: []string{"too_many_workers: 12 workers (the category allows at most 8)"}},
		{name: "cluster autoscaling past the worker limit",
			inv: Inventory{Clusters: []compute.ClusterDetails{cluster("c1", func(c *compute.ClusterDetails) {
				c.NumWorkers, c.Autoscale = 0, &compute.AutoScale{MinWorkers: 2, MaxWorkers: 20}
			})}},
			want: []string{"too_many_workers: 20 workers at most (autoscale)"}},
		{name: "cluster autoscaling within the limit",
			inv: Inventory{Clusters: []compute.ClusterDetails{cluster("c1", func(c *compute.ClusterDetails) {
				c.NumWorkers, c.Autoscale = 6, &compute.AutoScale{MinWorkers: 2, MaxWorkers: 8}
			})}}},
		{name: "cluster on a node type not allowed",
			inv: Inventory{Clusters: []compute.ClusterDetails{cluster("c1", func(c *compute.ClusterDetails) {
				c.NodeTypeId, c.DriverNodeTypeId = "r5.4xlarge", "r5.4xlarge"
			})}},
			want: []string{"node_type_not_allowed: node type r5.4xlarge is not allowed (the category allows m5.xlarge, m5.2xlarge)"}},
		{name: "cluster with a driver node type not allowed",
			inv: Inventory{Clusters: []compute.ClusterDetails{cluster("c1", func(c *compute.ClusterDetails) {
				c.DriverNodeTypeId = "p3.8xlarge"
			})}},
			want: []string{"node_type_not_allowed: driver node type p3.8xlarge"}},
		{name: "cluster from an instance pool: node type not in its settings",
			inv: Inventory{Clusters: []compute.ClusterDetails{cluster("c1", func(c *compute.ClusterDetails) {
				c.NodeTypeId, c.InstancePoolId = "", "pool-1"
			})}}},
		{name: "all-purpose cluster in a jobs-only category",
			inv: Inventory{Clusters: []compute.ClusterDetails{cluster("c1", func(c *compute.ClusterDetails) {
				c.CustomTags, c.NodeTypeId, c.AutoterminationMinutes = tags(deepSpace), "i3.xlarge", 30
			})}},
			want: []string{"all_purpose_not_allowed: all-purpose compute in Deep Space Telemetry"}, category: deepSpace},
		{name: "job cluster in the cluster list is judged through its job",
			inv: Inventory{Clusters: []compute.ClusterDetails{cluster("c1", func(c *compute.ClusterDetails) {
				c.ClusterSource, c.CustomTags, c.PolicyId = compute.ClusterSourceJob, nil, ""
			})}}},

		// Jobs.
		{name: "compliant job", inv: Inventory{Jobs: []jobs.BaseJob{job(1, nil)}}, category: deepSpace, owner: "ada@novadynamics.test"},
		{name: "job cluster without autotermination is fine",
			inv: Inventory{Jobs: []jobs.BaseJob{job(1, func(s *jobs.JobSettings) {
				s.JobClusters[0].NewCluster.AutoterminationMinutes = 0
			})}}},
		{name: "job tagged on its cluster only",
			inv: Inventory{Jobs: []jobs.BaseJob{job(1, func(s *jobs.JobSettings) {
				s.JobClusters[0].NewCluster.CustomTags, s.Tags = s.Tags, nil
			})}},
			category: deepSpace, owner: "ada@novadynamics.test"},
		{name: "job cluster without a policy",
			inv: Inventory{Jobs: []jobs.BaseJob{job(1, func(s *jobs.JobSettings) {
				s.JobClusters[0].NewCluster.PolicyId = ""
			})}},
			want: []string{"no_policy: no cluster policy"}},
		{name: "task cluster with too many workers and a bad node type",
			inv: Inventory{Jobs: []jobs.BaseJob{job(1, func(s *jobs.JobSettings) {
				s.Tasks = append(s.Tasks, jobs.Task{TaskKey: "big", NewCluster: &compute.ClusterSpec{
					PolicyId: "P2", NodeTypeId: "r5.24xlarge", Autoscale: &compute.AutoScale{MinWorkers: 1, MaxWorkers: 40}}})
			})}},
			want: []string{
				"too_many_workers: 40 workers at most (autoscale) (the category allows at most 16) (task big)",
				"node_type_not_allowed: node type r5.24xlarge is not allowed (the category allows i3.xlarge) (task big)",
			}},
		{name: "for-each task's cluster",
			inv: Inventory{Jobs: []jobs.BaseJob{job(1, func(s *jobs.JobSettings) {
				s.JobClusters, s.Tasks = nil, []jobs.Task{{TaskKey: "loop", ForEachTask: &jobs.ForEachTask{
					Task: jobs.Task{TaskKey: "each", NewCluster: &compute.ClusterSpec{NodeTypeId: "i3.xlarge", NumWorkers: 2}}}}}
			})}},
			want: []string{"no_policy: no cluster policy"}},
		{name: "the same finding on two job clusters is said once",
			inv: Inventory{Jobs: []jobs.BaseJob{job(1, func(s *jobs.JobSettings) {
				s.Tags = tags(deepSpace, TeamTagKey, "")
				s.JobClusters = append(s.JobClusters, jobs.JobCluster{JobClusterKey: "side", NewCluster: jobSpec(nil)})
			})}},
			want: []string{"missing_tag: missing tag Team (want SAD) (job cluster main, job cluster side)"}},
		{name: "job task on an all-purpose cluster in a jobs-only category",
			inv: Inventory{Jobs: []jobs.BaseJob{job(1, func(s *jobs.JobSettings) {
				s.Tasks = append(s.Tasks, jobs.Task{TaskKey: "adhoc", ExistingClusterId: "0714-abc"},
					jobs.Task{TaskKey: "report", ExistingClusterId: "0714-abc"}, jobs.Task{TaskKey: "mail", ExistingClusterId: "0714-def"})
			})}},
			want: []string{
				"all_purpose_not_allowed: tasks adhoc, report run on all-purpose cluster 0714-abc; Deep Space Telemetry is allowed jobs compute only",
				"all_purpose_not_allowed: task mail runs on all-purpose cluster 0714-def;",
			}},
		{name: "job task on an all-purpose cluster where it is allowed",
			inv: Inventory{Jobs: []jobs.BaseJob{job(1, func(s *jobs.JobSettings) {
				s.Tags = tags(explore)
				s.JobClusters[0].NewCluster.NodeTypeId = "m5.xlarge"
				s.Tasks = append(s.Tasks, jobs.Task{TaskKey: "adhoc", ExistingClusterId: "0714-abc"})
			})}},
			category: explore},
		{name: "serverless job without tags",
			inv: Inventory{Jobs: []jobs.BaseJob{job(1, func(s *jobs.JobSettings) {
				s.JobClusters, s.Tasks = nil, []jobs.Task{{TaskKey: "run", EnvironmentKey: "default"}}
				s.Tags = tags(deepSpace, budget.CategoryTagKey, "", budget.OwnerTagKey, "")
			})}},
			want:  []string{"missing_tag: missing tags OperationalCategory (its spend is unattributed), Owner"},
			owner: "creator@novadynamics.test", category: budget.Unattributed},

		// Warehouses.
		{name: "compliant warehouse", inv: Inventory{Warehouses: []sql.EndpointInfo{warehouse("w1", nil)}}, category: explore},
		{name: "warehouse that never stops",
			inv:  Inventory{Warehouses: []sql.EndpointInfo{warehouse("w1", func(w *sql.EndpointInfo) { w.AutoStopMins = 0 })}},
			want: []string{"autotermination_off: auto stop is off"}},
		{name: "warehouse without tags",
			inv: Inventory{Warehouses: []sql.EndpointInfo{warehouse("w1", func(w *sql.EndpointInfo) { w.Tags = nil })}},
			want: []string{
				"missing_tag: missing tags OperationalCategory (its spend is unattributed), " +
					"Team (want SAD), CostCenter (want ND-Analytics), Environment (want DEV or PROD), Owner (want the e-mail of the person responsible)",
			},
			owner: "creator@novadynamics.test", category: budget.Unattributed},

		// Pipelines.
		{name: "compliant pipeline", inv: Inventory{Pipelines: []pipelines.GetPipelineResponse{pipeline("p1", nil)}}, category: deepSpace},
		{name: "classic pipeline without cluster settings runs without a policy",
			inv:  Inventory{Pipelines: []pipelines.GetPipelineResponse{pipeline("p1", func(s *pipelines.PipelineSpec) { s.Clusters = nil })}},
			want: []string{"no_policy: no cluster policy"}},
		{name: "serverless pipeline with tags, on its category's budget policy",
			inv: Inventory{Pipelines: []pipelines.GetPipelineResponse{func() pipelines.GetPipelineResponse {
				p := pipeline("p1", func(s *pipelines.PipelineSpec) { s.Clusters, s.Serverless = nil, true })
				p.EffectiveBudgetPolicyId = deepSpacePolicy.PolicyId
				return p
			}()}, BudgetPolicies: []billing.BudgetPolicy{deepSpacePolicy}}},
		{name: "pipeline cluster autoscaling past the limit",
			inv: Inventory{Pipelines: []pipelines.GetPipelineResponse{pipeline("p1", func(s *pipelines.PipelineSpec) {
				s.Clusters[0].NumWorkers, s.Clusters[0].Autoscale = 0, &pipelines.PipelineClusterAutoscale{MinWorkers: 1, MaxWorkers: 30}
			})}},
			want: []string{"too_many_workers: 30 workers at most (autoscale) (the category allows at most 16)"}},
		{name: "pipeline tagged on its cluster",
			inv: Inventory{Pipelines: []pipelines.GetPipelineResponse{pipeline("p1", func(s *pipelines.PipelineSpec) {
				s.Clusters[0].CustomTags, s.Tags = s.Tags, map[string]string{TeamTagKey: "SAD"}
			})}},
			category: deepSpace, owner: "ada@novadynamics.test"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := Evaluate(tc.inv, Options{Division: testDivision, Host: "https://dbc-1.cloud.databricks.com", MinCompliancePct: 100})
			got := rules(r)
			if len(got) != len(tc.want) {
				t.Fatalf("findings:\n%s\nwant %d:\n%s", strings.Join(got, "\n"), len(tc.want), strings.Join(tc.want, "\n"))
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(got[i], w) && !strings.Contains(got[i], w) {
					t.Errorf("finding %d = %q, want it to contain %q", i, got[i], w)
				}
			}
			skipped := tc.name == "job cluster in the cluster list is judged through its job"
			wantTotal, wantCompliant := 1, 0
			if skipped {
				wantTotal = 0
			}
			if len(tc.want) == 0 && !skipped {
				wantCompliant = 1
			}
			if r.Resources.Total != wantTotal || r.Resources.Compliant != wantCompliant {
				t.Errorf("resources = %+v, want %d checked, %d compliant", r.Resources, wantTotal, wantCompliant)
			}
			if r.Passed != (wantCompliant == wantTotal) {
				t.Errorf("passed = %v with %+v at 100 %%", r.Passed, r.Resources)
			}
			for _, f := range r.Findings {
				if tc.category != "" && f.Category != tc.category {
					t.Errorf("category = %q, want %q", f.Category, tc.category)
				}
				if tc.owner != "" && f.Owner != tc.owner {
					t.Errorf("owner = %q, want %q", f.Owner, tc.owner)
				}
			}
		})
	}
}

// TestResourceFields checks what every finding says about its resource:
// the category and owner even when compliant cases have no finding to show
// them, and the link for each kind.
func TestResourceFields(t *testing.T) {
	inv := Inventory{
		Clusters: []compute.ClusterDetails{cluster("0714-aaa", func(c *compute.ClusterDetails) {
			c.PolicyId = ""
			c.CustomTags = tags("exploratory missions", budget.OwnerTagKey, " ")
		})},
		Jobs:       []jobs.BaseJob{job(42, func(s *jobs.JobSettings) { s.JobClusters[0].NewCluster.PolicyId = "" })},
		Warehouses: []sql.EndpointInfo{warehouse("wh1", func(w *sql.EndpointInfo) { w.AutoStopMins = 0 })},
		Pipelines:  []pipelines.GetPipelineResponse{pipeline("pl-1", func(s *pipelines.PipelineSpec) { s.Clusters[0].PolicyId = "" })},
	}
	cases := []struct {
		name, host, workspaceID string
		links                   []string
	}{
		{name: "workspace host with ?o=", host: "https://acme.cloud.databricks.com/", workspaceID: "1234567890",
			links: []string{
				"https://acme.cloud.databricks.com/compute/clusters/0714-aaa?o=1234567890",
				"https://acme.cloud.databricks.com/jobs/42?o=1234567890",
				"https://acme.cloud.databricks.com/sql/warehouses/wh1?o=1234567890",
				"https://acme.cloud.databricks.com/pipelines/pl-1?o=1234567890",
			}},
		{name: "host naming the workspace", host: "https://adb-1234567890.5.azuredatabricks.net", workspaceID: "1234567890",
			links: []string{
				"https://adb-1234567890.5.azuredatabricks.net/compute/clusters/0714-aaa",
				"https://adb-1234567890.5.azuredatabricks.net/jobs/42",
				"https://adb-1234567890.5.azuredatabricks.net/sql/warehouses/wh1",
				"https://adb-1234567890.5.azuredatabricks.net/pipelines/pl-1",
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := Evaluate(inv, Options{Division: testDivision, Host: tc.host, WorkspaceID: tc.workspaceID})
			var links []string
			for _, f := range r.Findings {
				if !slices.Contains(links, f.Link) {
					links = append(links, f.Link)
				}
			}
			if !slices.Equal(links, tc.links) {
				t.Errorf("links:\n%s\nwant:\n%s", strings.Join(links, "\n"), strings.Join(tc.links, "\n"))
			}
		})
	}
	r := Evaluate(inv, Options{Division: testDivision, Host: "https://h"})
	want := []Resource{
		{Kind: KindCluster, ID: "0714-aaa", Name: "cluster 0714-aaa", Category: explore, CategorySlug: "exploratory-missions", Owner: "creator@novadynamics.test", Link: "https://h/compute/clusters/0714-aaa"},
		{Kind: KindJob, ID: "42", Name: "job", Category: deepSpace, CategorySlug: "deep-space-telemetry", Owner: "ada@novadynamics.test", Link: "https://h/jobs/42"},
		{Kind: KindWarehouse, ID: "wh1", Name: "warehouse wh1", Category: explore, CategorySlug: "exploratory-missions", Owner: "ada@novadynamics.test", Link: "https://h/sql/warehouses/wh1"},
		{Kind: KindPipeline, ID: "pl-1", Name: "pipeline pl-1", Category: deepSpace, CategorySlug: "deep-space-telemetry", Owner: "ada@novadynamics.test", Link: "https://h/pipelines/pl-1"},
	}
	var got []Resource
	for _, g := range r.NonCompliant() {
		got = append(got, g.Resource)
	}
	if !slices.Equal(got, want) {
		t.Errorf("resources:\n%+v\nwant:\n%+v", got, want)
	}
}

func TestCounts(t *testing.T) {
	three := Inventory{
		Clusters:   []compute.ClusterDetails{cluster("a", nil), cluster("b", func(c *compute.ClusterDetails) { c.PolicyId = "" })},
		Warehouses: []sql.EndpointInfo{warehouse("w", nil)},
	}
	cases := []struct {
		name       string
		inv        Inventory
		min        float64
		wantPct    float64
		wantPassed bool
	}{
		{name: "two of three at 100", inv: three, min: 100, wantPct: 66.7, wantPassed: false},
		{name: "two of three at 66.6 (exact share is above)", inv: three, min: 66.6, wantPct: 66.7, wantPassed: true},
		{name: "two of three at 66.7 (shown, but the exact share is below)", inv: three, min: 66.7, wantPct: 66.7, wantPassed: false},
		{name: "two of three at 0", inv: three, min: 0, wantPct: 66.7, wantPassed: true},
		{name: "nothing to check", inv: Inventory{}, min: 100, wantPct: 100, wantPassed: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := Evaluate(tc.inv, Options{Division: testDivision, MinCompliancePct: tc.min, Now: time.Date(2026, 7, 14, 9, 30, 0, 0, time.FixedZone("CEST", 7200))})
			if r.Resources.CompliancePct != tc.wantPct || r.Passed != tc.wantPassed {
				t.Errorf("pct %v passed %v, want %v %v", r.Resources.CompliancePct, r.Passed, tc.wantPct, tc.wantPassed)
			}
			if r.CheckedAt.Location() != time.UTC || r.CheckedAt.Hour() != 7 {
				t.Errorf("checked at %v, want 07:30 UTC", r.CheckedAt)
			}
			if len(r.ByKind) != len(Kinds) {
				t.Fatalf("by kind: %+v", r.ByKind)
			}
			total := 0
			for _, k := range r.ByKind {
				total += k.Total
			}
			if total != r.Resources.Total {
				t.Errorf("kinds sum to %d, total %d", total, r.Resources.Total)
			}
		})
	}
}

func TestSharePctRoundsHalfUp(t *testing.T) {
	cases := []struct {
		part, whole int
		want        float64
	}{
		{999, 1000, 99.9}, {9994, 10000, 99.9}, {9995, 10000, 100}, {1999, 2500, 80}, {1599, 2000, 80},
		{1, 3, 33.3}, {2, 3, 66.7}, {7, 10, 70}, {5, 5, 100}, {0, 4, 0}, {0, 0, 100},
	}
	for _, tc := range cases {
		if got := sharePct(tc.part, tc.whole); got != tc.want {
			t.Errorf("sharePct(%d, %d) = %v, want %v", tc.part, tc.whole, got, tc.want)
		}
	}
}

// TestGateComparesTheExactShare: a share shown rounded up to the target
// still fails it; one exactly at the target passes.
func TestGateComparesTheExactShare(t *testing.T) {
	cases := []struct {
		name               string
		compliant, total   int
		min                float64
		wantShown          string
		wantPassed         bool
		wantResourcesTable string
	}{
		{"79.96 % shows as 80.0 and fails 80", 1999, 2500, 80, "80.0", false, "Resources: 1999 of 2500 comply (80.0 %), below the 80 % target."},
		{"79.95 % shows as 80.0 (half up) and fails 80", 1599, 2000, 80, "80.0", false, "Resources: 1599 of 2000 comply (80.0 %), below the 80 % target."},
		{"80 % exactly passes 80", 2000, 2500, 80, "80.0", true, "Resources: 2000 of 2500 comply (80.0 %), meeting the 80 % target."},
		{"79.96 % exactly passes 79.96", 1999, 2500, 79.96, "80.0", true, "Resources: 1999 of 2500 comply (80.0 %), meeting the 79.96 % target."},
		{"99.95 % shows as 100.0 and fails 100", 1999, 2000, 100, "100.0", false, "Resources: 1999 of 2000 comply (100.0 %), below the 100 % target."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := countsOf(tc.total, tc.compliant)
			if got := strconv.FormatFloat(c.CompliancePct, 'f', 1, 64); got != tc.wantShown {
				t.Errorf("shown %s %%, want %s %%", got, tc.wantShown)
			}
			r := Report{Resources: c, MinCompliancePct: tc.min, Passed: meets(tc.compliant, tc.total, tc.min)}
			if r.Passed != tc.wantPassed {
				t.Errorf("passed %v, want %v", r.Passed, tc.wantPassed)
			}
			var b strings.Builder
			if err := WriteTable(&b, &r); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), tc.wantResourcesTable) {
				t.Errorf("table\n%s\nwant the line %q", b.String(), tc.wantResourcesTable)
			}
		})
	}
}
