package emulator

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/listing"
	"github.com/databricks/databricks-sdk-go/service/billing"
	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/jobs"
	"github.com/databricks/databricks-sdk-go/service/pipelines"

	"github.com/novadynamics/stellar-budget/internal/demo"
)

// TestSeedServerless reads the serverless work and the classic pipeline
// through the real SDK, as check does: budget policy ids on jobs (list
// and get) and on a pipeline's get only; the ids the seed reserved go to
// the policies setup creates by those names; a dlt policy is accepted.
func TestSeedServerless(t *testing.T) {
	div := objectsDivision()
	div.Categories[0].Policy.AllowPipelines = true
	emu, err := Start("127.0.0.1:0", Options{AsOf: objectsAsOf, Division: div})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	cfg := emu.Config()
	w, err := databricks.NewWorkspaceClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, err := databricks.NewAccountClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// setup creates the first two categories' budget policies.
	policyOf := map[string]string{}
	for _, slug := range []string{"deep-space-telemetry", "propulsion-analytics"} {
		p, err := a.BudgetPolicy.Create(ctx, billing.CreateBudgetPolicyRequest{Policy: &billing.BudgetPolicy{PolicyName: "stellar-budget:SAD:" + slug}})
		if err != nil {
			t.Fatal(err)
		}
		policyOf[slug] = p.PolicyId
	}
	other, err := a.BudgetPolicy.Create(ctx, billing.CreateBudgetPolicyRequest{Policy: &billing.BudgetPolicy{PolicyName: "stellar-budget:SAD:orbital-mechanics"}})
	if err != nil || other.PolicyId == policyOf["deep-space-telemetry"] || other.PolicyId == policyOf["propulsion-analytics"] {
		t.Fatalf("a third policy: %+v, %v", other, err)
	}

	list, err := listing.ToSlice(ctx, w.Jobs.List(ctx, jobs.ListJobsRequest{ExpandTasks: true}))
	if err != nil {
		t.Fatal(err)
	}
	serverlessIDs := demo.ServerlessJobs(div)
	tests := []struct {
		name, tag, policy string
	}{
		{"Deep Space Telemetry event triggers (serverless)", "DEEP_SPACE_TELEMETRY", policyOf["deep-space-telemetry"]},
		// The last category's job is on the first's policy.
		{"Exoplanet Research event triggers (serverless)", "EXOPLANET_RESEARCH", policyOf["deep-space-telemetry"]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var found *jobs.BaseJob
			for i := range list {
				if list[i].Settings.Name == tc.name {
					found = &list[i]
				}
			}
			if found == nil {
				t.Fatal("not listed")
			}
			if found.EffectiveBudgetPolicyId != tc.policy || found.Settings.BudgetPolicyId != tc.policy {
				t.Errorf("listed with budget policy %q (effective %q), want %q", found.Settings.BudgetPolicyId, found.EffectiveBudgetPolicyId, tc.policy)
			}
			if strconv.FormatInt(found.JobId, 10) != serverlessIDs[tc.tag] {
				t.Errorf("job id %d, want the demo account's serverless job %s", found.JobId, serverlessIDs[tc.tag])
			}
			for _, task := range found.Settings.Tasks {
				if task.NewCluster != nil || task.JobClusterKey != "" || task.ExistingClusterId != "" {
					t.Errorf("task %s names a cluster", task.TaskKey)
				}
			}
			got, err := w.Jobs.GetByJobId(ctx, found.JobId)
			if err != nil || got.EffectiveBudgetPolicyId != tc.policy || got.Settings.BudgetPolicyId != tc.policy {
				t.Errorf("get: %+v, %v", got, err)
			}
		})
	}

	// The pipelines list carries no budget policy, as the service's does;
	// the get does.
	req, _ := http.NewRequest(http.MethodGet, emu.URL+"/api/2.0/pipelines", nil)
	req.Header.Set("Authorization", "Bearer "+DefaultToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(body), "budget_policy") {
		t.Errorf("the pipelines list names a budget policy: %s", body)
	}
	statuses, err := w.Pipelines.ListPipelinesAll(ctx, pipelines.ListPipelinesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var serverless, classic *pipelines.GetPipelineResponse
	for _, s := range statuses {
		p, err := w.Pipelines.Get(ctx, pipelines.GetPipelineRequest{PipelineId: s.PipelineId})
		if err != nil {
			t.Fatal(err)
		}
		switch p.Name {
		case "Propulsion Analytics streaming tables (serverless)":
			serverless = p
		case "Deep Space Telemetry decode pipeline":
			classic = p
		}
	}
	if serverless == nil || !serverless.Spec.Serverless || len(serverless.Spec.Clusters) != 0 ||
		serverless.EffectiveBudgetPolicyId != policyOf["propulsion-analytics"] || serverless.Spec.BudgetPolicyId != policyOf["propulsion-analytics"] {
		t.Errorf("serverless pipeline %+v", serverless)
	}
	if classic == nil || classic.Spec.Serverless || len(classic.Spec.Clusters) != 1 || !classic.Spec.Clusters[0].ApplyPolicyDefaultValues {
		t.Fatalf("classic pipeline %+v", classic)
	}

	// setup's pipelines policy: cluster_type fixed to dlt, accepted, with
	// the id the classic pipeline's cluster names.
	def, _ := json.Marshal(map[string]any{
		"cluster_type":                    map[string]any{"type": "fixed", "value": "dlt"},
		"custom_tags.OperationalCategory": map[string]any{"type": "fixed", "value": "DEEP_SPACE_TELEMETRY"},
	})
	created, err := w.ClusterPolicies.Create(ctx, compute.CreatePolicy{
		Name: "SAD Deep Space Telemetry (pipelines)", Definition: string(def),
		Description: "stellar-budget:SAD:deep-space-telemetry:pipelines — managed by `generator setup`",
	})
	if err != nil {
		t.Fatal(err)
	}
	if created.PolicyId != classic.Spec.Clusters[0].PolicyId {
		t.Errorf("pipelines policy id %s, the classic pipeline names %s", created.PolicyId, classic.Spec.Clusters[0].PolicyId)
	}
	if got, err := w.ClusterPolicies.GetByPolicyId(ctx, created.PolicyId); err != nil || !strings.Contains(got.Definition, `"dlt"`) {
		t.Errorf("dlt policy read back: %+v, %v", got, err)
	}
	// Another policy with the same key gets an id of its own.
	again, err := w.ClusterPolicies.Create(ctx, compute.CreatePolicy{Name: "copy", Description: "stellar-budget:SAD:deep-space-telemetry:pipelines copy"})
	if err != nil || again.PolicyId == created.PolicyId {
		t.Errorf("second policy with the key: %+v, %v", again, err)
	}
}
