package demo

import (
	"math"
	"math/rand/v2"
	"time"
)

// pattern is when a workload runs during the week. Hours are UTC, which the
// demo treats as the division's working time zone.
type pattern int

const (
	workHours      pattern = iota // interactive clusters: weekday office hours, rare weekends
	nightly                       // scheduled batch jobs 01:00-05:00 every day
	every6h                       // a job scheduled four times a day
	businessJobs                  // serverless jobs triggered in office hours plus a 6-hourly schedule
	warehouseHours                // a classic SQL warehouse on 07:00-20:00 on weekdays
	bursty                        // serverless SQL: dashboards and ad-hoc queries in office hours
	continuous                    // a continuous DLT pipeline
	triggered                     // a DLT pipeline triggered every four hours
	alwaysOn                      // a model serving endpoint, busier in office hours, scaled to zero at night
	runaway                       // a cluster someone forgot, running all of the spike day
)

// hour is the usage hour being generated.
type hour struct {
	start, end  time.Time
	date        time.Time // usage_date
	clock       int       // hour of day, 0-23
	weekend     bool
	spikeDay    bool
	correction  bool      // on the day whose nightly runs are restated
	correctedOn time.Time // ingestion date of its retraction and restatement
	pending     bool      // its retraction and restatement are not ingested yet
}

// set moves h to the hour starting at t; through is the end of the
// account's last usage hour.
func (h *hour) set(t, through time.Time) {
	h.start, h.end = t, t.Add(time.Hour)
	h.clock = t.Hour()
	if h.clock == 0 || h.date.IsZero() {
		h.date = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		wd := t.Weekday()
		h.weekend = wd == time.Saturday || wd == time.Sunday
		h.spikeDay = h.date.Day() == spikeDayOfMonth
		h.correction = h.date.Day() == correctionDayOfMonth
		h.correctedOn = correctionIngested(h.date)
		// A record exists once its ingestion date has begun.
		h.pending = !h.correctedOn.Before(through)
	}
}

// plan is what one stream does in one hour. The generator computes it twice,
// once to size the run and once to emit, so it may depend only on the hour,
// the stream and the random source.
type plan struct {
	weight    float64 // activity; its share of the period's total sets the cost
	records   uint64  // records at the natural size; 0 = idle
	corrected bool    // the hour is restated (or will be, when pending)
	skew      float64 // how unevenly the hour's cost splits between records
}

// activity is the pattern's load in the hour, 0 when idle, 1 at full load.
func (p pattern) activity(h *hour, rng *rand.Rand) float64 {
	weekday := !h.weekend
	c := h.clock
	switch p {
	case workHours:
		switch {
		case weekday && c >= 10 && c <= 16:
			return 1
		case weekday && (c == 8 || c == 9 || c == 17 || c == 18):
			return 0.5
		case weekday && (c == 19 || c == 20) && rng.Float64() < 0.3:
			return 0.2
		case h.weekend && c >= 10 && c <= 16 && rng.Float64() < 0.12:
			return 0.3
		}
	case nightly:
		if c >= 1 && c <= 4 {
			return 1
		}
	case every6h:
		if c%6 == 2 {
			return 1
		}
	case businessJobs:
		switch {
		case weekday && c >= 9 && c <= 17 && rng.Float64() < 0.6:
			return 0.8
		case c%6 == 0:
			return 0.5
		}
	case warehouseHours:
		switch {
		case weekday && c >= 8 && c <= 18:
			return 1
		case weekday && (c == 7 || c == 19):
			return 0.4
		}
	case bursty:
		switch {
		case weekday && c >= 8 && c <= 18 && rng.Float64() < 0.75:
			return 1
		case h.weekend && c >= 11 && c <= 15 && rng.Float64() < 0.2:
			return 0.3
		}
	case continuous:
		if h.weekend {
			return 0.85
		}
		return 1
	case triggered:
		if c%4 == 1 {
			return 1
		}
	case alwaysOn:
		switch {
		case weekday && c >= 8 && c <= 18:
			return 1
		case c >= 6 && c <= 22:
			return 0.5
		}
	case runaway:
		if h.spikeDay {
			return 1
		}
	}
	return 0
}

// plan draws the stream's hour.
func (s *stream) plan(h *hour, rng *rand.Rand) plan {
	a := s.pattern.activity(h, rng)
	if a == 0 {
		return plan{}
	}
	p := plan{weight: a * (0.8 + 0.4*rng.Float64()), skew: 0.3 * rng.Float64()}
	p.records = uint64(max(1, math.Round(p.weight*s.conc)))
	if s.corrects && h.correction {
		p.corrected = true
		if !h.pending {
			p.records += 2 // the retraction and the restatement
		}
	}
	return p
}
