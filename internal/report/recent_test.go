package report

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// manyDecimals is five months of facts for ALPHA and unattributed (BETA
// has none) whose costs have many decimals, some negative, over four
// owners, through 2026-03-10.
func manyDecimals() dataset {
	rng := rand.New(rand.NewPCG(18, 3))
	var facts []budget.Fact
	for d := day("2025-10-01"); !d.After(day("2026-03-10")); d = d.AddDate(0, 0, 1) {
		if rng.IntN(9) == 0 {
			continue // a day without usage
		}
		for range 1 + rng.IntN(6) {
			cat := []string{"ALPHA", "ALPHA", budget.Unattributed}[rng.IntN(3)]
			micro := rng.Int64N(40_000_000) - 1_000_000
			facts = append(facts, fact(d.Format(time.DateOnly), cat, fmt.Sprintf("o%d@x", rng.IntN(4)), microUSD(micro)))
		}
	}
	return dataset{Source: "files", Facts: facts, LastDate: day("2026-03-10")}
}

// TestSeriesTiesToCostByDay: a category's recent days are its
// cost_by_day.csv rows to the cent, every day of the window once, days
// without a row as zero.
func TestSeriesTiesToCostByDay(t *testing.T) {
	tests := []struct {
		name      string
		asOf      string
		lastUsage time.Time // zero: whole days
		from, to  string    // the window expected
		partial   bool
	}{
		// From the first of the third month before: three whole months.
		{name: "whole days", asOf: "2026-03-10", from: "2025-12-01", to: "2026-03-10"},
		// The first of a month: three whole months and a day.
		{name: "first of the month", asOf: "2026-03-01", from: "2025-12-01", to: "2026-03-01"},
		{name: "partial last day", asOf: "2026-03-10", lastUsage: time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC),
			from: "2025-12-01", to: "2026-03-10", partial: true},
		// The data ends on 2026-03-10, before the as-of date: through
		// its last day, and at least 90 days back from it.
		{name: "data behind", asOf: "2026-03-31", from: "2025-12-01", to: "2026-03-10"},
		{name: "data behind into a new month", asOf: "2026-04-02", from: "2025-12-11", to: "2026-03-10"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := manyDecimals()
			data.LastUsage = tc.lastUsage
			r := mustBuild(t, division(), data, day(tc.asOf))
			alpha := r.Categories[0].Series
			if alpha.Partial != tc.partial {
				t.Errorf("partial %v, want %v", alpha.Partial, tc.partial)
			}
			if len(alpha.Days) == 0 {
				t.Fatal("no days")
			}
			first, last := alpha.Days[0].Date.Format(time.DateOnly), alpha.Days[len(alpha.Days)-1].Date.Format(time.DateOnly)
			if first != tc.from || last != tc.to {
				t.Errorf("days %s..%s, want %s..%s", first, last, tc.from, tc.to)
			}
			if len(alpha.Days) < SeriesDays {
				t.Errorf("%d days, want at least %d", len(alpha.Days), SeriesDays)
			}
			rows := map[time.Time]budget.Decimal{}
			for _, row := range r.Tables.CostByDay {
				if row.Category == "ALPHA" && !row.Date.Before(day(tc.from)) {
					rows[row.Date] = row.Cost
				}
			}
			zero := 0
			for i, d := range alpha.Days {
				if i > 0 && !d.Date.Equal(alpha.Days[i-1].Date.AddDate(0, 0, 1)) {
					t.Fatalf("day %s follows %s", d.Date.Format(time.DateOnly), alpha.Days[i-1].Date.Format(time.DateOnly))
				}
				if d.Cost.Cmp(rows[d.Date]) != 0 {
					t.Errorf("%s: series %s, cost_by_day %s", d.Date.Format(time.DateOnly), d.Cost, rows[d.Date])
				}
				if d.Cost.Round(2).Cmp(d.Cost) != 0 {
					t.Errorf("%s: %s is not whole cents", d.Date.Format(time.DateOnly), d.Cost)
				}
				if _, ok := rows[d.Date]; !ok {
					zero++
				}
				delete(rows, d.Date)
			}
			if len(rows) > 0 || zero == 0 {
				t.Errorf("%d cost_by_day rows not in the series, %d days without usage in it (want 0 and some)", len(rows), zero)
			}
			if beta := r.Categories[1].Series; beta.Days != nil || beta.Partial {
				t.Errorf("a category without usage has a series: %+v", beta)
			}
			for _, o := range r.Owners {
				if o.Series.Partial != tc.partial || !o.Series.Days[len(o.Series.Days)-1].Date.Equal(day(tc.to)) {
					t.Errorf("owner %s: series partial %v, ends %s", o.Owner, o.Series.Partial, o.Series.Days[len(o.Series.Days)-1].Date)
				}
			}
		})
	}
}

