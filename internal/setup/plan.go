package setup

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/billing"
	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/iam"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// Plan is what setup would do: one item per object content/ asks for.
type Plan struct {
	// ID identifies the desired state: the same content and options give
	// the same ID, whatever the account holds.
	ID    string `json:"id"`
	Items []Item `json:"items"`
	// Notes are things worth a look that setup leaves alone, such as two
	// budgets with the same key.
	Notes []string `json:"notes,omitempty"`
	// Open are the audit log's intents without a result (Options.AuditLog),
	// each re-checked against the object as read.
	Open []OpenIntent `json:"open_intents,omitempty"`
}

// Item is one object of the plan.
type Item struct {
	Kind     Kind   `json:"kind"`
	Category string `json:"category"` // the category's slug; "agent trail" for the trail's table
	Key      string `json:"key"`      // the object's stable key
	Name     string `json:"name"`     // its display name, policy name or principal
	Action   Action `json:"action"`
	ID       string `json:"id,omitempty"` // the existing object's id; "" when it is to be created
	// Changes are the fields that differ (update) or that the new object
	// gets (create).
	Changes []Change `json:"changes,omitempty"`
	// Filter lists the tag values a budget filters on.
	Filter []string `json:"filter,omitempty"`

	apply applyFunc
	// requestID is the idempotency key the change is sent with, if any.
	requestID string
	// readBack is the object as read, which closes an open intent for it
	// when it is unchanged.
	readBack any
}

// Change is one field of an item: its value now and after applying.
type Change struct {
	Field  string `json:"field"`
	Before string `json:"before"` // "" when the object is to be created
	After  string `json:"after"`
}

// Counts tallies the plan's items by action.
func (p Plan) Counts() (create, update, unchanged int) {
	for _, it := range p.Items {
		switch it.Action {
		case Create:
			create++
		case Update:
			update++
		default:
			unchanged++
		}
	}
	return create, update, unchanged
}

// Empty reports whether applying the plan would change nothing and log
// nothing.
func (p Plan) Empty() bool {
	c, u, _ := p.Counts()
	return c+u == 0 && len(p.Open) == 0
}

// NewPlan reads the account and the workspace and compares them with what
// content/ asks for. It changes nothing. It first checks that every
// category's group exists in the account and is assigned to the
// workspace, and fails naming each one that is not (MissingGroupError).
// With Options.AuditLog it lists the log's open intents, each decided by
// its object as read (OpenIntent.Resolution).
func NewPlan(ctx context.Context, c Clients, div budget.Division, opts Options) (Plan, error) {
	opts = opts.withDefaults()
	d, err := want(div, opts)
	if err != nil {
		return Plan{}, err
	}
	if err := checkGroups(ctx, c, d); err != nil {
		return Plan{}, err
	}
	have, err := read(ctx, c)
	if err != nil {
		return Plan{}, err
	}
	p := Plan{ID: d.id}
	for _, cw := range d.categories {
		slug := cw.category.Slug
		for _, bw := range cw.budgets {
			found := have.budgets[bw.Key]
			if len(found) > 1 {
				p.Notes = append(p.Notes, fmt.Sprintf("%d budgets carry the key %s; setup manages the oldest, %s", len(found), bw.Key, found[0].BudgetConfigurationId))
			}
			var h *billing.BudgetConfiguration
			if len(found) > 0 {
				h = &found[0]
			}
			p.add(slug, planBudget(bw, h, c.AccountID), h)
		}
		bpHave := have.budgetPolicies[cw.budgetPolicy.Name]
		p.add(slug, planBudgetPolicy(cw.budgetPolicy, bpHave), bpHave)
		grant, err := planBudgetPolicyGrant(ctx, c, cw.budgetPolicy, bpHave)
		if err != nil {
			return Plan{}, err
		}
		p.add(slug, grant, grantHeld{Role: budgetPolicyUserRole, Principal: grant.Name})
		for _, cp := range cw.clusterPolicies {
			cpHave := have.clusterPolicy(cp)
			p.add(slug, planClusterPolicy(cp, cpHave), cpHave)
			grant, err := planClusterPolicyGrant(ctx, c, cp, cpHave)
			if err != nil {
				return Plan{}, err
			}
			p.add(slug, grant, grantHeld{Role: string(compute.ClusterPolicyPermissionLevelCanUse), Principal: grant.Name})
		}
	}
	if c.Trail != nil {
		it, note, err := planTrailTable(ctx, c.Trail)
		if err != nil {
			return Plan{}, err
		}
		it.readBack = map[string]any{"table": it.Key, "exists": true}
		p.Items = append(p.Items, it)
		if note != "" {
			p.Notes = append(p.Notes, note)
		}
		p.ID = withTrail(p.ID, c.Trail.Location())
	}
	if opts.AuditLog != "" {
		if p.Open, err = openIntents(opts.AuditLog, p.Items); err != nil {
			return Plan{}, err
		}
	}
	return p, nil
}

