package report

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// randomFacts makes facts whose costs have many decimals, so that rounding
// each figure on its own would not tie: two categories and unattributed,
// several owners, SKUs and days over three months.
func randomFacts(seed uint64) []budget.Fact {
	rng := rand.New(rand.NewPCG(seed, 7))
	var facts []budget.Fact
	for d := day("2026-01-01"); !d.After(day("2026-03-10")); d = d.AddDate(0, 0, 1) {
		for range 1 + rng.IntN(12) {
			cat := []string{"ALPHA", "BETA", budget.Unattributed}[rng.IntN(3)]
			micro := rng.Int64N(50_000_000) - 2_000_000 // a retraction now and then
			f := fact(d.Format(time.DateOnly), cat, fmt.Sprintf("o%d@x", rng.IntN(15)), microUSD(micro))
			f.SKU = fmt.Sprintf("SKU_%d", rng.IntN(4))
			f.ResourceType = []string{"JOBS", "SQL", "ALL_PURPOSE"}[rng.IntN(3)]
			f.Serverless = rng.IntN(2) == 0
			if cat == budget.Unattributed && rng.IntN(2) == 0 {
				f.Attribution, f.TagValue = budget.UnknownValue, fmt.Sprintf("V%d", rng.IntN(3))
			}
			facts = append(facts, f)
		}
	}
	return facts
}

// microUSD writes micro-dollars as a decimal with six places.
func microUSD(micro int64) string {
	sign := ""
	if micro < 0 {
		sign, micro = "-", -micro
	}
	return fmt.Sprintf("%s%d.%06d", sign, micro/1_000_000, micro%1_000_000)
}

// TestEveryBreakdownTies: each category-month's days, owners and resources
// sum exactly to its actual; the page's lines to the month to date; the
// division's figures to the sum of its buckets; unattributed's parts to
// its total.
func TestEveryBreakdownTies(t *testing.T) {
	for seed := range uint64(20) {
		r := mustBuild(t, division(), dataset{Facts: randomFacts(seed)}, asOf)
		type key struct {
			month time.Time
			cat   string
		}
		days, owners, resources := map[key]budget.Decimal{}, map[key]budget.Decimal{}, map[key]budget.Decimal{}
		for _, row := range r.Tables.CostByDay {
			k := key{monthOf(row.Date), row.Category}
			days[k] = days[k].Add(row.Cost)
			assertCents(t, "cost_by_day", row.Cost)
		}
		for _, row := range r.Tables.CostByOwner {
			k := key{row.Month, row.Category}
			owners[k] = owners[k].Add(row.Cost)
			assertCents(t, "cost_by_owner", row.Cost)
		}
		for _, row := range r.Tables.CostByResource {
			k := key{row.Month, row.Category}
			resources[k] = resources[k].Add(row.Cost)
			assertCents(t, "cost_by_resource", row.Cost)
		}
		for k, d := range days {
			if owners[k].Cmp(d) != 0 || resources[k].Cmp(d) != 0 {
				t.Errorf("seed %d %s %s: days %s, owners %s, resources %s", seed, k.month.Format("2006-01"), k.cat, d, owners[k], resources[k])
			}
		}
		for _, row := range r.Tables.BudgetStatus {
			if d := days[key{row.Month, row.Category}]; row.Actual.Cmp(d) != 0 {
				t.Errorf("seed %d budget status %s %s: actual %s, days %s", seed, row.Month.Format("2006-01"), row.Category, row.Actual, d)
			}
		}
		var division, attributed budget.Decimal
		for _, c := range r.Categories {
			if d := days[key{r.Month, c.TagValue}]; c.MonthToDate.Cmp(d) != 0 {
				t.Errorf("seed %d %s: month to date %s, days %s", seed, c.Slug, c.MonthToDate, d)
			}
			var ownerSum, resourceSum, daySum budget.Decimal
			for _, o := range c.TopOwners {
				ownerSum = ownerSum.Add(o.Cost)
			}
			for _, l := range c.ByResource {
				resourceSum = resourceSum.Add(l.Cost)
			}
			for _, l := range c.MonthDays {
				daySum = daySum.Add(l.Cost)
			}
			if ownerSum.Cmp(c.MonthToDate) != 0 || resourceSum.Cmp(c.MonthToDate) != 0 || daySum.Cmp(c.MonthToDate) != 0 {
				t.Errorf("seed %d %s page: owners %s, resources %s, days %s, month to date %s", seed, c.Slug, ownerSum, resourceSum, daySum, c.MonthToDate)
			}
			for _, m := range c.History {
				if d := days[key{m.Month, c.TagValue}]; m.Cost.Cmp(d) != 0 {
					t.Errorf("seed %d %s history %s: %s, days %s", seed, c.Slug, m.Month.Format("2006-01"), m.Cost, d)
				}
			}
			attributed = attributed.Add(c.MonthToDate)
		}
		u := r.Unattributed.MonthToDate
		if d := days[key{r.Month, budget.Unattributed}]; u.Total.Cmp(d) != 0 || u.Untagged.Add(u.UnknownValue).Cmp(u.Total) != 0 {
			t.Errorf("seed %d unattributed: %s + %s vs total %s vs days %s", seed, u.Untagged, u.UnknownValue, u.Total, d)
		}
		var values budget.Decimal
		for _, v := range r.Unattributed.UnknownValues {
			values = values.Add(v.MonthToDate)
		}
		if values.Cmp(u.UnknownValue) != 0 {
			t.Errorf("seed %d unknown values sum to %s, want %s", seed, values, u.UnknownValue)
		}
		division = attributed.Add(u.Total)
		if r.Totals.MonthToDate.Cmp(division) != 0 || r.Totals.Attributed.Cmp(attributed) != 0 {
			t.Errorf("seed %d division %s (attributed %s), want %s (%s)", seed, r.Totals.MonthToDate, r.Totals.Attributed, division, attributed)
		}
		last := r.Comparisons[len(r.Comparisons)-1]
		if last.MonthToDate.Cmp(division) != 0 {
			t.Errorf("seed %d comparison division %s, want %s", seed, last.MonthToDate, division)
		}
	}
}

