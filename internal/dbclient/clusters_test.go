package dbclient

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/compute"

	"github.com/novadynamics/stellar-budget/internal/breach"
	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/content"
)

// clustersOf is the cluster actions of a fresh emulator, and the SDK's
// own view of its clusters.
func clustersOf(t *testing.T) (WorkspaceClusters, []compute.ClusterDetails) {
	t.Helper()
	emu, _ := startEmulator(t)
	w, err := Workspace(Options{SDK: emu.Config()})
	if err != nil {
		t.Fatal(err)
	}
	all, err := w.Clusters.ListAll(context.Background(), compute.ListClustersRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return NewClusters(w), all
}

func named(t *testing.T, all []compute.ClusterDetails, name string) compute.ClusterDetails {
	t.Helper()
	i := slices.IndexFunc(all, func(c compute.ClusterDetails) bool { return c.ClusterName == name })
	if i < 0 {
		t.Fatalf("no cluster named %s", name)
	}
	return all[i]
}

func TestClustersListAndGet(t *testing.T) {
	c, all := clustersOf(t)
	ctx := context.Background()
	list, err := c.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	live := 0
	for _, d := range all {
		if d.State != compute.StateTerminated {
			live++
		}
	}
	if len(list) != live || live == 0 || live == len(all) {
		t.Fatalf("listed %d clusters; the workspace has %d, %d of them not terminated", len(list), len(all), live)
	}
	for _, cl := range list {
		if cl.State == budget.ClusterTerminated || cl.ID == "" || cl.Source == "" || cl.Creator == "" || cl.NodeType == "" {
			t.Errorf("listed %+v", cl)
		}
	}

	exempt := named(t, all, "exoplanet-research-mission-critical")
	got, err := c.Get(ctx, exempt.ClusterId)
	if err != nil {
		t.Fatal(err)
	}
	want := budget.Cluster{
		ID: exempt.ClusterId, Name: "exoplanet-research-mission-critical", State: budget.ClusterRunning, Source: budget.ClusterFromUI,
		Creator: exempt.CreatorUserName, NodeType: "g5.2xlarge", DriverNodeType: "g5.2xlarge",
		Autoscale: &budget.Autoscale{Min: exempt.Autoscale.MinWorkers, Max: exempt.Autoscale.MaxWorkers}, Tags: exempt.CustomTags,
	}
	if !reflect.DeepEqual(got, want) || !got.Exempt() || got.Owner() == "" {
		t.Errorf("get = %+v,\nwant %+v", got, want)
	}
	if i := slices.IndexFunc(list, func(c budget.Cluster) bool { return c.ID == exempt.ClusterId }); i < 0 || !reflect.DeepEqual(list[i], got) {
		t.Errorf("list and get differ on %s", exempt.ClusterName)
	}

	fixed := named(t, all, "exoplanet-research-bigdata")
	if got, err := c.Get(ctx, fixed.ClusterId); err != nil || got.Workers != fixed.NumWorkers || got.Autoscale != nil || got.Size() != fmt.Sprintf("%d workers", fixed.NumWorkers) {
		t.Errorf("fixed-size cluster = %+v, %v", got, err)
	}
	terminated := named(t, all, "exoplanet-research-staging")
	if got, err := c.Get(ctx, terminated.ClusterId); err != nil || got.State != budget.ClusterTerminated {
		t.Errorf("get a terminated cluster = %+v, %v", got, err)
	}
}

func TestClustersErrors(t *testing.T) {
	c, all := clustersOf(t)
	ctx := context.Background()
	const unknown = "0101-000000-nothere"
	terminated := named(t, all, "exoplanet-research-staging").ClusterId
	tests := []struct {
		name     string
		call     func() error
		want     error // errors.Is must hold
		notFound bool  // and ErrNoSuchCluster
	}{
		{"get unknown", func() error { _, err := c.Get(ctx, unknown); return err }, apierr.ErrResourceDoesNotExist, true},
		{"resize unknown", func() error { return c.Resize(ctx, unknown, 2) }, apierr.ErrInvalidParameterValue, true},
		{"autoscale unknown", func() error { return c.ResizeAutoscale(ctx, unknown, 1, 2) }, apierr.ErrInvalidParameterValue, true},
		{"terminate unknown", func() error { return c.Terminate(ctx, unknown) }, apierr.ErrInvalidParameterValue, true},
		{"resize a terminated cluster", func() error { return c.Resize(ctx, terminated, 1) }, apierr.ErrInvalidState, false},
		{"autoscale a terminated cluster", func() error { return c.ResizeAutoscale(ctx, terminated, 1, 2) }, apierr.ErrInvalidState, false},
		{"an autoscale range the service refuses", func() error {
			return c.ResizeAutoscale(ctx, named(t, all, "exoplanet-research-bigdata").ClusterId, 2, 2)
		},
			apierr.ErrInvalidParameterValue, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if !errors.Is(err, tc.want) || errors.Is(err, ErrNoSuchCluster) != tc.notFound {
				t.Errorf("error %v: want %v, ErrNoSuchCluster %v", err, tc.want, tc.notFound)
			}
		})
	}
	if err := c.Terminate(ctx, terminated); err != nil {
		t.Errorf("terminate a terminated cluster: %v", err)
	}
}

