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

// What the agent page shows: the agent trail (every decision of the
// alert webhook, the copilot's tools and the daily run) and what its
// actions saved. The pipeline reads the trail and hands it over as a
// Trail; this file only computes, so the report links no trail store.
//
// Realised savings are measured from the usage, not taken from the
// estimates. For each acted decision on a cluster (an entry with outcome
// acted and cluster_before), on day D (the entry's UTC day):
//
//  1. The baseline is the cluster's mean daily cost over the BaselineDays
//     days before D (fewer when the data starts later), every fact whose
//     workload is that cluster counted, whatever its category, and a day
//     without usage as zero. No cost in those days: "no usage before".
//  2. The measured days are the complete days after D, through the
//     report's last complete day (a partial last day is not complete) and
//     before the day of the next acted decision on the same cluster,
//     which then owns the days after it. None: "not measured yet", or
//     "superseded" when the next decision came first.
//  3. Realised = the sum over the measured days of (baseline - that day's
//     cost), exact, rounded to cents once. It is shown as it comes out,
//     negative when the cluster cost more after the action.
//
// The headline sums the entries' rounded figures, so the CSV's
// realised_usd column adds up to it, and counts the distinct owners of the
// measured entries (the entry's owner, else the cluster's owner in the
// facts: the one with the most of its cost). Beside it are the estimated
// monthly savings of acted decisions and of dry-run ones; a cluster
// decided on in dry run again and again (the daily run does) counts once,
// at its latest decision, so the dry-run figure is what acting on the
// latest decisions would save, not a sum of repeats.

// BaselineDays is how many days before an action its cluster's baseline
// daily cost is measured on.
const BaselineDays = 7

// AgentShown is how many entries, newest first, the agent page lists; the
// CSV holds them all.
const AgentShown = 200

// The outcomes of a trail entry, as the trail writes them.
const (
	OutcomeActed  = "acted"
	OutcomeDryRun = "dry_run"
)

// Trail is the agent trail as the pipeline read it.
type Trail struct {
	// Location names the trail: a file or a table. Empty when no trail is
	// kept (Note says why).
	Location string
	Note     string
	// Problem says why the trail could not be read or does not verify;
	// Entries is then empty.
	Problem string
	Head    string // the last entry's hash
	Entries []TrailEntry
}

// TrailEntry is one decision of the trail.
type TrailEntry struct {
	Seq      int64
	Time     time.Time
	Tool     string
	Caller   string
	Role     string
	Outcome  string
	Category string
	Owner    string
	Reason   string
	Before   *TrailCluster // nil when the decision concerned no cluster
	After    *TrailCluster
	// SavingsHourly and SavingsMonthly are the estimates the decision
	// gave; nil when it gave none.
	SavingsHourly  *budget.Decimal
	SavingsMonthly *budget.Decimal
	Hash           string
}

// TrailCluster is a cluster as a decision saw or left it.
type TrailCluster struct {
	ID         string
	Name       string
	State      string
	Workers    int
	Autoscale  bool
	MinWorkers int
	MaxWorkers int
}

// ClusterID is the id of the cluster the entry concerns; "" when none.
func (e TrailEntry) ClusterID() string {
	switch {
	case e.Before != nil:
		return e.Before.ID
	case e.After != nil:
		return e.After.ID
	}
	return ""
}

// ShortHash is the entry's hash shortened for a table cell.
func (e TrailEntry) ShortHash() string { return shortHash(e.Hash) }

func shortHash(h string) string {
	const n = 12
	if len(h) <= n {
		return h
	}
	return h[:n]
}

// Agent is the agent page: the trail, newest first, with each acted
// decision's realised saving, and the headline figures.
type Agent struct {
	Location string
	Note     string // why no trail is kept; "" when one is
	Problem  string // why the trail is not shown; "" when it verified
	Head     string
	Count    int
	Entries  []AgentEntry // newest first
	Savings  AgentSavings
	// Method says in a sentence or two how realised savings are measured.
	Method string
	// Through is the last complete day of the data: the last day a
	// realised saving is measured on.
	Through time.Time
}

// Kept reports whether a trail is configured.
func (a *Agent) Kept() bool { return a.Note == "" }

// Verified reports whether the trail was read and its chain verified.
func (a *Agent) Verified() bool { return a.Note == "" && a.Problem == "" }

// ShortHead is the head hash shortened.
func (a *Agent) ShortHead() string { return shortHash(a.Head) }

// Shown are the entries the page lists: the AgentShown newest.
func (a *Agent) Shown() []AgentEntry { return a.Entries[:min(len(a.Entries), AgentShown)] }