func assertCents(t *testing.T, what string, d budget.Decimal) {
	t.Helper()
	if d.Round(2).Cmp(d) != 0 {
		t.Fatalf("%s: %s is not whole cents", what, d)
	}
}

// TestBudgetHistory: each month is judged against the budget in force then,
// in the history, the budget status rows and the alerts.
func TestBudgetHistory(t *testing.T) {
	div := division()
	div.Categories[0].BudgetHistory = []budget.BudgetChange{{From: day("2025-06-01"), USD: dec("2000")}}
	r := mustBuild(t, div, sample(), asOf)
	alpha := r.Categories[0]
	if !alpha.BudgetHistory || alpha.Budget.String() != "1000" {
		t.Fatalf("alpha: history %v, budget %s", alpha.BudgetHistory, alpha.Budget)
	}
	for _, m := range alpha.History {
		want := "2000"
		if m.Month.Equal(r.Month) {
			want = "1000"
		}
		if m.Budget.String() != want {
			t.Errorf("history %s: budget %s, want %s", m.Month.Format("2006-01"), m.Budget, want)
		}
	}
	feb := alpha.History[len(alpha.History)-2]
	if feb.Utilization.String() != "60.0" || feb.ThresholdReached != 0 {
		t.Errorf("February against 2000: %s %%, threshold %d; want 60.0 %%, none", feb.Utilization, feb.ThresholdReached)
	}
	for _, row := range r.Tables.BudgetStatus {
		if row.Category != "ALPHA" {
			continue
		}
		want := "2000"
		if row.Month.Equal(r.Month) {
			want = "1000"
		}
		if row.Budget.String() != want {
			t.Errorf("budget status %s: %s, want %s", row.Month.Format("2006-01"), row.Budget, want)
		}
	}
	for _, a := range r.Tables.Alerts {
		if a.Category == "ALPHA" && a.Kind == budget.AlertThreshold && a.Time.Before(r.Month) {
			t.Errorf("alert %+v: February's 1200 is 60 %% of the 2000 then in force", a)
		}
	}
	q := r.QuarterToDate.Lines[0]
	if q.Budget.String() != "5000" || q.Spend.String() != "2110" {
		t.Errorf("alpha quarter to date: %s of %s, want 2110 of 5000 (2000+2000+1000)", q.Spend, q.Budget)
	}
}

func TestPeriodToDate(t *testing.T) {
	r := mustBuild(t, division(), sample(), asOf)
	for _, tc := range []struct {
		p    PeriodToDate
		from string
	}{{r.QuarterToDate, "2026-01-01"}, {r.YearToDate, "2026-01-01"}} {
		if tc.p.From.Format(time.DateOnly) != tc.from {
			t.Errorf("%s from %s, want %s", tc.p.Name, tc.p.From.Format(time.DateOnly), tc.from)
		}
		var got []string
		for _, l := range tc.p.Lines {
			got = append(got, fmt.Sprintf("%s %s/%s %s", l.Name, l.Spend.Cents(), l.Budget.Cents(), l.Utilization))
		}
		want := "Alpha 2110.00/3000.00 70.3; Beta 30.00/900.00 3.3; Unattributed 65.00/0.00 ; Division 2205.00/3900.00 56.5"
		if strings.Join(got, "; ") != want {
			t.Errorf("%s:\n%s\nwant\n%s", tc.p.Name, strings.Join(got, "; "), want)
		}
	}
	if q := quarterOf(day("2026-11-01")); q.Format(time.DateOnly) != "2026-10-01" {
		t.Errorf("quarter of November: %s", q.Format(time.DateOnly))
	}
}