// TestOwnerSeries: an owner's days are their own spend across the
// division, rounded so that a month's days sum to its exact total rounded
// once; an owner whose usage starts inside the window starts there.
func TestOwnerSeries(t *testing.T) {
	data := manyDecimals()
	data.Facts = append(data.Facts,
		fact("2026-02-20", "ALPHA", "new@x", "1.004"),
		fact("2026-02-22", budget.Unattributed, "new@x", "1.004"),
		fact("2026-03-02", "ALPHA", "new@x", "2.5"),
	)
	r := mustBuild(t, division(), data, day("2026-03-10"))
	exact := map[string]map[time.Time]budget.Decimal{}
	for _, f := range data.Facts {
		if exact[f.Owner] == nil {
			exact[f.Owner] = map[time.Time]budget.Decimal{}
		}
		exact[f.Owner][monthOf(f.Date)] = exact[f.Owner][monthOf(f.Date)].Add(f.Cost)
	}
	for _, o := range r.Owners {
		sums := map[time.Time]budget.Decimal{}
		for _, d := range o.Series.Days {
			sums[monthOf(d.Date)] = sums[monthOf(d.Date)].Add(d.Cost)
		}
		for _, m := range []string{"2026-01-01", "2026-02-01", "2026-03-01"} {
			if want := exact[o.Owner][day(m)].Round(2); sums[day(m)].Cmp(want) != 0 {
				t.Errorf("%s %s: days sum to %s, want the month rounded once, %s", o.Owner, m[:7], sums[day(m)], want)
			}
		}
	}
	i := slices.IndexFunc(r.Owners, func(o OwnerOutlook) bool { return o.Owner == "new@x" })
	if i < 0 {
		t.Fatal("no outlook for new@x")
	}
	days := r.Owners[i].Series.Days
	if len(days) != 19 || days[0].Date.Format(time.DateOnly) != "2026-02-20" || days[0].Cost.String() != "1" || days[2].Cost.String() != "1.01" || !days[1].Cost.IsZero() {
		t.Errorf("new@x's days: %d from %s: %s, %s, %s", len(days), days[0].Date.Format(time.DateOnly), days[0].Cost, days[1].Cost, days[2].Cost)
	}
}

