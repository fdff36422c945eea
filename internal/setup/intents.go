package setup

import (
	"fmt"
	"time"

	"github.com/novadynamics/stellar-budget/internal/audit"
)

// What the next apply does with an open intent (OpenIntent.Resolution).
const (
	// ResolveReadBack: the object reads back as content/ asks, so the
	// change was made; apply logs its missing result.
	ResolveReadBack = audit.OutcomeResolved
	// ResolveRedo: the object is missing or differs; the plan's item makes
	// the change again, under an intent that supersedes the open one.
	ResolveRedo = "made again by this plan"
	// ResolveAbandon: content/ no longer asks for the object; apply closes
	// the intent as abandoned.
	ResolveAbandon = audit.OutcomeAbandoned
)

// OpenIntent is an audit log intent without a result: a change that an
// earlier apply began and may or may not have made.
type OpenIntent struct {
	Seq        int64     `json:"seq"`  // its entry in the log
	Hash       string    `json:"hash"` // and that entry's hash
	Time       time.Time `json:"time"`
	Actor      string    `json:"actor"`
	Action     string    `json:"action"`
	Kind       Kind      `json:"kind"`
	Key        string    `json:"key"`
	ID         string    `json:"id,omitempty"`
	Resolution string    `json:"resolution"`

	readBack any // the object as the plan read it, for a ResolveReadBack
}

// grantHeld is what a plan reads back of a grant in place.
type grantHeld struct {
	Role      string `json:"role"`
	Principal string `json:"principal"`
}

// openIntents reads the open intents of the audit log at path and decides
// each by the plan's item for the same object.
func openIntents(path string, items []Item) ([]OpenIntent, error) {
	_, open, err := audit.OpenIntents(path, "")
	if err != nil {
		return nil, fmt.Errorf("plan setup: %w", err)
	}
	var out []OpenIntent
	for _, e := range open {
		oi := OpenIntent{Seq: e.Seq, Hash: e.Hash, Time: e.Time, Actor: e.Actor, Action: e.Action, Kind: Kind(e.Kind), Key: e.Key, ID: e.ID,
			Resolution: ResolveAbandon}
		for _, it := range items {
			if it.Kind != oi.Kind || it.Key != oi.Key {
				continue
			}
			oi.Resolution = ResolveRedo
			if it.Action == Unchanged {
				oi.Resolution, oi.readBack = ResolveReadBack, it.readBack
				if oi.ID == "" {
					oi.ID = it.ID
				}
			}
		}
		out = append(out, oi)
	}
	return out, nil
}
