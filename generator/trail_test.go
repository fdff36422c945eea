package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go"

	"github.com/novadynamics/stellar-budget/internal/audit"
	"github.com/novadynamics/stellar-budget/internal/content"
	"github.com/novadynamics/stellar-budget/internal/demo"
	"github.com/novadynamics/stellar-budget/internal/duckdb"
	"github.com/novadynamics/stellar-budget/internal/emulator"
	"github.com/novadynamics/stellar-budget/internal/trail"
)

// startTrailEmulator runs an emulator with SQL whose trail table is
// emulator.DefaultTraceTable, points the SDK's environment and
// STELLAR_TRACE_TABLE at it, and returns it.
func startTrailEmulator(t *testing.T) *emulator.Running {
	t.Helper()
	div, err := content.Load(contentDir(t))
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.DiscardHandler)
	tables, err := duckdb.OpenSystemTables(t.Context(), duckdb.Options{Log: quiet}, demo.Config{Division: div, Through: checkAsOf.AddDate(0, 0, 1), Rows: 2000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tables.Close() })
	emu, err := emulator.Start("127.0.0.1:0", emulator.Options{AsOf: checkAsOf, Division: div, SQL: tables, TraceTable: emulator.DefaultTraceTable, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	useEmulator(t, emu)
	t.Setenv(trail.EnvTable, emulator.DefaultTraceTable)
	return emu
}

// trailTable is a store on the emulator's trail table, through the SDK.
func trailTable(t *testing.T, emu *emulator.Running) *trail.TableStore {
	t.Helper()
	cfg := emu.Config()
	cfg.RateLimitPerSecond = 1000
	w, err := databricks.NewWorkspaceClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := trail.NewTableStore(trail.TableOptions{Name: emulator.DefaultTraceTable, WarehouseID: emu.DefaultWarehouseID(), Statements: w.StatementExecution})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// appendDecisions appends n decisions and returns the head after each.
func appendDecisions(t *testing.T, s trail.Store, n int) []string {
	t.Helper()
	var heads []string
	for i := range n {
		e, _, err := s.Append(t.Context(), trail.Decision{
			Time: checkAsOf.Add(time.Duration(i) * time.Minute), Key: fmt.Sprintf("evt-%d", i+1),
			Caller: "databricks-alert", Role: "webhook", Tool: trail.ToolAlertWebhook, Outcome: trail.DryRun,
			Reason: "DEEP_SPACE_TELEMETRY is dry-run", Category: "DEEP_SPACE_TELEMETRY",
			Before: &trail.Cluster{ID: "c-1", State: "RUNNING", Workers: 8}, After: &trail.Cluster{ID: "c-1", State: "RUNNING", Workers: 4},
			SavingsHourlyUSD: "2.40", SavingsMonthlyUSD: "1200.00", Answer: json.RawMessage(`{"status":"dry_run"}`),
		})
		if err != nil {
			t.Fatal(err)
		}
		heads = append(heads, e.Hash)
	}
	return heads
}

// TestSetupCreatesTrailTable: with STELLAR_TRACE_TABLE set, setup plans
// the trail's table, --apply creates it through the emulator's statement
// API and logs it, and a second apply finds it there.
func TestSetupCreatesTrailTable(t *testing.T) {
	emu := startTrailEmulator(t)
	state := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		out, err := runSetup(append([]string{"--content", contentDir(t), "--state", state, "--as-of", "2026-07-15", "--source", "none"}, args...)...)
		if err != nil {
			t.Fatalf("setup %v: %v\n%s", args, err, out)
		}
		return out
	}
	out := run("--apply")
	for _, want := range []string{
		"\nagent trail\n  create    trail table          main.stellar.agent_trail\n      columns: seq BIGINT, time TIMESTAMP, key STRING,",
		"56 to create, 0 to update, 0 unchanged.",
		"Applied 56 changes.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("setup --apply output lacks %q:\n%s", want, out)
		}
	}
	cols, exists, err := trailTable(t, emu).Describe(t.Context())
	if err != nil || !exists || len(cols) != len(trail.Columns) {
		t.Errorf("after apply the table has %v (exists %v, %v)", cols, exists, err)
	}
	entries, err := audit.Read(filepath.Join(state, audit.FileName))
	if err != nil || len(entries) != 2*56 || entries[111].Kind != "trail_table" || entries[111].Key != "main.stellar.agent_trail" {
		t.Errorf("audit log: %d entries, %v", len(entries), err)
	}
	if out := run("--apply"); !strings.Contains(out, "  unchanged trail table          main.stellar.agent_trail\n") || !strings.Contains(out, "0 to create, 0 to update, 56 unchanged.") {
		t.Errorf("second apply:\n%s", out)
	}
	t.Setenv(trail.EnvTable, "stellar.agent_trail")
	if out, err := runSetup("--content", contentDir(t), "--state", state, "--source", "none"); err == nil || !strings.Contains(err.Error(), "want catalog.schema.table") {
		t.Errorf("setup with a two-part trail table: %v\n%s", err, out)
	}
}

