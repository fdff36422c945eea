package ledger

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// Run is one notifying build's hold on the ledger: its claims carry the
// run's ID, and its run lock tells other builds that they are in flight.
type Run struct {
	ID   string
	l    *Ledger
	lock *os.File
}

// Begin starts a run: it creates and locks alert-runs/<id>.lock, held until
// End.
func (l *Ledger) Begin() (*Run, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("begin alert run: %w", err)
	}
	id := fmt.Sprintf("%d-%s", os.Getpid(), hex.EncodeToString(b[:]))
	f, err := createRunLock(l.runPath(id))
	if err != nil {
		return nil, fmt.Errorf("begin alert run: %w", err)
	}
	return &Run{ID: id, l: l, lock: f}, nil
}

// End releases the run lock and removes its file. Claims the run did not
// record are from then on in-doubt. It may be called more than once.
func (r *Run) End() error {
	if r.lock == nil {
		return nil
	}
	err := os.Remove(r.l.runPath(r.ID))
	r.lock.Close() // releases the flock
	r.lock = nil
	if err != nil {
		return fmt.Errorf("end alert run: %w", err)
	}
	return nil
}

func (l *Ledger) runPath(id string) string { return runPath(l.dir, id) }

func runPath(dir, id string) string {
	return filepath.Join(dir, RunsDir, filepath.Base(id)+".lock")
}

// liveness memoises runAlive for one pass over the ledger; the caller's
// own run is alive.
func liveness(dir, self string) func(string) bool {
	known := map[string]bool{}
	return func(id string) bool {
		if id == self {
			return true
		}
		alive, ok := known[id]
		if !ok {
			alive = runAlive(runPath(dir, id))
			known[id] = alive
		}
		return alive
	}
}

// ClaimRequest is what one channel of a notifying build asks of the ledger.
type ClaimRequest struct {
	Channel string // "email", "slack": deliveries are tracked per channel
	// AsOf is the build's as-of date. Alerts of its month are new; an
	// alert first seen after its month (every earlier alert on the first
	// run) is recorded not-sent and never sent.
	AsOf time.Time
	// ResendInDoubt claims in-doubt alerts again (--resend-in-doubt).
	ResendInDoubt bool
	Alerts        []budget.Alert
}

