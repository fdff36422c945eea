package setup

import (
	"context"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// Drift states.
const (
	DriftMissing = "missing" // content/ asks for an object the account or workspace lacks
	DriftDiffers = "differs" // the object exists with other settings
)

// DriftReport is how far the account and the workspace have drifted from
// content/: the plan's items that are not unchanged, in a form a page or
// a table renders directly.
type DriftReport struct {
	PlanID  string      `json:"plan_id"`
	Checked int         `json:"checked"` // objects compared
	Items   []DriftItem `json:"items"`   // in plan order; empty when in sync
}

// DriftItem is one object that differs from content/.
type DriftItem struct {
	Category string   `json:"category"` // slug
	Kind     Kind     `json:"kind"`
	What     string   `json:"what"` // Kind in words: "cluster policy grant"
	Key      string   `json:"key"`
	Name     string   `json:"name"`
	ID       string   `json:"id,omitempty"`
	State    string   `json:"state"` // DriftMissing or DriftDiffers
	Changes  []Change `json:"changes"`
}

// InSync reports whether nothing drifted.
func (d DriftReport) InSync() bool { return len(d.Items) == 0 }

// Drift reads the account and the workspace and reports what differs from
// content/. It changes nothing.
func Drift(ctx context.Context, c Clients, div budget.Division, opts Options) (DriftReport, error) {
	p, err := NewPlan(ctx, c, div, opts)
	if err != nil {
		return DriftReport{}, err
	}
	return p.Drift(), nil
}

// Drift is the plan seen as drift: its items that applying would change.
func (p Plan) Drift() DriftReport {
	d := DriftReport{PlanID: p.ID, Checked: len(p.Items), Items: []DriftItem{}}
	for _, it := range p.Items {
		if it.Action == Unchanged {
			continue
		}
		state := DriftDiffers
		if it.Action == Create {
			state = DriftMissing
		}
		d.Items = append(d.Items, DriftItem{
			Category: it.Category, Kind: it.Kind, What: it.Kind.Words(), Key: it.Key, Name: it.Name,
			ID: it.ID, State: state, Changes: it.Changes,
		})
	}
	return d
}

// Words names the kind for people.
func (k Kind) Words() string {
	switch k {
	case KindBudget:
		return "budget"
	case KindBudgetPolicy:
		return "budget policy"
	case KindBudgetPolicyGrant:
		return "budget policy grant"
	case KindClusterPolicy:
		return "cluster policy"
	case KindClusterPolicyGrant:
		return "cluster policy grant"
	case KindTrailTable:
		return "trail table"
	}
	return string(k)
}
