package demo

import (
	"time"

	"github.com/novadynamics/stellar-budget/internal/billing"
)

// months is the number of whole calendar months before the month of the
// last usage day; with that month itself the demo covers months+1 calendar
// months, enough for a year-over-year comparison and a twelve-month history.
const months = 13

// Months returns how many whole calendar months of usage precede the month
// of the last usage day (13). Usage starts on the first day of the first of
// them.
func Months() int { return months }

// The scenario's calendar rules: every date below is a function of the
// calendar alone, so a day's usage is the same whatever the account is read
// at.
const (
	spikeDayOfMonth      = 10 // the forgotten cluster runs all of the 10th of every month
	correctionDayOfMonth = 5  // the nightly runs of the 5th of every month are restated
	correctionDelay      = 4  // days from the usage to its retraction and restatement
	promoDayOfMonth      = 15 // the serverless SQL promotion starts on the 15th of a quarter's second month
)

// growthEpoch is the first month of the division's growth: spend rises
// from 82 % of today's level then to 100 % a year later, and stays there.
var growthEpoch = time.Date(2025, time.October, 1, 0, 0, 0, 0, time.UTC)

// calendar fixes the window of one read of the account. Only its edges
// depend on Through; what happens on a day does not.
type calendar struct {
	through time.Time // end of the last usage hour: Config.Through truncated to the hour
	lastDay time.Time // usage_date of the last usage hour, UTC midnight
	start   time.Time // first usage hour: the first of the month months before lastDay's
	periods []period  // whole calendar months from start through lastDay's month
}

// period is one whole calendar month. The generator sizes every month
// whole, so a month's spend per day does not depend on how much of it has
// happened, and emits its hours up to through.
type period struct {
	start, end time.Time // [first day, first day of the next month)
	days       float64   // days of the calendar month
}

func newCalendar(through time.Time) calendar {
	c := calendar{through: through.UTC().Truncate(time.Hour)}
	c.lastDay = billing.Date(c.through.Add(-time.Nanosecond))
	c.start = monthOf(c.lastDay).AddDate(0, -months, 0)
	for i := 0; i <= months; i++ {
		start := c.start.AddDate(0, i, 0)
		end := start.AddDate(0, 1, 0)
		c.periods = append(c.periods, period{start: start, end: end, days: end.Sub(start).Hours() / 24})
	}
	return c
}

// priceStart is where the first list price rows start: two years before
// the first usage, so every usage hour has its row.
func (c calendar) priceStart() time.Time { return c.start.AddDate(-2, 0, 0) }

// monthOf is the first day of t's month.
func monthOf(t time.Time) time.Time {
	y, m, _ := t.Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
}

// quarterOf is the first day of t's calendar quarter.
func quarterOf(t time.Time) time.Time {
	y, m, _ := t.Date()
	return time.Date(y, m-(m-1)%3, 1, 0, 0, 0, 0, time.UTC)
}

// monthsSince counts the calendar months from a's month to b's.
func monthsSince(a, b time.Time) int {
	return (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month())
}

// growth is the division's spend trend in month (its first day): 82 % of
// today's level up to growthEpoch's month, rising linearly to 100 % twelve
// months later, and level from then on, so any later as-of shows a
// division at today's level.
func growth(month time.Time) float64 {
	k := float64(monthsSince(growthEpoch, month))
	return min(1, max(0.82, 0.82+0.18*k/12))
}

// correctionIngested is the ingestion date of the retraction and
// restatement of usage on date.
func correctionIngested(date time.Time) time.Time { return date.AddDate(0, 0, correctionDelay) }
