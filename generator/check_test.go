package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/novadynamics/stellar-budget/internal/compliance"
	"github.com/novadynamics/stellar-budget/internal/content"
	"github.com/novadynamics/stellar-budget/internal/emulator"
)

// checkAsOf is the emulated today of the check tests: the seeded
// workspace's ids do not depend on it, its times do.
var checkAsOf = time.Date(2026, 7, 14, 0, 0, 0, 0, time.UTC)

// startEmulator runs an emulator of the demo division on loopback until the
// test ends and returns the environment that points the CLI at it.
func startEmulator(t testing.TB, contentDir string) []string {
	t.Helper()
	div, err := content.Load(contentDir)
	if err != nil {
		t.Fatal(err)
	}
	emu, err := emulator.Start("127.0.0.1:0", emulator.Options{AsOf: checkAsOf, Division: div, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	return emu.Env()
}

// TestCheckScripts runs testdata/check/*.txtar: `generator check` as a
// user runs it, against an emulator the script starts with
//
//	emulator
//
// which serves the demo division's seeded workspace on 127.0.0.1 until
// the script ends and sets the DATABRICKS_* variables it prints.
func TestCheckScripts(t *testing.T) {
	contentPath := contentDir(t)
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "check"),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("CONTENT", contentPath)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"status": cmdStatus,
			"emulator": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) > 0 {
					ts.Fatalf("usage: emulator")
				}
				div, err := content.Load(contentPath)
				ts.Check(err)
				emu, err := emulator.Start("127.0.0.1:0", emulator.Options{AsOf: checkAsOf, Division: div, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
				ts.Check(err)
				ts.Defer(func() { emu.Close() })
				for _, kv := range emu.Env() {
					k, v, _ := strings.Cut(kv, "=")
					ts.Setenv(k, v)
				}
			},
		},
	})
}

// runCheckCLI runs `generator check args...` in this process and returns
// its standard output and error.
func runCheckCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	root := rootCommand()
	root.SetOut(&out)
	root.SetArgs(append([]string{"check"}, args...))
	err := root.ExecuteContext(t.Context())
	return out.String(), err
}

// TestCheckJSONMatchesTable checks that --json and the table report the
// same resources, and that --min-compliance gates the exit on the exact
// share: at the share rounded down it passes, at the share shown (half
// up) it passes unless that rounded up, a tenth above it fails.
func TestCheckJSONMatchesTable(t *testing.T) {
	dir := contentDir(t)
	for _, kv := range startEmulator(t, dir) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Setenv("DATABRICKS_CONFIG_FILE", filepath.Join(t.TempDir(), "none")) // never the tester's profiles
	args := []string{"--content", dir, "--spend=false", "--min-compliance", "0"}

	table, err := runCheckCLI(t, args...)
	if err != nil {
		t.Fatalf("check: %v\n%s", err, table)
	}
	js, err := runCheckCLI(t, append(args, "--json")...)
	if err != nil {
		t.Fatalf("check --json: %v", err)
	}
	var r compliance.Report
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		t.Fatalf("--json output does not parse: %v\n%s", err, js)
	}
	m := regexp.MustCompile(`(?m)^Resources: (\d+) of (\d+) comply \(([0-9.]+) %\)`).FindStringSubmatch(table)
	if m == nil {
		t.Fatalf("no resources line in the table:\n%s", table)
	}
	compliant, _ := strconv.Atoi(m[1])
	total, _ := strconv.Atoi(m[2])
	pct, _ := strconv.ParseFloat(m[3], 64)
	if compliant != r.Resources.Compliant || total != r.Resources.Total || pct != r.Resources.CompliancePct {
		t.Errorf("table says %d of %d (%v %%), JSON %+v", compliant, total, pct, r.Resources)
	}
	// A block per resource: its first line names the kind, and each rule
	// it breaks starts a line of its own; every line fits TableWidth.
	resources, rules := 0, 0
	ruleLine := regexp.MustCompile(`^  [a-z_]+  `)
	for i, line := range strings.Split(table, "\n") {
		for _, k := range compliance.Kinds {
			if strings.HasPrefix(line, k+" ") {
				resources++
			}
		}
		if ruleLine.MatchString(line) {
			rules++
		}
		if n := utf8.RuneCountInString(line); n > compliance.TableWidth {
			t.Errorf("line %d is %d columns wide, want at most %d:\n%s", i+1, n, compliance.TableWidth, line)
		}
	}
	if resources != len(r.NonCompliant()) || rules != len(r.Findings) || rules == 0 {
		t.Errorf("table has %d resources and %d rule lines, JSON %d resources and %d findings",
			resources, rules, len(r.NonCompliant()), len(r.Findings))
	}
	if r.Resources.Total == r.Resources.Compliant {
		t.Fatal("the seeded workspace has no rule-breakers: nothing to gate on")
	}

	// The exact share, rounded down to a tenth, always passes.
	floorTenths := compliant * 1000 / total
	floor := strconv.Itoa(floorTenths/10) + "." + strconv.Itoa(floorTenths%10)
	if _, err := runCheckCLI(t, "--content", dir, "--spend=false", "--min-compliance", floor); err != nil {
		t.Errorf("at the exact share rounded down (%s %%): %v", floor, err)
	}
	// The share shown is rounded half up: when that rounds up, it fails
	// a target at the share shown, and says why.
	_, err = runCheckCLI(t, "--content", dir, "--spend=false", "--min-compliance", m[3])
	if shownTenths := int(math.Round(pct * 10)); shownTenths == floorTenths && err != nil {
		t.Errorf("at the share shown (%s %%), not rounded up: %v", m[3], err)
	} else if shownTenths > floorTenths {
		want := "compliance " + m[3] + " % (rounded up from " + m[1] + " of " + m[2] + ") is below --min-compliance " + m[3] + " %: " +
			strconv.Itoa(total-compliant) + " of " + m[2] + " resources break a rule"
		if err == nil || err.Error() != want {
			t.Errorf("at the share shown, rounded up: error %v, want %q", err, want)
		}
	}
	above := strconv.FormatFloat(pct+0.1, 'f', 1, 64)
	_, err = runCheckCLI(t, "--content", dir, "--spend=false", "--min-compliance", above)
	want := "compliance " + m[3] + " % is below --min-compliance " + above + " %: " + strconv.Itoa(total-compliant) + " of " + m[2] + " resources break a rule"
	if err == nil || err.Error() != want {
		t.Errorf("at %s %%: error %v, want %q", above, err, want)
	}
}

