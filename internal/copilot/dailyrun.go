package copilot

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/novadynamics/stellar-budget/internal/breach"
	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/gate"
	"github.com/novadynamics/stellar-budget/internal/snapshot"
	"github.com/novadynamics/stellar-budget/internal/trail"
)

// The daily run (`generator agent run`) judges every owner's predicted
// burn in each category against their share of the category's budget and
// acts on the owners over it, within the category's rules.
//
// An owner's share is the allowance content/ gives them in the category
// (snapshot allowances); without one, the category's monthly budget times
// the owner's share of its spend over the three calendar months before
// the as-of month (owners_last_3_months). A category with no spend in
// those months gives no shares: its owners without an allowance are not
// judged. The share is per month; the burn is over BurnDays days, so it
// is held against share × BurnDays / the days of the as-of month.
//
// An owner over it gets a Slack post and their clusters in the category
// (Owner tag, else creator: budget.Cluster.Owner) scaled down as package
// breach's scale_down rule does, whatever the category's on_breach action
// beyond notify (notify: the clusters are left alone; terminate: the run
// still only scales down). Without RunOptions.Apply nothing is posted or
// changed, and a category whose on_breach is dry-run is never changed.

// BurnDays is the horizon of the daily run's burn forecast.
const BurnDays = 30

// The caller and role the daily run's decisions are traced under.
const (
	RunCaller = "schedule"
	RunRole   = "schedule"
)

// RunOptions say what the daily run may do.
type RunOptions struct {
	// Apply posts to Slack and scales clusters down (in categories whose
	// on_breach is not dry-run); without it every decision is traced as
	// dry_run and nothing is changed.
	Apply bool
	// Channel is where the posts go with a Slack bot token (an incoming
	// webhook posts to its own channel).
	Channel string
}

// RunReport is what a daily run decided.
type RunReport struct {
	Key         string `json:"key"` // the run's once-only key, the prefix of its owners'
	Time        string `json:"time"`
	Apply       bool   `json:"apply"`
	AsOf        string `json:"as_of"`
	DataThrough string `json:"data_through"`
	// Judged and Over count the owners judged and those over their share.
	Judged int `json:"judged"`
	Over   int `json:"over"`
	// Owners are every owner judged, by category, the furthest over
	// first.
	Owners []Burn `json:"owners"`
	// Problems are what went wrong (a post or an action that failed); the
	// trail holds each.
	Problems []string `json:"problems"`
	// Replayed is true when the run had already been made under this key
	// (an --apply run on the same day): this is its first report.
	Replayed bool `json:"replayed,omitempty"`
}

// Burn is one owner's predicted burn in one category against their share.
type Burn struct {
	Category string `json:"category"` // tag_value
	Owner    string `json:"owner"`
	// Burn30 is the spend predicted over the next BurnDays days, with its
	// 80 % interval.
	Burn30     string `json:"burn_30d_usd"`
	Burn30Low  string `json:"burn_30d_low_usd"`
	Burn30High string `json:"burn_30d_high_usd"`
	// Share is the owner's monthly share of the budget and Basis how it
	// was set: "allowance" (content/), "share" (SharePct of the last three
	// months' spend) or "none" (not judged); Share30 is it over BurnDays.
	Share    string `json:"share_usd"`
	Basis    string `json:"basis"`
	SharePct string `json:"share_pct,omitempty"`
	Share30  string `json:"share_30d_usd"`
	// OverBy is Burn30 less Share30 when positive.
	OverBy   string          `json:"over_by_usd,omitempty"`
	Outcome  trail.Outcome   `json:"outcome"`
	Reason   string          `json:"reason"`
	Clusters []ClusterAnswer `json:"clusters,omitempty"`
	Slack    *SlackAnswer    `json:"slack,omitempty"`
	over     *big.Rat
}

// Share bases.
const (
	BasisAllowance = "allowance"
	BasisShare     = "share"
	BasisNone      = "none"
)

