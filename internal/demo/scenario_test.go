package demo

import (
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

func TestBudgetScenario(t *testing.T) {
	withoutExploratory := testDivision()
	withoutExploratory.Categories = slices.Delete(withoutExploratory.Categories, 4, 5)
	for _, tc := range []struct {
		name string
		div  budget.Division
		over string // the category heading over budget
		asOf time.Time
	}{
		{"late in the month", testDivision(), overBudgetTag, asOf},
		{"first day of a month", testDivision(), overBudgetTag, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
		{"last day of a month", testDivision(), overBudgetTag, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)},
		{"end of February", testDivision(), overBudgetTag, time.Date(2027, 2, 28, 0, 0, 0, 0, time.UTC)},
		{"no EXPLORATORY_MISSIONS", withoutExploratory, "EXOPLANET_RESEARCH", asOf},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.div
			a := runAudit(t, Config{Division: d, AsOf: tc.asOf})
			cal := a.cal
			month := tc.asOf.Format("2006-01")
			previous := cal.asOfMonth.AddDate(0, -1, 0).Format("2006-01")
			daysInMonth := float64(cal.periods[months].monthDays)
			crossedPrevious := 0
			for i, c := range d.Categories {
				b := budgetOf(c)
				runRate := a.monthCost(c.TagValue, month) / float64(tc.asOf.Day()) * daysInMonth / b
				t.Logf("%s: run-rate %.1f %%, previous month %.1f %%", c.TagValue, 100*runRate, 100*a.monthCost(c.TagValue, previous)/b)
				if c.TagValue == tc.over {
					if runRate < 1.05 || runRate > 1.30 {
						t.Errorf("%s: run-rate %.1f %% of budget, want 105-130 %%", c.TagValue, 100*runRate)
					}
					if mtd := a.monthCost(c.TagValue, month) / b; tc.asOf.Day() >= 22 && mtd < 0.75 {
						t.Errorf("%s: %.1f %% spent by day %d, want past 75 %%", c.TagValue, 100*mtd, tc.asOf.Day())
					}
				} else if runRate >= 0.95 {
					t.Errorf("%s: run-rate %.1f %% of budget, want below 95 %%", c.TagValue, 100*runRate)
				}
				if a.monthCost(c.TagValue, previous)/b >= 0.75 {
					crossedPrevious++
				}
				for m := range months - 1 {
					day := cal.periods[m].start.Format("2006-01")
					if u := a.monthCost(c.TagValue, day) / b; u < 0.55 || u > 0.90 {
						t.Errorf("%s %s: %.1f %% of budget, want a typical 55-90 %%", c.TagValue, day, 100*u)
					}
				}
				if n := len(a.owners[c.TagValue]); n < 3 || n > 6 {
					t.Errorf("%s: %d owners, want 3-6", c.TagValue, n)
				}
				for _, other := range d.Categories[:i] {
					for o := range a.owners[c.TagValue] {
						if a.owners[other.TagValue][o] {
							t.Errorf("owner %s in both %s and %s", o, c.TagValue, other.TagValue)
						}
					}
				}
			}
			if crossedPrevious == 0 {
				t.Errorf("no category crossed 75 %% of budget in %s", previous)
			}
		})
	}
}

func TestSpike(t *testing.T) {
	d := testDivision()
	a := runAudit(t, Config{Division: d, AsOf: asOf})
	spike := d.Categories[scenarioRoles(d).spike].TagValue
	days := a.dayCost[spike]
	var recent []string
	for day := range days {
		if date, _ := time.Parse(time.DateOnly, day); asOf.Sub(date) <= 42*24*time.Hour {
			recent = append(recent, day)
		}
	}
	sort.Slice(recent, func(i, j int) bool { return days[recent[i]] > days[recent[j]] })
	top, rest := recent[0], recent[1:]
	normal := 0.0
	for _, day := range rest {
		normal += days[day]
	}
	normal /= float64(len(rest))
	t.Logf("%s: spike on %s, %.1fx its normal day", spike, top, days[top]/normal)
	if ratio := days[top] / normal; ratio < 5 || ratio > 8 {
		t.Errorf("%s's biggest day %s is %.1fx its normal day, want 5-8x", spike, top, ratio)
	}
	if second := days[rest[0]] / normal; second > 2 {
		t.Errorf("%s's second biggest day %s is %.1fx its normal day; the spike should be a single day", spike, rest[0], second)
	}
	for _, c := range d.Categories {
		if c.TagValue == spike {
			continue
		}
		for _, day := range sortedDays(a.dayCost[c.TagValue]) {
			if v := a.dayCost[c.TagValue][day]; v > 3*budgetOf(c)/30 {
				t.Errorf("%s spends %.0f USD on %s, a spike where none belongs", c.TagValue, v, day)
			}
		}
	}
}

func sortedDays(m map[string]float64) []string {
	out := make([]string, 0, len(m))
	for d := range m {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

func TestWeekendsAreQuieter(t *testing.T) {
	d := testDivision()
	a := runAudit(t, Config{Division: d, AsOf: asOf})
	var weekday, weekend, nWeekday, nWeekend float64
	for _, c := range append(d.TagValues(), budget.Unattributed) {
		for day, v := range a.dayCost[c] {
			date, _ := time.Parse(time.DateOnly, day)
			if wd := date.Weekday(); wd == time.Saturday || wd == time.Sunday {
				weekend += v
				nWeekend++
			} else {
				weekday += v
				nWeekday++
			}
		}
	}
	perWeekend, perWeekday := weekend/nWeekend, weekday/nWeekday
	t.Logf("average weekend day %.0f USD, weekday %.0f USD", perWeekend, perWeekday)
	if perWeekend > 0.7*perWeekday {
		t.Errorf("average weekend day %.0f USD, weekday %.0f USD; want weekends clearly quieter", perWeekend, perWeekday)
	}
}
