package report

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/forecast"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func dec(s string) budget.Decimal { return budget.MustDecimal(s) }

// fact is a priced fact; tweak the result for other kinds.
func fact(date, category, owner, cost string) budget.Fact {
	f := budget.Fact{
		Date:         day(date),
		Category:     category,
		Attribution:  budget.Attributed,
		Owner:        owner,
		ResourceType: "JOBS",
		SKU:          "PREMIUM_JOBS_COMPUTE",
		Priced:       true,
		DBUs:         dec(cost).Add(dec(cost)), // 2 DBUs per dollar keeps DBUs checkable
		Cost:         dec(cost),
	}
	if category == budget.Unattributed {
		f.Attribution = budget.Untagged
	}
	return f
}

func unknown(date, value, cost string) budget.Fact {
	f := fact(date, budget.Unattributed, "u@x", cost)
	f.Attribution = budget.UnknownValue
	f.TagValue = value
	return f
}

func unpriced(date, category, sku, dbus string) budget.Fact {
	f := fact(date, category, "p@x", "0")
	f.Priced = false
	f.SKU = sku
	f.DBUs = dec(dbus)
	return f
}

func division() budget.Division {
	return budget.Division{
		Title:      "Stellar",
		Name:       "SAD",
		Currency:   "USD",
		Thresholds: []int{75, 90, 100},
		// The sample's data ends 2 days before the as-of date: not behind.
		StaleAfterDays: 2,
		Categories: []budget.Category{
			{Slug: "alpha", Title: "Alpha", TagValue: "ALPHA", MonthlyBudget: dec("1000")},
			{Slug: "beta", Title: "Beta", TagValue: "BETA", MonthlyBudget: dec("300")},
		},
	}
}

// sample is the dataset most tests read; the figures in the comments are
// the ones the tests expect.
func sample() dataset {
	retraction := fact("2026-03-06", "ALPHA", "o1@x", "-10")
	return dataset{
		Source:   "files",
		Inputs:   []string{"usage.csv"},
		ReadAt:   time.Date(2026, 3, 10, 7, 30, 0, 0, time.UTC),
		Rows:     42,
		LastDate: day("2026-03-08"),
		Facts: []budget.Fact{
			fact("2026-02-28", "ALPHA", "o1@x", "1200"), // February: 120 %
			fact("2026-03-01", "ALPHA", "o1@x", "300"),
			fact("2026-03-05", "ALPHA", "o2@x", "460"), // 760: crosses 75 %
			retraction, // 750
			fact("2026-03-08", "ALPHA", "o1@x", "160"), // 910: crosses 90 %
			fact("2026-03-11", "ALPHA", "o1@x", "500"), // after as-of: ignored
			unpriced("2026-03-02", "ALPHA", "X_SKU", "7"),
			unpriced("2026-01-02", "ALPHA", "X_SKU", "1.5"),
			fact("2026-03-03", "BETA", "o3@x", "30"),
			fact("2026-03-04", budget.Unattributed, "o4@x", "40"),
			unknown("2026-03-04", "Foo", "20"),
			unknown("2026-01-15", "Foo", "5"),
			unknown("2025-01-01", "bar", "7"), // before the 13 months
		},
	}
}

// asOf is two days after the sample's last data day: forecasts project
// from the 8 days with data.
var asOf = day("2026-03-10")

// dataset is a test's budget.Dataset with its facts at the full daily
// breakdown, as attribtest.Oracle gives them: Build gets those up to the
// as-of (the sources cut the usage there) rolled up into the grains, every
// day in detail.
type dataset struct {
	Facts     []budget.Fact
	Hourly    []budget.HourCost
	Source    string
	Inputs    []string
	ReadAt    time.Time
	Rows      int64
	FirstDate time.Time
	LastDate  time.Time
	LastUsage time.Time
	FreshAt   time.Time
}

