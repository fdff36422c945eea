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
}

// Result is what an Apply did.
type Result struct {
	Applied []Item     // the items changed, in order
	Head    audit.Head // the audit log after the last change
}

// Apply carries out the plan's creates and updates in order, logging each
// change to the audit log as soon as it is made. It first checks the log:
// changes are never made that a broken log could not record. On an error
// it stops; what was done until then is in the Result and in the log, and
// a new plan picks up the rest.
func Apply(ctx context.Context, c Clients, p Plan, opts ApplyOptions) (Result, error) {
	switch {
	case opts.AuditLog == "":
		return Result{}, errors.New("apply setup: no audit log")
	case opts.Actor == "":
		return Result{}, errors.New("apply setup: no actor for the audit log")
	case opts.Now == nil:
		return Result{}, errors.New("apply setup: no clock")
	}
	head, err := audit.Verify(opts.AuditLog, "")
	if err != nil {
		return Result{}, fmt.Errorf("apply setup: %w", err)
	}
	res := Result{Head: head}
	r := &run{created: map[string]string{}}
	for _, it := range p.Items {
		if it.Action == Unchanged || it.apply == nil {
			continue
		}
		rec, err := it.apply(ctx, c, r)
		if err != nil {
			return res, err
		}
		rec.Time, rec.Actor = opts.Now(), opts.Actor
		if res.Head, err = audit.Append(opts.AuditLog, rec); err != nil {
			return res, fmt.Errorf("%s %s %s was made but not logged: %w", it.Action, it.Kind, it.Key, err)
		}
		if it.ID == "" {
			it.ID = rec.ID
		}
		res.Applied = append(res.Applied, it)
	}
	return res, nil
}
