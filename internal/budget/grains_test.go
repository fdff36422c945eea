package budget

import (
	"testing"
	"time"
)

func TestRollUpTiesEveryGrainToTheFacts(t *testing.T) {
	d := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	money := func(s string) Decimal { return MustDecimal(s) }
	facts := []Fact{
		{Date: d("2026-10-30"), Category: "A", Owner: "o1", WorkloadType: "job", WorkloadID: "1", SKU: "S", Priced: true, DBUs: money("1"), Cost: money("0.105")},
		{Date: d("2026-10-31"), Category: "A", Owner: "o1", WorkloadType: "job", WorkloadID: "1", SKU: "S", Priced: true, DBUs: money("2"), Cost: money("0.2")},
		{Date: d("2026-10-31"), Category: "A", Owner: "o1", WorkloadType: "job", WorkloadID: "2", SKU: "S", Priced: true, DBUs: money("3"), Cost: money("0.3")},
		{Date: d("2026-11-01"), Category: "A", Owner: "o2", WorkloadType: "cluster", WorkloadID: "c", SKU: "T", DBUs: money("4")},
	}
	g := RollUp(facts, d("2026-10-31"))
	if len(g.Months) != 3 || len(g.Days) != 3 || len(g.Detail) != 3 {
		t.Fatalf("months %d, days %d, detail %d; want 3, 3, 3: %+v", len(g.Months), len(g.Days), len(g.Detail), g)
	}
	if m := g.Months[0]; !m.Date.Equal(d("2026-10-01")) || m.WorkloadID != "1" || m.Cost.String() != "0.305" || m.DBUs.String() != "3" {
		t.Errorf("first month row = %+v", m)
	}
	if day := g.Days[1]; !day.Date.Equal(d("2026-10-31")) || day.Cost.String() != "0.5" || day.WorkloadID != "" || day.SKU != "" {
		t.Errorf("second day row = %+v", day)
	}
	var sum [3]Decimal
	for i, grain := range [][]Fact{g.Months, g.Days, facts} {
		for _, f := range grain {
			sum[i] = sum[i].Add(f.Cost)
		}
	}
	if sum[0] != sum[2] || sum[1] != sum[2] {
		t.Errorf("months %s, days %s, facts %s: every grain must sum to the facts", sum[0], sum[1], sum[2])
	}
	if all := RollUp(facts, time.Time{}); len(all.Detail) != len(facts) {
		t.Errorf("zero DetailFrom keeps %d detail rows, want every fact", len(all.Detail))
	}
}

func TestDetailStart(t *testing.T) {
	for asOf, want := range map[string]string{"2026-12-06": "2026-10-04", "2026-01-31": "2025-11-03", "2026-03-01": "2026-01-04"} {
		a, _ := time.Parse(time.DateOnly, asOf)
		if got := DetailStart(a).Format(time.DateOnly); got != want {
			t.Errorf("DetailStart(%s) = %s, want %s", asOf, got, want)
		}
	}
}
