package setup

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/databricks/databricks-sdk-go/service/billing"

	"github.com/novadynamics/stellar-budget/internal/audit"
	"github.com/novadynamics/stellar-budget/internal/budget"
)

// The alert every budget holds: cumulative list-price spend in the month.
const (
	quantityType = billing.AlertConfigurationQuantityTypeListPriceDollarsUsd
	timePeriod   = billing.AlertConfigurationTimePeriodMonth
	triggerType  = billing.AlertConfigurationTriggerTypeCumulativeSpendingExceeded
)

func budgetFields(w budgetWant) []field {
	return []field{
		{name: "display_name", value: w.DisplayName},
		{name: "filter", value: budget.CategoryTagKey + " IN " + list(w.Filter)},
		{name: "alert.quantity_threshold", value: w.Threshold, equal: sameAmount},
		{name: "alert.quantity_type", value: string(quantityType)},
		{name: "alert.time_period", value: string(timePeriod)},
		{name: "alert.trigger_type", value: string(triggerType)},
		{name: "alert.emails", value: list(w.Emails)},
	}
}

// sameAmount compares decimal strings by value: "9375" is "9375.00".
func sameAmount(a, b string) bool {
	x, err1 := budget.ParseDecimal(a)
	y, err2 := budget.ParseDecimal(b)
	return err1 == nil && err2 == nil && x.Cmp(y) == 0
}

// haveBudgetFields renders an existing budget as budgetFields renders the
// wanted one, with its filter values ordered the same way.
func haveBudgetFields(h *billing.BudgetConfiguration, canonical string) []field {
	alert := billing.AlertConfiguration{}
	if len(h.AlertConfigurations) > 0 {
		alert = h.AlertConfigurations[0]
	}
	var emails []string
	for _, a := range alert.ActionConfigurations {
		if a.ActionType == billing.ActionConfigurationTypeEmailNotification {
			emails = append(emails, a.Target)
		} else {
			emails = append(emails, string(a.ActionType)+":"+a.Target)
		}
	}
	slices.Sort(emails)
	return []field{
		{name: "display_name", value: h.DisplayName},
		{name: "filter", value: filterText(h.Filter, canonical)},
		{name: "alert.quantity_threshold", value: alert.QuantityThreshold},
		{name: "alert.quantity_type", value: string(alert.QuantityType)},
		{name: "alert.time_period", value: string(alert.TimePeriod)},
		{name: "alert.trigger_type", value: string(alert.TriggerType)},
		{name: "alert.emails", value: list(emails)},
	}
}

// filterText renders a budget filter; a filter on exactly the wanted tag
// renders as budgetFields renders it.
func filterText(f *billing.BudgetConfigurationFilter, canonical string) string {
	if f == nil {
		return "(none)"
	}
	var parts []string
	for _, t := range f.Tags {
		var op string
		var vs []string
		if t.Value != nil {
			op, vs = string(t.Value.Operator), t.Value.Values
		}
		ordered := slices.Sorted(slices.Values(vs))
		if i := slices.Index(ordered, canonical); i > 0 {
			ordered = append([]string{canonical}, slices.Delete(ordered, i, i+1)...)
		}
		parts = append(parts, t.Key+" "+op+" "+list(slices.Compact(ordered)))
	}
	if w := f.WorkspaceId; w != nil {
		ids := make([]string, len(w.Values))
		for i, id := range w.Values {
			ids[i] = fmt.Sprint(id)
		}
		parts = append(parts, "workspace_id "+string(w.Operator)+" "+list(ids))
	}
	if len(parts) == 0 {
		return "(none)"
	}
	return strings.Join(parts, " AND ")
}

func planBudget(w budgetWant, h *billing.BudgetConfiguration, accountID string) Item {
	it := Item{Kind: KindBudget, Key: w.Key, Name: w.DisplayName, Filter: w.Filter, Action: Unchanged}
	if h == nil {
		it.Action, it.Changes = Create, created(budgetFields(w))
		it.apply = func(ctx context.Context, c Clients, _ *run) (audit.Record, error) {
			return createBudget(ctx, c, w, accountID)
		}
		return it
	}
	it.ID = h.BudgetConfigurationId
	if it.Changes = diff(haveBudgetFields(h, w.Filter[0]), budgetFields(w)); len(it.Changes) == 0 {
		return it
	}
	it.Action = Update
	before := *h
	it.apply = func(ctx context.Context, c Clients, _ *run) (audit.Record, error) {
		return updateBudget(ctx, c, w, before, accountID)
	}
	return it
}

