package notify

import (
	"cmp"
	"fmt"
	"math/big"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// subjectPrefix starts every email subject, followed by the message's
// headline.
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

// Current is a category's standing as the build reads it (from its
// report), for Config.Current: the figures a message sets beside those an
// alert fired at. The percentages are the report's, so a message shows
// what the site shows.
type Current struct {
	Month       time.Time      // first day of the month the figures are of: the as-of month
	MonthToDate budget.Decimal // spend of that month so far
	Budget      budget.Decimal // in force that month
	// Utilization is MonthToDate / Budget in percent; not shown when the
	// budget is not positive.
	Utilization          budget.Decimal
	Forecast             budget.Decimal // the month-end forecast
	ProjectedUtilization budget.Decimal // Forecast / Budget in percent
	Status               string         // as the site words it: "on track", "watch", "projected over", "over budget"
}

// Headline says what happened in one sentence without a full stop, naming
// the category, the kind, the threshold or the day, and the month. Months
// and days carry their year only outside asOf's year:
//
//	Exploratory Missions reached 90 % of its November budget
//	Exploratory Missions is forecast to reach 100 % of its November budget
//	Exploratory Missions spent unusually much on 12 Nov (anomaly)
func Headline(a budget.Alert, asOf time.Time) string {
	switch a.Kind {
	case budget.AlertThreshold:
		return fmt.Sprintf("%s reached %d %% of its %s budget", title(a), a.Threshold, monthName(a.Month, asOf))
	case budget.AlertForecast:
		return fmt.Sprintf("%s is forecast to reach %d %% of its %s budget", title(a), max(a.Threshold, 100), monthName(a.Month, asOf))
	case budget.AlertAnomaly:
		return fmt.Sprintf("%s spent unusually %s on %s (anomaly)", title(a), muchOrLittle(a), dayName(a, asOf))
	}
	return fmt.Sprintf("%s: %s alert for %s", title(a), a.Kind, monthName(a.Month, asOf))
}

// groupHeadline is the headline of a message carrying alerts: the most
// severe one's, and how many more come with it:
//
//	Exploratory Missions is forecast to reach 100 % of its November budget (and 2 more alerts)
func groupHeadline(alerts []budget.Alert, asOf time.Time) string {
	h := Headline(mostSevere(alerts), asOf)
	switch n := len(alerts) - 1; n {
	case 0:
		return h
	case 1:
		return h + " (and 1 more alert)"
	default:
		return fmt.Sprintf("%s (and %d more alerts)", h, n)
	}
}

// inOrder returns the alerts in the order they happened: by day, then
// threshold, forecast, anomaly, then threshold percent, as package
// alerting orders them.
func inOrder(alerts []budget.Alert) []budget.Alert {
	out := slices.Clone(alerts)
	slices.SortStableFunc(out, func(a, b budget.Alert) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(kindRank(a.Kind), kindRank(b.Kind)),
			cmp.Compare(a.Threshold, b.Threshold))
	})
	return out
}

func kindRank(kind string) int {
	switch kind {
	case budget.AlertThreshold:
		return 0
	case budget.AlertForecast:
		return 1
	}
	return 2
}

// mostSevere is the alert a message with several is named after: the
// highest share of the budget, where spend that reached a share outranks
// a forecast of reaching it (100 % reached, then forecast to reach 100 %,
// then 90 % reached), and an anomaly comes last; among equals the latest.
func mostSevere(alerts []budget.Alert) budget.Alert {
	ordered := inOrder(alerts)
	top := ordered[0]
	for _, a := range ordered[1:] {
		if severity(a) >= severity(top) {
			top = a
		}
	}
	return top
}

func severity(a budget.Alert) int {
	switch a.Kind {
	case budget.AlertThreshold:
		return 2*a.Threshold + 1
	case budget.AlertForecast:
		return 2 * max(a.Threshold, 100)
	}
	return 0
}

// sentence tells one alert without a full stop: the figure it fired at on
// its day and, when cur is not nil (the build's figures of the alert's
// month), where the same measure stands today:
//
//	Exploratory Missions reached 90 % of its budget on 12 Nov at $9,050.00 month to date; today $9,420.10, 94.2 % of its $10,000.00 budget
//	Exploratory Missions first projected over budget on 1 Dec at $5,791.83; today $5,941.48, 114.3 % of its $5,200.00 budget
//	Exploratory Missions spent $1,830.25 on 14 Nov, against $310.00 expected
//
// Without cur the share of the budget is the one the alert fired at.
func sentence(a budget.Alert, cur *Current, asOf time.Time) string {
	day := dayName(a, asOf)
	switch a.Kind {
	case budget.AlertThreshold:
		s := fmt.Sprintf("%s reached %d %% of its budget on %s at %s month to date", title(a), a.Threshold, day, a.Value.USD())
		if cur != nil {
			return s + "; today " + cur.MonthToDate.USD() + ", " + ofBudget(percentText(cur.Utilization), cur.Budget)
		}
		return s + ", " + ofBudget(percent(a.Value, a.Budget), a.Budget)
	case budget.AlertForecast:
		s := fmt.Sprintf("%s first projected over budget on %s at %s", title(a), day, a.Value.USD())
		if cur != nil {
			return s + "; today " + cur.Forecast.USD() + ", " + ofBudget(percentText(cur.ProjectedUtilization), cur.Budget)
		}
		return s + ", " + ofBudget(percent(a.Value, a.Budget), a.Budget)
	case budget.AlertAnomaly:
		return fmt.Sprintf("%s spent %s on %s, against %s expected", title(a), a.Value.USD(), day, a.Expected.USD())
	}
	return Headline(a, asOf)
}

