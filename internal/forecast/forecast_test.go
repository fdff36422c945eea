package forecast

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// day parses an ISO date.
func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// against is the Limit of a budget with spent of it known, both to the
// cent.
func against(monthBudget, spent float64) Limit {
	return Against(budget.CentsOf(monthBudget), budget.CentsOf(spent))
}

// monthEndAgainst is MonthEnd judged against monthBudget, the month to date
// known being what the series holds, to the cent.
func monthEndAgainst(s Series, through time.Time, monthBudget float64) Result {
	m := Fit(s, through)
	return m.MonthEnd(against(monthBudget, m.MonthEnd(Limit{}).ToDate))
}

// synthetic builds a series from start through end whose day d spends
// spend(d), times a multiplicative noise of the given relative standard
// deviation drawn from a fixed seed.
func synthetic(start, end string, noise float64, spend func(d time.Time, i int) float64) Series {
	s := Series{Start: day(start)}
	rng := rand.New(rand.NewPCG(1, 2))
	for d, i := day(start), 0; !d.After(day(end)); d, i = d.AddDate(0, 0, 1), i+1 {
		s.Values = append(s.Values, spend(d, i)*(1+noise*rng.NormFloat64()))
	}
	return s
}

func flat(level float64) func(time.Time, int) float64 {
	return func(time.Time, int) float64 { return level }
}

// weekly spends weekday on Monday to Friday and weekend (a share of it) on
// Saturday and Sunday.
func weekly(weekday, weekend float64) func(time.Time, int) float64 {
	return func(d time.Time, _ int) float64 {
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			return weekday * weekend
		}
		return weekday
	}
}

// monthTotal is the exact spend of through's month under spend, for a
// series starting at start.
func monthTotal(start string, through time.Time, spend func(time.Time, int) float64) float64 {
	first, length := monthOf(through)
	total := 0.0
	for k := range length {
		d := first.AddDate(0, 0, k)
		total += spend(d, daysBetween(day(start), d))
	}
	return total
}

func within(got, want, tolerance float64) bool {
	return math.Abs(got-want) <= tolerance*math.Abs(want)
}

func TestMonthEndKnownAnswers(t *testing.T) {
	trend := func(_ time.Time, i int) float64 { return 100 + float64(i) }
	for _, tc := range []struct {
		name      string
		start     string
		through   string
		noise     float64
		spend     func(time.Time, int) float64
		tolerance float64 // of Value against the exact month total
		maxWidth  float64 // of the 95 % interval, as a share of the total
	}{
		{"flat", "2026-01-01", "2026-04-10", 0, flat(100), 0.001, 0.01},
		{"flat with noise", "2026-01-01", "2026-04-10", 0.05, flat(100), 0.02, 0.06},
		{"linear trend", "2026-01-01", "2026-04-10", 0, trend, 0.01, 0.05},
		{"linear trend with noise", "2026-01-01", "2026-04-10", 0.03, trend, 0.02, 0.08},
		{"weekly, month starts on a Friday", "2026-01-01", "2026-05-10", 0.02, weekly(100, 0.3), 0.01, 0.05},
		{"weekly, month starts on a Monday", "2026-01-01", "2026-06-10", 0.02, weekly(100, 0.3), 0.01, 0.05},
		{"weekly, month starts on a Sunday", "2026-01-01", "2026-03-10", 0.02, weekly(100, 0.3), 0.01, 0.05},
		{"weekly, month starts on a Wednesday", "2026-01-01", "2026-04-10", 0.02, weekly(100, 0.3), 0.01, 0.05},
		{"weekly, month starts on a Saturday", "2026-01-01", "2026-08-10", 0.02, weekly(100, 0.3), 0.01, 0.05},
		{"weekly, day 1", "2026-01-01", "2026-04-01", 0.02, weekly(100, 0.3), 0.02, 0.12},
		{"weekly, day 5", "2026-01-01", "2026-04-05", 0.02, weekly(100, 0.3), 0.02, 0.1},
		{"weekly, day 20", "2026-01-01", "2026-04-20", 0.02, weekly(100, 0.3), 0.01, 0.04},
		{"weekly, day 29", "2026-01-01", "2026-04-29", 0.02, weekly(100, 0.3), 0.005, 0.01},
		{"weekly, no weekend at all", "2026-01-01", "2026-04-10", 0.02, weekly(100, 0), 0.01, 0.05},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := synthetic(tc.start, tc.through, tc.noise, tc.spend)
			through := day(tc.through)
			r := MonthEnd(s, through, Limit{})
			first, _ := monthOf(through)
			// The truth: the month to date as it happened, the rest as the
			// pattern says without noise.
			want := monthTotal(tc.start, through, tc.spend) - monthTotalThrough(tc.start, through, tc.spend) + s.Sum(first, through)
			if !within(r.Value, want, tc.tolerance) {
				t.Errorf("Value = %.2f, want %.2f ± %.1f %%", r.Value, want, 100*tc.tolerance)
			}
			checkResult(t, r)
			if w := (r.High95 - r.Low95) / want; w > tc.maxWidth {
				t.Errorf("95 %% interval [%.2f, %.2f] is %.1f %% of the total wide, want at most %.1f %%", r.Low95, r.High95, 100*w, 100*tc.maxWidth)
			}
			if want < r.Low95 || want > r.High95 {
				t.Errorf("95 %% interval [%.2f, %.2f] misses the truth %.2f", r.Low95, r.High95, want)
			}
			if r.ToDate != s.Sum(first, through) {
				t.Errorf("ToDate = %.2f, want the month to date %.2f", r.ToDate, s.Sum(first, through))
			}
		})
	}
}

