package forecast

import "testing"

// A day the data holds only in part counts as the larger of its part and
// the model's expected spend for it.
func TestMonthEndPartial(t *testing.T) {
	history := synthetic("2025-10-01", "2026-11-30", 0.1, weekly(300, 0.3))
	complete := day("2026-11-17") // a Tuesday; the partial day is the 18th
	model := Fit(history, complete)
	whole := model.MonthEnd(Limit{})
	expected, _ := model.path(len(model.x)-1, 1)
	tests := []struct {
		name    string
		partial float64
		shift   float64 // how far the point should move
	}{
		{"nothing yet", 0, 0},
		{"a third of a usual day", expected / 3, 0},
		{"the whole usual day", expected, 0},
		{"twice a usual day", 2 * expected, expected},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := model.MonthEndPartial(Limit{}, tc.partial)
			if !within(got.Value, whole.Value+tc.shift, 1e-9) {
				t.Errorf("value %.2f, want %.2f (the whole-day forecast %.2f moved by %.2f)", got.Value, whole.Value+tc.shift, whole.Value, tc.shift)
			}
			if !within(got.ToDate, whole.ToDate+tc.partial, 1e-9) {
				t.Errorf("to date %.2f, want %.2f", got.ToDate, whole.ToDate+tc.partial)
			}
			if got.Low95 < got.ToDate || got.Low80 < got.Low95 || got.Value < got.Low80 || got.High80 < got.Value || got.High95 < got.High80 {
				t.Errorf("intervals out of order: %+v", got)
			}
			if got.Days != whole.Days {
				t.Errorf("days %d, want %d", got.Days, whole.Days)
			}
		})
	}
}

// An export cut at any hour of a day forecasts the month inside the range
// of the same export cut at the midnight before: the hour profile of the
// spend does not matter, since the part never lowers the day.
func TestMonthEndPartialStaysInTheMidnightRange(t *testing.T) {
	spend := weekly(300, 0.3)
	history := synthetic("2025-10-01", "2026-11-30", 0.1, spend)
	for _, cut := range []string{"2026-11-02", "2026-11-18", "2026-11-29", "2026-11-30"} {
		d := day(cut)
		model := Fit(history, d.AddDate(0, 0, -1))
		midnight := model.MonthEnd(Limit{})
		if d.Day() == 1 {
			midnight = model.MonthEndPartial(Limit{}, 0)
		}
		full := history.Values[daysBetween(history.Start, d)]
		for _, hour := range []int{1, 8, 16, 23} {
			got := model.MonthEndPartial(Limit{}, full*float64(hour)/24)
			if got.Value < midnight.Low80 || got.Value > midnight.High80 {
				t.Errorf("cut %s %02d:00: forecast %.2f outside the midnight cut's 80 %% range %.2f to %.2f", cut, hour, got.Value, midnight.Low80, midnight.High80)
			}
		}
	}
}

// A partial first day of a month forecasts that month, not the one before.
func TestMonthEndPartialOnTheFirst(t *testing.T) {
	history := synthetic("2025-10-01", "2026-11-30", 0.05, flat(100))
	model := Fit(history, day("2026-10-31"))
	got := model.MonthEndPartial(Limit{}, 40)
	if got.ToDate != 40 {
		t.Errorf("to date %.2f, want the partial day's 40", got.ToDate)
	}
	if got.Days != 30 {
		t.Errorf("days %d, want November's 30", got.Days)
	}
	if !within(got.Value, 3000, 0.1) {
		t.Errorf("value %.2f, want about 30 days of 100", got.Value)
	}
}

// The part of the day counts in the spend known: when it takes the month
// over budget, the month ends over budget for certain.
func TestMonthEndPartialBudget(t *testing.T) {
	history := synthetic("2025-10-01", "2026-11-30", 0.05, flat(100))
	model := Fit(history, day("2026-11-09"))
	known := model.MonthEnd(Limit{}).ToDate
	if p := model.MonthEndPartial(against(known+10, known+5), 5).ProbabilityOverBudget; p == 1 {
		t.Errorf("under budget with the part: probability %.4f, want below 1", p)
	}
	if p := model.MonthEndPartial(against(known+10, known+20), 20).ProbabilityOverBudget; p != 1 {
		t.Errorf("over budget with the part: probability %.4f, want 1", p)
	}
}