// Claim records the alerts of req in the ledger and claims those the run
// must now send over req.Channel, which it returns with Status pending:
//
//   - an alert the ledger does not know, of the as-of month (or one known
//     but never tried on this channel, of the as-of month);
//   - one pending from an earlier build's failure, whatever its month,
//     unless it has had its tries (it is then failed);
//   - one in-doubt, when req.ResendInDoubt.
//
// Sent, failed, not-sent and in-doubt alerts, and alerts claimed by a build
// still running, are left alone. Alerts of months after the as-of month or
// past the retention are not recorded. Each claim adds one try.
//
// On the way it drops entries past the retention, turns the claims of runs
// that are gone into in-doubt and removes their run lock files.
func (r *Run) Claim(req ClaimRequest) ([]budget.Alert, error) {
	if req.Channel == "" {
		return nil, errors.New("claim alerts: no channel")
	}
	now := r.l.opts.Now().UTC()
	asOf := monthIndex(req.AsOf)
	oldest := asOf - r.l.opts.RetentionMonths
	var claimed []budget.Alert
	err := r.l.update(func(f *File) (bool, error) {
		claimed = claimed[:0]
		alive := liveness(r.l.dir, r.ID)
		changed := false

		f.Entries = slices.DeleteFunc(f.Entries, func(e *Entry) bool {
			m, ok := entryMonthIndex(e)
			drop := ok && m < oldest
			changed = changed || drop
			return drop
		})
		for _, e := range f.Entries {
			for _, d := range e.Deliveries {
				if d.Status == budget.AlertPending && d.Claim != "" && !alive(d.Claim) {
					d.Status = budget.AlertInDoubt
					changed = true
				}
			}
			e.Status = e.status(alive)
		}
		r.l.removeOrphanRuns(r.ID)

		idx := f.index()
		seen := map[string]bool{}
		for _, a := range req.Alerts {
			key := a.Key()
			m := monthIndex(a.Month)
			if seen[key] || m < oldest || m > asOf {
				continue
			}
			seen[key] = true
			e := idx[key]
			if e == nil {
				e = newEntry(a, now)
				f.Entries = append(f.Entries, e)
				idx[key] = e
				changed = true
				if m < asOf {
					e.Status = budget.AlertNotSent
					continue
				}
			}
			if len(e.Deliveries) == 0 && e.Status == budget.AlertNotSent {
				continue
			}
			d := e.Deliveries[req.Channel]
			switch {
			case d == nil:
				if m != asOf {
					continue
				}
				if e.Deliveries == nil {
					e.Deliveries = map[string]*Delivery{}
				}
				d = &Delivery{}
				e.Deliveries[req.Channel] = d
			case d.Status == budget.AlertPending && d.Claim == "":
				if d.Tries >= r.l.opts.MaxTries {
					d.Status, d.DoneAt = budget.AlertFailed, now
					e.Status = e.status(alive)
					changed = true
					continue
				}
			case d.Status == budget.AlertInDoubt && req.ResendInDoubt:
			default:
				continue
			}
			d.Status, d.Claim, d.ClaimedAt = budget.AlertPending, r.ID, now
			d.Tries++
			e.Status = e.status(alive)
			changed = true
			a.Status = budget.AlertPending
			claimed = append(claimed, a)
		}
		return changed, nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim alerts for %s: %w", req.Channel, err)
	}
	return claimed, nil
}

// Record stores the outcome of this run's sends over channel. Each alert's
// Status is the outcome: sent; pending (failed for now, worth another
// try); failed (not worth retrying); in-doubt (the send may or may not have
// happened). Pending becomes failed once the alert has had its tries. It
// returns the alerts with the status recorded; alerts this run did not
// claim on channel are left out.
func (r *Run) Record(channel string, alerts []budget.Alert) ([]budget.Alert, error) {
	now := r.l.opts.Now().UTC()
	var out []budget.Alert
	err := r.l.update(func(f *File) (bool, error) {
		out = out[:0]
		alive := liveness(r.l.dir, r.ID)
		idx := f.index()
		for _, a := range alerts {
			if r.recordOne(idx, channel, &a, now, alive) {
				out = append(out, a)
			}
		}
		return len(out) > 0, nil
	})
	if err != nil {
		return nil, fmt.Errorf("record alert deliveries for %s: %w", channel, err)
	}
	return out, nil
}

// recordOne applies a's outcome to its delivery on channel if this run
// claimed it, and sets a.Status to what was recorded.
func (r *Run) recordOne(idx map[string]*Entry, channel string, a *budget.Alert, now time.Time, alive func(string) bool) bool {
	e := idx[a.Key()]
	if e == nil {
		return false
	}
	d := e.Deliveries[channel]
	if d == nil || d.Claim != r.ID {
		return false
	}
	switch a.Status {
	case budget.AlertSent, budget.AlertFailed:
		d.Status, d.Claim = a.Status, ""
	case budget.AlertPending:
		d.Status, d.Claim = budget.AlertPending, ""
		if d.Tries >= r.l.opts.MaxTries {
			d.Status = budget.AlertFailed
		}
	default: // in-doubt, or an outcome nobody knows: keep the claim to say whose it was
		d.Status = budget.AlertInDoubt
	}
	d.DoneAt = now
	e.Status = e.status(alive)
	a.Status = d.Status
	return true
}

// removeOrphanRuns removes the run lock files no build holds (left by a
// crash), except self's. Called under the ledger lock.
func (l *Ledger) removeOrphanRuns(self string) {
	names, err := os.ReadDir(filepath.Join(l.dir, RunsDir))
	if err != nil {
		return
	}
	for _, n := range names {
		id, ok := strings.CutSuffix(n.Name(), ".lock")
		if !ok || id == self {
			continue
		}
		removeIfFree(l.runPath(id))
	}
}

func newEntry(a budget.Alert, now time.Time) *Entry {
	e := &Entry{
		Key:        a.Key(),
		Kind:       a.Kind,
		Category:   a.Category,
		Month:      a.Month.Format(monthFmt),
		FirstSeen:  now,
		Deliveries: map[string]*Delivery{},
	}
	if !a.Time.IsZero() {
		e.Time = a.Time.Format(dayFmt)
	}
	return e
}
