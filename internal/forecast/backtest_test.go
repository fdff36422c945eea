package forecast

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestBacktestDemo runs the backtest on the demo account and holds it to
// issue 12's targets: at day 10 a mean absolute error at most 0.7 times the
// run rate's (in dollars and in percent of the month), and an 80 % interval
// that covers 75-85 % of outcomes pooled over days 5, 10 and 20.
func TestBacktestDemo(t *testing.T) {
	for _, asOf := range []string{"2026-11-23", "2026-06-30"} {
		t.Run(asOf, func(t *testing.T) {
			series := demoSeries(t, day(asOf))
			rep := Backtest(series, nil)
			t.Logf("as of %s:\n%s", asOf, rep.Table())
			if rep.Series != 8 || rep.Months < 8*13 || rep.Pooled.Forecasts != 3*rep.Months {
				t.Fatalf("%d series, %d months, %d forecasts: want the 7 categories and the division over 13 or more months",
					rep.Series, rep.Months, rep.Pooled.Forecasts)
			}
			ours, _ := rep.Row(10, MethodName)
			runRate, _ := rep.Row(10, RunRateName)
			if ours.MAE > 0.7*runRate.MAE {
				t.Errorf("day 10: MAE %.2f USD, want at most 0.7 × run rate's %.2f", ours.MAE, runRate.MAE)
			}
			if ours.MAPE > 0.7*runRate.MAPE {
				t.Errorf("day 10: MAE %.2f %%, want at most 0.7 × run rate's %.2f %%", 100*ours.MAPE, 100*runRate.MAPE)
			}
			if c := rep.Pooled.Within80; c < 0.75 || c > 0.85 {
				t.Errorf("pooled 80 %% coverage %.1f %%, want 75-85 %%", 100*c)
			}
			if c := rep.Pooled.Within95; c < 0.9 {
				t.Errorf("pooled 95 %% coverage %.1f %%, want at least 90 %%", 100*c)
			}
		})
	}
}

func TestBacktestCountsWholeMonths(t *testing.T) {
	series := map[string]Series{
		// 15 January to 10 April: February and March are whole.
		"b": synthetic("2026-01-15", "2026-04-10", 0.05, weekly(100, 0.3)),
		// 1 January to 31 March: three whole months.
		"a":     synthetic("2026-01-01", "2026-03-31", 0.05, flat(50)),
		"empty": {Start: day("2026-01-01")},
	}
	rep := Backtest(series, []int{5, 28})
	if rep.Series != 3 || rep.Months != 5 || len(rep.Outcomes) != 10 || len(rep.Rows) != 6 || len(rep.Coverage) != 2 {
		t.Fatalf("got %d series, %d months, %d outcomes, %d rows, %d coverage rows; want 3, 5, 10, 6, 2",
			rep.Series, rep.Months, len(rep.Outcomes), len(rep.Rows), len(rep.Coverage))
	}
	first := rep.Outcomes[0]
	if first.Series != "a" || !first.Month.Equal(day("2026-01-01")) || first.Day != 5 {
		t.Errorf("first outcome %+v, want series a, January, day 5", first)
	}
	for _, o := range rep.Outcomes {
		if want := series[o.Series].Sum(o.Month, o.Month.AddDate(0, 1, -1)); o.Actual != want {
			t.Errorf("%s %s: actual %.2f, want %.2f", o.Series, o.Month.Format("2006-01"), o.Actual, want)
		}
		// The forecast saw only the days through its origin.
		through := o.Month.AddDate(0, 0, o.Day-1)
		cut := Series{Start: series[o.Series].Start, Values: series[o.Series].Values[:series[o.Series].index(through)+1]}
		if r := MonthEnd(cut, through, Limit{}); r.Value != o.Result.Value {
			t.Errorf("%s %s day %d: forecast %.2f, from the data through the origin only %.2f", o.Series, o.Month.Format("2006-01"), o.Day, o.Result.Value, r.Value)
		}
	}
	for _, r := range rep.Rows {
		if r.Method == RunRateName && r.VersusRunRate != 1 {
			t.Errorf("run rate versus itself = %v", r.VersusRunRate)
		}
	}
}

