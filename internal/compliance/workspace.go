package compliance

import (
	"context"
	"fmt"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/listing"
	"github.com/databricks/databricks-sdk-go/service/billing"
	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/jobs"
	"github.com/databricks/databricks-sdk-go/service/pipelines"
	"github.com/databricks/databricks-sdk-go/service/sql"
)

// Account connects to the account whose budget policies serverless work
// is judged by. Check calls it only when the workspace runs serverless
// work, so a check of a workspace without any needs no account access.
type Account func() (billing.BudgetPolicyInterface, error)

// Check reads the workspace's resources, and the account's budget
// policies when there is serverless work to judge, and judges them.
func Check(ctx context.Context, w *databricks.WorkspaceClient, account Account, opts Options) (*Report, error) {
	inv, err := ReadInventory(ctx, w)
	if err != nil {
		return nil, err
	}
	if inv.Serverless() {
		if inv.BudgetPolicies, err = readBudgetPolicies(ctx, account); err != nil {
			return nil, err
		}
	}
	return Evaluate(inv, opts), nil
}

// readBudgetPolicies lists the account's budget policies. Its errors say
// why serverless work needs them.
func readBudgetPolicies(ctx context.Context, account Account) ([]billing.BudgetPolicy, error) {
	const why = "serverless jobs and pipelines are judged by their budget policy, which the account holds"
	if account == nil {
		return nil, fmt.Errorf("%s: no account to read it from", why)
	}
	policies, err := account()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", why, err)
	}
	list, err := policies.ListAll(ctx, billing.ListBudgetPoliciesRequest{})
	if err != nil {
		return nil, fmt.Errorf("%s: list budget policies: %w", why, err)
	}
	if list == nil {
		list = []billing.BudgetPolicy{}
	}
	return list, nil
}

// ReadInventory lists the workspace's clusters, jobs (with their tasks and
// job clusters), SQL warehouses, pipelines (each read in full, since the
// list omits their cluster settings and budget policy) and cluster
// policies.
func ReadInventory(ctx context.Context, w *databricks.WorkspaceClient) (Inventory, error) {
	var inv Inventory
	var err error
	if inv.Clusters, err = w.Clusters.ListAll(ctx, compute.ListClustersRequest{}); err != nil {
		return Inventory{}, fmt.Errorf("list clusters: %w", err)
	}
	// List, not ListAll: only List fetches the rest of a job's tasks and
	// job clusters when the list truncates them (has_more).
	if inv.Jobs, err = listing.ToSlice(ctx, w.Jobs.List(ctx, jobs.ListJobsRequest{ExpandTasks: true})); err != nil {
		return Inventory{}, fmt.Errorf("list jobs: %w", err)
	}
	if inv.Warehouses, err = w.Warehouses.ListAll(ctx, sql.ListWarehousesRequest{}); err != nil {
		return Inventory{}, fmt.Errorf("list SQL warehouses: %w", err)
	}
	list, err := w.Pipelines.ListPipelinesAll(ctx, pipelines.ListPipelinesRequest{})
	if err != nil {
		return Inventory{}, fmt.Errorf("list pipelines: %w", err)
	}
	for _, p := range list {
		full, err := w.Pipelines.Get(ctx, pipelines.GetPipelineRequest{PipelineId: p.PipelineId})
		if err != nil {
			return Inventory{}, fmt.Errorf("get pipeline %s: %w", p.PipelineId, err)
		}
		inv.Pipelines = append(inv.Pipelines, *full)
	}
	if inv.ClusterPolicies, err = w.ClusterPolicies.ListAll(ctx, compute.ListClusterPoliciesRequest{}); err != nil {
		return Inventory{}, fmt.Errorf("list cluster policies: %w", err)
	}
	return inv, nil
}
