package compliance

import (
	"strings"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go/service/billing"
	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/jobs"
	"github.com/databricks/databricks-sdk-go/service/pipelines"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/governance"
)

// The account's budget policies: each category's as setup names it, and
// another team's.
var (
	deepSpacePolicy = billing.BudgetPolicy{PolicyId: "bp-deep", PolicyName: "stellar-budget:SAD:deep-space-telemetry",
		CustomTags: []compute.CustomPolicyTag{{Key: budget.CategoryTagKey, Value: deepSpace}}}
	explorePolicy = billing.BudgetPolicy{PolicyId: "bp-explore", PolicyName: "stellar-budget:SAD:exploratory-missions",
		CustomTags: []compute.CustomPolicyTag{{Key: budget.CategoryTagKey, Value: explore}}}
	marketingPolicy = billing.BudgetPolicy{PolicyId: "bp-mkt", PolicyName: "Marketing serverless",
		CustomTags: []compute.CustomPolicyTag{{Key: "Team", Value: "MKT"}}}
	sandboxPolicy = billing.BudgetPolicy{PolicyId: "bp-sandbox", PolicyName: "Sandbox",
		CustomTags: []compute.CustomPolicyTag{{Key: budget.CategoryTagKey, Value: "SANDBOX"}}}
	allPolicies = []billing.BudgetPolicy{deepSpacePolicy, explorePolicy, marketingPolicy, sandboxPolicy}
)

// serverlessJob is a Deep Space Telemetry job whose one notebook task
// names no cluster, on budget policy policyID.
func serverlessJobOn(id int64, policyID string) jobs.BaseJob {
	return jobs.BaseJob{JobId: id, CreatorUserName: "creator@novadynamics.test", EffectiveBudgetPolicyId: policyID, Settings: &jobs.JobSettings{
		Name: "serverless job", Tags: tags(deepSpace), BudgetPolicyId: policyID,
		Tasks: []jobs.Task{{TaskKey: "run", NotebookTask: &jobs.NotebookTask{NotebookPath: "/x"}}},
	}}
}

// serverlessPipelineOn is a Deep Space Telemetry serverless pipeline on
// budget policy policyID.
func serverlessPipelineOn(id, policyID string) pipelines.GetPipelineResponse {
	return pipelines.GetPipelineResponse{PipelineId: id, Name: "serverless pipeline", EffectiveBudgetPolicyId: policyID,
		Spec: &pipelines.PipelineSpec{Name: "serverless pipeline", Serverless: true, Tags: tags(deepSpace), BudgetPolicyId: policyID}}
}

