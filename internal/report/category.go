package report

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// Status is where a category stands against its budget this month.
type Status string

const (
	StatusOverBudget    Status = "over_budget"    // month to date above the budget
	StatusProjectedOver Status = "projected_over" // likely to end the month over budget
	StatusWatch         Status = "watch"          // a real chance of ending over, or past the first threshold
	StatusOnTrack       Status = "on_track"       // none of the above
	// StatusNoData: the data ends before the as-of month (an as-of after
	// an export's last day), so nothing can be said of the month yet.
	StatusNoData Status = "no_data"
)

// Category is one configured category's figures.
type Category struct {
	Slug      string
	Title     string
	TagValue  string
	Owners    []string
	Policy    budget.Policy
	OnBreach  budget.OnBreach
	Narrative budget.Narrative

	Budget budget.Decimal // monthly, in force in the as-of month
	// BudgetHistory is true when the category configures earlier budgets,
	// so past months are judged against their own; false when every month
	// uses today's budget.
	BudgetHistory bool
	// config and month give BudgetFor the budgets in force.
	config budget.Category
	month  time.Time
	// MonthToDate, Utilization (MonthToDate / Budget) and
	// ThresholdReached (the highest threshold MonthToDate reached, 0 if
	// none) are the as-of month's History line.
	MonthToDate          budget.Decimal // cost
	DBUs                 budget.Decimal // month to date, priced and unpriced
	Utilization          Percent
	Forecast             Forecast
	ProjectedUtilization Percent // Forecast.Value / Budget
	ThresholdReached     int
	Status               Status
	// Pace compares this month's spend per day with last month's over
	// the same days, and names who moved it (see reason.go).
	Pace Pace
	// Reason says in a short phrase why the status is what it is: what
	// decides it, the pace against last month and what moved it, e.g.
	// "projected 114 % of budget, up 23 % on last month's pace, mostly
	// ALL_PURPOSE of mateo.ito@example.com" (see reason.go). Build writes
	// it once the month's unusual days are known.
	Reason string

	ByResource []ResourceLine // this month, cost descending
	TopOwners  []OwnerLine    // this month, top TopOwners then one "others" line
	RecentDays []DayLine      // the RecentDays days ending with the as-of date
	MonthDays  []DayLine      // first of the month .. as-of date
	History    []MonthLine    // the HistoryMonths months ending with this one
	Unpriced   Unpriced       // this category's unpriced usage
	Alerts     []budget.Alert // its alerts in the HistoryMonths months, newest first
	// Workloads break this month down by workload type, each with its top
	// workloads (see workloadGroups).
	Workloads []WorkloadGroup
	// Allowances are the monthly allowances content/ gives owners, by
	// owner; nil when it gives none.
	Allowances map[string]budget.Decimal
	// Series is the category's recent spend day by day (see Series).
	Series Series
	// RecentOwners are every owner's spend in the category over the three
	// calendar months before the as-of month (see recentOwners).
	RecentOwners []OwnerLine
	// OwnerSeries are each owner's recent spend in the category day by
	// day, by owner (see ownerSeries).
	OwnerSeries []OwnerSeries
}

// BudgetFor returns the category's budget in force in month (its first
// day), as of the report's month.
func (c Category) BudgetFor(month time.Time) budget.Decimal {
	return c.config.BudgetFor(month, c.month)
}

// StatusLabel is the status as a reader sees it: "over budget",
// "projected over", "watch", "on track" or "no data this month".
func (c Category) StatusLabel() string {
	if c.Status == StatusNoData {
		return "no data this month"
	}
	return strings.ReplaceAll(string(c.Status), "_", " ")
}

// ResourceLine is the spend of one resource type (billing_origin_product),
// serverless and classic compute apart.
type ResourceLine struct {
	ResourceType string
	Serverless   bool
	DBUs         budget.Decimal
	Cost         budget.Decimal
	Share        Percent // of the category's month to date
}

// OwnerLine is one owner's spend; Others > 0 marks the line that folds the
// owners beyond the top ones (Owner is then empty, so no real owner name
// can be mistaken for it).
type OwnerLine struct {
	Owner  string
	Others int // number of owners folded into this line
	DBUs   budget.Decimal
	Cost   budget.Decimal
	Share  Percent
}

// DayLine is one day's spend; MonthToDate is the cumulative spend of that
// day's calendar month up to and including it.
type DayLine struct {
	Date        time.Time
	DBUs        budget.Decimal
	Cost        budget.Decimal
	MonthToDate budget.Decimal
}

// MonthLine is one calendar month's spend against the budget in force in
// that month.
type MonthLine struct {
	Month            time.Time // first day
	DBUs             budget.Decimal
	Cost             budget.Decimal
	Budget           budget.Decimal
	Utilization      Percent
	ThresholdReached int // by the month's total (month to date for this month)
}

