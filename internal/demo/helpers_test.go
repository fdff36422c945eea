package demo

import (
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// testDivision is the example division in DESIGN.md's order, with budgets
// other than the shipped content/'s: the demo's spend must not depend on
// them (tests of the scenario against the shipped budgets load content/).
func testDivision() budget.Division {
	cats := []struct {
		tag, slug, budget string
	}{
		{"DEEP_SPACE_TELEMETRY", "deep-space-telemetry", "4200"},
		{"PROPULSION_ANALYTICS", "propulsion-analytics", "9500"},
		{"ORBITAL_MECHANICS", "orbital-mechanics", "6000"},
		{"MATERIALS_SCIENCE", "materials-science", "3000"},
		{"EXPLORATORY_MISSIONS", "exploratory-missions", "7500"},
		{"NAVIGATION_SYSTEMS", "navigation-systems", "5200"},
		{"EXOPLANET_RESEARCH", "exoplanet-research", "15000"},
	}
	d := budget.Division{Name: "Stellar Analytics Division", Currency: "USD", Thresholds: []int{75, 90, 100}}
	for _, c := range cats {
		d.Categories = append(d.Categories, budget.Category{
			Slug: c.slug, TagValue: c.tag, MonthlyBudget: budget.MustDecimal(c.budget),
			Owners: []string{"lead." + c.slug + "@novadynamics.test"},
		})
	}
	return d
}

// asOf is the last whole day of the account the tests read, through the
// instant the account is read at.
var (
	asOf    = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	through = asOf.AddDate(0, 0, 1)
)
