package report

import (
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

func TestComparisons(t *testing.T) {
	data := sample()
	// January 40 and February days 1-8 of 100 (alpha) against March's 910:
	// the data ends on 8 March, so the same period ends on 8 February.
	data.Facts = append(data.Facts,
		fact("2026-01-20", "ALPHA", "o1@x", "40"),
		fact("2026-02-08", "ALPHA", "o1@x", "100"),
		fact("2026-02-09", "ALPHA", "o1@x", "1"), // after the same period
	)
	r := mustBuild(t, division(), data, asOf)
	alpha := r.Comparisons[0]
	tests := []struct {
		name, got, want string
	}{
		{"month to date", alpha.MonthToDate.String(), "910"},
		{"same period last month", alpha.SamePeriodLastMonth.String(), "100"},
		{"change", alpha.Change.String(), "810"},
		{"change pct", alpha.ChangePct.String(), "810.0"},
		{"last month", alpha.LastMonth.String(), "1301"},
		{"month over month", alpha.MonthOverMonth.String(), "3152.5"},
		{"unattributed row", r.Comparisons[2].Name + " " + r.Comparisons[2].MonthToDate.String(), "Unattributed 60"},
		{"division row", r.Comparisons[3].Name + " " + r.Comparisons[3].MonthToDate.String(), "Division 1000"},
		{"division budget", r.Comparisons[3].Budget.String(), "1300"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s = %s, want %s", tc.name, tc.got, tc.want)
		}
	}
	if m, ok := biggestMover(r.Comparisons); !ok || m.Slug != "alpha" {
		t.Errorf("biggest mover = %+v, %v; want alpha", m, ok)
	}
}

func TestSummarySentencesComeFromTheFigures(t *testing.T) {
	r := mustBuild(t, division(), sample(), asOf)
	text := strings.Join(r.Summary, " ")
	for _, want := range []string{
		"In March 2026 to date (10 of 31 days) the division has spent $1,000.00 of its $1,300.00 monthly budget (76.9 %).",
		r.Totals.Forecast.Value.USD(),
		"No category is over budget or projected to end over it.",
		"Worth watching: Alpha (91.0 % used",
		"The biggest mover is Alpha",
		"$60.00 (6.0 %) of this month's spend carries no valid category tag.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
}

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

func TestCategoryAlertsNewestFirst(t *testing.T) {
	r := mustBuild(t, division(), sample(), asOf)
	alerts := r.Categories[0].Alerts
	if len(alerts) < 2 || alerts[0].Time.Before(alerts[len(alerts)-1].Time) {
		t.Fatalf("alpha alerts = %+v, want newest first", alerts)
	}
	for _, a := range alerts {
		if a.Category != "ALPHA" {
			t.Errorf("alpha lists an alert of %s", a.Category)
		}
	}
}

func TestUnattributedByMonth(t *testing.T) {
	r := mustBuild(t, division(), sample(), asOf)
	for month, want := range map[string]string{"2026-03-01": "60", "2026-01-01": "5", "2026-02-01": "0"} {
		if got := r.Unattributed.ByMonth[day(month)].String(); got != want {
			t.Errorf("unattributed %s = %s, want %s", month, got, want)
		}
	}
}
