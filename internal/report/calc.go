package report

import (
	"math/big"
	"time"

	"github.com/novadynamics/stellar-budget/internal/alerting"
	"github.com/novadynamics/stellar-budget/internal/budget"
)

// Percent is a ratio in percent: Value is the exact ratio cut (not
// rounded) to budget.Decimal's 18 digits, so that rounding it once where
// it is shown rounds the exact ratio (see budget.PercentOf). Defined is
// false when the base is zero (utilisation of a zero budget, share of zero
// spend): there is no honest number to show.
type Percent struct {
	Value   budget.Decimal
	Defined bool
}

// String formats the percentage with one decimal, rounded half up
// (budget.RoundPercent), e.g. "87.5", or "" when undefined.
func (p Percent) String() string {
	if !p.Defined {
		return ""
	}
	return budget.FormatPercent(p.Value)
}

// percentOf returns part / whole × 100.
func percentOf(part, whole budget.Decimal) Percent {
	v, ok := budget.PercentOf(part.Rat(), whole.Rat())
	// Not ok: a zero base, or a ratio beyond ±9.2e18 % (a budget of a few
	// atto-dollars); no number would mean anything to a reader.
	return Percent{Value: v, Defined: ok}
}

// FractionPercent is a fraction (a probability, a share of outcomes; 1 is
// the whole) as a Percent, from the float's exact value; undefined for NaN
// or an infinity.
func FractionPercent(f float64) Percent {
	v, ok := budget.PercentOfFraction(f)
	return Percent{Value: v, Defined: ok}
}

// fromRat rounds r to places decimals (half away from zero) as a Decimal.
func fromRat(r *big.Rat, places int) (budget.Decimal, error) {
	return budget.ParseDecimal(r.FloatString(places))
}

func abs(d budget.Decimal) budget.Decimal {
	if d.Sign() < 0 {
		return d.Neg()
	}
	return d
}

// highestReached returns the highest threshold spend has reached, 0 if none.
func highestReached(spend, monthlyBudget budget.Decimal, thresholds []int) int {
	highest := 0
	for _, t := range thresholds {
		if t > highest && alerting.Reached(spend, monthlyBudget, t) {
			highest = t
		}
	}
	return highest
}

// dateOf returns t's calendar date as UTC midnight, the form every date key
// in this package takes (time.Time values compare equal only in one form).
func dateOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// monthOf returns the first day of t's month.
func monthOf(t time.Time) time.Time {
	y, m, _ := t.UTC().Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
}

// addMonths returns the first day of the month n months after month.
func addMonths(month time.Time, n int) time.Time {
	return time.Date(month.Year(), month.Month()+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
}

// daysIn returns the number of days in month.
func daysIn(month time.Time) int {
	return addMonths(month, 1).AddDate(0, 0, -1).Day()
}
