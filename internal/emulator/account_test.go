package emulator

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/billing"
	"github.com/databricks/databricks-sdk-go/service/compute"
)

// categoryBudget is the budget setup creates for a category and threshold.
func categoryBudget(name, threshold string, values ...string) billing.CreateBudgetConfigurationBudget {
	return billing.CreateBudgetConfigurationBudget{
		DisplayName: name,
		Filter: &billing.BudgetConfigurationFilter{
			Tags: []billing.BudgetConfigurationFilterTagClause{{
				Key:   "OperationalCategory",
				Value: &billing.BudgetConfigurationFilterClause{Operator: billing.BudgetConfigurationFilterOperatorIn, Values: values},
			}},
			WorkspaceId: &billing.BudgetConfigurationFilterWorkspaceIdClause{Operator: billing.BudgetConfigurationFilterOperatorIn, Values: []int64{1234567890123456}},
		},
		AlertConfigurations: []billing.CreateBudgetConfigurationBudgetAlertConfigurations{{
			QuantityThreshold: threshold,
			QuantityType:      billing.AlertConfigurationQuantityTypeListPriceDollarsUsd,
			TimePeriod:        billing.AlertConfigurationTimePeriodMonth,
			TriggerType:       billing.AlertConfigurationTriggerTypeCumulativeSpendingExceeded,
			ActionConfigurations: []billing.CreateBudgetConfigurationBudgetActionConfigurations{
				{ActionType: billing.ActionConfigurationTypeEmailNotification, Target: "amara.okafor@novadynamics.test"},
				{ActionType: billing.ActionConfigurationTypeEmailNotification, Target: "jonas.lindqvist@novadynamics.test"},
			},
		}},
	}
}

// asUpdate is a stored budget as an update request, ids included.
func asUpdate(b *billing.BudgetConfiguration) billing.UpdateBudgetConfigurationRequest {
	return billing.UpdateBudgetConfigurationRequest{
		BudgetId: b.BudgetConfigurationId,
		Budget: billing.UpdateBudgetConfigurationBudget{
			BudgetConfigurationId: b.BudgetConfigurationId,
			DisplayName:           b.DisplayName,
			Filter:                b.Filter,
			AlertConfigurations:   slices.Clone(b.AlertConfigurations),
		},
	}
}