func TestServerlessRules(t *testing.T) {
	// The category's pipelines policy fixes the three tags; the pipeline's
	// cluster carries only Environment and Owner.
	dlt := compute.Policy{PolicyId: "P-DLT", Definition: `{"cluster_type":{"type":"fixed","value":"dlt"},` +
		`"custom_tags.OperationalCategory":{"type":"fixed","value":"DEEP_SPACE_TELEMETRY"},"custom_tags.Team":{"type":"fixed","value":"SAD"},` +
		`"custom_tags.CostCenter":{"type":"fixed","value":"ND-Analytics"},"num_workers":{"type":"range","maxValue":16}}`}
	classic := pipeline("p1", func(s *pipelines.PipelineSpec) {
		s.Tags = nil
		s.Clusters[0].PolicyId = dlt.PolicyId
		s.Clusters[0].ApplyPolicyDefaultValues = true
		s.Clusters[0].CustomTags = map[string]string{EnvironmentTagKey: "PROD", budget.OwnerTagKey: "ada@novadynamics.test"}
	})
	cases := []struct {
		name string
		inv  Inventory
		want []string // "rule: explanation fragment"; none: compliant
	}{
		{name: "serverless job on its category's budget policy",
			inv: Inventory{Jobs: []jobs.BaseJob{serverlessJobOn(1, "bp-deep")}, BudgetPolicies: allPolicies}},
		{name: "serverless job on another category's budget policy",
			inv: Inventory{Jobs: []jobs.BaseJob{serverlessJobOn(1, "bp-explore")}, BudgetPolicies: allPolicies},
			want: []string{"wrong_budget_policy: serverless on the budget policy of Exploratory Missions (stellar-budget:SAD:exploratory-missions): " +
				"its spend is attributed to EXPLORATORY_MISSIONS (want stellar-budget:SAD:deep-space-telemetry)"}},
		{name: "serverless job on no budget policy",
			inv:  Inventory{Jobs: []jobs.BaseJob{serverlessJobOn(1, "")}, BudgetPolicies: allPolicies},
			want: []string{"wrong_budget_policy: serverless without a budget policy: its spend carries no OperationalCategory"}},
		{name: "serverless job on another team's budget policy",
			inv:  Inventory{Jobs: []jobs.BaseJob{serverlessJobOn(1, "bp-mkt")}, BudgetPolicies: allPolicies},
			want: []string{"wrong_budget_policy: serverless on budget policy Marketing serverless: its spend carries no OperationalCategory"}},
		{name: "serverless job on a policy tagging an unknown category",
			inv:  Inventory{Jobs: []jobs.BaseJob{serverlessJobOn(1, "bp-sandbox")}, BudgetPolicies: allPolicies},
			want: []string{`wrong_budget_policy: serverless on budget policy Sandbox: its spend is tagged OperationalCategory "SANDBOX"`}},
		{name: "serverless job on a policy the account does not have",
			inv:  Inventory{Jobs: []jobs.BaseJob{serverlessJobOn(1, "bp-gone")}, BudgetPolicies: allPolicies},
			want: []string{"wrong_budget_policy: serverless on budget policy bp-gone, which the account does not have"}},
		{name: "serverless job before setup made the category's policy",
			inv:  Inventory{Jobs: []jobs.BaseJob{serverlessJobOn(1, "bp-explore")}, BudgetPolicies: []billing.BudgetPolicy{explorePolicy}},
			want: []string{"wrong_budget_policy: serverless, and Deep Space Telemetry has no budget policy to tag its spend (setup creates stellar-budget:SAD:deep-space-telemetry)"}},
		{name: "a job on a SQL warehouse is not serverless compute",
			inv: Inventory{Jobs: []jobs.BaseJob{func() jobs.BaseJob {
				j := serverlessJobOn(1, "")
				j.Settings.Tasks[0].NotebookTask.WarehouseId = "wh1"
				return j
			}()}}},
		{name: "a job on an all-purpose cluster is not serverless",
			inv: Inventory{Jobs: []jobs.BaseJob{func() jobs.BaseJob {
				j := serverlessJobOn(1, "")
				j.Settings.Tags = tags(explore)
				j.Settings.Tasks[0].ExistingClusterId = "c1"
				return j
			}()}}},
		{name: "serverless pipeline on its category's budget policy",
			inv: Inventory{Pipelines: []pipelines.GetPipelineResponse{serverlessPipelineOn("p1", "bp-deep")}, BudgetPolicies: allPolicies}},
		{name: "serverless pipeline on another category's budget policy",
			inv:  Inventory{Pipelines: []pipelines.GetPipelineResponse{serverlessPipelineOn("p1", "bp-explore")}, BudgetPolicies: allPolicies},
			want: []string{"wrong_budget_policy: serverless on the budget policy of Exploratory Missions"}},
		{name: "untagged serverless work is left to the tag rules",
			inv: Inventory{Jobs: []jobs.BaseJob{func() jobs.BaseJob {
				j := serverlessJobOn(1, "bp-explore")
				j.Settings.Tags = tags(deepSpace, budget.CategoryTagKey, "")
				return j
			}()}, BudgetPolicies: allPolicies},
			want: []string{"missing_tag: missing tag OperationalCategory"}},
		{name: "classic pipeline on its category's dlt policy",
			inv: Inventory{Pipelines: []pipelines.GetPipelineResponse{classic}, ClusterPolicies: []compute.Policy{dlt}}},
		{name: "the same pipeline without the policy's tags read",
			inv:  Inventory{Pipelines: []pipelines.GetPipelineResponse{classic}},
			want: []string{"missing_tag: missing tags OperationalCategory"}},
		{name: "a job cluster gets its policy's fixed tags too",
			inv: Inventory{Jobs: []jobs.BaseJob{job(1, func(s *jobs.JobSettings) {
				s.Tags = nil
				s.JobClusters[0].NewCluster.PolicyId = dlt.PolicyId
				s.JobClusters[0].NewCluster.CustomTags = map[string]string{EnvironmentTagKey: "DEV", budget.OwnerTagKey: "ada@novadynamics.test"}
			})}, ClusterPolicies: []compute.Policy{dlt}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := Evaluate(tc.inv, Options{Division: testDivision, MinCompliancePct: 100})
			got := rules(r)
			if len(got) != len(tc.want) {
				t.Fatalf("findings:\n%s\nwant %d:\n%s", strings.Join(got, "\n"), len(tc.want), strings.Join(tc.want, "\n"))
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("finding %d = %q, want it to start %q", i, got[i], w)
				}
			}
		})
	}
}

