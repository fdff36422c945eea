package site

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/report"
	"github.com/novadynamics/stellar-budget/internal/snapshot"
	sitetemplates "github.com/novadynamics/stellar-budget/site-templates"
)

// Hostile values a tag or identity can carry into the site.
var hostileOwners = []string{
	`<script>alert(1)</script>`,
	`=HYPERLINK("http://x","y")`,
	`+SUM(A1)`,
	`@cmd`,
	`-2+3`,
	"\tTAB",
}

const hostileTag = `"><img src=x onerror=alert(1)>`

var (
	asOf = time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	now  = time.Date(2026, 3, 10, 6, 45, 0, 0, time.UTC)
)

func fact(date, category, owner, cost string) budget.Fact {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		panic(err)
	}
	f := budget.Fact{
		Date:         d,
		Category:     category,
		Attribution:  budget.Attributed,
		Owner:        owner,
		ResourceType: "JOBS",
		SKU:          "PREMIUM_JOBS_COMPUTE",
		Priced:       true,
		DBUs:         budget.MustDecimal("1.5"),
		Cost:         budget.MustDecimal(cost),
	}
	if category == budget.Unattributed {
		f.Attribution = budget.Untagged
	}
	return f
}

func testReport(t *testing.T) *report.Report {
	t.Helper()
	div := budget.Division{
		Title:      "Stellar Budget",
		Name:       "Stellar Analytics Division",
		Currency:   "USD",
		Thresholds: []int{75, 90, 100},
		// The data ends 5 days before the as-of date: behind.
		StaleAfterDays: 2,
		Categories: []budget.Category{
			{Slug: "alpha", Title: "Alpha & Omega", TagValue: "ALPHA", MonthlyBudget: budget.MustDecimal("20000"),
				Owners: []string{"lead@example.com"}, OnBreach: budget.OnBreach{Action: budget.ActionNotify, DryRun: true},
				Policy: budget.Policy{MaxWorkers: 8, AutoterminationMinutes: 30, NodeTypes: []string{"i3.xlarge"}}},
			{Slug: "beta", Title: "Beta", TagValue: "BETA", MonthlyBudget: budget.MustDecimal("300")},
		},
	}
	facts := []budget.Fact{
		fact("2026-03-01", "ALPHA", "ann@example.com", "12345.67"),
		fact("2026-02-15", "ALPHA", "ann@example.com", "100"),
		fact("2026-03-03", "BETA", "bob@example.com", "-1.23"), // a retraction alone
		fact("2026-03-04", budget.Unattributed, "cat@example.com", "40"),
	}
	for _, o := range hostileOwners {
		facts = append(facts, fact("2026-03-02", "ALPHA", o, "1"))
	}
	unknown := fact("2026-03-04", budget.Unattributed, "dan@example.com", "20.5")
	unknown.Attribution, unknown.TagValue = budget.UnknownValue, hostileTag
	facts = append(facts, unknown)
	unpriced := fact("2026-03-05", "ALPHA", "eve@example.com", "0")
	unpriced.Priced, unpriced.SKU, unpriced.DBUs = false, "@NEW_SKU", budget.MustDecimal("3.25")
	facts = append(facts, unpriced)

	r, err := report.Build(div, budget.Dataset{
		Facts:    budget.RollUp(facts, time.Time{}),
		Source:   "files",
		Inputs:   []string{"exports/usage-<march>.csv"},
		ReadAt:   time.Date(2026, 3, 10, 6, 30, 0, 0, time.UTC),
		Rows:     1234,
		LastDate: time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC),
	}, asOf)
	if err != nil {
		t.Fatalf("build report: %v", err)
	}
	return r
}

