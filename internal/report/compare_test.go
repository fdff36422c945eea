package report

import "testing"

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
