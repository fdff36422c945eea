package copilot

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/gate"
	"github.com/novadynamics/stellar-budget/internal/snapshot"
)

// TestPredictCacheFollowsTheSnapshot: predict_cost through the service
// answers as Predict does, on a repeat and by slug or tag value alike;
// a what-if follows the clock; a new snapshot is forecast afresh.
func TestPredictCacheFollowsTheSnapshot(t *testing.T) {
	snap := testSnapshot()
	now := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	svc := &Service{
		Snapshot: func(context.Context) (*snapshot.Snapshot, error) { return snap, nil },
		Now:      func() time.Time { return now },
	}
	viewer := gate.Caller{Name: "viewer", Role: gate.Viewer}
	ask := func(t *testing.T, args string) Prediction {
		t.Helper()
		res, err := svc.Call(context.Background(), viewer, Request{Tool: ToolPredictCost, RequestID: "r", Arguments: json.RawMessage(args)})
		if err != nil {
			t.Fatal(err)
		}
		var a Answer
		if err := json.Unmarshal(res.Body, &a); err != nil || a.Prediction == nil {
			t.Fatalf("answer %s: %v", res.Body, err)
		}
		return *a.Prediction
	}
	direct := func(t *testing.T, args PredictArgs) Prediction {
		t.Helper()
		p, err := Predict(context.Background(), snap, args, nil, now)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name string
		args string
		want PredictArgs
	}{
		{"category by tag value", `{"category":"DEEP_SPACE","horizon_days":30}`, PredictArgs{Category: "DEEP_SPACE", HorizonDays: 30}},
		{"the same again", `{"category":"DEEP_SPACE","horizon_days":30}`, PredictArgs{Category: "DEEP_SPACE", HorizonDays: 30}},
		{"category by slug", `{"category":"deep-space","horizon_days":30}`, PredictArgs{Category: "DEEP_SPACE", HorizonDays: 30}},
		{"another horizon", `{"category":"DEEP_SPACE","horizon_days":7}`, PredictArgs{Category: "DEEP_SPACE", HorizonDays: 7}},
		{"owner", `{"owner":"ana@nova.example","horizon_days":30}`, PredictArgs{Owner: "ana@nova.example", HorizonDays: 30}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, want := ask(t, tc.args), direct(t, tc.want)
			if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
				t.Errorf("through the service %s, Predict %s", g, w)
			}
		})
	}

	t.Run("a what-if follows the clock", func(t *testing.T) {
		const whatIf = `{"category":"DEEP_SPACE","horizon_days":30,"what_if":{"cluster_id":"c-1","terminate":true}}`
		first := ask(t, whatIf)
		now = now.Add(24 * time.Hour)
		later := ask(t, whatIf)
		if first.MonthEnd != later.MonthEnd || first.WhatIf.MonthEndSaving == later.WhatIf.MonthEndSaving {
			t.Errorf("a day later: month end %s then %s, saving %s then %s; want the same month end and a day's less saving",
				first.MonthEnd, later.MonthEnd, first.WhatIf.MonthEndSaving, later.WhatIf.MonthEndSaving)
		}
	})

	t.Run("a new snapshot", func(t *testing.T) {
		before := ask(t, `{"category":"DEEP_SPACE","horizon_days":30}`)
		snap = testSnapshot()
		snap.Categories[0].Daily = flat(time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC), 120, "300.00")
		after := ask(t, `{"category":"DEEP_SPACE","horizon_days":30}`)
		if after.MonthEnd == before.MonthEnd || after.MonthEnd != direct(t, PredictArgs{Category: "DEEP_SPACE", HorizonDays: 30}).MonthEnd {
			t.Errorf("after a rebuild at $300 a day: month end %s (before %s)", after.MonthEnd, before.MonthEnd)
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