func renderSite(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := Render(testReport(t), Options{Templates: sitetemplates.FS, Dir: dir, Now: now}); err != nil {
		t.Fatalf("Render: %v", err)
	}
	return dir
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRenderPages(t *testing.T) {
	dir := renderSite(t)
	tests := []struct {
		name string
		file string
		want []string
	}{
		{"master", "index.html", []string{
			`<html lang="en">`,
			`<a class="skip-link" href="#main">`,
			`<main id="main"`,
			`<link rel="stylesheet" href="css/site.css">`,
			`<h1>Stellar Budget</h1>`,
			`<caption id="categories-caption">Spend by category, Mar 2026 to date</caption>`,
			`<a href="categories/alpha/index.html">Alpha &amp; Omega</a></th>`,
			`<td class="num">$12,351.67</td>`, // 12345.67 + six hostile owners' $1
			`<td class="num">$20,000.00</td>`,
			`<td class="num">61.8 %</td>`,
			`<td class="num">-$1.23</td>`,
			`<code>&#34;&gt;&lt;img src=x onerror=alert(1)&gt;</code>`,
			`<th scope="row">@NEW_SKU</th><td class="num">3.25</td>`,
			`files: <code>exports/usage-&lt;march&gt;.csv</code>`,
			`2026-03-10 06:30 UTC (1,234 usage records)`,
			`2026-03-06 00:00 UTC, the last usage (5 days behind the as-of date; pages warn past 2 days)`,
			`<strong>The data is 5 days behind.</strong> The last usage ends at 2026-03-06 00:00 UTC`,
			`month to date runs to 2026-03-05 and projections rest on data 5 days old`,
			`<caption id="qtd-caption">Quarter to date: Jan 2026 to 2026-03-10, against the budgets in force in those months</caption>`,
			`<dt>Generated</dt><dd>2026-03-10 06:45 UTC</dd>`,
			`<a href="downloads/cost_by_day.csv" download>cost_by_day.csv</a>`,
			`<a href="downloads/alerts.csv" download>alerts.csv</a>`,
			`<a href="data/snapshot.json">`,
			`<dt>Tag compliance</dt><dd>99.5 %</dd>`,
			`<h2 id="board-heading">Status, Mar 2026</h2>`,
			`<th scope="row">Division</th>
        <td class="board-status">0 at risk, 0 to watch</td>`,
			`<th scope="col" class="num">Projected % of budget</th>
        <th scope="col" class="num">Chance over</th>`,
			`<td class="num" data-label="Chance over">0.0 %</td>`,
			`<td class="why" data-label="Why">no spend on the same days last month, largest share JOBS of ann@example.com (100 %)</td>`,
			`<h2 id="owners-heading">Owners' outlook</h2>`,
			`<h2 id="quality-heading">Forecast quality</h2>`,
		}},
		{"category", "categories/alpha/index.html", []string{
			`<title>Alpha &amp; Omega — Stellar Budget</title>`,
			`<link rel="stylesheet" href="../../css/site.css">`,
			`<a href="../../index.html">← Overview</a>`,
			`<a href="../../categories/beta/index.html">Beta</a>`,
			`<a href="../../categories/alpha/index.html" aria-current="page">`,
			`<h1>Alpha &amp; Omega</h1>`,
			`<div class="status-box status-box-on_track" id="status">`,
			`<p class="reason"><strong>Why:</strong> no spend on the same days last month, largest share JOBS of ann@example.com (100 %)</p>`,
			`<dt>Chance over budget</dt><dd>0.0 %</dd>`,
			`<dt>Month to date</dt><dd>$12,351.67</dd>`,
			`<dt>Utilisation</dt><dd>61.8 %</dd>`,
			`<dt>Projected month end</dt><dd>$12,641.74</dd>`,
			`<dt>80 % range</dt><dd>$12,572.26 to $12,711.23</dd>`,
			`<dt>Chance of ending over budget</dt><dd>0.0 %</dd>`,
			`a weekday pattern times a level and a damped trend`,
			`<span class="status status-on_track">on track</span>`,
			`<th scope="row">&lt;script&gt;alert(1)&lt;/script&gt;</th>`,
			`<th scope="row">=HYPERLINK(&#34;http://x&#34;,&#34;y&#34;)</th>`,
			`<th scope="row">2026-03-01</th><td class="num">1.50</td><td class="num">$12,345.67</td><td class="num">$12,345.67</td>`,
			`<th scope="row">Feb 2026</th><td class="num">$100.00</td><td class="num">$20,000.00</td><td class="num">0.5 %</td>`,
			`<th scope="row">@NEW_SKU</th><td class="num">3.25</td>`,
			`<a href="../../downloads/alpha/cost_by_owner.csv" download>`,
			`<a href="../../data/snapshot.json">`,
			`Alerts go to lead@example.com.`,
			`<strong>The data is 5 days behind.</strong>`,
			`every month against today's budget: no budget history is configured`,
		}},
		{"negative only category", "categories/beta/index.html", []string{
			`<dt>Month to date</dt><dd>-$1.23</dd>`,
			`<dt>Utilisation</dt><dd>-0.4 %</dd>`,
			`<p>All usage was priced.</p>`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page := readFile(t, filepath.Join(dir, tc.file))
			for _, w := range tc.want {
				if !strings.Contains(page, w) {
					t.Errorf("%s lacks %q", tc.file, w)
				}
			}
			for _, bad := range []string{"<script>alert", "<img", "onerror=alert(1)>"} {
				if strings.Contains(page, bad) {
					t.Errorf("%s contains raw %q", tc.file, bad)
				}
			}
		})
	}
}

func TestRenderFiles(t *testing.T) {
	dir := renderSite(t)
	for _, f := range []string{
		".gitkeep", "index.html", "css/site.css", "data/snapshot.json",
		"categories/alpha/index.html", "categories/beta/index.html",
		"downloads/cost_by_day.csv", "downloads/cost_by_owner.csv", "downloads/cost_by_resource.csv",
		"downloads/budget_status.csv", "downloads/alerts.csv",
		"downloads/alpha/alerts.csv", "downloads/beta/budget_status.csv",
	} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
}

// The headers of DESIGN.md section 5, in order.
var headers = map[string][]string{
	"cost_by_day.csv":      {"date", "category", "dbus", "list_cost_usd"},
	"cost_by_owner.csv":    {"month", "category", "owner", "dbus", "list_cost_usd"},
	"cost_by_resource.csv": {"month", "category", "resource_type", "sku", "dbus", "list_cost_usd"},
	"budget_status.csv": {"month", "category", "budget_usd", "actual_usd", "forecast_usd", "forecast_low_usd", "forecast_high_usd", "utilization_pct", "threshold_reached",
		"probability_over_budget", "forecast_low95_usd", "forecast_high95_usd"},
	"alerts.csv": {"time", "category", "kind", "threshold_pct", "value_usd", "budget_usd", "status"},
}

// numeric columns hold numbers only: never guarded, never text.
var numericCell = map[string]*regexp.Regexp{
	"dbus":                    regexp.MustCompile(`^-?\d+\.\d{6}$`),
	"list_cost_usd":           regexp.MustCompile(`^-?\d+\.\d{2}$`),
	"budget_usd":              regexp.MustCompile(`^-?\d+\.\d{2}$`),
	"actual_usd":              regexp.MustCompile(`^-?\d+\.\d{2}$`),
	"forecast_usd":            regexp.MustCompile(`^-?\d+\.\d{2}$`),
	"forecast_low_usd":        regexp.MustCompile(`^-?\d+\.\d{2}$`),
	"forecast_high_usd":       regexp.MustCompile(`^-?\d+\.\d{2}$`),
	"forecast_low95_usd":      regexp.MustCompile(`^-?\d+\.\d{2}$`),
	"forecast_high95_usd":     regexp.MustCompile(`^-?\d+\.\d{2}$`),
	"probability_over_budget": regexp.MustCompile(`^(0|1)\.\d{2}$`),
	"value_usd":               regexp.MustCompile(`^-?\d+\.\d{2}$`),
	"utilization_pct":         regexp.MustCompile(`^(-?\d+\.\d)?$`),
	"threshold_reached":       regexp.MustCompile(`^\d+$`),
	"threshold_pct":           regexp.MustCompile(`^\d+$`),
	"date":                    regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`),
	"time":                    regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`),
	"month":                   regexp.MustCompile(`^\d{4}-\d{2}$`),
}