// ofBudget is "94.2 % of its $10,000.00 budget", or "against a budget of
// $0.00" when there is no share to give (a budget that is not positive).
func ofBudget(pct string, b budget.Decimal) string {
	if b.Sign() <= 0 || pct == "" {
		return "against a budget of " + b.USD()
	}
	return pct + " of its " + b.USD() + " budget"
}

// figure is one labelled number of a message.
type figure struct{ Label, Value string }

// standing are a category's figures as of the build, in reading order.
func standing(cur Current, asOf time.Time) []figure {
	withShare := func(v, pct budget.Decimal) string {
		if cur.Budget.Sign() <= 0 {
			return v.USD()
		}
		return v.USD() + " (" + percentText(pct) + " of budget)"
	}
	fs := []figure{
		{"Month to date", withShare(cur.MonthToDate, cur.Utilization)},
		{"Budget for " + monthName(cur.Month, asOf), cur.Budget.USD()},
		{"Projected month end", withShare(cur.Forecast, cur.ProjectedUtilization)},
	}
	if cur.Status != "" {
		fs = append(fs, figure{"Status", cur.Status})
	}
	return fs
}

// message is what one message says, whatever the channel: the headline,
// the alerts in the order they happened, and the category's figures as of
// the build.
type message struct {
	Headline string
	Title    string // the category's
	Link     string // its page; "" without
	Items    []item
	// AsOf heads Today: "As of 20 Nov". Both are empty without the
	// category's current figures.
	AsOf  string
	Today []figure
	Keys  []string // the alerts', in Items' order
}

// item is one alert of a message.
type item struct {
	Key      string
	Sentence string
	Reason   string
}

// compose says alerts (of one category) in one message.
func (c Config) compose(alerts []budget.Alert) message {
	ordered := inOrder(alerts)
	first := ordered[0]
	m := message{
		Headline: groupHeadline(ordered, c.AsOf),
		Title:    title(first),
		Link:     c.link(first),
	}
	cur, hasCur := c.Current[first.Category]
	for _, a := range ordered {
		var now *Current
		if hasCur && cur.Month.Equal(a.Month) {
			now = &cur
		}
		m.Items = append(m.Items, item{Key: a.Key(), Sentence: sentence(a, now, c.AsOf), Reason: strings.TrimSpace(a.Reason)})
		m.Keys = append(m.Keys, a.Key())
	}
	if hasCur {
		m.AsOf = "As of " + monthName(cur.Month, c.AsOf)
		if !c.AsOf.IsZero() {
			m.AsOf = "As of " + dateName(c.AsOf, c.AsOf)
		}
		m.Today = standing(cur, c.AsOf)
	}
	return m
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

// percent is v as a percentage of of, half up to one decimal as the site
// rounds: "90.5 %"; "" when of is not positive.
func percent(v, of budget.Decimal) string {
	if of.Sign() <= 0 {
		return ""
	}
	r := new(big.Rat).Quo(v.Rat(), of.Rat())
	r.Mul(r, big.NewRat(100, 1))
	return r.FloatString(1) + " %"
}

// percentText formats a percentage the way the site does: one decimal,
// half up, "114.3 %".
func percentText(p budget.Decimal) string { return p.StringFixed(1) + " %" }

func title(a budget.Alert) string {
	if a.Title != "" {
		return a.Title
	}
	return a.Category
}

func muchOrLittle(a budget.Alert) string {
	if a.Value.Cmp(a.Expected) < 0 {
		return "little"
	}
	return "much"
}

// monthName is "November", or "November 2025" outside asOf's year.
func monthName(month, asOf time.Time) string {
	if month.Year() == asOf.Year() {
		return month.Format("January")
	}
	return month.Format("January 2006")
}

// dayName is the day the alert happened, or its month when it has no day.
func dayName(a budget.Alert, asOf time.Time) string {
	if a.Time.IsZero() {
		return monthName(a.Month, asOf)
	}
	return dateName(a.Time, asOf)
}

// dateName is "1 Dec", or "1 Dec 2025" outside asOf's year.
func dateName(t, asOf time.Time) string {
	t = t.UTC()
	if t.Year() == asOf.UTC().Year() {
		return t.Format("2 Jan")
	}
	return t.Format("2 Jan 2006")
}