// BreachRecord is what the trail holds of the alert webhook's decisions
// for one category.
type BreachRecord struct {
	Decisions int
	Last      time.Time // the newest one's time
}

// BreachesOf counts the alert webhook's decisions for the category of
// tag_value tag in the trail.
func (a *Agent) BreachesOf(tag string) BreachRecord {
	var r BreachRecord
	for _, e := range a.Entries { // newest first
		if e.Tool == toolAlertWebhook && e.Category == tag {
			if r.Decisions == 0 {
				r.Last = e.Time
			}
			r.Decisions++
		}
	}
	return r
}

// toolAlertWebhook is the alert webhook's name in the trail (trail.ToolAlertWebhook).
const toolAlertWebhook = "alert-webhook"

// AgentEntry is a trail entry with what it realised.
type AgentEntry struct {
	TrailEntry
	Realised Realised
}

// The states of a realised saving.
const (
	RealisedNone       = ""                 // not an acted decision on a cluster
	RealisedMeasured   = "measured"         // Saved holds the figure
	RealisedNotYet     = "not measured yet" // no complete day after the action yet
	RealisedNoBaseline = "no usage before"  // the cluster cost nothing in the days before
	RealisedSuperseded = "superseded"       // the next action on the cluster came first
)

// Realised is an acted decision's saving measured from the usage.
type Realised struct {
	State        string
	Baseline     budget.Decimal // mean daily cost before, rounded to cents (shown; Saved uses the exact mean)
	BaselineDays int
	From, To     time.Time // the measured days
	Days         int
	Saved        budget.Decimal // to the cent; negative when the cluster cost more after
}

// Measured reports whether Saved holds a figure.
func (r Realised) Measured() bool { return r.State == RealisedMeasured }

// AgentSavings are the page's headline figures.
type AgentSavings struct {
	Realised budget.Decimal // sum of the measured entries' Saved
	Owners   int            // distinct owners of the measured entries
	Measured int            // acted entries measured
	Acted    int            // acted decisions on clusters
	// EstimatedActed sums the monthly estimates of the acted decisions;
	// EstimatedDryRun those of the latest dry-run decision per cluster
	// (decisions on no cluster each count), DryRunDecisions how many
	// decisions that is.
	EstimatedActed  budget.Decimal
	EstimatedDryRun budget.Decimal
	DryRunDecisions int
}

// agentMethod is the method as the page states it.
const agentMethod = "Realised savings are measured from the usage: for each action that resized or terminated a cluster, the cluster's mean daily cost over the 7 days before the action's day (UTC) is the baseline, and the saving is the sum of (baseline − that day's cost) over each complete day after it, up to the next action on the same cluster. It is shown as measured, negative when the cluster cost more afterwards."

// SetAgent computes the agent page from the trail and the facts the report
// was built from: a cluster's days are read from the detail facts (those
// after the as-of date are ignored), so its usage starts where they do.
func (r *Report) SetAgent(t Trail, facts budget.Facts) {
	a := &Agent{Location: t.Location, Note: t.Note, Problem: t.Problem, Head: t.Head, Count: len(t.Entries), Method: agentMethod, Through: r.lastCompleteDay()}
	r.Agent = a
	if a.Note != "" || a.Problem != "" {
		return
	}
	entries := slices.Clone(t.Entries)
	slices.SortStableFunc(entries, func(x, y TrailEntry) int { return cmp.Compare(x.Seq, y.Seq) })
	costs := clusterCosts(facts.Detail, r.AsOf)
	first := r.Source.FirstDate
	if facts.DetailFrom.After(first) {
		first = facts.DetailFrom
	}
	owners := map[string]bool{}
	latestDry := map[string]*budget.Decimal{}
	var loose []*budget.Decimal // dry runs on no cluster
	for i, e := range entries {
		ae := AgentEntry{TrailEntry: e}
		switch {
		case e.Outcome == OutcomeActed && e.Before != nil:
			a.Savings.Acted++
			ae.Realised = realised(e, entries[i+1:], costs[e.Before.ID], first, a.Through)
			if ae.Realised.Measured() {
				a.Savings.Measured++
				a.Savings.Realised = a.Savings.Realised.Add(ae.Realised.Saved)
				owner := e.Owner
				if owner == "" {
					owner = costs[e.Before.ID].owner()
				}
				owners[owner] = true
			}
		case e.Outcome == OutcomeDryRun:
			if id := e.ClusterID(); id != "" {
				latestDry[id] = e.SavingsMonthly
			} else {
				loose = append(loose, e.SavingsMonthly)
			}
		}
		if e.Outcome == OutcomeActed && e.SavingsMonthly != nil {
			a.Savings.EstimatedActed = a.Savings.EstimatedActed.Add(*e.SavingsMonthly)
		}
		a.Entries = append(a.Entries, ae)
	}
	a.Savings.Owners = len(owners)
	for _, s := range append(slices.Collect(maps.Values(latestDry)), loose...) {
		a.Savings.DryRunDecisions++
		if s != nil {
			a.Savings.EstimatedDryRun = a.Savings.EstimatedDryRun.Add(*s)
		}
	}
	slices.Reverse(a.Entries)
}