func readCSV(t *testing.T, path string) [][]string {
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

func TestRenderCSV(t *testing.T) {
	dir := renderSite(t)
	for _, sub := range []string{"", "alpha", "beta"} {
		for name, want := range headers {
			path := filepath.Join(dir, "downloads", sub, name)
			t.Run(filepath.Join(sub, name), func(t *testing.T) {
				rows := readCSV(t, path)
				if !slices.Equal(rows[0], want) {
					t.Fatalf("header %q, want %q", rows[0], want)
				}
				for _, row := range rows[1:] {
					for i, cell := range row {
						col := rows[0][i]
						if re, ok := numericCell[col]; ok {
							if !re.MatchString(cell) {
								t.Errorf("%s = %q is not a number", col, cell)
							}
							continue
						}
						if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
							t.Errorf("%s = %q is not guarded", col, cell)
						}
						if col == "category" && sub != "" && cell != map[string]string{"alpha": "ALPHA", "beta": "BETA"}[sub] {
							t.Errorf("%s holds category %s", path, cell)
						}
					}
				}
			})
		}
	}

	owners := readCSV(t, filepath.Join(dir, "downloads", "cost_by_owner.csv"))
	var got []string
	for _, row := range owners[1:] {
		got = append(got, row[2])
	}
	for _, o := range hostileOwners {
		want := o
		if !strings.HasPrefix(o, "<") {
			want = "'" + o
		}
		if !slices.Contains(got, want) {
			t.Errorf("cost_by_owner.csv lacks owner %q (have %q)", want, got)
		}
	}
	if !slices.Contains(got, "bob@example.com") {
		t.Errorf("cost_by_owner.csv lacks bob")
	}
	if row := findRow(owners, "bob@example.com"); row == nil || row[4] != "-1.23" {
		t.Errorf("retraction row = %q, want list_cost_usd -1.23", row)
	}
	resources := readCSV(t, filepath.Join(dir, "downloads", "alpha", "cost_by_resource.csv"))
	if row := findRow(resources, "'@NEW_SKU"); row == nil || row[4] != "3.250000" || row[5] != "0.00" {
		t.Errorf("unpriced resource row = %q, want guarded SKU, 3.250000 DBUs, 0.00", row)
	}
	raw := readFile(t, filepath.Join(dir, "downloads", "cost_by_day.csv"))
	if !strings.HasPrefix(raw, "date,category,dbus,list_cost_usd\r\n") {
		t.Errorf("cost_by_day.csv starts %q, want the header and CRLF", raw[:min(len(raw), 40)])
	}
}