func TestAccountBudgetLifecycle(t *testing.T) {
	env := startObjects(t)
	ctx := context.Background()
	seeded, err := env.a.Budgets.ListAll(ctx, billing.ListBudgetConfigurationsRequest{})
	if err != nil || len(seeded) != 1 {
		t.Fatalf("seeded budgets: %d, %v; want the one unrelated budget", len(seeded), err)
	}

	created, err := env.a.Budgets.Create(ctx, billing.CreateBudgetConfigurationRequest{
		Budget: categoryBudget("SAD deep-space-telemetry 75%", "9375", "DEEP_SPACE_TELEMETRY", "deep space telemetry"),
	})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	b := created.Budget
	alert := b.AlertConfigurations[0]
	if b.BudgetConfigurationId == "" || b.AccountId != DefaultAccountID || alert.AlertConfigurationId == "" ||
		alert.ActionConfigurations[0].ActionConfigurationId == "" || alert.ActionConfigurations[1].ActionConfigurationId == "" ||
		b.CreateTime == 0 || b.UpdateTime != b.CreateTime || alert.QuantityThreshold != "9375" {
		t.Fatalf("created = %+v", b)
	}
	got, err := env.a.Budgets.GetByBudgetId(ctx, b.BudgetConfigurationId)
	if err != nil || got.Budget.DisplayName != b.DisplayName || !slices.Equal(got.Budget.Filter.Tags[0].Value.Values, []string{"DEEP_SPACE_TELEMETRY", "deep space telemetry"}) ||
		got.Budget.Filter.WorkspaceId.Values[0] != 1234567890123456 {
		t.Fatalf("get = %+v, %v", got.Budget, err)
	}

	// An update that carries the ids keeps them and bumps update_time,
	// even within the same millisecond.
	up := asUpdate(b)
	up.Budget.AlertConfigurations[0].QuantityThreshold = "10125"
	kept, err := env.a.Budgets.Update(ctx, up)
	if err != nil {
		t.Fatalf("update with ids: %v", err)
	}
	k := kept.Budget
	if k.AlertConfigurations[0].AlertConfigurationId != alert.AlertConfigurationId ||
		k.AlertConfigurations[0].ActionConfigurations[0].ActionConfigurationId != alert.ActionConfigurations[0].ActionConfigurationId ||
		k.AlertConfigurations[0].QuantityThreshold != "10125" || k.UpdateTime <= b.UpdateTime || k.CreateTime != b.CreateTime {
		t.Errorf("update with ids: %+v (was %+v)", k, b)
	}

	// Without them, the alert and its actions are created anew.
	env.clock.advance(time.Minute)
	up = asUpdate(k)
	up.Budget.AlertConfigurations[0].AlertConfigurationId = ""
	recreated, err := env.a.Budgets.Update(ctx, up)
	if err != nil {
		t.Fatalf("update without ids: %v", err)
	}
	r := recreated.Budget
	if r.AlertConfigurations[0].AlertConfigurationId == alert.AlertConfigurationId ||
		r.AlertConfigurations[0].ActionConfigurations[0].ActionConfigurationId == alert.ActionConfigurations[0].ActionConfigurationId ||
		r.UpdateTime != env.clock.now().UnixMilli() {
		t.Errorf("update without ids kept them or the time: %+v (was %+v)", r, k)
	}
	// An action sent without its id within a kept alert is new; the other
	// keeps its id.
	up = asUpdate(r)
	up.Budget.AlertConfigurations[0].ActionConfigurations = []billing.ActionConfiguration{
		r.AlertConfigurations[0].ActionConfigurations[0],
		{ActionType: billing.ActionConfigurationTypeEmailNotification, Target: "budget-watch@novadynamics.test"},
	}
	mixed, err := env.a.Budgets.Update(ctx, up)
	if err != nil {
		t.Fatalf("update with one new action: %v", err)
	}
	acts := mixed.Budget.AlertConfigurations[0].ActionConfigurations
	if acts[0].ActionConfigurationId != r.AlertConfigurations[0].ActionConfigurations[0].ActionConfigurationId ||
		acts[1].ActionConfigurationId == "" || acts[1].ActionConfigurationId == r.AlertConfigurations[0].ActionConfigurations[1].ActionConfigurationId {
		t.Errorf("actions after update: %+v", acts)
	}

	bad := []struct {
		name   string
		change func(*billing.UpdateBudgetConfigurationRequest)
	}{
		{"foreign alert id", func(u *billing.UpdateBudgetConfigurationRequest) {
			u.Budget.AlertConfigurations[0].AlertConfigurationId = seeded[0].AlertConfigurations[0].AlertConfigurationId
		}},
		{"two alerts", func(u *billing.UpdateBudgetConfigurationRequest) {
			u.Budget.AlertConfigurations = append(u.Budget.AlertConfigurations, u.Budget.AlertConfigurations[0])
		}},
		{"threshold not a number", func(u *billing.UpdateBudgetConfigurationRequest) {
			u.Budget.AlertConfigurations[0].QuantityThreshold = "lots"
		}},
		{"tag filter without values", func(u *billing.UpdateBudgetConfigurationRequest) {
			u.Budget.Filter = &billing.BudgetConfigurationFilter{Tags: []billing.BudgetConfigurationFilterTagClause{{Key: "Team", Value: &billing.BudgetConfigurationFilterClause{Operator: "IN"}}}}
		}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			u := asUpdate(mixed.Budget)
			tc.change(&u)
			if _, err := env.a.Budgets.Update(ctx, u); !errors.Is(err, apierr.ErrInvalidParameterValue) {
				t.Errorf("update: %v, want INVALID_PARAMETER_VALUE", err)
			}
		})
	}
	if after, _ := env.a.Budgets.GetByBudgetId(ctx, b.BudgetConfigurationId); after.Budget.UpdateTime != mixed.Budget.UpdateTime {
		t.Errorf("a refused update changed update_time")
	}

	if err := env.a.Budgets.DeleteByBudgetId(ctx, b.BudgetConfigurationId); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := env.a.Budgets.GetByBudgetId(ctx, b.BudgetConfigurationId); !errors.Is(err, apierr.ErrNotFound) {
		t.Errorf("get deleted budget: %v, want not found", err)
	}
}

func TestAccountBudgetListPages(t *testing.T) {
	env := startObjects(t)
	ctx := context.Background()
	for i := range 24 {
		if _, err := env.a.Budgets.Create(ctx, billing.CreateBudgetConfigurationRequest{
			Budget: categoryBudget(fmt.Sprintf("budget %02d", i), "100", "EXOPLANET_RESEARCH"),
		}); err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
	}
	all, err := env.a.Budgets.ListAll(ctx, billing.ListBudgetConfigurationsRequest{})
	if err != nil || len(all) != 25 {
		t.Fatalf("listed %d budgets over pages of %d, %v; want 25", len(all), budgetPageSize, err)
	}
	ids := map[string]bool{}
	for _, b := range all {
		ids[b.BudgetConfigurationId] = true
	}
	if len(ids) != 25 {
		t.Errorf("%d distinct ids among 25 budgets", len(ids))
	}
	if _, err := env.a.Budgets.ListAll(ctx, billing.ListBudgetConfigurationsRequest{PageToken: "not-a-token"}); !errors.Is(err, apierr.ErrInvalidParameterValue) {
		t.Errorf("list with a bad page token: %v", err)
	}
}

