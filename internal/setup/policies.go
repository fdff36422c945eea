package setup

import (
	"context"
	"fmt"
	"slices"

	"github.com/databricks/databricks-sdk-go/service/billing"
	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/iam"

	"github.com/novadynamics/stellar-budget/internal/audit"
)

func budgetPolicyFields(w budgetPolicyWant, tags map[string]string) []field {
	fs := []field{}
	for _, t := range w.Tags {
		fs = append(fs, field{name: "custom_tags." + t.Key, value: tags[t.Key]})
	}
	return fs
}

func tagMap(tags []compute.CustomPolicyTag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}

func planBudgetPolicy(w budgetPolicyWant, h *billing.BudgetPolicy) Item {
	it := Item{Kind: KindBudgetPolicy, Key: w.Key, Name: w.Name, Action: Unchanged}
	if h == nil {
		it.Action, it.requestID = Create, w.RequestID
		it.Changes = append([]Change{{Field: "policy_name", After: w.Name}}, created(budgetPolicyFields(w, w.tagValues))...)
		it.apply = func(ctx context.Context, c Clients, r *run) (audit.Record, error) {
			return createBudgetPolicy(ctx, c, w, r)
		}
		return it
	}
	it.ID = h.PolicyId
	if it.Changes = diff(budgetPolicyFields(w, tagMap(h.CustomTags)), budgetPolicyFields(w, w.tagValues)); len(it.Changes) == 0 {
		return it
	}
	it.Action = Update
	before := *h
	it.apply = func(ctx context.Context, c Clients, _ *run) (audit.Record, error) {
		return updateBudgetPolicy(ctx, c, w, before)
	}
	return it
}

func createBudgetPolicy(ctx context.Context, c Clients, w budgetPolicyWant, r *run) (audit.Record, error) {
	tags := make([]compute.CustomPolicyTag, len(w.Tags))
	for i, t := range w.Tags {
		tags[i] = compute.CustomPolicyTag{Key: t.Key, Value: t.Value}
	}
	p, err := c.BudgetPolicies.Create(ctx, billing.CreateBudgetPolicyRequest{
		Policy:    &billing.BudgetPolicy{PolicyName: w.Name, CustomTags: tags},
		RequestId: w.RequestID,
	})
	if err != nil {
		return audit.Record{}, fmt.Errorf("create budget policy %s: %w", w.Name, oneLine(err))
	}
	if p.PolicyId == "" {
		return audit.Record{}, fmt.Errorf("create budget policy %s: the account returned no policy id", w.Name)
	}
	r.created[w.Key] = p.PolicyId
	return audit.Record{Action: string(Create), Kind: string(KindBudgetPolicy), Key: w.Key, ID: p.PolicyId, After: p}, nil
}

// updateBudgetPolicy sets the fixed tags, keeping tags others added and
// the workspace bindings.
func updateBudgetPolicy(ctx context.Context, c Clients, w budgetPolicyWant, h billing.BudgetPolicy) (audit.Record, error) {
	tags := slices.Clone(h.CustomTags)
	for _, t := range w.Tags {
		i := slices.IndexFunc(tags, func(x compute.CustomPolicyTag) bool { return x.Key == t.Key })
		if i < 0 {
			tags = append(tags, compute.CustomPolicyTag{Key: t.Key, Value: t.Value})
		} else {
			tags[i].Value = t.Value
		}
	}
	p, err := c.BudgetPolicies.Update(ctx, billing.UpdateBudgetPolicyRequest{
		PolicyId: h.PolicyId,
		Policy:   billing.BudgetPolicy{PolicyId: h.PolicyId, PolicyName: h.PolicyName, CustomTags: tags, BindingWorkspaceIds: h.BindingWorkspaceIds},
	})
	if err != nil {
		return audit.Record{}, fmt.Errorf("update budget policy %s (%s): %w", w.Name, h.PolicyId, oneLine(err))
	}
	return audit.Record{Action: string(Update), Kind: string(KindBudgetPolicy), Key: w.Key, ID: h.PolicyId, Before: h, After: p}, nil
}

