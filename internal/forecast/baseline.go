package forecast

import "time"

// Names of the baselines the backtest compares the model with.
const (
	RunRateName       = "run-rate"
	SeasonalNaiveName = "seasonal-naive"
)

// runRate forecasts the month's total as its month-to-date spend per
// elapsed day times the days of the month.
func runRate(history Series, through time.Time) float64 {
	first, length := monthOf(through)
	return history.Sum(first, through) / float64(through.Day()) * float64(length)
}

// seasonalNaive forecasts the month's total as its month-to-date spend plus,
// for each remaining day, the spend of the last day of the same weekday
// through the last day of data (the last week repeated). Without such a
// day in the history it uses the mean day of the history.
func seasonalNaive(history Series, through time.Time) float64 {
	first, length := monthOf(through)
	total := history.Sum(first, through)
	x := history.through(through)
	mean := 0.0
	for _, v := range x {
		mean += v
	}
	if len(x) > 0 {
		mean /= float64(len(x))
	}
	last := len(x) - 1
	for k := 1; k <= length-through.Day(); k++ {
		i := last + k - seasonDays*((k+seasonDays-1)/seasonDays)
		if i >= 0 {
			total += x[i]
		} else {
			total += mean
		}
	}
	return total
}
