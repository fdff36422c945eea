package report

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// workloadFact is a priced fact of one workload.
func workloadFact(date, category, owner, typ, id, workspace, cost string) budget.Fact {
	f := fact(date, category, owner, cost)
	f.WorkloadType, f.WorkloadID, f.Workspace = typ, id, workspace
	return f
}

func TestWorkloadDrillDown(t *testing.T) {
	facts := []budget.Fact{
		// Twelve jobs: the top ten are listed, two folded.
		workloadFact("2026-02-27", "ALPHA", "o1@x", WorkloadJob, "1", "ws", "999"), // last month: not shown
	}
	for i := 1; i <= 12; i++ {
		facts = append(facts, workloadFact("2026-03-02", "ALPHA", "o1@x", WorkloadJob, fmt.Sprint(i), "ws", fmt.Sprintf("%d.333", i)))
	}
	facts = append(facts,
		// One job with two owners: the larger one is named.
		workloadFact("2026-03-03", "ALPHA", "o2@x", WorkloadJob, "12", "ws", "20"),
		// The same cluster id in two workspaces is two clusters.
		workloadFact("2026-03-03", "ALPHA", "o3@x", WorkloadCluster, "c-1", "ws-a", "5"),
		workloadFact("2026-03-03", "ALPHA", "o3@x", WorkloadCluster, "c-1", "ws-b", "4"),
		workloadFact("2026-03-04", "ALPHA", "o3@x", WorkloadEndpoint, "chat", "ws", "3"),
		workloadFact("2026-03-04", "ALPHA", "o3@x", WorkloadWarehouse, `<b>wh</b>`, "ws", "2"),
		workloadFact("2026-03-04", "ALPHA", "o4@x", "", "", "ws", "1.005"),
		workloadFact("2026-03-04", "ALPHA", "o4@x", "", "", "ws-b", "1.005"),
		workloadFact("2026-03-04", "BETA", "o4@x", WorkloadJob, "99", "ws", "7"),
	)
	r := mustBuild(t, division(), dataset{Facts: facts}, asOf)
	c := r.Categories[0]

	var types []string
	var sum budget.Decimal
	for _, g := range c.Workloads {
		types = append(types, g.Type)
		var lines budget.Decimal
		for _, l := range g.Lines {
			lines = lines.Add(l.Cost)
			assertCents(t, "workload line", l.Cost)
		}
		if g.Type != "" && lines.Cmp(g.Cost) != 0 {
			t.Errorf("%s: lines sum to %s, group %s", g.Label(), lines, g.Cost)
		}
		sum = sum.Add(g.Cost)
	}
	if fmt.Sprint(types) != fmt.Sprint([]string{WorkloadJob, WorkloadCluster, WorkloadWarehouse, WorkloadEndpoint, ""}) {
		t.Errorf("types %q, want jobs, clusters, warehouses, endpoints, none", types)
	}
	if sum.Cmp(c.MonthToDate) != 0 {
		t.Errorf("groups sum to %s, month to date %s", sum, c.MonthToDate)
	}

	jobs := c.Workloads[0]
	if jobs.Count != 12 || len(jobs.Lines) != TopWorkloads+1 {
		t.Fatalf("jobs: %d workloads in %d lines, want 12 in %d", jobs.Count, len(jobs.Lines), TopWorkloads+1)
	}
	top := jobs.Lines[0]
	if top.ID != "12" || top.Owner != "o2@x" || top.Owners != 2 || top.Cost.Cents() != "32.34" {
		t.Errorf("top job = %+v, want job 12 of o2@x and one more owner, 32.34 (32.333 and a cent of the remainders)", top)
	}
	others := jobs.Lines[TopWorkloads]
	if others.Others != 2 || others.ID != "" || others.Owner != "" || others.Cost.Cents() != "3.66" {
		t.Errorf("others = %+v, want 2 jobs (1.333 + 2.333, each rounded down), 3.66", others)
	}
	if clusters := c.Workloads[1]; clusters.Count != 2 || clusters.Lines[0].Workspace != "ws-a" || clusters.Lines[1].Workspace != "ws-b" {
		t.Errorf("clusters = %+v, want c-1 in ws-a, then in ws-b", clusters)
	}
	if wh := c.Workloads[2].Lines[0]; wh.ID != `<b>wh</b>` {
		t.Errorf("warehouse id %q, want it verbatim", wh.ID)
	}
	// The unnamed usage is one figure, the sum of its two rows (one per
	// workspace, as cost_by_workload.csv lists them): 1.005 each, the
	// largest remainders of the month, so a cent each.
	if none := c.Workloads[4]; none.Label() != "No workload named" || none.Count != 0 || len(none.Lines) != 0 || none.Cost.Cents() != "2.02" {
		t.Errorf("no workload = %+v, want one 2.02 figure without lines", none)
	}
	if len(r.Categories[1].Workloads) != 1 || r.Categories[1].Workloads[0].Lines[0].ID != "99" {
		t.Errorf("beta workloads = %+v, want job 99 alone", r.Categories[1].Workloads)
	}
}

