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
// order; byCat holds each bucket's facts; daily each bucket's daily sums.
func buildTables(cats []Category, byCat map[string][]budget.Fact, daily map[string]budget.Daily, order map[string]int, p period, thresholds []int) Tables {
	monthly := map[string]map[time.Time]budget.Spend{}
	for cat, days := range daily {
		monthly[cat] = days.Months()
	}
	t := Tables{
		CostByDay:      costByDay(daily, order),
		CostByOwner:    costByOwner(byCat, monthly, order),
		CostByResource: costByResource(byCat, monthly, order),
		CostByWorkload: costByWorkload(byCat, monthly, order),
	}
	for _, m := range p.months {
		for _, c := range cats {
			actual := monthly[c.TagValue][m].Cost
			monthBudget := c.BudgetFor(m)
			row := BudgetStatus{
				Month:            m,
				Category:         c.TagValue,
				Budget:           monthBudget,
				Actual:           actual,
				Forecast:         closedMonth(actual, monthBudget),
				Utilization:      percentOf(actual, monthBudget),
				ThresholdReached: highestReached(actual, monthBudget, thresholds),
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

// sumBy sums each bucket's facts under the key keyOf gives them.
func sumBy[K comparable](byCat map[string][]budget.Fact, keyOf func(category string, f budget.Fact) K) map[K]*budget.Spend {
	by := map[K]*budget.Spend{}
	for cat, facts := range byCat {
		for _, f := range facts {
			k := keyOf(cat, f)
			if by[k] == nil {
				by[k] = &budget.Spend{}
			}
			by[k].AddFact(f)
		}
	}
	return by
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

// allocateMonthly rounds the costs of monthly breakdown rows, already
// sorted by month and category, so that each (month, category)'s rows sum
// exactly to its rounded monthly total.
func allocateMonthly[R any](rows []R, monthly map[string]map[time.Time]budget.Spend, key func(*R) (time.Time, string), cost func(*R) *budget.Decimal) {
	for start := 0; start < len(rows); {
		m, cat := key(&rows[start])
		end := start + 1
		for end < len(rows) {
			if em, ecat := key(&rows[end]); !em.Equal(m) || ecat != cat {
				break
			}
			end++
		}
		allocate(monthly[cat][m].Cost, rows[start:end], cost)
		start = end
	}
}

func costByOwner(byCat map[string][]budget.Fact, monthly map[string]map[time.Time]budget.Spend, order map[string]int) []OwnerCost {
	type key struct {
		month    time.Time
		category string
		owner    string
	}
	by := sumBy(byCat, func(cat string, f budget.Fact) key { return key{monthOf(f.Date), cat, f.Owner} })
	rows := make([]OwnerCost, 0, len(by))
	for k, s := range by {
		rows = append(rows, OwnerCost{Month: k.month, Category: k.category, Owner: k.owner, DBUs: s.DBUs, Cost: s.Cost})
	}
	slices.SortFunc(rows, func(a, b OwnerCost) int {
		if c := byMonthCategoryCost(order, a.Month, b.Month, a.Category, b.Category, a.Cost, b.Cost); c != 0 {
			return c
		}
		return strings.Compare(a.Owner, b.Owner)
	})
	allocateMonthly(rows, monthly, func(r *OwnerCost) (time.Time, string) { return r.Month, r.Category },
		func(r *OwnerCost) *budget.Decimal { return &r.Cost })
	return rows
}

func costByResource(byCat map[string][]budget.Fact, monthly map[string]map[time.Time]budget.Spend, order map[string]int) []ResourceCost {
	type key struct {
		month        time.Time
		category     string
		resourceType string
		sku          string
	}
	by := sumBy(byCat, func(cat string, f budget.Fact) key { return key{monthOf(f.Date), cat, f.ResourceType, f.SKU} })
	rows := make([]ResourceCost, 0, len(by))
	for k, s := range by {
		rows = append(rows, ResourceCost{Month: k.month, Category: k.category, ResourceType: k.resourceType, SKU: k.sku, DBUs: s.DBUs, Cost: s.Cost})
	}
	slices.SortFunc(rows, func(a, b ResourceCost) int {
		if c := byMonthCategoryCost(order, a.Month, b.Month, a.Category, b.Category, a.Cost, b.Cost); c != 0 {
			return c
		}
		if c := strings.Compare(a.ResourceType, b.ResourceType); c != 0 {
			return c
		}
		return strings.Compare(a.SKU, b.SKU)
	})
	allocateMonthly(rows, monthly, func(r *ResourceCost) (time.Time, string) { return r.Month, r.Category },
		func(r *ResourceCost) *budget.Decimal { return &r.Cost })
	return rows
}