// Run makes the daily run over the snapshot's owners. A run with Apply is
// once a day (its key is the UTC day of Now): a second one that day gets
// the first report and does nothing. A dry run is keyed by its time, so
// each is traced.
func (s *Service) Run(ctx context.Context, opts RunOptions) (RunReport, error) {
	if s.Trail == nil {
		return RunReport{}, errors.New("no trail store: the daily run traces every decision")
	}
	now := s.Now().UTC()
	key := "agent-run/dry-run/" + now.Format("2006-01-02T15:04:05.000Z")
	if opts.Apply {
		key = "agent-run/" + now.Format(time.DateOnly)
		if e, ok, err := s.Trail.Lookup(ctx, key); err != nil || ok {
			if err != nil {
				return RunReport{}, fmt.Errorf("read the trail: %w", err)
			}
			return replayedRun(e)
		}
	}
	snap, err := s.snapshot(ctx)
	if err != nil {
		return RunReport{}, err
	}
	rep := RunReport{Key: key, Time: now.Format(time.RFC3339), Apply: opts.Apply, AsOf: string(snap.AsOf), DataThrough: string(snap.DataThrough), Owners: []Burn{}, Problems: []string{}}
	var clusters []budget.Cluster
	listed := false
	for _, c := range snap.Categories {
		burns := judge(snap, c)
		for i := range burns {
			b := &burns[i]
			rep.Judged++
			if b.over == nil {
				continue
			}
			rep.Over++
			if !listed && s.Clusters != nil {
				if clusters, err = s.Clusters.List(ctx); err != nil {
					return rep, fmt.Errorf("list clusters: %w", err)
				}
			}
			listed = true
			if err := s.act(ctx, snap, c, clusters, b, key, opts, now); err != nil {
				var p *gate.Problem
				if !errors.As(err, &p) {
					return rep, err
				}
				rep.Problems = append(rep.Problems, p.Message)
			}
		}
		rep.Owners = append(rep.Owners, burns...)
	}
	body, err := json.Marshal(rep)
	if err != nil {
		return rep, fmt.Errorf("encode the run's report: %w", err)
	}
	d := trail.Decision{
		Time: s.Now(), Key: key, Caller: RunCaller, Role: RunRole, Tool: trail.ToolAgentRun, Outcome: trail.Noop,
		Reason:   fmt.Sprintf("judged %d owner%s' 30-day burn: %d over their share", rep.Judged, plural(rep.Judged), rep.Over),
		DataAsOf: snap.DataThrough.Time(), Answer: body,
	}
	if _, _, err := s.Trail.Append(ctx, d); err != nil {
		return rep, fmt.Errorf("record the run: %w", err)
	}
	s.log().Info("agent run", "judged", rep.Judged, "over", rep.Over, "apply", opts.Apply)
	return rep, nil
}

// replayedRun is the report of a run already made.
func replayedRun(e trail.Entry) (RunReport, error) {
	var rep RunReport
	if err := json.Unmarshal(e.Answer, &rep); err != nil {
		return RunReport{}, fmt.Errorf("read the run of %s in the trail: %w", e.Key, err)
	}
	rep.Replayed = true
	return rep, nil
}

