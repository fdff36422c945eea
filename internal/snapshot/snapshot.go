// Package snapshot is data/snapshot.json: the state of one build that the
// serverless functions and `generator agent run` read (which category is
// over budget, what it may do about it, the recent daily spend to forecast
// from, what each running cluster costs an hour). It only defines the
// schema, writes it and reads it back; the site builds a Snapshot from the
// report. It imports the standard library, package budget and package
// state (its writer) alone, so a function binary links it without the
// report, the charts or DuckDB.
//
// # The contract
//
// SchemaVersion is bumped when a field changes meaning or goes away;
// adding a field does not bump it, so a reader ignores fields it does not
// know. Read refuses a document whose schema_version is missing or is not
// SchemaVersion (a *VersionError naming both), and checks every value it
// returns: money is a JSON string with exactly 2 decimals (Money), DBUs and
// hourly rates one with 6 (Quantity), percentages one with 1 (Percent,
// null when there is no base), dates ISO (Date), times RFC 3339 UTC (Time).
// Amounts are the report's, rounded so that every breakdown ties to its
// total to the cent: the categories and unattributed add up to the
// division's figures exactly. Lists are never null when written.
//
// # Daily series
//
// Every category, every owner, and every owner within each category
// (owner_daily) carries its spend day by day (Series):
// every day from the first of the third calendar month before the as-of
// month, or from MinSeriesDays days before the last data day when that is
// earlier, through the last data day (the as-of date, unless the data is
// behind), days without usage as "0.00"; a bucket whose usage starts later
// starts there, as the report's own forecasts do. A category's days are
// the rows of cost_by_day.csv to the cent. An owner's days are rounded on
// their own (a day's cents are the owner's month to date rounded less the
// day before's), so their month sums to the owner's exact month rounded
// once; mtd_usd, an allocation that ties to cost_by_owner.csv, may differ
// from it by a few cents. An owner's days in a category (owner_daily) are
// rounded the same way, on their own. When the data ends partway through its last day
// (source.partial_day), every series says so (last_day_partial) and its
// last day holds the spend so far: forecast from the days before it, and
// count the part as package forecast's Model.MonthEndPartial does.
//
// # Clusters
//
// Clusters lists every cluster (usage whose workload type is "cluster")
// with usage in the last ClusterDays complete days of the data. Its rates
// are those of its last complete day with usage in them (rated_on): the
// DBUs and the list cost of that day divided by 24, so a cluster that ran
// all day reads its hourly rate and one that ran for an hour reads a 24th
// of it. A what-if that terminates it now saves usd_per_hour times the
// hours left in the month, at list price. Rates keep 6 decimals, so a
// month of hours times the rate is within a cent of the exact product.
package snapshot

// SchemaVersion is the version of the schema this package writes and
// reads.
const SchemaVersion = 1

// Path is where a site holds its snapshot, relative to its root
// (slash-separated).
const Path = "data/snapshot.json"

// MinSeriesDays is the fewest days a Series reaches back from the last
// data day, when the bucket has usage that far back.
const MinSeriesDays = 90

// ClusterDays is how many complete days back a cluster's usage makes it
// listed in Clusters.
const ClusterDays = 7

// Snapshot is data/snapshot.json.
type Snapshot struct {
	SchemaVersion int  `json:"schema_version"`
	GeneratedAt   Time `json:"generated_at"`
	AsOf          Date `json:"as_of"`
	// DataThrough is the last usage_end_time in the data ("" when there
	// is none) and DaysBehind the whole days from it to the build's time,
	// or from its day to the as-of date when one was given
	// (source.fresh_against); DataBehind is true when that exceeds the
	// configured stale_after_days, and the pages then say so.
	DataThrough  Time         `json:"data_through"`
	DaysBehind   int          `json:"days_behind"`
	DataBehind   bool         `json:"data_behind"`
	Source       Source       `json:"source"`
	Thresholds   []int        `json:"thresholds"`
	Totals       Totals       `json:"totals"`
	Categories   []Category   `json:"categories"`
	Unattributed Unattributed `json:"unattributed"`
	Unpriced     []SKU        `json:"unpriced"` // this month
	// Owners are every owner's month end and the spend predicted over the
	// next 30 days, month to date descending.
	Owners []Owner `json:"owners"`
	// Alerts are the alerts.csv rows, with their keys: every alert of the
	// months shown and its delivery status.
	Alerts []Alert `json:"alerts"`
	// Compliance is the compliance page's headline; null when the build
	// made none.
	Compliance *Compliance `json:"compliance"`
	// TagTypos are categories with no spend whose tag_value is a few
	// edits from an unknown value that carries spend.
	TagTypos []TagTypo `json:"tag_typos"`
	// Clusters are the clusters with usage in the last ClusterDays
	// complete days, hourly list cost descending (see the package
	// documentation).
	Clusters []Cluster `json:"clusters"`
}

