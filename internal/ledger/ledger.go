// Package ledger keeps the alert ledger: for every alert a notifying build
// has seen, whether it was delivered, to which channel, and how often it was
// tried. It is one JSON file in the state directory, so a rerun or two
// builds running at once never send an alert twice.
//
// Order of operations (one notifying build, per channel):
//
//  1. Begin: the build takes a run lock, alert-runs/<run>.lock, held until
//     End. Other builds read it to tell a claim in flight from a claim whose
//     build died.
//  2. Claim, under the ledger lock (alerts.lock): drop entries past the
//     retention; turn claims of runs that are gone into in-doubt; record an
//     alert first seen after its month as not-sent; claim the rest that are
//     due (status pending, the claim's run and time, tries+1); write.
//  3. The caller sends, without the ledger lock: a slow server delays
//     nobody else's claims.
//  4. Record, under the ledger lock: each claimed alert's outcome (sent;
//     pending to retry on the next build, or failed once it has had its
//     tries; in-doubt when the send may or may not have happened); write.
//  5. End: the run lock is released and removed.
//
// A crash between 2 and 4 leaves claims whose run lock is free: the next
// build, and the read-only view, show them in-doubt. An in-doubt alert is
// never resent by itself (it may have been delivered); Claim resends it
// when asked to (--resend-in-doubt). So an alert is delivered at most once
// unless an operator asks otherwise.
//
// Every write replaces alerts.json in one step (internal/state's
// WriteFile: a temporary file synced and renamed over it, the directory
// synced): a reader sees the old ledger or the new one, never half of one.
// The locks are internal/state's flock(2) locks, which the kernel releases
// when their process dies; they are not reliable on NFS, so the state
// directory must be on a local file system.
package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/state"
)

// Files in the state directory (named in internal/state).
const (
	FileName = state.Ledger     // the ledger
	LockName = state.LedgerLock // flock'd while claiming and recording
	RunsDir  = state.AlertRuns  // one lock file per notifying build in progress
)

const (
	version  = 1             // of the file format
	monthFmt = "2006-01"     // Entry.Month
	dayFmt   = time.DateOnly // Entry.Time
)

// Defaults of Options.
const (
	DefaultRetentionMonths = 24
	DefaultMaxTries        = 5
)

// File is the ledger as stored in alerts.json.
type File struct {
	Version int       `json:"version"`
	Began   time.Time `json:"began"`  // when a notifying build first wrote it
	Entries []*Entry  `json:"alerts"` // sorted by Key
}

// Entry is one alert the ledger knows, keyed by budget.Alert.Key.
type Entry struct {
	Key      string `json:"key"`
	Kind     string `json:"kind"`
	Category string `json:"category"`
	Month    string `json:"month"` // YYYY-MM, the month the alert belongs to
	Time     string `json:"time"`  // YYYY-MM-DD, when it happened in the data
	// Status sums up the deliveries (see Entry.status); an alert first seen
	// after its month is not-sent and has none.
	Status    string    `json:"status"`
	FirstSeen time.Time `json:"first_seen"`
	// Deliveries by channel ("email", "slack").
	Deliveries map[string]*Delivery `json:"deliveries,omitempty"`
}

// Delivery is one alert's delivery over one channel.
type Delivery struct {
	Status    string    `json:"status"`          // sent, pending, failed or in-doubt
	Tries     int       `json:"tries"`           // builds that claimed it
	Claim     string    `json:"claim,omitempty"` // the run that claimed it last; cleared when it records an outcome other than in-doubt
	ClaimedAt time.Time `json:"claimed_at,omitzero"`
	DoneAt    time.Time `json:"done_at,omitzero"` // when the last outcome was recorded
}

// Options configure a Ledger.
type Options struct {
	Now             func() time.Time // the clock; required
	RetentionMonths int              // entries of months older than this are dropped; 0: DefaultRetentionMonths
	MaxTries        int              // builds that may try an alert before it is failed; 0: DefaultMaxTries
}

// Ledger is the alert ledger of one state directory, opened for a notifying
// build. It holds no file open between calls; two Ledgers on the same
// directory, in one process or two, exclude each other.
type Ledger struct {
	dir  string
	opts Options
}

