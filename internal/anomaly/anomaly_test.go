package anomaly

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/forecast"
)

// day parses an ISO date.
func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// synthetic builds a series from start through end whose day spends
// spend(day) times a multiplicative noise of relative standard deviation
// noise, from a fixed seed.
func synthetic(start, end string, noise float64, spend func(d time.Time) float64) forecast.Series {
	s := forecast.Series{Start: day(start)}
	rng := rand.New(rand.NewPCG(7, 8))
	for d := day(start); !d.After(day(end)); d = d.AddDate(0, 0, 1) {
		s.Values = append(s.Values, max(0, spend(d)*(1+noise*rng.NormFloat64())))
	}
	return s
}

func flat(level float64) func(time.Time) float64 {
	return func(time.Time) float64 { return level }
}

func weekend(d time.Time) bool { return d.Weekday() == time.Saturday || d.Weekday() == time.Sunday }

// weekly spends weekday from Monday to Friday and weekendShare of it on
// Saturday and Sunday.
func weekly(weekday, weekendShare float64) func(time.Time) float64 {
	return func(d time.Time) float64 {
		if weekend(d) {
			return weekday * weekendShare
		}
		return weekday
	}
}

// on replaces spend on the given days with value(usual spend).
func on(spend func(time.Time) float64, value func(float64) float64, days ...string) func(time.Time) float64 {
	return func(d time.Time) float64 {
		for _, s := range days {
			if d.Equal(day(s)) {
				return value(spend(d))
			}
		}
		return spend(d)
	}
}

func times(f float64) func(float64) float64 { return func(v float64) float64 { return f * v } }

// from multiplies spend by factor from the day on.
func from(spend func(time.Time) float64, start string, factor float64) func(time.Time) float64 {
	return func(d time.Time) float64 {
		if d.Before(day(start)) {
			return spend(d)
		}
		return factor * spend(d)
	}
}

// flagged lists anomalies as "2006-01-02 above" for messages and
// comparisons.
func flagged(as []Anomaly) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Day.Format(time.DateOnly)+" "+string(a.Direction))
	}
	return out
}

