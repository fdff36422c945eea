package emulator

import (
	"time"

	"github.com/databricks/databricks-sdk-go/service/billing"
	"github.com/databricks/databricks-sdk-go/service/compute"
)

// seedAccount fills the account with what another division already has:
// one account-wide budget of the finance team and one budget policy of
// marketing, so lists are not trivially empty; and the groups content/
// names, assigned to the workspace, with the platform team's. The
// division's own budgets and budget policy are for setup to create.
func (s *Server) seedAccount() error {
	day := s.opts.AsOf
	if day.IsZero() {
		day = s.now()
	}
	created := day.Add(-200 * 24 * time.Hour).UnixMilli()
	s.acct = accountState{requestIDs: map[string]string{}, lastUpdate: created}
	var groups []string
	for _, c := range s.opts.Division.Categories {
		groups = append(groups, c.Group)
	}
	s.acct.seedGroups(groups)
	s.acct.budgets = append(s.acct.budgets, &billing.BudgetConfiguration{
		AccountId:             s.opts.AccountID,
		BudgetConfigurationId: stableUUID("seed-budget", "finance-account-wide"),
		DisplayName:           "Finance: account-wide monthly spend",
		CreateTime:            created,
		UpdateTime:            created,
		AlertConfigurations: []billing.AlertConfiguration{{
			AlertConfigurationId: stableUUID("seed-alert", "finance-account-wide"),
			QuantityThreshold:    "250000",
			QuantityType:         billing.AlertConfigurationQuantityTypeListPriceDollarsUsd,
			TimePeriod:           billing.AlertConfigurationTimePeriodMonth,
			TriggerType:          billing.AlertConfigurationTriggerTypeCumulativeSpendingExceeded,
			ActionConfigurations: []billing.ActionConfiguration{{
				ActionConfigurationId: stableUUID("seed-action", "finance-account-wide"),
				ActionType:            billing.ActionConfigurationTypeEmailNotification,
				Target:                "finops@novadynamics.test",
			}},
		}},
	})
	s.acct.policies = append(s.acct.policies, &budgetPolicyRecord{
		policy: billing.BudgetPolicy{
			PolicyId:   stableUUID("seed-budget-policy", "marketing"),
			PolicyName: "Marketing Insights serverless",
			CustomTags: []compute.CustomPolicyTag{{Key: "Team", Value: "MKT"}, {Key: "CostCenter", Value: "ND-Marketing"}},
		},
		creatorName: "finops@novadynamics.test",
	})
	return nil
}