// buildCategory computes one category from its month and detail facts
// (already limited to the as-of date), its daily sums and its shares of
// this month (see allocateMonths).
func buildCategory(c budget.Category, months, detail []budget.Fact, daily budget.Daily, month []share, p period, thresholds []int, rules budget.StatusRules) Category {
	out := Category{
		Slug:      c.Slug,
		Title:     c.Title,
		TagValue:  c.TagValue,
		Owners:    c.Owners,
		Policy:    c.Policy,
		OnBreach:  c.OnBreach,
		Narrative: c.Narrative,

		Allowances: c.Allowances,

		BudgetHistory: len(c.BudgetHistory) > 0,
		config:        budget.Category{MonthlyBudget: c.MonthlyBudget, BudgetHistory: c.BudgetHistory},
		month:         p.month,
	}
	out.Budget = out.BudgetFor(p.month)
	for _, f := range months {
		if p.inMonth(f.Date) {
			out.DBUs = out.DBUs.Add(f.DBUs)
		}
	}
	out.History = history(daily.Months(), p, out.BudgetFor, thresholds)
	current := out.History[len(out.History)-1] // the as-of month, month to date
	out.MonthToDate, out.Utilization, out.ThresholdReached = current.Cost, current.Utilization, current.ThresholdReached
	out.Forecast = monthForecast(daily, p, out.Budget)
	out.ProjectedUtilization = percentOf(out.Forecast.Value, out.Budget)
	out.Status = status(out, rules)
	if p.dataDays == 0 {
		out.Status = StatusNoData
	}
	out.Pace = paceOf(detail, daily, p)

	out.ByResource = resourceLines(month, out.MonthToDate)
	out.TopOwners = ownerLines(month, out.MonthToDate)
	out.Workloads = workloadGroups(month, out.MonthToDate)
	out.RecentDays = series(daily, p.asOf.AddDate(0, 0, -(RecentDays-1)), p.asOf)
	out.MonthDays = series(daily, p.month, p.asOf)
	out.Series = p.seriesOf(daily)
	out.Unpriced = unpricedOf(months, p)
	return out
}

// status reads the category's outlook by the division's rules: over
// budget once month to date exceeds it, then projected over or watch by
// the probability of ending over, watch also once month to date has passed
// the first threshold (ThresholdReached is the highest reached, so any).
func status(c Category, rules budget.StatusRules) Status {
	p := c.Forecast.ProbabilityOverBudget
	switch {
	case c.MonthToDate.Sign() > 0 && c.MonthToDate.Cmp(c.Budget) > 0:
		return StatusOverBudget
	case p >= rules.ProjectedOver:
		return StatusProjectedOver
	case p >= rules.Watch || c.ThresholdReached > 0:
		return StatusWatch
	}
	return StatusOnTrack
}

// resourceLines sums a category's shares of this month by resource type,
// serverless and classic apart, cost descending; total is the month to
// date they sum to.
func resourceLines(month []share, total budget.Decimal) []ResourceLine {
	type key struct {
		resourceType string
		serverless   bool
	}
	by := sumShares(month, func(s share) key { return key{s.resourceType, s.serverless} })
	lines := make([]ResourceLine, 0, len(by))
	for k, s := range by {
		lines = append(lines, ResourceLine{
			ResourceType: k.resourceType,
			Serverless:   k.serverless,
			DBUs:         s.DBUs,
			Cost:         s.Cost,
			Share:        percentOf(s.Cost, total),
		})
	}
	slices.SortFunc(lines, func(a, b ResourceLine) int {
		return cmp.Or(b.Cost.Cmp(a.Cost), strings.Compare(a.ResourceType, b.ResourceType), boolCompare(a.Serverless, b.Serverless))
	})
	return lines
}

func boolCompare(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// ownerLines sums a category's shares of this month by owner, cost
// descending, the owners beyond TopOwners folded into one line; total is
// the month to date they sum to.
func ownerLines(month []share, total budget.Decimal) []OwnerLine {
	by := sumShares(month, func(s share) string { return s.owner })
	lines := make([]OwnerLine, 0, len(by))
	for owner, s := range by {
		lines = append(lines, OwnerLine{Owner: owner, DBUs: s.DBUs, Cost: s.Cost})
	}
	slices.SortFunc(lines, func(a, b OwnerLine) int {
		return cmp.Or(b.Cost.Cmp(a.Cost), strings.Compare(a.Owner, b.Owner))
	})
	if len(lines) > TopOwners {
		others := OwnerLine{Others: len(lines) - TopOwners}
		for _, l := range lines[TopOwners:] {
			others.DBUs = others.DBUs.Add(l.DBUs)
			others.Cost = others.Cost.Add(l.Cost)
		}
		lines = append(lines[:TopOwners], others)
	}
	for i := range lines {
		lines[i].Share = percentOf(lines[i].Cost, total)
	}
	return lines
}

// series lists every day from..to (inclusive), days without usage as zero,
// with the cumulative spend of each day's month.
func series(daily budget.Daily, from, to time.Time) []DayLine {
	var lines []DayLine
	var cumulative budget.Decimal
	// Start at the first of from's month so the cumulative figure of the
	// first line shown counts the days before it.
	for d := monthOf(from); !d.After(to); d = d.AddDate(0, 0, 1) {
		if d.Day() == 1 {
			cumulative = budget.Decimal{}
		}
		s := daily[d]
		cumulative = cumulative.Add(s.Cost)
		if d.Before(from) {
			continue
		}
		lines = append(lines, DayLine{Date: d, DBUs: s.DBUs, Cost: s.Cost, MonthToDate: cumulative})
	}
	return lines
}

// history is a category's MonthLines over the months shown, the as-of
// month last: the one place a month's utilisation and highest threshold
// reached are derived. The category's own figures (Utilization,
// ThresholdReached), budget_status.csv and, through them, the snapshot and
// the alert messages all read them from here.
func history(monthly map[time.Time]budget.Spend, p period, budgetFor func(time.Time) budget.Decimal, thresholds []int) []MonthLine {
	lines := make([]MonthLine, 0, len(p.months))
	for _, m := range p.months {
		s := monthly[m]
		monthlyBudget := budgetFor(m)
		lines = append(lines, MonthLine{
			Month:            m,
			DBUs:             s.DBUs,
			Cost:             s.Cost,
			Budget:           monthlyBudget,
			Utilization:      percentOf(s.Cost, monthlyBudget),
			ThresholdReached: highestReached(s.Cost, monthlyBudget, thresholds),
		})
	}
	return lines
}
