package demo

import (
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// scenario is one of the seven categories the demo account knows: what it
// spends in a usual month at today's level, in USD, and how it works.
// Budgets play no part in it, so a budget changed in content/ moves a
// category's utilisation and never its spend. Against the shipped content/
// budgets the usual months are 72-78 % of budget, and they add up to 44,250
// USD a month.
type scenario struct {
	tag        string
	usual      float64
	owners     int  // people behind its workloads, 3-6
	serving    bool // runs a model serving endpoint
	photon     bool // explores on Photon clusters as well
	ml         bool // its production jobs and pipelines run in the ML workspace
	continuous bool // its DLT pipeline runs continuously instead of every four hours
}

// scenarios are the demo account's own categories, in the order their
// owners are drawn. Their tag values are the scenario's, whatever content/
// spells: a category content/ mistypes shows as the unknown value it is.
var scenarios = []scenario{
	{"DEEP_SPACE_TELEMETRY", 9000, 3, true, true, false, true},
	{"EXOPLANET_RESEARCH", 10650, 4, false, false, true, false},
	{"EXPLORATORY_MISSIONS", 3900, 5, false, true, false, false},
	{"MATERIALS_SCIENCE", 2800, 6, true, false, true, false},
	{"NAVIGATION_SYSTEMS", 5700, 3, false, true, false, false},
	{"ORBITAL_MECHANICS", 4600, 4, false, false, true, false},
	{"PROPULSION_ANALYTICS", 7600, 5, true, true, false, false},
}

// A category the scenario does not know spends genericSpend plus a multiple
// of genericStep chosen by its tag value: 2,000 to 5,000 USD a month.
const (
	genericSpend = 2000
	genericStep  = 100
	genericSteps = 31
)

// The categories that play the scenario's parts when the account holds
// them.
const (
	overBudgetTag = "EXPLORATORY_MISSIONS"
	spikeTag      = "EXOPLANET_RESEARCH"
	unpricedTag   = "PROPULSION_ANALYTICS"
)

// Spend of the scenario's parts, as multiples of a category's usual month,
// and of the unattributed and unpriced buckets, as shares of the account's
// categories' usual months together.
const (
	overBudgetRunRate = 1.60 // every month, without the growth: 6,240 USD for EXPLORATORY_MISSIONS
	spikeBase         = 0.87 // the spike category's month besides the spike
	spikeMultiple     = 5.5  // the runaway cluster's day, in average days of that month
	untaggedShare     = 0.035
	unknownValueShare = 0.015
	unpricedShare     = 0.01
)

// member is one category of the demo account: a scenario category that
// content/ names, exactly or by a near miss, or a content/ category the
// scenario does not know, which spends a generic amount under its own tag.
type member struct {
	tag       string // the OperationalCategory value the account writes
	slug      string // base of its Project tags and resource names
	known     bool   // a scenario category
	profile   scenario
	firstName int      // its owners' first slot in the name pool
	nodeTypes []string // from the content/ category's policy
}

// Name pool slots: the scenario categories' owners first, in scenarios
// order, then the unattributed buckets', then the unknown categories'.
const bucketOwners = 3

// members lists the account's categories in the division's order. A
// scenario category is held when a content/ category names it exactly
// (after budget.NormalizeTag) or by a near miss (budget.NearTag), once
// however many do; one content/ does not name is left out, so a small
// division stays small.
func members(d budget.Division) []member {
	slot := make([]int, len(scenarios)+1)
	for i, s := range scenarios {
		slot[i+1] = slot[i] + s.owners
	}
	generic := slot[len(scenarios)] + 2*bucketOwners
	held := make([]bool, len(scenarios))
	var out []member
	for _, c := range d.Categories {
		k := scenarioNamed(c.TagValue)
		switch {
		case k < 0:
			p := genericProfile(c.TagValue)
			out = append(out, member{tag: c.TagValue, slug: slugOf(c), profile: p, firstName: generic, nodeTypes: c.Policy.NodeTypes})
			generic += p.owners
		case !held[k]:
			held[k] = true
			s := scenarios[k]
			out = append(out, member{tag: s.tag, slug: tagSlug(s.tag), known: true, profile: s, firstName: slot[k], nodeTypes: c.Policy.NodeTypes})
		}
	}
	return out
}

// scenarioNamed returns the index of the scenario category that a content/
// tag value names, exactly or else by a near miss, or -1.
func scenarioNamed(tag string) int {
	for i, s := range scenarios {
		if budget.NormalizeTag(tag) == s.tag {
			return i
		}
	}
	for i, s := range scenarios {
		if budget.NearTag(tag, s.tag) {
			return i
		}
	}
	return -1
}

// genericProfile is how a category the scenario does not know works,
// chosen by its tag value so that it follows the tag wherever it sits.
func genericProfile(tag string) scenario {
	k := tagKey(tag)
	return scenario{
		tag:     tag,
		usual:   genericSpend + genericStep*float64(k%genericSteps),
		owners:  3 + int(k>>8%4),
		serving: k>>16%3 == 0,
		photon:  k>>24%2 == 0,
		ml:      k>>32%2 == 1,
	}
}

// tagKey is a stable number for a tag value, so what depends on a category
// follows its tag and not its position in the division.
func tagKey(tag string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(budget.NormalizeTag(tag)))
	return h.Sum64()
}

