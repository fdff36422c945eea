package copilot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"time"

	"github.com/novadynamics/stellar-budget/internal/breach"
	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/dbclient"
	"github.com/novadynamics/stellar-budget/internal/gate"
	"github.com/novadynamics/stellar-budget/internal/snapshot"
	"github.com/novadynamics/stellar-budget/internal/trail"
)

// Division is the part of content/ the snapshot carries: each category's
// tag, title, policy and on_breach rule, as package breach reads them.
func Division(snap *snapshot.Snapshot) budget.Division {
	var d budget.Division
	for _, c := range snap.Categories {
		d.Categories = append(d.Categories, budget.Category{
			Slug: c.Slug, Title: c.Title, TagValue: c.TagValue,
			MonthlyBudget: c.MonthlyBudget.Decimal(),
			Policy:        budget.Policy{MaxWorkers: c.Policy.MaxWorkers, AutoterminationMinutes: c.Policy.AutoterminationMinutes, NodeTypes: c.Policy.NodeTypes},
			OnBreach:      budget.OnBreach{Action: c.OnBreach.Action, DryRun: c.OnBreach.DryRun},
		})
	}
	return d
}

// ClusterAnswer is what a caller is told about one cluster step.
type ClusterAnswer struct {
	ClusterID string         `json:"cluster_id"`
	Op        string         `json:"op"`      // resize, terminate, skip, refuse
	Outcome   trail.Outcome  `json:"outcome"` // acted, dry_run, noop, refused
	Reason    string         `json:"reason"`
	Category  string         `json:"category,omitempty"`
	Owner     string         `json:"owner,omitempty"`
	Before    *trail.Cluster `json:"cluster_before"`
	After     *trail.Cluster `json:"cluster_after"`
	// Estimated savings at the cluster's recent list cost an hour
	// (snapshot clusters); "" when it had no recent usage.
	SavingsHourly  string `json:"savings_hourly_usd,omitempty"`
	SavingsMonthly string `json:"savings_monthly_usd,omitempty"`
}

// outcomeOf is what a step comes to under a category's dry_run.
func outcomeOf(s breach.Step, dryRun bool) trail.Outcome {
	switch {
	case s.Op == breach.Refuse:
		return trail.Refused
	case !s.Acts():
		return trail.Noop
	case dryRun:
		return trail.DryRun
	}
	return trail.Acted
}

// answerOf describes a step, with the savings the snapshot's rates give
// for the hours from now to the end of the as-of month.
func answerOf(snap *snapshot.Snapshot, s breach.Step, cat budget.Category, outcome trail.Outcome, now time.Time) ClusterAnswer {
	a := ClusterAnswer{
		ClusterID: s.Before.ID, Op: string(s.Op), Outcome: outcome, Reason: s.Reason,
		Category: cat.TagValue, Owner: s.Before.Owner(),
		Before: traced(s.Before), After: traced(s.After),
	}
	if !s.Acts() {
		return a
	}
	rated, ok := snap.Cluster(s.Before.ID)
	if !ok {
		return a
	}
	rate := rated.USDPerHour.Decimal().Rat()
	after := new(big.Rat)
	if s.Op == breach.Resize {
		after = rateAfter(rate, s.Before, s.After)
	}
	hourly := new(big.Rat).Sub(rate, after)
	a.SavingsHourly = hourly.FloatString(6)
	a.SavingsMonthly = roundCents(new(big.Rat).Mul(hourly, hoursLeft(snap, now)))
	return a
}

// rateAfter is a cluster's cost an hour once resized from before to
// after, at rate an hour now: in proportion to its nodes.
func rateAfter(rate *big.Rat, before, after budget.Cluster) *big.Rat {
	return new(big.Rat).Mul(rate, new(big.Rat).Quo(nodes(after), nodes(before)))
}

// nodes is a cluster's nodes, the driver counted: an autoscaling one at
// the middle of its range.
func nodes(c budget.Cluster) *big.Rat {
	if a := c.Autoscale; a != nil {
		return big.NewRat(int64(a.Min+a.Max+2), 2)
	}
	return big.NewRat(int64(c.Workers+1), 1)
}

// hoursLeft are the hours from now (or the end of the data, if later) to
// the end of the snapshot's as-of month.
func hoursLeft(snap *snapshot.Snapshot, now time.Time) *big.Rat {
	asOf := snap.AsOf.Time()
	end := time.Date(asOf.Year(), asOf.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	from := now
	if through := snap.DataThrough.Time(); through.After(from) {
		from = through
	}
	left := max(end.Sub(from), 0)
	return new(big.Rat).SetFrac64(int64(left/time.Second), 3600)
}

func traced(c budget.Cluster) *trail.Cluster {
	t := &trail.Cluster{ID: c.ID, Name: c.Name, State: string(c.State), Workers: c.Workers}
	if a := c.Autoscale; a != nil {
		t.Autoscale = &trail.Autoscale{MinWorkers: a.Min, MaxWorkers: a.Max}
	}
	return t
}

// Once is what a decision under a key came to: the answer first given,
// and whether this call is the one that made it (and must act).
type Once struct {
	Entry    trail.Entry
	Inserted bool
}

// decideOnce records d under its key unless the key is there; a second
// call with the key gets the first entry, and the failure recorded after
// it when its action failed.
func decideOnce(ctx context.Context, store trail.Store, d trail.Decision) (Once, error) {
	e, inserted, err := store.Append(ctx, d)
	if err != nil {
		return Once{}, fmt.Errorf("record the decision: %w", err)
	}
	if !inserted {
		if r, ok, err := store.Lookup(ctx, d.Key+resultSuffix); err == nil && ok {
			e = r
		}
	}
	return Once{Entry: e, Inserted: inserted}, nil
}

// resultSuffix keys what became of an action that failed after its
// decision was recorded.
const resultSuffix = "/result"

// carryOut applies an acting step whose decision was just recorded; a
// failure is recorded under the decision's key + "/result" with the answer
// the caller gets, a 502.
func carryOut(ctx context.Context, store trail.Store, clusters dbclient.Clusters, s breach.Step, d trail.Decision, now time.Time) error {
	err := dbclient.Apply(ctx, clusters, s)
	if err == nil {
		return nil
	}
	d.After = d.Before
	return recordFailure(ctx, store, d, gate.Refuse(http.StatusBadGateway, "action_failed", "%s of %s failed: %v", s.Op, s.Before.ID, err), now)
}

// recordFailure records that the action decided in d failed, under d's
// key + "/result" with p as the answer a retry gets, and returns p.
func recordFailure(ctx context.Context, store trail.Store, d trail.Decision, p *gate.Problem, now time.Time) error {
	failed := d
	failed.Key, failed.Time, failed.Outcome, failed.Reason = d.Key+resultSuffix, now, trail.Failed, p.Message
	failed.Answer, _ = json.Marshal(struct {
		Error *gate.Problem `json:"error"`
	}{p})
	if _, _, terr := store.Append(ctx, failed); terr != nil {
		return errors.Join(p, fmt.Errorf("record the failure: %w", terr))
	}
	return p
}
