package demo

import (
	"fmt"
	"math/big"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/content"
)

// shippedDivision is the division of the repository's content/, with the
// budgets the demo site is shown against.
func shippedDivision(t *testing.T) budget.Division {
	t.Helper()
	d, err := content.Load("../../content")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// TestBudgetScenario checks the story the demo tells against the shipped
// budgets, for as-of dates early, mid and late in months of every length:
// one category heads over budget, every other stays clear of it.
func TestBudgetScenario(t *testing.T) {
	shipped := shippedDivision(t)
	withoutExploratory := shipped
	withoutExploratory.Categories = slices.DeleteFunc(slices.Clone(shipped.Categories), func(c budget.Category) bool {
		return c.TagValue == overBudgetTag
	})
	type tc struct {
		name string
		div  budget.Division
		over string // the category heading over budget
		asOf time.Time
	}
	var cases []tc
	for _, d := range []time.Time{
		asOf,
		date(2026, 12, 1),
		date(2027, 1, 12),
		date(2027, 2, 28),
		date(2028, 2, 29),
		date(2027, 3, 1),
		date(2027, 4, 30),
		date(2027, 5, 23),
		date(2027, 8, 31),
	} {
		cases = append(cases, tc{d.Format(time.DateOnly), shipped, overBudgetTag, d})
	}
	cases = append(cases, tc{"no EXPLORATORY_MISSIONS", withoutExploratory, "PROPULSION_ANALYTICS", asOf})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.div
			a := runAudit(t, Config{Division: d, AsOf: tc.asOf})
			cal := a.cal
			month := tc.asOf.Format("2006-01")
			previous := cal.asOfMonth.AddDate(0, -1, 0).Format("2006-01")
			day, daysInMonth := float64(tc.asOf.Day()), cal.periods[months].monthDays
			spike := d.Categories[scenarioRoles(d).spike].TagValue
			for i, c := range d.Categories {
				b := budgetOf(c)
				monthToDate := a.monthCost(c.TagValue, month)
				pace := b * day / daysInMonth
				projected := monthToDate / day * daysInMonth / b
				prev := a.monthCost(c.TagValue, previous) / b
				t.Logf("%s: month to date %.0f USD (pace %.0f), projected %.1f %%, previous month %.1f %%",
					c.TagValue, monthToDate, pace, 100*projected, 100*prev)
				switch c.TagValue {
				case tc.over:
					if monthToDate <= pace {
						t.Errorf("%s: month to date %.2f USD, want above the budget's pace %.2f", c.TagValue, monthToDate, pace)
					}
					if projected <= 1 || projected > 1.30 {
						t.Errorf("%s: projected %.1f %% of budget, want 100-130 %%", c.TagValue, 100*projected)
					}
					if tc.asOf.Day() >= 23 && monthToDate/b < 0.75 {
						t.Errorf("%s: %.1f %% spent by day %d, want past 75 %%", c.TagValue, 100*monthToDate/b, tc.asOf.Day())
					}
					if prev < 0.80 || prev > 0.90 {
						t.Errorf("%s: previous month %.1f %% of budget, want 80-90 %%", c.TagValue, 100*prev)
					}
				default:
					if projected >= 0.85 {
						t.Errorf("%s: projected %.1f %% of budget, want below 85 %%", c.TagValue, 100*projected)
					}
				}
				if c.TagValue == spike && (prev < 0.75 || prev > 0.85) {
					t.Errorf("%s: spike month %.1f %% of budget, want 75-85 %%", c.TagValue, 100*prev)
				}
				for m := range months - 1 {
					day := cal.periods[m].start.Format("2006-01")
					if u := a.monthCost(c.TagValue, day) / b; u < 0.55 || u > 0.85 {
						t.Errorf("%s %s: %.1f %% of budget, want a typical 55-85 %%", c.TagValue, day, 100*u)
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
		})
	}
}

// TestBudgetsDoNotMoveSpend changes every budget and expects the very same
// records: budgets decide utilisation, never spend.
func TestBudgetsDoNotMoveSpend(t *testing.T) {
	scaled := func(d budget.Division, factor string) budget.Division {
		d.Categories = slices.Clone(d.Categories)
		for i := range d.Categories {
			f, _ := new(big.Rat).SetString(factor)
			usd := f.Mul(f, d.Categories[i].MonthlyBudget.Rat())
			d.Categories[i].MonthlyBudget = budget.MustDecimal(usd.FloatString(2))
		}
		return d
	}
	shipped := shippedDivision(t)
	for _, day := range []time.Time{asOf, date(2027, 2, 28), date(2027, 3, 1)} {
		t.Run(day.Format(time.DateOnly), func(t *testing.T) {
			want := digest(t, Config{Division: shipped, AsOf: day})
			for _, factor := range []string{"2", "0.5"} {
				if got := digest(t, Config{Division: scaled(shipped, factor), AsOf: day}); got != want {
					t.Errorf("budgets ×%s: records differ (digest %s, want %s)", factor, got, want)
				}
			}
		})
	}
}

// TestUnknownCategory adds a category the scenario does not know: it gets a
// modest spend of its own, and the known categories keep their parts.
func TestUnknownCategory(t *testing.T) {
	d := shippedDivision(t)
	d.Categories = append(slices.Clone(d.Categories), budget.Category{
		Slug: "lunar-logistics", TagValue: "LUNAR_LOGISTICS", MonthlyBudget: budget.MustDecimal("1"),
	})
	if r := scenarioRoles(d); d.Categories[r.overBudget].TagValue != overBudgetTag {
		t.Errorf("over budget: %s, want %s", d.Categories[r.overBudget].TagValue, overBudgetTag)
	}
	a := runAudit(t, Config{Division: d, AsOf: asOf})
	usual := usualMonth("LUNAR_LOGISTICS")
	if usual < genericSpend || usual > 5000 {
		t.Errorf("usual month %.0f USD, want 2,000-5,000", usual)
	}
	for m := range months {
		month := a.cal.periods[m].start.Format("2006-01")
		got := a.monthCost("LUNAR_LOGISTICS", month)
		t.Logf("%s: %.0f USD", month, got)
		if got < 0.75*usual || got > 1.05*usual {
			t.Errorf("%s: %.2f USD, want about its usual %.0f USD grown by the trend", month, got, usual)
		}
	}
	if got := a.monthCost("LUNAR_LOGISTICS", asOf.Format("2006-01")); got <= 0 {
		t.Errorf("as-of month: %.2f USD, want a spend", got)
	}
}

func TestScenarioRoles(t *testing.T) {
	division := func(tags ...string) budget.Division {
		var d budget.Division
		for _, tag := range tags {
			d.Categories = append(d.Categories, budget.Category{TagValue: tag})
		}
		return d
	}
	for _, tc := range []struct {
		name                        string
		div                         budget.Division
		overBudget, spike, unpriced string
	}{
		{"shipped content", shippedDivision(t), "EXPLORATORY_MISSIONS", "EXOPLANET_RESEARCH", "PROPULSION_ANALYTICS"},
		{"design order", testDivision(), "EXPLORATORY_MISSIONS", "EXOPLANET_RESEARCH", "PROPULSION_ANALYTICS"},
		{"parts by position", division("A", "B", "C"), "C", "B", "A"},
		{"second over budget", division("A", "EXPLORATORY_MISSIONS", "C"), "EXPLORATORY_MISSIONS", "A", "C"},
		{"spike cast as the fallback over budget", division("A", "B", "EXOPLANET_RESEARCH"), "EXOPLANET_RESEARCH", "B", "A"},
		{"unpriced cast as the fallback over budget", division("A", "B", "PROPULSION_ANALYTICS"), "PROPULSION_ANALYTICS", "B", "A"},
		{"one category", division("A"), "A", "A", "A"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := scenarioRoles(tc.div)
			c := tc.div.Categories
			got := fmt.Sprint(c[r.overBudget].TagValue, " ", c[r.spike].TagValue, " ", c[r.unpriced].TagValue)
			if want := fmt.Sprint(tc.overBudget, " ", tc.spike, " ", tc.unpriced); got != want {
				t.Errorf("over budget, spike, unpriced = %s, want %s", got, want)
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
			if v := a.dayCost[c.TagValue][day]; v > 3*usualMonth(c.TagValue)/30 {
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
