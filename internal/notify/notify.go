// Package notify delivers budget alerts, once: by email over SMTP
// (github.com/wneessen/go-mail) and to Slack through an incoming webhook
// (github.com/slack-go/slack).
//
// Delivery is a pipeline of small stages, shaped like the notify package of
// prometheus/alertmanager. The alerts arrive evaluated (package budget's
// Alert, for every month the site shows); for each configured integration
// they go through
//
//	mute → dedup against the ledger (claim) → send with retry → record
//
// and the integrations run side by side (FanoutStage). Each stage is a
// Stage; each sender is a Notifier that says whether an error is worth
// retrying and never puts a secret in it. The ledger (package ledger)
// makes "once" hold across reruns and concurrent builds: an alert is
// claimed before it is sent and its outcome recorded after, and a claim
// whose outcome never came (a crash) is in-doubt, shown and not resent
// unless asked. Between claim and record the ledger is not locked, so two
// builds do not wait on each other's slow server.
//
// What "once" means, precisely: an alert is sent at most once per channel
// unless an operator resends in-doubt ones; it can be missed (in-doubt,
// failed) but not doubled. The one window is the send itself: a server
// that accepted a message and then lost the connection before answering
// leaves the alert in-doubt, not pending, for that reason.
//
// The send stage takes the claimed alerts in groups (Integration.Group):
// email and Slack group by category, so the alerts of one category due in
// one build (a first build mid-month finds several) arrive as one message
// that lists them in the order they happened, each with the figure it
// fired at and, from the build's report (Config.Current), today's. A group
// is one send: all its alerts are claimed before it and recorded together
// after it, so a failure leaves each of them pending, failed or in-doubt
// as one alert alone would be, and a retry resends the whole message.
package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/ledger"
)

// Stage is one step of delivery: it takes alerts and returns those that go
// on to the next step. It may return alerts together with an error (some
// were delivered and some not): the alerts go on, the error is reported.
type Stage interface {
	Exec(ctx context.Context, alerts []budget.Alert) ([]budget.Alert, error)
}

// StageFunc makes a function a Stage.
type StageFunc func(ctx context.Context, alerts []budget.Alert) ([]budget.Alert, error)

// Exec calls f.
func (f StageFunc) Exec(ctx context.Context, alerts []budget.Alert) ([]budget.Alert, error) {
	return f(ctx, alerts)
}

// Notifier sends alerts over one channel. It returns whether a failure is
// worth another try (a temporary server answer, a lost connection); its
// error wraps ErrMaybeDelivered when the alerts may have been delivered
// all the same. Errors never carry a secret (password, webhook URL).
type Notifier interface {
	Notify(ctx context.Context, alerts []budget.Alert) (retry bool, err error)
}

// ErrMaybeDelivered: the send may or may not have happened (the server had
// the whole message and the answer was lost). The alert is recorded
// in-doubt and not retried by itself.
var ErrMaybeDelivered = errors.New("it may have been delivered")

// Integration is a Notifier with its channel name and how it takes alerts.
type Integration struct {
	Name     string // the channel deliveries are recorded under: ChannelEmail, ChannelSlack
	Notifier Notifier
	// Group keys the alerts that may share a Notify call: only alerts of
	// one key go in one call. nil: any alerts may. A Notify call succeeds
	// or fails as a whole, so a notifier that sends one message per group
	// (email: per category) takes one group a call: a retry never repeats
	// a message that got through.
	Group func(budget.Alert) string
	// Batch is the most alerts one Notify call gets; 0: all (of a group).
	Batch    int
	Parallel int // Notify calls at once; 0: 1
}

// ByCategory groups alerts by category, for Integration.Group.
func ByCategory(a budget.Alert) string { return a.Category }

// MultiStage runs stages in order, each on what the one before returned,
// until one returns no alerts. Errors are joined.
type MultiStage []Stage

