package forecast

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// defaultOrigins are the days of the month the backtest forecasts from
// unless told otherwise.
var defaultOrigins = []int{5, 10, 20}

// Report is the result of a rolling-origin backtest: for every whole month
// of every series and every origin day d, the month's total forecast from
// the data through day d only, by the model and by the baselines, against
// the actual total.
type Report struct {
	Origins  []int
	Methods  []string // MethodName, then the baselines
	Series   int      // series backtested
	Months   int      // whole months over all series
	Rows     []Row    // per origin day, then per method in Methods order
	Coverage []Coverage
	Pooled   Coverage  // the model's coverage over all origin days
	Outcomes []Outcome // every forecast, by series, month and day
}

// Row is one method's accuracy at one origin day.
type Row struct {
	Day       int
	Method    string
	Forecasts int
	MAE       float64 // mean absolute error of the month total, dollars
	// MAPE is the mean absolute error as a share of the actual month total
	// (0.05 = 5 %), each series-month weighing the same; months that spent
	// nothing are left out of it.
	MAPE float64
	// VersusRunRate is MAPE over the run rate's MAPE at the same day.
	VersusRunRate float64
}

// Coverage is the share of actual month totals that fell inside the
// model's intervals (0.8 = 80 %). Day 0 means pooled over all origin days.
type Coverage struct {
	Day       int
	Forecasts int
	Within80  float64
	Within95  float64
}

// Outcome is one backtest forecast.
type Outcome struct {
	Series    string
	Month     time.Time // first day of the month
	Day       int       // origin: data through this day of the month
	Actual    float64
	Result    Result             // the model's
	Baselines map[string]float64 // by baseline name
}

// Backtest runs the rolling-origin backtest over every whole calendar month
// of every series, forecasting from each origin day (5, 10 and 20 when
// origins is empty). Series are taken in name order. A month's forecast sees only the days through its
// origin; the budget plays no part.
func Backtest(series map[string]Series, origins []int) Report {
	return defaults.backtest(series, origins)
}

func (cfg *settings) backtest(series map[string]Series, origins []int) Report {
	if len(origins) == 0 {
		origins = defaultOrigins
	}
	rep := Report{
		Origins: slices.Clone(origins),
		Methods: []string{MethodName, RunRateName, SeasonalNaiveName},
		Series:  len(series),
	}
	for _, name := range slices.Sorted(maps.Keys(series)) {
		s := series[name]
		if len(s.Values) == 0 {
			continue
		}
		first, _ := monthOf(s.Start)
		if !first.Equal(date(s.Start)) {
			first = first.AddDate(0, 1, 0)
		}
		for ; ; first = first.AddDate(0, 1, 0) {
			_, length := monthOf(first)
			last := first.AddDate(0, 0, length-1)
			if last.After(s.End()) {
				break
			}
			rep.Months++
			actual := s.Sum(first, last)
			for _, d := range origins {
				if d < 1 || d > length {
					continue
				}
				through := first.AddDate(0, 0, d-1)
				r := cfg.fit(s, through).MonthEnd(Limit{})
				rep.Outcomes = append(rep.Outcomes, Outcome{
					Series: name, Month: first, Day: d, Actual: actual, Result: r,
					Baselines: map[string]float64{
						RunRateName:       runRate(s, through),
						SeasonalNaiveName: seasonalNaive(s, through),
					},
				})
			}
		}
	}
	rep.summarise()
	return rep
}