func TestWorkloadDrillDownEmptyMonth(t *testing.T) {
	r := mustBuild(t, division(), dataset{Facts: []budget.Fact{fact("2026-02-02", "ALPHA", "o@x", "1")}}, asOf)
	if w := r.Categories[0].Workloads; len(w) != 0 {
		t.Errorf("workloads = %+v, want none", w)
	}
}

func TestCostByWorkloadRows(t *testing.T) {
	facts := []budget.Fact{
		workloadFact("2026-03-02", "BETA", "o1@x", WorkloadJob, "1", "ws", "1"),
		workloadFact("2026-03-02", "ALPHA", "o2@x", WorkloadCluster, "c", "ws", "2"),
		workloadFact("2026-03-03", "ALPHA", "o1@x", WorkloadJob, "1", "ws", "2"),
		workloadFact("2026-03-03", "ALPHA", "o2@x", WorkloadJob, "1", "ws", "1"),
		workloadFact("2026-03-03", "ALPHA", "o1@x", WorkloadJob, "1", "ws", "0.5"), // same row as the first ALPHA job row
		workloadFact("2026-02-03", "ALPHA", "o1@x", "", "", "", "4"),
		workloadFact("2026-03-04", budget.Unattributed, "o3@x", WorkloadWarehouse, "w", "ws", "1"),
	}
	r := mustBuild(t, division(), dataset{Facts: facts}, asOf)
	var got []string
	for _, row := range r.Tables.CostByWorkload {
		got = append(got, fmt.Sprintf("%s %s %s %s %s %s %s", row.Month.Format("2006-01"), row.Category, row.WorkloadType, row.WorkloadID, row.Workspace, row.Owner, row.Cost.Cents()))
	}
	want := []string{
		"2026-02 ALPHA    o1@x 4.00",
		"2026-03 ALPHA job 1 ws o1@x 2.50",
		"2026-03 ALPHA cluster c ws o2@x 2.00",
		"2026-03 ALPHA job 1 ws o2@x 1.00",
		"2026-03 BETA job 1 ws o1@x 1.00",
		"2026-03 UNATTRIBUTED warehouse w ws o3@x 1.00",
	}
	if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
		t.Errorf("rows\n%q\nwant\n%q", got, want)
	}
}

// TestWorkloadsTie: every category-month's workload rows sum exactly to
// its actual, and every category's drill-down to its month to date, over
// costs with many decimals.
func TestWorkloadsTie(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 11))
		facts := randomFacts(seed)
		for i := range facts {
			typ := []string{WorkloadJob, WorkloadCluster, WorkloadWarehouse, WorkloadPipeline, WorkloadEndpoint, ""}[rng.IntN(6)]
			if typ != "" {
				facts[i].WorkloadType, facts[i].WorkloadID = typ, fmt.Sprintf("%s-%d", typ, rng.IntN(20))
			}
			facts[i].Workspace = fmt.Sprintf("ws-%d", rng.IntN(2))
		}
		r := mustBuild(t, division(), dataset{Facts: facts}, asOf)
		type key struct {
			month time.Time
			cat   string
		}
		rows := map[key]budget.Decimal{}
		for _, row := range r.Tables.CostByWorkload {
			k := key{row.Month, row.Category}
			rows[k] = rows[k].Add(row.Cost)
			assertCents(t, "cost_by_workload", row.Cost)
		}
		days := map[key]budget.Decimal{}
		for _, row := range r.Tables.CostByDay {
			k := key{monthOf(row.Date), row.Category}
			days[k] = days[k].Add(row.Cost)
		}
		for k, d := range days {
			if rows[k].Cmp(d) != 0 {
				t.Errorf("seed %d %s %s: days %s, workloads %s", seed, k.month.Format("2006-01"), k.cat, d, rows[k])
			}
		}
		if len(rows) != len(days) {
			t.Errorf("seed %d: %d category-months of workloads, %d of days", seed, len(rows), len(days))
		}
		for _, c := range r.Categories {
			var sum budget.Decimal
			for _, g := range c.Workloads {
				var lines budget.Decimal
				for _, l := range g.Lines {
					lines = lines.Add(l.Cost)
				}
				if g.Type != "" && lines.Cmp(g.Cost) != 0 {
					t.Errorf("seed %d %s %s: lines %s, group %s", seed, c.TagValue, g.Type, lines, g.Cost)
				}
				sum = sum.Add(g.Cost)
			}
			if sum.Cmp(c.MonthToDate) != 0 {
				t.Errorf("seed %d %s: workloads %s, month to date %s", seed, c.TagValue, sum, c.MonthToDate)
			}
		}
	}
}
