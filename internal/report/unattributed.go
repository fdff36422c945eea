package report

import (
	"slices"
	"strings"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// Unattributed is the spend no configured category claims, split by why.
type Unattributed struct {
	MonthToDate Split
	History     Split // the HistoryMonths months ending with this one
	Forecast    Forecast
	// ByMonth is the unattributed cost of each month with any, for the
	// history beside the categories' History.
	ByMonth map[time.Time]budget.Decimal
	// UnknownValues lists every OperationalCategory value that matched no
	// category, as written in the data, by total cost descending.
	UnknownValues []UnknownValue
}

// Split divides unattributed spend into rows with no category tag and rows
// whose tag names no configured category.
type Split struct {
	Untagged     budget.Decimal
	UnknownValue budget.Decimal
	Total        budget.Decimal
}

// add adds a share to its part and the total.
func (s *Split) add(sh share) {
	if sh.attribution == budget.UnknownValue {
		s.UnknownValue = s.UnknownValue.Add(sh.cost)
	} else {
		s.Untagged = s.Untagged.Add(sh.cost)
	}
	s.Total = s.Total.Add(sh.cost)
}

// UnknownValue is one unmatched tag value and what it cost.
type UnknownValue struct {
	Value       string
	MonthToDate budget.Decimal
	Total       budget.Decimal // over all the data up to the as-of date: its months' figures summed
}

// Unpriced is usage no list price covered: DBUs that carry no cost.
type Unpriced struct {
	Month []SKUUsage // this month
	All   []SKUUsage // all the data up to the as-of date
}

// SKUUsage is the unpriced DBUs of one SKU.
type SKUUsage struct {
	SKU  string
	DBUs budget.Decimal
}

// unattributedOf summarises unattributed spend from its shares of each
// month (see allocateMonths) and its daily sums: every part is a sum of the
// months' shares, so the parts tie to the totals, which come from the days.
func unattributedOf(alloc allocation, daily budget.Daily, p period) Unattributed {
	var out Unattributed
	values := map[string]*UnknownValue{}
	for bm, shares := range alloc {
		if bm.bucket != budget.Unattributed {
			continue
		}
		thisMonth, inHistory := bm.month.Equal(p.month), p.inHistory(bm.month)
		for _, s := range shares {
			if thisMonth {
				out.MonthToDate.add(s)
			}
			if inHistory {
				out.History.add(s)
			}
			if s.attribution != budget.UnknownValue {
				continue
			}
			v := values[s.tagValue]
			if v == nil {
				v = &UnknownValue{Value: s.tagValue}
				values[s.tagValue] = v
			}
			v.Total = v.Total.Add(s.cost)
			if thisMonth {
				v.MonthToDate = v.MonthToDate.Add(s.cost)
			}
		}
	}
	for _, v := range values {
		out.UnknownValues = append(out.UnknownValues, *v)
	}
	slices.SortFunc(out.UnknownValues, func(a, b UnknownValue) int {
		if c := b.Total.Cmp(a.Total); c != 0 {
			return c
		}
		return strings.Compare(a.Value, b.Value)
	})
	out.ByMonth = map[time.Time]budget.Decimal{}
	for m, s := range daily.Months() {
		out.ByMonth[m] = s.Cost
	}
	out.Forecast = monthForecast(daily, p, budget.Decimal{})
	out.Forecast.ProbabilityOverBudget = 0 // unattributed spend has no budget
	return out
}

// unpricedOf sums the DBUs of unpriced facts by SKU.
func unpricedOf(facts []budget.Fact, p period) Unpriced {
	month, all := map[string]budget.Decimal{}, map[string]budget.Decimal{}
	for _, f := range facts {
		if f.Priced {
			continue
		}
		all[f.SKU] = all[f.SKU].Add(f.DBUs)
		if p.inMonth(f.Date) {
			month[f.SKU] = month[f.SKU].Add(f.DBUs)
		}
	}
	return Unpriced{Month: skuLines(month), All: skuLines(all)}
}

func skuLines(by map[string]budget.Decimal) []SKUUsage {
	var lines []SKUUsage
	for sku, dbus := range by {
		lines = append(lines, SKUUsage{SKU: sku, DBUs: dbus})
	}
	slices.SortFunc(lines, func(a, b SKUUsage) int {
		if c := b.DBUs.Cmp(a.DBUs); c != 0 {
			return c
		}
		return strings.Compare(a.SKU, b.SKU)
	})
	return lines
}
