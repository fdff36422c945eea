package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// The report's prose: the executive summary's sentences, written from the
// figures the rest of the package computes.

// summary writes the executive summary: a few sentences, every figure from
// the data.
func summary(r *Report) []string {
	usd := budget.Decimal.USD
	t := r.Totals
	month := r.Month.Format("January 2006")
	var s []string
	if src := r.Source; src.Behind {
		s = append(s, fmt.Sprintf("The data is %s behind: the last usage ends at %s, so month to date runs to %s (%d of %d days) and the projection rests on data %s old.",
			days(src.DaysBehind), src.LastUsage.UTC().Format("2006-01-02 15:04 UTC"), src.DataThrough.Format("2 January 2006"), r.DataDays, r.DaysInMonth, days(src.DaysBehind)))
		s = append(s, fmt.Sprintf("In %s to date the division has spent %s of its %s monthly budget (%s %%).",
			month, usd(t.MonthToDate), usd(t.Budget), t.Utilization.String()))
	} else {
		s = append(s, fmt.Sprintf("In %s to date (%d of %d days) the division has spent %s of its %s monthly budget (%s %%).",
			month, r.DaysElapsed, r.DaysInMonth, usd(t.MonthToDate), usd(t.Budget), t.Utilization.String()))
	}
	if r.DataDays == 0 {
		s = append(s, fmt.Sprintf("No usage data falls in %s yet, so there is no forecast for it: the data ends on %s.",
			month, r.Source.DataThrough.Format("2 January 2006")))
	} else {
		s = append(s, fmt.Sprintf("The forecast for the month end is %s (80 %% range %s to %s), %s %% of budget.",
			usd(t.Forecast.Value), usd(t.Forecast.Low), usd(t.Forecast.High), t.ProjectedUtilization.String()))
	}

	described := func(slugs []string) []string {
		var out []string
		for _, c := range r.Categories {
			if slices.Contains(slugs, c.Slug) {
				out = append(out, fmt.Sprintf("%s (%s %% used, %s %% projected, %s %% chance of ending over)",
					c.Title, c.Utilization.String(), c.ProjectedUtilization.String(), FractionPercent(c.Forecast.ProbabilityOverBudget).String()))
			}
		}
		return out
	}
	switch risk := described(t.AtRisk); len(risk) {
	case 0:
		s = append(s, "No category is over budget or projected to end over it.")
	case 1:
		s = append(s, "One category is at risk: "+risk[0]+".")
	default:
		s = append(s, fmt.Sprintf("%d categories are at risk: %s.", len(risk), strings.Join(risk, "; ")))
	}
	if watch := described(t.Watch); len(watch) > 0 {
		s = append(s, "Worth watching: "+strings.Join(watch, "; ")+".")
	}
	if m, ok := biggestMover(r.Comparisons); ok {
		dir := "up"
		if m.Change.Sign() < 0 {
			dir = "down"
		}
		pct := ""
		if m.ChangePct.Defined {
			pct = fmt.Sprintf(" (%s %%)", budget.FormatPercent(abs(m.ChangePct.Value)))
		}
		s = append(s, fmt.Sprintf("The biggest mover is %s, %s %s%s on the same days last month.", m.Name, dir, usd(abs(m.Change)), pct))
	}
	if u := r.Unattributed.MonthToDate.Total; !u.IsZero() {
		s = append(s, fmt.Sprintf("%s (%s %%) of this month's spend carries no valid category tag.", usd(u), percentOf(u, t.MonthToDate).String()))
	}
	if line := unpricedSentence(r.Unpriced.Month); line != "" {
		s = append(s, line)
	}
	return s
}

// unpricedSentence says how many DBUs of which SKUs had no list price this
// month: they are in no total, so a reader must hear of them up front.
func unpricedSentence(skus []SKUUsage) string {
	if len(skus) == 0 {
		return ""
	}
	var total budget.Decimal
	names := make([]string, len(skus))
	for i, u := range skus {
		total = total.Add(u.DBUs)
		names[i] = fmt.Sprintf("%s (%s DBUs)", u.SKU, u.DBUs.Grouped(1))
	}
	noun := "SKU"
	if len(skus) > 1 {
		noun = "SKUs"
	}
	return fmt.Sprintf("%s DBUs this month have no list price and are not in any total: %s %s.",
		total.Grouped(1), noun, strings.Join(names, ", "))
}

// days writes a number of days: "1 day", "3 days".
func days(n int) string {
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

// biggestMover is the category whose spend moved most, in dollars, against
// the same period last month; ok is false when nothing moved.
func biggestMover(cs []Comparison) (Comparison, bool) {
	var best Comparison
	found := false
	for _, c := range cs {
		if c.Slug == "" || c.Change.IsZero() {
			continue
		}
		if !found || abs(c.Change).Cmp(abs(best.Change)) > 0 {
			best, found = c, true
		}
	}
	return best, found
}