// Source says where the data came from and how fresh it is.
type Source struct {
	Kind          string   `json:"kind"`
	Inputs        []string `json:"inputs"`
	ReadAt        Time     `json:"read_at"`
	LastUsageDate Date     `json:"last_usage_date"` // "" when no data
	FreshnessDays int      `json:"freshness_days"`  // the same as days_behind
	// PartialDay is true when the data ends partway through its last day
	// (data_through is then not a midnight).
	PartialDay bool `json:"partial_day"`
	// FreshAgainst says what days_behind counts to: "build" (the build's
	// clock, no as-of given) or "as_of".
	FreshAgainst string `json:"fresh_against"`
}

// Totals are the division's month-to-date figures.
type Totals struct {
	MonthToDate          Money    `json:"mtd_usd"`
	Attributed           Money    `json:"attributed_usd"`
	Unattributed         Money    `json:"unattributed_usd"`
	Budget               Money    `json:"budget_usd"`
	Forecast             Money    `json:"forecast_usd"`
	ForecastLow          Money    `json:"forecast_low_usd"`
	ForecastHigh         Money    `json:"forecast_high_usd"`
	ForecastLow95        Money    `json:"forecast_low95_usd"`
	ForecastHigh95       Money    `json:"forecast_high95_usd"`
	Utilization          *Percent `json:"utilization_pct"`
	ProjectedUtilization *Percent `json:"projected_utilization_pct"`
	TagCompliance        *Percent `json:"tag_compliance_pct"`
	// Quarter and year to date against the budgets in force in their
	// months (the as-of month's in full).
	QuarterToDate       Money `json:"qtd_usd"`
	QuarterToDateBudget Money `json:"qtd_budget_usd"`
	YearToDate          Money `json:"ytd_usd"`
	YearToDateBudget    Money `json:"ytd_budget_usd"`
	// AtRisk and Watch list category slugs by status: over budget or
	// projected over; watch.
	AtRisk []string `json:"at_risk"`
	Watch  []string `json:"watch"`
}

// Category is one category's state and configuration.
type Category struct {
	Slug                 string      `json:"slug"`
	Title                string      `json:"title"`
	TagValue             string      `json:"tag_value"`
	Owners               []string    `json:"owners"` // who gets its alerts
	MonthlyBudget        Money       `json:"monthly_budget_usd"`
	MonthToDate          Money       `json:"mtd_usd"`
	Forecast             Money       `json:"forecast_usd"`
	ForecastLow          Money       `json:"forecast_low_usd"`
	ForecastHigh         Money       `json:"forecast_high_usd"`
	Utilization          *Percent    `json:"utilization_pct"`
	ProjectedUtilization *Percent    `json:"projected_utilization_pct"`
	ForecastLow95        Money       `json:"forecast_low95_usd"`
	ForecastHigh95       Money       `json:"forecast_high95_usd"`
	ProbabilityOver      Probability `json:"probability_over_budget"`
	ThresholdReached     int         `json:"threshold_reached"` // 0 when none
	Status               string      `json:"status"`            // on_track, watch, projected_over, over_budget, no_data
	Driver               string      `json:"driver"`            // why the status is what it is, in a short phrase
	OnBreach             Breach      `json:"on_breach"`
	Policy               Policy      `json:"policy"`
	// Allowances are the monthly allowances content/ gives owners in the
	// category, by owner email; empty when it gives none.
	Allowances map[string]Money `json:"allowances"`
	// Daily is the category's spend day by day.
	Daily Series `json:"daily"`
	// RecentOwners are the owners' spend in the category over the three
	// calendar months before the as-of month (the rows of
	// cost_by_owner.csv), cost descending: each owner's share of it.
	RecentOwners []OwnerSpend `json:"owners_last_3_months"`
	// OwnerDaily are each owner's recent spend in the category day by
	// day, by owner: what `generator agent run` forecasts an owner's
	// 30-day burn in the category from.
	OwnerDaily []OwnerDaily `json:"owner_daily"`
}

// OwnerDaily is one owner's spend in one category day by day.
type OwnerDaily struct {
	Owner string `json:"owner"`
	Daily Series `json:"daily"`
}

// Breach is what the alert webhook may do for a category.
type Breach struct {
	Action string `json:"action"` // notify, scale_down or terminate
	DryRun bool   `json:"dry_run"`
}

// Policy is a category's compute policy.
type Policy struct {
	MaxWorkers             int      `json:"max_workers"`
	AutoterminationMinutes int      `json:"autotermination_minutes"`
	NodeTypes              []string `json:"node_types"`
}

// OwnerSpend is one owner's spend in a category over a period.
type OwnerSpend struct {
	Owner string `json:"owner"`
	Cost  Money  `json:"usd"`
}

// Unattributed is this month's unattributed spend.
type Unattributed struct {
	Untagged      Money          `json:"untagged_usd"`
	UnknownValue  Money          `json:"unknown_value_usd"`
	UnknownValues []UnknownValue `json:"unknown_values"`
}

// UnknownValue is one unmatched tag value.
type UnknownValue struct {
	Value       string `json:"value"`
	MonthToDate Money  `json:"mtd_usd"`
	Total       Money  `json:"total_usd"` // all the data up to the as-of date
}

