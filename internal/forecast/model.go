package forecast

import (
	"math"
	"slices"
	"time"
)

// settings are the model's fixed choices, picked with the backtest (see the
// package comment), gathered in one place.
type settings struct {
	drifts     []float64 // candidates for the daily level drift variance
	jumps      []float64 // candidates for the variance of the level's jump on the 1st of a month
	slopes     []float64 // candidates for the daily trend drift variance
	short      params    // the variances of a history too short to fit them
	minFit     int       // days of history needed to fit the variances
	gamma      float64   // weekday profile smoothing
	phi        float64   // daily trend damping
	scaleRate  float64   // smoothing of the noise scale
	clip       float64   // errors beyond clip standard deviations are winsorised
	shiftRun   int       // this many winsorised days in a row on one side are a level shift
	priorCV    float64   // noise scale before the data says otherwise, as a share of the level
	warmup     int       // first origin (index into the history) whose errors calibrate intervals
	neighbours int       // month-end calibration uses earlier months' origins within ± this many days
	minMonths  int       // earlier months needed before month-end calibration replaces any-origin calibration
	pseudo     float64   // weight, in independent errors, of the model's own spread against the calibration
}

var defaults = settings{
	drifts:     []float64{0, 0.001, 0.01, 0.05, 0.2},
	jumps:      []float64{0, 0.5, 2, 8},
	slopes:     []float64{0, 1e-4},
	short:      params{drift: 0.005, jump: 0.1},
	minFit:     21,
	gamma:      0.1,
	phi:        0.98,
	scaleRate:  0.1,
	clip:       3,
	shiftRun:   3,
	priorCV:    0.3,
	warmup:     27,
	neighbours: 2,
	minMonths:  2,
	pseudo:     8,
}

// seasonDays is the length of the weekly cycle; a history shorter than this
// has no weekday profile.
const seasonDays = 7

// state is the filter's estimate after a day: the level and trend of a
// profile day's spend with their covariance (in units of scale²), the
// weekday profile (mean 1, indexed by time.Weekday) and the noise scale (the
// standard deviation of a profile-1 day's spend around the level, dollars).
type state struct {
	level, trend  float64
	p00, p01, p11 float64
	scale         float64
	season        [seasonDays]float64
}

// params are one candidate's variances, in units of the noise variance.
type params struct{ drift, jump, slope float64 }

// filter runs the robust Kalman filter over x, whose first day is weekday
// w0, from the state init, storing the state after each day in states when
// it is not nil. It returns the negative log-likelihood (σ² concentrated
// out, constants dropped) of the winsorised one-day errors from day skip on.
func (cfg *settings) filter(x []float64, monthStart []bool, w0 int, init state, p params, skip int, states []state) float64 {
	st := init
	var runSign, run int
	var runSum float64
	// Σ log f is kept as a product, taking its log every 16 days: the log
	// is most of the filter's time otherwise.
	logDet, product, sumSq, count := 0.0, 1.0, 0.0, 0
	// The profile is put back to mean 1 once a week, after the weekday
	// before w0, and on the last day.
	lastWeekday := (w0 + seasonDays - 1) % seasonDays
	for i, y := range x {
		w := (w0 + i) % seasonDays
		// Predict today from yesterday. The trend is estimated undamped,
		// so that a steady trend is measured in full; only forecasts damp
		// it.
		q := p.drift
		if monthStart[i] {
			q += p.jump
		}
		st.level += st.trend
		st.p00 += 2*st.p01 + st.p11 + q
		st.p01 += st.p11
		st.p11 += p.slope
		s := st.season[w]
		if s < minProfile {
			// A day the profile says is idle tells nothing about the level.
			if st.level > 0 {
				st.season[w] += cfg.gamma * (y/st.level - s)
			}
		} else {
			// Today's spend per profile day, whose noise variance is
			// scale²/s: a quiet day says less about the level.
			d := y / s
			f := st.p00 + 1/s
			v := d - st.level
			limit := cfg.clip * st.scale * math.Sqrt(f)
			vc := v
			if math.Abs(v) > limit {
				sign := 1
				if v < 0 {
					sign = -1
				}
				if sign == runSign {
					run++
					runSum += d
				} else {
					runSign, run, runSum = sign, 1, d
				}
				vc = math.Copysign(limit, v)
			} else {
				run, runSign, runSum = 0, 0, 0
			}
			if i >= skip && limit > 0 {
				product *= f
				sumSq += vc * vc / f
				if count++; count%16 == 0 {
					logDet += math.Log(product)
					product = 1
				}
			}
			predicted := st.level
			if cfg.shiftRun > 0 && run >= cfg.shiftRun {
				// Several days in a row far on the same side are not a
				// spike: the level has moved, so restart it where they are.
				st.level, st.trend = runSum/float64(run), 0
				st.p00, st.p01 = 1/float64(run), 0
				st.scale = max(st.scale, math.Abs(v)/(cfg.clip*math.Sqrt(f)))
				run, runSign, runSum = 0, 0, 0
			} else {
				k0, k1 := st.p00/f, st.p01/f
				st.level += k0 * vc
				st.trend += k1 * vc
				st.p00, st.p01, st.p11 = st.p00-k0*st.p00, st.p01-k0*st.p01, st.p11-k1*st.p01
				// 1.25 × the mean absolute error estimates a standard
				// deviation.
				st.scale += cfg.scaleRate * (1.25*math.Abs(vc)/math.Sqrt(f) - st.scale)
				if st.level > 0 {
					st.season[w] += cfg.gamma * ((predicted+vc)*s/st.level - s)
				}
			}
		}
		st.level = max(st.level, 0)
		if w == lastWeekday || i == len(x)-1 {
			normalise(&st)
		}
		if states != nil {
			states[i] = st
		}
	}
	if count == 0 {
		return 0
	}
	return logDet + math.Log(product) + float64(count)*math.Log(sumSq/float64(count)+1e-300)
}