// TestCategoryOwnerSeries: an owner's days in a category are their spend
// in it alone, rounded so that a month's days sum to its exact total
// rounded once, over the category's own window; owners are in order.
func TestCategoryOwnerSeries(t *testing.T) {
	data := manyDecimals()
	data.Facts = append(data.Facts,
		fact("2026-02-20", "ALPHA", "new@x", "1.004"),
		fact("2026-02-22", budget.Unattributed, "new@x", "7.5"), // not ALPHA's
		fact("2026-03-02", "ALPHA", "new@x", "2.5"),
	)
	r := mustBuild(t, division(), data, day("2026-03-10"))
	alpha := r.Categories[0]
	exact := map[string]map[time.Time]budget.Decimal{}
	for _, f := range data.Facts {
		if f.Category != "ALPHA" {
			continue
		}
		if exact[f.Owner] == nil {
			exact[f.Owner] = map[time.Time]budget.Decimal{}
		}
		exact[f.Owner][monthOf(f.Date)] = exact[f.Owner][monthOf(f.Date)].Add(f.Cost)
	}
	if len(alpha.OwnerSeries) != len(exact) || !slices.IsSortedFunc(alpha.OwnerSeries, func(a, b OwnerSeries) int { return strings.Compare(a.Owner, b.Owner) }) {
		t.Fatalf("%d owners (want %d), in order: %v", len(alpha.OwnerSeries), len(exact), alpha.OwnerSeries)
	}
	for _, o := range alpha.OwnerSeries {
		if last := o.Series.Days[len(o.Series.Days)-1].Date; !last.Equal(day("2026-03-10")) || !o.Series.Days[0].Date.Equal(maxTime(alpha.Series.Days[0].Date, o.Series.Days[0].Date)) {
			t.Errorf("%s: days from %s to %s", o.Owner, o.Series.Days[0].Date, last)
		}
		sums := map[time.Time]budget.Decimal{}
		for _, d := range o.Series.Days {
			sums[monthOf(d.Date)] = sums[monthOf(d.Date)].Add(d.Cost)
		}
		for _, m := range []string{"2026-01-01", "2026-02-01", "2026-03-01"} {
			if want := exact[o.Owner][day(m)].Round(2); sums[day(m)].Cmp(want) != 0 {
				t.Errorf("%s %s: days sum to %s, want the month in ALPHA rounded once, %s", o.Owner, m[:7], sums[day(m)], want)
			}
		}
	}
	i := slices.IndexFunc(alpha.OwnerSeries, func(o OwnerSeries) bool { return o.Owner == "new@x" })
	if days := alpha.OwnerSeries[i].Series.Days; i < 0 || len(days) != 19 || days[0].Cost.String() != "1" || !days[2].Cost.IsZero() {
		t.Errorf("new@x in ALPHA: %+v", alpha.OwnerSeries[i])
	}
	if len(r.Categories[1].OwnerSeries) != 0 {
		t.Errorf("BETA, without usage, has owner series %v", r.Categories[1].OwnerSeries)
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// TestRecentOwners: a category's owners over the three months before the
// as-of month are cost_by_owner.csv's rows of those months summed, and
// their shares add up.
func TestRecentOwners(t *testing.T) {
	r := mustBuild(t, division(), manyDecimals(), day("2026-03-10"))
	want := map[string]budget.Decimal{}
	var total budget.Decimal
	for _, row := range r.Tables.CostByOwner {
		if row.Category == "ALPHA" && !row.Month.Before(day("2025-12-01")) && row.Month.Before(day("2026-03-01")) {
			want[row.Owner] = want[row.Owner].Add(row.Cost)
			total = total.Add(row.Cost)
		}
	}
	lines := r.Categories[0].RecentOwners
	if len(lines) != len(want) || len(want) != 4 {
		t.Fatalf("%d owners, want %d (4)", len(lines), len(want))
	}
	var shares budget.Decimal
	for i, l := range lines {
		if l.Cost.Cmp(want[l.Owner]) != 0 {
			t.Errorf("%s: %s, cost_by_owner says %s", l.Owner, l.Cost, want[l.Owner])
		}
		if i > 0 && l.Cost.Cmp(lines[i-1].Cost) > 0 {
			t.Errorf("%s after a smaller line", l.Owner)
		}
		if w := percentOf(l.Cost, total); l.Share != w {
			t.Errorf("%s: share %s, want %s", l.Owner, l.Share, w)
		}
		shares = shares.Add(l.Share.Value)
	}
	if d := shares.Sub(budget.DecimalFromInt(100)); d.Sign() > 0 || d.Cmp(dec("-0.000000000000001")) < 0 {
		t.Errorf("shares sum to %s %%", shares)
	}
	if r.Categories[1].RecentOwners == nil || len(r.Categories[1].RecentOwners) != 0 {
		t.Errorf("BETA's owners = %v, want none (and not nil)", r.Categories[1].RecentOwners)
	}
}

// clusterFact is usage of a cluster: dbus at $0.55 a DBU.
func clusterFact(date, category, owner, id, sku, dbus string) budget.Fact {
	f := fact(date, category, owner, "0")
	f.WorkloadType, f.WorkloadID, f.Workspace = WorkloadCluster, id, "42"
	f.ResourceType, f.SKU = "ALL_PURPOSE", sku
	f.DBUs = dec(dbus)
	f.Cost = mul(dec(dbus), dec("0.55"))
	return f
}

// mul is a × b, exact to Decimal's 18 places.
func mul(a, b budget.Decimal) budget.Decimal {
	d, err := fromRat(new(big.Rat).Mul(a.Rat(), b.Rat()), 18)
	if err != nil {
		panic(err)
	}
	return d
}

// TestClusterRates: a cluster with usage in the last seven complete days
// is rated on the last of them it had usage; its rates are that day's
// DBUs and cost over 24.
func TestClusterRates(t *testing.T) {
	const allPurpose, photon = "PREMIUM_ALL_PURPOSE_COMPUTE", "PREMIUM_ALL_PURPOSE_COMPUTE_(PHOTON)"
	retracted := clusterFact("2026-03-08", "ALPHA", "o1@x", "c-retracted", allPurpose, "-10")
	unpricedDay := clusterFact("2026-03-08", "ALPHA", "o1@x", "c-unpriced", "NEW_SKU", "5")
	unpricedDay.Priced, unpricedDay.Cost = false, budget.Decimal{}
	job := clusterFact("2026-03-09", "ALPHA", "o1@x", "j-1", allPurpose, "24")
	job.WorkloadType = WorkloadJob
	facts := []budget.Fact{
		// Ran all day at 2 DBUs an hour on the last complete day, and
		// the day in progress: rated on the 9th, last used the 10th.
		clusterFact("2026-03-09", "ALPHA", "o1@x", "c-steady", allPurpose, "48"),
		clusterFact("2026-03-10", "ALPHA", "o1@x", "c-steady", allPurpose, "16"),
		clusterFact("2026-03-01", "ALPHA", "o1@x", "c-steady", allPurpose, "480"),
		// Ran an hour on the 3rd, the first of the seven days, with two
		// SKUs and a second owner and category.
		clusterFact("2026-03-03", "BETA", "o2@x", "c-hour", photon, "0.5"),
		clusterFact("2026-03-03", "ALPHA", "o1@x", "c-hour", allPurpose, "1"),
		clusterFact("2026-03-03", "ALPHA", "o3@x", "c-hour", allPurpose, "0.25"),
		// Last used the day before the seven: not listed.
		clusterFact("2026-03-02", "ALPHA", "o1@x", "c-old", allPurpose, "24"),
		// Used only in the day in progress: no complete day to rate.
		clusterFact("2026-03-10", "ALPHA", "o1@x", "c-new", allPurpose, "24"),
		// Its last day is cancelled by a retraction: rated the day before.
		clusterFact("2026-03-07", "ALPHA", "o1@x", "c-retracted", allPurpose, "12"),
		clusterFact("2026-03-08", "ALPHA", "o1@x", "c-retracted", allPurpose, "10"),
		retracted,
		// Part of its day has no list price.
		clusterFact("2026-03-08", "ALPHA", "o1@x", "c-unpriced", allPurpose, "24"),
		unpricedDay,
		// A job is no cluster.
		job,
	}
	data := dataset{Source: "files", Facts: facts, LastDate: day("2026-03-10"), LastUsage: time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)}
	r := mustBuild(t, division(), data, day("2026-03-10"))
	type rate struct {
		id, category, owner, skus, ratedOn, dbusPerHour, usdPerHour string
		priced                                                      bool
		lastUsage                                                   string
	}
	var got []rate
	for _, c := range r.Clusters {
		if c.Workspace != "42" {
			t.Errorf("%s: workspace %q", c.ID, c.Workspace)
		}
		got = append(got, rate{c.ID, c.Category, c.Owner, fmt.Sprint(c.SKUs), c.RatedOn.Format(time.DateOnly),
			c.DBUsPerHour().StringFixed(6), c.CostPerHour().StringFixed(6), c.Priced, c.LastUsage.Format(time.DateOnly)})
	}
	want := []rate{
		{"c-steady", "ALPHA", "o1@x", "[" + allPurpose + "]", "2026-03-09", "2.000000", "1.100000", true, "2026-03-10"},
		{"c-unpriced", "ALPHA", "o1@x", "[NEW_SKU " + allPurpose + "]", "2026-03-08", "1.208333", "0.550000", false, "2026-03-08"},
		{"c-retracted", "ALPHA", "o1@x", "[" + allPurpose + "]", "2026-03-07", "0.500000", "0.275000", true, "2026-03-07"},
		{"c-hour", "ALPHA", "o1@x", "[" + allPurpose + " " + photon + "]", "2026-03-03", "0.072917", "0.040104", true, "2026-03-03"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("clusters\n got %v\nwant %v", got, want)
	}
	// A whole month left at the steady cluster's rate: 22 days and the
	// 16 hours left of the 10th.
	hours := budget.DecimalFromInt(22*24 + 16)
	if saving := mul(r.Clusters[0].CostPerHour(), hours); saving.Cents() != "598.40" {
		t.Errorf("the rest of March at the steady rate: %s, want 598.40", saving.Cents())
	}
}