func findRow(rows [][]string, cell string) []string {
	for _, row := range rows {
		if slices.Contains(row, cell) {
			return row
		}
	}
	return nil
}

func TestSnapshot(t *testing.T) {
	r := testReport(t)
	r.Categories[0].Allowances = map[string]budget.Decimal{"ann@example.com": budget.MustDecimal("15000"), "zed@example.com": {}}
	r.Clusters = []report.ClusterRate{{
		ID: "0301-000000-abc", Workspace: "42", Category: "ALPHA", Owner: "ann@example.com", SKUs: []string{"PREMIUM_ALL_PURPOSE_COMPUTE"},
		RatedOn: asOf.AddDate(0, 0, -1), DBUs: budget.MustDecimal("1"), Cost: budget.MustDecimal("0.55"), Priced: true, LastUsage: asOf,
	}}
	dir := t.TempDir()
	if err := Render(r, Options{Templates: sitetemplates.FS, Dir: dir, Now: now}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "data", "snapshot.json")
	if raw := readFile(t, path); !strings.HasSuffix(raw, "}\n") {
		t.Errorf("snapshot.json does not end in a newline")
	}
	// Read as the functions read it: every value in its documented form.
	s, err := snapshot.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if s.SchemaVersion != 1 || s.AsOf != "2026-03-10" || s.GeneratedAt != "2026-03-10T06:45:00Z" {
		t.Errorf("header = %d %s %s", s.SchemaVersion, s.AsOf, s.GeneratedAt)
	}
	if s.Source.Kind != "files" || s.Source.LastUsageDate != "2026-03-05" || s.Source.ReadAt != "2026-03-10T06:30:00Z" {
		t.Errorf("source = %+v", s.Source)
	}
	if s.DataThrough != "2026-03-06T00:00:00Z" || s.DaysBehind != 5 || !s.DataBehind {
		t.Errorf("data through %q, %d days behind (%v); want 2026-03-06T00:00:00Z, 5, true", s.DataThrough, s.DaysBehind, s.DataBehind)
	}
	sum := s.Unattributed.Untagged.Decimal().Add(s.Unattributed.UnknownValue.Decimal())
	for _, c := range s.Categories {
		sum = sum.Add(c.MonthToDate.Decimal())
	}
	if snapshot.USD(sum) != s.Totals.MonthToDate {
		t.Errorf("categories + unattributed = %s, total %s", sum.Cents(), s.Totals.MonthToDate)
	}
	alpha := s.Categories[0]
	if alpha.MonthToDate != "12351.67" || *alpha.Utilization != "61.8" || alpha.Status != "on_track" || alpha.ProbabilityOver != "0.00" || alpha.ForecastLow95 != "12535.48" ||
		alpha.OnBreach.Action != "notify" || !alpha.OnBreach.DryRun || alpha.Policy.MaxWorkers != 8 {
		t.Errorf("alpha = %+v", alpha)
	}
	if len(s.Unattributed.UnknownValues) != 1 || s.Unattributed.UnknownValues[0].Value != hostileTag {
		t.Errorf("unknown values = %+v", s.Unattributed.UnknownValues)
	}
	if len(s.Unpriced) != 1 || s.Unpriced[0] != (snapshot.SKU{SKU: "@NEW_SKU", DBUs: "3.250000"}) {
		t.Errorf("unpriced = %+v", s.Unpriced)
	}

	if !reflect.DeepEqual(alpha.Allowances, map[string]snapshot.Money{"ann@example.com": "15000.00", "zed@example.com": "0.00"}) ||
		s.Categories[1].Allowances == nil || len(s.Categories[1].Allowances) != 0 {
		t.Errorf("allowances = %v and %v, want alpha's and an empty one", alpha.Allowances, s.Categories[1].Allowances)
	}
	if !reflect.DeepEqual(alpha.RecentOwners, []snapshot.OwnerSpend{{Owner: "ann@example.com", Cost: "100.00"}}) {
		t.Errorf("alpha's owners of the last three months = %v, want ann's February", alpha.RecentOwners)
	}
	// The series are the report's days, formatted: through the last data
	// day (the data is behind), from the first usage.
	for i, c := range r.Categories {
		days := s.Categories[i].Daily.Days
		if len(days) != len(c.Series.Days) || s.Categories[i].Daily.LastDayPartial {
			t.Fatalf("%s: %d days (partial %v), want %d", c.Slug, len(days), s.Categories[i].Daily.LastDayPartial, len(c.Series.Days))
		}
		for j, d := range c.Series.Days {
			if days[j] != (snapshot.Day{Date: snapshot.DateOf(d.Date), Cost: snapshot.USD(d.Cost)}) {
				t.Errorf("%s day %d: %v, want %s %s", c.Slug, j, days[j], d.Date.Format(time.DateOnly), d.Cost)
			}
		}
	}
	if days := alpha.Daily.Days; days[0] != (snapshot.Day{Date: "2026-02-15", Cost: "100.00"}) || days[len(days)-1] != (snapshot.Day{Date: "2026-03-05", Cost: "0.00"}) {
		t.Errorf("alpha's days run %v..%v, want from its first usage to the last data day", days[0], days[len(days)-1])
	}
	if o, ok := s.Owner("ann@example.com"); !ok || len(o.Daily.Days) != len(alpha.Daily.Days) || o.Daily.Days[14].Cost != "12345.67" {
		t.Errorf("ann's outlook %+v", o)
	}
	want := []snapshot.Cluster{{ID: "0301-000000-abc", Workspace: "42", Category: "ALPHA", Owner: "ann@example.com", SKUs: []string{"PREMIUM_ALL_PURPOSE_COMPUTE"},
		RatedOn: "2026-03-09", DBUsPerHour: "0.041667", USDPerHour: "0.022917", Priced: true, LastUsageDate: "2026-03-10"}}
	if !reflect.DeepEqual(s.Clusters, want) {
		t.Errorf("clusters = %+v\nwant %+v", s.Clusters, want)
	}
	// The window and the rule the snapshot documents are the report's.
	if report.SeriesDays != snapshot.MinSeriesDays || report.ClusterDays != snapshot.ClusterDays {
		t.Errorf("series of %d days and clusters of %d in the report; the snapshot documents %d and %d",
			report.SeriesDays, report.ClusterDays, snapshot.MinSeriesDays, snapshot.ClusterDays)
	}
}

func TestRenderRejectsSlug(t *testing.T) {
	r := testReport(t)
	r.Categories[0].Slug = "../escape"
	err := Render(r, Options{Templates: sitetemplates.FS, Dir: t.TempDir(), Now: now})
	if err == nil || !strings.Contains(err.Error(), "slug") {
		t.Errorf("error %v, want a slug error", err)
	}
}
