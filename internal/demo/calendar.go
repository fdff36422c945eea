package demo

import (
	"time"

	"github.com/novadynamics/stellar-budget/internal/billing"
)

// months is the number of whole calendar months before the as-of month; with
// the as-of month itself the demo covers months+1 calendar months, enough for
// a year-over-year comparison and a twelve-month history.
const months = 13

// Months returns how many whole calendar months of usage precede the as-of
// month (13). Usage starts on the first day of the first of them.
func Months() int { return months }

// calendar fixes every date of the scenario relative to the as-of date, so
// any as-of date tells the same story.
type calendar struct {
	asOf          time.Time // last usage_date, UTC midnight
	end           time.Time // end of the last usage hour (asOf + 24h)
	asOfMonth     time.Time // first day of asOf's month
	start         time.Time // first usage hour
	periods       []period  // the calendar months, the last one cut at end
	priceStart    time.Time // first list price row
	priceChange   time.Time // PREMIUM_JOBS_COMPUTE goes from 0.15 to 0.16
	promoStart    time.Time // serverless SQL promotion begins
	unpricedFrom  time.Time // first usage of the SKU that has no list price
	spikeDay      time.Time // the runaway cluster's day
	lastCorrected time.Time // last usage_date that gets corrections
}

// period is one calendar month of usage, or the part of the as-of month up
// to and including the as-of date.
type period struct {
	start, end time.Time
	month      int     // 0 = first month, months = the as-of month
	days       float64 // days of usage in the period
	monthDays  float64 // days of the calendar month
}

func newCalendar(asOf time.Time) calendar {
	asOf = billing.Date(asOf)
	y, m, _ := asOf.Date()
	c := calendar{
		asOf:      asOf,
		end:       asOf.AddDate(0, 0, 1),
		asOfMonth: time.Date(y, m, 1, 0, 0, 0, 0, time.UTC),
	}
	c.start = c.asOfMonth.AddDate(0, -months, 0)
	for i := 0; i <= months; i++ {
		start := c.start.AddDate(0, i, 0)
		next := start.AddDate(0, 1, 0)
		end := next
		if end.After(c.end) {
			end = c.end
		}
		c.periods = append(c.periods, period{
			start: start, end: end, month: i,
			days:      end.Sub(start).Hours() / 24,
			monthDays: next.Sub(start).Hours() / 24,
		})
	}
	c.priceStart = c.asOfMonth.AddDate(-2, 0, 0)
	c.priceChange = c.asOfMonth.AddDate(0, -8, 0)
	c.promoStart = c.asOfMonth.AddDate(0, -3, 14)
	c.unpricedFrom = c.asOfMonth.AddDate(0, -3, 0)
	// The spike sits in the previous month, so it never distorts the as-of
	// month's run-rate, and on a weekday between its 22nd and 24th, so it is
	// 8 to 40 days before any as-of date.
	c.spikeDay = c.asOfMonth.AddDate(0, -1, 21)
	for c.spikeDay.Weekday() == time.Saturday || c.spikeDay.Weekday() == time.Sunday {
		c.spikeDay = c.spikeDay.AddDate(0, 0, 1)
	}
	// A restatement is ingested four days after the usage; none may arrive
	// after the as-of date.
	c.lastCorrected = asOf.AddDate(0, 0, -5)
	return c
}
