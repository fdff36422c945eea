package report

import (
	"cmp"
	"maps"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// What the serverless functions forecast and act from without the facts
// (data/snapshot.json): each bucket's recent days, each category's owners
// over the last three months, and what each recently used cluster costs an
// hour.

// SeriesDays is the fewest days a Series reaches back from the last data
// day (when the bucket has usage that far back): enough for the
// forecasting model to fit its variances and calibrate its month ends on
// two earlier months.
const SeriesDays = 90

// ClusterDays is how many complete days back a cluster's usage lists it in
// Report.Clusters.
const ClusterDays = 7

// Series is a bucket's recent spend day by day: every day from the first
// of the third calendar month before the as-of month (so the three months
// an owner's share is measured on are whole), or from SeriesDays days
// before the last data day when that is earlier, through the last data
// day, days without usage as zero. A bucket whose usage starts later
// starts there, as its forecast's series does (forecast.SeriesOf). The
// days are the bucket's rounded days, so a category's are its
// cost_by_day.csv rows to the cent.
type Series struct {
	Days []DayLine
	// Partial is true when the data ends partway through the last day
	// (Source.PartialDay): its cost is the spend so far.
	Partial bool
}

// seriesOf is a bucket's Series; empty when it has no usage up to the
// last data day.
func (p period) seriesOf(daily budget.Daily) Series {
	first := time.Time{}
	for d := range daily {
		if !d.After(p.dataDay) && (first.IsZero() || d.Before(first)) {
			first = d
		}
	}
	if first.IsZero() {
		return Series{}
	}
	from := p.seriesFrom()
	if first.After(from) {
		from = first
	}
	return Series{Days: series(daily, from, p.dataDay), Partial: p.partial}
}

// seriesFrom is the first day of every Series that has usage that far
// back (see Series).
func (p period) seriesFrom() time.Time {
	from := addMonths(p.month, -3)
	if earliest := p.dataDay.AddDate(0, 0, -(SeriesDays - 1)); earliest.Before(from) {
		from = earliest
	}
	return from
}

// OwnerSeries is one owner's recent spend in one category.
type OwnerSeries struct {
	Owner  string
	Series Series
}

// ownerSeries are the Series of each owner's spend in one category, by
// owner: what `generator agent run` forecasts an owner's burn in the
// category from. Facts before the month the series start in are skipped
// (a month's days are rounded from its first), so a long history costs a
// date comparison a fact.
func ownerSeries(facts []budget.Fact, p period) []OwnerSeries {
	from := p.seriesFrom()
	from = time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	byOwner := map[string]budget.Daily{}
	for _, f := range facts {
		if f.Date.Before(from) {
			continue
		}
		if byOwner[f.Owner] == nil {
			byOwner[f.Owner] = budget.Daily{}
		}
		byOwner[f.Owner].AddFact(f)
	}
	out := make([]OwnerSeries, 0, len(byOwner))
	for _, owner := range slices.Sorted(maps.Keys(byOwner)) {
		days := byOwner[owner]
		days.RoundCents()
		if s := p.seriesOf(days); len(s.Days) > 0 {
			out = append(out, OwnerSeries{Owner: owner, Series: s})
		}
	}
	return out
}

// recentOwners are the owners' spend in a bucket over the three calendar
// months before the as-of month, from the months' allocations (so they are
// cost_by_owner.csv's rows), cost descending, each with its share of their
// sum: how a category's budget splits among its owners when content/ gives
// them no allowances.
func recentOwners(a allocation, bucket string, p period) []OwnerLine {
	var shares []share
	for m := -3; m < 0; m++ {
		shares = append(shares, a.of(bucket, addMonths(p.month, m))...)
	}
	by := sumShares(shares, func(s share) string { return s.owner })
	var total budget.Decimal
	lines := make([]OwnerLine, 0, len(by))
	for owner, s := range by {
		lines = append(lines, OwnerLine{Owner: owner, DBUs: s.DBUs, Cost: s.Cost})
		total = total.Add(s.Cost)
	}
	slices.SortFunc(lines, func(a, b OwnerLine) int {
		return cmp.Or(b.Cost.Cmp(a.Cost), strings.Compare(a.Owner, b.Owner))
	})
	for i := range lines {
		lines[i].Share = percentOf(lines[i].Cost, total)
	}
	return lines
}

// ClusterRate is a cluster with usage in the last ClusterDays complete
// days and what it spent on the last of them with usage (RatedOn): the
// figures a what-if prices it by. Rates are that day's figures over 24
// hours, so a cluster that ran all day reads its hourly rate, and one that
// ran an hour a 24th of it.
type ClusterRate struct {
	ID        string // cluster_id
	Workspace string // ids are unique within a workspace
	// Category (a tag_value or budget.Unattributed) and Owner are the
	// pair with the most of its cost on RatedOn (then of its DBUs, then
	// the first by name): a cluster's tags seldom change within a day.
	Category string
	Owner    string
	SKUs     []string // of its usage on RatedOn, by name
	RatedOn  time.Time
	DBUs     budget.Decimal // on RatedOn, exact
	Cost     budget.Decimal // list cost on RatedOn, exact; priced usage only
	// Priced is false when some of its usage on RatedOn had no list
	// price: Cost then counts the priced part only.
	Priced bool
	// LastUsage is the last day it had usage, the data's partial last
	// day included.
	LastUsage time.Time
}

// DBUsPerHour is DBUs over 24, rounded half away from zero to 6 decimals.
func (c ClusterRate) DBUsPerHour() budget.Decimal { return perHour(c.DBUs) }

// CostPerHour is Cost over 24, rounded half away from zero to 6 decimals:
// a month's hours times it are within a cent of the exact product.
func (c ClusterRate) CostPerHour() budget.Decimal { return perHour(c.Cost) }

func perHour(d budget.Decimal) budget.Decimal {
	v, err := fromRat(new(big.Rat).Quo(d.Rat(), big.NewRat(24, 1)), 6)
	if err != nil {
		panic(err) // a 24th of a Decimal is within its range
	}
	return v
}

// clusterRates lists the clusters with usage (DBUs above zero on a day) in
// the ClusterDays complete days up to the last one, hourly cost
// descending. A cluster is its id in its workspace; usage whose workload is
// no cluster is left out.
func clusterRates(facts []budget.Fact, p period) []ClusterRate {
	through := p.lastComplete()
	from := through.AddDate(0, 0, -(ClusterDays - 1))
	type cluster struct{ workspace, id string }
	type clusterDay struct {
		cluster
		day time.Time
	}
	byDay := map[clusterDay][]budget.Fact{}
	for _, f := range facts {
		if f.WorkloadType != WorkloadCluster || f.WorkloadID == "" || f.Date.Before(from) || f.Date.After(p.dataDay) {
			continue
		}
		k := clusterDay{cluster{f.Workspace, f.WorkloadID}, f.Date}
		byDay[k] = append(byDay[k], f)
	}
	rated := map[cluster]time.Time{}
	last := map[cluster]time.Time{}
	for k, fs := range byDay {
		var dbus budget.Decimal
		for _, f := range fs {
			dbus = dbus.Add(f.DBUs)
		}
		if dbus.Sign() <= 0 {
			continue // corrections that cancel the day's usage
		}
		if k.day.After(last[k.cluster]) {
			last[k.cluster] = k.day
		}
		if !k.day.After(through) && k.day.After(rated[k.cluster]) {
			rated[k.cluster] = k.day
		}
	}
	out := make([]ClusterRate, 0, len(rated))
	for c, day := range rated {
		r := ClusterRate{ID: c.id, Workspace: c.workspace, RatedOn: day, LastUsage: last[c], Priced: true}
		spend := map[[2]string]budget.Spend{} // by category and owner
		for _, f := range byDay[clusterDay{c, day}] {
			r.DBUs = r.DBUs.Add(f.DBUs)
			r.Cost = r.Cost.Add(f.Cost)
			r.Priced = r.Priced && f.Priced
			if !slices.Contains(r.SKUs, f.SKU) {
				r.SKUs = append(r.SKUs, f.SKU)
			}
			k := [2]string{f.Category, f.Owner}
			s := spend[k]
			s.AddFact(f)
			spend[k] = s
		}
		slices.Sort(r.SKUs)
		r.Category, r.Owner = mostSpent(spend)
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b ClusterRate) int {
		return cmp.Or(b.Cost.Cmp(a.Cost), strings.Compare(a.ID, b.ID), strings.Compare(a.Workspace, b.Workspace))
	})
	return out
}

// mostSpent is the category and owner pair of the most cost, then the most
// DBUs, then the first by name.
func mostSpent(spend map[[2]string]budget.Spend) (category, owner string) {
	keys := slices.SortedFunc(maps.Keys(spend), func(a, b [2]string) int {
		sa, sb := spend[a], spend[b]
		return cmp.Or(sb.Cost.Cmp(sa.Cost), sb.DBUs.Cmp(sa.DBUs), strings.Compare(a[0], b[0]), strings.Compare(a[1], b[1]))
	})
	return keys[0][0], keys[0][1]
}