func TestServerlessNeedsTheAccount(t *testing.T) {
	if !(Inventory{Jobs: []jobs.BaseJob{serverlessJobOn(1, "")}}).Serverless() {
		t.Error("a serverless job is not serverless work")
	}
	if (Inventory{Jobs: []jobs.BaseJob{job(1, nil)}, Pipelines: []pipelines.GetPipelineResponse{pipeline("p", nil)}}).Serverless() {
		t.Error("classic work counts as serverless")
	}
	_, err := readBudgetPolicies(t.Context(), nil)
	if err == nil || !strings.Contains(err.Error(), "serverless jobs and pipelines are judged by their budget policy, which the account holds") {
		t.Errorf("no account: %v", err)
	}
}

// TestMisattributedSpend: a wrong_budget_policy finding carries its job's
// spend of the month, and the tagged spend sums them; other findings and
// other workloads do not count.
func TestMisattributedSpend(t *testing.T) {
	r := Evaluate(Inventory{
		Jobs:           []jobs.BaseJob{serverlessJobOn(7, "bp-explore"), serverlessJobOn(8, "bp-deep"), job(9, func(s *jobs.JobSettings) { s.Tags = nil })},
		Pipelines:      []pipelines.GetPipelineResponse{serverlessPipelineOn("p1", "")},
		BudgetPolicies: allPolicies,
	}, Options{Division: testDivision, MinCompliancePct: 100})
	r.TaggedSpend = &governance.TaggedSpend{Month: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), Source: "demo"}
	r.AddMisattributed(WorkloadSpend{
		{KindJob, "7"}: budget.MustDecimal("1234.5678"), {KindJob, "8"}: budget.MustDecimal("99"), {KindJob, "9"}: budget.MustDecimal("5"),
		{KindPipeline, "p1"}: budget.MustDecimal("10.004"),
	})
	spend := map[string]string{}
	for _, f := range r.Findings {
		if f.SpendUSD != "" {
			spend[f.Kind+" "+f.ID] = f.SpendUSD
			if f.Kind == KindJob && !strings.HasSuffix(f.Explanation, "; $1,234.57 of spend in June 2026") {
				t.Errorf("explanation %q", f.Explanation)
			}
		}
	}
	if len(spend) != 2 || spend["job 7"] != "1234.57" || spend["pipeline p1"] != "10.00" {
		t.Errorf("spend of the findings: %v", spend)
	}
	if got := r.TaggedSpend.Misattributed.Cents(); got != "1244.57" {
		t.Errorf("misattributed %s, want 1244.57", got)
	}
	var table strings.Builder
	if err := WriteTable(&table, r); err != nil {
		t.Fatal(err)
	}
	if want := "Serverless spend on the wrong budget policy in June 2026: $1,244.57 (2 jobs and pipelines)."; !strings.Contains(table.String(), want) {
		t.Errorf("table lacks %q:\n%s", want, table.String())
	}
	b, err := r.TaggedSpend.MarshalJSON()
	if err != nil || !strings.Contains(string(b), `"misattributed_usd":"1244.57"`) {
		t.Errorf("JSON %s, %v", b, err)
	}
	var back governance.TaggedSpend
	if err := back.UnmarshalJSON(b); err != nil || back.Misattributed.Cents() != "1244.57" {
		t.Errorf("read back %+v, %v", back, err)
	}
}
