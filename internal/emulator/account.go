package emulator

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/databricks/databricks-sdk-go/service/billing"
)

// accountState is the emulated account's budget configurations and
// budget policies, in creation order.
type accountState struct {
	budgets  []*billing.BudgetConfiguration
	policies []*budgetPolicyRecord
	// groups are the account's groups (account_groups.go).
	groups []*accountGroup
	// requestIDs maps a budget policy create's request_id to the policy it
	// created, so that a retry returns that policy instead of a second one.
	requestIDs map[string]string
	// seq numbers the ids the account hands out (budgets, alerts, actions,
	// policies), so they are the same on every run.
	seq int
	// lastUpdate is the newest create_time or update_time handed out, so
	// that every change gets a later time even within one millisecond.
	lastUpdate int64
}

// accountRoutes registers the account APIs: budget configurations,
// budget policies, and the groups their grants name.
func (s *Server) accountRoutes() {
	s.handle("GET "+s.accountPath("budgets"), s.listBudgets)
	s.handle("POST "+s.accountPath("budgets"), s.createBudget)
	s.handle("GET "+s.accountPath("budgets/{id}"), s.getBudget)
	s.handle("PUT "+s.accountPath("budgets/{id}"), s.updateBudget)
	s.handle("DELETE "+s.accountPath("budgets/{id}"), s.deleteBudget)

	s.handle("GET "+s.accountPath("budget-policies"), s.listBudgetPolicies)
	s.handle("POST "+s.accountPath("budget-policies"), s.createBudgetPolicy)
	s.handle("GET "+s.accountPath("budget-policies/{id}"), s.getBudgetPolicy)
	s.handle("PATCH "+s.accountPath("budget-policies/{id}"), s.updateBudgetPolicy)
	s.handle("DELETE "+s.accountPath("budget-policies/{id}"), s.deleteBudgetPolicy)
	s.ruleSetRoutes()
	s.groupRoutes()
}

// newID hands out the account's next id of a kind.
func (a *accountState) newID(kind string) string {
	a.seq++
	return stableUUID(kind, strconv.Itoa(a.seq))
}

// stamp is the time of a change in epoch milliseconds: now, or just after
// the previous change when the clock has not moved on.
func (a *accountState) stamp(now time.Time) int64 {
	a.lastUpdate = max(now.UnixMilli(), a.lastUpdate+1)
	return a.lastUpdate
}

// budgetPageSize is how many budgets one list page holds.
const budgetPageSize = 20

// listBudgets answers GET .../budgets (page_token; 20 a page).
func (s *Server) listBudgets(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	list := make([]billing.BudgetConfiguration, 0, len(s.acct.budgets))
	for _, b := range s.acct.budgets {
		list = append(list, *b)
	}
	s.mu.Unlock()
	p, ok := paginate(len(list), budgetPageSize, r.URL.Query().Get("page_token"))
	if !ok {
		badPageToken(w)
		return
	}
	writeJSON(w, http.StatusOK, billing.ListBudgetConfigurationsResponse{Budgets: list[p.from:p.to], NextPageToken: p.next})
}

// findBudget returns the budget with id, or nil.
func (a *accountState) findBudget(id string) *billing.BudgetConfiguration {
	i := slices.IndexFunc(a.budgets, func(b *billing.BudgetConfiguration) bool { return b.BudgetConfigurationId == id })
	if i < 0 {
		return nil
	}
	return a.budgets[i]
}

func budgetMissing(w http.ResponseWriter, id string) {
	writeError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "Budget configuration %s does not exist", id)
}

