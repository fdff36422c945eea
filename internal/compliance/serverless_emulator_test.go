package compliance

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/demo"
	"github.com/novadynamics/stellar-budget/internal/governance"
	"github.com/novadynamics/stellar-budget/internal/setup"
)

// TestCheckServerlessEmulator: after setup --apply, check judges the
// seeded serverless work by the budget policies setup made (real SDK
// against the emulator): the last category's serverless job, on the first
// category's policy, is a finding with its spend; the first category's
// serverless job, the serverless pipeline and the classic pipeline on its
// category's dlt policy comply. Before setup, serverless work has no
// category policy to be on.
func TestCheckServerlessEmulator(t *testing.T) {
	w, div, emu := startEmulator(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	opts := Options{Division: div, Host: w.Config.CanonicalHostName(), WorkspaceID: w.Config.WorkspaceID, Now: time.Date(2026, 7, 14, 8, 0, 0, 0, time.UTC), MinCompliancePct: 100}
	findings := func() map[string][]Finding {
		t.Helper()
		r, err := Check(ctx, w, accountOf(emu), opts)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]Finding{}
		for _, f := range r.Findings {
			out[f.Name] = append(out[f.Name], f)
		}
		return out
	}
	first, last := div.Categories[0], div.Categories[len(div.Categories)-1]
	before := findings()
	if fs := before[first.Title+" event triggers (serverless)"]; len(fs) != 1 || fs[0].Rule != RuleWrongBudgetPolicy ||
		!strings.Contains(fs[0].Explanation, "has no budget policy to tag its spend (setup creates stellar-budget:SAD:"+first.Slug+")") {
		t.Errorf("before setup: %+v", fs)
	}

	a, err := databricks.NewAccountClient(emu.Config())
	if err != nil {
		t.Fatal(err)
	}
	clients := setup.ClientsFrom(a, w)
	p, err := setup.NewPlan(ctx, clients, div, setup.Options{AsOf: opts.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := setup.Apply(ctx, clients, p, setup.ApplyOptions{AuditLog: filepath.Join(t.TempDir(), "audit.jsonl"), Actor: "admin", Now: time.Now}); err != nil {
		t.Fatal(err)
	}

	after := findings()
	wrong := after[last.Title+" event triggers (serverless)"]
	want := "serverless on the budget policy of " + first.Title + " (stellar-budget:SAD:" + first.Slug + "): its spend is attributed to " +
		first.TagValue + " (want stellar-budget:SAD:" + last.Slug + ")"
	if len(wrong) != 1 || wrong[0].Rule != RuleWrongBudgetPolicy || wrong[0].Explanation != want || wrong[0].Category != last.TagValue {
		t.Errorf("the job on another category's budget policy: %+v\nwant %q", wrong, want)
	}
	for _, name := range []string{
		first.Title + " event triggers (serverless)",
		div.Categories[1].Title + " streaming tables (serverless)",
		first.Title + " decode pipeline", // Deep Space Telemetry has allow_pipelines
	} {
		if fs, ok := after[name]; ok {
			t.Errorf("%s: %+v", name, fs)
		}
	}
	if !first.Policy.AllowPipelines {
		t.Fatalf("the shipped %s no longer allows pipelines", first.Slug)
	}

	// Its spend: the last category's serverless job is the demo account's.
	r, err := Check(ctx, w, accountOf(emu), opts)
	if err != nil {
		t.Fatal(err)
	}
	jobID := demo.ServerlessJobs(div)[last.TagValue]
	r.TaggedSpend = &governance.TaggedSpend{Month: governance.LastMonth(opts.Now)}
	r.AddMisattributed(WorkloadSpend{{KindJob, jobID}: budget.MustDecimal("321.987"), {KindJob, "1"}: budget.MustDecimal("5")})
	var spent []string
	for _, f := range r.Findings {
		if f.SpendUSD != "" {
			spent = append(spent, f.ID+" "+f.SpendUSD)
		}
	}
	if strings.Join(spent, ",") != jobID+" 321.99" || r.TaggedSpend.Misattributed.Cents() != "321.99" {
		t.Errorf("spend of the findings %v, misattributed %s; want %s 321.99", spent, r.TaggedSpend.Misattributed.Cents(), jobID)
	}
}