// TestDataBehind: data that ends more than StaleAfterDays before the as-of
// date makes the summary say so, with month to date as of the last data
// day and the forecast projected from the days with data.
func TestDataBehind(t *testing.T) {
	data := sample()
	data.LastUsage = time.Date(2026, 3, 6, 14, 0, 0, 0, time.UTC)
	r := mustBuild(t, division(), data, asOf)
	src := r.Source
	if !src.Behind || src.DaysBehind != 4 || src.DataThrough.Format(time.DateOnly) != "2026-03-06" || r.DataDays != 6 {
		t.Fatalf("source %+v, data days %d", src, r.DataDays)
	}
	want := "The data is 4 days behind: the last usage ends at 2026-03-06 14:00 UTC, so month to date runs to 6 March 2026 (6 of 31 days) and the projection rests on data 4 days old."
	if r.Summary[0] != want {
		t.Errorf("summary[0] = %q, want %q", r.Summary[0], want)
	}
	// An hour that ends at midnight belongs to the day before.
	data.LastUsage = day("2026-03-09")
	if r := mustBuild(t, division(), data, asOf); r.Source.DataThrough.Format(time.DateOnly) != "2026-03-08" || r.Source.Behind {
		t.Errorf("usage ending 2026-03-09 00:00: data through %s, behind %v", r.Source.DataThrough.Format(time.DateOnly), r.Source.Behind)
	}
}

func TestSummaryNamesUnpricedUsage(t *testing.T) {
	r := mustBuild(t, division(), sample(), asOf)
	want := "7.0 DBUs this month have no list price and are not in any total: SKU X_SKU (7.0 DBUs)."
	if got := strings.Join(r.Summary, "\n"); !strings.Contains(got, want) {
		t.Errorf("summary lacks %q:\n%s", want, got)
	}
}

func TestStatusFromTheOutlook(t *testing.T) {
	rules := budget.DefaultStatusRules
	tests := []struct {
		name      string
		mtd       string
		p         float64
		threshold int
		rules     budget.StatusRules
		want      Status
	}{
		{"over budget whatever the outlook", "1000.01", 0, 0, rules, StatusOverBudget},
		{"at the budget is not over", "1000", 0.1, 100, rules, StatusWatch},
		{"projected over at 50 %", "100", 0.5, 0, rules, StatusProjectedOver},
		{"watch at 20 %", "100", 0.2, 0, rules, StatusWatch},
		{"watch past the first threshold", "760", 0.05, 75, rules, StatusWatch},
		{"on track", "100", 0.19, 0, rules, StatusOnTrack},
		{"rules from content", "100", 0.55, 0, budget.StatusRules{ProjectedOver: 0.6, Watch: 0.3}, StatusWatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Category{MonthToDate: dec(tc.mtd), Budget: dec("1000"), ThresholdReached: tc.threshold,
				Forecast: Forecast{ProbabilityOverBudget: tc.p}}
			if got := status(c, tc.rules); got != tc.want {
				t.Errorf("status = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestForecastShapes: every forecast's intervals nest around its value,
// owners get a month-end and a 30-day burn, and the backtest is published.
func TestForecastShapes(t *testing.T) {
	r := mustBuild(t, division(), dataset{Facts: randomFacts(3)}, asOf)
	check := func(name string, f Forecast) {
		t.Helper()
		if f.Low95.Cmp(f.Low) > 0 || f.Low.Cmp(f.Value) > 0 || f.Value.Cmp(f.High) > 0 || f.High.Cmp(f.High95) > 0 {
			t.Errorf("%s: intervals do not nest: %s %s [%s] %s %s", name, f.Low95, f.Low, f.Value, f.High, f.High95)
		}
		if f.ProbabilityOverBudget < 0 || f.ProbabilityOverBudget > 1 {
			t.Errorf("%s: probability %g", name, f.ProbabilityOverBudget)
		}
	}
	for _, c := range r.Categories {
		check(c.Slug, c.Forecast)
		if c.Forecast.Value.Cmp(c.MonthToDate) < 0 && c.MonthToDate.Sign() > 0 {
			t.Errorf("%s: forecast %s below month to date %s", c.Slug, c.Forecast.Value, c.MonthToDate)
		}
	}
	check("division", r.Totals.Forecast)
	if len(r.Owners) != 15 {
		t.Errorf("%d owner outlooks, want the 15 owners", len(r.Owners))
	}
	for _, o := range r.Owners {
		check(o.Owner, o.Forecast)
		check(o.Owner+" burn", o.Burn)
		if o.Burn.Value.Sign() <= 0 {
			t.Errorf("%s: 30-day burn %s", o.Owner, o.Burn.Value)
		}
	}
	if r.ForecastQuality.Series != 3 || len(r.ForecastQuality.Rows) == 0 {
		t.Errorf("forecast quality: %d series, %d rows; want alpha, beta and the division", r.ForecastQuality.Series, len(r.ForecastQuality.Rows))
	}
}
