package forecast

import (
	"math"
	"slices"
	"time"
)

// Prediction is the one-step-ahead forecast of one day of a series, made
// from the days before it, next to what the day actually spent.
type Prediction struct {
	Day    time.Time // UTC midnight
	Actual float64   // the day's spend

	// Result is the day's forecast as Expected gives it: Value the median,
	// Spread a robust standard deviation, the 80 % and 95 % intervals the
	// usual range; Days is 1 and ToDate 0.
	Result
}

// OneStep forecasts every day of history from the days before it, in one
// pass: for each day from the warm-up on (four weeks after the series'
// start) through through, its Prediction, in order. A history of four
// weeks or less gives none. It is Fit(history, through).OneStep().
func OneStep(history Series, through time.Time) []Prediction {
	return Fit(history, through).OneStep()
}

// OneStep forecasts every day of the model's history after the warm-up from
// the days before it. The filter computes these forecasts as it walks the
// history, so this costs little more than the fit: on 400 days about 2 ms,
// twice a MonthEnd, where calling Expected for each of its 372 days,
// refitting every time, takes about 95 times as long (BenchmarkOneStep).
//
// A day's state (level, trend, weekday profile, noise scale) and the
// calibration of its range (the standardised errors of the one-step
// forecasts of the days before it, from the fifth week on, as Expected
// uses) come from the days before it only. The three variances do not:
// they are fitted once, on the whole history through the model's last day,
// where Expected(history, day) fits them on the days before day. With the
// same variances the two agree to rounding (TestOneStepIsExpected). The
// variances are picked from a small grid, and once a few months are in
// the pick is usually the same; on the demo account and synthetic series
// (TestOneStepNearExpected), after a history's first two months and
// outside a month's first five days, the expected spend stayed within
// 0.35 spreads of Expected's and the 95 % range's width within 16 %. In a
// history's first months and on a month's first days the range can be up
// to three times as wide as Expected's: the variances fitted on the whole
// history know how much a month's level jumps, those fitted on a few
// weeks do not. Fitting once is what makes the pass cheap; it also gives
// the early days the better-informed variances.
//
// The warm-up is the four weeks the weekday profile starts from: with
// fewer days before it, a day's forecast would start from a different
// initial state than the later days', and its calibration would have no
// earlier errors.
func (m *Model) OneStep() []Prediction {
	first := m.cfg.warmup + 1
	n := len(m.x)
	if n <= first {
		return nil
	}
	lastWeekday := (m.w0 + seasonDays - 1) % seasonDays
	out := make([]Prediction, 0, n-first)
	// The days before constantUntil are all one amount; every origin in
	// the pass is past the warm-up, so there the history never varied.
	constantUntil := 1
	for constantUntil < n && m.x[constantUntil] == m.x[0] {
		constantUntil++
	}
	z := make([]float64, 0, n-first) // errors of the days before, sorted
	for i := first; i < n; i++ {
		origin := i - 1
		if origin > m.cfg.warmup {
			// Yesterday's forecast's error joins the calibration, as
			// Expected's horizonErrors(1) counts it: from the state the
			// filter kept.
			if v, ok := m.standardError1(origin - 1); ok {
				at, _ := slices.BinarySearch(z, v)
				z = slices.Insert(z, at, v)
			}
		}
		// A model fitted through origin puts its profile back to mean 1
		// on its last day; the full pass does so only once a week.
		st := m.states[origin]
		if (m.w0+origin)%seasonDays != lastWeekday {
			normalise(&st)
		}
		mean, sd := m.pathFrom(&st, origin, 1)
		if origin < constantUntil {
			sd = 0 // as Expected: a history that never varied is certain
		}
		errs := m.cfg.calibrateSorted(z)
		at := func(q float64) float64 { return max(0, mean+sd*q) }
		p := Prediction{Day: m.start.AddDate(0, 0, i), Actual: m.x[i]}
		p.Result = Result{Method: MethodName, Days: 1, Value: at(errs.median)}
		p.Low80, p.High80 = at(errs.low80), at(errs.high80)
		p.Low95, p.High95 = at(errs.quantile(0.025)), at(errs.quantile(0.975))
		p.Spread = sd * (errs.high80 - errs.low80) / (2 * z80)
		out = append(out, p)
	}
	return out
}