func TestAccountBudgetPolicies(t *testing.T) {
	env := startObjects(t)
	ctx := context.Background()
	policy := &billing.BudgetPolicy{
		PolicyName: "SAD Deep Space Telemetry",
		CustomTags: []compute.CustomPolicyTag{{Key: "OperationalCategory", Value: "DEEP_SPACE_TELEMETRY"}, {Key: "Team", Value: "SAD"}, {Key: "CostCenter", Value: "ND-Analytics"}},
	}
	first, err := env.a.BudgetPolicy.Create(ctx, billing.CreateBudgetPolicyRequest{Policy: policy, RequestId: "plan-1/deep-space-telemetry"})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	retry, err := env.a.BudgetPolicy.Create(ctx, billing.CreateBudgetPolicyRequest{Policy: policy, RequestId: "plan-1/deep-space-telemetry"})
	if err != nil || retry.PolicyId != first.PolicyId {
		t.Fatalf("retry with the same request id: %+v, %v; want policy %s", retry, err, first.PolicyId)
	}
	named, err := env.a.BudgetPolicy.ListAll(ctx, billing.ListBudgetPoliciesRequest{FilterBy: &billing.Filter{PolicyName: policy.PolicyName}})
	if err != nil || len(named) != 1 || len(named[0].CustomTags) != 3 {
		t.Fatalf("policies named %s: %+v, %v; want one", policy.PolicyName, named, err)
	}
	if _, err := env.a.BudgetPolicy.Create(ctx, billing.CreateBudgetPolicyRequest{Policy: policy, RequestId: "plan-2/deep-space-telemetry"}); !errors.Is(err, apierr.ErrResourceConflict) {
		t.Errorf("second policy of the same name: %v, want a conflict", err)
	}

	updated, err := env.a.BudgetPolicy.Update(ctx, billing.UpdateBudgetPolicyRequest{
		PolicyId: first.PolicyId,
		Policy: billing.BudgetPolicy{
			PolicyId: first.PolicyId, PolicyName: "SAD Deep Space Telemetry (serverless)",
			CustomTags:          append(slices.Clone(policy.CustomTags), compute.CustomPolicyTag{Key: "Environment", Value: "PROD"}),
			BindingWorkspaceIds: []int64{1234567890123456},
		},
		LimitConfig: &billing.LimitConfig{},
	})
	if err != nil || updated.PolicyName != "SAD Deep Space Telemetry (serverless)" || len(updated.CustomTags) != 4 || len(updated.BindingWorkspaceIds) != 1 {
		t.Fatalf("update = %+v, %v", updated, err)
	}
	got, err := env.a.BudgetPolicy.GetByPolicyId(ctx, first.PolicyId)
	if err != nil || got.PolicyName != updated.PolicyName || got.CustomTags[3].Value != "PROD" {
		t.Errorf("get after update = %+v, %v", got, err)
	}

	all, err := env.a.BudgetPolicy.ListAll(ctx, billing.ListBudgetPoliciesRequest{PageSize: 1})
	if err != nil || len(all) != 2 || all[0].PolicyName > all[1].PolicyName {
		t.Errorf("list in pages of one = %+v, %v; want the seeded and the new policy by name", all, err)
	}
	bad := []struct {
		name   string
		policy billing.BudgetPolicy
	}{
		{"no name", billing.BudgetPolicy{}},
		{"reserved name", billing.BudgetPolicy{PolicyName: "databricks:default-policy"}},
		{"duplicate tag", billing.BudgetPolicy{PolicyName: "x", CustomTags: []compute.CustomPolicyTag{{Key: "Team", Value: "a"}, {Key: "Team", Value: "b"}}}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := env.a.BudgetPolicy.Create(ctx, billing.CreateBudgetPolicyRequest{Policy: &tc.policy}); !errors.Is(err, apierr.ErrInvalidParameterValue) {
				t.Errorf("create: %v, want INVALID_PARAMETER_VALUE", err)
			}
		})
	}

	if err := env.a.BudgetPolicy.DeleteByPolicyId(ctx, first.PolicyId); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := env.a.BudgetPolicy.GetByPolicyId(ctx, first.PolicyId); !errors.Is(err, apierr.ErrNotFound) {
		t.Errorf("get deleted policy: %v, want not found", err)
	}
	again, err := env.a.BudgetPolicy.Create(ctx, billing.CreateBudgetPolicyRequest{Policy: policy, RequestId: "plan-1/deep-space-telemetry"})
	if err != nil || again.PolicyId == first.PolicyId {
		t.Errorf("create after delete with the old request id: %+v, %v; want a new policy", again, err)
	}
}
