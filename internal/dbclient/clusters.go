package dbclient

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/compute"

	"github.com/novadynamics/stellar-budget/internal/breach"
	"github.com/novadynamics/stellar-budget/internal/budget"
)

// Clusters are the cluster actions the alert webhook, the copilot's tools
// and `generator agent run` take. WorkspaceClusters carries them out over
// the SDK; tests stand a fake or the emulator in front of it.
type Clusters interface {
	// List returns the workspace's clusters that are not TERMINATED: a
	// terminated cluster costs nothing, and a workspace lists 30 days of
	// them, a job run's each.
	List(ctx context.Context) ([]budget.Cluster, error)
	// Get returns one cluster in any state; an unknown id is
	// ErrNoSuchCluster.
	Get(ctx context.Context, id string) (budget.Cluster, error)
	// Resize gives a RUNNING cluster a fixed number of workers; an
	// autoscaling one stops autoscaling. It returns once the service has
	// accepted the change (the cluster is then RESIZING), without waiting
	// for the new workers.
	Resize(ctx context.Context, id string, workers int) error
	// ResizeAutoscale gives a RUNNING cluster an autoscaling range.
	ResizeAutoscale(ctx context.Context, id string, minWorkers, maxWorkers int) error
	// Terminate stops a cluster (clusters/delete); a cluster already
	// terminating or terminated is left as it is, without an error.
	Terminate(ctx context.Context, id string) error
}

// ErrNoSuchCluster is the error for a cluster id the workspace does not
// have.
var ErrNoSuchCluster = errors.New("no such cluster")

// WorkspaceClusters are Clusters over the SDK's Clusters API.
type WorkspaceClusters struct {
	api compute.ClustersInterface
}

var _ Clusters = WorkspaceClusters{}

// NewClusters returns the cluster actions of w's workspace.
func NewClusters(w *databricks.WorkspaceClient) WorkspaceClusters {
	return WorkspaceClusters{api: w.Clusters}
}

// liveStates are every state but TERMINATED.
var liveStates = []compute.State{
	compute.StatePending, compute.StateRunning, compute.StateRestarting, compute.StateResizing,
	compute.StateTerminating, compute.StateError, compute.StateUnknown,
}

// List implements Clusters.
func (c WorkspaceClusters) List(ctx context.Context) ([]budget.Cluster, error) {
	all, err := c.api.ListAll(ctx, compute.ListClustersRequest{
		FilterBy: &compute.ListClustersFilterBy{ClusterStates: liveStates},
		PageSize: 100,
	})
	if err != nil {
		return nil, fmt.Errorf("list clusters: %w", err)
	}
	out := make([]budget.Cluster, len(all))
	for i, d := range all {
		out[i] = FromDetails(d)
	}
	return out, nil
}

// Get implements Clusters.
func (c WorkspaceClusters) Get(ctx context.Context, id string) (budget.Cluster, error) {
	d, err := c.api.GetByClusterId(ctx, id)
	if err != nil {
		return budget.Cluster{}, fmt.Errorf("get cluster %s: %w", id, notFound(err))
	}
	return FromDetails(*d), nil
}

// Resize implements Clusters.
func (c WorkspaceClusters) Resize(ctx context.Context, id string, workers int) error {
	// num_workers 0 (a single node) is a size too: send it.
	_, err := c.api.Resize(ctx, compute.ResizeCluster{ClusterId: id, NumWorkers: workers, ForceSendFields: []string{"NumWorkers"}})
	if err != nil {
		return fmt.Errorf("resize cluster %s to %d workers: %w", id, workers, notFound(err))
	}
	return nil
}

// ResizeAutoscale implements Clusters.
func (c WorkspaceClusters) ResizeAutoscale(ctx context.Context, id string, minWorkers, maxWorkers int) error {
	_, err := c.api.Resize(ctx, compute.ResizeCluster{ClusterId: id, Autoscale: &compute.AutoScale{MinWorkers: minWorkers, MaxWorkers: maxWorkers}})
	if err != nil {
		return fmt.Errorf("resize cluster %s to autoscale %d-%d workers: %w", id, minWorkers, maxWorkers, notFound(err))
	}
	return nil
}

// Terminate implements Clusters.
func (c WorkspaceClusters) Terminate(ctx context.Context, id string) error {
	if _, err := c.api.Delete(ctx, compute.DeleteCluster{ClusterId: id}); err != nil {
		return fmt.Errorf("terminate cluster %s: %w", id, notFound(err))
	}
	return nil
}

// FromDetails is the cluster the budget's actions see in the API's
// details.
func FromDetails(d compute.ClusterDetails) budget.Cluster {
	c := budget.Cluster{
		ID: d.ClusterId, Name: d.ClusterName,
		State: budget.ClusterState(d.State), Source: budget.ClusterSource(d.ClusterSource),
		Creator: d.CreatorUserName, NodeType: d.NodeTypeId, DriverNodeType: d.DriverNodeTypeId,
		Workers: d.NumWorkers, Tags: d.CustomTags,
	}
	if a := d.Autoscale; a != nil {
		c.Autoscale = &budget.Autoscale{Min: a.MinWorkers, Max: a.MaxWorkers}
		// Whatever num_workers says of an autoscaling cluster, its size
		// is the range.
		c.Workers = 0
	}
	return c
}

// clusterMissing is how the Clusters API words an unknown id; only
// clusters/get has the SDK map it to ErrResourceDoesNotExist.
var clusterMissing = regexp.MustCompile(`^Cluster \S+ does not exist`)

// notFound marks an SDK error about an unknown cluster with
// ErrNoSuchCluster, keeping the SDK error for errors.Is.
func notFound(err error) error {
	var api *apierr.APIError
	if errors.Is(err, apierr.ErrResourceDoesNotExist) || errors.As(err, &api) && clusterMissing.MatchString(api.Message) {
		return marked{mark: ErrNoSuchCluster, err: err}
	}
	return err
}

// marked reads as err and matches both mark and err.
type marked struct{ mark, err error }

func (m marked) Error() string   { return m.err.Error() }
func (m marked) Unwrap() []error { return []error{m.mark, m.err} }

// Apply carries out an acting step (breach.Resize, breach.Terminate)
// through c; a Skip or a Refuse does nothing. Whether to apply a step or
// only report it (dry-run) is the caller's choice.
func Apply(ctx context.Context, c Clusters, s breach.Step) error {
	id := s.Before.ID
	switch s.Op {
	case breach.Resize:
		if a := s.After.Autoscale; a != nil {
			return c.ResizeAutoscale(ctx, id, a.Min, a.Max)
		}
		return c.Resize(ctx, id, s.After.Workers)
	case breach.Terminate:
		return c.Terminate(ctx, id)
	}
	return nil
}