// monthTotalThrough is the exact spend of through's month up to through.
func monthTotalThrough(start string, through time.Time, spend func(time.Time, int) float64) float64 {
	first, _ := monthOf(through)
	total := 0.0
	for d := first; !d.After(through); d = d.AddDate(0, 0, 1) {
		total += spend(d, daysBetween(day(start), d))
	}
	return total
}

// checkResult checks what every result must satisfy.
func checkResult(t *testing.T, r Result) {
	t.Helper()
	if r.Method != MethodName {
		t.Errorf("Method = %q, want %q", r.Method, MethodName)
	}
	if !(r.ToDate <= r.Low95 && r.Low95 <= r.Low80 && r.Low80 <= r.Value && r.Value <= r.High80 && r.High80 <= r.High95) {
		t.Errorf("want ToDate <= Low95 <= Low80 <= Value <= High80 <= High95, got %.2f %.2f %.2f %.2f %.2f %.2f",
			r.ToDate, r.Low95, r.Low80, r.Value, r.High80, r.High95)
	}
	if r.ProbabilityOverBudget < 0 || r.ProbabilityOverBudget > 1 || math.IsNaN(r.ProbabilityOverBudget) {
		t.Errorf("ProbabilityOverBudget = %v, want 0..1", r.ProbabilityOverBudget)
	}
	if r.Spread < 0 || math.IsNaN(r.Spread) {
		t.Errorf("Spread = %v", r.Spread)
	}
}

