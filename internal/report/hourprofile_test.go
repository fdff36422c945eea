package report

import (
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

func TestHourProfileAveragesTheLastFourWeeks(t *testing.T) {
	data := sample()
	tue := day("2026-03-10") // a Tuesday, the as-of date
	data.Hourly = []budget.HourCost{
		{Date: tue, Hour: 9, Cost: dec("40")},
		{Date: tue.AddDate(0, 0, -7), Hour: 9, Cost: dec("20")},
		{Date: tue.AddDate(0, 0, -28), Hour: 9, Cost: dec("1000")}, // outside the four weeks
		{Date: tue.AddDate(0, 0, 1), Hour: 9, Cost: dec("1000")},   // after the as-of date
	}
	r := mustBuild(t, division(), data, asOf)
	if got := r.HourProfile.Cost[time.Tuesday][9].String(); got != "15" {
		t.Errorf("Tuesday 09:00 = %s, want 15 (60 over four weeks)", got)
	}
	if !r.HourProfile.From.Equal(day("2026-02-11")) {
		t.Errorf("profile starts %s, want 2026-02-11", r.HourProfile.From)
	}
}

func TestHourProfileOfHours(t *testing.T) {
	p := newPeriod(day("2026-03-10"), day("2026-03-10"), time.Time{})
	mon := day("2026-03-09")
	hp := hourProfile([]budget.HourCost{
		{Date: mon, Hour: 0, Cost: dec("1")},
		{Date: mon.AddDate(0, 0, -7), Hour: 0, Cost: dec("0.01")}, // 1.01 / 4 rounds to 0.25
		{Date: mon, Hour: 23, Cost: dec("0.02")},                  // 0.005 rounds half away from zero
		{Date: mon, Hour: 24, Cost: dec("1000")},                  // no such hour
		{Date: mon, Hour: -1, Cost: dec("1000")},
		{Date: day("2026-02-10"), Hour: 5, Cost: dec("1000")}, // the day before the four weeks
		{Date: day("2026-02-11"), Hour: 5, Cost: dec("8")},    // their first day, a Wednesday
	}, p)
	for _, tc := range []struct {
		name string
		wd   time.Weekday
		hour int
		want string
	}{
		{"two weeks of one hour", time.Monday, 0, "0.25"},
		{"half a cent", time.Monday, 23, "0.01"},
		{"first day of the four weeks", time.Wednesday, 5, "2"},
		{"an hour without cost", time.Sunday, 12, "0"},
	} {
		if got := hp.Cost[tc.wd][tc.hour].String(); got != tc.want {
			t.Errorf("%s: %s %02d:00 = %s, want %s", tc.name, tc.wd, tc.hour, got, tc.want)
		}
	}
	if !hp.From.Equal(day("2026-02-11")) || !hp.To.Equal(day("2026-03-10")) {
		t.Errorf("profile spans %s..%s, want 2026-02-11..2026-03-10", hp.From, hp.To)
	}
}