// getBudget answers GET .../budgets/{id}.
func (s *Server) getBudget(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	b := s.acct.findBudget(id)
	var out billing.GetBudgetConfigurationResponse
	if b != nil {
		copied := *b
		out.Budget = &copied
	}
	s.mu.Unlock()
	if b == nil {
		budgetMissing(w, id)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// createBudget answers POST .../budgets. It assigns the budget's id and
// an id to its alert configuration and to each of its actions.
func (s *Server) createBudget(w http.ResponseWriter, r *http.Request) {
	var req billing.CreateBudgetConfigurationRequest
	if !readJSON(w, r, &req) {
		return
	}
	in := req.Budget
	alerts := make([]billing.AlertConfiguration, 0, len(in.AlertConfigurations))
	for _, a := range in.AlertConfigurations {
		alert := billing.AlertConfiguration{
			QuantityThreshold: a.QuantityThreshold, QuantityType: a.QuantityType,
			TimePeriod: a.TimePeriod, TriggerType: a.TriggerType,
		}
		for _, act := range a.ActionConfigurations {
			alert.ActionConfigurations = append(alert.ActionConfigurations,
				billing.ActionConfiguration{ActionType: act.ActionType, Target: act.Target})
		}
		alerts = append(alerts, alert)
	}
	if msg := s.checkBudget(in.AccountId, in.DisplayName, in.Filter, alerts); msg != "" {
		invalid(w, "%s", msg)
		return
	}

	s.mu.Lock()
	now := s.acct.stamp(s.now())
	b := &billing.BudgetConfiguration{
		AccountId:             s.opts.AccountID,
		BudgetConfigurationId: s.acct.newID("budget"),
		DisplayName:           in.DisplayName,
		Filter:                in.Filter,
		CreateTime:            now,
		UpdateTime:            now,
	}
	for i := range alerts {
		alerts[i].AlertConfigurationId = s.acct.newID("alert")
		for j := range alerts[i].ActionConfigurations {
			alerts[i].ActionConfigurations[j].ActionConfigurationId = s.acct.newID("action")
		}
	}
	b.AlertConfigurations = alerts
	s.acct.budgets = append(s.acct.budgets, b)
	out := *b
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, billing.CreateBudgetConfigurationResponse{Budget: &out})
}

// updateBudget answers PUT .../budgets/{id}, which replaces the budget's
// name, filter and alerts. An alert or action that carries its id keeps
// it (the id must be one of this budget's); one sent without its id is
// created anew with a new id, as on the real service, and whatever the
// request leaves out is dropped.
func (s *Server) updateBudget(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var req billing.UpdateBudgetConfigurationRequest
	if !readJSON(w, r, &req) {
		return
	}
	in := req.Budget
	if in.BudgetConfigurationId != "" && in.BudgetConfigurationId != id {
		invalid(w, "budget_configuration_id %s in the body does not match %s in the path", in.BudgetConfigurationId, id)
		return
	}
	alerts := make([]billing.AlertConfiguration, len(in.AlertConfigurations))
	for i, a := range in.AlertConfigurations {
		alerts[i] = a
		alerts[i].ActionConfigurations = slices.Clone(a.ActionConfigurations)
		alerts[i].ForceSendFields = nil
	}
	if msg := s.checkBudget(in.AccountId, in.DisplayName, in.Filter, alerts); msg != "" {
		invalid(w, "%s", msg)
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.acct.findBudget(id)
	if b == nil {
		budgetMissing(w, id)
		return
	}
	known := map[string]map[string]bool{} // alert id -> its action ids
	for _, a := range b.AlertConfigurations {
		known[a.AlertConfigurationId] = map[string]bool{}
		for _, act := range a.ActionConfigurations {
			known[a.AlertConfigurationId][act.ActionConfigurationId] = true
		}
	}
	for i := range alerts {
		a := &alerts[i]
		actions, kept := known[a.AlertConfigurationId]
		if a.AlertConfigurationId != "" && !kept {
			invalid(w, "alert configuration %s is not part of budget %s", a.AlertConfigurationId, id)
			return
		}
		for j := range a.ActionConfigurations {
			act := &a.ActionConfigurations[j]
			act.ForceSendFields = nil
			if !kept {
				act.ActionConfigurationId = "" // a re-created alert re-creates its actions
			}
			if act.ActionConfigurationId != "" && !actions[act.ActionConfigurationId] {
				invalid(w, "action configuration %s is not part of alert configuration %s", act.ActionConfigurationId, a.AlertConfigurationId)
				return
			}
		}
	}
	for i := range alerts {
		a := &alerts[i]
		if a.AlertConfigurationId == "" {
			a.AlertConfigurationId = s.acct.newID("alert")
		}
		for j := range a.ActionConfigurations {
			if a.ActionConfigurations[j].ActionConfigurationId == "" {
				a.ActionConfigurations[j].ActionConfigurationId = s.acct.newID("action")
			}
		}
	}
	next := *b
	next.DisplayName = in.DisplayName
	next.Filter = in.Filter
	next.AlertConfigurations = alerts
	next.UpdateTime = s.acct.stamp(s.now())
	*b = next
	writeJSON(w, http.StatusOK, billing.UpdateBudgetConfigurationResponse{Budget: &next})
}

// deleteBudget answers DELETE .../budgets/{id}.
func (s *Server) deleteBudget(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.acct.budgets, func(b *billing.BudgetConfiguration) bool { return b.BudgetConfigurationId == id })
	if i < 0 {
		budgetMissing(w, id)
		return
	}
	s.acct.budgets = slices.Delete(s.acct.budgets, i, i+1)
	writeJSON(w, http.StatusOK, struct{}{})
}

// checkBudget validates a budget as the real service does: a name of at
// most 128 characters, exactly one alert configuration with a positive
// USD threshold over the month, e-mail actions with a target, and filter
// clauses with the IN operator and at least one value.
func (s *Server) checkBudget(accountID, name string, filter *billing.BudgetConfigurationFilter, alerts []billing.AlertConfiguration) string {
	switch {
	case accountID != "" && accountID != s.opts.AccountID:
		return "account_id " + accountID + " does not match the account in the path"
	case name == "":
		return "Missing required field: display_name"
	case len(name) > 128:
		return "display_name must be at most 128 characters"
	case len(alerts) != 1:
		return "Budgets must have exactly one alert configuration, got " + strconv.Itoa(len(alerts))
	}
	for _, a := range alerts {
		if v, err := strconv.ParseFloat(a.QuantityThreshold, 64); err != nil || v <= 0 {
			return "quantity_threshold must be a positive number, got " + strconv.Quote(a.QuantityThreshold)
		}
		switch {
		case a.QuantityType != billing.AlertConfigurationQuantityTypeListPriceDollarsUsd:
			return "quantity_type must be LIST_PRICE_DOLLARS_USD"
		case a.TimePeriod != billing.AlertConfigurationTimePeriodMonth:
			return "time_period must be MONTH"
		case a.TriggerType != billing.AlertConfigurationTriggerTypeCumulativeSpendingExceeded:
			return "trigger_type must be CUMULATIVE_SPENDING_EXCEEDED"
		case len(a.ActionConfigurations) == 0:
			return "an alert configuration needs at least one action configuration"
		}
		for _, act := range a.ActionConfigurations {
			if act.ActionType != billing.ActionConfigurationTypeEmailNotification || act.Target == "" {
				return "each action configuration needs action_type EMAIL_NOTIFICATION and a target"
			}
		}
	}
	if filter == nil {
		return ""
	}
	for _, t := range filter.Tags {
		if t.Key == "" || t.Value == nil || t.Value.Operator != billing.BudgetConfigurationFilterOperatorIn || len(t.Value.Values) == 0 {
			return "each tag filter needs a key and a value with operator IN and at least one value"
		}
	}
	if ws := filter.WorkspaceId; ws != nil && (ws.Operator != billing.BudgetConfigurationFilterOperatorIn || len(ws.Values) == 0) {
		return "the workspace_id filter needs operator IN and at least one value"
	}
	return ""
}