func TestMonthEndIgnoresASpike(t *testing.T) {
	spend := weekly(100, 0.3)
	for _, tc := range []struct {
		name, spike, through string
	}{
		{"in the month to date", "2026-04-07", "2026-04-10"},
		{"the day before", "2026-04-09", "2026-04-10"},
		{"last month", "2026-03-24", "2026-04-10"},
		{"three weeks before day 5", "2026-03-16", "2026-04-05"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clean := synthetic("2026-01-01", tc.through, 0.02, spend)
			spiked := Series{Start: clean.Start, Values: append([]float64(nil), clean.Values...)}
			i := spiked.index(day(tc.spike))
			spiked.Values[i] *= 6
			through := day(tc.through)
			a, b := MonthEnd(clean, through, Limit{}), MonthEnd(spiked, through, Limit{})
			checkResult(t, b)
			// The spike stays in the month to date, if it is there, but the
			// rest of the month is forecast as without it.
			restClean, restSpiked := a.Value-a.ToDate, b.Value-b.ToDate
			if !within(restSpiked, restClean, 0.02) {
				t.Errorf("rest of the month = %.2f with the spike, %.2f without: the spike was extrapolated", restSpiked, restClean)
			}
			// A spike can make the upper tail fatter, as earlier months'
			// forecasts missed it, but not lower spend more likely.
			if !within(b.Low80-b.ToDate, a.Low80-a.ToDate, 0.02) {
				t.Errorf("80 %% interval's low end (rest of the month) = %.2f with the spike, %.2f without", b.Low80-b.ToDate, a.Low80-a.ToDate)
			}
			truth := a.ToDate + monthTotal("2026-01-01", through, spend) - monthTotalThrough("2026-01-01", through, spend)
			if truth < a.Low95 || truth > a.High95 || truth < b.Low95-b.ToDate+a.ToDate || truth > b.High95-b.ToDate+a.ToDate {
				t.Errorf("95 %% intervals [%.2f, %.2f] without and [%.2f, %.2f] with the spike (less the month to date's difference) miss the truth %.2f",
					a.Low95, a.High95, b.Low95-b.ToDate+a.ToDate, b.High95-b.ToDate+a.ToDate, truth)
			}
			t.Logf("rest of the month: %.2f [%.2f, %.2f] without, %.2f [%.2f, %.2f] with the spike",
				restClean, a.Low80-a.ToDate, a.High80-a.ToDate, restSpiked, b.Low80-b.ToDate, b.High80-b.ToDate)
		})
	}
}

func TestMonthEndShortHistory(t *testing.T) {
	const through = "2026-04-10"
	for _, tc := range []struct {
		name  string
		spend func(time.Time, int) float64
	}{
		{"flat with noise", flat(100)},
		{"weekly", weekly(100, 0.3)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			full := synthetic("2026-01-01", through, 0.08, tc.spend)
			widths := map[int]float64{}
			for _, days := range []int{1, 2, 5, 14, 90} {
				s := Series{Start: full.Day(len(full.Values) - days), Values: full.Values[len(full.Values)-days:]}
				r := MonthEnd(s, day(through), Limit{})
				checkResult(t, r)
				// The truth: what the series spent in the month (days before
				// it started spent nothing), the rest as the pattern says.
				truth := r.ToDate + monthTotal("2026-01-01", day(through), tc.spend) - monthTotalThrough("2026-01-01", day(through), tc.spend)
				widths[days] = (r.High80 - r.Low80) / r.Value
				t.Logf("%2d days: value %8.2f, 80 %% [%8.2f, %8.2f], 95 %% [%8.2f, %8.2f], truth %8.2f", days, r.Value, r.Low80, r.High80, r.Low95, r.High95, truth)
				if days >= 5 && (truth < r.Low95 || truth > r.High95) {
					t.Errorf("%d days: 95 %% interval [%.2f, %.2f] misses the truth %.2f", days, r.Low95, r.High95, truth)
				}
				if days < 5 && r.Value <= r.ToDate {
					t.Errorf("%d days: the rest of the month is forecast as %.2f", days, r.Value-r.ToDate)
				}
			}
			for _, pair := range [][2]int{{5, 14}, {14, 90}} {
				if widths[pair[0]] <= widths[pair[1]] {
					t.Errorf("80 %% interval with %d days (%.1f %% of the value) is not wider than with %d days (%.1f %%)",
						pair[0], 100*widths[pair[0]], pair[1], 100*widths[pair[1]])
				}
			}
		})
	}
}