// TestCheckWorkspaceProfile points check at the emulator through a
// profile of the SDK's config file instead of the environment; the
// account, whose budget policies the seeded serverless work is judged by,
// through --account-profile.
func TestCheckWorkspaceProfile(t *testing.T) {
	dir := contentDir(t)
	env := map[string]string{}
	for _, kv := range startEmulator(t, dir) {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
		t.Setenv(k, "") // the profile alone says where the workspace is
	}
	cfg := filepath.Join(t.TempDir(), "databrickscfg")
	profile := "[emulator]\nhost = " + env["DATABRICKS_HOST"] + "\nclient_id = " + env["DATABRICKS_CLIENT_ID"] + "\nclient_secret = " + env["DATABRICKS_CLIENT_SECRET"] +
		"\nworkspace_id = " + env["DATABRICKS_WORKSPACE_ID"] + "\naccount_id = " + env["DATABRICKS_ACCOUNT_ID"] + "\nexperimental_is_unified_host = true\n"
	if err := os.WriteFile(cfg, []byte(profile), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DATABRICKS_CONFIG_FILE", cfg)
	_, err := runCheckCLI(t, "--content", dir, "--spend=false", "--min-compliance", "0", "--workspace-profile", "emulator")
	if err == nil || !strings.Contains(err.Error(), "serverless jobs and pipelines are judged by their budget policy, which the account holds: account configuration:") ||
		!strings.HasSuffix(err.Error(), "(name the account with --account-profile)") {
		t.Errorf("check without the account: %v", err)
	}
	out, err := runCheckCLI(t, "--content", dir, "--spend=false", "--min-compliance", "0", "--workspace-profile", "emulator", "--account-profile", "emulator")
	if err != nil {
		t.Fatalf("check --workspace-profile emulator: %v", err)
	}
	if !strings.Contains(out, "Compliance of "+env["DATABRICKS_HOST"]) || !strings.Contains(out, "/compute/clusters/") {
		t.Errorf("output:\n%s", out)
	}
	if _, err := runCheckCLI(t, "--content", dir, "--spend=false", "--workspace-profile", "nope"); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("an unknown profile: %v", err)
	}
}

// TestBelowTarget: check's error names the share shown, and says when it
// was rounded up to a target the exact share misses (package compliance
// judges Passed on the exact counts).
func TestBelowTarget(t *testing.T) {
	cases := []struct {
		name             string
		compliant, total int
		shown, min       float64
		passed           bool
		want             string
	}{
		{"79.96 % shown as 80.0, below 80", 1999, 2500, 80, 80, false,
			"compliance 80.0 % (rounded up from 1999 of 2500) is below --min-compliance 80 %: 501 of 2500 resources break a rule"},
		{"76 % below 80", 1900, 2500, 76, 80, false,
			"compliance 76.0 % is below --min-compliance 80 %: 600 of 2500 resources break a rule"},
		{"met", 2000, 2500, 80, 80, true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := &compliance.Report{MinCompliancePct: tc.min, Passed: tc.passed, Resources: compliance.Counts{
				Total: tc.total, Compliant: tc.compliant, NonCompliant: tc.total - tc.compliant, CompliancePct: tc.shown,
			}}
			err := belowTarget(rep)
			if (err == nil) != (tc.want == "") || (err != nil && err.Error() != tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}