// standardError1 is the standardised error of the forecast of the day
// after origin from the filter's state of origin.
func (m *Model) standardError1(origin int) (float64, bool) {
	sum, sd := m.path(origin, 1)
	if sd <= 0 {
		return 0, false
	}
	return (m.x[origin+1] - sum) / sd, true
}

// sortedErrors is the errorDistribution calibrate makes of one-step errors
// (each counting as one), with its quantiles solved rather than bisected:
// the pass needs five of them for every day, and bisection is most of
// its time otherwise. They agree with errorDistribution's to rounding
// (TestSortedErrorsQuantile).
type sortedErrors struct {
	z              []float64 // sorted
	w              float64   // weight of the errors against the model's normal
	lo, hi         float64   // the bisection's bracket, which bounds its quantiles
	median, factor float64
	low80, high80  float64 // quantiles 0.1 and 0.9
}

// calibrateSorted is calibrate(errorSet{z, 1}) for z already sorted.
func (cfg *settings) calibrateSorted(z []float64) sortedErrors {
	e := sortedErrors{z: z, factor: 1, lo: -10, hi: 10}
	if n := float64(len(z)); n > 0 {
		e.w = n / (n + cfg.pseudo)
		e.lo, e.hi = min(e.lo, z[0]), max(e.hi, z[len(z)-1])
	}
	e.median = e.mixtureQuantile(0.5)
	low, high := e.mixtureQuantile(0.1), e.mixtureQuantile(0.9)
	if half := (high - low) / 2; degenerate(half) {
		// Most earlier errors are the same number: as calibrate, the
		// model's own distribution.
		return sortedErrors{factor: 1, lo: -10, hi: 10, low80: -z80, high80: z80}
	} else if half < z80 {
		e.factor = z80 / half
	}
	e.low80, e.high80 = e.widen(low), e.widen(high)
	return e
}

// quantile is errorDistribution.quantile.
func (e sortedErrors) quantile(p float64) float64 { return e.widen(e.mixtureQuantile(p)) }

func (e sortedErrors) widen(q float64) float64 { return e.median + e.factor*(q-e.median) }

// mixtureCDF is errorDistribution.mixtureCDF at x given how many errors
// are at most x.
func (e sortedErrors) mixtureCDF(x float64, atMost int) float64 {
	p := (1 - e.w) * 0.5 * math.Erfc(-x/math.Sqrt2)
	if e.w > 0 {
		p += e.w * float64(atMost) / float64(len(e.z))
	}
	return p
}

// mixtureQuantile is the smallest x (within the bracket) whose mixtureCDF
// reaches p. The errors cut the line into pieces on which the empirical
// part is constant: find the first error whose CDF reaches p, then solve
// the normal part on the piece before it; if the solution is past that
// error, the CDF jumps over p there and the error is the quantile.
func (e sortedErrors) mixtureQuantile(p float64) float64 {
	n := len(e.z)
	j := n
	if e.w > 0 {
		j, _ = slices.BinarySearchFunc(e.z, p, func(z, p float64) int {
			atMost, _ := slices.BinarySearch(e.z, math.Nextafter(z, math.Inf(1)))
			if e.mixtureCDF(z, atMost) < p {
				return -1
			}
			return 1
		})
	}
	below := 0 // errors before the piece
	if j > 0 && e.w > 0 {
		below, _ = slices.BinarySearch(e.z, math.Nextafter(e.z[j-1], math.Inf(1)))
	}
	q := p // what the normal part must reach on the piece
	if e.w > 0 {
		q = (p - e.w*float64(below)/float64(n)) / (1 - e.w)
	}
	x := math.Sqrt2 * math.Erfinv(2*min(max(q, 0), 1)-1)
	if j < n && x > e.z[j] {
		// The normal part would pass p only beyond the error: the CDF
		// jumps over p at it.
		x = e.z[j]
	}
	return min(max(x, e.lo), e.hi)
}