// Exec runs the stages.
func (ms MultiStage) Exec(ctx context.Context, alerts []budget.Alert) ([]budget.Alert, error) {
	var errs []error
	for _, s := range ms {
		if len(alerts) == 0 {
			break
		}
		var err error
		alerts, err = s.Exec(ctx, alerts)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return alerts, errors.Join(errs...)
}

// FanoutStage runs every stage on the same alerts at once and returns all
// they returned, in stage order, errors joined.
type FanoutStage []Stage

// Exec runs the stages concurrently.
func (fs FanoutStage) Exec(ctx context.Context, alerts []budget.Alert) ([]budget.Alert, error) {
	outs := make([][]budget.Alert, len(fs))
	errs := make([]error, len(fs))
	var wg sync.WaitGroup
	for i, s := range fs {
		wg.Go(func() { outs[i], errs[i] = s.Exec(ctx, alerts) })
	}
	wg.Wait()
	var all []budget.Alert
	for _, o := range outs {
		all = append(all, o...)
	}
	return all, errors.Join(errs...)
}

// BatchStage splits alerts into batches of Size (0: one batch) and runs
// Send on each, Parallel at a time (0: one). With Group, each batch holds
// alerts of one group key only (groups in the order their first alert
// comes, each split by Size). As batches finish, Record runs on all those
// finished since it last ran, one run at a time: the senders never wait
// for the ledger, and each outcome is recorded moments after its send, not
// at the end. The output is in the order the batches were recorded.
type BatchStage struct {
	Size     int
	Parallel int
	Group    func(budget.Alert) string // nil: one group
	Send     Stage
	Record   Stage // nil: the Send outputs are returned as they are
}

// Exec sends the batches and records them as they finish.
func (s BatchStage) Exec(ctx context.Context, alerts []budget.Alert) ([]budget.Alert, error) {
	var batches [][]budget.Alert
	for _, g := range groups(alerts, s.Group) {
		size := s.Size
		if size <= 0 {
			size = len(g)
		}
		for i := 0; i < len(g); i += size {
			batches = append(batches, g[i:min(i+size, len(g))])
		}
	}
	type result struct {
		out []budget.Alert
		err error
	}
	done := make(chan result, len(batches)) // senders never block on it
	go func() {
		sem := make(chan struct{}, max(s.Parallel, 1))
		var wg sync.WaitGroup
		for _, b := range batches {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				out, err := s.Send.Exec(ctx, b)
				done <- result{out, err}
			})
		}
		wg.Wait()
		close(done)
	}()

	var all []budget.Alert
	var errs []error
	for r := range done {
		group, open := r.out, true
		errs = append(errs, r.err)
		for open { // take whatever else has finished meanwhile
			select {
			case more, ok := <-done:
				if !ok {
					open = false
					break
				}
				group = append(group, more.out...)
				errs = append(errs, more.err)
			default:
				open = false
			}
		}
		if s.Record == nil || len(group) == 0 {
			all = append(all, group...)
			continue
		}
		out, err := s.Record.Exec(ctx, group)
		all = append(all, out...)
		errs = append(errs, err)
	}
	return all, errors.Join(errs...)
}

// groups splits alerts by key, in the order each key first comes, keeping
// the order within a group; nil key: one group.
func groups(alerts []budget.Alert, key func(budget.Alert) string) [][]budget.Alert {
	if key == nil {
		if len(alerts) == 0 {
			return nil
		}
		return [][]budget.Alert{alerts}
	}
	var out [][]budget.Alert
	index := map[string]int{}
	for _, a := range alerts {
		k := key(a)
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], a)
	}
	return out
}

// Muter says whether an alert must not be sent. A muted alert does not
// reach the ledger: it shows as the ledger has it, or not-sent.
type Muter interface {
	Mutes(a budget.Alert) bool
}

// MuteFunc makes a function a Muter.
type MuteFunc func(a budget.Alert) bool

// Mutes calls f.
func (f MuteFunc) Mutes(a budget.Alert) bool { return f(a) }

// MuteStage drops the alerts any of its muters mutes.
type MuteStage []Muter

// Exec filters the alerts.
func (ms MuteStage) Exec(_ context.Context, alerts []budget.Alert) ([]budget.Alert, error) {
	var out []budget.Alert
next:
	for _, a := range alerts {
		for _, m := range ms {
			if m.Mutes(a) {
				continue next
			}
		}
		out = append(out, a)
	}
	return out, nil
}

// MuteAfter mutes alerts of months after the as-of month: data past the
// build's date, which it does not report on.
func MuteAfter(asOf time.Time) Muter {
	last := time.Date(asOf.Year(), asOf.Month(), 1, 0, 0, 0, 0, time.UTC)
	return MuteFunc(func(a budget.Alert) bool { return a.Month.After(last) })
}

// DedupStage checks the alerts against the ledger and claims those due on
// its channel (see ledger.Run.Claim): new alerts of the as-of month,
// pending ones from earlier builds, in-doubt ones when ResendInDoubt. It
// records alerts first seen after their month as not-sent. It returns the
// claimed alerts, Status pending.
type DedupStage struct {
	Run           *ledger.Run
	Channel       string
	AsOf          time.Time
	ResendInDoubt bool
}

// Exec claims.
func (s DedupStage) Exec(_ context.Context, alerts []budget.Alert) ([]budget.Alert, error) {
	return s.Run.Claim(ledger.ClaimRequest{
		Channel: s.Channel, AsOf: s.AsOf, ResendInDoubt: s.ResendInDoubt, Alerts: alerts,
	})
}