// add appends the category's item; have is the object as read (a nil
// pointer when there is none), kept for reading back an open intent.
func (p *Plan) add(slug string, it Item, have any) {
	it.Category = slug
	it.readBack = have
	p.Items = append(p.Items, it)
}

// state is what the account and the workspace hold.
type state struct {
	budgets         map[string][]billing.BudgetConfiguration // by key, oldest first
	budgetPolicies  map[string]*billing.BudgetPolicy         // by name
	clusterPolicies []compute.Policy
}

func read(ctx context.Context, c Clients) (state, error) {
	s := state{budgets: map[string][]billing.BudgetConfiguration{}, budgetPolicies: map[string]*billing.BudgetPolicy{}}
	budgets, err := c.Budgets.ListAll(ctx, billing.ListBudgetConfigurationsRequest{})
	if err != nil {
		return state{}, fmt.Errorf("list account budgets: %w", oneLine(err))
	}
	slices.SortStableFunc(budgets, func(a, b billing.BudgetConfiguration) int { return cmp.Compare(a.CreateTime, b.CreateTime) })
	for _, b := range budgets {
		if k := keyOf(b.DisplayName); k != "" {
			s.budgets[k] = append(s.budgets[k], b)
		}
	}
	policies, err := c.BudgetPolicies.ListAll(ctx, billing.ListBudgetPoliciesRequest{})
	if err != nil {
		return state{}, fmt.Errorf("list budget policies: %w", oneLine(err))
	}
	for i := range policies {
		s.budgetPolicies[policies[i].PolicyName] = &policies[i]
	}
	if s.clusterPolicies, err = c.ClusterPolicies.ListAll(ctx, compute.ListClusterPoliciesRequest{}); err != nil {
		return state{}, fmt.Errorf("list cluster policies: %w", oneLine(err))
	}
	return s, nil
}

// clusterPolicy finds the policy with w's key in its description, else one
// named as w is (adopted: made by hand, or before keys were written).
func (s state) clusterPolicy(w clusterPolicyWant) *compute.Policy {
	for i, p := range s.clusterPolicies {
		if keyOf(p.Description) == w.Key {
			return &s.clusterPolicies[i]
		}
	}
	for i, p := range s.clusterPolicies {
		if p.Name == w.Name {
			return &s.clusterPolicies[i]
		}
	}
	return nil
}

// diff compares fields in order and returns those that differ.
func diff(before, after []field) []Change {
	var out []Change
	for i, a := range after {
		b := before[i]
		same := b.value == a.value
		if a.equal != nil {
			same = a.equal(b.value, a.value)
		}
		if !same {
			out = append(out, Change{Field: a.name, Before: b.value, After: a.value})
		}
	}
	return out
}

// created lists the fields a new object gets.
func created(after []field) []Change {
	out := make([]Change, len(after))
	for i, a := range after {
		out[i] = Change{Field: a.name, After: a.value}
	}
	return out
}

// field is one compared field, rendered as text.
type field struct {
	name, value string
	equal       func(before, after string) bool // nil: the texts are compared
}

func list(vs []string) string { return "[" + strings.Join(vs, ", ") + "]" }

func isNotFound(err error) bool {
	return errors.Is(err, apierr.ErrNotFound)
}

// Budget policy grants: the role that lets a principal use a policy, and
// the rule set that holds a policy's grants.
const budgetPolicyUserRole = "roles/budgetPolicy.user"

func ruleSetName(accountID, policyID string) string {
	return fmt.Sprintf("accounts/%s/budgetPolicies/%s/ruleSets/default", accountID, policyID)
}

func groupPrincipal(group string) string { return "groups/" + group }

// principals lists who holds role in rules.
func principals(rules []iam.GrantRule, role string) []string {
	var out []string
	for _, r := range rules {
		if r.Role == role {
			out = append(out, r.Principals...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