// summarise fills in the rows and the coverage from the outcomes.
func (rep *Report) summarise() {
	var in80, in95 int
	for _, d := range rep.Origins {
		rows := make([]Row, len(rep.Methods))
		for i, method := range rep.Methods {
			rows[i] = Row{Day: d, Method: method}
		}
		c := Coverage{Day: d}
		var c80, c95, spent int
		for _, o := range rep.Outcomes {
			if o.Day != d {
				continue
			}
			c.Forecasts++
			if o.Actual > 0 {
				spent++
			}
			for i := range rows {
				e := math.Abs(o.forecast(rows[i].Method) - o.Actual)
				rows[i].MAE += e
				if o.Actual > 0 {
					rows[i].MAPE += e / o.Actual
				}
			}
			if o.Result.Low80 <= o.Actual && o.Actual <= o.Result.High80 {
				c80++
			}
			if o.Result.Low95 <= o.Actual && o.Actual <= o.Result.High95 {
				c95++
			}
		}
		runRate := 0.0
		for i := range rows {
			rows[i].Forecasts = c.Forecasts
			rows[i].MAE = ratio(rows[i].MAE, float64(c.Forecasts))
			rows[i].MAPE = ratio(rows[i].MAPE, float64(spent))
			if rows[i].Method == RunRateName {
				runRate = rows[i].MAPE
			}
		}
		for i := range rows {
			rows[i].VersusRunRate = ratio(rows[i].MAPE, runRate)
		}
		rep.Rows = append(rep.Rows, rows...)
		c.Within80 = ratio(float64(c80), float64(c.Forecasts))
		c.Within95 = ratio(float64(c95), float64(c.Forecasts))
		rep.Coverage = append(rep.Coverage, c)
		rep.Pooled.Forecasts += c.Forecasts
		in80 += c80
		in95 += c95
	}
	rep.Pooled.Within80 = ratio(float64(in80), float64(rep.Pooled.Forecasts))
	rep.Pooled.Within95 = ratio(float64(in95), float64(rep.Pooled.Forecasts))
}

// forecast returns the outcome's forecast by method.
func (o Outcome) forecast(method string) float64 {
	if method == MethodName {
		return o.Result.Value
	}
	return o.Baselines[method]
}

// ratio is a / b, or 0 when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// Row returns the accuracy of method at origin day d.
func (rep Report) Row(d int, method string) (Row, bool) {
	for _, r := range rep.Rows {
		if r.Day == d && r.Method == method {
			return r, true
		}
	}
	return Row{}, false
}

// WriteText writes the report as the aligned table the CLI prints.
func (rep Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "Month-end forecast backtest: %d series, %d whole months, forecasts from days %s of each month.\n\n",
		rep.Series, rep.Months, joinInts(rep.Origins))
	fmt.Fprintln(tw, "day\tmethod\tforecasts\tMAE USD\tMAE %\tvs run-rate\t80 % covered\t95 % covered\t")
	for _, r := range rep.Rows {
		c80, c95 := "-", "-"
		if r.Method == MethodName {
			for _, c := range rep.Coverage {
				if c.Day == r.Day {
					c80, c95 = percent(c.Within80), percent(c.Within95)
				}
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%.2f\t%s\t%.2f×\t%s\t%s\t\n",
			r.Day, r.Method, r.Forecasts, r.MAE, percent(r.MAPE), r.VersusRunRate, c80, c95)
	}
	fmt.Fprintf(tw, "\nPooled over days %s: the 80 %% interval held %s and the 95 %% interval %s of %d month totals.\n"+
		"MAE: mean absolute error of the month total; MAE %%: as a share of the actual total, each series-month weighing the same.\n",
		joinInts(rep.Origins), percent(rep.Pooled.Within80), percent(rep.Pooled.Within95), rep.Pooled.Forecasts)
	// The tabwriter buffers everything: its Flush reports any write error.
	return tw.Flush()
}

// Table returns WriteText's table as a string.
func (rep Report) Table() string {
	var b strings.Builder
	_ = rep.WriteText(&b) // a strings.Builder does not fail
	return b.String()
}

// percent writes a fraction as every percentage is shown: one decimal,
// half up (budget.RoundPercent).
func percent(v float64) string {
	p, ok := budget.PercentOfFraction(v)
	if !ok {
		return "n/a"
	}
	return budget.FormatPercent(p) + " %"
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}
