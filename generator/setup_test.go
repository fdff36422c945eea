package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/audit"
	"github.com/novadynamics/stellar-budget/internal/content"
	"github.com/novadynamics/stellar-budget/internal/demo"
	"github.com/novadynamics/stellar-budget/internal/duckdb"
	"github.com/novadynamics/stellar-budget/internal/emulator"
)

// TestSetupCommand runs setup's plan as a user does, against the emulator
// (the apply path is tested end to end in internal/setup).
func TestSetupCommand(t *testing.T) {
	dir := contentDir(t)
	div, err := content.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	asOf := time.Date(2026, 7, 15, 0, 0, 0, 0, time.UTC)
	quiet := slog.New(slog.DiscardHandler)
	tables, err := duckdb.OpenSystemTables(t.Context(), duckdb.Options{Log: quiet}, demo.Config{Division: div, Through: asOf.AddDate(0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tables.Close() })
	emu, err := emulator.Start("127.0.0.1:0", emulator.Options{AsOf: asOf, Division: div, SQL: tables, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	variants := filepath.Join(t.TempDir(), "tags.json")
	if err := os.WriteFile(variants, []byte(`["Deep-Space-Telemetry", "SANDBOX", "DEEP_SPACE_TELEMETRY"]`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want []string // fragments of the output, or of the error when err
		err  bool
	}{
		{"plan with the demo's spellings", []string{"--as-of", "2026-07-15", "--source", "demo"}, nil, []string{
			"Tag spellings: from the demo account (--source demo;",
			"create    budget               stellar-budget:SAD:deep-space-telemetry:75",
			"      filter: OperationalCategory IN [DEEP_SPACE_TELEMETRY, deep space telemetry]",
			"      filter: OperationalCategory IN [EXOPLANET_RESEARCH, Exoplanet-Research]",
			"create    cluster policy       stellar-budget:SAD:exoplanet-research:all-purpose \"SAD Exoplanet Research (all-purpose)\"",
			"55 to create, 0 to update, 0 unchanged.",
			"Run again with --apply to carry it out.",
		}, false},
		{"plan with the spellings the warehouse reads", []string{"--as-of", "2026-07-15", "--source", "databricks"}, nil, []string{
			"      filter: OperationalCategory IN [DEEP_SPACE_TELEMETRY, deep space telemetry]",
			"      filter: OperationalCategory IN [EXOPLANET_RESEARCH, Exoplanet-Research]",
			"55 to create, 0 to update, 0 unchanged.",
		}, false},
		// A configured warehouse makes the account live: its own spellings.
		{"the warehouse's spellings by default", []string{"--as-of", "2026-07-15"}, nil, []string{
			"Tag spellings: read from system.billing.usage on warehouse " + emu.DefaultWarehouseID() + " (usage since 2025-06-01)\n",
			"      filter: OperationalCategory IN [EXOPLANET_RESEARCH, Exoplanet-Research]",
		}, false},
		{"a warehouse named by flag", []string{"--as-of", "2026-07-15", "--warehouse-id", emu.DefaultWarehouseID()}, map[string]string{"DATABRICKS_WAREHOUSE_ID": ""}, []string{
			"Tag spellings: read from system.billing.usage on warehouse " + emu.DefaultWarehouseID(),
		}, false},
		{"the demo's spellings without a warehouse", []string{"--as-of", "2026-07-15"}, map[string]string{"DATABRICKS_WAREHOUSE_ID": ""}, []string{
			"Tag spellings: from the demo account",
			"      filter: OperationalCategory IN [DEEP_SPACE_TELEMETRY, deep space telemetry]",
		}, false},
		{"no spellings", []string{"--as-of", "2026-07-15", "--source", "none"}, nil, []string{
			"Tag spellings: none: the budgets filter on the canonical tag values only (--source none)\n",
		}, false},
		{"plan with spellings from a file", []string{"--as-of", "2026-07-15", "--variants-from", variants}, nil, []string{
			"Tag spellings: read from " + variants + "\n",
			"      filter: OperationalCategory IN [DEEP_SPACE_TELEMETRY, Deep-Space-Telemetry]",
			"      filter: OperationalCategory IN [EXOPLANET_RESEARCH]\n",
		}, false},
		{"canonical values only, other team", []string{"--as-of", "2026-07-15", "--source", "none", "--team", "NDX"}, nil, []string{
			"stellar-budget:NDX:deep-space-telemetry:90",
			"      filter: OperationalCategory IN [DEEP_SPACE_TELEMETRY]\n",
			`      definition.custom_tags.Team: {"type":"fixed","value":"NDX"}`,
		}, false},
		{"unknown spelling source", []string{"--source", "files"}, nil, []string{`--source "files": want databricks, demo or none`}, true},
		{"no account id", nil, map[string]string{"DATABRICKS_ACCOUNT_ID": ""}, []string{"account configuration: no account id"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			useEmulator(t, emu)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			got, err := runSetup(append([]string{"--content", dir, "--state", t.TempDir()}, tc.args...)...)
			if tc.err {
				if err == nil {
					t.Fatalf("no error; output:\n%s", got)
				}
				got = err.Error()
			} else if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q:\n%s", w, got)
				}
			}
		})
	}
}

// TestConcurrentApply: two setup --apply runs on one state directory at
// once create every object once; the second waits for the first and finds
// nothing left to do.
func TestConcurrentApply(t *testing.T) {
	dir := contentDir(t)
	startSetupEmulator(t, dir)
	state := t.TempDir()
	run := func(args ...string) (string, error) {
		return runSetup(append([]string{"--content", dir, "--state", state, "--as-of", "2026-07-15", "--source", "none"}, args...)...)
	}
	outs := make([]string, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() { outs[i], errs[i] = run("--apply") })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("apply %d: %v\n%s", i+1, err, outs[i])
		}
	}
	created := strings.Contains(outs[0], "55 to create") != strings.Contains(outs[1], "55 to create")
	waited := strings.Contains(outs[0], "55 unchanged") != strings.Contains(outs[1], "55 unchanged")
	if !created || !waited {
		t.Errorf("want one apply to create all 55 objects and the other to find them unchanged:\n%s\n---\n%s", outs[0], outs[1])
	}
	head, err := audit.Verify(filepath.Join(state, audit.FileName), "")
	if err != nil {
		t.Fatal(err)
	}
	if head.Entries != 2*55 {
		t.Errorf("audit log holds %d entries, want an intent and a result for each of 55 changes", head.Entries)
	}
	out, err := run()
	if err != nil || !strings.Contains(out, "0 to create, 0 to update, 55 unchanged.") {
		t.Errorf("plan after both applies (%v):\n%s", err, out)
	}
}

