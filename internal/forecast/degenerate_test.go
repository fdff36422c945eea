package forecast

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"
)

// finiteNested fails t unless every float field of r is finite and the
// intervals nest about the value.
func finiteNested(t *testing.T, what string, r Result) {
	t.Helper()
	for name, v := range map[string]float64{
		"ToDate": r.ToDate, "Value": r.Value, "Low80": r.Low80, "High80": r.High80,
		"Low95": r.Low95, "High95": r.High95, "Spread": r.Spread,
		"ProbabilityOverBudget": r.ProbabilityOverBudget,
	} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Errorf("%s: %s = %v in %+v", what, name, v, r)
		}
	}
	if !(r.Low95 <= r.Low80 && r.Low80 <= r.Value && r.Value <= r.High80 && r.High80 <= r.High95) {
		t.Errorf("%s: want Low95 <= Low80 <= Value <= High80 <= High95, got %+v", what, r)
	}
	checkResult(t, r)
}

// series of n days from 2026-01-01 whose day i spends spend(i).
func seriesOf(n int, spend func(i int) float64) Series {
	s := Series{Start: day("2026-01-01"), Values: make([]float64, n)}
	for i := range s.Values {
		s.Values[i] = spend(i)
	}
	return s
}

// TestNoNaN checks that series without variation, or nearly so, give
// finite, nested forecasts: their earlier errors are all (or mostly) one
// number, which the calibration cannot widen to the model's spread.
func TestNoNaN(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    Series
	}{
		{"constant", seriesOf(120, func(int) float64 { return 100 })},
		{"constant 400 days", seriesOf(400, func(int) float64 { return 37.25 })},
		{"constant 3 days", seriesOf(3, func(int) float64 { return 100 })},
		{"constant 10 days", seriesOf(10, func(int) float64 { return 100 })},
		{"all zeros", seriesOf(120, func(int) float64 { return 0 })},
		{"constant with a spike", seriesOf(120, func(i int) float64 {
			if i == 60 {
				return 5000
			}
			return 100
		})},
		{"constant with a late spike", seriesOf(120, func(i int) float64 {
			if i == 117 {
				return 5000
			}
			return 100
		})},
		{"constant then a step", seriesOf(120, func(i int) float64 {
			if i >= 70 {
				return 250
			}
			return 100
		})},
		{"constant then a step down", seriesOf(120, func(i int) float64 {
			if i >= 70 {
				return 20
			}
			return 100
		})},
		{"zeros then constant", seriesOf(120, func(i int) float64 {
			if i >= 50 {
				return 100
			}
			return 0
		})},
		{"weekdays only", seriesOf(120, func(i int) float64 {
			if wd := day("2026-01-01").AddDate(0, 0, i).Weekday(); wd == time.Saturday || wd == time.Sunday {
				return 0
			}
			return 100
		})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Every origin from the third day, so month ends are asked on
			// every day of a month and Expected on every day.
			for k := 2; k < len(tc.s.Values); k++ {
				through := tc.s.Day(k)
				m := Fit(tc.s, through)
				at := through.Format(time.DateOnly)
				spent := m.MonthEnd(Limit{}).ToDate
				for _, budget := range []float64{0, 1000, 3000, 1e9} {
					finiteNested(t, fmt.Sprintf("MonthEnd(%s, %v)", at, budget), m.MonthEnd(against(budget, spent)))
				}
				finiteNested(t, "Burn(1) "+at, m.Burn(1))
				finiteNested(t, "Burn(30) "+at, m.Burn(30))
				finiteNested(t, "Expected "+at, Expected(tc.s, through.AddDate(0, 0, 1)))
			}
			for _, p := range OneStep(tc.s, tc.s.End()) {
				finiteNested(t, "OneStep "+p.Day.Format(time.DateOnly), p.Result)
			}
			if t.Failed() {
				t.FailNow()
			}
		})
	}
}

// TestConstantSeriesIsCertain checks the exact answer for a series that
// spends the same every day, past the warm-up: that amount a day with a
// zero-width range, and a month end whose outcome is certain.
func TestConstantSeriesIsCertain(t *testing.T) {
	s := seriesOf(120, func(int) float64 { return 100 }) // 2026-01-01 … 2026-04-30
	through := day("2026-04-15")
	for what, r := range map[string]Result{
		"Expected": Expected(s, day("2026-04-16")),
		"Burn(1)":  Burn(s, through, 1),
	} {
		if r.Value != 100 || r.Low95 != 100 || r.High95 != 100 || r.Spread != 0 {
			t.Errorf("%s = %+v, want exactly 100 with a zero-width range", what, r)
		}
	}
	for _, p := range OneStep(s, s.End()) {
		if p.Value != 100 || p.Low95 != 100 || p.High95 != 100 || p.Spread != 0 {
			t.Errorf("OneStep %s = %+v, want exactly 100", p.Day.Format(time.DateOnly), p.Result)
		}
	}
	if r := Burn(s, through, 30); r.Value != 3000 || r.Low95 != 3000 || r.High95 != 3000 {
		t.Errorf("Burn(30) = %+v, want exactly 3000", r)
	}
	// 15 days of April spent, 15 to come.
	for _, tc := range []struct {
		budget, want float64
	}{{2999, 1}, {3001, 0}, {100, 1}, {1e6, 0}} {
		r := monthEndAgainst(s, through, tc.budget)
		finiteNested(t, "MonthEnd", r)
		if r.ToDate != 1500 || r.Value != 3000 || r.Low95 != 3000 || r.High95 != 3000 || r.ProbabilityOverBudget != tc.want {
			t.Errorf("MonthEnd(budget %v) = %+v, want 3000 and a certain %v over budget", tc.budget, r, tc.want)
		}
	}
}

// TestCalibrateDegenerate checks the calibration of error sets that are
// mostly one number, whose mixture has an empty 80 % interval that no
// factor widens: both versions fall back to the model's own normal, never
// NaN, and agree.
func TestCalibrateDegenerate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		z      []float64
		normal bool
	}{
		{"all zero", make([]float64, 100), true},
		{"all 0.5", slices.Repeat([]float64{0.5}, 100), true},
		{"one error apart", append(make([]float64, 99), 40), true},
		{"few zeros", make([]float64, 5), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := defaults.calibrate(errorSet{tc.z, 1})
			se := defaults.calibrateSorted(slices.Sorted(slices.Values(tc.z)))
			for _, p := range []float64{0.005, 0.025, 0.1, 0.5, 0.9, 0.975, 0.995} {
				q, sq := e.quantile(p), se.quantile(p)
				if math.IsNaN(q) || math.IsInf(q, 0) || math.Abs(q-sq) > 1e-9 {
					t.Errorf("quantile(%v) = %v, sorted %v", p, q, sq)
				}
				if w := math.Sqrt2 * math.Erfinv(2*p-1); tc.normal && math.Abs(q-w) > 1e-9 {
					t.Errorf("quantile(%v) = %v, want the normal's %v", p, q, w)
				}
			}
			for _, x := range []float64{-3, 0, 0.5, 3} {
				if c := e.cdf(x); math.IsNaN(c) || c < 0 || c > 1 {
					t.Errorf("cdf(%v) = %v", x, c)
				}
			}
		})
	}
}
