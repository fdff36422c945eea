package compliance

import (
	"context"
	"fmt"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/listing"
	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/jobs"
	"github.com/databricks/databricks-sdk-go/service/pipelines"
	"github.com/databricks/databricks-sdk-go/service/sql"
)

// Check reads the workspace's resources and judges them.
func Check(ctx context.Context, w *databricks.WorkspaceClient, opts Options) (*Report, error) {
	inv, err := ReadInventory(ctx, w)
	if err != nil {
		return nil, err
	}
	return Evaluate(inv, opts), nil
}

// ReadInventory lists the workspace's clusters, jobs (with their tasks and
// job clusters), SQL warehouses and pipelines (each read in full, since the
// list omits their cluster settings).
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
	return inv, nil
}