// TestSetupMissingGroup: a category whose group the account lacks stops
// plan and apply before any change, naming the group, its category and
// where to create it.
func TestSetupMissingGroup(t *testing.T) {
	dir := contentDir(t)
	emu := startSetupEmulator(t, dir)
	emu.DeleteGroup("sad-orbital-mechanics")
	state := t.TempDir()
	for _, args := range [][]string{nil, {"--apply"}} {
		out, err := runSetup(append([]string{"--content", dir, "--state", state, "--as-of", "2026-07-15", "--source", "none"}, args...)...)
		if err == nil || !strings.Contains(err.Error(), "group sad-orbital-mechanics ("+filepath.Join(dir, "categories", "orbital-mechanics.md")+") does not exist in the account: create it in the account console > User management > Groups") {
			t.Errorf("setup %v: %v", args, err)
		}
		if strings.Contains(out, "to create") {
			t.Errorf("setup %v printed a plan:\n%s", args, out)
		}
	}
	if _, err := os.Stat(filepath.Join(state, audit.FileName)); !os.IsNotExist(err) {
		t.Errorf("audit log after the refused apply: %v", err)
	}
	emu.PutGroup("sad-orbital-mechanics", true)
	if out, err := runSetup("--content", dir, "--state", state, "--as-of", "2026-07-15", "--source", "none"); err != nil || !strings.Contains(out, "55 to create, 0 to update, 0 unchanged.") {
		t.Errorf("plan once the group exists (%v):\n%s", err, out)
	}
}

// startSetupEmulator runs an emulator of the division in dir, as of
// 2026-07-15, until the test ends, with the SDK's environment pointed at it.
func startSetupEmulator(t *testing.T, dir string) *emulator.Running {
	t.Helper()
	div, err := content.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	emu, err := emulator.Start("127.0.0.1:0", emulator.Options{AsOf: time.Date(2026, 7, 15, 0, 0, 0, 0, time.UTC), Division: div, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	useEmulator(t, emu)
	return emu
}

// useEmulator points the SDK's environment at emu, and at nothing of the
// machine's own ~/.databrickscfg, until the test ends.
func useEmulator(t *testing.T, emu *emulator.Running) {
	t.Helper()
	for _, kv := range emu.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Setenv("DATABRICKS_CONFIG_FILE", filepath.Join(t.TempDir(), "none.cfg"))
	// The SDK's default of 15 requests a second is for shared services.
	t.Setenv("DATABRICKS_RATE_LIMIT", "1000")
}

// runSetup runs `generator setup args...` and returns its standard output.
func runSetup(args ...string) (string, error) {
	cmd := setupCommand()
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}