func (d dataset) grains(asOf time.Time) budget.Dataset {
	var upTo []budget.Fact
	for _, f := range d.Facts {
		if !f.Date.After(asOf) {
			upTo = append(upTo, f)
		}
	}
	return budget.Dataset{
		Facts: budget.RollUp(upTo, time.Time{}), Hourly: d.Hourly, Source: d.Source, Inputs: d.Inputs, ReadAt: d.ReadAt,
		Rows: d.Rows, FirstDate: d.FirstDate, LastDate: d.LastDate, LastUsage: d.LastUsage, FreshAt: d.FreshAt,
	}
}

func mustBuild(t *testing.T, div budget.Division, data dataset, asOf time.Time) *Report {
	t.Helper()
	r, err := Build(div, data.grains(asOf), asOf)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return r
}

// modelForecast is the month-end forecast of the forecasting model on the
// daily values from start through through, rounded to cents: what the
// report must show for a bucket with those days.
func modelForecast(start, through string, values map[string]float64) string {
	s := forecast.Series{Start: day(start)}
	for d := day(start); !d.After(day(through)); d = d.AddDate(0, 0, 1) {
		s.Values = append(s.Values, values[d.Format(time.DateOnly)])
	}
	return budget.CentsOf(forecast.MonthEnd(s, day(through), forecast.Limit{}).Value).Cents()
}

func TestBuildFigures(t *testing.T) {
	r := mustBuild(t, division(), sample(), asOf)
	alpha, beta := r.Categories[0], r.Categories[1]
	tests := []struct {
		name, got, want string
	}{
		{"alpha month to date", alpha.MonthToDate.Cents(), "910.00"},
		{"alpha dbus include unpriced", alpha.DBUs.String(), "1827"},
		{"alpha utilisation", alpha.Utilization.String(), "91.0"},
		// The model on alpha's days, from its first (unpriced, so $0) on
		// 2 January to the last data day.
		{"alpha forecast", alpha.Forecast.Value.Cents(), modelForecast("2026-01-02", "2026-03-08", map[string]float64{
			"2026-02-28": 1200, "2026-03-01": 300, "2026-03-05": 460, "2026-03-06": -10, "2026-03-08": 160})},
		{"alpha projected", alpha.ProjectedUtilization.String(), percentOf(alpha.Forecast.Value, dec("1000")).String()},
		{"alpha threshold", fmt.Sprint(alpha.ThresholdReached), "90"},
		{"alpha status", alpha.StatusLabel(), "watch"}, // past 90 %, and the model sees little more coming
		{"beta month to date", beta.MonthToDate.Cents(), "30.00"},
		{"beta utilisation", beta.Utilization.String(), "10.0"},
		{"beta forecast", beta.Forecast.Value.Cents(), modelForecast("2026-03-03", "2026-03-08", map[string]float64{"2026-03-03": 30})},
		{"beta status", beta.StatusLabel(), "on track"},
		{"total month to date", r.Totals.MonthToDate.Cents(), "1000.00"},
		{"total attributed", r.Totals.Attributed.Cents(), "940.00"},
		{"total unattributed", r.Totals.Unattributed.Cents(), "60.00"},
		{"total budget", r.Totals.Budget.Cents(), "1300.00"},
		{"total forecast method", r.Totals.Forecast.Method, forecast.MethodName},
		{"tag compliance", r.Totals.TagCompliance.String(), "94.0"},
		{"at risk", strings.Join(r.Totals.AtRisk, ","), ""},
		{"watch", strings.Join(r.Totals.Watch, ","), "alpha"},
		{"unattributed untagged mtd", r.Unattributed.MonthToDate.Untagged.Cents(), "40.00"},
		{"unattributed unknown mtd", r.Unattributed.MonthToDate.UnknownValue.Cents(), "20.00"},
		{"unattributed untagged 13 months", r.Unattributed.History.Untagged.Cents(), "40.00"},
		{"unattributed unknown 13 months", r.Unattributed.History.UnknownValue.Cents(), "25.00"},
		{"unattributed forecast", r.Unattributed.Forecast.Value.Cents(), modelForecast("2025-01-01", "2026-03-08", map[string]float64{"2025-01-01": 7, "2026-01-15": 5, "2026-03-04": 60})},
		{"unknown values", fmt.Sprint(r.Unattributed.UnknownValues), "[{Foo 20 25} {bar 0 7}]"},
		{"unpriced month", fmt.Sprint(r.Unpriced.Month), "[{X_SKU 7}]"},
		{"unpriced all", fmt.Sprint(r.Unpriced.All), "[{X_SKU 8.5}]"},
		{"alpha unpriced month", fmt.Sprint(alpha.Unpriced.Month), "[{X_SKU 7}]"},
		{"beta unpriced", fmt.Sprint(beta.Unpriced.All), "[]"},
		{"days", fmt.Sprint(r.DaysElapsed, "/", r.DaysInMonth), "10/31"},
		{"days behind", fmt.Sprint(r.Source.DaysBehind, " ", r.Source.Behind, " ", r.DataDays), "2 false 8"},
		{"month", r.Month.Format(time.DateOnly), "2026-03-01"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %s, want %s", tc.got, tc.want)
			}
		})
	}
}

