package emulator

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/compute"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// TestWorkspaceClusterResizeRules holds resize to the Clusters API's
// documented rules, each on a fresh emulator's RUNNING clusters.
func TestWorkspaceClusterResizeRules(t *testing.T) {
	fixed := func(n int) compute.ResizeCluster {
		return compute.ResizeCluster{NumWorkers: n, ForceSendFields: []string{"NumWorkers"}}
	}
	autoscale := func(lo, hi int) compute.ResizeCluster {
		return compute.ResizeCluster{Autoscale: &compute.AutoScale{MinWorkers: lo, MaxWorkers: hi}}
	}
	tests := []struct {
		name    string
		cluster string // a RUNNING seeded cluster
		req     compute.ResizeCluster
		wantErr error  // nil: accepted
		errHas  string // a fragment of the refusal
		check   func(d compute.ClusterDetails) bool
	}{
		{"an autoscaling cluster given num_workers becomes fixed-size", "exploratory-missions-interactive", fixed(1), nil, "",
			func(d compute.ClusterDetails) bool { return d.Autoscale == nil && d.NumWorkers == 1 }},
		{"a fixed-size cluster given autoscale autoscales", "exploratory-missions-always-on", autoscale(1, 3), nil, "",
			func(d compute.ClusterDetails) bool {
				return d.Autoscale != nil && d.Autoscale.MinWorkers == 1 && d.Autoscale.MaxWorkers == 3 && d.NumWorkers == 0
			}},
		{"num_workers 0 sent is a size (single node)", "exploratory-missions-always-on", fixed(0), nil, "",
			func(d compute.ClusterDetails) bool { return d.Autoscale == nil && d.NumWorkers == 0 }},
		{"a job's running cluster", "", fixed(1), nil, "",
			func(d compute.ClusterDetails) bool { return d.NumWorkers == 1 }},
		{"both num_workers and autoscale", "exploratory-missions-always-on",
			compute.ResizeCluster{NumWorkers: 2, Autoscale: &compute.AutoScale{MinWorkers: 1, MaxWorkers: 3}},
			apierr.ErrInvalidParameterValue, "Only one of num_workers or autoscale", nil},
		{"neither", "exploratory-missions-always-on", compute.ResizeCluster{}, apierr.ErrInvalidParameterValue, "Either num_workers or autoscale", nil},
		{"autoscale with max equal to min", "exploratory-missions-interactive", autoscale(2, 2), apierr.ErrInvalidParameterValue,
			"min_workers < max_workers, got min_workers 2 and max_workers 2", nil},
		{"autoscale with max below min", "exploratory-missions-interactive", autoscale(3, 1), apierr.ErrInvalidParameterValue, "min_workers < max_workers", nil},
		{"negative num_workers", "exploratory-missions-always-on", fixed(-1), apierr.ErrInvalidParameterValue, "num_workers must be at least 0", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := startObjects(t)
			ctx := context.Background()
			all, err := env.w.Clusters.ListAll(ctx, compute.ListClustersRequest{})
			if err != nil {
				t.Fatalf("list clusters: %v", err)
			}
			var c compute.ClusterDetails
			if tc.cluster == "" {
				c = runningJobCluster(t, all)
			} else {
				c = clusterNamed(t, all, tc.cluster)
			}
			if c.State != compute.StateRunning {
				t.Fatalf("%s is %s, want a RUNNING cluster to resize", c.ClusterName, c.State)
			}
			tc.req.ClusterId = c.ClusterId
			_, err = env.w.Clusters.Resize(ctx, tc.req)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("resize: %v, want %v saying %q", err, tc.wantErr, tc.errHas)
				}
				if got, _ := env.w.Clusters.GetByClusterId(ctx, c.ClusterId); got.State != compute.StateRunning {
					t.Errorf("a refused resize left the cluster %s", got.State)
				}
				return
			}
			if err != nil {
				t.Fatalf("resize: %v", err)
			}
			got, err := env.w.Clusters.GetByClusterId(ctx, c.ClusterId)
			if err != nil || got.State != compute.StateResizing || !tc.check(*got) {
				t.Fatalf("after resize: %s, workers %d, autoscale %+v, %v; want RESIZING at the size asked for", got.State, got.NumWorkers, got.Autoscale, err)
			}
			env.clock.advance(transitionTime)
			got, _ = env.w.Clusters.GetByClusterId(ctx, c.ClusterId)
			if got.State != compute.StateRunning || !tc.check(*got) {
				t.Errorf("after the settle: %s, workers %d, autoscale %+v; want RUNNING at the new size", got.State, got.NumWorkers, got.Autoscale)
			}
		})
	}
}

// runningJobCluster is a seeded RUNNING cluster of a job run.
func runningJobCluster(t *testing.T, all []compute.ClusterDetails) compute.ClusterDetails {
	t.Helper()
	for _, c := range all {
		if c.ClusterSource == compute.ClusterSourceJob && c.State == compute.StateRunning {
			return c
		}
	}
	t.Fatal("no RUNNING job cluster seeded")
	return compute.ClusterDetails{}
}

