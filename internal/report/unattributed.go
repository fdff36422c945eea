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

func (s *Split) add(f budget.Fact) {
	if f.Attribution == budget.UnknownValue {
		s.UnknownValue = s.UnknownValue.Add(f.Cost)
	} else {
		s.Untagged = s.Untagged.Add(f.Cost)
	}
	s.Total = s.Total.Add(f.Cost)
}

// roundTo sets the split's total to total (whole cents, from the rounded
// days) and rounds its two parts to sum to it.
func (s *Split) roundTo(total budget.Decimal) {
	parts := budget.AllocateCentsTo(total, []budget.Decimal{s.Untagged, s.UnknownValue})
	s.Untagged, s.UnknownValue, s.Total = parts[0], parts[1], total
}

// UnknownValue is one unmatched tag value and what it cost.
type UnknownValue struct {
	Value       string
	MonthToDate budget.Decimal
	Total       budget.Decimal // over all the data up to the as-of date
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

// unattributedOf summarises the unattributed facts and their daily sums
// (rounded): totals come from the days, and their untagged and unknown-value
// parts, and the unknown values of this month, are rounded to tie to them.
func unattributedOf(facts []budget.Fact, daily budget.Daily, p period) Unattributed {
	var out Unattributed
	values := map[string]*UnknownValue{}
	for _, f := range facts {
		if p.inMonth(f.Date) {
			out.MonthToDate.add(f)
		}
		if p.inHistory(f.Date) {
			out.History.add(f)
		}
		if f.Attribution != budget.UnknownValue {
			continue
		}
		v := values[f.TagValue]
		if v == nil {
			v = &UnknownValue{Value: f.TagValue}
			values[f.TagValue] = v
		}
		v.Total = v.Total.Add(f.Cost)
		if p.inMonth(f.Date) {
			v.MonthToDate = v.MonthToDate.Add(f.Cost)
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
	out.MonthToDate.roundTo(daily.Sum(p.month, p.asOf).Cost)
	out.History.roundTo(daily.Sum(p.months[0], p.asOf).Cost)
	allocate(out.MonthToDate.UnknownValue, out.UnknownValues, func(v *UnknownValue) *budget.Decimal { return &v.MonthToDate })
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
