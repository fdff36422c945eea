package pipeline

import (
	"fmt"
	"time"

	"github.com/novadynamics/stellar-budget/internal/billing"
)

// An as-of says how far a build reads the data. It is a UTC midnight date,
// meaning the whole of that day, or another UTC instant, meaning the data
// up to it: usage whose usage_end_time is later is left out, and the day
// it falls in is a partial day (report.Source.PartialDay). The report is
// for the as-of's day either way.

// asOfLayouts are the forms --as-of takes besides a date: the documented
// YYYY-MM-DDTHH:MMZ, and RFC 3339 with seconds or an offset.
var asOfLayouts = []string{"2006-01-02T15:04Z07:00", time.RFC3339}

// ParseAsOf reads an --as-of flag at the build's clock now: a date before
// today is the whole day, today is up to the last full hour of now (no page
// shows hours that have not happened), a later date is the whole of that
// day (the demo source refuses it, the others judge the data behind it),
// and a time is that instant. Empty gives the zero time: the source's
// default.
func ParseAsOf(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		if d.Equal(billing.Date(now)) {
			return Today(now), nil
		}
		return d, nil
	}
	for _, layout := range asOfLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return AsOfAt(t), nil
		}
	}
	return time.Time{}, fmt.Errorf("--as-of %q: want a date YYYY-MM-DD or a UTC time YYYY-MM-DDTHH:MMZ", s)
}

// Today is the as-of of a build at now that names none: the data up to the
// last full hour.
func Today(now time.Time) time.Time {
	return AsOfAt(now.UTC().Truncate(time.Hour))
}

// AsOfAt is the as-of of the data up to instant t: t itself, or, when t is
// a midnight, the whole day before it.
func AsOfAt(t time.Time) time.Time {
	t = t.UTC()
	if t.Equal(billing.Date(t)) {
		return t.AddDate(0, 0, -1)
	}
	return t
}

// Through is the instant an as-of reads the data up to: the end of a date,
// else the as-of itself.
func Through(asOf time.Time) time.Time {
	if asOf.Equal(billing.Date(asOf)) {
		return asOf.AddDate(0, 0, 1)
	}
	return asOf
}

// asOfText shows an as-of as a user wrote it.
func asOfText(asOf time.Time) string {
	if asOf.Equal(billing.Date(asOf)) {
		return asOf.Format(time.DateOnly)
	}
	return asOf.Format("2006-01-02T15:04Z")
}