func TestBuildSeries(t *testing.T) {
	r := mustBuild(t, division(), sample(), asOf)
	alpha := r.Categories[0]
	if n := len(alpha.MonthDays); n != 10 {
		t.Fatalf("month days = %d, want 10", n)
	}
	if d := alpha.MonthDays[5]; d.Date != day("2026-03-06") || d.Cost.Cents() != "-10.00" || d.MonthToDate.Cents() != "750.00" {
		t.Errorf("6 March = %+v, want cost -10.00, month to date 750.00", d)
	}
	if n := len(alpha.RecentDays); n != RecentDays {
		t.Fatalf("recent days = %d, want %d", n, RecentDays)
	}
	first := alpha.RecentDays[0]
	if first.Date != day("2026-02-04") {
		t.Errorf("recent days start %s, want 2026-02-04", first.Date.Format(time.DateOnly))
	}
	feb28 := alpha.RecentDays[24]
	if feb28.Date != day("2026-02-28") || feb28.MonthToDate.Cents() != "1200.00" {
		t.Errorf("28 February = %+v, want month to date 1200.00", feb28)
	}
	if got := alpha.RecentDays[25].MonthToDate.Cents(); got != "300.00" {
		t.Errorf("1 March month to date = %s, want 300.00 (reset on the 1st)", got)
	}
	if n := len(alpha.History); n != HistoryMonths {
		t.Fatalf("history months = %d", n)
	}
	if h := alpha.History[0]; h.Month != day("2025-03-01") {
		t.Errorf("history starts %s, want 2025-03-01", h.Month.Format(time.DateOnly))
	}
	feb := alpha.History[11]
	if feb.Cost.Cents() != "1200.00" || feb.Utilization.String() != "120.0" || feb.ThresholdReached != 100 {
		t.Errorf("February = %+v", feb)
	}
	owners := fmt.Sprint(alpha.TopOwners[0].Owner, alpha.TopOwners[0].Cost, alpha.TopOwners[0].Share.String())
	if owners != "o2@x46050.5" {
		t.Errorf("top owner = %s, want o2@x 460 50.5", owners)
	}
}

