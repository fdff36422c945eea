package copilot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/novadynamics/stellar-budget/internal/breach"
	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/gate"
	"github.com/novadynamics/stellar-budget/internal/trail"
)

// Breach is an alert the webhook received, read by package webhook.
type Breach struct {
	Key       string // once-only key of the event
	Category  string // the category's tag_value
	Triggered bool   // false: the alert is not in TRIGGERED; nothing is done
	Summary   string // what happened, for the trail
	Arguments json.RawMessage
}

// BreachAnswer is the alert webhook's answer.
type BreachAnswer struct {
	Event       string          `json:"event"`
	Category    string          `json:"category,omitempty"`
	Action      string          `json:"action,omitempty"` // the category's on_breach action
	DryRun      bool            `json:"dry_run"`
	Outcome     trail.Outcome   `json:"outcome"`
	Reason      string          `json:"reason"`
	AsOf        string          `json:"as_of"`
	DataThrough string          `json:"data_through"`
	Clusters    []ClusterAnswer `json:"clusters"`
}

// OnBreach does what the category's on_breach says about an alert, once
// per event key: notify does nothing to clusters; scale_down and
// terminate take package breach's steps over the workspace's clusters of
// the category, carried out unless the category is dry-run. The event's
// decision is recorded (with the answer) before anything is done, so a
// redelivery gets the first answer and acts no more. When the plan has one
// cluster step, that entry carries the cluster; with more, each step gets
// an entry of its own under "<key>/<cluster id>" after the event's.
func (s *Service) OnBreach(ctx context.Context, caller gate.Caller, b Breach) (Result, error) {
	k := "alert/" + b.Key
	if r, ok, err := s.replay(ctx, k); ok || err != nil {
		return r, err
	}
	snap, err := s.snapshot(ctx)
	if err != nil {
		return Result{}, err
	}
	now := s.Now()
	ans := BreachAnswer{Event: b.Summary, Category: b.Category, AsOf: string(snap.AsOf), DataThrough: string(snap.DataThrough), Clusters: []ClusterAnswer{}}
	div := Division(snap)
	cat, ok := div.CategoryByTag(b.Category)
	if !ok {
		return Result{}, gate.Refuse(http.StatusUnprocessableEntity, "no_category", "no category %q in the snapshot of %s", b.Category, snap.AsOf)
	}
	ans.Action, ans.DryRun = cat.OnBreach.Action, cat.OnBreach.DryRun
	var steps []breach.Step
	switch {
	case !b.Triggered:
		ans.Outcome, ans.Reason = trail.Noop, "the alert is not TRIGGERED: nothing to do"
	case cat.OnBreach.Action == budget.ActionNotify:
		ans.Outcome, ans.Reason = trail.Noop, cat.Title+"'s on_breach is notify: no cluster is changed"
	default:
		if s.Clusters == nil {
			return Result{}, unavailable("Databricks")
		}
		all, err := s.Clusters.List(ctx)
		if err != nil {
			return Result{}, fmt.Errorf("list clusters: %w", err)
		}
		if steps, err = breach.Plan(cat, all); err != nil {
			return Result{}, err
		}
		ans.Outcome, ans.Reason = summarize(steps, cat)
		for _, st := range steps {
			ans.Clusters = append(ans.Clusters, answerOf(snap, st, cat, outcomeOf(st, cat.OnBreach.DryRun), now))
		}
	}
	body, err := json.Marshal(ans)
	if err != nil {
		return Result{}, fmt.Errorf("encode the answer: %w", err)
	}
	d := trail.Decision{Time: now, Key: k, Caller: caller.Name, Role: string(caller.Role), Tool: trail.ToolAlertWebhook,
		Outcome: ans.Outcome, Arguments: b.Arguments, Reason: b.Summary + ": " + ans.Reason, Category: cat.TagValue,
		DataAsOf: snap.DataThrough.Time(), Answer: body}
	acting := actingSteps(steps)
	if len(acting) == 1 {
		withCluster(&d, ans.Clusters[indexOf(steps, acting[0])])
	}
	once, err := decideOnce(ctx, s.Trail, d)
	if err != nil {
		return Result{}, err
	}
	if !once.Inserted {
		return replayed(once.Entry), nil
	}
	s.log().Info("alert webhook", "event", b.Summary, "category", cat.TagValue, "outcome", ans.Outcome, "clusters", len(acting))
	return Result{Body: body}, s.carryOutAll(ctx, steps, ans.Clusters, d, cat.OnBreach.DryRun)
}

// carryOutAll records and applies each acting step after the decision d
// (which is the step's record when it is the only one); answers are the
// steps' answers, in their order. Dry-run, the steps are only recorded.
func (s *Service) carryOutAll(ctx context.Context, steps []breach.Step, answers []ClusterAnswer, d trail.Decision, dryRun bool) error {
	acting := actingSteps(steps)
	for _, st := range acting {
		sd := d
		if len(acting) > 1 {
			sd.Key = d.Key + "/" + st.Before.ID
			withCluster(&sd, answers[indexOf(steps, st)])
			if _, inserted, err := s.Trail.Append(ctx, sd); err != nil || !inserted {
				if err != nil {
					return fmt.Errorf("record the step of %s: %w", st.Before.ID, err)
				}
				continue
			}
		}
		if dryRun {
			continue
		}
		if err := carryOut(ctx, s.Trail, s.Clusters, st, sd, s.Now()); err != nil {
			return err
		}
	}
	return nil
}

func withCluster(d *trail.Decision, a ClusterAnswer) {
	d.Outcome, d.Owner, d.Before, d.After = a.Outcome, a.Owner, a.Before, a.After
	d.SavingsHourlyUSD, d.SavingsMonthlyUSD = a.SavingsHourly, a.SavingsMonthly
}

func actingSteps(steps []breach.Step) []breach.Step {
	var out []breach.Step
	for _, s := range steps {
		if s.Acts() {
			out = append(out, s)
		}
	}
	return out
}

func indexOf(steps []breach.Step, s breach.Step) int {
	for i, t := range steps {
		if t.Before.ID == s.Before.ID {
			return i
		}
	}
	return -1
}

// summarize is the event's outcome: what its steps come to together.
func summarize(steps []breach.Step, cat budget.Category) (trail.Outcome, string) {
	n := len(actingSteps(steps))
	switch {
	case n == 0:
		return trail.Noop, fmt.Sprintf("%s: no cluster of %s to %s (%d left alone)", cat.OnBreach.Action, cat.Title, verb(cat.OnBreach.Action), len(steps))
	case cat.OnBreach.DryRun:
		return trail.DryRun, fmt.Sprintf("%s: would %s %d cluster%s of %s (dry-run)", cat.OnBreach.Action, verb(cat.OnBreach.Action), n, plural(n), cat.Title)
	}
	return trail.Acted, fmt.Sprintf("%s: %s %d cluster%s of %s", cat.OnBreach.Action, past(cat.OnBreach.Action), n, plural(n), cat.Title)
}

func verb(action string) string {
	if action == budget.ActionTerminate {
		return "terminate"
	}
	return "scale down"
}

func past(action string) string {
	if action == budget.ActionTerminate {
		return "terminated"
	}
	return "scaled down"
}
