package report

import (
	"cmp"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// resourceFact is a priced fact of one workload on one resource type.
func resourceFact(date, category, owner, resourceType string, serverless bool, typ, id, cost string) budget.Fact {
	f := workloadFact(date, category, owner, typ, id, "ws", cost)
	f.ResourceType, f.Serverless = resourceType, serverless
	f.SKU = resourceType + "_SKU"
	return f
}

// TestOneAllocationPerMonth is the issue's "ALL_PURPOSE classic $494.13
// beside Clusters $494.12": two clusters and a job whose costs make the
// resource types and the workload types round apart when each breakdown
// is rounded on its own. Rounded from one allocation, every figure of the
// same usage is the same, on the page and in the CSVs.
func TestOneAllocationPerMonth(t *testing.T) {
	facts := []budget.Fact{
		resourceFact("2026-03-02", "ALPHA", "o1@x", "ALL_PURPOSE", false, WorkloadCluster, "c1", "200.004"),
		resourceFact("2026-03-03", "ALPHA", "o2@x", "ALL_PURPOSE", false, WorkloadCluster, "c2", "294.004"),
		resourceFact("2026-03-04", "ALPHA", "o1@x", "JOBS", false, WorkloadJob, "j1", "100.006"),
	}
	// The month is 594.014, 594.01 in cents. Rounded on its own, the
	// resource breakdown gives its cent to ALL_PURPOSE (remainder 0.8 of a
	// cent against 0.6) and the workload breakdown to job j1 (0.6 against
	// 0.4 and 0.4): what the report did before one allocation.
	month := dec("594.01")
	byResource := budget.AllocateCentsTo(month, []budget.Decimal{dec("494.008"), dec("100.006")})
	byWorkload := budget.AllocateCentsTo(month, []budget.Decimal{dec("200.004"), dec("294.004"), dec("100.006")})
	if byResource[0].Cmp(byWorkload[0].Add(byWorkload[1])) == 0 {
		t.Fatalf("separate rounding agrees (%s, %s): the facts do not test anything", byResource, byWorkload)
	}

	r := mustBuild(t, division(), dataset{Facts: facts}, asOf)
	c := r.Categories[0]
	if c.MonthToDate.Cmp(month) != 0 {
		t.Fatalf("month to date %s, want %s", c.MonthToDate, month)
	}
	// One allocation over the three rows gives the cent to j1 (the largest
	// remainder), so ALL_PURPOSE and Clusters are both 200.00 + 294.00.
	want := map[string]string{"ALL_PURPOSE": "494.00", "JOBS": "100.01"}
	workloadOf := map[string]string{"ALL_PURPOSE": WorkloadCluster, "JOBS": WorkloadJob}
	page := map[string]budget.Decimal{}
	for _, g := range c.Workloads {
		page[g.Type] = g.Cost
	}
	resourceCSV, workloadCSV := map[string]budget.Decimal{}, map[string]budget.Decimal{}
	for _, row := range r.Tables.CostByResource {
		resourceCSV[row.ResourceType] = resourceCSV[row.ResourceType].Add(row.Cost)
	}
	for _, row := range r.Tables.CostByWorkload {
		workloadCSV[row.WorkloadType] = workloadCSV[row.WorkloadType].Add(row.Cost)
	}
	if len(c.ByResource) != len(want) {
		t.Fatalf("resource lines %+v, want %d", c.ByResource, len(want))
	}
	for _, l := range c.ByResource {
		w := workloadOf[l.ResourceType]
		figures := []budget.Decimal{l.Cost, page[w], resourceCSV[l.ResourceType], workloadCSV[w]}
		for _, f := range figures {
			if f.Cents() != want[l.ResourceType] {
				t.Errorf("%s: page %s, %s on the page %s, cost_by_resource.csv %s, cost_by_workload.csv %s; want %s everywhere",
					l.ResourceType, l.Cost, w, page[w], resourceCSV[l.ResourceType], workloadCSV[w], want[l.ResourceType])
				break
			}
		}
	}
	// Owners cut across both: o1 has c1 and j1, o2 has c2.
	owners := map[string]budget.Decimal{}
	for _, o := range c.TopOwners {
		owners[o.Owner] = o.Cost
	}
	if owners["o1@x"].Cents() != "300.01" || owners["o2@x"].Cents() != "294.00" {
		t.Errorf("owners %v, want o1@x 300.01 (c1 and j1), o2@x 294.00", owners)
	}
}

// workloadResources maps each workload type to the one resource type its
// usage runs on in TestBreakdownsOfTheSameUsageAgree's data.
var workloadResources = map[string]struct {
	resourceType string
	serverless   bool
}{
	WorkloadJob:       {"JOBS", false},
	WorkloadCluster:   {"ALL_PURPOSE", false},
	WorkloadWarehouse: {"SQL", true},
	WorkloadPipeline:  {"DLT", false},
	WorkloadEndpoint:  {"MODEL_SERVING", true},
	"":                {"NETWORKING", true},
}

// TestBreakdownsOfTheSameUsageAgree builds random months in which each
// workload type runs on exactly one resource type, and checks that every
// figure of the same usage is the same wherever it shows: a resource line
// and its workload group on the page; cost_by_resource.csv and
// cost_by_workload.csv, per category-month; the page's owners and
// cost_by_owner.csv; each owner's month to date in the owners' outlook and
// cost_by_owner.csv. It also counts the category-months that rounding each
// breakdown on its own would have split, so the data is known to test it.
func TestBreakdownsOfTheSameUsageAgree(t *testing.T) {
	types := []string{WorkloadJob, WorkloadCluster, WorkloadWarehouse, WorkloadPipeline, WorkloadEndpoint, ""}
	split := 0
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 17))
		facts := randomFacts(seed)
		for i := range facts {
			typ := types[rng.IntN(len(types))]
			if typ != "" {
				facts[i].WorkloadType, facts[i].WorkloadID = typ, fmt.Sprintf("%s-%d", typ, rng.IntN(6))
			}
			facts[i].ResourceType, facts[i].Serverless = workloadResources[typ].resourceType, workloadResources[typ].serverless
			facts[i].Workspace = fmt.Sprintf("ws-%d", rng.IntN(2))
		}
		split += separatelySplit(facts)
		r := mustBuild(t, division(), dataset{Facts: facts}, asOf)

		type key struct {
			month    time.Time
			category string
			name     string
		}
		resources, workloads, owners := map[key]budget.Decimal{}, map[key]budget.Decimal{}, map[key]budget.Decimal{}
		for _, row := range r.Tables.CostByResource {
			k := key{row.Month, row.Category, row.ResourceType}
			resources[k] = resources[k].Add(row.Cost)
		}
		for _, row := range r.Tables.CostByWorkload {
			k := key{row.Month, row.Category, workloadResources[row.WorkloadType].resourceType}
			workloads[k] = workloads[k].Add(row.Cost)
		}
		ownerMonth := map[string]budget.Decimal{}
		for _, row := range r.Tables.CostByOwner {
			k := key{row.Month, row.Category, row.Owner}
			owners[k] = owners[k].Add(row.Cost)
			if row.Month.Equal(r.Month) {
				ownerMonth[row.Owner] = ownerMonth[row.Owner].Add(row.Cost)
			}
		}
		if len(resources) != len(workloads) {
			t.Errorf("seed %d: %d resource figures, %d workload figures", seed, len(resources), len(workloads))
		}
		for k, v := range resources {
			if w := workloads[k]; v.Cmp(w) != 0 {
				t.Errorf("seed %d %s %s %s: cost_by_resource.csv %s, cost_by_workload.csv %s", seed, k.month.Format("2006-01"), k.category, k.name, v, w)
			}
		}
		for _, c := range r.Categories {
			groups := map[string]budget.Decimal{}
			for _, g := range c.Workloads {
				groups[workloadResources[g.Type].resourceType] = g.Cost
			}
			for _, l := range c.ByResource {
				csv := resources[key{r.Month, c.TagValue, l.ResourceType}]
				if l.Cost.Cmp(groups[l.ResourceType]) != 0 || l.Cost.Cmp(csv) != 0 {
					t.Errorf("seed %d %s %s: page %s, its workload group %s, cost_by_resource.csv %s", seed, c.TagValue, l.ResourceType, l.Cost, groups[l.ResourceType], csv)
				}
			}
			for _, o := range c.TopOwners {
				if o.Others > 0 {
					continue
				}
				if csv := owners[key{r.Month, c.TagValue, o.Owner}]; o.Cost.Cmp(csv) != 0 {
					t.Errorf("seed %d %s %s: page %s, cost_by_owner.csv %s", seed, c.TagValue, o.Owner, o.Cost, csv)
				}
			}
		}
		for _, o := range r.Owners {
			if o.MonthToDate.Cmp(ownerMonth[o.Owner]) != 0 {
				t.Errorf("seed %d owner %s: outlook month to date %s, cost_by_owner.csv %s", seed, o.Owner, o.MonthToDate, ownerMonth[o.Owner])
			}
		}
		for i := 1; i < len(r.Owners); i++ {
			if r.Owners[i].MonthToDate.Cmp(r.Owners[i-1].MonthToDate) > 0 {
				t.Errorf("seed %d: owners' outlook not by month to date: %s before %s", seed, r.Owners[i-1].MonthToDate, r.Owners[i].MonthToDate)
			}
		}
	}
	if split == 0 {
		t.Error("no category-month of the data rounds apart when each breakdown is rounded on its own: the test proves nothing")
	}
}