// lastCompleteDay is the last day the report's data holds whole.
func (r *Report) lastCompleteDay() time.Time {
	day := r.AsOf
	if through := r.Source.DataThrough; !through.IsZero() && through.Before(day) {
		day = through
	}
	if r.Source.PartialDay {
		day = day.AddDate(0, 0, -1)
	}
	return day
}

// clusterUsage is one cluster's cost by day and by owner.
type clusterUsage struct {
	days    map[time.Time]budget.Decimal
	byOwner map[string]budget.Spend
}

// owner is the owner with the most of the cluster's cost (then DBUs, then
// the first by name); budget.UnknownOwner when the facts hold no usage.
func (c clusterUsage) owner() string {
	if len(c.byOwner) == 0 {
		return budget.UnknownOwner
	}
	keys := slices.SortedFunc(maps.Keys(c.byOwner), func(a, b string) int {
		sa, sb := c.byOwner[a], c.byOwner[b]
		return cmp.Or(sb.Cost.Cmp(sa.Cost), sb.DBUs.Cmp(sa.DBUs), strings.Compare(a, b))
	})
	return keys[0]
}

// clusterCosts sums the facts of cluster workloads by cluster id (across
// workspaces: a cluster id is unique to its cluster) and day, up to asOf.
func clusterCosts(facts []budget.Fact, asOf time.Time) map[string]clusterUsage {
	out := map[string]clusterUsage{}
	for _, f := range facts {
		day := dateOf(f.Date)
		if f.WorkloadType != WorkloadCluster || f.WorkloadID == "" || day.After(asOf) {
			continue
		}
		c, ok := out[f.WorkloadID]
		if !ok {
			c = clusterUsage{days: map[time.Time]budget.Decimal{}, byOwner: map[string]budget.Spend{}}
			out[f.WorkloadID] = c
		}
		c.days[day] = c.days[day].Add(f.Cost)
		s := c.byOwner[f.Owner]
		s.AddFact(f)
		c.byOwner[f.Owner] = s
	}
	return out
}

// realised measures one acted decision e; later are the entries after it
// in the trail, first the data's first day and through its last complete
// day.
func realised(e TrailEntry, later []TrailEntry, usage clusterUsage, first, through time.Time) Realised {
	day := dateOf(e.Time)
	from := day.AddDate(0, 0, -BaselineDays)
	if !first.IsZero() && dateOf(first).After(from) {
		from = dateOf(first)
	}
	var r Realised
	var before budget.Decimal
	for d := from; d.Before(day); d = d.AddDate(0, 0, 1) {
		before = before.Add(usage.days[d])
		r.BaselineDays++
	}
	if r.BaselineDays == 0 || before.Sign() == 0 {
		r.State = RealisedNoBaseline
		return r
	}
	mean := new(big.Rat).Quo(before.Rat(), big.NewRat(int64(r.BaselineDays), 1))
	r.Baseline = mustRat(mean, 2)
	end := through
	superseded := false
	for _, n := range later {
		if n.Outcome == OutcomeActed && n.Before != nil && n.Before.ID == e.Before.ID {
			if next := dateOf(n.Time).AddDate(0, 0, -1); next.Before(end) || next.Equal(end) {
				end, superseded = next, true
			}
			break
		}
	}
	r.From = day.AddDate(0, 0, 1)
	if end.Before(r.From) {
		r.State = RealisedNotYet
		if superseded {
			r.State = RealisedSuperseded
		}
		return r
	}
	r.To = end
	saved := new(big.Rat)
	for d := r.From; !d.After(end); d = d.AddDate(0, 0, 1) {
		saved.Add(saved, mean)
		saved.Sub(saved, usage.days[d].Rat())
		r.Days++
	}
	r.State, r.Saved = RealisedMeasured, mustRat(saved, 2)
	return r
}

// mustRat is fromRat for figures within a Decimal's range: sums and means
// of the facts' costs.
func mustRat(x *big.Rat, places int) budget.Decimal {
	d, err := fromRat(x, places)
	if err != nil {
		panic(err)
	}
	return d
}
