package report

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// Tables are the rows of the CSV downloads (DESIGN.md section 5), typed and
// exact; the site package formats them. Category is a configured tag_value
// or budget.Unattributed. Rows are ordered by date or month, then category
// in configuration order with UNATTRIBUTED last, then cost descending, then
// name, so every build of the same data writes the same bytes.
type Tables struct {
	CostByDay      []DayCost      // every day with usage, all the data up to the as-of date
	CostByOwner    []OwnerCost    // per month, all the data
	CostByResource []ResourceCost // per month, all the data
	CostByWorkload []WorkloadCost // per month, all the data
	BudgetStatus   []BudgetStatus // configured categories × the HistoryMonths months
	Alerts         []budget.Alert // every alert of the HistoryMonths months (package alerting)
}

// DayCost is a row of cost_by_day.csv. A (date, category) without usage
// has no row.
type DayCost struct {
	Date     time.Time
	Category string
	DBUs     budget.Decimal
	Cost     budget.Decimal
}

// OwnerCost is a row of cost_by_owner.csv.
type OwnerCost struct {
	Month    time.Time
	Category string
	Owner    string
	DBUs     budget.Decimal
	Cost     budget.Decimal
}

// ResourceCost is a row of cost_by_resource.csv.
type ResourceCost struct {
	Month        time.Time
	Category     string
	ResourceType string
	SKU          string
	DBUs         budget.Decimal
	Cost         budget.Decimal
}

// BudgetStatus is a row of budget_status.csv. Only configured categories
// have one: unattributed spend has no budget. For past months the forecast
// is the actual; for the as-of month it is the category's forecast.
// ThresholdReached is the highest threshold the actual (month to date for
// the as-of month) has reached at the end of the period, 0 when none; a
// month whose spend crossed a threshold and then fell back below it through
// a retraction shows the lower figure here and the crossing in alerts.
type BudgetStatus struct {
	Month            time.Time
	Category         string
	Budget           budget.Decimal
	Actual           budget.Decimal
	Forecast         Forecast
	Utilization      Percent
	ThresholdReached int
}

// buildTables computes the CSV rows. cats are the report's categories, in
// order, whose History gives budget_status.csv its months; alloc holds
// every bucket-month's shares; daily each bucket's daily sums.
func buildTables(cats []Category, alloc allocation, daily map[string]budget.Daily, order map[string]int, p period) Tables {
	t := Tables{
		CostByDay:      costByDay(daily, order),
		CostByOwner:    costByOwner(alloc, order),
		CostByResource: costByResource(alloc, order),
		CostByWorkload: costByWorkload(alloc, order),
	}
	for i, m := range p.months {
		for _, c := range cats {
			h := c.History[i] // the months shown, as p.months
			row := BudgetStatus{
				Month:            m,
				Category:         c.TagValue,
				Budget:           h.Budget,
				Actual:           h.Cost,
				Forecast:         closedMonth(h.Cost, h.Budget),
				Utilization:      h.Utilization,
				ThresholdReached: h.ThresholdReached,
			}
			if m.Equal(p.month) {
				row.Forecast = c.Forecast
			}
			t.BudgetStatus = append(t.BudgetStatus, row)
		}
	}
	return t
}

// closedMonth is the forecast of a month that has ended: what was spent,
// with no uncertainty left.
func closedMonth(actual, monthBudget budget.Decimal) Forecast {
	f := Forecast{Value: actual, Low: actual, High: actual, Low95: actual, High95: actual, Method: ForecastActual}
	if actual.Cmp(monthBudget) > 0 {
		f.ProbabilityOverBudget = 1
	}
	return f
}

func costByDay(daily map[string]budget.Daily, order map[string]int) []DayCost {
	var rows []DayCost
	for cat, days := range daily {
		for d, s := range days {
			rows = append(rows, DayCost{Date: d, Category: cat, DBUs: s.DBUs, Cost: s.Cost})
		}
	}
	slices.SortFunc(rows, func(a, b DayCost) int {
		if c := a.Date.Compare(b.Date); c != 0 {
			return c
		}
		return cmp.Compare(order[a.Category], order[b.Category])
	})
	return rows
}

// byMonthCategoryCost orders monthly rows by month, then category in
// configuration order, then cost descending; 0 leaves the tie to the names.
func byMonthCategoryCost(order map[string]int, aMonth, bMonth time.Time, aCat, bCat string, aCost, bCost budget.Decimal) int {
	if c := aMonth.Compare(bMonth); c != 0 {
		return c
	}
	if c := cmp.Compare(order[aCat], order[bCat]); c != 0 {
		return c
	}
	return bCost.Cmp(aCost)
}

// costByOwner is cost_by_owner.csv: every bucket-month's shares summed by
// owner.
func costByOwner(a allocation, order map[string]int) []OwnerCost {
	rows := monthlyRows(a, func(bm bucketMonth, shares []share) []OwnerCost {
		by := sumShares(shares, func(s share) string { return s.owner })
		rows := make([]OwnerCost, 0, len(by))
		for owner, s := range by {
			rows = append(rows, OwnerCost{Month: bm.month, Category: bm.bucket, Owner: owner, DBUs: s.DBUs, Cost: s.Cost})
		}
		return rows
	})
	slices.SortFunc(rows, func(a, b OwnerCost) int {
		return cmp.Or(byMonthCategoryCost(order, a.Month, b.Month, a.Category, b.Category, a.Cost, b.Cost), strings.Compare(a.Owner, b.Owner))
	})
	return rows
}

// costByResource is cost_by_resource.csv: every bucket-month's shares
// summed by resource type and SKU.
func costByResource(a allocation, order map[string]int) []ResourceCost {
	type key struct{ resourceType, sku string }
	rows := monthlyRows(a, func(bm bucketMonth, shares []share) []ResourceCost {
		by := sumShares(shares, func(s share) key { return key{s.resourceType, s.sku} })
		rows := make([]ResourceCost, 0, len(by))
		for k, s := range by {
			rows = append(rows, ResourceCost{Month: bm.month, Category: bm.bucket, ResourceType: k.resourceType, SKU: k.sku, DBUs: s.DBUs, Cost: s.Cost})
		}
		return rows
	})
	slices.SortFunc(rows, func(a, b ResourceCost) int {
		return cmp.Or(byMonthCategoryCost(order, a.Month, b.Month, a.Category, b.Category, a.Cost, b.Cost),
			strings.Compare(a.ResourceType, b.ResourceType), strings.Compare(a.SKU, b.SKU))
	})
	return rows
}
