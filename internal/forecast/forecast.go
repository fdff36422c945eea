package forecast

import (
	"math"
	"slices"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// MethodName names the package's forecasting method in results and tables.
const MethodName = "weekday-kalman"

// Result is a forecast of a total: the spend already known (ToDate) plus
// the forecast of the Days after the last day of data. Money is in dollars,
// float64, unrounded: round where it is shown.
type Result struct {
	Method string
	Days   int     // days forecast after the last day of data
	ToDate float64 // spend already in the total (month to date for MonthEnd, else 0)
	Value  float64 // point forecast of the total: the median of its distribution

	// Central 80 % and 95 % intervals of the total. They never go below
	// ToDate, and they equal Value when Days is 0.
	Low80, High80 float64
	Low95, High95 float64

	// Spread is a robust standard deviation of the total's forecast error,
	// in dollars: the 80 % interval's half-width over 1.2816 before it is
	// cut at ToDate.
	Spread float64

	// ProbabilityOverBudget is P(total > budget), 0..1, for MonthEnd
	// against a Limit (see Limit); 0 without one, and for Burn and
	// Expected. It is exactly 0 or 1 only when the outcome is certain:
	// month to date already over budget, no day left, or a series that has
	// never varied (all zeros, say).
	ProbabilityOverBudget float64
}

// Limit is what a month-end forecast's ProbabilityOverBudget is judged
// against: the month's budget and the spend of it known when the forecast
// is made (the month to date, a partial last day's part included), both
// exact. Only the days still to come are a distribution, in floats; the
// headroom left is exact, so a month to date a cent over the budget ends
// over it with probability exactly 1, and one exactly at it ends over only
// as far as the days left may spend something (never, with no day left).
// Float sums of the days would put a month to date at its budget a
// rounding either side of it. The zero Limit has no budget: the
// probability is 0 (owners' forecasts, backtests, and alerts, which read
// the point forecast alone).
type Limit struct {
	monthBudget, spent budget.Decimal
	set                bool
}

// Against is the Limit of monthBudget when spent of it is already known.
func Against(monthBudget, spent budget.Decimal) Limit {
	return Limit{monthBudget: monthBudget, spent: spent, set: true}
}

// MonthEnd forecasts the total spend of the calendar month containing
// through, the last day with data, against limit. It is
// Fit(history, through).MonthEnd(limit).
func MonthEnd(history Series, through time.Time, limit Limit) Result {
	return Fit(history, through).MonthEnd(limit)
}

// Burn forecasts the spend of the days days after through. It is
// Fit(history, through).Burn(days).
func Burn(history Series, through time.Time, days int) Result {
	return Fit(history, through).Burn(days)
}

// Expected forecasts day's spend from the history before it, to judge
// whether the day was unusual: Value is the expected spend, Spread a robust
// standard deviation, the intervals the usual range. It is
// Fit(history, day - 1).Burn(1).
func Expected(history Series, day time.Time) Result {
	return Fit(history, date(day).AddDate(0, 0, -1)).Burn(1)
}

// MonthEnd forecasts the total spend of the calendar month containing the
// model's last day: the month to date plus the forecast of the month's
// remaining days. Days of the month before the history starts count as
// zero. On the month's last day the total is known and the intervals
// collapse to it.
func (m *Model) MonthEnd(limit Limit) Result {
	return m.monthEnd(m.through, limit, 0)
}

// MonthEndPartial forecasts the total spend of the calendar month
// containing the day after the model's last day, a day the data holds only
// in part (it ends partway through it): partial dollars so far. The model
// leaves that day out, since a part of a day is no day's spend; the day
// then counts as the larger of its part and the model's expected spend for
// the whole of it. So a cut early in the day moves no forecast, and one
// late in a day that spent more than usual moves it by the excess alone,
// as a whole day would. The intervals shift with the point and never go
// below the spend known, the part included.
func (m *Model) MonthEndPartial(limit Limit, partial float64) Result {
	return m.monthEnd(m.through.AddDate(0, 0, 1), limit, max(partial, 0))
}

// monthEnd forecasts the month containing day (the model's last day, or
// the partial day after it holding partial dollars).
func (m *Model) monthEnd(day time.Time, limit Limit, partial float64) Result {
	first, length := monthOf(day)
	toDate := 0.0
	for i := max(daysBetween(m.start, first), 0); i < len(m.x); i++ {
		toDate += m.x[i]
	}
	elapsed := 0 // days of the month in the history
	if !m.through.Before(first) {
		elapsed = m.through.Day()
	}
	f := m.rest(toDate, length-elapsed, func() errorSet { return m.monthEndErrors(elapsed, length) })
	if !day.Equal(m.through) {
		f.shiftByPartial(m, partial)
	}
	f.ProbabilityOverBudget = f.probabilityOver(limit)
	return f.Result
}

// probabilityOver is P(the days to come spend more than the headroom the
// limit leaves), the headroom exact (see Limit).
func (f prediction) probabilityOver(limit Limit) float64 {
	if !limit.set {
		return 0
	}
	headroom := limit.monthBudget.Sub(limit.spent)
	switch {
	case headroom.Sign() < 0:
		return 1
	case f.sd == 0: // the days to come are certain (none, or a series that never varied)
		if f.rest > headroom.Float64() {
			return 1
		}
		return 0
	}
	p := 1 - f.errors.cdf((headroom.Float64()-f.rest)/f.sd)
	return min(max(p, 1e-4), 1-1e-4)
}

// shiftByPartial puts a partial day's spend into a forecast whose first
// day it is: the day counts as the larger of partial and the model's
// expected spend for it, and the spend known grows by partial.
func (f *prediction) shiftByPartial(m *Model, partial float64) {
	expected := 0.0
	if len(m.x) > 0 {
		expected, _ = m.path(len(m.x)-1, 1)
	}
	shift := max(partial-max(expected, 0), 0)
	f.ToDate += partial
	f.mean += shift
	f.rest += shift - partial
	for _, v := range []*float64{&f.Value, &f.Low80, &f.High80, &f.Low95, &f.High95} {
		*v = max(*v+shift, f.ToDate)
	}
}

// Burn forecasts the spend of the days days after the model's last day.
func (m *Model) Burn(days int) Result {
	return m.rest(0, days, func() errorSet { return m.horizonErrors(days) }).Result
}

// prediction is a Result with the distribution it was read from: the total
// is mean + sd × an error drawn from errors, of which rest is still to
// come after the spend known (ToDate).
type prediction struct {
	Result
	mean, sd, rest float64
	errors         errorDistribution
}

// rest forecasts toDate plus the next h days: the model's forecast of
// their sum and its standard deviation, with the error distribution
// calibrated on the errors errs returns.
func (m *Model) rest(toDate float64, h int, errs func() errorSet) prediction {
	f := prediction{Result: Result{Method: MethodName, Days: max(h, 0), ToDate: toDate, Value: toDate}, mean: toDate}
	f.Low80, f.High80, f.Low95, f.High95 = toDate, toDate, toDate, toDate
	if h <= 0 || len(m.x) == 0 {
		return f
	}
	sum, sd := m.path(len(m.x)-1, h)
	if m.neverVaried(len(m.x) - 1) {
		// Every earlier forecast was exact: the total is certain.
		sd = 0
	}
	f.mean, f.sd, f.rest, f.errors = toDate+sum, sd, sum, m.cfg.calibrate(errs())
	at := func(p float64) float64 { return max(toDate, f.mean+sd*f.errors.quantile(p)) }
	f.Value = at(0.5)
	f.Low80, f.High80 = at(0.1), at(0.9)
	f.Low95, f.High95 = at(0.025), at(0.975)
	f.Spread = sd * (f.errors.quantile(0.9) - f.errors.quantile(0.1)) / (2 * z80)
	return f
}

// Two-sided standard normal quantile of the 80 % interval.
const z80 = 1.2815515655446004

// errorSet holds the model's standardised errors (actual minus forecast,
// over the forecast's standard deviation) at earlier origins; weight is
// what one counts for, as neighbouring origins share most of their days.
type errorSet struct {
	z      []float64
	weight float64
}

// errorDistribution is the calibrated distribution of a forecast's error
// in units of the model's standard deviation: a mixture of the errors at
// earlier origins (weight w) and the model's own standard normal, widened
// about its median by factor so that its 80 % interval is never narrower
// than the model's.
type errorDistribution struct {
	z              []float64 // sorted
	w              float64
	median, factor float64
}

// calibrate turns standardised errors into the error distribution. The
// errors weigh as their effective number against cfg.pseudo: a few months
// of errors move the intervals a little, a year of them a lot, and one
// spike among many months widens the 95 % interval more than the 80 % one.
// The model's own spread is a floor: a year of errors is too little to
// show that it is too cautious.
func (cfg *settings) calibrate(set errorSet) errorDistribution {
	e := errorDistribution{z: slices.Sorted(slices.Values(set.z)), factor: 1}
	if eff := float64(len(set.z)) * set.weight; eff > 0 {
		e.w = eff / (eff + cfg.pseudo)
	}
	e.median = e.mixtureQuantile(0.5)
	if half := (e.mixtureQuantile(0.9) - e.mixtureQuantile(0.1)) / 2; degenerate(half) {
		// Most earlier errors are the same number (a series that has
		// varied little, or only once): no widening of the mixture
		// reaches the model's spread, its factor would be infinite and
		// the quantiles NaN. Take the model's own distribution.
		return errorDistribution{factor: 1}
	} else if half < z80 {
		e.factor = z80 / half
	}
	return e
}

// degenerate reports whether a mixture whose 80 % half-width is half
// cannot be widened to the model's: more than 80 % of it is one earlier
// error, so half is zero, or half is so small that the factor overflows.
func degenerate(half float64) bool {
	return !(half > 0) || math.IsInf(z80/half, 0)
}

// neverVaried reports whether the history through day origin (an index
// into x) is one amount every day and long enough to have calibrated
// forecasts (past the warm-up): the model has forecast each of its days
// exactly, and forecasts its next ones as certain. A shorter constant
// history keeps the model's spread, as any new series does; all zeros
// give a spread of zero anyway.
func (m *Model) neverVaried(origin int) bool {
	if origin < m.cfg.warmup || origin >= len(m.x) {
		return false
	}
	for _, v := range m.x[1 : origin+1] {
		if v != m.x[0] {
			return false
		}
	}
	return true
}

// mixtureCDF is P(error ≤ x) before the widening.
func (e errorDistribution) mixtureCDF(x float64) float64 {
	p := (1 - e.w) * 0.5 * math.Erfc(-x/math.Sqrt2)
	if e.w > 0 {
		below, _ := slices.BinarySearch(e.z, math.Nextafter(x, math.Inf(1)))
		p += e.w * float64(below) / float64(len(e.z))
	}
	return p
}

func (e errorDistribution) mixtureQuantile(p float64) float64 {
	lo, hi := -10.0, 10.0
	if len(e.z) > 0 {
		lo, hi = min(lo, e.z[0]), max(hi, e.z[len(e.z)-1])
	}
	for range 64 {
		mid := (lo + hi) / 2
		if e.mixtureCDF(mid) < p {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// cdf is P(error ≤ x).
func (e errorDistribution) cdf(x float64) float64 {
	return e.mixtureCDF(e.median + (x-e.median)/e.factor)
}

// quantile is the error below which a share p of errors fall.
func (e errorDistribution) quantile(p float64) float64 {
	return e.median + e.factor*(e.mixtureQuantile(p)-e.median)
}

// monthEndErrors are the standardised errors of the model's month-end
// forecasts made at the same point of the earlier whole months of the
// history (day ± cfg.neighbours); with fewer than cfg.minMonths such
// months, those of every origin at the same horizon.
func (m *Model) monthEndErrors(day, length int) errorSet {
	cum := m.cumulative()
	var z []float64
	months := 0
	for first, _ := monthOf(m.start); ; first = first.AddDate(0, 1, 0) {
		_, n := monthOf(first)
		begin := daysBetween(m.start, first)
		end := begin + n - 1 // the month's last day
		if end >= len(m.x)-1 {
			break
		}
		before := len(z)
		for d := day - m.cfg.neighbours; d <= day+m.cfg.neighbours; d++ {
			origin := begin + d - 1
			if d < 1 || d >= n || origin < m.cfg.warmup {
				continue
			}
			if v, ok := m.standardError(cum, origin, end-origin); ok {
				z = append(z, v)
			}
		}
		if len(z) > before {
			months++
		}
	}
	if months < m.cfg.minMonths {
		return m.horizonErrors(length - day)
	}
	return errorSet{z, 1 / float64(2*m.cfg.neighbours+1)}
}

// horizonErrors are the standardised errors of the model's forecasts of the
// next h days from every earlier origin.
func (m *Model) horizonErrors(h int) errorSet {
	cum := m.cumulative()
	var z []float64
	for origin := m.cfg.warmup; origin+h < len(m.x); origin++ {
		if v, ok := m.standardError(cum, origin, h); ok {
			z = append(z, v)
		}
	}
	return errorSet{z, 1 / float64(max(h, 1))}
}

// standardError is the error of the forecast of the h days after origin
// over its standard deviation.
func (m *Model) standardError(cum []float64, origin, h int) (float64, bool) {
	sum, sd := m.path(origin, h)
	if sd <= 0 {
		return 0, false
	}
	return (cum[origin+h+1] - cum[origin+1] - sum) / sd, true
}

// cumulative returns the running sums of the history: cum[i] is the sum of
// its first i days.
func (m *Model) cumulative() []float64 {
	cum := make([]float64, len(m.x)+1)
	for i, v := range m.x {
		cum[i+1] = cum[i] + v
	}
	return cum
}
