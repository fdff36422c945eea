// Package report computes the figures every page, CSV download and snapshot
// of one build shows, from the division's configuration and its attributed
// usage facts. It is pure Go and exact: money stays budget.Decimal and is
// rounded only where it is shown.
//
// Order of operations (Build):
//
//  1. Facts dated after the as-of date are ignored: the report describes the
//     division as it stood at the end of that day, even when the data goes
//     further.
//  2. Every fact belongs to exactly one bucket: a configured category or
//     budget.Unattributed, so categories + unattributed = total, always.
//  3. Unpriced facts (Priced=false) add their DBUs but no cost, and are listed
//     by SKU wherever their category is shown, never folded in silently.
//  4. "This month" is the as-of date's calendar month; month to date runs from
//     its first day to the as-of date inclusive. History and budget status
//     cover the 13 months ending with it.
//  5. Money is rounded to cents once, right after the facts are summed per
//     day, so that every breakdown ties to the figure it breaks down: each
//     bucket's spend is one budget.Daily series whose days are rounded,
//     month by month, so that every month to date is its exact total
//     rounded to cents (a past day's cents never change as days are added;
//     see budget.Daily.RoundCents), and every other figure is derived from those
//     days (months, month to date, history, budget
//     status, alerts, comparisons, the division as the sum of its buckets).
//     Each bucket-month is then allocated once: its facts summed at their full
//     grain (owner, workload, resource type, serverless, workspace, SKU,
//     priced, attribution and unknown value) get whole cents by the largest
//     remainder method, summing exactly to the month's total from its days,
//     and every breakdown of the month is a sum of those rows: owners,
//     resource types, workloads, SKUs, unattributed spend's untagged and
//     unknown-value parts and unknown values, the owners' month to date
//     and the monthly CSV rows. Two breakdowns that cover the same usage
//     (a resource type and the workload type that runs on it) therefore
//     show the same cents everywhere, and each still sums to the month's
//     total; a breakdown line may differ from its own exact sum rounded by
//     more than a cent when it gathers many rows. See allocateMonths and
//     budget.AllocateCentsTo. Percentages are computed from the exact
//     figures and rounded once, where shown, half up to one decimal
//     (budget.RoundPercent).
//  6. Thresholds are crossed when spend reaches threshold % of the budget
//     (spend*100 >= threshold*budget, spend > 0), compared exactly. Each
//     month is judged against the budget in force then
//     (budget.Category.BudgetFor).
//  7. The data may end before the as-of date. Month to date is then as of
//     the last data day, the forecast projects from the days the data
//     covers, and when it ends more than the division's StaleAfterDays
//     before the day freshness is judged on (the build's, when no as-of
//     was given; Source.JudgedOn) the report says it is behind. When no
//     data day falls in the as-of month, every category's status is "no
//     data this month".
//  8. The data may end partway through its last day (Source.PartialDay).
//     Every total counts that day's spend; the models leave it out
//     (anomalies, the backtest) or count it as forecast.MonthEndPartial
//     says (forecasts, forecast alerts), and the same period of last
//     month takes that day pro rata to the hours the data holds.
//  9. A category without a single fact, beside an unknown tag value a few
//     edits from its tag_value that carries spend, is a TagTypo.
//  10. What the serverless functions read instead of the facts (see
//     recent.go): each category's and owner's recent days (Series: the
//     bucket's rounded days, through the last data day with its partial
//     day flagged, reaching back over the three calendar months before the
//     as-of month and at least SeriesDays), each category's owners over
//     those three months (from their allocations, like cost_by_owner.csv),
//     and the clusters used in the last ClusterDays complete days, rated
//     on the last of them they were used: that day's DBUs and list cost
//     over 24 hours.
//  11. The agent page (SetAgent, see agent.go) measures what each acted
//     decision of the agent trail on a cluster realised: the cluster's
//     mean daily cost over the 7 days before the action's UTC day (every
//     category, a day without usage as zero) is the baseline, and the
//     saving is the exact sum of (baseline - the day's cost) over the
//     complete days after that day, through the last complete data day
//     and before the next acted decision on the same cluster, rounded to
//     cents once and shown even when negative. The headline sums those
//     rounded figures across the distinct owners of the measured entries.
package report

import (
	"time"

	"github.com/novadynamics/stellar-budget/internal/anomaly"
	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/forecast"
)

// HistoryMonths is how many calendar months history, budget status and
// alerts cover, ending with the as-of month.
const HistoryMonths = 13

// RecentDays is how many days the recent daily series covers, ending with
// the as-of date: a month and a few days either side of a month boundary.
const RecentDays = 35

// TopOwners is how many owners a category lists before folding the rest
// into one "others" line.
const TopOwners = 10

