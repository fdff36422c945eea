// Package anomaly finds the days on which a category spent far outside its
// expected range, and the workloads behind each: what the charts mark, the
// anomaly lists show and the anomaly alerts say. It is pure Go, reads a
// category's daily series and facts, and takes every date from its caller.
//
// # The rule
//
// Each day is compared with its one-step forecast (forecast.OneStep): the
// weekday-kalman forecast of that day from the days before it, with
// Spread, a robust standard deviation of its error calibrated on the
// series' own earlier forecasts. Weekends, month-start level changes and a
// category's usual noise are therefore expected. A day is an anomaly when
// all of these hold:
//
//  1. It has four weeks of the category's history before it (the
//     forecast's warm-up): a category with a few days of history is not
//     judged, a new one from its fifth week.
//  2. It is outside its expected range, the expected spend ± Rule.MinScore
//     (3) robust standard deviations (never below zero).
//  3. It is far in money: at least Rule.MinUSD ($50) and Rule.MinShare
//     (25 %) of the expected spend away from it. Three standard deviations
//     still let through a few days a year per series by chance, and on a
//     quiet weekend or in a small category those are a few dollars; the
//     floors keep them off the list. A day without spend where spend was
//     expected (an outage, a broken pipeline) is away by all of it.
//  4. It is among the first Rule.MaxRun (2) days of a run of days outside
//     the range on the same side (far in money or not). A third such day
//     in a row is a new level, not an anomaly: the forecast restarts its
//     level there (see the forecast package), and the reader has been told
//     twice. A forgotten cluster that runs for a week is listed on its
//     first two days.
//  5. It is also outside, on the same side, the range the forecast gave
//     the same weekday a week before. After a run of high days the
//     forecast has moved its level to them; the day the run ends is back at
//     last week's level, a return rather than a dip.
//
// Why not the forecast's 99 % interval: its tails are read from the
// series' own earlier errors, which include the earlier anomalies, and
// with a year of history two earlier spikes are a 99.5 % quantile; the
// range then lets the next spike through (in a test series of four months
// with two spikes five weeks apart, it missed the second). The robust
// standard deviation comes from the central 80 % of the errors, which a
// few spikes do not move. How often the rule fires on the demo account is in
// demo_test.go (TestDemo).
//
// Only the days before a day decide its range (up to the forecast's
// variances, fitted once on the whole series; see forecast.Model.OneStep)
// and no day after it is read, so, for a series with the same start, a
// day's verdict does not change as later days arrive and an alert sent for
// it stays true.
//
// # Contributors
//
// An anomaly lists who moved: the day's cost per owner, workload (type and
// id), workspace and SKU, against the same key's usual cost, the mean of
// the same weekday over the four weeks before (a day without the key
// counts as zero). For a day above its range the top Rule.Contributors (5)
// by excess (cost - usual) among those with a positive one, for a day below
// it the top ones by shortfall (usual - cost); ties go by key, so the order
// is always the same. The means add up: the excesses of all keys sum, up
// to rounding, to the day's spend less the mean of the four same weekdays
// before.
//
// The full key is read from the detail facts, which reach back to
// Input.DetailFrom: a day at least four weeks after it lists contributors
// by the full key. An earlier day (an anomaly of an older month) lists
// them by owner alone, from the day facts, with the same arithmetic.
//
// # Money
//
// Amounts are budget.Decimal rounded to the cent, as they are shown and as
// budget.Alert carries them. Actual is the series' value of the day (the
// day's facts summed, when the series is built from them); Expected, Low
// and High are the forecast's; a contributor's Cost is the exact sum of its
// facts and Usual the exact mean, each rounded once, and Excess is the
// rounded Cost less the rounded Usual, so the three agree on a page. Score
// is float64: how many robust standard deviations the day is from its
// expected spend, negative below.
package anomaly

import (
	"cmp"
	"math"
	"math/big"
	"slices"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/forecast"
)

// Direction says on which side of its range an anomalous day fell.
type Direction string

const (
	Above Direction = "above" // spent more than expected: a spike
	Below Direction = "below" // spent less than expected: a dip, an outage
)

// Input is one category to judge.
type Input struct {
	Category string
	// Daily is the category's spend per UTC day in dollars, from its first
	// day of data (days missing count as zero). Days after the last judged
	// day are ignored.
	Daily forecast.Series
	// Detail are the category's facts at the full daily breakdown from
	// DetailFrom on (every day when DetailFrom is zero), and Days its facts
	// per day and owner (others are not filtered out). Only the days
	// judged and the four weeks before them are read.
	Detail     []budget.Fact
	DetailFrom time.Time
	Days       []budget.Fact
}