// TestCheckAuditTrail: check --audit verifies the agent trail in --state
// beside the setup audit log, and catches an edited or truncated trail.
func TestCheckAuditTrail(t *testing.T) {
	dir := contentDir(t)
	for _, kv := range startEmulator(t, dir) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Setenv("DATABRICKS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv(trail.EnvTable, "")
	check := func(state string, args ...string) (string, error) {
		return runCheckCLI(t, append([]string{"--content", dir, "--spend=false", "--min-compliance", "0", "--state", state, "--audit"}, args...)...)
	}

	empty := t.TempDir()
	out, err := check(empty)
	if err != nil || !strings.Contains(unwrap(out), "Agent trail "+filepath.Join(empty, trail.FileName)+": no entries yet") {
		t.Errorf("an empty trail: %v\n%s", err, out)
	}

	tests := []struct {
		name   string
		tamper func(lines []string) []string
		expect int    // index of the head passed as --expect-trail-head; -1: none
		out    string // fragment of the output
		err    string // fragment of the error; "" for none
	}{
		{"intact", nil, -1, "Agent trail PATH: 3 entries, head HEAD3, verified.", ""},
		{"intact, an earlier head expected", nil, 0, "Agent trail PATH: 3 entries, head HEAD3, verified; 2 after the expected head.", ""},
		{"last entry removed", func(l []string) []string { return l[:2] }, 2, "Agent trail does not verify: ",
			"agent trail PATH: expected head HEAD3 is not in the trail (it ends at HEAD2 after 2 entries)"},
		{"edited", func(l []string) []string { l[1] = strings.Replace(l[1], `"1200.00"`, `"12000.00"`, 1); return l }, -1, "",
			"agent trail PATH: line 2: its content does not match its hash: the entry was edited"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			state := t.TempDir()
			store := trail.NewFileStore(state)
			heads := appendDecisions(t, store, 3)
			if tc.tamper != nil {
				b, _ := os.ReadFile(store.Location())
				lines := strings.SplitAfter(string(b), "\n")
				if err := os.WriteFile(store.Location(), []byte(strings.Join(tc.tamper(lines[:len(lines)-1]), "")), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			var args []string
			if tc.expect >= 0 {
				args = []string{"--expect-trail-head", heads[tc.expect]}
			}
			out, err := check(state, args...)
			sub := strings.NewReplacer("HEAD1", heads[0], "HEAD2", heads[1], "HEAD3", heads[2], "PATH", store.Location()).Replace
			if !strings.Contains(unwrap(out), sub(tc.out)) {
				t.Errorf("output lacks %q:\n%s", sub(tc.out), out)
			}
			switch {
			case tc.err == "" && err != nil:
				t.Errorf("check failed: %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), sub(tc.err))):
				t.Errorf("check = %v, want an error with %q", err, sub(tc.err))
			}
		})
	}

	if _, err := runCheckCLI(t, "--content", dir, "--spend=false", "--expect-trail-head", "3f1c"); err == nil || err.Error() != "--expect-trail-head needs --audit" {
		t.Errorf("--expect-trail-head without --audit: %v", err)
	}
}

// unwrap joins the report's wrapped lines, so a sentence reads whole.
func unwrap(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestCheckAuditTrailTable: with STELLAR_TRACE_TABLE set, check --audit
// verifies the trail's table through the SDK, and catches rows removed
// from its end.
func TestCheckAuditTrailTable(t *testing.T) {
	emu := startTrailEmulator(t)
	state := t.TempDir()
	check := func(args ...string) (string, error) {
		return runCheckCLI(t, append([]string{"--content", contentDir(t), "--spend=false", "--min-compliance", "0", "--state", state, "--audit"}, args...)...)
	}
	if _, err := check(); err == nil || !strings.Contains(err.Error(), "the agent trail's table does not exist: create it with `generator setup --apply`") {
		t.Errorf("check before the table exists: %v", err)
	}
	store := trailTable(t, emu)
	if err := store.Create(t.Context()); err != nil {
		t.Fatal(err)
	}
	heads := appendDecisions(t, store, 3)
	out, err := check("--expect-trail-head", heads[2])
	if err != nil || !strings.Contains(unwrap(out), "Agent trail main.stellar.agent_trail: 3 entries, head "+heads[2]+", verified; 0 after the expected head.") {
		t.Errorf("check of the table: %v\n%s", err, out)
	}
	// Its owner removes the last row (DELETE is refused to statements on an
	// append-only table; the emulator's admin endpoint acts as the owner).
	body, _ := json.Marshal(map[string]string{"statement": "DELETE FROM main.stellar.agent_trail WHERE seq = 3"})
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, emu.URL+"/emulator/admin/sql", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+emulator.DefaultToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("delete the last row: %v %v", resp, err)
	}
	resp.Body.Close()
	_, err = check("--expect-trail-head", heads[2])
	if want := "agent trail main.stellar.agent_trail: expected head " + heads[2] + " is not in the trail (it ends at " + heads[1] + " after 2 entries)"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("check of a truncated table: %v\nwant %s", err, want)
	}
}