// TestWorkspaceClusterTerminateStates: clusters/delete terminates from any
// live state, is a no-op on a terminating or terminated cluster, and a
// terminating cluster cannot be resized.
func TestWorkspaceClusterTerminateStates(t *testing.T) {
	env := startObjects(t)
	ctx := context.Background()
	all, err := env.w.Clusters.ListAll(ctx, compute.ListClustersRequest{})
	if err != nil {
		t.Fatalf("list clusters: %v", err)
	}
	c := clusterNamed(t, all, "exploratory-missions-bigdata")
	if _, err := env.w.Clusters.Resize(ctx, compute.ResizeCluster{ClusterId: c.ClusterId, NumWorkers: 4}); err != nil {
		t.Fatalf("resize: %v", err)
	}
	if err := env.w.Clusters.DeleteByClusterId(ctx, c.ClusterId); err != nil {
		t.Fatalf("terminate a RESIZING cluster: %v", err)
	}
	state := func() compute.State {
		got, err := env.w.Clusters.GetByClusterId(ctx, c.ClusterId)
		if err != nil {
			t.Fatalf("get: %v", err)
		}
		return got.State
	}
	if s := state(); s != compute.StateTerminating {
		t.Fatalf("after delete: %s, want TERMINATING", s)
	}
	if err := env.w.Clusters.DeleteByClusterId(ctx, c.ClusterId); err != nil {
		t.Errorf("delete a TERMINATING cluster: %v", err)
	}
	_, err = env.w.Clusters.Resize(ctx, compute.ResizeCluster{ClusterId: c.ClusterId, NumWorkers: 2})
	if !errors.Is(err, apierr.ErrInvalidState) || !strings.Contains(err.Error(), "unexpected state Terminating") {
		t.Errorf("resize a TERMINATING cluster: %v, want INVALID_STATE", err)
	}
	env.clock.advance(transitionTime)
	if s := state(); s != compute.StateTerminated {
		t.Fatalf("after the settle: %s, want TERMINATED", s)
	}
	if err := env.w.Clusters.DeleteByClusterId(ctx, c.ClusterId); err != nil || state() != compute.StateTerminated {
		t.Errorf("delete a TERMINATED cluster: %v, now %s", err, state())
	}
	err = env.w.Clusters.DeleteByClusterId(ctx, "0101-000000-nothere")
	var api *apierr.APIError
	if !errors.Is(err, apierr.ErrInvalidParameterValue) || !errors.As(err, &api) || api.Message != "Cluster 0101-000000-nothere does not exist" {
		t.Errorf("delete an unknown cluster: %v, want INVALID_PARAMETER_VALUE saying it does not exist", err)
	}
}

// TestSeedClustersToActOn: the seed gives a breach action something of
// every kind to act on or to leave alone.
func TestSeedClustersToActOn(t *testing.T) {
	env := startObjects(t)
	all, err := env.w.Clusters.ListAll(context.Background(), compute.ListClustersRequest{})
	if err != nil {
		t.Fatalf("list clusters: %v", err)
	}
	exempt := clusterNamed(t, all, "exploratory-missions-mission-critical")
	if exempt.State != compute.StateRunning || exempt.CustomTags[budget.ExemptTagKey] != budget.ExemptTagValue ||
		exempt.CustomTags[budget.CategoryTagKey] != "EXPLORATORY_MISSIONS" || exempt.Autoscale == nil ||
		exempt.Autoscale.MaxWorkers <= exempt.Autoscale.MinWorkers || exempt.ClusterSource != compute.ClusterSourceUi {
		t.Errorf("exempt cluster = %s %s %v autoscale %+v", exempt.State, exempt.ClusterSource, exempt.CustomTags, exempt.Autoscale)
	}
	exempts := 0
	runningIn := map[string]map[string]bool{} // category -> kinds of RUNNING clusters
	for _, c := range all {
		if c.CustomTags[budget.ExemptTagKey] != "" {
			exempts++
		}
		if c.Autoscale != nil && c.Autoscale.MaxWorkers <= c.Autoscale.MinWorkers {
			t.Errorf("%s autoscales %d-%d, a range the API refuses", c.ClusterName, c.Autoscale.MinWorkers, c.Autoscale.MaxWorkers)
		}
		if c.State != compute.StateRunning {
			continue
		}
		cat := c.CustomTags[budget.CategoryTagKey]
		if runningIn[cat] == nil {
			runningIn[cat] = map[string]bool{}
		}
		kind := string(c.ClusterSource)
		if c.Autoscale != nil {
			kind += " autoscaling"
		}
		runningIn[cat][kind] = true
	}
	if exempts != 1 {
		t.Errorf("%d exempt clusters, want 1", exempts)
	}
	for _, want := range []struct{ category, kind string }{
		{"EXPLORATORY_MISSIONS", "UI"}, {"EXPLORATORY_MISSIONS", "UI autoscaling"},
		{"EXOPLANET_RESEARCH", "API"}, {"EXOPLANET_RESEARCH", "JOB autoscaling"},
		{"DEEP_SPACE_TELEMETRY", "UI"}, {"DEEP_SPACE_TELEMETRY", "JOB autoscaling"},
		{"PROPULSION_ANALYTICS", "UI"}, {"PROPULSION_ANALYTICS", "PIPELINE autoscaling"},
	} {
		if !runningIn[want.category][want.kind] {
			t.Errorf("no RUNNING %s cluster in %s: %v", want.kind, want.category, runningIn[want.category])
		}
	}
}