// Anomaly is one day of one category far outside its expected range.
type Anomaly struct {
	Category  string
	Day       time.Time // UTC midnight
	Direction Direction
	Actual    budget.Decimal // the day's spend
	Expected  budget.Decimal // its one-step forecast
	Low, High budget.Decimal // its expected range: Expected ± Rule.MinScore robust standard deviations, not below zero
	Score     float64        // (actual - expected) / the forecast's robust standard deviation, within ±1000
	// Contributors are the keys that moved most, in the anomaly's
	// direction, largest first.
	Contributors []Contributor
}

// Contributor is the cost of one owner, workload, workspace and SKU on an
// anomaly's day, against its usual cost.
type Contributor struct {
	Owner        string
	WorkloadType string // job, pipeline, warehouse, endpoint, cluster, or ""
	WorkloadID   string
	Workspace    string
	SKU          string
	Cost         budget.Decimal // on the day
	Usual        budget.Decimal // mean of the same weekday over the four weeks before
	Excess       budget.Decimal // Cost - Usual: positive above, negative below
}

// Rule holds the thresholds of the package comment's rule.
type Rule struct {
	MinScore     float64 // a day is at least this many robust standard deviations from its expected spend
	MinUSD       float64 // a day is at least this many dollars away from its expected spend
	MinShare     float64 // and at least this share of it
	MaxRun       int     // days flagged at the start of a run outside the range on one side
	Contributors int     // listed per anomaly
}

// DefaultRule is the rule the site and alerts use.
var DefaultRule = Rule{MinScore: 3, MinUSD: 50, MinShare: 0.25, MaxRun: 2, Contributors: 5}

// Detect is DefaultRule.Detect.
func Detect(inputs []Input, from, to time.Time) []Anomaly {
	return DefaultRule.Detect(inputs, from, to)
}

// Detect returns the anomalies of the inputs' days from from through to,
// both included, by day, then category.
func (r Rule) Detect(inputs []Input, from, to time.Time) []Anomaly {
	from, to = date(from), date(to)
	var out []Anomaly
	for _, in := range inputs {
		out = append(out, r.detect(in, from, to)...)
	}
	slices.SortStableFunc(out, func(a, b Anomaly) int {
		return cmp.Or(a.Day.Compare(b.Day), cmp.Compare(a.Category, b.Category))
	})
	return out
}

// detect judges one category.
func (r Rule) detect(in Input, from, to time.Time) []Anomaly {
	if to.Before(from) {
		return nil
	}
	var out []Anomaly
	var costs, owners keyCosts // read when the first anomaly is found
	run, side := 0, 0          // days in a row outside the range on side (+1 above, -1 below)
	predictions := forecast.OneStep(in.Daily, to)
	for i, p := range predictions {
		s := r.outside(p)
		if s == 0 || s != side {
			run = 0
		}
		side = s
		if s == 0 {
			continue
		}
		run++
		if p.Day.Before(from) || run > r.MaxRun || !r.far(p) {
			continue
		}
		if i >= 7 && r.outside(forecast.Prediction{Actual: p.Actual, Result: predictions[i-7].Result}) != s {
			continue // back to last week's level: a return, not an anomaly
		}
		if costs == nil {
			costs = index(in.Detail, from.AddDate(0, 0, -usualWeeks*7), to, false)
			owners = index(in.Days, from.AddDate(0, 0, -usualWeeks*7), to, true)
		}
		low, high := r.bounds(p)
		a := Anomaly{
			Category: in.Category, Day: p.Day, Direction: Above,
			Actual: budget.CentsOf(p.Actual), Expected: budget.CentsOf(p.Value), Low: budget.CentsOf(low), High: budget.CentsOf(high),
		}
		if s < 0 {
			a.Direction = Below
		}
		a.Score = maxScore
		if gap := p.Actual - p.Value; math.Abs(gap) < maxScore*p.Spread {
			a.Score = gap / p.Spread
		} else if gap < 0 {
			a.Score = -maxScore
		}
		if in.DetailFrom.IsZero() || !p.Day.Before(date(in.DetailFrom).AddDate(0, 0, usualWeeks*7)) {
			a.Contributors = costs.top(p.Day, a.Direction, r.Contributors)
		} else {
			a.Contributors = owners.top(p.Day, a.Direction, r.Contributors)
		}
		out = append(out, a)
	}
	return out
}

