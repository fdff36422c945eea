// Package budget holds the domain of Stellar Budget: the division's
// categories and their budgets, and the attributed cost facts every report,
// CSV and forecast is computed from, and the clusters the budget's actions
// act on (cluster.go). It has no third-party dependencies.
package budget

import (
	"strings"
	"time"
)

// Tag keys read from a usage row's custom_tags.
const (
	CategoryTagKey = "OperationalCategory"
	OwnerTagKey    = "Owner"
)

// Unattributed is the category of usage that matches no configured category.
// It is a bucket, never a configured tag_value, so totals always reconcile:
// configured categories + Unattributed = everything.
const Unattributed = "UNATTRIBUTED"

// UnknownOwner is the owner when no tag or identity names one.
const UnknownOwner = "(unknown)"

// Attribution says how a fact got its category.
type Attribution string

const (
	// Attributed: the normalised tag matched a configured category.
	Attributed Attribution = "attributed"
	// Untagged: the row has no OperationalCategory tag (or an empty one).
	Untagged Attribution = "untagged"
	// UnknownValue: the tag is set but matches no configured category.
	UnknownValue Attribution = "unknown_value"
)

// Fact is one aggregated line of attributed usage: everything downstream
// (pages, CSVs, forecasts, alerts) reads these and nothing else.
type Fact struct {
	Date         time.Time   // usage_date, UTC midnight
	Category     string      // configured tag_value, or Unattributed
	Attribution  Attribution // why the fact has its category
	TagValue     string      // the raw OperationalCategory value when Attribution is UnknownValue
	Owner        string      // Owner tag, run_as, owned_by, created_by, or UnknownOwner
	WorkloadType string      // job, pipeline, warehouse, endpoint, cluster, or "" (attribution.sql rule 7)
	WorkloadID   string      // its job_id, dlt_pipeline_id, warehouse_id, endpoint name (else id) or cluster_id
	ResourceType string      // billing_origin_product: ALL_PURPOSE, JOBS, SQL, DLT, ...
	Serverless   bool        // product_features.is_serverless
	Workspace    string      // workspace_id
	SKU          string      // sku_name
	Priced       bool        // false when no list price covers the usage; Cost is then zero
	DBUs         Decimal     // sum of usage_quantity, corrections included
	Cost         Decimal     // list cost in USD, exact
}

// HourCost is the cost of all usage that started in one hour of one day,
// whatever its category: the division's time-of-day profile.
type HourCost struct {
	Date time.Time // usage_date, UTC midnight
	Hour int       // hour of usage_start_time, 0-23 UTC
	Cost Decimal
}

// NormalizeTag puts a tag value in the form categories are matched on:
// trimmed of spaces, upper-cased, with space, '-' and '_' treated alike (all become '_').
// The attribution SQL applies the same rule; the two are tested together.
func NormalizeTag(v string) string {
	v = strings.ToUpper(strings.Trim(v, " "))
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return '_'
		}
		return r
	}, v)
}

// Category is one operational category of the division, as configured in
// content/categories/<slug>.md.
type Category struct {
	Slug          string  // file name without .md; the page path
	Title         string  // display name
	TagValue      string  // normalised OperationalCategory value
	MonthlyBudget Decimal // USD per calendar month: the budget in force now
	// BudgetHistory lists earlier monthly budgets, oldest first (see
	// BudgetFor); empty when the budget never changed.
	BudgetHistory []BudgetChange
	Owners        []string // who gets its alerts
	// Group is the Databricks group whose members run the category's work:
	// `setup` lets it use the category's cluster and budget policies. Empty
	// when the file names none.
	Group    string
	Policy   Policy
	OnBreach OnBreach
	// Allowances are owners' monthly allowances in USD, by owner email:
	// the daily agent run holds an owner listed here to their allowance
	// instead of their share of the budget by recent spend. Nil when the
	// file gives none.
	Allowances map[string]Decimal
	Narrative  Narrative
}

// BudgetChange is an earlier monthly budget and the first month it was in
// force.
type BudgetChange struct {
	From time.Time // first day of the month
	USD  Decimal
}

