package emulator

import (
	"strconv"
	"strings"
	"time"

	"github.com/databricks/databricks-sdk-go/service/pipelines"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// Serverless work, and the classic pipeline on a category's own pipelines
// policy (seedWorkspace):
//
//   - the first category's serverless job on its own budget policy, and
//     the last category's on the first's: its serverless spend is tagged
//     for the wrong category. Their job ids are the demo account's
//     serverless jobs of those categories (demo.ServerlessJobs), so their
//     spend is in system.billing.usage;
//   - the second category's serverless pipeline on its own budget policy;
//   - the first category with policy.allow_pipelines: a classic pipeline
//     on its pipelines policy (cluster_type dlt), its cluster carrying only
//     the Environment and Owner tags: the policy fixes the rest
//     (apply_policy_default_values).
//
// A category's budget policy and pipelines policy are setup's to create,
// so the seed cannot point at them by an id the account hands out later.
// It reserves the ids instead: the budget policy named as setup names it
// (stellar-budget:SAD:<slug>), and the cluster policy whose description
// starts with setup's key (stellar-budget:SAD:<slug>:pipelines), get the
// reserved id when created through the API. Until then the seeded
// workload names a policy that does not exist. The emulator stands in for
// the admin who would move the workload onto the new policy.

// setupKeyPrefix starts the names and keys setup gives the division's
// objects (internal/setup).
const setupKeyPrefix = "stellar-budget:" + teamValue + ":"

// reserveBudgetPolicy reserves the id of category c's budget policy.
func (sd *seeder) reserveBudgetPolicy(c budget.Category) string {
	name := setupKeyPrefix + slugOf(c)
	id := stableUUID("reserved-budget-policy", name)
	sd.reservedBudgetPolicies[name] = id
	return id
}

// reservePipelinesPolicy reserves the id of category c's pipelines policy.
func (sd *seeder) reservePipelinesPolicy(c budget.Category) string {
	key := setupKeyPrefix + slugOf(c) + ":pipelines"
	id := stableHexID("reserved-cluster-policy", key)
	sd.claim(id)
	sd.ws.reservedPolicies[key] = id
	return id
}

// serverless adds the serverless jobs and the serverless pipeline.
func (sd *seeder) serverless() {
	n := len(sd.cats)
	if n == 0 {
		return
	}
	first := sd.cats[0]
	firstPolicy := sd.reserveBudgetPolicy(first)
	sd.serverlessJob(first, firstPolicy)
	if n > 1 {
		sd.serverlessJob(sd.cats[n-1], firstPolicy)
	}
	c := sd.cats[1%n]
	policy := firstPolicy
	if n > 1 {
		policy = sd.reserveBudgetPolicy(c)
	}
	owner := sd.owner(c, 0)
	key := slugOf(c) + "/serverless-dlt"
	id := stableUUID("pipeline", key)
	sd.claim(id)
	name := c.Title + " streaming tables (serverless)"
	sd.ws.pipelines = append(sd.ws.pipelines, &pipelines.GetPipelineResponse{
		PipelineId:              id,
		Name:                    name,
		CreatorUserName:         owner,
		RunAsUserName:           owner,
		Health:                  pipelines.GetPipelineResponseHealthHealthy,
		State:                   pipelines.PipelineStateIdle,
		LastModified:            sd.ms(-12 * 24 * time.Hour),
		EffectiveBudgetPolicyId: policy,
		Spec: &pipelines.PipelineSpec{
			Id: id, Name: name, Catalog: "sad", Schema: strings.ReplaceAll(slugOf(c), "-", "_"),
			Channel: "CURRENT", Serverless: true, Photon: true, BudgetPolicyId: policy,
			Tags:      tags(c, "PROD", owner),
			Libraries: []pipelines.PipelineLibrary{{Notebook: &pipelines.NotebookLibrary{Path: "/Repos/sad/" + key + "/pipeline"}}},
		},
		LatestUpdates: []pipelines.UpdateStateInfo{{
			UpdateId: stableUUID("pipeline-update", key), State: pipelines.UpdateStateInfoStateCompleted,
			CreationTime: sd.day.Add(-5 * time.Hour).Format(time.RFC3339),
		}},
	})
}

// serverlessJob adds category c's serverless job (its tasks name no
// cluster) on the budget policy policyID.
func (sd *seeder) serverlessJob(c budget.Category, policyID string) {
	key := slugOf(c) + "/serverless"
	id := stableJobID(key)
	if v, ok := sd.serverlessJobs[budget.NormalizeTag(c.TagValue)]; ok {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			id = n
		}
	}
	owner := sd.owner(c, 0)
	j := sd.jobWithID(id, key, c.Title+" event triggers (serverless)", owner, tags(c, "PROD", owner), nil, nil, "")
	j.Settings.BudgetPolicyId = policyID
	j.EffectiveBudgetPolicyId = policyID
}

// classicPipeline adds the classic pipeline on the pipelines policy of the
// first category that may have one.
func (sd *seeder) classicPipeline() {
	for _, c := range sd.cats {
		if !c.Policy.AllowPipelines {
			continue
		}
		node, maxWorkers, _ := limits(c)
		owner := sd.owner(c, 1)
		cluster := pipelineCluster(node, min(4, maxWorkers), map[string]string{environmentTagKey: "PROD", budget.OwnerTagKey: owner}, sd.reservePipelinesPolicy(c))
		cluster.ApplyPolicyDefaultValues = true
		sd.pipeline(slugOf(c)+"/classic-dlt", c.Title+" decode pipeline", owner, c, cluster, false)
		return
	}
}

// reservedPolicyID is the id a cluster policy created with description
// gets: the one the seed reserved for its key, while no policy has it.
func (ws *workspaceState) reservedPolicyID(description string) string {
	key, _, _ := strings.Cut(description, " ")
	id, ok := ws.reservedPolicies[key]
	if !ok || ws.findPolicy(id) != nil {
		return ""
	}
	return id
}