// planBudgetPolicyGrant checks that the category's group may use its
// budget policy: the role budgetPolicy.user in the policy's rule set.
func planBudgetPolicyGrant(ctx context.Context, c Clients, w budgetPolicyWant, h *billing.BudgetPolicy) (Item, error) {
	principal := groupPrincipal(w.Group)
	it := Item{Kind: KindBudgetPolicyGrant, Key: w.Key, Name: principal, Action: Unchanged}
	grant := func(ctx context.Context, c Clients, r *run) (audit.Record, error) {
		id := r.created[w.Key]
		if h != nil {
			id = h.PolicyId
		}
		return grantBudgetPolicy(ctx, c, w, id, principal)
	}
	if h == nil {
		it.Action, it.apply = Create, grant
		it.Changes = []Change{{Field: budgetPolicyUserRole, After: list([]string{principal})}}
		return it, nil
	}
	it.ID = h.PolicyId
	rs, err := getRuleSet(ctx, c, h.PolicyId)
	if err != nil {
		return Item{}, err
	}
	holders := principals(rs.GrantRules, budgetPolicyUserRole)
	if slices.Contains(holders, principal) {
		return it, nil
	}
	it.Action, it.apply = Create, grant
	it.Changes = []Change{{Field: budgetPolicyUserRole, Before: list(holders), After: list(addSorted(holders, principal))}}
	return it, nil
}

func addSorted(vs []string, v string) []string {
	out := append(slices.Clone(vs), v)
	slices.Sort(out)
	return out
}

// getRuleSet reads a budget policy's grants; a policy without a rule set
// yet has none.
func getRuleSet(ctx context.Context, c Clients, policyID string) (*iam.RuleSetResponse, error) {
	name := ruleSetName(c.AccountID, policyID)
	rs, err := c.AccessControl.GetRuleSet(ctx, iam.GetRuleSetRequest{Name: name})
	if isNotFound(err) {
		return &iam.RuleSetResponse{Name: name}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read grants of budget policy %s: %w", policyID, oneLine(err))
	}
	return rs, nil
}

// grantBudgetPolicy adds the principal to the user role of the policy's
// rule set. The rule set is replaced as a whole, so it is read just before
// and written back with its etag: a concurrent change makes the write fail
// rather than be lost.
func grantBudgetPolicy(ctx context.Context, c Clients, w budgetPolicyWant, policyID, principal string) (audit.Record, error) {
	if policyID == "" {
		return audit.Record{}, fmt.Errorf("grant budget policy %s: the policy has no id", w.Name)
	}
	rs, err := getRuleSet(ctx, c, policyID)
	if err != nil {
		return audit.Record{}, err
	}
	rules := slices.Clone(rs.GrantRules)
	i := slices.IndexFunc(rules, func(r iam.GrantRule) bool { return r.Role == budgetPolicyUserRole })
	if i < 0 {
		rules = append(rules, iam.GrantRule{Role: budgetPolicyUserRole, Principals: []string{principal}})
	} else if !slices.Contains(rules[i].Principals, principal) {
		rules[i].Principals = append(slices.Clone(rules[i].Principals), principal)
	}
	name := ruleSetName(c.AccountID, policyID)
	after, err := c.AccessControl.UpdateRuleSet(ctx, iam.UpdateRuleSetRequest{
		Name:    name,
		RuleSet: iam.RuleSetUpdateRequest{Name: name, Etag: rs.Etag, GrantRules: rules},
	})
	if err != nil {
		return audit.Record{}, fmt.Errorf("grant budget policy %s to %s: %w", w.Name, principal, oneLine(err))
	}
	return audit.Record{Action: "grant", Kind: string(KindBudgetPolicyGrant), Key: w.Key, ID: policyID, Before: rs.GrantRules, After: after.GrantRules}, nil
}
