package setup

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/novadynamics/stellar-budget/internal/audit"
)

// applyFunc makes one item's change and describes it for the audit log
// (Time and Actor are filled in by Apply).
type applyFunc func(ctx context.Context, c Clients, r *run) (audit.Record, error)

// run is what one Apply learns as it goes.
type run struct {
	created map[string]string // ids of objects created so far, by key
}

// ApplyOptions say where changes are logged and as whom.
type ApplyOptions struct {
	AuditLog string           // path of the audit log; required
	Actor    string           // who applies: Whoami's answer; required
	Now      func() time.Time // the clock; required

	// stopAt, when set, is called after an item's intent is logged
	// (stage "intent") and after its change is made (stage "change"):
	// tests stop the process there, as a crash would.
	stopAt func(stage string, it Item)
}

// Result is what an Apply did.
type Result struct {
	Applied []Item // the items changed, in order
	// Closed are the open intents of the plan that Apply logged a result
	// for: resolved by reading back, or abandoned.
	Closed []OpenIntent
	Head   audit.Head // the audit log after the last entry
}

// Apply carries out the plan: it closes the open intents the plan read
// back, then makes the plan's creates and updates in order, logging each
// change's intent before making it and its result after. It first checks
// the log: changes are never made that a broken log could not record. On
// an error it stops; what was done until then is in the Result and in the
// log, and a new plan picks up the rest, reading back what an intent
// without a result may have done.
func Apply(ctx context.Context, c Clients, p Plan, opts ApplyOptions) (Result, error) {
	switch {
	case opts.AuditLog == "":
		return Result{}, errors.New("apply setup: no audit log")
	case opts.Actor == "":
		return Result{}, errors.New("apply setup: no actor for the audit log")
	case opts.Now == nil:
		return Result{}, errors.New("apply setup: no clock")
	}
	head, open, err := audit.OpenIntents(opts.AuditLog, "")
	if err != nil {
		return Result{}, fmt.Errorf("apply setup: %w", err)
	}
	res := Result{Head: head}
	logEntry := func(r audit.Record) error {
		r.Time, r.Actor = opts.Now(), opts.Actor
		h, err := audit.Append(opts.AuditLog, r)
		if err == nil {
			res.Head = h
		}
		return err
	}

	stillOpen := map[string]bool{}
	for _, e := range open {
		stillOpen[e.Hash] = true
	}
	supersede := map[string]string{} // kind and key -> the open intent an item makes again
	for _, oi := range p.Open {
		if !stillOpen[oi.Hash] {
			continue // another apply closed it since the plan was made
		}
		rec := audit.Record{Stage: audit.StageResult, Action: oi.Action, Kind: string(oi.Kind), Key: oi.Key, ID: oi.ID, Intent: oi.Hash}
		switch oi.Resolution {
		case ResolveRedo:
			supersede[string(oi.Kind)+"\x00"+oi.Key] = oi.Hash
			continue
		case ResolveReadBack:
			rec.Outcome, rec.After = audit.OutcomeResolved, oi.readBack
		default:
			rec.Outcome = audit.OutcomeAbandoned
		}
		if err := logEntry(rec); err != nil {
			return res, fmt.Errorf("close open intent %d (%s %s %s): %w", oi.Seq, oi.Action, oi.Kind, oi.Key, err)
		}
		res.Closed = append(res.Closed, oi)
	}

	r := &run{created: map[string]string{}}
	for _, it := range p.Items {
		if it.Action == Unchanged || it.apply == nil {
			continue
		}
		intent := audit.Record{
			Stage: audit.StageIntent, Action: string(it.Action), Kind: string(it.Kind), Key: it.Key, ID: it.ID,
			RequestID: it.requestID, Supersedes: supersede[string(it.Kind)+"\x00"+it.Key], After: it.Changes,
		}
		if err := logEntry(intent); err != nil {
			return res, fmt.Errorf("%s %s %s: not made, its intent could not be logged: %w", it.Action, it.Kind, it.Key, err)
		}
		intentHash, intentSeq := res.Head.Hash, res.Head.Entries
		if opts.stopAt != nil {
			opts.stopAt("intent", it)
		}
		rec, err := it.apply(ctx, c, r)
		if err != nil {
			failed := audit.Record{Stage: audit.StageResult, Outcome: audit.OutcomeFailed, Action: string(it.Action), Kind: string(it.Kind),
				Key: it.Key, ID: it.ID, Intent: intentHash, Error: err.Error()}
			if lerr := logEntry(failed); lerr != nil {
				return res, errors.Join(err, fmt.Errorf("log the failure (intent %d stays open): %w", intentSeq, lerr))
			}
			return res, err
		}
		if opts.stopAt != nil {
			opts.stopAt("change", it)
		}
		rec.Stage, rec.Outcome, rec.Intent = audit.StageResult, audit.OutcomeApplied, intentHash
		if err := logEntry(rec); err != nil {
			return res, fmt.Errorf("%s %s %s was made but its result was not logged (intent %d stays open; the next plan reads it back): %w",
				it.Action, it.Kind, it.Key, intentSeq, err)
		}
		if it.ID == "" {
			it.ID = rec.ID
		}
		res.Applied = append(res.Applied, it)
	}
	return res, nil
}
