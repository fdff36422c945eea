package report

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/novadynamics/stellar-budget/internal/alerting"
	"github.com/novadynamics/stellar-budget/internal/anomaly"
	"github.com/novadynamics/stellar-budget/internal/budget"
)

// Why a category's status is what it is (Category.Reason), in one short
// phrase from the data, in this order:
//
//  1. What decides the status: over budget, how much of the budget is
//     spent and where the month is projected to end; projected over, the
//     projected share of the budget; watch, the projection and the chance
//     of ending over, or the alert threshold passed. On track adds nothing.
//  2. The pace: spend per day over the days of this month with data,
//     against last month's over the same days of the month
//     (period.samePeriodLastMonth), as "up 23 % on last month's pace"
//     ("on last month's first 3 days" in a month's first fewDays days).
//  3. What moved it: when the pace is up, the resource type and owner
//     whose spend grew most against last month's pace, with that growth
//     in whole dollars, if it is at least moverMinUSD and moverMinShare %
//     of month to date ("mostly" when it is at least half the category's
//     growth, else "led by"); otherwise, for a status other than on track
//     or a category with no spend on last month's days, the one that
//     spent most, with its share of month to date.
//  4. A spike: the month's largest unusual day above its range (package
//     anomaly), when its excess over the expected spend is at least half
//     the category's growth over last month's pace.
//
// Percentages are whole, rounded half up (half away from zero on the
// magnitude), so "up 22.5 %" reads "up 23 %".

// fewDays is how many days of data a month has before its pace reads as
// a pace; fewer, and the reason names the days compared.
const fewDays = 7

// The floor for naming what grew: growth smaller than this explains
// nothing a reader can act on.
const (
	moverMinUSD   = 50
	moverMinShare = 5 // percent of month to date
)

// Pace compares a category's spend per day this month with last month's
// over the same days of the month.
type Pace struct {
	Days        int            // days of this month with data (Report.DataDays)
	MonthToDate budget.Decimal // spent on them
	// LastDays are last month's days 1..Days (all of them, when it is
	// shorter); LastPeriod is what was spent on them.
	LastDays   int
	LastPeriod budget.Decimal
	// Change is this month's spend per day against LastPeriod's, in
	// percent; undefined when LastPeriod is not above zero.
	Change Percent
	// Growth is MonthToDate less what last month's pace gives over Days:
	// negative when the pace fell.
	Growth budget.Decimal
	// Mover grew most against last month's pace (its Amount is that
	// growth; zero Amount when nothing grew); Largest spent most this
	// month (its Amount is that spend).
	Mover, Largest Spender
}

// Spender is the spend (or growth) of one resource type of one owner.
type Spender struct {
	ResourceType string
	Owner        string
	Amount       budget.Decimal
}

func (s Spender) String() string { return s.ResourceType + " of " + s.Owner }

// paceOf computes a category's Pace from its facts (for who moved) and its
// rounded days (for the totals, as Comparison reads them).
func paceOf(facts []budget.Fact, daily budget.Daily, p period) Pace {
	from, to := p.samePeriodLastMonth()
	pace := Pace{
		Days:        p.dataDays,
		MonthToDate: daily.Sum(p.month, p.asOf).Cost,
		LastDays:    min(p.dataDays, daysIn(from)),
	}
	if pace.LastDays > 0 {
		pace.LastPeriod = samePeriod(daily, from, to, p) // a partial day pro rata
	}
	// Last month's spend at this month's length: × Days / LastDays (the
	// same, unless this month has more data days than last month has days).
	atThisLength := func(d budget.Decimal) *big.Rat {
		if pace.LastDays == 0 {
			return new(big.Rat)
		}
		return new(big.Rat).Mul(d.Rat(), big.NewRat(int64(pace.Days), int64(pace.LastDays)))
	}
	pace.Growth = decimalOf(new(big.Rat).Sub(pace.MonthToDate.Rat(), atThisLength(pace.LastPeriod)))
	if pace.LastPeriod.Sign() > 0 {
		pace.Change = percentOf(pace.Growth, decimalOf(atThisLength(pace.LastPeriod)))
	}

	type key struct{ owner, resource string }
	now, before := map[key]budget.Decimal{}, map[key]budget.Decimal{}
	for _, f := range facts {
		k := key{f.Owner, f.ResourceType}
		switch {
		case p.inMonth(f.Date):
			now[k] = now[k].Add(f.Cost)
		case pace.LastDays > 0 && !f.Date.Before(from) && !f.Date.After(to):
			before[k] = before[k].Add(f.Cost)
		}
	}
	// Keys of this month's spend (one that stopped spending did not grow)
	// in order, so that a tie goes to the first and every build names the
	// same one.
	keys := slices.SortedFunc(maps.Keys(now), func(a, b key) int {
		return cmp.Or(strings.Compare(a.owner, b.owner), strings.Compare(a.resource, b.resource))
	})
	for _, k := range keys {
		grew := decimalOf(new(big.Rat).Sub(now[k].Rat(), atThisLength(before[k])))
		if grew.Sign() > 0 && grew.Cmp(pace.Mover.Amount) > 0 {
			pace.Mover = Spender{ResourceType: k.resource, Owner: k.owner, Amount: grew}
		}
		if now[k].Sign() > 0 && now[k].Cmp(pace.Largest.Amount) > 0 {
			pace.Largest = Spender{ResourceType: k.resource, Owner: k.owner, Amount: now[k]}
		}
	}
	return pace
}

// decimalOf rounds r to Decimal's 18 places; a ratio beyond its range
// (no money gets there) is zero.
func decimalOf(r *big.Rat) budget.Decimal {
	d, err := fromRat(r, 18)
	if err != nil {
		return budget.Decimal{}
	}
	return d
}