func TestDetectSynthetic(t *testing.T) {
	const start, end = "2026-01-05", "2026-06-30"
	for _, tc := range []struct {
		name     string
		noise    float64
		spend    func(time.Time) float64
		from, to string   // judged window; the whole series after the warm-up when empty
		want     []string // exactly these days are flagged
		upTo     []string // or, when set, any of these and no other
	}{
		{
			name: "flat with one spike", noise: 0.05,
			spend: on(flat(1000), times(4), "2026-04-15"),
			want:  []string{"2026-04-15 above"},
		},
		{
			name: "a spike a month: every one, though earlier ones widen the errors' tails", noise: 0.05,
			spend: on(weekly(1000, 0.3), times(2.5), "2026-02-11", "2026-03-11", "2026-04-08", "2026-04-22", "2026-05-13", "2026-06-10"),
			want:  []string{"2026-02-11 above", "2026-03-11 above", "2026-04-08 above", "2026-04-22 above", "2026-05-13 above", "2026-06-10 above"},
		},
		{
			name: "weekly pattern: weekends are not flagged", noise: 0.05,
			spend: weekly(1000, 0.2),
		},
		{
			name: "weekly pattern: a Saturday spending a weekday's worth is", noise: 0.05,
			spend: on(weekly(1000, 0.2), times(5), "2026-05-16"),
			want:  []string{"2026-05-16 above"},
		},
		{
			name: "a spike on a quiet weekend below the floors is not", noise: 0.05,
			spend: on(weekly(1000, 0.02), times(3), "2026-05-16"), // $20 -> $60
		},
		{
			name: "a small category doubling is not", noise: 0.05,
			spend: on(flat(40), times(2), "2026-04-15"), // $40 -> $80
		},
		{
			name: "a dip (outage) is flagged below", noise: 0.05,
			spend: on(weekly(1000, 0.3), times(0), "2026-04-15"),
			want:  []string{"2026-04-15 below"},
		},
		{
			name: "a level shift up mid-month: the first days at most", noise: 0.05,
			spend: from(weekly(1000, 0.3), "2026-04-15", 1.6),
			upTo:  []string{"2026-04-15 above", "2026-04-16 above"},
		},
		{
			name: "a level shift down mid-month: the first days at most", noise: 0.05,
			spend: from(weekly(1000, 0.3), "2026-04-15", 0.5),
			upTo:  []string{"2026-04-15 below", "2026-04-16 below"},
		},
		{
			name: "a moderate level shift: the first days at most", noise: 0.05,
			spend: from(weekly(1000, 0.3), "2026-04-15", 1.3),
			upTo:  []string{"2026-04-15 above", "2026-04-16 above"},
		},
		{
			name: "a level shift on the 1st of a month: the first days at most", noise: 0.05,
			spend: from(weekly(1000, 0.3), "2026-04-01", 1.5),
			upTo:  []string{"2026-04-01 above", "2026-04-02 above"},
		},
		{
			name: "a forgotten cluster running three days: its first two", noise: 0.05,
			spend: on(flat(1000), times(4), "2026-04-15", "2026-04-16", "2026-04-17"),
			want:  []string{"2026-04-15 above", "2026-04-16 above"},
		},
		{
			name: "the window: a spike before it is not listed", noise: 0.05,
			spend: on(flat(1000), times(4), "2026-04-15", "2026-05-20"),
			from:  "2026-05-01", to: "2026-05-31",
			want: []string{"2026-05-20 above"},
		},
		{
			name: "the window: days after it are not read", noise: 0.05,
			spend: on(flat(1000), times(4), "2026-04-15", "2026-04-16", "2026-04-17", "2026-04-18"),
			from:  "2026-04-01", to: "2026-04-15",
			want: []string{"2026-04-15 above"},
		},
		{
			name: "no noise", noise: 0,
			spend: on(flat(1000), times(2), "2026-04-15"),
			want:  []string{"2026-04-15 above"},
		},
		{
			name: "no spend at all", noise: 0,
			spend: flat(0),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := synthetic(start, end, tc.noise, tc.spend)
			judgeFrom, judgeTo := s.Start, s.End()
			if tc.from != "" {
				judgeFrom, judgeTo = day(tc.from), day(tc.to)
			}
			got := Detect([]Input{{Category: "C", Daily: s}}, judgeFrom, judgeTo)
			names := flagged(got)
			t.Logf("flagged %v", names)
			if tc.upTo != nil {
				for _, n := range names {
					if !slices.Contains(tc.upTo, n) {
						t.Errorf("flagged %v, want at most %v", names, tc.upTo)
						break
					}
				}
			} else if !slices.Equal(names, tc.want) {
				t.Errorf("flagged %v, want %v", names, tc.want)
			}
			for _, a := range got {
				checkAnomaly(t, a)
			}
		})
	}
}

// checkAnomaly checks what every anomaly must satisfy.
func checkAnomaly(t *testing.T, a Anomaly) {
	t.Helper()
	if a.Low.Cmp(a.Expected) > 0 || a.Expected.Cmp(a.High) > 0 {
		t.Errorf("%s: expected %s outside its range [%s, %s]", a.Day.Format(time.DateOnly), a.Expected, a.Low, a.High)
	}
	switch a.Direction {
	case Above:
		if a.Actual.Cmp(a.High) <= 0 || a.Score <= 0 {
			t.Errorf("%s above: actual %s, range [%s, %s], score %.1f", a.Day.Format(time.DateOnly), a.Actual, a.Low, a.High, a.Score)
		}
	case Below:
		if a.Actual.Cmp(a.Low) >= 0 || a.Score >= 0 {
			t.Errorf("%s below: actual %s, range [%s, %s], score %.1f", a.Day.Format(time.DateOnly), a.Actual, a.Low, a.High, a.Score)
		}
	default:
		t.Errorf("direction %q", a.Direction)
	}
	for _, d := range []budget.Decimal{a.Actual, a.Expected, a.Low, a.High} {
		if !eq(d, d.Round(2)) {
			t.Errorf("%s is not in cents", d)
		}
	}
	for _, c := range a.Contributors {
		if !eq(c.Excess, c.Cost.Sub(c.Usual)) || !eq(c.Cost, c.Cost.Round(2)) || !eq(c.Usual, c.Usual.Round(2)) {
			t.Errorf("contributor %+v: excess is not cost - usual in cents", c)
		}
	}
}