// judge forecasts each of the category's owners' burn and sets their
// share; an owner over it has over set. Furthest over first, then by
// owner.
func judge(snap *snapshot.Snapshot, c snapshot.Category) []Burn {
	asOf := snap.AsOf.Time()
	daysInMonth := time.Date(asOf.Year(), asOf.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	recent, total := map[string]*big.Rat{}, new(big.Rat)
	for _, o := range c.RecentOwners {
		r := o.Cost.Decimal().Rat()
		recent[o.Owner] = r
		total.Add(total, r)
	}
	monthBudget := c.MonthlyBudget.Decimal().Rat()
	out := make([]Burn, 0, len(c.OwnerDaily))
	for _, od := range c.OwnerDaily {
		burn := fit(od.Daily, asOf).Burn(BurnDays)
		b := Burn{Category: c.TagValue, Owner: od.Owner, Burn30: usd(burn.Value), Burn30Low: usd(burn.Low80), Burn30High: usd(burn.High80), Outcome: trail.Noop}
		share := new(big.Rat)
		switch a, ok := c.Allowances[od.Owner]; {
		case ok:
			b.Basis, share = BasisAllowance, a.Decimal().Rat()
		case total.Sign() > 0:
			frac := new(big.Rat).Quo(ratOr0(recent[od.Owner]), total)
			b.Basis, b.SharePct = BasisShare, new(big.Rat).Mul(frac, big.NewRat(100, 1)).FloatString(1)
			share.Mul(monthBudget, frac)
		default:
			b.Basis, b.Share, b.Share30 = BasisNone, "0.00", "0.00"
			b.Reason = fmt.Sprintf("no allowance, and %s had no spend in the three months before %s to share its budget by: not judged", c.Title, snap.AsOf.Time().Format("January"))
			out = append(out, b)
			continue
		}
		share30 := new(big.Rat).Mul(share, big.NewRat(BurnDays, int64(daysInMonth)))
		b.Share, b.Share30 = roundCents(share), roundCents(share30)
		over := new(big.Rat).Sub(budget.MustDecimal(b.Burn30).Rat(), budget.MustDecimal(b.Share30).Rat())
		if over.Sign() > 0 {
			b.over, b.OverBy = over, roundCents(over)
			b.Reason = fmt.Sprintf("predicted %s over the next %d days, over %s by %s", dollars(b.Burn30), BurnDays, b.shareText(c), dollars(b.OverBy))
		} else {
			b.Reason = fmt.Sprintf("predicted %s over the next %d days, within %s", dollars(b.Burn30), BurnDays, b.shareText(c))
		}
		out = append(out, b)
	}
	slices.SortStableFunc(out, func(x, y Burn) int {
		return cmp.Or(ratOr0(y.over).Cmp(ratOr0(x.over)), strings.Compare(x.Owner, y.Owner))
	})
	return out
}

// shareText says what the owner's 30-day share is and where it comes from.
func (b Burn) shareText(c snapshot.Category) string {
	if b.Basis == BasisAllowance {
		return fmt.Sprintf("their allowance of %s a month (%s over %d days)", dollars(b.Share), dollars(b.Share30), BurnDays)
	}
	return fmt.Sprintf("their share of %s a month (%s %% of the spend in %s over the last three months, of its %s budget; %s over %d days)",
		dollars(b.Share), b.SharePct, c.Title, dollars(string(c.MonthlyBudget)), dollars(b.Share30), BurnDays)
}

func ratOr0(r *big.Rat) *big.Rat {
	if r == nil {
		return new(big.Rat)
	}
	return r
}

// act decides what to do about an owner over their share, records it under
// key/<category>/<owner> and carries it out: the Slack post, then the
// clusters. Its failures are *gate.Problems, recorded in the trail.
func (s *Service) act(ctx context.Context, snap *snapshot.Snapshot, c snapshot.Category, clusters []budget.Cluster, b *Burn, key string, opts RunOptions, now time.Time) error {
	cat, _ := Division(snap).CategoryByTag(c.TagValue)
	dryRun := !opts.Apply || cat.OnBreach.DryRun
	var steps []breach.Step
	switch {
	case cat.OnBreach.Action == budget.ActionNotify:
		b.Reason += "; the on_breach of " + cat.Title + " is notify: clusters are left alone"
	case s.Clusters == nil:
		b.Reason += "; no Databricks workspace is configured: clusters are not looked at"
	default:
		scale := cat
		scale.OnBreach.Action = budget.ActionScaleDown
		var err error
		if steps, err = breach.Plan(scale, ownedBy(clusters, b.Owner)); err != nil {
			return err
		}
	}
	for _, st := range steps {
		b.Clusters = append(b.Clusters, answerOf(snap, st, cat, outcomeOf(st, dryRun), now))
	}
	post := opts.Apply && s.Slack != nil
	n := len(actingSteps(steps))
	switch {
	case n > 0 && !dryRun || post:
		b.Outcome = trail.Acted
	case n > 0 || !opts.Apply:
		b.Outcome = trail.DryRun
	}
	if cat.OnBreach.Action != budget.ActionNotify && s.Clusters != nil {
		b.Reason += "; " + clusterPlan(steps, n, dryRun, cat)
	}
	if opts.Apply && s.Slack == nil {
		b.Reason += "; Slack is not configured: no post"
	}
	args, err := json.Marshal(map[string]string{"category": b.Category, "owner": b.Owner, "burn_30d_usd": b.Burn30, "share_30d_usd": b.Share30})
	if err != nil {
		return fmt.Errorf("encode the arguments: %w", err)
	}
	body, err := json.Marshal(b)
	if err != nil {
		return fmt.Errorf("encode the answer: %w", err)
	}
	d := trail.Decision{
		Time: now, Key: key + "/" + b.Category + "/" + b.Owner, Caller: RunCaller, Role: RunRole, Tool: trail.ToolAgentRun,
		Arguments: args, Category: b.Category, Owner: b.Owner, DataAsOf: snap.DataThrough.Time(), Answer: body,
	}
	if acting := actingSteps(steps); len(acting) == 1 {
		withCluster(&d, b.Clusters[indexOf(steps, acting[0])])
	}
	d.Outcome, d.Reason = b.Outcome, b.Reason
	once, err := decideOnce(ctx, s.Trail, d)
	if err != nil {
		return err
	}
	if !once.Inserted {
		return json.Unmarshal(once.Entry.Answer, b)
	}
	if post {
		posted, err := s.Slack.Post(ctx, opts.Channel, slackText(snap, c, *b, n, dryRun))
		if err != nil {
			failed := d
			failed.Key, failed.Time, failed.Outcome = d.Key+"/slack", s.Now(), trail.Failed
			p := gate.Refuse(http.StatusBadGateway, "slack_failed", "the post about %s in %s failed: %v", b.Owner, cat.Title, err)
			failed.Reason, failed.Answer = p.Message, nil
			if _, _, terr := s.Trail.Append(ctx, failed); terr != nil {
				return errors.Join(p, fmt.Errorf("record the failure: %w", terr))
			}
			return p
		}
		b.Slack = &SlackAnswer{Channel: cmp.Or(posted.Channel, opts.Channel), TS: posted.TS, Via: posted.Via}
	}
	return s.carryOutAll(ctx, steps, b.Clusters, d, dryRun)
}

// ownedBy are the clusters whose owner (Owner tag, else creator) is owner.
func ownedBy(clusters []budget.Cluster, owner string) []budget.Cluster {
	var out []budget.Cluster
	for _, c := range clusters {
		if strings.EqualFold(c.Owner(), owner) {
			out = append(out, c)
		}
	}
	return out
}

// clusterPlan says what becomes of the owner's clusters.
func clusterPlan(steps []breach.Step, acting int, dryRun bool, cat budget.Category) string {
	switch {
	case len(steps) == 0:
		return "no running cluster of theirs in " + cat.Title
	case acting == 0:
		return fmt.Sprintf("none of their %d cluster%s in %s can be scaled down", len(steps), plural(len(steps)), cat.Title)
	case dryRun:
		return fmt.Sprintf("would scale down %d cluster%s (dry-run)", acting, plural(acting))
	}
	return fmt.Sprintf("scaled down %d cluster%s", acting, plural(acting))
}

// slackText is the post about an owner over their share.
func slackText(snap *snapshot.Snapshot, c snapshot.Category, b Burn, acting int, dryRun bool) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "Stellar Budget: %s is predicted to spend %s in %s over the next %d days (80 %% range %s to %s), %s over %s.",
		b.Owner, dollars(b.Burn30), c.Title, BurnDays, dollars(b.Burn30Low), dollars(b.Burn30High), dollars(b.OverBy), b.shareText(c))
	for _, c := range b.Clusters {
		if c.Op != string(breach.Resize) {
			continue
		}
		verb := "Scaled down"
		if dryRun {
			verb = "Would scale down (dry-run)"
		}
		fmt.Fprintf(&sb, "\n%s %s: %s.", verb, c.ClusterID, c.Reason)
	}
	if acting == 0 {
		sb.WriteString("\nNo cluster is changed.")
	}
	fmt.Fprintf(&sb, "\nData through %s.", snap.DataThrough)
	return sb.String()
}

// dollars writes an amount in cents as "$1,234.50".
func dollars(cents string) string { return budget.MustDecimal(cents).USD() }
