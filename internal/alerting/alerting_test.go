package alerting

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func dec(s string) budget.Decimal { return budget.MustDecimal(s) }

// flat spends perDay every day from..to.
func flat(from, to string, perDay string) budget.Daily {
	out := budget.Daily{}
	for d := day(from); !d.After(day(to)); d = d.AddDate(0, 0, 1) {
		out[d] = budget.Spend{Cost: dec(perDay)}
	}
	return out
}

func months(from string, n int) []time.Time {
	var out []time.Time
	for i := range n {
		out = append(out, day(from).AddDate(0, i, 0))
	}
	return out
}

func describe(alerts []budget.Alert) string {
	var lines []string
	for _, a := range alerts {
		lines = append(lines, fmt.Sprintf("%s %s %s %d %s/%s", a.Time.Format(time.DateOnly), a.Category, a.Kind, a.Threshold, a.Value.Cents(), a.Budget.Cents()))
	}
	return strings.Join(lines, "\n")
}

func alpha(monthly string) budget.Category {
	return budget.Category{TagValue: "ALPHA", Title: "Alpha", MonthlyBudget: dec(monthly), Owners: []string{"a@x.test"}}
}

// The alert state machine: each crossing once per month, a new month
// starts again, a budget raised or lowered mid-history moves the days, a
// threshold list changed changes the alerts, and a retraction below a
// threshold does not raise it twice.
func TestThresholdAlerts(t *testing.T) {
	history := alpha("3000")
	history.BudgetHistory = []budget.BudgetChange{{From: day("2026-01-01"), USD: dec("1500")}}
	tests := []struct {
		name       string
		category   budget.Category
		daily      budget.Daily
		thresholds []int
		want       []string
	}{
		{"each crossing once, month rollover", alpha("3000"), flat("2026-01-01", "2026-02-28", "100"), []int{75, 100},
			[]string{"2026-01-23 ALPHA threshold 75 2300.00/3000.00", "2026-01-30 ALPHA threshold 100 3000.00/3000.00",
				"2026-02-23 ALPHA threshold 75 2300.00/3000.00"}},
		{"budget in force per month", history, flat("2026-01-01", "2026-02-28", "100"), []int{100},
			[]string{"2026-01-15 ALPHA threshold 100 1500.00/1500.00"}},
		{"thresholds changed", alpha("3000"), flat("2026-01-01", "2026-01-31", "100"), []int{50, 90},
			[]string{"2026-01-15 ALPHA threshold 50 1500.00/3000.00", "2026-01-27 ALPHA threshold 90 2700.00/3000.00"}},
		{"a retraction does not raise it again", alpha("1000"), budget.Daily{
			day("2026-02-01"): {Cost: dec("800")}, day("2026-02-02"): {Cost: dec("-100")}, day("2026-02-03"): {Cost: dec("100")},
		}, []int{75}, []string{"2026-02-01 ALPHA threshold 75 800.00/1000.00"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := Input{Buckets: []Bucket{{Category: tc.category, Daily: tc.daily}}, Thresholds: tc.thresholds,
				Months: months("2026-01-01", 2), Current: day("2026-02-01"), DataDay: day("2026-02-28")}
			var got []budget.Alert
			for _, a := range Evaluate(in) {
				if a.Kind == budget.AlertThreshold {
					got = append(got, a)
				}
			}
			if describe(got) != strings.Join(tc.want, "\n") {
				t.Errorf("alerts:\n%s\nwant:\n%s", describe(got), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// The forecast alert comes on the first day the month-end forecast reaches
// the budget, once a month, and not at all when it never does.
func TestForecastAlerts(t *testing.T) {
	daily := flat("2025-10-01", "2026-02-10", "100") // about 3,000 a month
	evaluate := func(monthly string) []budget.Alert {
		in := Input{Buckets: []Bucket{{Category: alpha(monthly), Daily: daily}}, Thresholds: []int{100},
			Months: months("2026-01-01", 2), Current: day("2026-02-01"), DataDay: day("2026-02-10")}
		var out []budget.Alert
		for _, a := range Evaluate(in) {
			if a.Kind == budget.AlertForecast {
				out = append(out, a)
			}
		}
		return out
	}
	if got := evaluate("5000"); len(got) != 0 {
		t.Errorf("budget far above the run: %s", describe(got))
	}
	got := evaluate("2750") // January ends at 3,100, February at 2,800
	if len(got) != 2 {
		t.Fatalf("budget below the run: want one forecast alert a month, got\n%s", describe(got))
	}
	for _, a := range got {
		if a.Time.Day() > 5 || a.Value.Cmp(dec("2750")) < 0 || a.Threshold != 100 || a.Forecast.Cmp(a.Value) != 0 {
			t.Errorf("forecast alert %s on day %d: want an early day, a value at or above the budget", a.Key(), a.Time.Day())
		}
	}
	if got[0].Key() != "forecast/ALPHA/2026-01" || got[1].Key() != "forecast/ALPHA/2026-02" {
		t.Errorf("keys %s, %s", got[0].Key(), got[1].Key())
	}
}

func TestAnomalyAlertsAndOrder(t *testing.T) {
	beta := budget.Category{TagValue: "BETA", Title: "Beta", MonthlyBudget: dec("100000")}
	in := Input{
		Buckets:    []Bucket{{Category: alpha("100000"), Daily: flat("2026-02-01", "2026-02-10", "10")}, {Category: beta}},
		Thresholds: []int{75},
		Months:     months("2026-02-01", 1), Current: day("2026-02-01"), DataDay: day("2026-02-10"),
		Anomalies: []Anomaly{
			{Category: "BETA", Day: day("2026-02-03"), Actual: dec("900"), Expected: dec("100"), Reason: "cluster c-1 of b@x"},
			{Category: "ALPHA", Day: day("2026-02-03"), Actual: dec("10"), Expected: dec("1")},
			{Category: "ALPHA", Day: day("2026-02-11"), Actual: dec("10"), Expected: dec("1")}, // after the data
			{Category: "GAMMA", Day: day("2026-02-03"), Actual: dec("10"), Expected: dec("1")}, // not configured
			{Category: "ALPHA", Day: day("2026-01-03"), Actual: dec("10"), Expected: dec("1")}, // before the months shown
		},
	}
	got := Evaluate(in)
	if len(got) != 2 || got[0].Category != "ALPHA" || got[1].Category != "BETA" {
		t.Fatalf("anomaly alerts:\n%s", describe(got))
	}
	b := got[1]
	if b.Kind != budget.AlertAnomaly || b.Key() != "anomaly/BETA/2026-02-03" || b.Expected.String() != "100" ||
		b.Reason != "cluster c-1 of b@x" || b.Status != budget.AlertNotSent || b.Budget.String() != "100000" {
		t.Errorf("anomaly alert %+v", b)
	}
}

// A budget raised or lowered mid-month (content/ edited between two
// builds): the crossings move to the day they happen against the budget
// in force now, keeping their keys, so a ledger that saw the alert does not
// send it again, and a crossing the lower budget makes happen in the past
// is dated the day it happened in the data.
func TestBudgetChangedMidMonth(t *testing.T) {
	daily := flat("2026-02-01", "2026-02-20", "100")
	evaluate := func(monthly string) map[string]string {
		in := Input{Buckets: []Bucket{{Category: alpha(monthly), Daily: daily}}, Thresholds: []int{75, 90},
			Months: months("2026-02-01", 1), Current: day("2026-02-01"), DataDay: day("2026-02-20")}
		out := map[string]string{}
		for _, a := range Evaluate(in) {
			if a.Kind == budget.AlertThreshold {
				out[a.Key()] = a.Time.Format(time.DateOnly)
			}
		}
		return out
	}
	before := evaluate("2000") // 75 % on the 15th, 90 % on the 18th
	raised := evaluate("2500") // 75 % on the 19th, 90 % not yet
	lowered := evaluate("1500")
	if before["threshold/ALPHA/2026-02/75"] != "2026-02-15" || before["threshold/ALPHA/2026-02/90"] != "2026-02-18" {
		t.Fatalf("before: %v", before)
	}
	if raised["threshold/ALPHA/2026-02/75"] != "2026-02-19" || raised["threshold/ALPHA/2026-02/90"] != "" {
		t.Errorf("raised: %v, want 75 %% on the 19th with the same key and no 90 %% yet", raised)
	}
	if lowered["threshold/ALPHA/2026-02/75"] != "2026-02-12" || lowered["threshold/ALPHA/2026-02/90"] != "2026-02-14" {
		t.Errorf("lowered: %v, want the crossings on the days they happened against the lower budget", lowered)
	}
}