func TestDetectShortHistory(t *testing.T) {
	for _, tc := range []struct {
		name string
		days int
		want int
	}{
		{"three days", 3, 0},
		{"two weeks", 14, 0},
		{"four weeks", 28, 0},
		{"four weeks and the spike", 29, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A new category whose last day spends five times its usual.
			s := forecast.Series{Start: day("2026-04-01")}
			for i := range tc.days {
				s.Values = append(s.Values, 500+float64(i%3))
			}
			s.Values[tc.days-1] = 2500
			got := Detect([]Input{{Category: "NEW", Daily: s}}, s.Start, s.End())
			if len(got) != tc.want {
				t.Errorf("flagged %v, want %d", flagged(got), tc.want)
			}
		})
	}
}

// fact is a test fact of a day: owner/type/id/workspace/sku and cost.
func fact(d time.Time, k key, cost float64) budget.Fact {
	return budget.Fact{
		Date: d, Category: "C", Owner: k.owner, WorkloadType: k.workloadType, WorkloadID: k.workloadID,
		Workspace: k.workspace, SKU: k.sku, Priced: true, Cost: budget.MustDecimal(fmt.Sprintf("%.6f", cost)),
	}
}

// series sums facts per day, to the cent, from start through end.
func series(facts []budget.Fact, start, end time.Time) forecast.Series {
	s := forecast.Series{Start: start}
	totals := map[time.Time]budget.Decimal{}
	for _, f := range facts {
		totals[f.Date] = totals[f.Date].Add(f.Cost)
	}
	for d := start; !d.After(end); d = d.AddDate(0, 0, 1) {
		s.Values = append(s.Values, totals[d].Round(2).Float64())
	}
	return s
}