// Backoff bounds the retries of one batch within one build. Later builds
// try again (see ledger.Options.MaxTries).
type Backoff struct {
	Attempts int           // sends per batch and build, at most; 0: 3
	Initial  time.Duration // wait after the first failure, doubled after each; 0: 1 s
	Max      time.Duration // longest single wait; 0: 4 s
	Total    time.Duration // most waiting per batch; 0: 10 s
}

func (b Backoff) withDefaults() Backoff {
	if b.Attempts <= 0 {
		b.Attempts = 3
	}
	if b.Initial <= 0 {
		b.Initial = time.Second
	}
	if b.Max <= 0 {
		b.Max = 4 * time.Second
	}
	if b.Total <= 0 {
		b.Total = 10 * time.Second
	}
	return b
}

// RetryStage sends alerts with an integration's Notifier, retrying with
// exponential backoff while the notifier says a failure is worth it and
// the Backoff allows. It returns every alert with Status set to the
// outcome: sent; pending (failed for now); failed (not worth retrying);
// in-doubt (may have been delivered). A failure comes with a
// *DeliveryError.
type RetryStage struct {
	Integration Integration
	Backoff     Backoff
	// Sleep waits d or until ctx is done; nil: a timer. Tests pass one
	// that returns at once.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Exec sends.
func (s RetryStage) Exec(ctx context.Context, alerts []budget.Alert) ([]budget.Alert, error) {
	b := s.Backoff.withDefaults()
	sleep := s.Sleep
	if sleep == nil {
		sleep = sleepTimer
	}
	wait, waited := b.Initial, time.Duration(0)
	for attempt := 1; ; attempt++ {
		retry, err := s.Integration.Notifier.Notify(ctx, alerts)
		if err == nil {
			return withStatus(alerts, budget.AlertSent), nil
		}
		status := budget.AlertFailed
		switch {
		case errors.Is(err, ErrMaybeDelivered):
			status = budget.AlertInDoubt
		case retry:
			status = budget.AlertPending
		}
		if status == budget.AlertPending && attempt < b.Attempts && ctx.Err() == nil {
			d := max(wait, retryAfter(err))
			if d <= b.Max && waited+d <= b.Total && sleep(ctx, d) == nil {
				waited += d
				wait = min(2*wait, b.Max)
				continue
			}
		}
		return withStatus(alerts, status), &DeliveryError{
			Channel: s.Integration.Name, Keys: keys(alerts), Status: status, Attempts: attempt, Err: err,
		}
	}
}

func sleepTimer(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// retryAfter is the wait a server asked for (Slack's 429), or 0.
func retryAfter(err error) time.Duration {
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		return ra.RetryAfter()
	}
	return 0
}

// RecordStage records the outcome the RetryStage set on each alert's
// Status in the ledger (see ledger.Run.Record) and returns the alerts with
// the status recorded: pending turns failed once the alert has had its
// tries.
type RecordStage struct {
	Run     *ledger.Run
	Channel string
}

// Exec records.
func (s RecordStage) Exec(_ context.Context, alerts []budget.Alert) ([]budget.Alert, error) {
	return s.Run.Record(s.Channel, alerts)
}

// DeliveryError is a failed send of some alerts over one channel.
type DeliveryError struct {
	Channel  string
	Keys     []string // the alerts' keys
	Status   string   // what they became: pending, failed or in-doubt
	Attempts int      // sends tried in this build
	Err      error    // the last send's error; no secrets
}

func (e *DeliveryError) Error() string {
	what := map[string]string{
		budget.AlertPending: "not delivered; tried again on the next build until its tries run out",
		budget.AlertFailed:  "not delivered and not worth retrying: failed",
		budget.AlertInDoubt: "in-doubt: not resent unless asked (--resend-in-doubt)",
	}[e.Status]
	tries := "1 attempt"
	if e.Attempts != 1 {
		tries = fmt.Sprintf("%d attempts", e.Attempts)
	}
	return fmt.Sprintf("%s: send %s: %v (%s; %s)", e.Channel, strings.Join(e.Keys, ", "), e.Err, tries, what)
}

func (e *DeliveryError) Unwrap() error { return e.Err }

func withStatus(alerts []budget.Alert, status string) []budget.Alert {
	out := make([]budget.Alert, len(alerts))
	for i, a := range alerts {
		a.Status = status
		out[i] = a
	}
	return out
}

func keys(alerts []budget.Alert) []string {
	ks := make([]string, len(alerts))
	for i, a := range alerts {
		ks[i] = a.Key()
	}
	return ks
}
