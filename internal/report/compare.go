package report

import (
	"math/big"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// Comparison puts this month to date beside the months before it, for one
// category, the unattributed bucket or the whole division.
type Comparison struct {
	Name        string // category title, "Unattributed" or "Division"
	Slug        string // category slug; empty for the others
	MonthToDate budget.Decimal
	// SamePeriodLastMonth is the spend of the previous month's days 1 to
	// the last data day of this month (or to its last day, when it is
	// shorter). When the data ends partway through its last day, that
	// day of the previous month counts pro rata to the hours the data
	// holds, so an export read at 08:00 is not "down" on last month.
	SamePeriodLastMonth budget.Decimal
	Change              budget.Decimal // MonthToDate - SamePeriodLastMonth
	ChangePct           Percent        // Change / SamePeriodLastMonth
	LastMonth           budget.Decimal // the whole previous month
	// MonthOverMonth is the previous month against the one before it.
	MonthOverMonth Percent
	Budget         budget.Decimal // zero for unattributed
	Forecast       budget.Decimal
}

// comparison computes one Comparison from a bucket's daily sums.
func comparison(name, slug string, daily budget.Daily, monthlyBudget, forecast budget.Decimal, p period) Comparison {
	last, samePeriodEnd := p.samePeriodLastMonth()
	before := addMonths(p.month, -2)
	c := Comparison{
		Name: name, Slug: slug, Budget: monthlyBudget, Forecast: forecast,
		MonthToDate:         daily.Sum(p.month, p.asOf).Cost,
		LastMonth:           daily.Sum(last, p.month.AddDate(0, 0, -1)).Cost,
		SamePeriodLastMonth: samePeriod(daily, last, samePeriodEnd, p),
	}
	monthBefore := daily.Sum(before, last.AddDate(0, 0, -1)).Cost
	c.Change = c.MonthToDate.Sub(c.SamePeriodLastMonth)
	c.ChangePct = percentOf(c.Change, c.SamePeriodLastMonth)
	c.MonthOverMonth = percentOf(c.LastMonth.Sub(monthBefore), monthBefore)
	return c
}

// samePeriod is the spend of days from to to, the last of them pro rata
// to the hours of the partial data day when it is the same day of its
// month (a shorter month's last day counts whole).
func samePeriod(daily budget.Daily, from, to time.Time, p period) budget.Decimal {
	if !p.partial || to.Day() != p.dataDay.Day() {
		return daily.Sum(from, to).Cost
	}
	whole := daily.Sum(from, to.AddDate(0, 0, -1)).Cost
	share := new(big.Rat).Mul(daily[to].Cost.Rat(), p.partialShare())
	part, err := fromRat(share, 2)
	if err != nil {
		return daily.Sum(from, to).Cost
	}
	return whole.Add(part)
}

// comparisons lists each category, then unattributed, then the division.
func comparisons(cats []Category, u Unattributed, daily map[string]budget.Daily, division budget.Daily, divisionForecast budget.Decimal, p period) []Comparison {
	var out []Comparison
	var totalBudget budget.Decimal
	for _, c := range cats {
		out = append(out, comparison(c.Title, c.Slug, daily[c.TagValue], c.Budget, c.Forecast.Value, p))
		totalBudget = totalBudget.Add(c.Budget)
	}
	out = append(out, comparison("Unattributed", "", daily[budget.Unattributed], budget.Decimal{}, u.Forecast.Value, p))
	return append(out, comparison("Division", "", division, totalBudget, divisionForecast, p))
}
