package report

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// Every breakdown of a bucket's month (owners, resource types, SKUs,
// workloads, unattributed's parts, the CSV rows) is read from one
// allocation of that month's cents (point 5 of the package
// documentation): the month's facts summed at their full grain, each such
// row given whole cents by the largest remainder method so that the rows
// sum exactly to the month's rounded total, and every breakdown a sum of
// those rows. Two breakdowns that cover the same usage then show the same
// cents, which rounding each breakdown on its own does not promise.

// grain is a fact's full key but its date: the finest row of a month.
type grain struct {
	attribution  budget.Attribution
	tagValue     string
	owner        string
	workloadType string
	workloadID   string
	resourceType string
	serverless   bool
	workspace    string
	sku          string
	priced       bool
}

// compareGrains orders grains by every field, so that rows of equal cost
// are allocated in the same order in every build.
func compareGrains(a, b grain) int {
	return cmp.Or(
		strings.Compare(string(a.attribution), string(b.attribution)),
		strings.Compare(a.tagValue, b.tagValue),
		strings.Compare(a.owner, b.owner),
		strings.Compare(a.workloadType, b.workloadType),
		strings.Compare(a.workloadID, b.workloadID),
		strings.Compare(a.resourceType, b.resourceType),
		boolCompare(a.serverless, b.serverless),
		strings.Compare(a.workspace, b.workspace),
		strings.Compare(a.sku, b.sku),
		boolCompare(a.priced, b.priced),
	)
}

// share is one grain's spend in a bucket's month: DBUs exact, cost in whole
// cents from the month's allocation.
type share struct {
	grain
	dbus budget.Decimal
	cost budget.Decimal
}

// bucketMonth is one bucket (a configured tag_value or
// budget.Unattributed) in one month (its first day).
type bucketMonth struct {
	bucket string
	month  time.Time
}

// allocation holds the shares of every bucket-month with usage.
type allocation map[bucketMonth][]share

// allocateMonths allocates each bucket-month's cents once, to the month's
// total in the bucket's rounded days (so the breakdowns tie to
// cost_by_day.csv and every monthly figure). Rows are ordered by exact
// cost, largest first, then by grain: AllocateCentsTo breaks ties in
// remainder to the earlier row.
func allocateMonths(byCat map[string][]budget.Fact, daily map[string]budget.Daily) allocation {
	type exact struct {
		grain
		budget.Spend
	}
	out := allocation{}
	for bucket, facts := range byCat {
		sums := map[bucketMonth]map[grain]*budget.Spend{}
		for _, f := range facts {
			bm := bucketMonth{bucket, monthOf(f.Date)}
			if sums[bm] == nil {
				sums[bm] = map[grain]*budget.Spend{}
			}
			g := grainOf(f)
			if sums[bm][g] == nil {
				sums[bm][g] = &budget.Spend{}
			}
			sums[bm][g].AddFact(f)
		}
		months := daily[bucket].Months()
		for bm, by := range sums {
			rows := make([]exact, 0, len(by))
			for g, s := range by {
				rows = append(rows, exact{g, *s})
			}
			slices.SortFunc(rows, func(a, b exact) int {
				return cmp.Or(b.Cost.Cmp(a.Cost), compareGrains(a.grain, b.grain))
			})
			costs := make([]budget.Decimal, len(rows))
			for i, r := range rows {
				costs[i] = r.Cost
			}
			shares := make([]share, len(rows))
			for i, c := range budget.AllocateCentsTo(months[bm.month].Cost, costs) {
				shares[i] = share{grain: rows[i].grain, dbus: rows[i].DBUs, cost: c}
			}
			out[bm] = shares
		}
	}
	return out
}

func grainOf(f budget.Fact) grain {
	return grain{
		attribution:  f.Attribution,
		tagValue:     f.TagValue,
		owner:        f.Owner,
		workloadType: f.WorkloadType,
		workloadID:   f.WorkloadID,
		resourceType: f.ResourceType,
		serverless:   f.Serverless,
		workspace:    f.Workspace,
		sku:          f.SKU,
		priced:       f.Priced,
	}
}

// of returns a bucket's shares of one month; nil without usage.
func (a allocation) of(bucket string, month time.Time) []share {
	return a[bucketMonth{bucket, month}]
}

// sumShares sums shares under the key keyOf gives them.
func sumShares[K comparable](shares []share, keyOf func(share) K) map[K]budget.Spend {
	out := map[K]budget.Spend{}
	for _, s := range shares {
		k := keyOf(s)
		out[k] = out[k].Plus(budget.Spend{DBUs: s.dbus, Cost: s.cost})
	}
	return out
}

// monthlyRows turns every bucket-month's shares into CSV rows: row makes
// the rows of one bucket-month from its shares. The rows come out in no
// particular order; the caller sorts them.
func monthlyRows[R any](a allocation, row func(bm bucketMonth, shares []share) []R) []R {
	var out []R
	for bm, shares := range a {
		out = append(out, row(bm, shares)...)
	}
	return out
}

// ownersMonthToDate sets each owner's month to date to the sum of their
// cents in every bucket this month, so that the owners' outlook ties to
// the categories' top owners and to cost_by_owner.csv, and sorts them
// again by it (descending, then by name).
func (a allocation) ownersMonthToDate(owners []OwnerOutlook, month time.Time) {
	mtd := map[string]budget.Decimal{}
	for bm, shares := range a {
		if !bm.month.Equal(month) {
			continue
		}
		for _, s := range shares {
			mtd[s.owner] = mtd[s.owner].Add(s.cost)
		}
	}
	for i := range owners {
		owners[i].MonthToDate = mtd[owners[i].Owner]
	}
	slices.SortFunc(owners, func(a, b OwnerOutlook) int {
		return cmp.Or(b.MonthToDate.Cmp(a.MonthToDate), strings.Compare(a.Owner, b.Owner))
	})
}