func createBudget(ctx context.Context, c Clients, w budgetWant, accountID string) (audit.Record, error) {
	actions := make([]billing.CreateBudgetConfigurationBudgetActionConfigurations, len(w.Emails))
	for i, e := range w.Emails {
		actions[i] = billing.CreateBudgetConfigurationBudgetActionConfigurations{ActionType: billing.ActionConfigurationTypeEmailNotification, Target: e}
	}
	resp, err := c.Budgets.Create(ctx, billing.CreateBudgetConfigurationRequest{Budget: billing.CreateBudgetConfigurationBudget{
		AccountId:   accountID,
		DisplayName: w.DisplayName,
		Filter:      budgetFilter(w.Filter),
		AlertConfigurations: []billing.CreateBudgetConfigurationBudgetAlertConfigurations{{
			ActionConfigurations: actions,
			QuantityThreshold:    w.Threshold,
			QuantityType:         quantityType,
			TimePeriod:           timePeriod,
			TriggerType:          triggerType,
		}},
	}})
	if err != nil {
		return audit.Record{}, fmt.Errorf("create budget %s: %w", w.Key, oneLine(err))
	}
	if resp.Budget == nil || resp.Budget.BudgetConfigurationId == "" {
		return audit.Record{}, fmt.Errorf("create budget %s: the account returned no budget id", w.Key)
	}
	return audit.Record{Action: string(Create), Kind: string(KindBudget), Key: w.Key, ID: resp.Budget.BudgetConfigurationId, After: resp.Budget}, nil
}

// updateBudget replaces the budget's settings, carrying the ids of the
// budget, its alert and each action whose address stays: without them
// the account would create the alert and actions anew.
func updateBudget(ctx context.Context, c Clients, w budgetWant, h billing.BudgetConfiguration, accountID string) (audit.Record, error) {
	alert := billing.AlertConfiguration{}
	var others []billing.AlertConfiguration
	if len(h.AlertConfigurations) > 0 {
		alert, others = h.AlertConfigurations[0], h.AlertConfigurations[1:]
	}
	actionIDs := map[string]string{}
	for _, a := range alert.ActionConfigurations {
		if a.ActionType == billing.ActionConfigurationTypeEmailNotification {
			actionIDs[a.Target] = a.ActionConfigurationId
		}
	}
	actions := make([]billing.ActionConfiguration, len(w.Emails))
	for i, e := range w.Emails {
		actions[i] = billing.ActionConfiguration{ActionConfigurationId: actionIDs[e], ActionType: billing.ActionConfigurationTypeEmailNotification, Target: e}
	}
	alerts := append([]billing.AlertConfiguration{{
		AlertConfigurationId: alert.AlertConfigurationId,
		ActionConfigurations: actions,
		QuantityThreshold:    w.Threshold,
		QuantityType:         quantityType,
		TimePeriod:           timePeriod,
		TriggerType:          triggerType,
	}}, others...)
	resp, err := c.Budgets.Update(ctx, billing.UpdateBudgetConfigurationRequest{
		BudgetId: h.BudgetConfigurationId,
		Budget: billing.UpdateBudgetConfigurationBudget{
			AccountId:             accountID,
			BudgetConfigurationId: h.BudgetConfigurationId,
			DisplayName:           w.DisplayName,
			Filter:                budgetFilter(w.Filter),
			AlertConfigurations:   alerts,
		},
	})
	if err != nil {
		return audit.Record{}, fmt.Errorf("update budget %s (%s): %w", w.Key, h.BudgetConfigurationId, oneLine(err))
	}
	return audit.Record{Action: string(Update), Kind: string(KindBudget), Key: w.Key, ID: h.BudgetConfigurationId, Before: h, After: resp.Budget}, nil
}
