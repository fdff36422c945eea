package site

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/report"
	sitetemplates "github.com/novadynamics/stellar-budget/site-templates"
)

// renderWithTrail renders the test report with the agent page from tr and
// cluster 0301-abc costing $100 a day from 02-23 and $30 from 03-03.
func renderWithTrail(t *testing.T, tr report.Trail) string {
	t.Helper()
	r := testReport(t)
	facts := []budget.Fact{}
	for d := time.Date(2026, 2, 23, 0, 0, 0, 0, time.UTC); !d.After(time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)); d = d.AddDate(0, 0, 1) {
		f := fact(d.Format(time.DateOnly), "ALPHA", "ann@example.com", "100")
		if d.Day() >= 3 && d.Day() <= 5 {
			f.Cost = budget.MustDecimal("30")
		}
		f.WorkloadType, f.WorkloadID = report.WorkloadCluster, "0301-abc"
		facts = append(facts, f)
	}
	r.SetAgent(tr, budget.RollUp(facts, time.Time{}))
	dir := t.TempDir()
	if err := Render(r, Options{Templates: sitetemplates.FS, Dir: dir, Now: now}); err != nil {
		t.Fatalf("Render: %v", err)
	}
	return dir
}

func hostileEntry(seq int64, when time.Time) report.TrailEntry {
	monthly, hourly := budget.MustDecimal("1234.5"), budget.MustDecimal("0.375")
	return report.TrailEntry{
		Seq: seq, Time: when, Tool: "scale_cluster", Caller: hostileOwners[1], Role: "operator", Outcome: report.OutcomeActed,
		Category: "ALPHA", Owner: hostileOwners[0], Reason: hostileTag,
		Before:        &report.TrailCluster{ID: "0301-abc", Name: hostileTag, State: "RUNNING", Workers: 8},
		After:         &report.TrailCluster{ID: "0301-abc", State: "RUNNING", Autoscale: true, MinWorkers: 1, MaxWorkers: 2},
		SavingsHourly: &hourly, SavingsMonthly: &monthly, Hash: fmt.Sprintf("%064x", seq),
	}
}

