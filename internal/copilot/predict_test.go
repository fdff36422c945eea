package copilot

import (
	"context"
	"errors"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/snapshot"
)

// flat is a series of perDay dollars a day for n days through last.
func flat(last time.Time, n int, perDay string) snapshot.Series {
	var s snapshot.Series
	for i := n - 1; i >= 0; i-- {
		s.Days = append(s.Days, snapshot.Day{Date: snapshot.DateOf(last.AddDate(0, 0, -i)), Cost: snapshot.Money(perDay)})
	}
	return s
}

// testSnapshot: data through the end of 4 Dec 2026; category DEEP_SPACE
// and its owner ana spend $240 a day; cluster c-1 (theirs) costs $6.125 an
// hour at list price ($147 a day).
func testSnapshot() *snapshot.Snapshot {
	last := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	return &snapshot.Snapshot{
		SchemaVersion: snapshot.SchemaVersion,
		AsOf:          snapshot.DateOf(last),
		DataThrough:   snapshot.TimeOf(last.AddDate(0, 0, 1)),
		Categories: []snapshot.Category{{Slug: "deep-space", TagValue: "DEEP_SPACE", MonthlyBudget: "7000.00",
			Daily: flat(last, 120, "240.00")}},
		Owners: []snapshot.Owner{{Owner: "ana@nova.example", Daily: flat(last, 120, "240.00")}},
		Clusters: []snapshot.Cluster{{ID: "c-1", Category: "DEEP_SPACE", Owner: "ana@nova.example",
			DBUsPerHour: "18.636364", USDPerHour: "6.125000", Priced: true},
			{ID: "c-2", Category: "DEEP_SPACE", Owner: "ana@nova.example", DBUsPerHour: "7.272727", USDPerHour: "4.000000", Priced: true}},
	}
}

type sizes map[string]budget.Cluster

func (s sizes) Get(_ context.Context, id string) (budget.Cluster, error) {
	c, ok := s[id]
	if !ok {
		return c, errors.New("no such cluster")
	}
	return c, nil
}

func money(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%q is not money", s)
	}
	return v
}

func TestPredictKnownAnswers(t *testing.T) {
	now := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC) // 27 days, 648 hours left in December
	workers := func(n int) *int { return &n }
	cls := sizes{"c-1": {ID: "c-1", Workers: 3}, "c-2": {ID: "c-2", Autoscale: &budget.Autoscale{Min: 2, Max: 6}}}
	cases := []struct {
		name                           string
		args                           PredictArgs
		now                            time.Time
		change, monthSave, horizonSave string
	}{
		{"terminate now saves the rest of the month", PredictArgs{Category: "deep-space", HorizonDays: 7, WhatIf: &WhatIf{ClusterID: "c-1", Terminate: true}}, now,
			"terminate", "3969.00", "1029.00"},
		{"terminate at 13:30", PredictArgs{Owner: "ana@nova.example", HorizonDays: 1, WhatIf: &WhatIf{ClusterID: "c-1", Terminate: true}}, now.Add(13*time.Hour + 30*time.Minute),
			"terminate", "3886.31", "147.00"}, // 634.5 h x 6.125 = 3886.3125
		{"resize 3 to 1 worker halves the nodes", PredictArgs{Category: "DEEP_SPACE", HorizonDays: 30, WhatIf: &WhatIf{ClusterID: "c-1", Workers: workers(1)}}, now,
			"resize to 1 worker", "1984.50", "2205.00"}, // 6.125 x 2/4 saved an hour
		{"autoscaling 2-6 taken at 4 workers", PredictArgs{Category: "DEEP_SPACE", HorizonDays: 1, WhatIf: &WhatIf{ClusterID: "c-2", Workers: workers(2)}}, now,
			"resize to 2 workers", "1036.80", "38.40"}, // 4 x (1 - 3/5) = 1.60 saved an hour,
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Predict(context.Background(), testSnapshot(), tc.args, cls, tc.now)
			if err != nil {
				t.Fatal(err)
			}
			w := p.WhatIf
			if w == nil || w.Change != tc.change || w.MonthEndSaving != tc.monthSave || w.HorizonSaving != tc.horizonSave {
				t.Fatalf("what-if %+v; want %s saving %s (month) and %s (horizon)", w, tc.change, tc.monthSave, tc.horizonSave)
			}
			if p.AsOf != "2026-12-04" || p.DataThrough == "" {
				t.Errorf("as of %q, data through %q", p.AsOf, p.DataThrough)
			}
			if got, want := money(t, w.MonthEnd), money(t, p.MonthEnd)-money(t, tc.monthSave); math.Abs(got-want) > 0.011 {
				t.Errorf("month end with the change %s, want %.2f", w.MonthEnd, want)
			}
		})
	}
}

func TestPredictFlatSeries(t *testing.T) {
	p, err := Predict(context.Background(), testSnapshot(), PredictArgs{Category: "DEEP_SPACE", HorizonDays: 30}, nil, time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	// Four days at $240 and 27 to come: a series that never varied is
	// forecast as certain.
	if p.MonthToDate != "960.00" || p.MonthEnd != "7440.00" || p.Horizon != "7200.00" || p.Budget == nil || *p.Budget != "7000.00" || p.Month != "2026-12" {
		t.Errorf("prediction %+v", p)
	}
}

func TestPredictPartialDay(t *testing.T) {
	snap := testSnapshot()
	whole, err := Predict(context.Background(), snap, PredictArgs{Category: "DEEP_SPACE", HorizonDays: 3}, nil, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	// The same data read at 08:00 on 5 Dec: $80 of the day so far.
	c := &snap.Categories[0]
	c.Daily.Days = append(c.Daily.Days, snapshot.Day{Date: "2026-12-05", Cost: "80.00"})
	c.Daily.LastDayPartial = true
	cut, err := Predict(context.Background(), snap, PredictArgs{Category: "DEEP_SPACE", HorizonDays: 3}, nil, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if cut.MonthEnd != whole.MonthEnd {
		t.Errorf("the day in progress moved the month end: %s, cleanly cut %s", cut.MonthEnd, whole.MonthEnd)
	}
}

func TestPredictRefuses(t *testing.T) {
	cases := []struct {
		name string
		args PredictArgs
	}{
		{"unknown owner", PredictArgs{Owner: "bo@nova.example", HorizonDays: 3}},
		{"unknown category", PredictArgs{Category: "NOPE", HorizonDays: 3}},
		{"another owner's cluster", PredictArgs{Owner: "ana@nova.example", HorizonDays: 3, WhatIf: &WhatIf{ClusterID: "c-9", Terminate: true}}},
	}
	snap := testSnapshot()
	snap.Owners = append(snap.Owners, snapshot.Owner{Owner: "bo@nova.example"})
	snap.Owners = snap.Owners[:1]
	snap.Clusters = append(snap.Clusters, snapshot.Cluster{ID: "c-9", Category: "DEEP_SPACE", Owner: "cy@nova.example", USDPerHour: "1.000000"})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Predict(context.Background(), snap, tc.args, nil, time.Time{}); status(err) != 422 {
				t.Errorf("err %v, want a 422", err)
			}
		})
	}
	p, err := Predict(context.Background(), snap, PredictArgs{Category: "DEEP_SPACE", HorizonDays: 3, WhatIf: &WhatIf{ClusterID: "c-unseen", Terminate: true}}, nil, time.Time{})
	if err != nil || p.WhatIf.MonthEndSaving != "0.00" || p.WhatIf.Note == "" {
		t.Errorf("a cluster without usage: %+v, %v", p.WhatIf, err)
	}
}