func TestContributors(t *testing.T) {
	var (
		nightly   = key{"ana@x.test", "job", "1001", "ws-prod", "PREMIUM_JOBS_COMPUTE"}
		warehouse = key{"bo@x.test", "warehouse", "wh-7", "ws-bi", "PREMIUM_SQL_PRO_COMPUTE"}
		notebook  = key{"cy@x.test", "cluster", "0101-000000-aaaa", "ws-dev", "PREMIUM_ALL_PURPOSE_COMPUTE"}
		forgotten = key{"di@x.test", "cluster", "0202-000000-bbbb", "ws-dev", "PREMIUM_ALL_PURPOSE_COMPUTE"}
		later     = key{"ed@x.test", "cluster", "0303-000000-cccc", "ws-dev", "PREMIUM_ALL_PURPOSE_COMPUTE"}
		earlier   = key{"eb@x.test", "cluster", "0404-000000-dddd", "ws-dev", "PREMIUM_ALL_PURPOSE_COMPUTE"}
	)
	start, end := day("2026-01-05"), day("2026-04-30")
	spike, outage := day("2026-04-15"), day("2026-04-22") // Wednesdays
	rng := rand.New(rand.NewPCG(1, 1))
	var facts []budget.Fact
	for d := start; !d.After(end); d = d.AddDate(0, 0, 1) {
		noise := func() float64 { return 1 + 0.03*rng.NormFloat64() }
		if weekend(d) {
			facts = append(facts, fact(d, nightly, 200*noise()))
			continue
		}
		if !d.Equal(outage) {
			facts = append(facts, fact(d, nightly, 600*noise()))
		}
		facts = append(facts, fact(d, warehouse, 300*noise()))
		if d.Weekday() == time.Wednesday {
			// The notebook runs on Wednesdays: its usual Wednesday is its
			// mean over the four before.
			facts = append(facts, fact(d, notebook, 100+10*float64(d.YearDay()%4)))
		}
	}
	// On the spike day: the forgotten cluster, two clusters of exactly the
	// same cost (a tie, broken by key: owner first) and the warehouse
	// spending about 120 more than usual.
	facts = append(facts, fact(spike, forgotten, 2000), fact(spike, later, 150), fact(spike, earlier, 150), fact(spike, warehouse, 120))
	s := series(facts, start, end)
	got := Detect([]Input{{Category: "C", Daily: s, Detail: facts}}, start, end)
	if names := flagged(got); !slices.Equal(names, []string{"2026-04-15 above", "2026-04-22 below"}) {
		t.Fatalf("flagged %v, want the spike and the outage", names)
	}
	for _, a := range got {
		checkAnomaly(t, a)
	}
	spiked := got[0]
	if want := s.At(spike); spiked.Actual.Float64() != want {
		t.Errorf("actual %s, want the series' %.2f", spiked.Actual, want)
	}
	var lines []string
	for _, c := range spiked.Contributors {
		lines = append(lines, fmt.Sprintf("%s %s/%s", c.Owner, c.WorkloadType, c.WorkloadID))
	}
	// The notebook's and the job's days are usual: listed only if their
	// noise puts them above it, after the others.
	want := []string{"di@x.test cluster/0202-000000-bbbb", "eb@x.test cluster/0404-000000-dddd", "ed@x.test cluster/0303-000000-cccc", "bo@x.test warehouse/wh-7"}
	if len(lines) < len(want) || !slices.Equal(lines[:len(want)], want) {
		t.Fatalf("contributors %v, want first %v", lines, want)
	}
	top := spiked.Contributors[0]
	if !eq(top.Cost, budget.MustDecimal("2000")) || !top.Usual.IsZero() || !eq(top.Excess, budget.MustDecimal("2000")) ||
		top.Workspace != "ws-dev" || top.SKU != "PREMIUM_ALL_PURPOSE_COMPUTE" {
		t.Errorf("top contributor %+v, want 2000 with no usual cost", top)
	}
	if len(spiked.Contributors) > DefaultRule.Contributors {
		t.Errorf("%d contributors, want at most %d", len(spiked.Contributors), DefaultRule.Contributors)
	}
	for i := 1; i < len(spiked.Contributors); i++ {
		if spiked.Contributors[i].Excess.Cmp(spiked.Contributors[i-1].Excess) > 0 {
			t.Errorf("contributors not by excess: %+v", spiked.Contributors)
		}
	}

	dipped := got[1]
	if len(dipped.Contributors) == 0 {
		t.Fatal("the outage has no contributors")
	}
	first := dipped.Contributors[0]
	if first.WorkloadID != nightly.workloadID || !first.Cost.IsZero() || first.Excess.Sign() >= 0 || !eq(first.Excess, first.Usual.Neg()) {
		t.Errorf("the outage's first contributor %+v, want the nightly job at zero, short by its usual", first)
	}
	if u := first.Usual.Float64(); u < 550 || u > 650 {
		t.Errorf("the nightly job's usual Wednesday %.2f, want about 600", u)
	}
	for _, c := range dipped.Contributors {
		if c.Excess.Sign() >= 0 {
			t.Errorf("the outage lists %+v, which did not fall short", c)
		}
	}
	t.Logf("spike: %s", strings.Join(lines, ", "))

	// Detail that starts less than four weeks before the spike: its
	// contributors are owners, from the day facts, with the same sums.
	from := spike.AddDate(0, 0, -27)
	grains := budget.RollUp(facts, from)
	coarse := Detect([]Input{{Category: "C", Daily: s, Detail: grains.Detail, DetailFrom: from, Days: grains.Days}}, start, end)
	if len(coarse) != len(got) || len(coarse[0].Contributors) == 0 {
		t.Fatalf("with detail from %s: %d anomalies, want %d with contributors", from.Format(time.DateOnly), len(coarse), len(got))
	}
	byOwner := coarse[0].Contributors[0]
	if byOwner.Owner != "di@x.test" || byOwner.WorkloadID != "" || byOwner.SKU != "" || !eq(byOwner.Excess, top.Excess) {
		t.Errorf("spike's top contributor before the detail %+v, want di@x.test alone with the same excess %s", byOwner, top.Excess)
	}
	if c := coarse[1].Contributors[0]; c.WorkloadID != nightly.workloadID {
		t.Errorf("the outage, four weeks into the detail: first contributor %+v, want the nightly job by its full key", c)
	}
}