// minProfile is the profile below which a weekday counts as idle.
const minProfile = 0.05

// normalise keeps the profile's mean at 1, moving level, trend and scale so
// that the forecasts stay the same.
func normalise(st *state) {
	sum := 0.0
	for i := range st.season {
		st.season[i] = max(st.season[i], 0)
		sum += st.season[i]
	}
	if sum <= 0 {
		for i := range st.season {
			st.season[i] = 1
		}
		return
	}
	f := sum / seasonDays
	for i := range st.season {
		st.season[i] /= f
	}
	st.level *= f
	st.trend *= f
	st.scale *= f
}

// mean is the forecast of a day of weekday w whose trend has run for the
// damped sum trendDays (phi + … + phi^k, k days after the state's day).
func (st *state) mean(w int, trendDays float64) float64 {
	return max(0, (st.level+st.trend*trendDays)*st.season[w])
}

// initial estimates the starting state from the first full weeks of x (up
// to four): per weekday the median (three or more weeks) or mean of its
// days, the level their mean.
func (cfg *settings) initial(x []float64, w0 int, p params) state {
	var st state
	weeks := min(len(x)/seasonDays, 4)
	for i := range st.season {
		st.season[i] = 1
	}
	if weeks == 0 {
		mean := 0.0
		for _, v := range x {
			mean += v
		}
		if len(x) > 0 {
			mean /= float64(len(x))
		}
		st.level = max(mean, 0)
		st.scale = cfg.priorCV * st.level
		st.p00 = 1 / float64(max(len(x), 1))
		return st
	}
	var perDay [seasonDays]float64
	vals := make([]float64, weeks)
	for d := range seasonDays {
		for k := range weeks {
			vals[k] = x[k*seasonDays+d]
		}
		perDay[(w0+d)%seasonDays] = robustMean(vals)
	}
	for _, v := range perDay {
		st.level += v / seasonDays
	}
	if st.level > 0 {
		for i, v := range perDay {
			st.season[i] = max(v, 0) / st.level
		}
	}
	st.level = max(st.level, 0)
	st.scale = cfg.priorCV * st.level
	st.p00 = 1 / float64(weeks*seasonDays)
	if p.slope > 0 && weeks >= 2 {
		// A model with a trend starts from the change between the first
		// and the last week, per day.
		var firstWeek, lastWeek float64
		for d := range seasonDays {
			firstWeek += x[d]
			lastWeek += x[(weeks-1)*seasonDays+d]
		}
		st.trend = (lastWeek - firstWeek) / float64(seasonDays*seasonDays*(weeks-1))
		st.p11 = 1
		// The weeks' mean is the level of their middle day; the filter
		// starts the day before the first.
		st.level = max(st.level-st.trend*float64(weeks*seasonDays+1)/2, 0)
	}
	return st
}

// robustMean is the median of three or more values, else the mean.
func robustMean(v []float64) float64 {
	if len(v) >= 3 {
		return median(v)
	}
	sum := 0.0
	for _, x := range v {
		sum += x
	}
	return sum / float64(len(v))
}

// Model is a forecaster fitted on a series through a day: every forecast of
// the package (month end, burn, a day's expected spend) reads one. It is
// immutable and safe for concurrent use.
type Model struct {
	cfg        *settings
	start      time.Time // first day of history
	through    time.Time // last day of history
	x          []float64 // history through the last day
	monthStart []bool    // whether a day (of x and a little beyond) is the first of its month
	w0         int       // weekday of x[0]
	p          params
	states     []state // after each day of x
}

