package forecast

import (
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// Series is a daily spend series: Values[i] is the spend in dollars of the
// UTC day Start + i days. A day the series does not cover counts as a day
// without spend, as a day without usage records is in the billing tables.
type Series struct {
	Start  time.Time // first day, UTC midnight (the time of day is ignored)
	Values []float64 // dollars per day, consecutive days
}

// Day returns the date of Values[i].
func (s Series) Day(i int) time.Time { return date(s.Start).AddDate(0, 0, i) }

// End returns the last day of the series (the day before Start when it is
// empty).
func (s Series) End() time.Time { return s.Day(len(s.Values) - 1) }

// At returns the spend of day, 0 outside the series.
func (s Series) At(day time.Time) float64 {
	i := s.index(day)
	if i < 0 || i >= len(s.Values) {
		return 0
	}
	return s.Values[i]
}

// Sum returns the spend from from through to, both included.
func (s Series) Sum(from, to time.Time) float64 {
	lo, hi := max(s.index(from), 0), min(s.index(to), len(s.Values)-1)
	total := 0.0
	for i := lo; i <= hi; i++ {
		total += s.Values[i]
	}
	return total
}

// through returns a copy of the values from Start through day, padded
// with zeros when day is after the series' end; nil when day is before
// Start.
func (s Series) through(day time.Time) []float64 {
	n := s.index(day) + 1
	if n <= 0 {
		return nil
	}
	x := make([]float64, n)
	copy(x, s.Values)
	return x
}

// index is the position of day in the series, possibly outside it.
func (s Series) index(day time.Time) int { return daysBetween(s.Start, day) }

// date returns t's UTC calendar date at midnight.
func date(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// daysBetween counts the days from a's date to b's date.
func daysBetween(a, b time.Time) int {
	return int(date(b).Sub(date(a)).Hours() / 24)
}

// monthOf returns the first day of t's month and the number of days in it.
func monthOf(t time.Time) (time.Time, int) {
	y, m, _ := t.UTC().Date()
	first := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	return first, first.AddDate(0, 1, -1).Day()
}

// SeriesOf makes the series of a bucket's daily cost: from its first day
// up to through, days without spend as zero. ok is false when no day of
// spend lies up to through.
func SeriesOf(days budget.Daily, through time.Time) (s Series, ok bool) {
	var first time.Time
	for d := range days {
		if d = date(d); !d.After(through) && (first.IsZero() || d.Before(first)) {
			first = d
		}
	}
	if first.IsZero() {
		return Series{}, false
	}
	s.Start = first
	for d := first; !d.After(through); d = d.AddDate(0, 0, 1) {
		s.Values = append(s.Values, days[d].Cost.Float64())
	}
	return s, true
}
