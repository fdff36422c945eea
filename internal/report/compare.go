package report

import (
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// Comparison puts this month to date beside the months before it, for one
// category, the unattributed bucket or the whole division.
type Comparison struct {
	Name        string // category title, "Unattributed" or "Division"
	Slug        string // category slug; empty for the others
	MonthToDate budget.Decimal
	// SamePeriodLastMonth is the spend of the previous month's days 1 to
	// the last data day of this month (or to its last day, when it is
	// shorter). When the data ends partway through its last day, that
	// day of the previous month counts pro rata to the hours the data
	// holds, so an export read at 08:00 is not "down" on last month.
	SamePeriodLastMonth budget.Decimal
	Change              budget.Decimal // MonthToDate - SamePeriodLastMonth
	ChangePct           Percent        // Change / SamePeriodLastMonth
	LastMonth           budget.Decimal // the whole previous month
	// MonthOverMonth is the previous month against the one before it.
	MonthOverMonth Percent
	Budget         budget.Decimal // zero for unattributed
	Forecast       budget.Decimal
}

// comparison computes one Comparison from a bucket's daily sums.
func comparison(name, slug string, daily budget.Daily, monthlyBudget, forecast budget.Decimal, p period) Comparison {
	last, samePeriodEnd := p.samePeriodLastMonth()
	before := addMonths(p.month, -2)
	c := Comparison{
		Name: name, Slug: slug, Budget: monthlyBudget, Forecast: forecast,
		MonthToDate:         daily.Sum(p.month, p.asOf).Cost,
		LastMonth:           daily.Sum(last, p.month.AddDate(0, 0, -1)).Cost,
		SamePeriodLastMonth: samePeriod(daily, last, samePeriodEnd, p),
	}
	monthBefore := daily.Sum(before, last.AddDate(0, 0, -1)).Cost
	c.Change = c.MonthToDate.Sub(c.SamePeriodLastMonth)
	c.ChangePct = percentOf(c.Change, c.SamePeriodLastMonth)
	c.MonthOverMonth = percentOf(c.LastMonth.Sub(monthBefore), monthBefore)
	return c
}

// samePeriod is the spend of days from to to, the last of them pro rata
// to the hours of the partial data day when it is the same day of its
// month (a shorter month's last day counts whole).
func samePeriod(daily budget.Daily, from, to time.Time, p period) budget.Decimal {
	if !p.partial || to.Day() != p.dataDay.Day() {
		return daily.Sum(from, to).Cost
	}
	whole := daily.Sum(from, to.AddDate(0, 0, -1)).Cost
	share := new(big.Rat).Mul(daily[to].Cost.Rat(), p.partialShare())
	part, err := fromRat(share, 2)
	if err != nil {
		return daily.Sum(from, to).Cost
	}
	return whole.Add(part)
}

// comparisons lists each category, then unattributed, then the division.
func comparisons(cats []Category, u Unattributed, daily map[string]budget.Daily, division budget.Daily, divisionForecast budget.Decimal, p period) []Comparison {
	var out []Comparison
	var totalBudget budget.Decimal
	for _, c := range cats {
		out = append(out, comparison(c.Title, c.Slug, daily[c.TagValue], c.Budget, c.Forecast.Value, p))
		totalBudget = totalBudget.Add(c.Budget)
	}
	out = append(out, comparison("Unattributed", "", daily[budget.Unattributed], budget.Decimal{}, u.Forecast.Value, p))
	return append(out, comparison("Division", "", division, totalBudget, divisionForecast, p))
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

func abs(d budget.Decimal) budget.Decimal {
	if d.Sign() < 0 {
		return d.Neg()
	}
	return d
}

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

// HourProfile is the average cost of each hour of the week over the last
// ProfileWeeks whole weeks ending with the as-of date: when the division
// spends. Cost[weekday][hour], Sunday = 0, hours in UTC.
type HourProfile struct {
	From, To time.Time
	Cost     [7][24]budget.Decimal
}

// ProfileWeeks is how many weeks the hour-of-week profile averages.
const ProfileWeeks = 4

func hourProfile(hourly []budget.HourCost, p period) HourProfile {
	hp := HourProfile{From: p.asOf.AddDate(0, 0, -7*ProfileWeeks+1), To: p.asOf}
	var total [7][24]budget.Decimal
	for _, h := range hourly {
		d := dateOf(h.Date)
		if d.Before(hp.From) || d.After(hp.To) || h.Hour < 0 || h.Hour > 23 {
			continue
		}
		total[d.Weekday()][h.Hour] = total[d.Weekday()][h.Hour].Add(h.Cost)
	}
	for wd := range total {
		for hr := range total[wd] {
			avg := new(big.Rat).Quo(total[wd][hr].Rat(), big.NewRat(ProfileWeeks, 1))
			v, err := fromRat(avg, 2)
			if err == nil {
				hp.Cost[wd][hr] = v
			}
		}
	}
	return hp
}
