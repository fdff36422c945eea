package pipeline

import (
	"bytes"
	"encoding/csv"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/trail"
)

// demoTrail writes a trail of three decisions on the demo account's
// busiest clusters into a new state directory: an action five days
// before the as-of date (measured), a dry run and a refusal.
func demoTrail(t *testing.T) (state string, clusterID string) {
	t.Helper()
	rep, err := Report(t.Context(), options(""))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Clusters) < 2 {
		t.Fatalf("the demo has %d clusters in use, want 2 or more", len(rep.Clusters))
	}
	state = t.TempDir()
	store := trail.NewFileStore(state)
	acted, dry := rep.Clusters[0], rep.Clusters[1]
	decisions := []trail.Decision{
		{Time: goldenAsOf.AddDate(0, 0, -5).Add(10 * time.Hour), Key: "evt-1", Caller: "databricks-alert", Role: "webhook", Tool: trail.ToolAlertWebhook,
			Outcome: trail.Acted, Reason: "budget at 90 %", Category: acted.Category,
			Before:           &trail.Cluster{ID: acted.ID, State: "RUNNING", Workers: 8},
			After:            &trail.Cluster{ID: acted.ID, State: "RUNNING", Workers: 4},
			SavingsHourlyUSD: "1.5", SavingsMonthlyUSD: "540"},
		{Time: goldenAsOf.Add(-2 * time.Hour), Key: "run-1", Caller: "schedule", Role: "schedule", Tool: trail.ToolAgentRun,
			Outcome: trail.DryRun, Reason: "owner over allowance", Owner: dry.Owner, Category: dry.Category,
			Before:            &trail.Cluster{ID: dry.ID, State: "RUNNING", Autoscale: &trail.Autoscale{MinWorkers: 2, MaxWorkers: 8}, Workers: 6},
			After:             &trail.Cluster{ID: dry.ID, State: "RUNNING", Autoscale: &trail.Autoscale{MinWorkers: 2, MaxWorkers: 2}, Workers: 2},
			SavingsMonthlyUSD: "77.25"},
		{Time: goldenAsOf.Add(-time.Hour), Key: "req-1", Caller: "operator", Role: "operator", Tool: trail.ToolScaleCluster,
			Outcome: trail.Refused, Reason: "cluster is tagged StellarBudget=exempt"},
	}
	for _, d := range decisions {
		if _, _, err := store.Append(t.Context(), d); err != nil {
			t.Fatal(err)
		}
	}
	return state, acted.ID
}

func readCSVFile(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return rows
}

// TestAgentPageFromStateDir builds the demo with a trail in the state
// directory: the page shows its verified head, its entries and the
// headline, and agent_trail.csv holds every entry with the realised
// saving the headline sums.
func TestAgentPageFromStateDir(t *testing.T) {
	state, actedID := demoTrail(t)
	store := trail.NewFileStore(state)
	head, err := store.Verify(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "public")
	opts := options(out)
	opts.StateDir, opts.Trail = state, store
	if _, err := Build(t.Context(), opts); err != nil {
		t.Fatal(err)
	}
	rows := readCSVFile(t, filepath.Join(out, "downloads", "agent_trail.csv"))
	if len(rows) != 4 {
		t.Fatalf("agent_trail.csv has %d rows, want a header and 3 entries", len(rows))
	}
	acted := rows[1]
	if acted[0] != "1" || acted[8] != actedID || acted[12] == "" || acted[13] == "" {
		t.Errorf("the acted entry's row = %q, want seq 1 on %s with a realised saving and its hash", acted, actedID)
	}
	if rows[2][12] != "" || rows[3][12] != "" {
		t.Error("a dry run or a refusal has a realised saving")
	}
	realised, err := budget.ParseDecimal(acted[12])
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(out, "agent", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		realised.USD() + " saved across 1 owner",
		"Head <code>" + head.Hash + "</code> after 3 entries",
		"<code>" + actedID + "</code>", "RUNNING, autoscale 2–8 → RUNNING, autoscale 2–2",
		"$540.00", "$77.25", "cluster is tagged StellarBudget=exempt",
	} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("agent page lacks %q", want)
		}
	}
	if index, _ := os.ReadFile(filepath.Join(out, "index.html")); !bytes.Contains(index, []byte(`href="agent/index.html"`)) {
		t.Error("the master page does not link the agent page")
	}
}

// TestBrokenTrailDoesNotFailTheBuild: an edited entry breaks the chain;
// the build publishes, logs a warning, and the page names the break in a
// red notice instead of the entries.
func TestBrokenTrailDoesNotFailTheBuild(t *testing.T) {
	state, _ := demoTrail(t)
	path := filepath.Join(state, trail.FileName)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(b), "owner over allowance", "owner within allowance", 1)
	if edited == string(b) {
		t.Fatal("nothing edited")
	}
	if err := os.WriteFile(path, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	out := filepath.Join(t.TempDir(), "public")
	opts := options(out)
	opts.StateDir, opts.Trail, opts.Log = state, trail.NewFileStore(state), slog.New(slog.NewTextHandler(&logs, nil))
	if _, err := Build(t.Context(), opts); err != nil {
		t.Fatalf("a broken trail failed the build: %v", err)
	}
	if !strings.Contains(logs.String(), "level=WARN msg=\"agent trail not shown\"") {
		t.Errorf("no warning logged:\n%s", logs.String())
	}
	page, err := os.ReadFile(filepath.Join(out, "agent", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`class="broken" role="alert"`, "The agent trail does not verify", "line 2"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("agent page lacks %q", want)
		}
	}
	if bytes.Contains(page, []byte("owner within allowance")) {
		t.Error("the page shows an entry of a broken trail")
	}
	if rows := readCSVFile(t, filepath.Join(out, "downloads", "agent_trail.csv")); len(rows) != 1 {
		t.Errorf("agent_trail.csv of a broken trail has %d rows, want the header only", len(rows))
	}
}

// TestNoTrailKept: a build without a state directory or a table says so.
func TestNoTrailKept(t *testing.T) {
	out := filepath.Join(t.TempDir(), "public")
	if _, err := Build(t.Context(), options(out)); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(out, "agent", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(page, []byte(noteNoTrail)) {
		t.Error("the agent page does not say no trail is kept")
	}
}
