package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/ledger"
)

// Options are the settings of one delivery, filled in main from the flags.
type Options struct {
	StateDir      string           // --state: the ledger is StateDir/alerts.json
	ResendInDoubt bool             // --resend-in-doubt
	Now           func() time.Time // the clock; required
	// Sleep waits between retries; nil: a timer.
	Sleep           func(ctx context.Context, d time.Duration) error
	Backoff         Backoff // retries within the build; zero: defaults
	RetentionMonths int     // ledger entries of older months are dropped; 0: 24
	MaxTries        int     // builds that may try an alert; 0: 5
	Mute            []Muter // besides MuteAfter(asOf)

	// afterClaim, when set, runs between claim and send; an error stops
	// the channel there, as a crash would. For tests.
	afterClaim func(channel string, claimed []budget.Alert) error
}

// Deliver sends the new alerts of the as-of month over every integration,
// once, and returns all the alerts with Status read back from the ledger
// (as ledger.Statuses would), with a report of what this build did.
//
// alerts are all the evaluated alerts the site shows, of every month. On
// the first run (an empty ledger) those of months before asOf's are
// recorded not-sent and never sent; so is any alert first seen after its
// month. Alerts that failed for now on an earlier build are tried again,
// whatever their month, up to MaxTries builds.
//
// Delivery problems (a server down, a rejected message, a ledger that
// cannot be read or written) are in the Report, for the caller to log;
// they are not errors. Deliver returns an error only when it could not
// start: ErrNotConfigured when ints is empty (the ledger is then not
// touched), bad options, a state directory it cannot create. The alerts
// are then nil; ledger.Statuses gives the view.
func Deliver(ctx context.Context, ints []Integration, alerts []budget.Alert, asOf time.Time, opts Options) ([]budget.Alert, Report, error) {
	if len(ints) == 0 {
		return nil, Report{}, ErrNotConfigured
	}
	if opts.Now == nil {
		return nil, Report{}, errors.New("notify: no clock")
	}
	rep := Report{}
	for _, in := range ints {
		if in.Name == "" || in.Notifier == nil {
			return nil, Report{}, fmt.Errorf("notify: integration %q has no name or no notifier", in.Name)
		}
		for _, c := range rep.Channels {
			if c == in.Name {
				return nil, Report{}, fmt.Errorf("notify: two integrations named %q", in.Name)
			}
		}
		rep.Channels = append(rep.Channels, in.Name)
	}
	l, err := ledger.Open(opts.StateDir, ledger.Options{
		Now: opts.Now, RetentionMonths: opts.RetentionMonths, MaxTries: opts.MaxTries,
	})
	if err != nil {
		return nil, Report{}, err
	}
	run, err := l.Begin()
	if err != nil {
		return nil, Report{}, err
	}
	defer run.End()

	fan := make(FanoutStage, len(ints))
	for i, in := range ints {
		fan[i] = pipeline(in, run, asOf, opts)
	}
	out, err := fan.Exec(ctx, alerts)
	rep.add(out, err)
	if err := run.End(); err != nil {
		rep.Problems = append(rep.Problems, err)
	}
	final, err := l.Statuses(alerts)
	if err != nil {
		rep.Problems = append(rep.Problems, err)
	}
	return final, rep, nil
}

// pipeline is the stages one integration's alerts go through.
func pipeline(in Integration, run *ledger.Run, asOf time.Time, opts Options) Stage {
	ms := MultiStage{
		MuteStage(append([]Muter{MuteAfter(asOf)}, opts.Mute...)),
		DedupStage{Run: run, Channel: in.Name, AsOf: asOf, ResendInDoubt: opts.ResendInDoubt},
	}
	if hook := opts.afterClaim; hook != nil {
		ms = append(ms, StageFunc(func(_ context.Context, claimed []budget.Alert) ([]budget.Alert, error) {
			if err := hook(in.Name, claimed); err != nil {
				return nil, err
			}
			return claimed, nil
		}))
	}
	return append(ms, BatchStage{
		Size: in.Batch, Parallel: in.Parallel, Group: in.Group,
		Send:   RetryStage{Integration: in, Backoff: opts.Backoff, Sleep: opts.Sleep},
		Record: RecordStage{Run: run, Channel: in.Name},
	})
}

// Report is what one delivery did, for the build log. Counts are of
// deliveries: an alert sent by email and to Slack counts twice.
type Report struct {
	Channels []string // the integrations that ran
	Sent     int      // delivered in this build
	Pending  int      // failed for now; tried again on the next build
	Failed   int      // given up in this build
	InDoubt  int      // may or may not have been delivered in this build
	// Problems are the delivery problems, one per failed batch or ledger
	// operation, without secrets. They do not fail a build.
	Problems []error
}

func (r *Report) add(out []budget.Alert, err error) {
	for _, a := range out {
		switch a.Status {
		case budget.AlertSent:
			r.Sent++
		case budget.AlertPending:
			r.Pending++
		case budget.AlertFailed:
			r.Failed++
		case budget.AlertInDoubt:
			r.InDoubt++
		}
	}
	r.Problems = append(r.Problems, flatten(err)...)
}

// Err joins the problems; nil when there were none.
func (r Report) Err() error { return errors.Join(r.Problems...) }

// String is a one-line summary for the build log.
func (r Report) String() string {
	s := fmt.Sprintf("notify (%s): %d sent, %d pending, %d failed, %d in-doubt",
		strings.Join(r.Channels, ", "), r.Sent, r.Pending, r.Failed, r.InDoubt)
	switch n := len(r.Problems); n {
	case 0:
	case 1:
		s += "; 1 problem"
	default:
		s += fmt.Sprintf("; %d problems", n)
	}
	return s
}

// flatten splits joined errors into a list.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}