// Open prepares the ledger in the state directory dir for a notifying
// build, creating dir if needed. It reads nothing yet.
func Open(dir string, opts Options) (*Ledger, error) {
	if dir == "" {
		return nil, errors.New("open alert ledger: no state directory")
	}
	if opts.Now == nil {
		return nil, errors.New("open alert ledger: no clock")
	}
	if opts.RetentionMonths <= 0 {
		opts.RetentionMonths = DefaultRetentionMonths
	}
	if opts.MaxTries <= 0 {
		opts.MaxTries = DefaultMaxTries
	}
	if err := os.MkdirAll(filepath.Join(dir, RunsDir), state.DirPerm); err != nil {
		return nil, fmt.Errorf("open alert ledger: create state directory %s: %w", dir, err)
	}
	return &Ledger{dir: dir, opts: opts}, nil
}

// Dir is the state directory.
func (l *Ledger) Dir() string { return l.dir }

// Path is the ledger file.
func (l *Ledger) Path() string { return filepath.Join(l.dir, FileName) }

// update runs fn on the ledger under the exclusive lock and writes the
// result when fn reports a change (or the file is new).
func (l *Ledger) update(fn func(f *File) (changed bool, err error)) error {
	unlock, err := state.Exclusive(filepath.Join(l.dir, LockName))
	if err != nil {
		return fmt.Errorf("lock alert ledger %s: %w", l.dir, err)
	}
	defer unlock()
	f, err := readFile(l.Path())
	isNew := errors.Is(err, fs.ErrNotExist)
	switch {
	case isNew:
		f = &File{Version: version, Began: l.opts.Now().UTC()}
	case err != nil:
		return err
	}
	changed, err := fn(f)
	if err != nil {
		return err
	}
	if !changed && !isNew {
		return nil
	}
	return writeFile(l.Path(), f)
}

// readFile reads a ledger; a missing one is fs.ErrNotExist.
func readFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read alert ledger: %w", err)
	}
	var f File
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("read alert ledger %s: %w; move it aside to start a new ledger (alerts of past months are then recorded not-sent)", path, err)
	}
	if f.Version != version {
		return nil, fmt.Errorf("read alert ledger %s: format version %d, this build reads version %d", path, f.Version, version)
	}
	for i, e := range f.Entries {
		if e == nil || e.Key == "" {
			return nil, fmt.Errorf("read alert ledger %s: alert %d has no key", path, i+1)
		}
	}
	return &f, nil
}

// writeFile replaces path with f in one step (internal/state's
// WriteFile).
func writeFile(path string, f *File) error {
	slices.SortFunc(f.Entries, func(a, b *Entry) int { return strings.Compare(a.Key, b.Key) })
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("write alert ledger %s: %w", path, err)
	}
	if err := state.WriteFile(path, append(b, '\n'), state.FilePerm); err != nil {
		return fmt.Errorf("write alert ledger %s: %w", path, err)
	}
	return nil
}

// index maps keys to entries.
func (f *File) index() map[string]*Entry {
	m := make(map[string]*Entry, len(f.Entries))
	for _, e := range f.Entries {
		m[e.Key] = e
	}
	return m
}

// status sums up an entry's deliveries, with a claim of a run that is gone
// read as in-doubt: any in-doubt delivery makes the alert in-doubt (an
// operator must decide), else any pending one pending, else any failed one
// failed, else sent. An entry without deliveries was not sent.
func (e *Entry) status(alive func(run string) bool) string {
	if len(e.Deliveries) == 0 {
		return budget.AlertNotSent
	}
	seen := map[string]bool{}
	for _, d := range e.Deliveries {
		s := d.Status
		if s == budget.AlertPending && d.Claim != "" && !alive(d.Claim) {
			s = budget.AlertInDoubt
		}
		seen[s] = true
	}
	for _, s := range []string{budget.AlertInDoubt, budget.AlertPending, budget.AlertFailed} {
		if seen[s] {
			return s
		}
	}
	return budget.AlertSent
}

// monthIndex numbers months so they compare and subtract: year*12 + month-1.
func monthIndex(t time.Time) int { return t.Year()*12 + int(t.Month()) - 1 }

func entryMonthIndex(e *Entry) (int, bool) {
	t, err := time.Parse(monthFmt, e.Month)
	if err != nil {
		return 0, false
	}
	return monthIndex(t), true
}