// SKU is the unpriced usage of one SKU.
type SKU struct {
	SKU  string   `json:"sku"`
	DBUs Quantity `json:"dbus"`
}

// Owner is one owner's outlook across the division.
type Owner struct {
	Owner        string `json:"owner"`
	MonthToDate  Money  `json:"mtd_usd"`
	Forecast     Money  `json:"forecast_usd"`
	ForecastLow  Money  `json:"forecast_low_usd"` // 80 %
	ForecastHigh Money  `json:"forecast_high_usd"`
	Burn30       Money  `json:"burn_30d_usd"`
	Burn30Low    Money  `json:"burn_30d_low_usd"` // 80 %
	Burn30High   Money  `json:"burn_30d_high_usd"`
	// Daily is the owner's spend day by day, across the division.
	Daily Series `json:"daily"`
}

// Alert is one alert.
type Alert struct {
	Key       string `json:"key"`
	Time      Date   `json:"time"` // the day it happened in the data
	Category  string `json:"category"`
	Kind      string `json:"kind"`
	Threshold int    `json:"threshold_pct"`
	Value     Money  `json:"value_usd"`
	Budget    Money  `json:"budget_usd"`
	Status    string `json:"status"`
}

// Compliance is the compliance page's headline. A part the build did not
// read is null.
type Compliance struct {
	CompliancePct  *Percent `json:"compliance_pct"`   // resources that comply
	TargetPct      *Percent `json:"target_pct"`       // what they are measured against
	TaggedSpendPct *Percent `json:"tagged_spend_pct"` // last month's spend correctly tagged
	TaggedMonth    string   `json:"tagged_spend_month"`
	Findings       *int     `json:"findings"` // rules broken, one per resource and rule
	Drifted        *int     `json:"drifted"`  // budgets and policies that differ from content/
	AuditHead      string   `json:"audit_head"`
	// AuditVerified is true when the setup audit log's chain verified;
	// false without a log or when it is broken (audit_head is then "").
	AuditVerified bool `json:"audit_verified"`
}

// TagTypo is a category whose tag_value looks mistyped.
type TagTypo struct {
	Category string `json:"category"` // its configured tag_value
	Value    string `json:"value"`    // the near value in the data, normalised
	Cost     Money  `json:"value_usd"`
}

// Series is a bucket's spend day by day (see the package documentation).
type Series struct {
	// LastDayPartial is true when the data ends partway through the last
	// day: its amount is the spend so far.
	LastDayPartial bool `json:"last_day_partial"`
	Days           Days `json:"days"`
}

// Complete returns the days the data holds whole: all of them, or all but
// the last when it is partial.
func (s Series) Complete() []Day {
	if s.LastDayPartial && len(s.Days) > 0 {
		return s.Days[:len(s.Days)-1]
	}
	return s.Days
}

// Partial returns the partial last day; ok is false when the last day is
// whole or there is none.
func (s Series) Partial() (d Day, ok bool) {
	if !s.LastDayPartial || len(s.Days) == 0 {
		return Day{}, false
	}
	return s.Days[len(s.Days)-1], true
}

// Day is one day's spend.
type Day struct {
	Date Date
	Cost Money
}

// Cluster is one recently used cluster and what it costs an hour (see the
// package documentation for the rule).
type Cluster struct {
	ID        string `json:"cluster_id"`
	Workspace string `json:"workspace_id"`
	// Category (a tag_value, or UNATTRIBUTED) and Owner are those of most
	// of its cost on RatedOn.
	Category string   `json:"category"`
	Owner    string   `json:"owner"`
	SKUs     []string `json:"skus"` // of its usage on RatedOn, by name
	RatedOn  Date     `json:"rated_on"`
	// DBUsPerHour and USDPerHour are RatedOn's DBUs and list cost over 24.
	DBUsPerHour Quantity `json:"dbus_per_hour"`
	USDPerHour  Quantity `json:"usd_per_hour"`
	// Priced is false when some of RatedOn's usage had no list price:
	// USDPerHour then counts the priced part only.
	Priced bool `json:"priced"`
	// LastUsageDate is the last day it had usage, the partial last day
	// of the data included.
	LastUsageDate Date `json:"last_usage_date"`
}

// Category returns the category whose tag_value or slug is key.
func (s *Snapshot) Category(key string) (*Category, bool) {
	for i := range s.Categories {
		if c := &s.Categories[i]; c.TagValue == key || c.Slug == key {
			return c, true
		}
	}
	return nil, false
}

// Owner returns the outlook of the owner named email.
func (s *Snapshot) Owner(email string) (*Owner, bool) {
	for i := range s.Owners {
		if o := &s.Owners[i]; o.Owner == email {
			return o, true
		}
	}
	return nil, false
}

// Cluster returns the cluster with the given id (in any workspace: the
// first listed, the costliest).
func (s *Snapshot) Cluster(id string) (*Cluster, bool) {
	for i := range s.Clusters {
		if c := &s.Clusters[i]; c.ID == id {
			return c, true
		}
	}
	return nil, false
}