func slugOf(c budget.Category) string {
	if c.Slug != "" {
		return c.Slug
	}
	return tagSlug(c.TagValue)
}

func tagSlug(tag string) string { return strings.ReplaceAll(strings.ToLower(tag), "_", "-") }

// roles says which of the account's categories plays which part.
type roles struct {
	overBudget int // over budget every month
	spike      int // the runaway cluster's category
	unpriced   int // tags the usage of the SKU without a price
}

// scenarioRoles gives each part to the category whose tag the scenario
// casts in it. Without that tag the part falls back by position, keeping
// the parts apart where it can: over budget goes to the last category that
// is not cast as the spike or the unpriced one; the spike and the unpriced
// endpoint go to the first category not over budget.
func scenarioRoles(ms []member) roles {
	find := func(tag string) int {
		for i, m := range ms {
			if m.known && m.tag == tag {
				return i
			}
		}
		return -1
	}
	r := roles{overBudget: find(overBudgetTag), spike: find(spikeTag), unpriced: find(unpricedTag)}
	if r.overBudget < 0 {
		r.overBudget = len(ms) - 1
		for i := len(ms) - 1; i >= 0; i-- {
			if i != r.spike && i != r.unpriced {
				r.overBudget = i
				break
			}
		}
	}
	firstOther := 0
	if len(ms) > 1 && r.overBudget == 0 {
		firstOther = 1
	}
	if r.spike < 0 {
		r.spike = firstOther
	}
	if r.unpriced < 0 {
		r.unpriced = firstOther
	}
	return r
}

// cast puts a trap on one workload of the category with tag, or, when the
// account does not hold it, of the category at position (modulo the
// account's categories).
type cast struct {
	tag      string
	position int
	product  int
}

func (c cast) member(ms []member) int {
	for i, m := range ms {
		if m.known && m.tag == c.tag {
			return i
		}
	}
	return c.position % len(ms)
}

// The traps on single workloads: which writes its category the way people
// mistype it (style i for the i-th), and which lacks an Owner tag.
var (
	variantCasts = []cast{
		{"DEEP_SPACE_TELEMETRY", 0, pInteractive},
		{"EXOPLANET_RESEARCH", 1, pNightlyJobs},
		{"EXPLORATORY_MISSIONS", 2, pSQLPro},
	}
	ownerCasts = []cast{
		{"EXOPLANET_RESEARCH", 1, pServerlessJobs},   // run_as
		{"EXPLORATORY_MISSIONS", 2, pServerlessSQL},  // owned_by
		{"MATERIALS_SCIENCE", 3, pInteractivePhoton}, // created_by
		{"DEEP_SPACE_TELEMETRY", 0, pServing},        // nobody: the owner is unknown
	}
)

// part is what a group plays in the scenario.
type part int

const (
	ordinary   part = iota // its usual month grown by the trend
	overBudget             // runs at overBudgetRunRate every month
	spiking                // runs at spikeBase besides its spike
	bucket                 // an unattributed or unpriced bucket: the trend, no noise
)

// group is a set of streams sharing one monthly spend target: a category
// of the account, or one of the unattributed or unpriced buckets the
// scenario plants.
type group struct {
	usual float64 // USD a month at today's level
	part  part
	key   uint64 // seeds the category's monthly noise
}

// monthly is the group's spend target for the calendar month starting at
// month: its usual month grown by the trend (the over-budget part runs at
// its own level instead), times a few percent of noise drawn for its tag
// and month. It depends on the calendar only.
func (g group) monthly(month time.Time) float64 {
	f := growth(month)
	switch g.part {
	case overBudget:
		f = overBudgetRunRate
	case spiking:
		f *= spikeBase
	case bucket:
		return g.usual * f
	}
	rng := rand.New(rand.NewPCG(seed^g.key, uint64(month.Year()*12+int(month.Month()))))
	return g.usual * f * (0.97 + 0.06*rng.Float64())
}

// memberGroup is the spend of the account's category i.
func memberGroup(m member, i int, r roles) group {
	g := group{usual: m.profile.usual, key: tagKey(m.tag)}
	switch i {
	case r.overBudget:
		g.part = overBudget
	case r.spike:
		g.part = spiking
	}
	return g
}