func TestMonthEndBudget(t *testing.T) {
	s := synthetic("2026-01-01", "2026-04-30", 0.05, weekly(100, 0.3))
	// Budgets are set from the forecast without a budget, r.
	for _, tc := range []struct {
		name           string
		through        string
		budget         func(r Result) float64
		wantLo, wantHi float64 // bounds of ProbabilityOverBudget
	}{
		{"month to date already over", "2026-04-10", func(r Result) float64 { return r.ToDate - 1 }, 1, 1},
		{"month to date exactly at the budget", "2026-04-10", func(r Result) float64 { return r.ToDate }, 0.9999, 1},
		{"far above the forecast", "2026-04-10", func(r Result) float64 { return r.High95 * 2 }, 1e-4, 1e-4},
		{"at the forecast", "2026-04-10", func(r Result) float64 { return r.Value }, 0.45, 0.55},
		{"one spread above the forecast", "2026-04-10", func(r Result) float64 { return r.Value + r.Spread }, 0.1, 0.25},
		{"one spread below the forecast", "2026-04-10", func(r Result) float64 { return r.Value - r.Spread }, 0.75, 0.9},
		{"at the 80 % interval's top", "2026-04-10", func(r Result) float64 { return r.High80 }, 0.08, 0.12},
		{"at the 95 % interval's bottom", "2026-04-10", func(r Result) float64 { return r.Low95 }, 0.96, 0.99},
		{"day 1, at the forecast", "2026-04-01", func(r Result) float64 { return r.Value }, 0.45, 0.55},
		{"last day, under", "2026-04-30", func(r Result) float64 { return r.ToDate + 1 }, 0, 0},
		{"last day, over", "2026-04-30", func(r Result) float64 { return r.ToDate - 1 }, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := Fit(s, day(tc.through))
			known := m.MonthEnd(Limit{})
			budget := tc.budget(known)
			r := m.MonthEnd(against(budget, known.ToDate))
			checkResult(t, r)
			if p := r.ProbabilityOverBudget; p < tc.wantLo || p > tc.wantHi {
				t.Errorf("budget %.2f, forecast %.2f, 80 %% [%.2f, %.2f]: ProbabilityOverBudget = %v, want %v..%v",
					budget, r.Value, r.Low80, r.High80, p, tc.wantLo, tc.wantHi)
			}
		})
	}
}

func TestMonthEndOnTheLastDay(t *testing.T) {
	s := synthetic("2026-01-01", "2026-04-30", 0.05, weekly(100, 0.3))
	for _, through := range []string{"2026-01-31", "2026-02-28", "2026-04-30"} {
		t.Run(through, func(t *testing.T) {
			first, _ := monthOf(day(through))
			want := s.Sum(first, day(through))
			r := monthEndAgainst(s, day(through), want+1)
			if r.Days != 0 || r.ToDate != want || r.Value != want || r.Low80 != want || r.High80 != want || r.Low95 != want || r.High95 != want || r.Spread != 0 {
				t.Errorf("got %+v, want every figure %.2f, no day and no spread", r, want)
			}
			if r.ProbabilityOverBudget != 0 {
				t.Errorf("ProbabilityOverBudget = %v under budget, want 0", r.ProbabilityOverBudget)
			}
			if p := monthEndAgainst(s, day(through), want-1).ProbabilityOverBudget; p != 1 {
				t.Errorf("ProbabilityOverBudget = %v over budget, want 1", p)
			}
		})
	}
}

func TestMonthEndUsesOnlyDataThroughTheDay(t *testing.T) {
	s := synthetic("2026-01-01", "2026-04-30", 0.05, weekly(100, 0.3))
	cut := Series{Start: s.Start, Values: s.Values[:s.index(day("2026-04-12"))+1]}
	a, b := monthEndAgainst(s, day("2026-04-12"), 2500), monthEndAgainst(cut, day("2026-04-12"), 2500)
	if a != b {
		t.Errorf("with later days %+v, without %+v", a, b)
	}
	// Days after the series' end count as spending nothing.
	padded := monthEndAgainst(cut, day("2026-04-14"), 2500)
	zeros := Series{Start: s.Start, Values: append(append([]float64(nil), cut.Values...), 0, 0)}
	if want := monthEndAgainst(zeros, day("2026-04-14"), 2500); padded != want {
		t.Errorf("past the end %+v, with explicit zeros %+v", padded, want)
	}
}

