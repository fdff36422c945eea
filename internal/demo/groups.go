package demo

import (
	"math/rand/v2"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// Spend levels of the scenario, as fractions of a monthly budget.
const (
	overBudgetRunRate  = 1.20 // the over-budget category's as-of month projection
	overBudgetPrevious = 0.86 // its previous month: crosses 75 %, warns early
	spikePrevious      = 0.68 // the spike category's previous month before the spike
	spikeMultiple      = 5.5  // the runaway cluster's day, in average days of the category
	untaggedShare      = 0.035
	unknownValueShare  = 0.015
	unpricedShare      = 0.01
)

// overBudgetTag is the category the scenario drives over budget when the
// division has it; otherwise the last configured category is.
const overBudgetTag = "EXPLORATORY_MISSIONS"

// group is a set of streams sharing one monthly spend target: a configured
// category, or one of the unattributed or unpriced buckets the scenario
// plants. Its target for month m is budget × fraction[m].
type group struct {
	budget   float64
	fraction []float64 // per month index, 0..months
}

// roles says which configured category plays which part in the scenario.
type roles struct {
	overBudget int // heading over budget in the as-of month
	spike      int // the runaway cluster's category
	unpriced   int // tags the usage of the SKU without a price
}

func scenarioRoles(d budget.Division) roles {
	n := len(d.Categories)
	r := roles{overBudget: n - 1}
	for i, c := range d.Categories {
		if budget.NormalizeTag(c.TagValue) == overBudgetTag {
			r.overBudget = i
		}
	}
	if n > 1 && r.overBudget == 1 {
		r.spike = 0
	} else if n > 1 {
		r.spike = 1
	}
	r.unpriced = n - 1
	if n > 1 && r.unpriced == r.overBudget {
		r.unpriced = 0
	}
	return r
}

// growth is the division's spend trend: 82 % of today's level in the first
// month, rising linearly to 100 % a year later.
func growth(month int) float64 {
	return min(1, 0.82+0.18*float64(month)/float64(months-1))
}

// categoryGroup sets a category's monthly spend: 70-80 % of budget at full
// growth, a few percent of noise, and the over-budget and spike categories'
// parts in the last two months.
func categoryGroup(c budget.Category, index int, r roles) group {
	rng := rand.New(rand.NewPCG(seed, uint64(index)+1))
	base := 0.70 + 0.10*rng.Float64()
	g := group{budget: c.MonthlyBudget.Float64(), fraction: make([]float64, months+1)}
	for m := range g.fraction {
		g.fraction[m] = base * growth(m) * (0.97 + 0.06*rng.Float64())
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
// whole division's budget.
func bucketGroup(total, share float64) group {
	g := group{budget: total * share, fraction: make([]float64, months+1)}
	for m := range g.fraction {
		g.fraction[m] = 0.75 * growth(m)
	}
	return g
}
