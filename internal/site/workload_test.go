package site

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/report"
	sitetemplates "github.com/novadynamics/stellar-budget/site-templates"
)

// Workload ids that try HTML and formula injection.
const (
	hostileJob       = `<script>alert("job")</script>`
	hostileWarehouse = `=HYPERLINK("http://x","wh")`
)

// renderWorkloads renders a small site whose category ALPHA runs a few
// workloads, hostile ids among them, and returns its directory.
func renderWorkloads(t *testing.T) string {
	t.Helper()
	div := budget.Division{
		Title: "Stellar", Name: "SAD", Currency: "USD", Thresholds: []int{75, 90, 100}, StaleAfterDays: 2,
		Categories: []budget.Category{
			{Slug: "alpha", Title: "Alpha", TagValue: "ALPHA", MonthlyBudget: budget.MustDecimal("1000")},
			{Slug: "beta", Title: "Beta", TagValue: "BETA", MonthlyBudget: budget.MustDecimal("1000")},
		},
	}
	workload := func(date, category, owner, typ, id, workspace, cost string) budget.Fact {
		f := fact(date, category, owner, cost)
		f.WorkloadType, f.WorkloadID, f.Workspace = typ, id, workspace
		return f
	}
	facts := []budget.Fact{
		workload("2026-03-02", "ALPHA", "ann@example.com", report.WorkloadJob, hostileJob, "ws-1", "30"),
		workload("2026-03-03", "ALPHA", "bob@example.com", report.WorkloadJob, hostileJob, "ws-1", "10"),
		workload("2026-03-03", "ALPHA", "ann@example.com", report.WorkloadCluster, "0301-abc", "ws-2", "20.005"),
		workload("2026-03-04", "ALPHA", "-ann", report.WorkloadWarehouse, hostileWarehouse, "@ws", "10.005"),
		workload("2026-03-04", "ALPHA", "ann@example.com", "", "", "ws-1", "1"),
		workload("2026-02-04", "ALPHA", "ann@example.com", report.WorkloadEndpoint, "chat", "ws-1", "5"),
		workload("2026-03-04", "BETA", "cy@example.com", report.WorkloadPipeline, "pl-1", "ws-1", "7"),
	}
	r, err := report.Build(div, budget.Dataset{Facts: budget.RollUp(facts, budget.DetailStart(asOf)), Source: "files", LastDate: asOf}, asOf)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := Render(r, Options{Templates: sitetemplates.FS, Dir: dir, Now: now}); err != nil {
		t.Fatalf("Render: %v", err)
	}
	return dir
}

func TestWorkloadDrillDownPage(t *testing.T) {
	dir := renderWorkloads(t)
	page := readFile(t, filepath.Join(dir, "categories", "alpha", "index.html"))
	for _, want := range []string{
		`<h2 id="workloads-heading">Top workloads</h2>`,
		`<caption id="workload-types-caption">Spend by workload type, Mar 2026 to date</caption>`,
		`<div class="table-wrap" tabindex="0" role="region" aria-labelledby="workloads-0-caption">`,
		`<caption id="workloads-0-caption">Top jobs by cost, Mar 2026 to date</caption>`,
		`<th scope="col">Job ID</th>`,
		`<th scope="row"><code>&lt;script&gt;alert(&#34;job&#34;)&lt;/script&gt;</code></th><td>ws-1</td><td>ann@example.com and 1 more</td>`,
		`<caption id="workloads-1-caption">Top clusters by cost, Mar 2026 to date</caption>`,
		`<th scope="row"><code>0301-abc</code></th><td>ws-2</td><td>ann@example.com</td>`,
		`<caption id="workloads-2-caption">Top SQL warehouses by cost, Mar 2026 to date</caption>`,
		`<code>=HYPERLINK(&#34;http://x&#34;,&#34;wh&#34;)</code>`,
		`<th scope="row">No workload named</th>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("category page lacks %s", want)
		}
	}
	for _, bad := range []string{hostileJob, `Top serving endpoints`, `workloads-4-caption`} {
		if strings.Contains(page, bad) {
			t.Errorf("category page contains %s", bad)
		}
	}
	// Every region names a caption that exists.
	for _, id := range []string{"workload-types-caption", "workloads-0-caption", "workloads-1-caption", "workloads-2-caption"} {
		if !strings.Contains(page, `aria-labelledby="`+id+`"`) || !strings.Contains(page, `<caption id="`+id+`"`) {
			t.Errorf("region or caption %s missing", id)
		}
	}
}

func TestCostByWorkloadCSV(t *testing.T) {
	dir := renderWorkloads(t)
	rows := readCSV(t, filepath.Join(dir, "downloads", "cost_by_workload.csv"))
	want := [][]string{
		{"month", "category", "workload_type", "workload_id", "workspace_id", "owner", "dbus", "list_cost_usd"},
		{"2026-02", "ALPHA", "endpoint", "chat", "ws-1", "ann@example.com", "1.500000", "5.00"},
		{"2026-03", "ALPHA", "job", hostileJob, "ws-1", "ann@example.com", "1.500000", "30.00"},
		{"2026-03", "ALPHA", "cluster", "0301-abc", "ws-2", "ann@example.com", "1.500000", "20.01"},
		// Equal cents: by workload type, jobs first.
		{"2026-03", "ALPHA", "job", hostileJob, "ws-1", "bob@example.com", "1.500000", "10.00"},
		{"2026-03", "ALPHA", "warehouse", "'" + hostileWarehouse, "'@ws", "'-ann", "1.500000", "10.00"},
		{"2026-03", "ALPHA", "", "", "ws-1", "ann@example.com", "1.500000", "1.00"},
		{"2026-03", "BETA", "pipeline", "pl-1", "ws-1", "cy@example.com", "1.500000", "7.00"},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows\n%q\nwant\n%q", rows, want)
	}
	for i := range want {
		if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d = %q, want %q", i, rows[i], want[i])
		}
	}
	// The category's own file holds its rows only.
	own := readCSV(t, filepath.Join(dir, "downloads", "beta", "cost_by_workload.csv"))
	if len(own) != 2 || own[1][3] != "pl-1" {
		t.Errorf("beta's cost_by_workload.csv = %q, want its one row", own)
	}
	page := readFile(t, filepath.Join(dir, "categories", "beta", "index.html"))
	if !strings.Contains(page, `href="../../downloads/beta/cost_by_workload.csv"`) {
		t.Error("beta's page does not link its cost_by_workload.csv")
	}
}