func TestBaselines(t *testing.T) {
	s := Series{Start: day("2026-03-30"), Values: []float64{
		10, 10, 10, 10, 10, 2, 2, // 30 March (Monday) to 5 April
		20, 20, 20, // 6 to 8 April
	}}
	through := day("2026-04-08")
	// Month to date: 1-8 April = 10+10+10+2+2+20+20+20 = 94.
	if got, want := runRate(s, through), 94.0/8*30; got != want {
		t.Errorf("run rate = %v, want %v", got, want)
	}
	// The 22 days left repeat the last 7 days: 10, 2, 2, 20, 20, 20 and
	// (1 April) 10, three times, then the first day once more.
	week := 10.0 + 2 + 2 + 20 + 20 + 20 + 10
	if got, want := seasonalNaive(s, through), 94+3*week+10; got != want {
		t.Errorf("seasonal naive = %v, want %v", got, want)
	}
	short := Series{Start: day("2026-04-06"), Values: []float64{20, 20, 30}}
	if got, want := seasonalNaive(short, through), 70+22*70.0/3; !within(got, want, 1e-12) {
		t.Errorf("seasonal naive with three days = %v, want %v (the mean day for want of a week)", got, want)
	}
}

func TestReportWriteText(t *testing.T) {
	rep := Report{
		Origins: []int{5, 10},
		Methods: []string{MethodName, RunRateName, SeasonalNaiveName},
		Series:  2, Months: 4,
		Rows: []Row{
			{Day: 5, Method: MethodName, Forecasts: 4, MAE: 123.456, MAPE: 0.01234, VersusRunRate: 0.25},
			{Day: 5, Method: RunRateName, Forecasts: 4, MAE: 500, MAPE: 0.04936, VersusRunRate: 1},
			{Day: 5, Method: SeasonalNaiveName, Forecasts: 4, MAE: 150.5, MAPE: 0.015, VersusRunRate: 0.30389},
			{Day: 10, Method: MethodName, Forecasts: 4, MAE: 60, MAPE: 0.006, VersusRunRate: 0.2},
			{Day: 10, Method: RunRateName, Forecasts: 4, MAE: 300, MAPE: 0.03, VersusRunRate: 1},
			{Day: 10, Method: SeasonalNaiveName, Forecasts: 4, MAE: 80, MAPE: 0.008, VersusRunRate: 0.26667},
		},
		Coverage: []Coverage{{Day: 5, Forecasts: 4, Within80: 0.75, Within95: 1}, {Day: 10, Forecasts: 4, Within80: 1, Within95: 1}},
		Pooled:   Coverage{Forecasts: 8, Within80: 0.875, Within95: 1},
	}
	golden(t, "report.txt", rep.Table())
}

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// BenchmarkMonthEnd forecasts a month end from 400 days of history, as a
// build does for every category, owner and the division.
func BenchmarkMonthEnd(b *testing.B) {
	s := synthetic("2025-03-01", "2026-04-04", 0.1, weekly(300, 0.35))
	if len(s.Values) != 400 {
		b.Fatalf("%d days", len(s.Values))
	}
	through := s.End()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		MonthEnd(s, through, against(9000, 4000))
		n++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/forecast")
}

// BenchmarkBurn forecasts 30 days from 400 days of history, as a build does
// for every owner.
func BenchmarkBurn(b *testing.B) {
	s := synthetic("2025-03-01", "2026-04-04", 0.1, weekly(300, 0.35))
	through := s.End()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		Burn(s, through, 30)
		n++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/forecast")
}

// BenchmarkBacktest backtests 8 series of 14 months, as generator backtest
// does on the demo account.
func BenchmarkBacktest(b *testing.B) {
	series := map[string]Series{}
	for i, name := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		series[name] = synthetic("2025-03-01", "2026-04-30", 0.05+0.01*float64(i), weekly(100*float64(i+1), 0.35))
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n += len(Backtest(series, nil).Outcomes)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/forecast")
}
