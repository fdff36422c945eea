package sitetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/pipeline"
	"github.com/novadynamics/stellar-budget/internal/trail"
)

// demoTrail writes an agent trail into stateDir as the functions and the
// daily run would over the demo's last days: actions on its busiest
// clusters (measured from the usage after them, one on the as-of day not
// yet), dry runs, a refusal, a failure and a prediction. It returns the store for opts' build.
func demoTrail(ctx context.Context, opts pipeline.BuildOptions, stateDir string) (trail.Store, error) {
	rep, err := pipeline.Report(ctx, opts)
	if err != nil {
		return nil, err
	}
	if len(rep.Clusters) < 3 {
		return nil, fmt.Errorf("the demo has %d clusters in use, want 3 or more", len(rep.Clusters))
	}
	store := trail.NewFileStore(stateDir)
	day := func(n int, hour time.Duration) time.Time { return asOf.AddDate(0, 0, n).Add(hour) }
	fixed := func(id string, state string, workers int) *trail.Cluster {
		return &trail.Cluster{ID: id, Name: "analytics " + id, State: state, Workers: workers}
	}
	c0, c1, c2 := rep.Clusters[0], rep.Clusters[1], rep.Clusters[2]
	decisions := []trail.Decision{
		{Time: day(-6, 9*time.Hour), Key: "evt-1", Caller: "databricks-alert", Role: "webhook", Tool: trail.ToolAlertWebhook, Outcome: trail.Acted,
			Reason: "SQL alert " + c0.Category + " 90 % triggered: scale_down", Category: c0.Category, Owner: c0.Owner,
			Before: fixed(c0.ID, "RUNNING", 8), After: fixed(c0.ID, "RUNNING", 4), SavingsHourlyUSD: "2.125", SavingsMonthlyUSD: "1530"},
		{Time: day(-5, 2*time.Hour), Key: "run-1/" + c1.ID, Caller: "schedule", Role: "schedule", Tool: trail.ToolAgentRun, Outcome: trail.DryRun,
			Reason: "owner's 30-day burn is over their share of the budget", Category: c1.Category, Owner: c1.Owner,
			Before: &trail.Cluster{ID: c1.ID, State: "RUNNING", Workers: 6, Autoscale: &trail.Autoscale{MinWorkers: 2, MaxWorkers: 10}},
			After:  &trail.Cluster{ID: c1.ID, State: "RUNNING", Workers: 2, Autoscale: &trail.Autoscale{MinWorkers: 2, MaxWorkers: 2}}, SavingsMonthlyUSD: "412.80"},
		{Time: day(-3, 14*time.Hour), Key: "req-7", Caller: "operator", Role: "operator", Tool: trail.ToolScaleCluster, Outcome: trail.Refused,
			Reason: "cluster is tagged StellarBudget=exempt", Before: fixed(c2.ID, "RUNNING", 3)},
		{Time: day(-2, 11*time.Hour), Key: "req-8", Caller: "operator", Role: "operator", Tool: trail.ToolScaleCluster, Outcome: trail.Acted,
			Reason: "terminate on request", Category: c2.Category, Owner: c2.Owner,
			Before: fixed(c2.ID, "RUNNING", 3), After: fixed(c2.ID, "TERMINATED", 0), SavingsHourlyUSD: "0.9", SavingsMonthlyUSD: "259.2"},
		{Time: day(-1, 8*time.Hour), Key: "req-9", Caller: "viewer", Role: "viewer", Tool: trail.ToolPredictCost, Outcome: trail.Noop,
			Reason: "prediction", Owner: c1.Owner},
		{Time: day(-1, 9*time.Hour), Key: "evt-2", Caller: "databricks-alert", Role: "webhook", Tool: trail.ToolAlertWebhook, Outcome: trail.Failed,
			Reason: "resize refused by the workspace: cluster is terminating", Category: c0.Category, Before: fixed(c0.ID, "TERMINATING", 4)},
		{Time: day(0, 2*time.Hour), Key: "run-2/" + c1.ID, Caller: "schedule", Role: "schedule", Tool: trail.ToolAgentRun, Outcome: trail.DryRun,
			Reason: "owner's 30-day burn is over their share of the budget", Category: c1.Category, Owner: c1.Owner,
			Before: &trail.Cluster{ID: c1.ID, State: "RUNNING", Workers: 7, Autoscale: &trail.Autoscale{MinWorkers: 2, MaxWorkers: 10}},
			After:  &trail.Cluster{ID: c1.ID, State: "RUNNING", Workers: 2, Autoscale: &trail.Autoscale{MinWorkers: 2, MaxWorkers: 2}}, SavingsMonthlyUSD: "280.50"},
		{Time: day(0, 5*time.Hour), Key: "req-10", Caller: "operator", Role: "operator", Tool: trail.ToolScaleCluster, Outcome: trail.Acted,
			Reason: "scale down on request", Category: c1.Category, Owner: c1.Owner,
			Before: fixed(c1.ID, "RUNNING", 7), After: fixed(c1.ID, "RUNNING", 3), SavingsHourlyUSD: "1.1", SavingsMonthlyUSD: "83.6"},
	}
	for _, d := range decisions {
		if _, _, err := store.Append(ctx, d); err != nil {
			return nil, err
		}
	}
	return store, nil
}

// TestAgentPageInBrowser: the demo's agent page shows the verified head,
// the headline and every decision as text, also with JavaScript off (it
// has no chart: the page is its HTML).
func TestAgentPageInBrowser(t *testing.T) {
	s := demoSite(t)
	head, err := shared.demoTrail.Verify(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	p := open(t, s.url("agent/index.html"))
	text := textOf(t, p)
	p.close(t)
	for _, want := range []string{"saved across", "Head " + head.Hash + " after 8 entries", "cluster is tagged StellarBudget=exempt",
		"not measured yet", "resize refused by the workspace", "8 decisions, newest first"} {
		if !strings.Contains(text, want) {
			t.Errorf("the agent page does not show %q", want)
		}
	}
}
