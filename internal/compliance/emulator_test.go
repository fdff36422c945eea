package compliance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/service/billing"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/content"
	"github.com/novadynamics/stellar-budget/internal/emulator"
)

// startEmulator runs the emulator on loopback with the shipped content
// and returns a real SDK workspace client pointed at it the way a user
// points the CLI (unified host, workspace id).
func startEmulator(t *testing.T) (*databricks.WorkspaceClient, budget.Division, *emulator.Running) {
	t.Helper()
	div, err := content.Load("../../content")
	if err != nil {
		t.Fatal(err)
	}
	emu, err := emulator.Start("127.0.0.1:0", emulator.Options{
		AsOf: time.Date(2026, 7, 14, 0, 0, 0, 0, time.UTC), Division: div,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	w, err := databricks.NewWorkspaceClient(emu.Config())
	if err != nil {
		t.Fatal(err)
	}
	return w, div, emu
}

// accountOf connects to the emulator's account as check does, once asked.
func accountOf(emu *emulator.Running) Account {
	return func() (billing.BudgetPolicyInterface, error) {
		a, err := databricks.NewAccountClient(emu.Config())
		if err != nil {
			return nil, err
		}
		return a.BudgetPolicy, nil
	}
}

// TestCheckEmulator reads the seeded workspace through the real SDK and
// finds its rule-breakers, each with the rule it breaks, its owner and
// its link.
func TestCheckEmulator(t *testing.T) {
	w, div, emu := startEmulator(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r, err := Check(ctx, w, accountOf(emu), Options{
		Division: div, Host: w.Config.CanonicalHostName(), WorkspaceID: w.Config.WorkspaceID,
		Now: time.Date(2026, 7, 14, 8, 0, 0, 0, time.UTC), MinCompliancePct: 100,
	})
	if err != nil {
		t.Fatal(err)
	}
	var table bytes.Buffer
	if err := WriteTable(&table, r); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + table.String())
	for i, line := range strings.Split(table.String(), "\n") {
		if n := utf8.RuneCountInString(line); n > TableWidth {
			t.Errorf("table line %d is %d columns wide, want at most %d:\n%s", i+1, n, TableWidth, line)
		}
	}

	// The link's host and workspace: every finding points into the workspace.
	wantLink := func(path string) string { return emu.URL + "/" + path + "?o=" + w.Config.WorkspaceID }
	byName := map[string][]Finding{}
	for _, f := range r.Findings {
		byName[f.Name] = append(byName[f.Name], f)
	}
	// One rule-breaker of each kind the seed describes, by name.
	cases := []struct {
		name, kind, rule, explanation, category, owner string
		link                                           func(Finding) string
	}{
		{name: "scratch-", kind: KindCluster, rule: "missing_tag", explanation: "missing tags OperationalCategory", category: budget.Unattributed},
		{name: "-analysis", kind: KindCluster, rule: "wrong_tag", explanation: "tag OperationalCategory is", category: budget.Unattributed},
		{name: "-api-sandbox", kind: KindCluster, rule: "no_policy", explanation: "no cluster policy"},
		{name: "-always-on", kind: KindCluster, rule: "autotermination_off", explanation: "autotermination is off"},
		{name: "-long-idle", kind: KindCluster, rule: "autotermination_over_limit", explanation: "minutes idle (the category allows at most"},
		{name: "-bigdata", kind: KindCluster, rule: "too_many_workers", explanation: "workers (the category allows at most"},
		{name: "-gpu-trial", kind: KindCluster, rule: "node_type_not_allowed", explanation: "is not allowed"},
		{name: "-staging", kind: KindCluster, rule: "wrong_tag", explanation: `tag Environment is "STAGING"`},
		{name: "-staging", kind: KindCluster, rule: "missing_tag", explanation: "missing tag Owner"},
		{name: "deep-space-telemetry-adhoc", kind: KindCluster, rule: "all_purpose_not_allowed", explanation: "all-purpose compute in Deep Space Telemetry",
			category: "DEEP_SPACE_TELEMETRY", owner: "jonas.lindqvist@novadynamics.test"},
		{name: "ad-hoc backfill", kind: KindJob, rule: "no_policy", explanation: "no cluster policy"},
		{name: "ad-hoc backfill", kind: KindJob, rule: "missing_tag", explanation: "missing tags OperationalCategory", category: budget.Unattributed},
		{name: "full-archive reprocess", kind: KindJob, rule: "too_many_workers", explanation: "workers (the category allows at most"},
		{name: "GPU feature extraction", kind: KindJob, rule: "node_type_not_allowed", explanation: "is not allowed"},
		{name: "Deep Space Telemetry report refresh", kind: KindJob, rule: "all_purpose_not_allowed", explanation: "tasks ingest, publish run on all-purpose cluster",
			category: "DEEP_SPACE_TELEMETRY", owner: "jonas.lindqvist@novadynamics.test"},
		{name: "BI Dashboards (classic)", kind: KindWarehouse, rule: "autotermination_off", explanation: "auto stop is off",
			owner: "bi.team@novadynamics.test"},
		{name: "BI Dashboards (classic)", kind: KindWarehouse, rule: "missing_tag", explanation: "missing tag OperationalCategory", category: budget.Unattributed},
		{name: "Ad-hoc analytics", kind: KindWarehouse, rule: "wrong_tag", explanation: `tag OperationalCategory is "SANDBOX" (no configured category: its spend is unattributed)`,
			category: budget.Unattributed, owner: "data.scientist@novadynamics.test"},
		{name: "raw ingest (legacy)", kind: KindPipeline, rule: "no_policy", explanation: "no cluster policy"},
		{name: "backfill pipeline", kind: KindPipeline, rule: "too_many_workers", explanation: "workers at most (autoscale)"},
	}
	for _, tc := range cases {
		t.Run(tc.kind+" "+tc.name+" "+tc.rule, func(t *testing.T) {
			var found *Finding
			for name, fs := range byName {
				if !strings.Contains(name, tc.name) {
					continue
				}
				for i := range fs {
					if fs[i].Kind == tc.kind && string(fs[i].Rule) == tc.rule && strings.Contains(fs[i].Explanation, tc.explanation) {
						found = &fs[i]
					}
				}
			}
			if found == nil {
				t.Fatalf("no %s finding saying %q on a %s named *%s*", tc.rule, tc.explanation, tc.kind, tc.name)
			}
			if tc.category != "" && found.Category != tc.category {
				t.Errorf("category %q, want %q", found.Category, tc.category)
			}
			if tc.owner != "" && found.Owner != tc.owner {
				t.Errorf("owner %q, want %q", found.Owner, tc.owner)
			}
			if found.Owner == "" || found.Owner == budget.UnknownOwner {
				t.Errorf("no owner: %+v", found)
			}
			path := map[string]string{KindCluster: "compute/clusters/", KindJob: "jobs/", KindWarehouse: "sql/warehouses/", KindPipeline: "pipelines/"}[tc.kind]
			if found.Link != wantLink(path+found.ID) {
				t.Errorf("link %q, want %q", found.Link, wantLink(path+found.ID))
			}
		})
	}

	// The compliant resources are not flagged: the categories' own jobs,
	// interactive clusters where allowed, pipelines, the serverless
	// warehouse, and the spelling variant that normalises.
	flagged := map[string]bool{}
	for _, f := range r.Findings {
		flagged[f.Kind+"/"+f.Name] = true
	}
	for _, c := range div.Categories {
		for _, name := range []string{KindJob + "/" + c.Title + " nightly ETL", KindJob + "/" + c.Title + " weekly reprocess", KindPipeline + "/" + c.Title + " curated tables"} {
			if flagged[name] {
				t.Errorf("compliant %s flagged", name)
			}
		}
		if c.Policy.AllowAllPurpose {
			for _, name := range []string{c.Slug + "-interactive", c.Slug + "-notebooks"} {
				if flagged[KindCluster+"/"+name] {
					t.Errorf("compliant cluster %s flagged: %v", name, byName[name])
				}
			}
		}
	}
	if flagged[KindWarehouse+"/SAD Serverless SQL"] {
		t.Error("the compliant serverless warehouse was flagged")
	}
	for _, f := range r.Findings {
		if strings.HasPrefix(f.Name, "job-") || strings.HasPrefix(f.Name, "dlt-execution-") {
			t.Errorf("ephemeral cluster %s judged on its own", f.Name)
		}
	}

	// The counts add up, and the seeded workspace is below 100 %.
	if r.Passed || r.Resources.Compliant+r.Resources.NonCompliant != r.Resources.Total || r.Resources.NonCompliant != len(r.NonCompliant()) {
		t.Errorf("counts %+v passed %v, %d non-compliant resources listed", r.Resources, r.Passed, len(r.NonCompliant()))
	}
	var js bytes.Buffer
	if err := WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	summary := fmt.Sprintf("Resources: %d of %d comply", back.Resources.Compliant, back.Resources.Total)
	if !strings.Contains(table.String(), summary) || len(back.Findings) != len(r.Findings) {
		t.Errorf("JSON says %q with %d findings; table:\n%s", summary, len(back.Findings), table.String())
	}
}
