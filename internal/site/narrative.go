package site

import (
	"fmt"
	"html/template"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/markdown"
	"github.com/novadynamics/stellar-budget/internal/report"
)

// Placeholders a narrative in content/ may use (README, "Numbers in
// prose"). The per-category ones take a category slug, e.g.
// {{< budget "deep-space-telemetry" >}}; without one they mean the page's
// own category, or the whole division on the master page and the report.
var categoryPlaceholders = map[string]func(*report.Category) string{
	"month_to_date":         func(c *report.Category) string { return usd(c.MonthToDate) },
	"budget":                func(c *report.Category) string { return usd(c.Budget) },
	"forecast":              func(c *report.Category) string { return usd(c.Forecast.Value) },
	"utilization":           func(c *report.Category) string { return pct(c.Utilization) },
	"projected_utilization": func(c *report.Category) string { return pct(c.ProjectedUtilization) },
	"status":                func(c *report.Category) string { return c.StatusLabel() },
}

// divisionPlaceholders are the same names for the whole division, plus
// figures only the division has.
func divisionPlaceholders(r *report.Report) map[string]string {
	t := r.Totals
	return map[string]string{
		"month_to_date":         usd(t.MonthToDate),
		"budget":                usd(t.Budget),
		"forecast":              usd(t.Forecast.Value),
		"utilization":           pct(t.Utilization),
		"projected_utilization": pct(t.ProjectedUtilization),
		"status":                fmt.Sprintf("%d of %d categories at risk", len(t.AtRisk), len(r.Categories)),
		"tag_compliance":        pct(t.TagCompliance),
		"unattributed":          usd(t.Unattributed),
		"categories_at_risk":    fmt.Sprint(len(t.AtRisk)),
		"as_of":                 r.AsOf.Format(time.DateOnly),
		"month":                 r.Month.Format("January 2006"),
		"division":              r.Division,
	}
}

// placeholders are the values a narrative on a page may use; current is
// the page's category, nil for division pages.
func placeholders(r *report.Report, current *report.Category) markdown.Values {
	values := markdown.Values{}
	division := divisionPlaceholders(r)
	for name, text := range division {
		values[name] = markdown.Const(text)
	}
	for name, figure := range categoryPlaceholders {
		whole := division[name]
		values[name] = func(args []string) (string, error) {
			switch len(args) {
			case 0:
				if current != nil {
					return figure(current), nil
				}
				return whole, nil
			case 1:
				for i := range r.Categories {
					if r.Categories[i].Slug == args[0] {
						return figure(&r.Categories[i]), nil
					}
				}
				return "", fmt.Errorf("no category %q", args[0])
			}
			return "", fmt.Errorf("takes at most one argument (a category slug), got %d", len(args))
		}
	}
	return values
}

// renderNarrative turns a narrative into HTML with its placeholders filled.
func renderNarrative(n budget.Narrative, r *report.Report, current *report.Category) (template.HTML, error) {
	if n.Markdown == "" {
		return "", nil
	}
	return markdown.RenderAt([]byte(n.Markdown), placeholders(r, current), n.File, n.Line)
}