func TestBuildAlerts(t *testing.T) {
	r := mustBuild(t, division(), sample(), asOf)
	var got []string
	for _, a := range r.Tables.Alerts {
		if a.Kind != budget.AlertThreshold {
			continue // forecast alerts come from the model, tested in package alerting
		}
		got = append(got, fmt.Sprintf("%s %s %d %s %s %s", a.Time.Format(time.DateOnly), a.Category, a.Threshold, a.Value.Cents(), a.Budget.Cents(), a.Status))
	}
	want := []string{
		"2026-02-28 ALPHA 75 1200.00 1000.00 not-sent",
		"2026-02-28 ALPHA 90 1200.00 1000.00 not-sent",
		"2026-02-28 ALPHA 100 1200.00 1000.00 not-sent",
		"2026-03-05 ALPHA 75 760.00 1000.00 not-sent",
		"2026-03-08 ALPHA 90 910.00 1000.00 not-sent",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("alerts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestBuildTables(t *testing.T) {
	r := mustBuild(t, division(), sample(), asOf)
	var status []string
	for _, b := range r.Tables.BudgetStatus {
		if b.Month.Before(day("2026-02-01")) {
			continue
		}
		status = append(status, fmt.Sprintf("%s %s %s %s %s %s %d", b.Month.Format("2006-01"), b.Category, b.Budget.Cents(), b.Actual.Cents(), b.Forecast.Value.Cents(), b.Utilization, b.ThresholdReached))
	}
	want := []string{
		"2026-02 ALPHA 1000.00 1200.00 1200.00 120.0 100",
		"2026-02 BETA 300.00 0.00 0.00 0.0 0",
		"2026-03 ALPHA 1000.00 910.00 " + r.Categories[0].Forecast.Value.Cents() + " 91.0 90",
		"2026-03 BETA 300.00 30.00 " + r.Categories[1].Forecast.Value.Cents() + " 10.0 0",
	}
	if strings.Join(status, "\n") != strings.Join(want, "\n") {
		t.Errorf("budget status:\n%s\nwant:\n%s", strings.Join(status, "\n"), strings.Join(want, "\n"))
	}
	if n := len(r.Tables.BudgetStatus); n != HistoryMonths*2 {
		t.Errorf("budget status rows = %d, want %d", n, HistoryMonths*2)
	}

	var days []string
	for _, d := range r.Tables.CostByDay {
		if d.Date.Equal(day("2026-03-04")) || d.Date.Equal(day("2026-03-02")) {
			days = append(days, fmt.Sprintf("%s %s %s %s", d.Date.Format(time.DateOnly), d.Category, d.DBUs, d.Cost.Cents()))
		}
	}
	wantDays := []string{"2026-03-02 ALPHA 7 0.00", "2026-03-04 UNATTRIBUTED 120 60.00"}
	if strings.Join(days, "\n") != strings.Join(wantDays, "\n") {
		t.Errorf("cost by day:\n%s\nwant:\n%s", strings.Join(days, "\n"), strings.Join(wantDays, "\n"))
	}
	last := r.Tables.CostByDay[len(r.Tables.CostByDay)-1]
	if !last.Date.Equal(day("2026-03-08")) {
		t.Errorf("last cost_by_day date %s, want 2026-03-08 (later facts ignored)", last.Date.Format(time.DateOnly))
	}

	var owners []string
	for _, o := range r.Tables.CostByOwner {
		if o.Month.Equal(day("2026-03-01")) {
			owners = append(owners, fmt.Sprintf("%s %s %s", o.Category, o.Owner, o.Cost.Cents()))
		}
	}
	wantOwners := []string{"ALPHA o2@x 460.00", "ALPHA o1@x 450.00", "ALPHA p@x 0.00", "BETA o3@x 30.00", "UNATTRIBUTED o4@x 40.00", "UNATTRIBUTED u@x 20.00"}
	if strings.Join(owners, "\n") != strings.Join(wantOwners, "\n") {
		t.Errorf("cost by owner:\n%s\nwant:\n%s", strings.Join(owners, "\n"), strings.Join(wantOwners, "\n"))
	}
}

func TestBuildBoundaries(t *testing.T) {
	tests := []struct {
		name      string
		asOf      string
		facts     []budget.Fact
		mtd       string
		forecast  string
		days      string
		threshold int
	}{
		{
			name:     "first of the month counts one day",
			asOf:     "2026-04-01",
			facts:    []budget.Fact{fact("2026-03-31", "ALPHA", "a", "999"), fact("2026-04-01", "ALPHA", "a", "10")},
			mtd:      "10.00",
			forecast: modelForecast("2026-03-31", "2026-04-01", map[string]float64{"2026-03-31": 999, "2026-04-01": 10}),
			days:     "1/30",
		},
		{
			name:     "leap February",
			asOf:     "2028-02-29",
			facts:    []budget.Fact{fact("2028-02-01", "ALPHA", "a", "29")},
			mtd:      "29.00",
			forecast: "29.00",
			days:     "29/29",
		},
		{
			name:     "retraction only is negative",
			asOf:     "2026-03-10",
			facts:    []budget.Fact{fact("2026-03-02", "ALPHA", "a", "-1.23")},
			mtd:      "-1.23",
			forecast: modelForecast("2026-03-02", "2026-03-10", map[string]float64{"2026-03-02": -1.23}),
			days:     "10/31",
		},
		{
			name:      "exactly at a threshold",
			asOf:      "2026-03-31",
			facts:     []budget.Fact{fact("2026-03-02", "ALPHA", "a", "750")},
			mtd:       "750.00",
			forecast:  "750.00",
			days:      "31/31",
			threshold: 75,
		},
		{
			name:      "one cent below a threshold",
			asOf:      "2026-03-31",
			facts:     []budget.Fact{fact("2026-03-02", "ALPHA", "a", "749.99")},
			mtd:       "749.99",
			forecast:  "749.99",
			days:      "31/31",
			threshold: 0,
		},
		{
			name:     "no data",
			asOf:     "2026-03-10",
			mtd:      "0.00",
			forecast: "0.00",
			days:     "10/31",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := mustBuild(t, division(), dataset{Facts: tc.facts}, day(tc.asOf))
			a := r.Categories[0]
			if got := a.MonthToDate.Cents(); got != tc.mtd {
				t.Errorf("month to date = %s, want %s", got, tc.mtd)
			}
			if got := a.Forecast.Value.Cents(); got != tc.forecast {
				t.Errorf("forecast = %s, want %s", got, tc.forecast)
			}
			if got := fmt.Sprint(r.DaysElapsed, "/", r.DaysInMonth); got != tc.days {
				t.Errorf("days = %s, want %s", got, tc.days)
			}
			if a.ThresholdReached != tc.threshold {
				t.Errorf("threshold = %d, want %d", a.ThresholdReached, tc.threshold)
			}
		})
	}
}

func TestBuildTopOwners(t *testing.T) {
	var facts []budget.Fact
	for i := 1; i <= 12; i++ {
		facts = append(facts, fact("2026-03-02", "ALPHA", fmt.Sprintf("owner%02d", i), fmt.Sprint(i)))
	}
	r := mustBuild(t, division(), dataset{Facts: facts}, asOf)
	lines := r.Categories[0].TopOwners
	if len(lines) != TopOwners+1 {
		t.Fatalf("lines = %d, want %d", len(lines), TopOwners+1)
	}
	if lines[0].Owner != "owner12" {
		t.Errorf("first owner %s, want owner12", lines[0].Owner)
	}
	others := lines[TopOwners]
	if others.Others != 2 || others.Owner != "" || others.Cost.Cents() != "3.00" || others.Share.String() != "3.8" {
		t.Errorf("others = %+v, want 2 owners, 3.00, 3.8 %%", others)
	}
}

func TestBuildOverBudgetAndZeroBudget(t *testing.T) {
	div := division()
	div.Categories[1].MonthlyBudget = budget.Decimal{}
	facts := []budget.Fact{fact("2026-03-02", "ALPHA", "a", "1000.01"), fact("2026-03-02", "BETA", "b", "1")}
	r := mustBuild(t, div, dataset{Facts: facts}, asOf)
	if got := r.Categories[0].StatusLabel(); got != "over budget" {
		t.Errorf("alpha status %q, want over budget", got)
	}
	beta := r.Categories[1]
	if beta.Utilization.Defined || beta.Status != StatusOverBudget || beta.ThresholdReached != 100 {
		t.Errorf("zero-budget beta = %+v, want undefined utilisation, over budget, 100", beta)
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name string
		div  budget.Division
		data dataset
		asOf time.Time
		want string
	}{
		{"as-of not midnight", division(), dataset{}, asOf.Add(time.Hour), "not a UTC midnight date"},
		{"unknown category", division(), dataset{Facts: []budget.Fact{fact("2026-03-01", "GAMMA", "a", "1")}}, asOf, `category "GAMMA" is not configured`},
		{"duplicate tag value", func() budget.Division {
			d := division()
			d.Categories[1].TagValue = "ALPHA"
			return d
		}(), dataset{}, asOf, "configured twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Build(tc.div, tc.data.grains(tc.asOf), tc.asOf)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// TestOneReadingOfTheMonth checks that the category's figures, its History
// line and its budget_status.csv row of the as-of month agree, at and
// around a threshold: they are one derivation.
func TestOneReadingOfTheMonth(t *testing.T) {
	for _, tc := range []struct {
		name, spend   string
		wantUse       string
		wantThreshold int
	}{
		{"a cent under 75 % (shown rounded, judged exactly)", "749.99", "75.0", 0},
		{"exactly 75 %", "750", "75.0", 75},
		{"exactly at the budget", "1000", "100.0", 100},
		{"over the budget", "1000.01", "100.0", 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := dataset{LastDate: day("2026-03-08"), Facts: []budget.Fact{fact("2026-03-08", "ALPHA", "o1@x", tc.spend)}}
			r := mustBuild(t, division(), data, asOf)
			c := r.Categories[0]
			line := c.History[len(c.History)-1]
			var row BudgetStatus
			for _, b := range r.Tables.BudgetStatus {
				if b.Category == "ALPHA" && b.Month.Equal(r.Month) {
					row = b
				}
			}
			if got := c.Utilization.String(); got != tc.wantUse || c.ThresholdReached != tc.wantThreshold {
				t.Errorf("category: %s %%, threshold %d; want %s %%, %d", got, c.ThresholdReached, tc.wantUse, tc.wantThreshold)
			}
			if !line.Month.Equal(r.Month) || line.Cost != c.MonthToDate || line.Utilization != c.Utilization || line.ThresholdReached != c.ThresholdReached {
				t.Errorf("History's as-of month %+v, category %s, %+v, %d", line, c.MonthToDate, c.Utilization, c.ThresholdReached)
			}
			if row.Actual != c.MonthToDate || row.Utilization != c.Utilization || row.ThresholdReached != c.ThresholdReached || row.Budget != c.Budget {
				t.Errorf("budget_status row %+v, category %s, %+v, %d", row, c.MonthToDate, c.Utilization, c.ThresholdReached)
			}
		})
	}
}

// TestProbabilityOverBudgetOnTheLastDay builds the month's last day, no day
// left to forecast, with the month to date a cent under, at and a cent over
// the budget: the probability is judged on the exact month to date.
func TestProbabilityOverBudgetOnTheLastDay(t *testing.T) {
	for _, tc := range []struct {
		last       string // the 31st's spend; 30 days of 32.07 come before it
		want       float64
		wantStatus Status
	}{
		{"37.89", 0, StatusWatch}, // 999.99: past 90 %
		{"37.90", 0, StatusWatch}, // 1000.00, whose float sum is 1000.0000000000007: at the budget, not over it
		{"37.91", 1, StatusOverBudget},
	} {
		t.Run(tc.last, func(t *testing.T) {
			data := dataset{LastDate: day("2026-03-31")}
			for d := day("2026-03-01"); d.Before(day("2026-03-31")); d = d.AddDate(0, 0, 1) {
				data.Facts = append(data.Facts, fact(d.Format(time.DateOnly), "ALPHA", "o1@x", "32.07"))
			}
			data.Facts = append(data.Facts, fact("2026-03-31", "ALPHA", "o1@x", tc.last))
			c := mustBuild(t, division(), data, day("2026-03-31")).Categories[0]
			if p := c.Forecast.ProbabilityOverBudget; p != tc.want || c.Status != tc.wantStatus {
				t.Errorf("month to date %s of %s: probability %v, status %s; want %v, %s", c.MonthToDate, c.Budget, p, c.Status, tc.want, tc.wantStatus)
			}
		})
	}
}