func TestMonthEndDegenerateHistories(t *testing.T) {
	for _, tc := range []struct {
		name    string
		s       Series
		through string
		want    float64
	}{
		{"empty", Series{Start: day("2026-04-05")}, "2026-04-10", 0},
		{"starts after through", Series{Start: day("2026-04-11"), Values: []float64{5, 5}}, "2026-04-10", 0},
		{"all zeros", Series{Start: day("2026-01-01"), Values: make([]float64, 100)}, "2026-04-10", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := monthEndAgainst(tc.s, day(tc.through), 100)
			checkResult(t, r)
			if r.Value != tc.want || r.High95 != tc.want || r.ProbabilityOverBudget != 0 {
				t.Errorf("got %+v, want a certain %v", r, tc.want)
			}
		})
	}
}

func TestMonthEndFollowsALevelShift(t *testing.T) {
	// Spend doubles from 1 April: by the 10th the rest of the month is
	// forecast at the new level.
	spend := func(d time.Time, _ int) float64 {
		if d.Before(day("2026-04-01")) {
			return weekly(100, 0.3)(d, 0)
		}
		return weekly(200, 0.3)(d, 0)
	}
	s := synthetic("2026-01-01", "2026-04-10", 0.03, spend)
	r := MonthEnd(s, day("2026-04-10"), Limit{})
	want := r.ToDate + monthTotal("2026-01-01", day("2026-04-10"), spend) - monthTotalThrough("2026-01-01", day("2026-04-10"), spend)
	if !within(r.Value, want, 0.05) || want < r.Low95 || want > r.High95 {
		t.Errorf("value %.2f, 95 %% [%.2f, %.2f], want %.2f", r.Value, r.Low95, r.High95, want)
	}
}

func TestBurn(t *testing.T) {
	for _, tc := range []struct {
		name      string
		spend     func(time.Time, int) float64
		noise     float64
		days      int
		tolerance float64
	}{
		{"flat, 30 days", flat(100), 0, 30, 0.001},
		{"flat with noise, 30 days", flat(100), 0.05, 30, 0.03},
		{"weekly, 30 days", weekly(100, 0.3), 0.03, 30, 0.02},
		{"weekly, 7 days", weekly(100, 0.3), 0.03, 7, 0.02},
		{"weekly, 1 day (a Saturday)", weekly(100, 0.3), 0.03, 1, 0.1},
		{"weekly, 45 days", weekly(100, 0.3), 0.03, 45, 0.03},
		{"no days", flat(100), 0.05, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const through = "2026-04-10" // a Friday
			s := synthetic("2026-01-01", through, tc.noise, tc.spend)
			r := Burn(s, day(through), tc.days)
			checkResult(t, r)
			want := 0.0
			for k := 1; k <= tc.days; k++ {
				d := day(through).AddDate(0, 0, k)
				want += tc.spend(d, daysBetween(s.Start, d))
			}
			if r.Days != tc.days || r.ToDate != 0 || !within(r.Value, want, tc.tolerance) {
				t.Errorf("got %+v, want %.2f ± %.1f %% over %d days", r, want, 100*tc.tolerance, tc.days)
			}
			if want < r.Low80 || want > r.High80 {
				t.Errorf("80 %% interval [%.2f, %.2f] misses %.2f", r.Low80, r.High80, want)
			}
		})
	}
}

func TestExpected(t *testing.T) {
	s := synthetic("2026-01-01", "2026-04-30", 0.05, weekly(100, 0.3))
	spike := s.index(day("2026-04-15"))
	s.Values[spike] *= 6
	for _, tc := range []struct {
		name    string
		day     string
		unusual bool
	}{
		{"a usual weekday", "2026-04-14", false},
		{"a usual Saturday", "2026-04-11", false},
		{"the spike", "2026-04-15", true},
		{"the day after the spike", "2026-04-16", false},
		{"a weekday at weekend level", "2026-04-20", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := day(tc.day)
			actual := s.At(d)
			if tc.name == "a weekday at weekend level" {
				actual = 30
			}
			r := Expected(s, d)
			checkResult(t, r)
			if r.Days != 1 || r.Spread <= 0 {
				t.Errorf("got %+v, want one day with a spread", r)
			}
			if unusual := actual < r.Low95 || actual > r.High95; unusual != tc.unusual {
				t.Errorf("spent %.2f, expected %.2f [%.2f, %.2f] (spread %.2f): unusual = %v, want %v",
					actual, r.Value, r.Low95, r.High95, r.Spread, unusual, tc.unusual)
			}
		})
	}
}

