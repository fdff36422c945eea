package notify

import (
	"fmt"
	"math/big"
	"net/url"
	"strings"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// subjectPrefix starts every email subject.
const subjectPrefix = "[Stellar Budget] "

// SlugsOf maps each category's tag_value to its page slug, for
// Config.Slugs.
func SlugsOf(div budget.Division) map[string]string {
	m := make(map[string]string, len(div.Categories))
	for _, c := range div.Categories {
		m[c.TagValue] = c.Slug
	}
	return m
}

// Headline says what happened in one sentence without a full stop, naming
// the category, the kind, the threshold or the day, and the month:
//
//	Exploratory Missions reached 90 % of its November 2026 budget
//	Exploratory Missions is forecast to reach 100 % of its November 2026 budget
//	Exploratory Missions spent unusually much on 12 November 2026 (anomaly)
func Headline(a budget.Alert) string {
	switch a.Kind {
	case budget.AlertThreshold:
		return fmt.Sprintf("%s reached %d %% of its %s budget", title(a), a.Threshold, monthName(a))
	case budget.AlertForecast:
		return fmt.Sprintf("%s is forecast to reach %d %% of its %s budget", title(a), max(a.Threshold, 100), monthName(a))
	case budget.AlertAnomaly:
		much := "much"
		if a.Value.Cmp(a.Expected) < 0 {
			much = "little"
		}
		return fmt.Sprintf("%s spent unusually %s on %s (anomaly)", title(a), much, dayName(a))
	}
	return fmt.Sprintf("%s: %s alert for %s", title(a), a.Kind, monthName(a))
}

// Subject is the email subject: the headline with the product's prefix.
func Subject(a budget.Alert) string { return subjectPrefix + Headline(a) }

// figure is one labelled number of a message.
type figure struct{ Label, Value string }

// figures are the numbers behind an alert, in reading order: the value
// that triggered it, the budget, how much of it is used, the forecast, the
// expected spend of an anomaly's day, and the reason.
func figures(a budget.Alert) []figure {
	var fs []figure
	add := func(label, value string) {
		if value != "" {
			fs = append(fs, figure{label, value})
		}
	}
	budgetLabel := "Budget for " + monthName(a)
	forecast := func() {
		if a.Forecast.IsZero() {
			return
		}
		v := a.Forecast.USD()
		if p := percent(a.Forecast, a.Budget); p != "" {
			v += " (" + p + " of budget)"
		}
		add("Forecast for the month", v)
	}
	switch a.Kind {
	case budget.AlertForecast:
		add("Forecast for the month, as of "+dayName(a), a.Value.USD())
		add(budgetLabel, a.Budget.USD())
		add("Forecast use of the budget", percent(a.Value, a.Budget))
	case budget.AlertAnomaly:
		add("Spent on "+dayName(a), a.Value.USD())
		add("Expected for the day", a.Expected.USD())
		add(budgetLabel, a.Budget.USD())
		forecast()
	default:
		add("Month to date on "+dayName(a), a.Value.USD())
		add(budgetLabel, a.Budget.USD())
		add("Budget used", percent(a.Value, a.Budget))
		forecast()
	}
	add("Reason", strings.TrimSpace(a.Reason))
	return fs
}

// link is the category page of the alert, or "" without a base URL or a
// slug.
func (c Config) link(a budget.Alert) string {
	slug := c.Slugs[a.Category]
	if c.BaseURL == "" || slug == "" {
		return ""
	}
	return strings.TrimRight(c.BaseURL, "/") + "/categories/" + url.PathEscape(slug) + "/"
}

// percent is v as a percentage of of, one decimal: "90.5 %"; "" when of is
// not positive.
func percent(v, of budget.Decimal) string {
	if of.Sign() <= 0 {
		return ""
	}
	r := new(big.Rat).Quo(v.Rat(), of.Rat())
	r.Mul(r, big.NewRat(100, 1))
	return r.FloatString(1) + " %"
}

func title(a budget.Alert) string {
	if a.Title != "" {
		return a.Title
	}
	return a.Category
}

func monthName(a budget.Alert) string { return a.Month.Format("January 2006") }

// dayName is the day the alert happened, or its month when it has no day.
func dayName(a budget.Alert) string {
	if a.Time.IsZero() {
		return monthName(a)
	}
	return a.Time.Format("2 January 2006")
}