// Fit fits the model on history from its start through the day through;
// days after through are ignored and days of the series missing before
// through count as zero. A history that ends before its start (no days)
// gives a model that forecasts zero spend.
func Fit(history Series, through time.Time) *Model {
	return defaults.fit(history, through)
}

// lookahead is how many days after the history monthStart covers.
const lookahead = 62

func (cfg *settings) fit(history Series, through time.Time) *Model {
	m := &Model{cfg: cfg, start: date(history.Start), through: date(through), p: cfg.short}
	m.x = history.through(through)
	m.w0 = int(m.start.Weekday())
	n := len(m.x)
	if n == 0 {
		return m
	}
	m.monthStart = make([]bool, n+lookahead)
	for i, day := 0, m.start; i < len(m.monthStart); i, day = i+1, day.AddDate(0, 0, 1) {
		m.monthStart[i] = day.Day() == 1
	}
	m.states = make([]state, n)
	if n < seasonDays {
		st := cfg.initial(m.x, m.w0, m.p)
		st.scale = shortScale(m.x, st.level, cfg.priorCV)
		for i := range m.states {
			m.states[i] = st
		}
		return m
	}
	if n >= cfg.minFit {
		best := math.Inf(1)
		for _, d := range cfg.drifts {
			for _, j := range cfg.jumps {
				for _, sl := range cfg.slopes {
					p := params{d, j, sl}
					loss := cfg.filter(m.x, m.monthStart, m.w0, cfg.initial(m.x, m.w0, p), p, seasonDays, nil)
					if loss < best {
						best, m.p = loss, p
					}
				}
			}
		}
	}
	cfg.filter(m.x, m.monthStart, m.w0, cfg.initial(m.x, m.w0, m.p), m.p, seasonDays, m.states)
	return m
}

// shortScale is the noise scale of a history too short for a profile: its
// days' spread shrunk towards the prior, which weighs three days.
func shortScale(x []float64, level, priorCV float64) float64 {
	const priorDays = 3
	ss := priorDays * math.Pow(priorCV*level, 2)
	for _, v := range x {
		ss += (v - level) * (v - level)
	}
	return math.Sqrt(ss / float64(priorDays+len(x)-1))
}

// Through returns the last day of the model's history.
func (m *Model) Through() time.Time { return m.through }

// isMonthStart reports whether day i of the history (or after it) is the
// first of a month.
func (m *Model) isMonthStart(i int) bool {
	if i < len(m.monthStart) {
		return m.monthStart[i]
	}
	return m.start.AddDate(0, 0, i).Day() == 1
}

// path is the forecast of the h days after origin (an index into x): its
// sum and the standard deviation of the sum's error under the model.
func (m *Model) path(origin, h int) (sum, sd float64) {
	if h <= 0 || origin < 0 {
		return 0, 0
	}
	return m.pathFrom(&m.states[origin], origin, h)
}

// pathFrom is path from the state st of day origin.
func (m *Model) pathFrom(st *state, origin, h int) (sum, sd float64) {
	w := (m.w0 + origin + 1) % seasonDays
	var sbuf, dbuf [64]float64
	s, damp := sbuf[:0], dbuf[:0]
	trendDays := 0.0
	for k := range h {
		wd := (w + k) % seasonDays
		trendDays = m.cfg.phi * (1 + trendDays)
		sum += st.mean(wd, trendDays)
		s = append(s, st.season[wd])
		damp = append(damp, trendDays)
	}
	// The sum is S·level + T·trend + the noise to come: the drift (and jump)
	// of day j moves every day from j on, a trend drift every day after it,
	// and each day has its own noise of variance s (scale² units).
	var total, trendSum, noise float64
	for k := range h {
		total += s[k]
		trendSum += s[k] * damp[k]
		noise += s[k]
	}
	v := total*total*st.p00 + 2*total*trendSum*st.p01 + trendSum*trendSum*st.p11 + noise
	after := total // profile of days j..h
	for j := range h {
		q := m.p.drift
		if m.isMonthStart(origin + 1 + j) {
			q += m.p.jump
		}
		v += after * after * q
		after -= s[j]
		if m.p.slope > 0 {
			b := 0.0
			for k := j + 1; k < h; k++ {
				b += s[k] * damp[k-j-1]
			}
			v += b * b * m.p.slope
		}
	}
	return sum, st.scale * math.Sqrt(max(v, 0))
}

// median returns the median of v without reordering it.
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
