package alerting

import (
	"encoding/json"
	"testing"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// TestMemo: alerts evaluated with the forecasts of an earlier build (kept
// as JSON) are the alerts evaluated afresh; a build of the same history
// finds every forecast, and a correction to a day forecasts again only
// days from it on.
func TestMemo(t *testing.T) {
	daily := flat("2025-10-01", "2026-02-10", "100")
	input := func(d budget.Daily, memo *Memo) Input {
		return Input{Buckets: []Bucket{{Category: alpha("2990"), Daily: d}}, Thresholds: []int{75, 100},
			Months: months("2025-12-01", 3), Current: day("2026-02-01"), DataDay: day("2026-02-10"), Memo: memo}
	}
	fresh := describe(Evaluate(input(daily, nil)))
	if fresh == "" {
		t.Fatal("no alerts: the test compares nothing")
	}
	first := &Memo{}
	if got := describe(Evaluate(input(daily, first))); got != fresh {
		t.Fatalf("with an empty memo:\n%s\nwant\n%s", got, fresh)
	}
	kept, err := json.Marshal(first.Used())
	if err != nil {
		t.Fatal(err)
	}
	second := &Memo{}
	if err := json.Unmarshal(kept, second); err != nil {
		t.Fatal(err)
	}
	if got := describe(Evaluate(input(daily, second))); got != fresh {
		t.Errorf("from the memo:\n%s\nwant\n%s", got, fresh)
	}
	used := len(second.Used().Forecasts)
	if used == 0 || second.Hits() != used {
		t.Errorf("same history: %d of %d forecasts found, want all", second.Hits(), used)
	}

	corrected := budget.Daily{}
	for d, s := range daily {
		corrected[d] = s
	}
	corrected[day("2026-01-20")] = budget.Spend{Cost: dec("900")}
	third := &Memo{Forecasts: second.Used().Forecasts}
	if got, want := describe(Evaluate(input(corrected, third))), describe(Evaluate(input(corrected, nil))); got != want {
		t.Errorf("after a correction:\n%s\nwant\n%s", got, want)
	}
	missed := 0
	for key := range third.Used().Forecasts {
		if _, found := second.Used().Forecasts[key]; found {
			continue
		}
		missed++
		if key < "2026-01-20" {
			t.Errorf("forecast %s made again: it is before the corrected day", key)
		}
	}
	if missed == 0 {
		t.Error("after a correction on 20 January, no forecast was made again")
	}
}
