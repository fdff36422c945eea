package report

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/anomaly"
	"github.com/novadynamics/stellar-budget/internal/budget"
)

// daily is one fact a day from..to (inclusive) of owner's resource type,
// each costing cost.
func daily(from, to, owner, resourceType, cost string) []budget.Fact {
	var out []budget.Fact
	for d := day(from); !d.After(day(to)); d = d.AddDate(0, 0, 1) {
		f := fact(d.Format(time.DateOnly), "C", owner, cost)
		f.ResourceType = resourceType
		out = append(out, f)
	}
	return out
}

func join(runs ...[]budget.Fact) []budget.Fact {
	var out []budget.Fact
	for _, r := range runs {
		out = append(out, r...)
	}
	return out
}

// paceFor is the Pace of facts as of asOf, with the data ending on dataDay.
func paceFor(facts []budget.Fact, asOf, dataDay time.Time) Pace {
	days := budget.Daily{}
	for _, f := range facts {
		days.AddFact(f)
	}
	days.RoundCents()
	return paceOf(facts, days, newPeriod(asOf, dataDay, time.Time{}))
}

func TestReason(t *testing.T) {
	upByB := upByBFacts() // up 23 %, all of it b@x's
	feb50 := daily("2026-02-01", "2026-02-10", "a@x", "JOBS", "50")
	feb100 := daily("2026-02-01", "2026-02-28", "a@x", "JOBS", "100")
	spike := func(d string, actual, expected string) *anomaly.Anomaly {
		return &anomaly.Anomaly{Category: "C", Day: day(d), Direction: anomaly.Above, Actual: dec(actual), Expected: dec(expected)}
	}
	tests := []struct {
		name        string
		facts       []budget.Fact
		asOf        string
		dataDay     string // the data's last day; asOf if empty
		status      Status
		budget      string
		forecast    string
		probability float64
		threshold   int
		spike       *anomaly.Anomaly
		want        string
	}{
		{
			name: "over budget: spent, projected, pace, who grew", facts: upByB, asOf: "2026-03-10",
			status: StatusOverBudget, budget: "500", forecast: "1900", probability: 1,
			want: "spent 123 % of budget, projected 380 %, up 23 % on last month's pace, mostly ALL_PURPOSE of b@x (+$115)",
		},
		{
			name: "projected over: growth spread, led by the largest grower", asOf: "2026-03-10",
			facts: join(feb50, daily("2026-03-01", "2026-03-10", "a@x", "JOBS", "50"),
				daily("2026-03-01", "2026-03-10", "b@x", "ALL_PURPOSE", "5.50"),
				daily("2026-03-01", "2026-03-10", "c@x", "SQL", "5"),
				daily("2026-03-01", "2026-03-10", "d@x", "DLT", "4.50")),
			status: StatusProjectedOver, budget: "2000", forecast: "2280", probability: 0.7,
			want: "projected 114 % of budget, up 30 % on last month's pace, led by ALL_PURPOSE of b@x (+$55)",
		},
		{
			name: "watch by chance, pace down: the largest spender", asOf: "2026-03-10",
			facts: join(daily("2026-02-01", "2026-02-10", "a@x", "JOBS", "100"),
				daily("2026-03-01", "2026-03-10", "a@x", "JOBS", "60"),
				daily("2026-03-01", "2026-03-10", "b@x", "ALL_PURPOSE", "36")),
			status: StatusWatch, budget: "3000", forecast: "2900", probability: 0.35,
			// 96.67 % projected, a@x 62.5 % of month to date: half up.
			want: "projected 97 % of budget, a 35 % chance of ending over, down 4 % on last month's pace, largest share JOBS of a@x (63 %)",
		},
		{
			name: "watch past a threshold, a 31-day month against a 28-day one", asOf: "2026-03-31",
			facts:  join(feb100, daily("2026-03-01", "2026-03-31", "a@x", "JOBS", "100")),
			status: StatusWatch, budget: "4000", forecast: "3100", threshold: 75,
			// $3,100 against $2,800 is the same $100 a day; 77.5 % reads 78 %.
			want: "spent 78 % of budget, past the 75 % threshold, projected 78 %, level with last month's pace, largest share JOBS of a@x (100 %)",
		},
		{
			name: "on track, down", asOf: "2026-03-10",
			facts:  join(feb100, daily("2026-03-01", "2026-03-10", "a@x", "JOBS", "96")),
			status: StatusOnTrack, budget: "10000", forecast: "3000",
			want: "down 4 % on last month's pace",
		},
		{
			name: "on track, down 4.5 % rounds half up", asOf: "2026-03-10",
			facts:  join(feb100, daily("2026-03-01", "2026-03-10", "a@x", "JOBS", "95.50")),
			status: StatusOnTrack, budget: "10000", forecast: "3000",
			want: "down 5 % on last month's pace",
		},
		{
			name: "on track, up 22.5 % rounds half up, with who grew", asOf: "2026-03-10",
			facts:  join(feb100, daily("2026-03-01", "2026-03-10", "a@x", "JOBS", "100"), daily("2026-03-01", "2026-03-10", "b@x", "ALL_PURPOSE", "22.50")),
			status: StatusOnTrack, budget: "10000", forecast: "3800",
			want: "up 23 % on last month's pace, mostly ALL_PURPOSE of b@x (+$225)",
		},
		{
			name: "on track, growth too small to name", asOf: "2026-03-10",
			facts:  join(feb100, daily("2026-03-01", "2026-03-10", "a@x", "JOBS", "100"), daily("2026-03-01", "2026-03-10", "b@x", "ALL_PURPOSE", "4")),
			status: StatusOnTrack, budget: "10000", forecast: "3200",
			want: "up 4 % on last month's pace",
		},
		{
			name: "the first days name the days compared", asOf: "2026-03-03",
			facts:  join(feb100, daily("2026-03-01", "2026-03-03", "a@x", "JOBS", "150")),
			status: StatusOnTrack, budget: "10000", forecast: "4650",
			want: "up 50 % on last month's first 3 days, mostly JOBS of a@x (+$150)",
		},
		{
			name: "the first day", asOf: "2026-03-01",
			facts:  join(feb100, daily("2026-03-01", "2026-03-01", "a@x", "JOBS", "96")),
			status: StatusOnTrack, budget: "10000", forecast: "3000",
			want: "down 4 % on last month's first day",
		},
		{
			name: "new this month", asOf: "2026-03-10",
			facts:  daily("2026-03-01", "2026-03-10", "a@x", "JOBS", "10"),
			status: StatusOnTrack, budget: "1000", forecast: "310",
			want: "no spend on the same days last month, largest share JOBS of a@x (100 %)",
		},
		{
			name: "no spend yet", asOf: "2026-03-10", facts: feb100,
			status: StatusOnTrack, budget: "1000", forecast: "0",
			want: "no spend yet this month",
		},
		{
			name: "only a correction this month", asOf: "2026-03-10",
			facts:  join(feb100, daily("2026-03-02", "2026-03-02", "a@x", "JOBS", "-12")),
			status: StatusOnTrack, budget: "1000", forecast: "0",
			want: "no spend yet this month",
		},
		{
			name: "no data this month", asOf: "2026-03-10", dataDay: "2026-02-28", facts: feb100,
			status: StatusOnTrack, budget: "1000", forecast: "0",
			want: "no data this month yet",
		},
		{
			name: "over a zero budget", asOf: "2026-03-10",
			facts:  daily("2026-03-01", "2026-03-10", "a@x", "JOBS", "3"),
			status: StatusOverBudget, budget: "0", forecast: "93", probability: 1,
			want: "spent $30.00 against a zero budget, projected $93.00, no spend on the same days last month, largest share JOBS of a@x (100 %)",
		},
		{
			name: "a spike that explains half the growth is named", facts: upByB, asOf: "2026-03-10",
			status: StatusOverBudget, budget: "500", forecast: "1900", probability: 1,
			spike: spike("2026-03-04", "141.50", "61.50"),
			want:  "spent 123 % of budget, projected 380 %, up 23 % on last month's pace, mostly ALL_PURPOSE of b@x (+$115), with a spike on 4 Mar ($80 above the expected spend)",
		},
		{
			name: "a spike that explains less is not", facts: upByB, asOf: "2026-03-10",
			status: StatusOverBudget, budget: "500", forecast: "1900", probability: 1,
			spike: spike("2026-03-04", "111.50", "61.50"),
			want:  "spent 123 % of budget, projected 380 %, up 23 % on last month's pace, mostly ALL_PURPOSE of b@x (+$115)",
		},
		{
			name: "a spike does not explain a fall", asOf: "2026-03-10",
			facts:  join(feb100, daily("2026-03-01", "2026-03-10", "a@x", "JOBS", "96")),
			status: StatusOnTrack, budget: "10000", forecast: "3000",
			spike: spike("2026-03-04", "400", "96"),
			want:  "down 4 % on last month's pace",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dataDay := day(tc.asOf)
			if tc.dataDay != "" {
				dataDay = day(tc.dataDay)
			}
			pace := paceFor(tc.facts, day(tc.asOf), dataDay)
			c := Category{
				Status: tc.status, MonthToDate: pace.MonthToDate, Budget: dec(tc.budget),
				Utilization:          percentOf(pace.MonthToDate, dec(tc.budget)),
				ProjectedUtilization: percentOf(dec(tc.forecast), dec(tc.budget)),
				Forecast:             Forecast{Value: dec(tc.forecast), ProbabilityOverBudget: tc.probability},
				ThresholdReached:     tc.threshold,
				Pace:                 pace,
			}
			if got := reason(c, tc.spike, budget.DefaultStatusRules); got != tc.want {
				t.Errorf("reason\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// The pace of a 31-day month against a 28-day one compares spend per day.
func TestPaceScalesToTheDaysCompared(t *testing.T) {
	facts := join(daily("2026-02-01", "2026-02-28", "a@x", "JOBS", "100"), daily("2026-03-01", "2026-03-31", "a@x", "JOBS", "110"))
	p := paceFor(facts, day("2026-03-31"), day("2026-03-31"))
	checks := []struct{ name, got, want string }{
		{"days", strconv.Itoa(p.Days), "31"},
		{"last days", strconv.Itoa(p.LastDays), "28"},
		{"last period", p.LastPeriod.Cents(), "2800.00"},
		{"month to date", p.MonthToDate.Cents(), "3410.00"},
		{"growth", p.Growth.Cents(), "310.00"}, // 3,410 - 3,100
		{"change", p.Change.String(), "10.0"},
		{"mover", p.Mover.String() + " " + p.Mover.Amount.Cents(), "JOBS of a@x 310.00"},
		{"largest", p.Largest.String() + " " + p.Largest.Amount.Cents(), "JOBS of a@x 3410.00"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %s, want %s", c.name, c.got, c.want)
		}
	}
}

func TestLargestSpike(t *testing.T) {
	month := day("2026-03-01")
	a := func(category, d string, dir anomaly.Direction, actual, expected string) anomaly.Anomaly {
		return anomaly.Anomaly{Category: category, Day: day(d), Direction: dir, Actual: dec(actual), Expected: dec(expected)}
	}
	found := []anomaly.Anomaly{
		a("C", "2026-02-20", anomaly.Above, "900", "100"), // last month
		a("C", "2026-03-02", anomaly.Above, "300", "100"),
		a("D", "2026-03-03", anomaly.Above, "900", "100"), // another category
		a("C", "2026-03-04", anomaly.Below, "0", "500"),   // a dip
		a("C", "2026-03-06", anomaly.Above, "450", "100"),
		a("C", "2026-03-08", anomaly.Above, "400", "100"),
	}
	got := largestSpike(found, "C", month)
	if got == nil || !got.Day.Equal(day("2026-03-06")) {
		t.Fatalf("largest spike = %+v, want 6 March's ($350 above)", got)
	}
	if got := largestSpike(found[:1], "C", month); got != nil {
		t.Errorf("largest spike of last month's only = %+v, want none", got)
	}
}

// Build writes every category's pace and reason; an unusual day of the
// month that explains its growth is named, as the anomaly package found it.
func TestBuildExplainsTheStatus(t *testing.T) {
	div := budget.Division{
		Title: "S", Name: "S", Currency: "USD", Thresholds: []int{75, 90, 100},
		Categories: []budget.Category{
			{Slug: "c", Title: "C", TagValue: "C", MonthlyBudget: dec("500")},
			{Slug: "s", Title: "S", TagValue: "S", MonthlyBudget: dec("100000")},
		},
	}
	// C: over budget. S: eight weeks at $100 a day, then $1,100 on 5
	// March: a spike the anomaly model flags, and all of S's growth.
	facts := upByBFacts()
	for _, f := range daily("2026-01-01", "2026-03-10", "s@x", "JOBS", "100") {
		f.Category = "S"
		if f.Date.Equal(day("2026-03-05")) {
			f.Cost = dec("1100")
		}
		facts = append(facts, f)
	}
	r := mustBuild(t, div, dataset{Facts: facts, LastDate: day("2026-03-10")}, day("2026-03-10"))
	c, s := r.Categories[0], r.Categories[1]
	if c.Status != StatusOverBudget {
		t.Fatalf("C is %s, want over budget", c.Status)
	}
	if want := "spent 123 % of budget, projected " + wholePercent(c.ProjectedUtilization, c.Forecast.Value) + ", up 23 % on last month's pace, mostly ALL_PURPOSE of b@x (+$115)"; c.Reason != want {
		t.Errorf("C's reason\n got %q\nwant %q", c.Reason, want)
	}
	if c.Pace.Days != 10 || c.Pace.LastPeriod.Cents() != "500.00" || c.Pace.Growth.Cents() != "115.00" {
		t.Errorf("C's pace = %+v", c.Pace)
	}
	spikes := r.AnomaliesOf("S")
	if len(spikes) == 0 || !spikes[0].Day.Equal(day("2026-03-05")) {
		t.Fatalf("S's unusual days = %+v, want 5 March", spikes)
	}
	wantSpike := "with a spike on 5 Mar (" + wholeUSD(excess(spikes[0])) + " above the expected spend)"
	if !strings.HasPrefix(s.Reason, "up 100 % on last month's pace, mostly JOBS of s@x (+$1,000)") || !strings.HasSuffix(s.Reason, wantSpike) {
		t.Errorf("S's reason = %q, want the pace, s@x's growth and %q", s.Reason, wantSpike)
	}
}

// upByBFacts are C's facts: a@x's jobs at $50 a day in February and March,
// b@x's all-purpose compute at $11.50 a day in March.
func upByBFacts() []budget.Fact {
	return join(daily("2026-02-01", "2026-02-28", "a@x", "JOBS", "50"),
		daily("2026-03-01", "2026-03-10", "a@x", "JOBS", "50"),
		daily("2026-03-01", "2026-03-10", "b@x", "ALL_PURPOSE", "11.50"))
}