// TestApplyBreachPlans plans each kind of on_breach over the emulator's
// clusters and carries the plan out with the real SDK: every acting step
// reaches the cluster as planned, every other cluster is as it was.
func TestApplyBreachPlans(t *testing.T) {
	div, err := content.Load(filepath.Join("..", "..", "content"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		category string
		action   string
		// the clusters that must be acted on and left, by name
		acted, left []string
		// the states an acted cluster may be in: changing, or settled
		// already on a slow machine
		after []budget.ClusterState
	}{
		{"scale_down", "exoplanet-research", budget.ActionScaleDown,
			[]string{"exoplanet-research-interactive", "exoplanet-research-bigdata", "exoplanet-research-always-on", "exoplanet-research-notebooks"},
			[]string{"exoplanet-research-mission-critical"}, []budget.ClusterState{budget.ClusterResizing, budget.ClusterRunning}},
		{"terminate", "materials-science", budget.ActionTerminate,
			[]string{"materials-science-adhoc"}, nil, []budget.ClusterState{budget.ClusterTerminating, budget.ClusterTerminated}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := clustersOf(t)
			ctx := context.Background()
			cat, ok := div.CategoryByTag(budget.NormalizeTag(tc.category))
			if !ok {
				t.Fatalf("no category %s", tc.category)
			}
			cat.OnBreach.Action = tc.action
			list, err := c.List(ctx)
			if err != nil {
				t.Fatal(err)
			}
			steps, err := breach.Plan(cat, list)
			if err != nil {
				t.Fatal(err)
			}
			acted := map[string]breach.Step{}
			var skipped []string
			for _, s := range steps {
				if err := Apply(ctx, c, s); err != nil {
					t.Fatalf("apply %s to %s: %v", s.Op, s.Before.Name, err)
				}
				if s.Acts() {
					acted[s.Before.Name] = s
				} else {
					skipped = append(skipped, s.Before.Name)
				}
			}
			for _, name := range tc.acted {
				if _, ok := acted[name]; !ok {
					t.Errorf("%s was not acted on; acted %v, skipped %v", name, keys(acted), skipped)
				}
			}
			for _, name := range tc.left {
				if !slices.Contains(skipped, name) {
					t.Errorf("%s has no skip step; skipped %v", name, skipped)
				}
			}
			if len(skipped) == 0 {
				t.Error("nothing skipped: the plan met no job, pipeline or exempt cluster")
			}
			for name, step := range acted {
				now, err := c.Get(ctx, step.Before.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Contains(tc.after, now.State) || now.Workers != step.After.Workers || !reflect.DeepEqual(now.Autoscale, step.After.Autoscale) {
					t.Errorf("%s is %s at %s, want %v at %s", name, now.State, now.Size(), tc.after, step.After.Size())
				}
			}
			after, err := c.List(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, now := range after {
				before := slices.IndexFunc(list, func(b budget.Cluster) bool { return b.ID == now.ID })
				if _, ok := acted[now.Name]; !ok && before >= 0 && !reflect.DeepEqual(now, list[before]) {
					t.Errorf("%s changed without a step: %+v, was %+v", now.Name, now, list[before])
				}
			}
		})
	}
}

func keys(m map[string]breach.Step) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// recorder is Clusters that records the calls made to it.
type recorder struct {
	calls []string
}

func (r *recorder) List(context.Context) ([]budget.Cluster, error) { return nil, nil }
func (r *recorder) Get(context.Context, string) (budget.Cluster, error) {
	return budget.Cluster{}, nil
}
func (r *recorder) Resize(_ context.Context, id string, n int) error {
	r.calls = append(r.calls, fmt.Sprintf("resize %s %d", id, n))
	return nil
}
func (r *recorder) ResizeAutoscale(_ context.Context, id string, lo, hi int) error {
	r.calls = append(r.calls, fmt.Sprintf("autoscale %s %d-%d", id, lo, hi))
	return nil
}
func (r *recorder) Terminate(_ context.Context, id string) error {
	r.calls = append(r.calls, "terminate "+id)
	return nil
}

func TestApply(t *testing.T) {
	c := budget.Cluster{ID: "x", State: budget.ClusterRunning, Workers: 4}
	with := func(f func(*budget.Cluster)) budget.Cluster {
		out := c
		f(&out)
		return out
	}
	tests := []struct {
		name string
		step breach.Step
		want []string
	}{
		{"resize to a fixed size", breach.Step{Op: breach.Resize, Before: c, After: with(func(a *budget.Cluster) { a.Workers = 2 })}, []string{"resize x 2"}},
		{"resize to a range", breach.Step{Op: breach.Resize, Before: c, After: with(func(a *budget.Cluster) { a.Workers, a.Autoscale = 0, &budget.Autoscale{Min: 1, Max: 3} })},
			[]string{"autoscale x 1-3"}},
		{"terminate", breach.Step{Op: breach.Terminate, Before: c, After: with(func(a *budget.Cluster) { a.State = budget.ClusterTerminated })}, []string{"terminate x"}},
		{"skip", breach.Step{Op: breach.Skip, Before: c, After: c}, nil},
		{"refuse", breach.Step{Op: breach.Refuse, Before: c, After: c}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r recorder
			if err := Apply(context.Background(), &r, tc.step); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.calls, tc.want) {
				t.Errorf("calls %v, want %v", r.calls, tc.want)
			}
		})
	}
}