// TestContributorUsual checks the usual cost: the mean of the same weekday
// over the four weeks before, a day without the key counting as zero.
func TestContributorUsual(t *testing.T) {
	k := key{"ana@x.test", "job", "1", "ws", "SKU"}
	d := day("2026-04-29") // a Wednesday
	kc := keyCosts{}
	for w, cost := range []string{"10.00", "20.00", "", "31.01"} { // one, two, three, four weeks before
		if cost == "" {
			continue
		}
		kc[d.AddDate(0, 0, -7*(w+1))] = map[key]budget.Decimal{k: budget.MustDecimal(cost)}
	}
	kc[d.AddDate(0, 0, -7*5)] = map[key]budget.Decimal{k: budget.MustDecimal("1000")} // too early
	kc[d.AddDate(0, 0, -1)] = map[key]budget.Decimal{k: budget.MustDecimal("1000")}   // another weekday
	kc[d] = map[key]budget.Decimal{k: budget.MustDecimal("100.004")}
	got := kc.top(d, Above, 5)
	// (10 + 20 + 0 + 31.01) / 4 = 15.2525 -> 15.25; 100.004 -> 100.00.
	want := []Contributor{{Owner: "ana@x.test", WorkloadType: "job", WorkloadID: "1", Workspace: "ws", SKU: "SKU",
		Cost: budget.MustDecimal("100"), Usual: budget.MustDecimal("15.25"), Excess: budget.MustDecimal("84.75")}}
	if !slices.EqualFunc(got, want, equalContributor) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if below := kc.top(d, Below, 5); len(below) != 0 {
		t.Errorf("a key above its usual listed for a dip: %+v", below)
	}
}

func eq(a, b budget.Decimal) bool { return a.Cmp(b) == 0 }

func equalContributor(a, b Contributor) bool {
	return a.key() == b.key() && eq(a.Cost, b.Cost) && eq(a.Usual, b.Usual) && eq(a.Excess, b.Excess)
}

// TestDetectOrder checks the order of anomalies over several categories:
// by day, then category, whatever the order of the inputs.
func TestDetectOrder(t *testing.T) {
	const start, end = "2026-01-05", "2026-06-30"
	inputs := []Input{
		{Category: "ZETA", Daily: synthetic(start, end, 0.05, on(flat(1000), times(4), "2026-04-15", "2026-05-05"))},
		{Category: "ALPHA", Daily: synthetic(start, end, 0.05, on(flat(800), times(4), "2026-04-15", "2026-06-01"))},
		{Category: "MIDDLE", Daily: synthetic(start, end, 0.05, on(flat(600), times(0), "2026-05-05"))},
	}
	want := []string{"2026-04-15 ALPHA", "2026-04-15 ZETA", "2026-05-05 MIDDLE", "2026-05-05 ZETA", "2026-06-01 ALPHA"}
	for _, order := range [][]int{{0, 1, 2}, {2, 1, 0}, {1, 2, 0}} {
		var in []Input
		for _, i := range order {
			in = append(in, inputs[i])
		}
		var got []string
		for _, a := range Detect(in, day(start), day(end)) {
			got = append(got, a.Day.Format(time.DateOnly)+" "+a.Category)
		}
		if !slices.Equal(got, want) {
			t.Errorf("inputs in order %v: got %v, want %v", order, got, want)
		}
	}
}