// TestAgentPage: the entries, escaped; the realised saving; the CSV with
// the injection guard.
func TestAgentPage(t *testing.T) {
	dir := renderWithTrail(t, report.Trail{Location: "/state/trail.jsonl", Head: fmt.Sprintf("%064x", 1),
		Entries: []report.TrailEntry{hostileEntry(1, time.Date(2026, 3, 2, 15, 4, 5, 0, time.UTC))}})
	html := readFile(t, filepath.Join(dir, "agent", "index.html"))
	for _, want := range []string{
		// Baseline 02-23..03-01 at $100; 03-03..05 at $30 save 3 × 70.
		"$210.00 saved across 1 owner",
		"Head <code>" + fmt.Sprintf("%064x", 1) + "</code> after 1 entries",
		"&lt;script&gt;alert(1)&lt;/script&gt;", "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;",
		"RUNNING, 8 workers → RUNNING, autoscale 1–2",
		"$1,234.50", "$0.38 an hour", "2026-03-02<span class=\"range\">15:04:05 · #1</span>", "3 days against $100.00 a day before",
		`aria-current="page">Agent</a>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("agent page lacks %q", want)
		}
	}
	if strings.Contains(html, "<img src=x") || strings.Contains(html, "<script>alert") {
		t.Error("agent page holds hostile markup unescaped")
	}
	rows := readCSV(t, filepath.Join(dir, "downloads", fileAgentTrail))
	want := "seq,time,tool,caller,role,outcome,category,owner,cluster_id,reason,savings_hourly_usd,savings_monthly_usd,realised_usd,hash"
	if got := strings.Join(rows[0], ","); got != want {
		t.Fatalf("header = %s, want %s", got, want)
	}
	row := rows[1]
	for i, want := range map[int]string{1: "2026-03-02T15:04:05.000Z", 3: "'" + hostileOwners[1], 7: hostileOwners[0], 10: "0.375", 11: "1234.50", 12: "210.00"} {
		if row[i] != want {
			t.Errorf("%s = %q, want %q", rows[0][i], row[i], want)
		}
	}
	if index := readFile(t, filepath.Join(dir, "index.html")); !strings.Contains(index, `href="agent/index.html"`) {
		t.Error("the master page's navigation lacks the agent page")
	}
}

// TestAgentPageCapsTheTable: more entries than the page lists: the
// newest are shown and the CSV holds all, in the trail's order.
func TestAgentPageCapsTheTable(t *testing.T) {
	var entries []report.TrailEntry
	n := report.AgentShown + 5
	for i := 1; i <= n; i++ {
		e := hostileEntry(int64(i), time.Date(2026, 3, 4, 0, i, 0, 0, time.UTC))
		e.Outcome, e.Reason = report.OutcomeDryRun, fmt.Sprintf("decision-%d.", i)
		entries = append(entries, e)
	}
	dir := renderWithTrail(t, report.Trail{Location: "trail.jsonl", Head: entries[n-1].Hash, Entries: entries})
	html := readFile(t, filepath.Join(dir, "agent", "index.html"))
	if want := fmt.Sprintf("The %d newest of %d decisions", report.AgentShown, n); !strings.Contains(html, want) {
		t.Errorf("agent page does not say %q", want)
	}
	if !strings.Contains(html, fmt.Sprintf("decision-%d.", n)) || strings.Contains(html, "decision-5.") {
		t.Error("agent page does not list the newest entries only")
	}
	rows := readCSV(t, filepath.Join(dir, "downloads", fileAgentTrail))
	if len(rows) != n+1 || rows[1][0] != "1" || rows[n][0] != fmt.Sprint(n) {
		t.Errorf("CSV has %d rows, first seq %s: want %d rows from seq 1", len(rows)-1, rows[1][0], n)
	}
}

// TestAgentPageProblem: a trail that does not verify is a red notice
// naming the problem; no trail kept says why.
func TestAgentPageProblem(t *testing.T) {
	dir := renderWithTrail(t, report.Trail{Location: "/state/trail.jsonl", Problem: "agent trail /state/trail.jsonl line 3: <edited>"})
	html := readFile(t, filepath.Join(dir, "agent", "index.html"))
	for _, want := range []string{`class="broken" role="alert"`, "The agent trail does not verify", "line 3: &lt;edited&gt;", "<code>/state/trail.jsonl</code>"} {
		if !strings.Contains(html, want) {
			t.Errorf("broken trail page lacks %q", want)
		}
	}
	dir = renderWithTrail(t, report.Trail{Note: "No agent trail is kept."})
	if html := readFile(t, filepath.Join(dir, "agent", "index.html")); !strings.Contains(html, "No agent trail is kept.") {
		t.Error("the page does not say no trail is kept")
	}
}

// TestCategoryBreachNote: a category page says what the agent trail holds
// of the alert webhook's decisions for it, and nothing of another's.
func TestCategoryBreachNote(t *testing.T) {
	hook := func(seq int64, cat string, when time.Time) report.TrailEntry {
		return report.TrailEntry{Seq: seq, Time: when, Tool: "alert-webhook", Caller: "databricks-alert", Role: "webhook",
			Outcome: "dry_run", Category: cat, Hash: fmt.Sprintf("%064x", seq)}
	}
	entries := []report.TrailEntry{
		hook(1, "ALPHA", time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)),
		hook(2, "BETA", time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)),
		hook(3, "ALPHA", time.Date(2026, 3, 3, 14, 5, 0, 0, time.UTC)),
	}
	for _, tc := range []struct {
		name string
		tr   report.Trail
		want map[string]string
	}{
		{"decisions", report.Trail{Location: "trail.jsonl", Head: entries[2].Hash, Entries: entries}, map[string]string{
			"alpha": "The agent trail holds 2 decisions of the alert webhook for this category, the last at 2026-03-03 14:05 UTC",
			"beta":  "The agent trail holds 1 decision of the alert webhook for this category, the last at 2026-03-02 09:30 UTC",
		}},
		{"none", report.Trail{Location: "trail.jsonl"}, map[string]string{
			"alpha": "The agent trail holds no decision of the alert webhook for this category yet.",
		}},
		{"broken", report.Trail{Location: "trail.jsonl", Problem: "line 2: edited"}, map[string]string{
			"beta": "The agent trail was not read for this build",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := renderWithTrail(t, tc.tr)
			for slug, want := range tc.want {
				if text := pageText(readFile(t, filepath.Join(dir, "categories", slug, "index.html"))); !strings.Contains(text, want) {
					t.Errorf("%s's page lacks %q", slug, want)
				}
			}
		})
	}
}