// explainStatus writes each category's Reason, with the month's unusual
// days (found) for the spikes.
func explainStatus(cats []Category, found []anomaly.Anomaly, rules budget.StatusRules) {
	for i := range cats {
		c := &cats[i]
		c.Reason = reason(*c, largestSpike(found, c.TagValue, c.month), rules)
	}
}

// largestSpike is the category's unusual day above its range in the month
// starting at month with the largest excess over its expected spend; nil
// when there is none.
func largestSpike(found []anomaly.Anomaly, tagValue string, month time.Time) *anomaly.Anomaly {
	var best *anomaly.Anomaly
	for i, a := range found {
		if a.Category != tagValue || a.Direction != anomaly.Above || a.Day.Before(month) {
			continue
		}
		if best == nil || excess(a).Cmp(excess(*best)) > 0 {
			best = &found[i]
		}
	}
	return best
}

func excess(a anomaly.Anomaly) budget.Decimal { return a.Actual.Sub(a.Expected) }

// reason writes Category.Reason (see the order at the top of this file).
func reason(c Category, spike *anomaly.Anomaly, rules budget.StatusRules) string {
	pace := c.Pace
	var parts []string
	switch c.Status {
	case StatusOverBudget:
		parts = append(parts, fmt.Sprintf("spent %s, projected %s", ofBudget(c.Utilization, c.MonthToDate), wholePercent(c.ProjectedUtilization, c.Forecast.Value)))
	case StatusProjectedOver:
		parts = append(parts, "projected "+ofBudget(c.ProjectedUtilization, c.Forecast.Value))
	case StatusWatch:
		if p := c.Forecast.ProbabilityOverBudget; p >= rules.Watch {
			parts = append(parts, fmt.Sprintf("projected %s, a %s chance of ending over", ofBudget(c.ProjectedUtilization, c.Forecast.Value), chance(p)))
		} else {
			parts = append(parts, fmt.Sprintf("spent %s, past the %d %% threshold, projected %s",
				ofBudget(c.Utilization, c.MonthToDate), c.ThresholdReached, wholePercent(c.ProjectedUtilization, c.Forecast.Value)))
		}
	}

	up := false
	switch {
	case pace.Days == 0:
		parts = append(parts, "no data this month yet")
	case pace.MonthToDate.Sign() <= 0: // nothing, or only corrections
		parts = append(parts, "no spend yet this month")
	case !pace.Change.Defined:
		parts = append(parts, "no spend on the same days last month")
	default:
		change := pace.Change.Value
		up = change.Sign() > 0
		// A few days are a few weekdays: say which days are compared.
		against := "last month's pace"
		switch {
		case pace.Days == 1:
			against = "last month's first day"
		case pace.Days < fewDays:
			against = fmt.Sprintf("last month's first %d days", pace.Days)
		}
		switch whole := abs(change).Round(0); {
		case whole.IsZero():
			parts = append(parts, "level with "+against)
		case up:
			parts = append(parts, fmt.Sprintf("up %s %% on %s", whole.StringFixed(0), against))
		default:
			parts = append(parts, fmt.Sprintf("down %s %% on %s", whole.StringFixed(0), against))
		}
	}

	moved := pace.Mover.Amount
	switch {
	case up && moved.Cmp(budget.DecimalFromInt(moverMinUSD)) >= 0 && alerting.Reached(moved, pace.MonthToDate, moverMinShare):
		how := "led by"
		if new(big.Rat).Mul(moved.Rat(), big.NewRat(2, 1)).Cmp(pace.Growth.Rat()) >= 0 {
			how = "mostly"
		}
		parts = append(parts, fmt.Sprintf("%s %s (+%s)", how, pace.Mover, wholeUSD(moved)))
	case (c.Status != StatusOnTrack || !pace.Change.Defined) && pace.Largest.Amount.Sign() > 0:
		parts = append(parts, fmt.Sprintf("largest share %s (%s)", pace.Largest, wholePercent(percentOf(pace.Largest.Amount, pace.MonthToDate), pace.Largest.Amount)))
	}

	if spike != nil && pace.Growth.Sign() > 0 {
		extra := excess(*spike)
		if new(big.Rat).Mul(extra.Rat(), big.NewRat(2, 1)).Cmp(pace.Growth.Rat()) >= 0 {
			parts = append(parts, fmt.Sprintf("with a spike on %s (%s above the expected spend)", spike.Day.Format("2 Jan"), wholeUSD(extra)))
		}
	}
	return strings.Join(parts, ", ")
}

// wholePercent writes a percentage rounded half up to a whole number,
// "114 %"; without a base (a zero budget) the amount it is of, "$30.00".
func wholePercent(p Percent, amount budget.Decimal) string {
	if !p.Defined {
		return amount.USD()
	}
	return p.Value.Round(0).StringFixed(0) + " %"
}

// ofBudget writes a share of the budget, "114 % of budget", or, without
// a budget, the amount: "$30.00 against a zero budget".
func ofBudget(p Percent, amount budget.Decimal) string {
	if !p.Defined {
		return amount.USD() + " against a zero budget"
	}
	return wholePercent(p, amount) + " of budget"
}

// wholeUSD writes money in whole dollars, "$1,235".
func wholeUSD(d budget.Decimal) string {
	s := d.Round(0).USD()
	return strings.TrimSuffix(s, ".00")
}

// chance writes a probability as a whole percentage, rounded half up.
func chance(p float64) string {
	return fmt.Sprintf("%d %%", int(math.Floor(100*p+0.5)))
}