// Report is everything one build shows, for the whole division.
type Report struct {
	Title       string    // site title
	Division    string    // division name
	Currency    string    // always USD for now
	AsOf        time.Time // UTC midnight; the last day counted
	Month       time.Time // first day of the as-of month
	DaysElapsed int       // days of the month counted, 1..DaysInMonth
	DaysInMonth int
	// DataDays is how many days of the month the data covers, from its
	// first day to the last data day: DaysElapsed unless the data is
	// behind. Forecasts project from these days.
	DataDays   int
	Thresholds []int // alert thresholds in percent of budget, ascending
	// StatusRules turn each category's outlook into its status.
	StatusRules budget.StatusRules
	Recipients  []string // the division's, who receive every alert

	Narrative       budget.Narrative // the master page's, from _index.md
	ReportTitle     string           // the leadership report's title
	ReportNarrative budget.Narrative // from report.md

	Source Source
	Totals Totals
	// Summary is the executive summary: a few sentences from the data.
	Summary []string
	// Comparisons put this month beside the last: each category, then
	// unattributed, then the division.
	Comparisons []Comparison
	// QuarterToDate and YearToDate put the spend of the calendar quarter
	// and year so far against the budgets in force in their months.
	QuarterToDate PeriodToDate
	YearToDate    PeriodToDate
	HourProfile   HourProfile
	Categories    []Category // in configuration order
	Unattributed  Unattributed
	Unpriced      Unpriced // the whole division, unattributed included
	// TagTypos are categories with no spend whose tag_value looks
	// mistyped: an unknown value a few edits from it carries spend.
	TagTypos []TagTypo
	// Anomalies are the unusual days of the categories in the months
	// shown, by day, with their top contributors.
	Anomalies []anomaly.Anomaly
	// Owners are every owner's month-end and 30-day burn forecasts,
	// month to date descending.
	Owners []OwnerOutlook
	// Clusters are the clusters with usage in the last ClusterDays
	// complete days, with what they cost an hour, costliest first.
	Clusters []ClusterRate
	// ForecastQuality is the rolling-origin backtest of the forecasting
	// model on this data: how far its month-end forecasts from days 5, 10
	// and 20 were off, against the baselines, and how often the intervals
	// held the outcome.
	ForecastQuality forecast.Report
	Tables          Tables // the CSV downloads' rows
	// Agent is what the agent page shows; the pipeline sets it (SetAgent).
	Agent *Agent
}

// Source says where the data came from and how fresh it is.
type Source struct {
	Kind      string    // "demo", "files" or "databricks"
	Inputs    []string  // files or tables read
	ReadAt    time.Time // when the data was read
	Rows      int64     // usage records read
	FirstDate time.Time // first usage date in the data (zero when empty)
	LastDate  time.Time // last usage date in the data (zero when empty)
	// LastUsage is the last usage_end_time in the data (when the source
	// does not tell, the end of DataThrough); zero when empty.
	LastUsage time.Time
	// DataThrough is the last day the data covers: the day of LastUsage.
	DataThrough time.Time
	// PartialDay is true when the data ends partway through DataThrough
	// (at LastUsage, say 08:00 UTC), as an export or a live account read
	// during the day does: pages say "data through 08:00 UTC", and
	// forecasts and anomalies leave the day out of their models.
	PartialDay bool
	// JudgedOn is the day freshness is judged on: the build's (ByClock)
	// when no as-of was given (budget.Dataset.FreshAt), else the as-of
	// date. DaysBehind is the number of days from DataThrough to it; 0
	// when the data reaches (or passes) it or is empty.
	JudgedOn   time.Time
	ByClock    bool
	DaysBehind int
	// Behind is true when DaysBehind exceeds StaleAfterDays: every page
	// then says so.
	Behind         bool
	StaleAfterDays int
}

// Totals are the division's month-to-date figures.
type Totals struct {
	MonthToDate  budget.Decimal // all spend: categories + unattributed
	Attributed   budget.Decimal // the configured categories only
	Unattributed budget.Decimal
	DBUs         budget.Decimal // priced and unpriced
	Budget       budget.Decimal // sum of the categories' monthly budgets
	// Forecast is the division's own: the model on the division's daily
	// spend, unattributed included. Its point need not equal the sum of
	// the parts' points (medians do not add), and its interval is narrower
	// than the sum of theirs.
	Forecast             Forecast
	Utilization          Percent // MonthToDate / Budget
	ProjectedUtilization Percent // Forecast / Budget
	// TagCompliance is attributed cost / all cost this month.
	TagCompliance Percent
	// AtRisk lists the slugs of categories over budget or projected over;
	// Watch those worth watching (see budget.StatusRules).
	AtRisk []string
	Watch  []string
}

// Forecast is a month-end estimate with its intervals, rounded to cents:
// for the as-of month the model of package forecast (Method names it), for
// a closed month the actual (ForecastActual).
type Forecast struct {
	Value  budget.Decimal
	Low    budget.Decimal // 80 % interval
	High   budget.Decimal
	Low95  budget.Decimal // 95 % interval
	High95 budget.Decimal
	// ProbabilityOverBudget is the chance the month ends above its budget,
	// 0..1 (categories only).
	ProbabilityOverBudget float64
	Method                string
}

// PeriodToDate is the spend of a run of months ending with the as-of month
// against the budgets in force in them.
type PeriodToDate struct {
	Key   string    // "qtd" or "ytd", for anchors and ids
	Name  string    // "Quarter to date" or "Year to date"
	From  time.Time // first day of the first month
	To    time.Time // the as-of date
	Lines []PeriodLine
}

// PeriodLine is one category's, unattributed's or the division's spend
// in a PeriodToDate. Budget sums the monthly budgets in force in the
// period's months, the as-of month's in full; unattributed has none.
type PeriodLine struct {
	Name        string // category title, "Unattributed" or "Division"
	Slug        string // category slug; empty for the others
	Spend       budget.Decimal
	Budget      budget.Decimal
	Utilization Percent // Spend / Budget
}

// Forecast methods.
const (
	ForecastNoData = "no_data" // no data day in the month yet: the month to date
	ForecastActual = "actual"  // a closed month: the forecast is what was spent
)