func TestSeries(t *testing.T) {
	s := Series{Start: time.Date(2026, 4, 1, 13, 0, 0, 0, time.UTC), Values: []float64{1, 2, 3}}
	if got := s.End(); !got.Equal(day("2026-04-03")) {
		t.Errorf("End = %v", got)
	}
	if got := s.At(day("2026-04-02")); got != 2 {
		t.Errorf("At(2 April) = %v", got)
	}
	if got := s.At(day("2026-04-04")); got != 0 {
		t.Errorf("At(after the end) = %v", got)
	}
	if got := s.Sum(day("2026-03-01"), day("2026-04-02")); got != 3 {
		t.Errorf("Sum(1 March, 2 April) = %v", got)
	}
	if got := (Series{Start: day("2026-04-01")}).End(); !got.Equal(day("2026-03-31")) {
		t.Errorf("End of an empty series = %v", got)
	}
}

// TestProbabilityOverBudgetIsExact judges a month to date a cent either
// side of its budget and exactly at it, with no day left and with some:
// the month to date and budget are exact, so the float sum of the days
// (which this series puts off its exact total) decides nothing.
func TestProbabilityOverBudgetIsExact(t *testing.T) {
	// Cents per day, 0.10 to 0.99 in a pattern that varies: tenths and
	// hundredths have no exact float, so their float sum drifts.
	s := Series{Start: day("2026-01-01")}
	cents := map[time.Time]int64{}
	for d := day("2026-01-01"); !d.After(day("2026-04-30")); d = d.AddDate(0, 0, 1) {
		c := 10 + int64(len(s.Values)*37)%90
		cents[d] = c
		s.Values = append(s.Values, float64(c)/100)
	}
	cent := budget.MustDecimal("0.01")
	for _, tc := range []struct {
		through string
		left    int
	}{{"2026-04-30", 0}, {"2026-04-15", 15}} {
		m := Fit(s, day(tc.through))
		var spent budget.Decimal // April to date, exact
		for d := day("2026-04-01"); !d.After(day(tc.through)); d = d.AddDate(0, 0, 1) {
			spent = spent.Add(budget.MustDecimal(fmt.Sprintf("0.%02d", cents[d])))
		}
		// The float sum runs above the exact total (16.350000000000005 for
		// 16.35): a comparison of floats would judge the month over a
		// budget it is exactly at.
		if sum := m.MonthEnd(Limit{}).ToDate; sum <= spent.Float64() {
			t.Fatalf("through %s: the float month to date %v is not above the exact %s: the fixture no longer tests anything", tc.through, sum, spent)
		}
		for _, c := range []struct {
			name   string
			budget budget.Decimal
			lo, hi float64
		}{
			{"a cent under the month to date", spent.Sub(cent), 1, 1},
			{"exactly the month to date", spent, 0, 0},
			{"a cent over the month to date", spent.Add(cent), 0, 0},
		} {
			if tc.left > 0 && c.lo == 0 {
				// Days to come: over unless they spend (almost) nothing.
				c.lo, c.hi = 0.5, 1-1e-4
			}
			r := m.MonthEnd(Against(c.budget, spent))
			if r.Days != tc.left {
				t.Fatalf("through %s: %d days left, want %d", tc.through, r.Days, tc.left)
			}
			if p := r.ProbabilityOverBudget; p < c.lo || p > c.hi {
				t.Errorf("through %s, budget %s (%s, spent %s): probability %v, want %v..%v", tc.through, c.budget, c.name, spent, p, c.lo, c.hi)
			}
		}
	}
}