// BudgetFor returns the monthly budget in force in month (its first day)
// for a report whose own month is current. An entry of the history lasts
// until the next one starts, and the last one until the current month,
// from which MonthlyBudget is in force; before the first entry, the first
// entry's amount (the oldest budget known) applies. A month that a later
// entry follows is always judged by the history, so a report rebuilt for a
// past date keeps the budget of its time. Without history every month uses
// MonthlyBudget. To keep a month's budget when the current one changes
// again, record the current budget's first month as an entry too.
func (c Category) BudgetFor(month, current time.Time) Decimal {
	if len(c.BudgetHistory) == 0 {
		return c.MonthlyBudget
	}
	in, superseded := c.BudgetHistory[0].USD, false
	for _, h := range c.BudgetHistory {
		if h.From.After(month) {
			superseded = true
			break
		}
		in = h.USD
	}
	if !month.Before(current) && !superseded {
		return c.MonthlyBudget
	}
	return in
}

// Policy is the compute policy `setup` enforces for a category.
type Policy struct {
	MaxWorkers             int
	AutoterminationMinutes int
	NodeTypes              []string
	// AllowAllPurpose gives the category an all-purpose (interactive)
	// cluster policy besides its jobs policy; the PRD keeps interactive
	// compute to research and exploratory work.
	AllowAllPurpose bool
	// AllowPipelines gives the category a cluster policy for classic
	// Delta Live Tables pipelines (cluster_type dlt), whose clusters no
	// jobs or all-purpose policy admits.
	AllowPipelines bool
}

// Breach actions the alert webhook may take.
const (
	ActionNotify    = "notify"
	ActionScaleDown = "scale_down"
	ActionTerminate = "terminate"
)

// OnBreach is what the alert webhook may do when a category breaches.
type OnBreach struct {
	Action string // ActionNotify, ActionScaleDown or ActionTerminate
	DryRun bool   // true: report what would be done, do not act
}

// Narrative is a Markdown body from content/, with where it starts, so a
// problem in it can be reported at its file and line.
type Narrative struct {
	Markdown string
	File     string
	Line     int // the line of File that Markdown's first line is on
}

// Division is the whole configuration under content/.
type Division struct {
	Title      string // site title
	Name       string // division name
	Currency   string // always USD for now
	Thresholds []int  // alert thresholds in percent of budget, ascending
	// StaleAfterDays is how many days the last usage may lie before the
	// report date before every page says the data is behind.
	StaleAfterDays int
	// Status says when a category's outlook makes it projected over or
	// worth watching.
	Status      StatusRules
	Recipients  []string
	Narrative   Narrative // body of _index.md
	Report      Narrative // body of report.md
	ReportTitle string    // title from report.md's front matter; "" when it sets none
	Categories  []Category
}

// StatusRules turn a category's outlook into its status: over budget when
// month to date exceeds the budget; projected over when the probability of
// ending the month over budget is at least ProjectedOver; watch when it is
// at least Watch, or month to date has passed the first alert threshold;
// on track otherwise.
type StatusRules struct {
	ProjectedOver float64 // probability, 0..1; default 0.5
	Watch         float64 // probability, 0..1; default 0.2
}

// DefaultStatusRules are the rules when content/_index.md sets none.
var DefaultStatusRules = StatusRules{ProjectedOver: 0.5, Watch: 0.2}

// CategoryByTag returns the configured category with the given tag_value.
func (d Division) CategoryByTag(tagValue string) (Category, bool) {
	for _, c := range d.Categories {
		if c.TagValue == tagValue {
			return c, true
		}
	}
	return Category{}, false
}

// TagValues lists the configured tag values in configuration order.
func (d Division) TagValues() []string {
	out := make([]string, len(d.Categories))
	for i, c := range d.Categories {
		out[i] = c.TagValue
	}
	return out
}

// Dataset is the attributed usage one build works from, with where and when
// it was read, so every page can say how fresh its figures are.
type Dataset struct {
	Facts     Facts
	Hourly    []HourCost // cost by date and hour of day
	Source    string     // "demo", "files" or "databricks"
	Inputs    []string   // files or tables read
	ReadAt    time.Time  // when the data was read
	Rows      int64      // usage records read
	FirstDate time.Time  // first usage_date present
	LastDate  time.Time  // last usage_date present
	// LastUsage is the latest usage_end_time read: how far the data
	// reaches. Zero when the source cannot tell.
	LastUsage time.Time
	// FreshAt is the build's clock when no as-of was asked for: the
	// data's freshness is then judged against it, so an export that ends
	// in May, built in December, is behind. Zero judges it against the
	// report's date.
	FreshAt time.Time
}