// separatelySplit counts the category-months of facts whose resource types
// and workload types (one to one here) would show different cents if each
// breakdown were rounded on its own to the month's total, by the largest
// remainder method: by resource type, and by workload line (type, id,
// workspace, owner) as cost_by_workload.csv was.
func separatelySplit(facts []budget.Fact) int {
	type month struct {
		month    time.Time
		category string
	}
	type line struct{ typ, id, workspace, owner string }
	days := map[month]map[time.Time]budget.Decimal{}
	byResource := map[month]map[string]budget.Decimal{}
	byLine := map[month]map[line]budget.Decimal{}
	for _, f := range facts {
		if f.Date.After(asOf) {
			continue
		}
		m := month{monthOf(f.Date), f.Category}
		if days[m] == nil {
			days[m], byResource[m], byLine[m] = map[time.Time]budget.Decimal{}, map[string]budget.Decimal{}, map[line]budget.Decimal{}
		}
		days[m][f.Date] = days[m][f.Date].Add(f.Cost)
		byResource[m][f.ResourceType] = byResource[m][f.ResourceType].Add(f.Cost)
		l := line{f.WorkloadType, f.WorkloadID, f.Workspace, f.Owner}
		byLine[m][l] = byLine[m][l].Add(f.Cost)
	}
	n := 0
	for m := range days {
		var total budget.Decimal
		for _, d := range days[m] {
			total = total.Add(d)
		}
		total = total.Round(2)
		perResource := map[string]budget.Decimal{}
		for k, c := range allocateAlone(total, byResource[m]) {
			perResource[k] = c
		}
		perWorkload := map[string]budget.Decimal{}
		for l, c := range allocateAlone(total, byLine[m]) {
			rt := workloadResources[l.typ].resourceType
			perWorkload[rt] = perWorkload[rt].Add(c)
		}
		for rt, c := range perResource {
			if c.Cmp(perWorkload[rt]) != 0 {
				n++
				break
			}
		}
	}
	return n
}

// allocateAlone rounds one breakdown on its own to total, the parts
// ordered as the report ordered them: cost descending, then by key.
func allocateAlone[K comparable](total budget.Decimal, parts map[K]budget.Decimal) map[K]budget.Decimal {
	keys := slices.SortedFunc(maps.Keys(parts), func(a, b K) int {
		return cmp.Or(parts[b].Cmp(parts[a]), strings.Compare(fmt.Sprint(a), fmt.Sprint(b)))
	})
	costs := make([]budget.Decimal, len(keys))
	for i, k := range keys {
		costs[i] = parts[k]
	}
	out := map[K]budget.Decimal{}
	for i, c := range budget.AllocateCentsTo(total, costs) {
		out[keys[i]] = c
	}
	return out
}