// outside tells on which side of its range a day's spend fell: +1 above,
// -1 below, 0 inside.
func (r Rule) outside(p forecast.Prediction) int {
	low, high := r.bounds(p)
	switch {
	case p.Actual > high:
		return 1
	case p.Actual < low:
		return -1
	}
	return 0
}

// bounds is a day's expected range: its expected spend ± MinScore robust
// standard deviations, never below zero.
func (r Rule) bounds(p forecast.Prediction) (low, high float64) {
	return max(0, p.Value-r.MinScore*p.Spread), p.Value + r.MinScore*p.Spread
}

// far reports whether a day is far enough from its expected spend in
// money to be worth a reader's attention.
func (r Rule) far(p forecast.Prediction) bool {
	gap := math.Abs(p.Actual - p.Value)
	return gap >= r.MinUSD && gap >= r.MinShare*p.Value
}

// maxScore bounds Score, which would be infinite for a forecast without
// spread (a series that never spent before).
const maxScore = 1000

// usualWeeks is how many earlier same weekdays a contributor's usual cost
// is the mean of.
const usualWeeks = 4

// key identifies a contributor.
type key struct{ owner, workloadType, workloadID, workspace, sku string }

func (k key) compare(o key) int {
	return cmp.Or(cmp.Compare(k.owner, o.owner), cmp.Compare(k.workloadType, o.workloadType),
		cmp.Compare(k.workloadID, o.workloadID), cmp.Compare(k.workspace, o.workspace), cmp.Compare(k.sku, o.sku))
}

// keyCosts is the exact cost per key and day of a category's facts.
type keyCosts map[time.Time]map[key]budget.Decimal

// index sums the facts from from through to per day and key, or per day
// and owner alone when byOwner is set.
func index(facts []budget.Fact, from, to time.Time, byOwner bool) keyCosts {
	kc := keyCosts{}
	for _, f := range facts {
		d := date(f.Date)
		if d.Before(from) || d.After(to) {
			continue
		}
		day := kc[d]
		if day == nil {
			day = map[key]budget.Decimal{}
			kc[d] = day
		}
		k := key{f.Owner, f.WorkloadType, f.WorkloadID, f.Workspace, f.SKU}
		if byOwner {
			k = key{owner: f.Owner}
		}
		day[k] = day[k].Add(f.Cost)
	}
	return kc
}

// top returns the n keys that moved most in direction on day, against the
// mean of the same weekday over the weeks before.
func (kc keyCosts) top(day time.Time, direction Direction, n int) []Contributor {
	usual := map[key]*big.Rat{}
	for w := 1; w <= usualWeeks; w++ {
		for k, c := range kc[day.AddDate(0, 0, -7*w)] {
			if usual[k] == nil {
				usual[k] = new(big.Rat)
			}
			usual[k].Add(usual[k], c.Rat())
		}
	}
	keys := map[key]bool{}
	for k := range usual {
		keys[k] = true
	}
	for k := range kc[day] {
		keys[k] = true
	}
	type moved struct {
		Contributor
		by budget.Decimal // excess above, shortfall below
	}
	var all []moved
	for k := range keys {
		c := Contributor{
			Owner: k.owner, WorkloadType: k.workloadType, WorkloadID: k.workloadID, Workspace: k.workspace, SKU: k.sku,
			Cost: kc[day][k].Round(2),
		}
		if u := usual[k]; u != nil {
			c.Usual = ratCents(new(big.Rat).Quo(u, big.NewRat(usualWeeks, 1)))
		}
		c.Excess = c.Cost.Sub(c.Usual)
		m := moved{c, c.Excess}
		if direction == Below {
			m.by = m.by.Neg()
		}
		if m.by.Sign() > 0 {
			all = append(all, m)
		}
	}
	slices.SortFunc(all, func(a, b moved) int {
		return cmp.Or(b.by.Cmp(a.by), a.key().compare(b.key()))
	})
	out := make([]Contributor, 0, min(n, len(all)))
	for _, m := range all[:min(n, len(all))] {
		out = append(out, m.Contributor)
	}
	return out
}

func (c Contributor) key() key {
	return key{c.Owner, c.WorkloadType, c.WorkloadID, c.Workspace, c.SKU}
}

// ratCents returns r rounded to the cent, half away from zero.
func ratCents(r *big.Rat) budget.Decimal {
	return budget.MustDecimal(r.FloatString(2))
}

// date returns t's UTC calendar date at midnight.
func date(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
