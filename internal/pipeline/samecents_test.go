package pipeline

import (
	"html"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/report"
)

// TestSameUsageSameCents builds the demo site and checks that every
// resource-type figure equals the sum of its workload rows, to the cent, on
// every category page, the leadership report (the page report.pdf is
// printed from) and the CSVs, the division's and each category's own.
//
// A resource type and a workload type cover the same usage when the same
// facts carry them; where the mapping is not one to one (jobs run on JOBS
// classic and serverless, a category's SQL warehouses may be classic and
// serverless), the smallest groups of resource types and workload types
// that cover the same facts are compared, so a group of one of each is a
// direct pair (ALL_PURPOSE classic and its clusters, DLT and its
// pipelines). Which facts carry which types comes from the usage the build
// read; the figures only from the published files.
func TestSameUsageSameCents(t *testing.T) {
	out := filepath.Join(t.TempDir(), "public")
	opts := options(out)
	if _, err := Build(t.Context(), opts); err != nil {
		t.Fatal(err)
	}
	rep, data, err := buildReport(t.Context(), opts, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	var facts []budget.Fact
	for _, f := range data.Facts.Months {
		if !f.Date.After(rep.AsOf) {
			facts = append(facts, f)
		}
	}
	month := rep.AsOf.Format("2006-01")
	downloads := filepath.Join(out, "downloads")

	// The CSVs know resource types without serverless: group by those.
	csvGroups := sameUsage(facts, func(f budget.Fact) string { return f.ResourceType })
	pairs := assertCSVsAgree(t, downloads, "", csvGroups)
	for _, c := range rep.Categories {
		assertCSVsAgree(t, filepath.Join(downloads, c.Slug), c.TagValue, csvGroups)
	}
	if pairs == 0 {
		t.Error("no resource type of the demo maps to exactly one workload type: the check compares nothing")
	}

	// The pages show serverless and classic apart, this month.
	var thisMonth []budget.Fact
	for _, f := range facts {
		if f.Date.Format("2006-01") == month {
			thisMonth = append(thisMonth, f)
		}
	}
	pageGroups := sameUsage(thisMonth, resourceLabel)
	ownersCSV := map[[2]string]budget.Decimal{}
	for _, r := range readCSV(t, filepath.Join(downloads, "cost_by_owner.csv")) {
		if r["month"] == month {
			k := [2]string{r["category"], r["owner"]}
			ownersCSV[k] = ownersCSV[k].Add(money(t, r["list_cost_usd"]))
		}
	}
	reportPage := readPage(t, out, "report/index.html")
	checked := 0
	for _, c := range rep.Categories {
		page := readPage(t, out, "categories/"+c.Slug+"/index.html")
		resources := map[string]budget.Decimal{}
		for _, row := range tableRows(t, page, "resource-caption") {
			if len(row) < 4 {
				continue // "No usage this month."
			}
			resources[row[0]+" "+row[1]] = usd(t, row[3])
		}
		workloads := map[string]budget.Decimal{}
		for _, row := range tableRows(t, page, "workload-types-caption") {
			workloads[workloadType(t, row[0])] = usd(t, row[3])
		}
		for _, g := range pageGroups[monthCategory{month, c.TagValue}] {
			var r, w budget.Decimal
			for _, name := range g.resources {
				v, ok := resources[name]
				if !ok {
					t.Errorf("%s page: no resource line %s", c.Slug, name)
				}
				r = r.Add(v)
			}
			for _, typ := range g.workloads {
				v, ok := workloads[typ]
				if !ok {
					t.Errorf("%s page: no workload type %q", c.Slug, typ)
				}
				w = w.Add(v)
			}
			if r.Cmp(w) != 0 {
				t.Errorf("%s page: resource types %v show %s, workload types %q %s", c.Slug, g.resources, r.USD(), g.workloads, w.USD())
			}
			checked++
		}
		// The page's owners are cost_by_owner.csv's rows of the month.
		for _, row := range tableRows(t, page, "owners-caption") {
			if len(row) < 3 || strings.HasSuffix(row[0], " other owners") {
				continue
			}
			if got, want := usd(t, row[2]), ownersCSV[[2]string{c.TagValue, row[0]}]; got.Cmp(want) != 0 {
				t.Errorf("%s page: owner %s %s, cost_by_owner.csv %s", c.Slug, row[0], got.USD(), want.USD())
			}
		}
		// The report names the largest resource type with the page's figure.
		for _, row := range tableRows(t, reportPage, "cat-"+c.Slug+"-caption") {
			if row[0] != "Largest resource type" {
				continue
			}
			name, figure, ok := strings.Cut(row[1], ": ")
			label := strings.TrimSuffix(name, " (serverless)") + " classic"
			if strings.HasSuffix(name, " (serverless)") {
				label = strings.TrimSuffix(name, " (serverless)") + " serverless"
			}
			if v, found := resources[label]; !ok || !found || usd(t, figure).Cmp(v) != 0 {
				t.Errorf("report: %s's largest resource type %q, its page shows %s", c.Slug, row[1], v.USD())
			}
		}
	}
	if checked == 0 {
		t.Error("no category page had a resource type to compare")
	}
	t.Logf("%d one-to-one pairs in the CSVs, %d groups on the pages", pairs, checked)
}

// usageGroup is a smallest set of resource types and workload types that
// carry exactly the same facts.
type usageGroup struct {
	resources, workloads []string
}

// sameUsage groups, per month and category, the resource types (as
// resourceOf names them) and workload types that the same facts carry:
// the connected parts of the graph linking the two types of each fact.
func sameUsage(facts []budget.Fact, resourceOf func(budget.Fact) string) map[monthCategory][]usageGroup {
	type node struct {
		workload bool
		name     string
	}
	parents := map[monthCategory]map[node]node{}
	var find func(p map[node]node, n node) node
	find = func(p map[node]node, n node) node {
		if p[n] == n {
			return n
		}
		root := find(p, p[n])
		p[n] = root
		return root
	}
	for _, f := range facts {
		k := monthCategory{f.Date.Format("2006-01"), f.Category}
		if parents[k] == nil {
			parents[k] = map[node]node{}
		}
		p := parents[k]
		a, b := node{false, resourceOf(f)}, node{true, f.WorkloadType}
		for _, n := range []node{a, b} {
			if _, ok := p[n]; !ok {
				p[n] = n
			}
		}
		p[find(p, a)] = find(p, b)
	}
	out := map[monthCategory][]usageGroup{}
	for k, p := range parents {
		groups := map[node]*usageGroup{}
		for n := range p {
			root := find(p, n)
			if groups[root] == nil {
				groups[root] = &usageGroup{}
			}
			if n.workload {
				groups[root].workloads = append(groups[root].workloads, n.name)
			} else {
				groups[root].resources = append(groups[root].resources, n.name)
			}
		}
		for _, g := range groups {
			slices.Sort(g.resources)
			slices.Sort(g.workloads)
			out[k] = append(out[k], *g)
		}
	}
	return out
}

// assertCSVsAgree compares cost_by_resource.csv and cost_by_workload.csv
// in dir over each group of the same usage (only category's, when not
// empty) and returns how many groups were one resource type and one
// workload type.
func assertCSVsAgree(t *testing.T, dir, category string, groups map[monthCategory][]usageGroup) int {
	t.Helper()
	type key struct {
		monthCategory
		name string
	}
	sum := func(file, column string) map[key]budget.Decimal {
		out := map[key]budget.Decimal{}
		for _, r := range readCSV(t, filepath.Join(dir, file)) {
			k := key{monthCategory{r["month"], r["category"]}, r[column]}
			out[k] = out[k].Add(money(t, r["list_cost_usd"]))
		}
		return out
	}
	resources, workloads := sum("cost_by_resource.csv", "resource_type"), sum("cost_by_workload.csv", "workload_type")
	if len(resources) == 0 || len(workloads) == 0 {
		t.Fatalf("%s: no rows", dir)
	}
	pairs := 0
	for mc, gs := range groups {
		if category != "" && mc.category != category {
			continue
		}
		for _, g := range gs {
			var r, w budget.Decimal
			for _, name := range g.resources {
				r = r.Add(resources[key{mc, name}])
			}
			for _, typ := range g.workloads {
				w = w.Add(workloads[key{mc, typ}])
			}
			if r.Cmp(w) != 0 {
				t.Errorf("%s %s %s: cost_by_resource.csv %v %s, cost_by_workload.csv %q %s",
					filepath.Base(dir), mc.month, mc.category, g.resources, r.Cents(), g.workloads, w.Cents())
			}
			if len(g.resources) == 1 && len(g.workloads) == 1 {
				pairs++
			}
		}
	}
	return pairs
}

// resourceLabel names a fact's resource line as the category page's table
// reads: "ALL_PURPOSE classic".
func resourceLabel(f budget.Fact) string {
	if f.Serverless {
		return f.ResourceType + " serverless"
	}
	return f.ResourceType + " classic"
}

// workloadType is the workload type a row of the workload-type table names.
func workloadType(t *testing.T, label string) string {
	t.Helper()
	for _, typ := range []string{report.WorkloadJob, report.WorkloadCluster, report.WorkloadWarehouse, report.WorkloadPipeline, report.WorkloadEndpoint, ""} {
		if (report.WorkloadGroup{Type: typ}).Label() == label {
			return typ
		}
	}
	t.Fatalf("workload type table: unknown label %q", label)
	return ""
}

var (
	rowPattern  = regexp.MustCompile(`(?s)<tr>(.*?)</tr>`)
	cellPattern = regexp.MustCompile(`(?s)<t[hd][^>]*>(.*?)</t[hd]>`)
	tagPattern  = regexp.MustCompile(`<[^>]+>`)
)

// tableRows returns the text of the body cells of the table whose caption
// has the id, row by row.
func tableRows(t *testing.T, page, captionID string) [][]string {
	t.Helper()
	start := strings.Index(page, `<caption id="`+captionID+`"`)
	if start < 0 {
		t.Fatalf("no table captioned %s", captionID)
	}
	table := page[start:]
	table = table[:strings.Index(table, "</table>")]
	if body := strings.Index(table, "<tbody>"); body >= 0 {
		table = table[body:]
	}
	var rows [][]string
	for _, r := range rowPattern.FindAllStringSubmatch(table, -1) {
		var cells []string
		for _, c := range cellPattern.FindAllStringSubmatch(r[1], -1) {
			cells = append(cells, strings.TrimSpace(html.UnescapeString(tagPattern.ReplaceAllString(c[1], ""))))
		}
		rows = append(rows, cells)
	}
	return rows
}

// usd parses money as a page shows it: "$1,234.56", "-$1.23".
func usd(t *testing.T, s string) budget.Decimal {
	t.Helper()
	plain := strings.NewReplacer("$", "", ",", "").Replace(s)
	d, err := budget.ParseDecimal(plain)
	if err != nil || !strings.Contains(s, "$") {
		t.Fatalf("money %q is not written as $1,234.56", s)
	}
	return d
}
