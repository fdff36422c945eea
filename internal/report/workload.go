package report

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// Workload types, as attribution.sql's rule 7 names them in
// budget.Fact.WorkloadType; usage that names no workload has type "".
const (
	WorkloadJob       = "job"
	WorkloadCluster   = "cluster"
	WorkloadWarehouse = "warehouse"
	WorkloadPipeline  = "pipeline"
	WorkloadEndpoint  = "endpoint"
)

// TopWorkloads is how many workloads of each type a category page lists
// before folding the rest into one "others" line.
const TopWorkloads = 10

// workloadTypes is the order a category page shows the types in: what a
// reader most often acts on first. A type not listed (from a newer source)
// follows them by name, and usage naming no workload comes last.
var workloadTypes = []string{WorkloadJob, WorkloadCluster, WorkloadWarehouse, WorkloadPipeline, WorkloadEndpoint}

// compareWorkloadTypes orders workload types for pages and CSVs.
func compareWorkloadTypes(a, b string) int {
	rank := func(t string) int {
		if t == "" {
			return len(workloadTypes) + 1
		}
		if i := slices.Index(workloadTypes, t); i >= 0 {
			return i
		}
		return len(workloadTypes)
	}
	if c := cmp.Compare(rank(a), rank(b)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// WorkloadCost is a row of cost_by_workload.csv: one workload's spend in a
// month by one owner. WorkloadType and WorkloadID are "" for usage that
// names no workload.
type WorkloadCost struct {
	Month        time.Time
	Category     string
	WorkloadType string
	WorkloadID   string
	Workspace    string
	Owner        string
	DBUs         budget.Decimal
	Cost         budget.Decimal
}

// WorkloadGroup is the spend of one type of workload in a category this
// month, with its top workloads: what a reader drills down to from the
// category.
type WorkloadGroup struct {
	Type  string // a Workload* constant, or "" for usage that names no workload
	Count int    // workloads of the type with usage this month; 0 for type ""
	DBUs  budget.Decimal
	Cost  budget.Decimal // the sum of Lines' costs
	Share Percent        // of the category's month to date
	// Lines are the top TopWorkloads workloads, cost descending, then one
	// line folding the rest; empty for type "".
	Lines []WorkloadLine
}

// workloadWords are how pages name each type of workload.
var workloadWords = map[string]struct{ label, singular, idHeading string }{
	WorkloadJob:       {"Jobs", "job", "Job ID"},
	WorkloadCluster:   {"Clusters", "cluster", "Cluster ID"},
	WorkloadWarehouse: {"SQL warehouses", "SQL warehouse", "Warehouse ID"},
	WorkloadPipeline:  {"Pipelines", "pipeline", "Pipeline ID"},
	WorkloadEndpoint:  {"Serving endpoints", "serving endpoint", "Endpoint"},
	"":                {"No workload named", "workload", "ID"},
}

// Label names the group for a reader: "Jobs", "Clusters", ...
func (g WorkloadGroup) Label() string {
	if w, ok := workloadWords[g.Type]; ok {
		return w.label
	}
	return g.Type
}

// Noun names n workloads of the group's type in running text: "job",
// "jobs", ...
func (g WorkloadGroup) Noun(n int) string {
	singular := "workload"
	if w, ok := workloadWords[g.Type]; ok {
		singular = w.singular
	}
	if n == 1 {
		return singular
	}
	return singular + "s"
}

// IDHeading heads the column of the group's workload ids.
func (g WorkloadGroup) IDHeading() string {
	if w, ok := workloadWords[g.Type]; ok {
		return w.idHeading
	}
	return "ID"
}

// WorkloadLine is one workload's spend this month. A workload is its type
// and id in a workspace (ids are unique within a workspace only). Others
// > 0 marks the line that folds the workloads beyond the top ones; its ID,
// Workspace and Owner are then empty, so no real workload can be mistaken
// for it.
type WorkloadLine struct {
	ID        string
	Workspace string
	// Owner is the owner with the most cost on the workload this month
	// (ties to the first by name); Owners counts them all.
	Owner  string
	Owners int
	Others int
	DBUs   budget.Decimal
	Cost   budget.Decimal
	Share  Percent // of the category's month to date
}

// MoreOwners is how many owners besides Owner spent on the workload.
func (l WorkloadLine) MoreOwners() int { return max(l.Owners-1, 0) }

// workloadKey identifies a workload.
type workloadKey struct {
	typ, id, workspace string
}

// workloadGroups breaks a category's shares of this month down by workload
// type and workload; total is the month to date they sum to. A workload's
// cost is the sum of its shares' cents, so its lines sum to its group, the
// groups to the month to date, and a group to any breakdown covering the
// same usage (a resource type whose usage is all one workload type's).
func workloadGroups(month []share, total budget.Decimal) []WorkloadGroup {
	type owned struct {
		budget.Spend
		owners map[string]budget.Decimal
	}
	by := map[workloadKey]*owned{}
	for _, s := range month {
		k := workloadKey{s.workloadType, s.workloadID, s.workspace}
		if k.typ == "" {
			k = workloadKey{} // nothing names it: one line, whatever else is set
		}
		w := by[k]
		if w == nil {
			w = &owned{owners: map[string]budget.Decimal{}}
			by[k] = w
		}
		w.Spend = w.Plus(budget.Spend{DBUs: s.dbus, Cost: s.cost})
		w.owners[s.owner] = w.owners[s.owner].Add(s.cost)
	}
	type keyed struct {
		key workloadKey
		WorkloadLine
	}
	lines := make([]keyed, 0, len(by))
	for k, w := range by {
		lines = append(lines, keyed{key: k, WorkloadLine: WorkloadLine{
			ID: k.id, Workspace: k.workspace, Owner: topOwner(w.owners), Owners: len(w.owners), DBUs: w.DBUs, Cost: w.Cost,
		}})
	}
	slices.SortFunc(lines, func(a, b keyed) int {
		return cmp.Or(b.Cost.Cmp(a.Cost), compareWorkloadTypes(a.key.typ, b.key.typ),
			strings.Compare(a.key.id, b.key.id), strings.Compare(a.key.workspace, b.key.workspace))
	})

	var groups []WorkloadGroup
	index := map[string]int{}
	for _, l := range lines {
		i, ok := index[l.key.typ]
		if !ok {
			i = len(groups)
			index[l.key.typ] = i
			groups = append(groups, WorkloadGroup{Type: l.key.typ})
		}
		g := &groups[i]
		g.DBUs = g.DBUs.Add(l.DBUs)
		g.Cost = g.Cost.Add(l.Cost)
		if l.key.typ == "" {
			continue
		}
		g.Count++
		if len(g.Lines) < TopWorkloads {
			g.Lines = append(g.Lines, l.WorkloadLine)
			continue
		}
		if len(g.Lines) == TopWorkloads {
			g.Lines = append(g.Lines, WorkloadLine{})
		}
		others := &g.Lines[TopWorkloads]
		others.Others++
		others.DBUs = others.DBUs.Add(l.DBUs)
		others.Cost = others.Cost.Add(l.Cost)
	}
	slices.SortFunc(groups, func(a, b WorkloadGroup) int { return compareWorkloadTypes(a.Type, b.Type) })
	for i := range groups {
		g := &groups[i]
		g.Share = percentOf(g.Cost, total)
		for j := range g.Lines {
			g.Lines[j].Share = percentOf(g.Lines[j].Cost, total)
		}
	}
	return groups
}

// topOwner is the owner with the most cost, ties to the first by name.
func topOwner(owners map[string]budget.Decimal) string {
	names := slices.Sorted(maps.Keys(owners))
	top := names[0]
	for _, n := range names[1:] {
		if owners[n].Cmp(owners[top]) > 0 {
			top = n
		}
	}
	return top
}

// costByWorkload is cost_by_workload.csv: every bucket-month's shares
// summed by workload, workspace and owner.
func costByWorkload(a allocation, order map[string]int) []WorkloadCost {
	type key struct {
		typ, id   string
		workspace string
		owner     string
	}
	rows := monthlyRows(a, func(bm bucketMonth, shares []share) []WorkloadCost {
		by := sumShares(shares, func(s share) key { return key{s.workloadType, s.workloadID, s.workspace, s.owner} })
		rows := make([]WorkloadCost, 0, len(by))
		for k, s := range by {
			rows = append(rows, WorkloadCost{Month: bm.month, Category: bm.bucket, WorkloadType: k.typ, WorkloadID: k.id,
				Workspace: k.workspace, Owner: k.owner, DBUs: s.DBUs, Cost: s.Cost})
		}
		return rows
	})
	slices.SortFunc(rows, func(a, b WorkloadCost) int {
		return cmp.Or(byMonthCategoryCost(order, a.Month, b.Month, a.Category, b.Category, a.Cost, b.Cost),
			compareWorkloadTypes(a.WorkloadType, b.WorkloadType), strings.Compare(a.WorkloadID, b.WorkloadID),
			strings.Compare(a.Workspace, b.Workspace), strings.Compare(a.Owner, b.Owner))
	})
	return rows
}
