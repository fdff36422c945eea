package demo

import (
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strings"
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
// budgets, read as of dates early, mid and late in months of every length
// and years apart: every whole month one category runs over budget and
// every other stays in its typical 55-85 %; the as-of month's over-budget
// category is above its budget's pace from day 1.
func TestBudgetScenario(t *testing.T) {
	shipped := shippedDivision(t)
	withoutExploratory := shipped
	withoutExploratory.Categories = slices.DeleteFunc(slices.Clone(shipped.Categories), func(c budget.Category) bool {
		return c.TagValue == overBudgetTag
	})
	type tc struct {
		name string
		div  budget.Division
		over string // the category over budget
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
		date(2031, 6, 10),
	} {
		cases = append(cases, tc{d.Format(time.DateOnly), shipped, overBudgetTag, d})
	}
	cases = append(cases, tc{"no EXPLORATORY_MISSIONS", withoutExploratory, "ORBITAL_MECHANICS", asOf})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.div
			a := runAudit(t, Config{Division: d, Through: tc.asOf.AddDate(0, 0, 1)})
			cal := a.cal
			asOfMonth := monthOf(tc.asOf)
			for i, c := range d.Categories {
				for _, p := range cal.periods {
					month := p.start.Format("2006-01")
					b := c.BudgetFor(p.start, asOfMonth).Float64()
					spent := a.monthCost(c.TagValue, month)
					if p.start.Equal(asOfMonth) {
						pace := b * float64(tc.asOf.Day()) / p.days
						t.Logf("%s %s: month to date %.0f USD, pace %.0f", c.TagValue, month, spent, pace)
						if c.TagValue == tc.over && spent <= pace {
							t.Errorf("%s: month to date %.2f USD, want above the budget's pace %.2f", c.TagValue, spent, pace)
						}
						continue
					}
					u := spent / b
					switch {
					case c.TagValue == tc.over && (u <= 1 || u > 1.30):
						t.Errorf("%s %s: %.1f %% of budget, want over budget (100-130 %%) every month", c.TagValue, month, 100*u)
					case c.TagValue != tc.over && (u < 0.55 || u > 0.85):
						t.Errorf("%s %s: %.1f %% of budget, want a typical 55-85 %%", c.TagValue, month, 100*u)
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

// TestTypicalMonths logs and bounds the shipped division's utilisation
// over the months of one read: 57-80 % for the categories not over budget,
// as the package documentation says.
func TestTypicalMonths(t *testing.T) {
	d := shippedDivision(t)
	a := runAudit(t, Config{Division: d, Through: date(2026, 12, 1)})
	for _, c := range d.Categories {
		if c.TagValue == overBudgetTag {
			continue
		}
		lo, hi := 10.0, 0.0
		for _, p := range a.cal.periods {
			u := a.monthCost(c.TagValue, p.start.Format("2006-01")) / c.BudgetFor(p.start, date(2026, 11, 1)).Float64()
			lo, hi = min(lo, u), max(hi, u)
		}
		t.Logf("%s: %.1f-%.1f %% of budget", c.TagValue, 100*lo, 100*hi)
		if lo < 0.565 || hi > 0.805 {
			t.Errorf("%s: months at %.1f-%.1f %% of budget, want within 57-80 %%", c.TagValue, 100*lo, 100*hi)
		}
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
			want := digest(t, Config{Division: shipped, Through: day.AddDate(0, 0, 1)})
			for _, factor := range []string{"2", "0.5"} {
				if got := digest(t, Config{Division: scaled(shipped, factor), Through: day.AddDate(0, 0, 1)}); got != want {
					t.Errorf("budgets ×%s: records differ (digest %s, want %s)", factor, got, want)
				}
			}
		})
	}
}

// TestUnknownCategory adds a category the scenario does not know, whose
// tag is no near miss of the scenario's: it gets a modest spend of its own
// under its own tag, and the known categories keep their parts.
func TestUnknownCategory(t *testing.T) {
	d := shippedDivision(t)
	d.Categories = append(slices.Clone(d.Categories), budget.Category{
		Slug: "lunar-logistics", TagValue: "LUNAR_LOGISTICS", MonthlyBudget: budget.MustDecimal("1"),
	})
	ms := members(d)
	if r := scenarioRoles(ms); ms[r.overBudget].tag != overBudgetTag {
		t.Errorf("over budget: %s, want %s", ms[r.overBudget].tag, overBudgetTag)
	}
	a := runAudit(t, Config{Division: d, Through: through})
	usual := genericProfile("LUNAR_LOGISTICS").usual
	if usual < genericSpend || usual > 5000 {
		t.Errorf("usual month %.0f USD, want 2,000-5,000", usual)
	}
	for m := range months {
		p := a.cal.periods[m]
		month := p.start.Format("2006-01")
		got := a.monthCost("LUNAR_LOGISTICS", month)
		t.Logf("%s: %.0f USD", month, got)
		if want := usual * growth(p.start); got < 0.96*want || got > 1.04*want {
			t.Errorf("%s: %.2f USD, want about its usual %.0f USD grown by the trend to %.0f", month, got, usual, want)
		}
	}
	if got := a.monthCost("LUNAR_LOGISTICS", asOf.Format("2006-01")); got <= 0 {
		t.Errorf("as-of month: %.2f USD, want a spend", got)
	}
}

// TestContentTypo mistypes a category's tag_value in content/: the account
// does not follow the typo. It is the same account, spending under the
// scenario's tag, so the mistyped category gets nothing and the scenario's
// value is an unknown one carrying the spend, as real data would show.
func TestContentTypo(t *testing.T) {
	d := shippedDivision(t)
	typo := d
	typo.Categories = slices.Clone(d.Categories)
	for i, c := range typo.Categories {
		if c.TagValue == overBudgetTag {
			typo.Categories[i].TagValue = "EXPLORATORY_MISIONS"
		}
	}
	if got, want := digest(t, Config{Division: typo, Through: through}), digest(t, Config{Division: d, Through: through}); got != want {
		t.Error("a mistyped tag_value in content/ changes the demo account")
	}
	a := runAudit(t, Config{Division: typo, Through: through})
	if got := a.monthCost("EXPLORATORY_MISIONS", "2026-10"); got != 0 {
		t.Errorf("the mistyped category spends %.2f USD in 2026-10, want nothing", got)
	}
	if got := a.unknownCost[overBudgetTag]; got < 5000 {
		t.Errorf("the unknown value %s carries %.2f USD, want the category's spend", overBudgetTag, got)
	}
}

// TestLeftOut drops categories from content/: the scenario's categories
// content/ does not name are not in the account.
func TestLeftOut(t *testing.T) {
	d := shippedDivision(t)
	d.Categories = slices.DeleteFunc(slices.Clone(d.Categories), func(c budget.Category) bool {
		return c.TagValue == "NAVIGATION_SYSTEMS" || c.TagValue == "ORBITAL_MECHANICS"
	})
	a := runAudit(t, Config{Division: d, Through: through})
	for tag := range a.unknownCost {
		if tag == "NAVIGATION_SYSTEMS" || tag == "ORBITAL_MECHANICS" {
			t.Errorf("%s spends though content/ does not name it", tag)
		}
	}
	if a.unknownCost["SANDBOX"] == 0 {
		t.Error("no spend on the unknown value SANDBOX")
	}
}

func TestMembers(t *testing.T) {
	division := func(tags ...string) budget.Division {
		var d budget.Division
		for _, tag := range tags {
			d.Categories = append(d.Categories, budget.Category{TagValue: tag})
		}
		return d
	}
	for _, tc := range []struct {
		name string
		div  budget.Division
		want string // the account's tags, known ones starred
	}{
		{"exact", division("ORBITAL_MECHANICS", "DEEP_SPACE_TELEMETRY"), "ORBITAL_MECHANICS* DEEP_SPACE_TELEMETRY*"},
		{"near miss", division("EXPLORATORY_MISIONS", "EXOPLANETRESEARCH"), "EXPLORATORY_MISSIONS* EXOPLANET_RESEARCH*"},
		{"far", division("LUNAR_LOGISTICS", "TBD"), "LUNAR_LOGISTICS TBD"},
		{"named twice", division("NAVIGATION_SYSTEMS", "NAVIGATION_SYSTEM", "X"), "NAVIGATION_SYSTEMS* X"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, m := range members(tc.div) {
				s := m.tag
				if m.known {
					s += "*"
				}
				got = append(got, s)
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Errorf("members %s, want %s", g, tc.want)
			}
		})
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
		{"parts by position", division("A", "B", "C"), "C", "A", "A"},
		{"first over budget", division("EXPLORATORY_MISSIONS", "B", "C"), "EXPLORATORY_MISSIONS", "B", "B"},
		{"spike's tag last", division("A", "B", "EXOPLANET_RESEARCH"), "B", "EXOPLANET_RESEARCH", "A"},
		{"unpriced's tag last", division("A", "PROPULSION_ANALYTICS"), "A", "PROPULSION_ANALYTICS", "PROPULSION_ANALYTICS"},
		{"near miss", division("EXPLORATORY_MISIONS", "B"), "EXPLORATORY_MISSIONS", "B", "B"},
		{"one category", division("A"), "A", "A", "A"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms := members(tc.div)
			r := scenarioRoles(ms)
			got := fmt.Sprint(ms[r.overBudget].tag, " ", ms[r.spike].tag, " ", ms[r.unpriced].tag)
			if want := fmt.Sprint(tc.overBudget, " ", tc.spike, " ", tc.unpriced); got != want {
				t.Errorf("over budget, spike, unpriced = %s, want %s", got, want)
			}
		})
	}
}

// TestSpike finds the forgotten cluster on the 10th of every month: that
// day is the spike category's biggest of its month, 5-8 times its normal
// day, and no other category spikes.
func TestSpike(t *testing.T) {
	d := testDivision()
	a := runAudit(t, Config{Division: d, Through: through})
	ms := members(d)
	spike := ms[scenarioRoles(ms).spike].tag
	for _, p := range a.cal.periods {
		month := p.start.Format("2006-01")
		days := a.dayCost[spike]
		var in []string
		for day := range days {
			if strings.HasPrefix(day, month) {
				in = append(in, day)
			}
		}
		if p.start.AddDate(0, 0, spikeDayOfMonth).After(through) {
			continue // the 10th has not happened, or has no days to compare it with
		}
		sort.Slice(in, func(i, j int) bool { return days[in[i]] > days[in[j]] })
		top, rest := in[0], in[1:]
		normal := 0.0
		for _, day := range rest {
			normal += days[day]
		}
		normal /= float64(len(rest))
		t.Logf("%s: spike on %s, %.1fx its normal day", spike, top, days[top]/normal)
		if want := p.start.AddDate(0, 0, spikeDayOfMonth-1).Format(time.DateOnly); top != want {
			t.Errorf("%s's biggest day of %s is %s, want the 10th", spike, month, top)
		}
		if ratio := days[top] / normal; ratio < 5 || ratio > 8 {
			t.Errorf("%s's biggest day %s is %.1fx its normal day, want 5-8x", spike, top, ratio)
		}
		if second := days[rest[0]] / normal; second > 2 {
			t.Errorf("%s's second biggest day %s is %.1fx its normal day; the spike should be a single day", spike, rest[0], second)
		}
	}
	for _, c := range d.Categories {
		if c.TagValue == spike {
			continue
		}
		usual := 0.0
		for _, m := range ms {
			if m.tag == c.TagValue {
				usual = m.profile.usual
			}
		}
		for _, day := range sortedDays(a.dayCost[c.TagValue]) {
			if v := a.dayCost[c.TagValue][day]; v > 3*overBudgetRunRate*usual/30 {
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
	a := runAudit(t, Config{Division: d, Through: through})
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
