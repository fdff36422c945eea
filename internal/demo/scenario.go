package demo

import (
	"hash/fnv"
	"math/rand/v2"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// usualSpend is the scenario: what each category the demo knows spends in a
// usual month at today's level, in USD. Budgets play no part in it, so a
// budget changed in content/ moves a category's utilisation and never its
// spend. Against the shipped content/ budgets these are 72-78 % of budget,
// and they add up to 44,250 USD a month.
var usualSpend = map[string]float64{
	"DEEP_SPACE_TELEMETRY": 9000,
	"PROPULSION_ANALYTICS": 7600,
	"ORBITAL_MECHANICS":    4600,
	"MATERIALS_SCIENCE":    2800,
	"EXPLORATORY_MISSIONS": 3900,
	"NAVIGATION_SYSTEMS":   5700,
	"EXOPLANET_RESEARCH":   10650,
}

// A category the scenario does not know spends genericSpend plus a multiple
// of genericStep chosen by its tag value: 2,000 to 5,000 USD a month.
const (
	genericSpend = 2000
	genericStep  = 100
	genericSteps = 31
)

// The categories that play the scenario's parts when the division has them.
const (
	overBudgetTag = "EXPLORATORY_MISSIONS"
	spikeTag      = "EXOPLANET_RESEARCH"
	unpricedTag   = "PROPULSION_ANALYTICS"
)

// Spend of the scenario's parts, as multiples of a category's usual month,
// and of the unattributed and unpriced buckets, as shares of the division's
// categories' usual months together.
const (
	overBudgetRunRate  = 1.60 // the over-budget category's as-of month: 6,240 USD for EXPLORATORY_MISSIONS
	overBudgetPrevious = 1.15 // its previous month: 4,485 USD
	spikePrevious      = 0.90 // the spike category's previous month before the spike
	spikeMultiple      = 5.5  // the runaway cluster's day, in average days of that month
	untaggedShare      = 0.035
	unknownValueShare  = 0.015
	unpricedShare      = 0.01
)

// usualMonth returns a category's usual month in USD: its scenario level,
// or a generic one for a tag the scenario does not know.
func usualMonth(tag string) float64 {
	if usd, ok := usualSpend[budget.NormalizeTag(tag)]; ok {
		return usd
	}
	return genericSpend + genericStep*float64(tagKey(tag)%genericSteps)
}

// tagKey is a stable number for a tag value, so what depends on a category
// follows its tag and not its position in the division.
func tagKey(tag string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(budget.NormalizeTag(tag)))
	return h.Sum64()
}

// group is a set of streams sharing one monthly spend target: a configured
// category, or one of the unattributed or unpriced buckets the scenario
// plants. Its target for month m is usual × fraction[m] USD.
type group struct {
	usual    float64   // USD a month at today's level
	fraction []float64 // per month index, 0..months
}

// roles says which configured category plays which part in the scenario.
type roles struct {
	overBudget int // heading over budget in the as-of month
	spike      int // the runaway cluster's category
	unpriced   int // tags the usage of the SKU without a price
}

// scenarioRoles gives each part to the category whose tag the scenario casts
// in it. Without that tag, or when the category already heads over budget,
// the part goes by position: over budget the last category; the spike the
// second (the first when the second is over budget); the unpriced endpoint
// the last (the first when the last is over budget).
func scenarioRoles(d budget.Division) roles {
	n := len(d.Categories)
	index := func(tag string, otherwise int) int {
		for i, c := range d.Categories {
			if budget.NormalizeTag(c.TagValue) == tag {
				return i
			}
		}
		return otherwise
	}
	r := roles{overBudget: index(overBudgetTag, n-1)}
	spike, unpriced := 0, n-1
	if n > 1 && r.overBudget != 1 {
		spike = 1
	}
	if n > 1 && r.overBudget == n-1 {
		unpriced = 0
	}
	if r.spike = index(spikeTag, spike); n > 1 && r.spike == r.overBudget {
		r.spike = spike
	}
	if r.unpriced = index(unpricedTag, unpriced); n > 1 && r.unpriced == r.overBudget {
		r.unpriced = unpriced
	}
	return r
}

// growth is the division's spend trend: 82 % of today's level in the first
// month, rising linearly to 100 % a year later.
func growth(month int) float64 {
	return min(1, 0.82+0.18*float64(month)/float64(months-1))
}

// categoryGroup sets a category's monthly spend: its usual month grown by
// the trend, a few percent of noise drawn for its tag, and the over-budget
// and spike categories' parts in the last two months.
func categoryGroup(c budget.Category, index int, r roles) group {
	rng := rand.New(rand.NewPCG(seed, tagKey(c.TagValue)))
	g := group{usual: usualMonth(c.TagValue), fraction: make([]float64, months+1)}
	for m := range g.fraction {
		g.fraction[m] = growth(m) * (0.97 + 0.06*rng.Float64())
	}
	switch index {
	case r.overBudget:
		g.fraction[months-1] = overBudgetPrevious
		g.fraction[months] = overBudgetRunRate
	case r.spike:
		g.fraction[months-1] = spikePrevious
	}
	return g
}

// bucketGroup is an unattributed or unpriced bucket sized as a share of the
// categories' usual months together (usual), following the same trend.
func bucketGroup(usual, share float64) group {
	g := group{usual: usual * share, fraction: make([]float64, months+1)}
	for m := range g.fraction {
		g.fraction[m] = growth(m)
	}
	return g
}
