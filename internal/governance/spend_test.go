package governance

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// Two configured categories' tag values.
const (
	explore   = "EXPLORATORY_MISSIONS"
	deepSpace = "DEEP_SPACE_TELEMETRY"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func fact(date, category, cost string) budget.Fact {
	return budget.Fact{Date: day(date), Category: category, Cost: budget.MustDecimal(cost)}
}

func TestTaggedSpendOf(t *testing.T) {
	facts := []budget.Fact{
		fact("2026-05-31", explore, "1000"), // the month before: not counted
		fact("2026-06-01", explore, "100.004"),
		fact("2026-06-15", deepSpace, "50.001"),
		fact("2026-06-30", budget.Unattributed, "25.5"),
		fact("2026-06-30", budget.Unattributed, "-0.5"), // a retraction
		fact("2026-07-01", budget.Unattributed, "999"),  // this month: not counted
	}
	cases := []struct {
		name                             string
		facts                            []budget.Fact
		asOf                             string
		month, total, attributed, unattr string
		pct                              *float64
	}{
		{name: "last whole month", facts: facts, asOf: "2026-07-14", month: "2026-06",
			total: "175.01", attributed: "150.01", unattr: "25", pct: ptr(85.7)},
		{name: "as of the first of the month", facts: facts, asOf: "2026-07-01", month: "2026-06",
			total: "175.01", attributed: "150.01", unattr: "25", pct: ptr(85.7)},
		{name: "across a year", facts: []budget.Fact{fact("2025-12-31", explore, "10")}, asOf: "2026-01-20", month: "2025-12",
			total: "10", attributed: "10", unattr: "0", pct: ptr(100)},
		{name: "rounded half up from the exact share", facts: []budget.Fact{fact("2026-06-02", explore, "99.95"), fact("2026-06-03", budget.Unattributed, "0.05")},
			asOf: "2026-07-14", month: "2026-06", total: "100", attributed: "99.95", unattr: "0.05", pct: ptr(100)},
		{name: "no spend last month", facts: facts, asOf: "2026-09-02", month: "2026-08",
			total: "0", attributed: "0", unattr: "0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := TaggedSpendOf(tc.facts, day(tc.asOf), "demo")
			if got := s.Month.Format("2006-01"); got != tc.month {
				t.Errorf("month %s, want %s", got, tc.month)
			}
			for _, c := range []struct {
				name string
				got  budget.Decimal
				want string
			}{{"total", s.Total, tc.total}, {"attributed", s.Attributed, tc.attributed}, {"unattributed", s.Unattributed, tc.unattr}} {
				if c.got.Cmp(budget.MustDecimal(c.want)) != 0 {
					t.Errorf("%s = %s, want %s", c.name, c.got, c.want)
				}
			}
			if (s.AttributedPct == nil) != (tc.pct == nil) || (tc.pct != nil && *s.AttributedPct != *tc.pct) {
				t.Errorf("pct = %v, want %v", deref(s.AttributedPct), deref(tc.pct))
			}
			if s.Source != "demo" {
				t.Errorf("source %q", s.Source)
			}
		})
	}
}

func TestTaggedSpendJSON(t *testing.T) {
	// 100.005 + 0.995 = 101.000: rounded apart, the parts would make 101.01.
	s := TaggedSpendOf([]budget.Fact{fact("2026-06-01", explore, "100.005"), fact("2026-06-02", budget.Unattributed, "0.995")}, day("2026-07-03"), "files")
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"month":"2026-06","source":"files","total_usd":"101.00","attributed_usd":"100.01","unattributed_usd":"0.99","attributed_pct":99,"misattributed_usd":"0.00"}`
	if string(b) != want {
		t.Errorf("JSON\n%s\nwant\n%s", b, want)
	}
	var back TaggedSpend
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.Month.Equal(s.Month) || back.Total.Cents() != "101.00" || back.Unattributed.Cents() != "0.99" || *back.AttributedPct != 99 {
		t.Errorf("read back %+v", back)
	}
	for _, tc := range []struct{ name, json, want string }{
		{"bad month", `{"month":"June","total_usd":"1"}`, `read tagged_spend: month "June": want YYYY-MM`},
		{"bad amount", `{"month":"2026-06","total_usd":"1","attributed_usd":"x","unattributed_usd":"1"}`, "read tagged_spend: attributed_usd: "},
	} {
		if err := json.Unmarshal([]byte(tc.json), &back); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func ptr(f float64) *float64 { return &f }

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
