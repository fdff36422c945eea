package site

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/novadynamics/stellar-budget/internal/report"
)

// SnapshotSchemaVersion is bumped when a field of data/snapshot.json changes
// meaning or goes away; adding a field does not bump it.
const SnapshotSchemaVersion = 1

// Snapshot is data/snapshot.json: the state the serverless functions read
// (which category is over budget, what it may do about it). Money is a JSON
// string with 2 decimals and percentages one with 1 decimal, rounded half up
// (null when there is no budget), so no reader meets float rounding. Amounts are the
// report's, rounded so that every breakdown ties to its total to the cent:
// the categories and unattributed add up to the division's figures exactly.
type Snapshot struct {
	SchemaVersion int    `json:"schema_version"`
	GeneratedAt   string `json:"generated_at"` // RFC 3339, UTC
	AsOf          string `json:"as_of"`        // ISO date
	// DataThrough is the last usage_end_time in the data (RFC 3339, UTC;
	// "" when there is none) and DaysBehind the whole days from it to the
	// build's time, or from its day to the as-of date when one was given
	// (source.fresh_against); DataBehind is true when that exceeds the
	// configured stale_after_days, and the pages then say so.
	DataThrough  string               `json:"data_through"`
	DaysBehind   int                  `json:"days_behind"`
	DataBehind   bool                 `json:"data_behind"`
	Source       SnapshotSource       `json:"source"`
	Thresholds   []int                `json:"thresholds"`
	Totals       SnapshotTotals       `json:"totals"`
	Categories   []SnapshotCategory   `json:"categories"`
	Unattributed SnapshotUnattributed `json:"unattributed"`
	Unpriced     []SnapshotSKU        `json:"unpriced"` // this month
	// Owners are every owner's month end and the spend predicted over the
	// next 30 days, month to date descending.
	Owners []SnapshotOwner `json:"owners"`
	// Alerts are the alerts.csv rows, with their keys: every alert of the
	// months shown and its delivery status.
	Alerts []SnapshotAlert `json:"alerts"`
	// Compliance is the compliance page's headline; null when the build
	// made none.
	Compliance *SnapshotCompliance `json:"compliance"`
	// TagTypos are categories with no spend whose tag_value is a few
	// edits from an unknown value that carries spend.
	TagTypos []SnapshotTagTypo `json:"tag_typos"`
}

// SnapshotTagTypo is a category whose tag_value looks mistyped.
type SnapshotTagTypo struct {
	Category string `json:"category"` // its configured tag_value
	Value    string `json:"value"`    // the near value in the data, normalised
	Cost     string `json:"value_usd"`
}

// SnapshotAlert is one alert.
type SnapshotAlert struct {
	Key       string `json:"key"`
	Time      string `json:"time"` // ISO date it happened in the data
	Category  string `json:"category"`
	Kind      string `json:"kind"`
	Threshold int    `json:"threshold_pct"`
	Value     string `json:"value_usd"`
	Budget    string `json:"budget_usd"`
	Status    string `json:"status"`
}

// SnapshotOwner is one owner's outlook across the division.
type SnapshotOwner struct {
	Owner        string `json:"owner"`
	MonthToDate  string `json:"mtd_usd"`
	Forecast     string `json:"forecast_usd"`
	ForecastLow  string `json:"forecast_low_usd"` // 80 %
	ForecastHigh string `json:"forecast_high_usd"`
	Burn30       string `json:"burn_30d_usd"`
	Burn30Low    string `json:"burn_30d_low_usd"` // 80 %
	Burn30High   string `json:"burn_30d_high_usd"`
}

// SnapshotSource says where the data came from and how fresh it is.
type SnapshotSource struct {
	Kind          string   `json:"kind"`
	Inputs        []string `json:"inputs"`
	ReadAt        string   `json:"read_at"`         // RFC 3339, UTC
	LastUsageDate string   `json:"last_usage_date"` // ISO date, "" when no data
	FreshnessDays int      `json:"freshness_days"`  // the same as days_behind
	// PartialDay is true when the data ends partway through its last day
	// (data_through is then not a midnight).
	PartialDay bool `json:"partial_day"`
	// FreshAgainst says what days_behind counts to: "build" (the build's
	// clock, no as-of given) or "as_of".
	FreshAgainst string `json:"fresh_against"`
}

// SnapshotTotals are the division's month-to-date figures.
type SnapshotTotals struct {
	MonthToDate          string  `json:"mtd_usd"`
	Attributed           string  `json:"attributed_usd"`
	Unattributed         string  `json:"unattributed_usd"`
	Budget               string  `json:"budget_usd"`
	Forecast             string  `json:"forecast_usd"`
	ForecastLow          string  `json:"forecast_low_usd"`
	ForecastHigh         string  `json:"forecast_high_usd"`
	ForecastLow95        string  `json:"forecast_low95_usd"`
	ForecastHigh95       string  `json:"forecast_high95_usd"`
	Utilization          *string `json:"utilization_pct"`
	ProjectedUtilization *string `json:"projected_utilization_pct"`
	TagCompliance        *string `json:"tag_compliance_pct"`
	// Quarter and year to date against the budgets in force in their
	// months (the as-of month's in full).
	QuarterToDate       string `json:"qtd_usd"`
	QuarterToDateBudget string `json:"qtd_budget_usd"`
	YearToDate          string `json:"ytd_usd"`
	YearToDateBudget    string `json:"ytd_budget_usd"`
	// AtRisk and Watch list category slugs by status: over budget or
	// projected over; watch.
	AtRisk []string `json:"at_risk"`
	Watch  []string `json:"watch"`
}

// SnapshotCategory is one category's state and configuration.
type SnapshotCategory struct {
	Slug                 string         `json:"slug"`
	Title                string         `json:"title"`
	TagValue             string         `json:"tag_value"`
	Owners               []string       `json:"owners"`
	MonthlyBudget        string         `json:"monthly_budget_usd"`
	MonthToDate          string         `json:"mtd_usd"`
	Forecast             string         `json:"forecast_usd"`
	ForecastLow          string         `json:"forecast_low_usd"`
	ForecastHigh         string         `json:"forecast_high_usd"`
	Utilization          *string        `json:"utilization_pct"`
	ProjectedUtilization *string        `json:"projected_utilization_pct"`
	ForecastLow95        string         `json:"forecast_low95_usd"`
	ForecastHigh95       string         `json:"forecast_high95_usd"`
	ProbabilityOver      string         `json:"probability_over_budget"` // 0..1, 2 decimals
	ThresholdReached     int            `json:"threshold_reached"`       // 0 when none
	Status               string         `json:"status"`                  // on_track, watch, projected_over, over_budget, no_data
	Driver               string         `json:"driver"`                  // why the status is what it is, in a short phrase (report.Category.Reason)
	OnBreach             SnapshotBreach `json:"on_breach"`
	Policy               SnapshotPolicy `json:"policy"`
}

// SnapshotBreach is what the alert webhook may do for a category.
type SnapshotBreach struct {
	Action string `json:"action"`
	DryRun bool   `json:"dry_run"`
}

// SnapshotPolicy is a category's compute policy.
type SnapshotPolicy struct {
	MaxWorkers             int      `json:"max_workers"`
	AutoterminationMinutes int      `json:"autotermination_minutes"`
	NodeTypes              []string `json:"node_types"`
}

// SnapshotUnattributed is this month's unattributed spend.
type SnapshotUnattributed struct {
	Untagged      string                 `json:"untagged_usd"`
	UnknownValue  string                 `json:"unknown_value_usd"`
	UnknownValues []SnapshotUnknownValue `json:"unknown_values"`
}

// SnapshotUnknownValue is one unmatched tag value.
type SnapshotUnknownValue struct {
	Value       string `json:"value"`
	MonthToDate string `json:"mtd_usd"`
	Total       string `json:"total_usd"` // all the data up to the as-of date
}

// SnapshotSKU is the unpriced usage of one SKU.
type SnapshotSKU struct {
	SKU  string `json:"sku"`
	DBUs string `json:"dbus"` // 6 decimals
}

func optionalPct(p report.Percent) *string {
	if !p.Defined {
		return nil
	}
	s := p.String()
	return &s
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// probability writes a probability with 2 decimals, as JSON text like money.
func probability(p float64) string { return strconv.FormatFloat(p, 'f', 2, 64) }

func timestampOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func usageDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

func freshAgainst(byClock bool) string {
	if byClock {
		return "build"
	}
	return "as_of"
}

// snapshotOf turns a report into its snapshot. Lists are never null, so a
// reader can range over them without a check.
func snapshotOf(r *report.Report, now time.Time) Snapshot {
	s := Snapshot{
		SchemaVersion: SnapshotSchemaVersion,
		GeneratedAt:   now.UTC().Format(time.RFC3339),
		AsOf:          r.AsOf.Format(time.DateOnly),
		DataThrough:   timestampOrEmpty(r.Source.LastUsage),
		DaysBehind:    r.Source.DaysBehind,
		DataBehind:    r.Source.Behind,
		Source: SnapshotSource{
			Kind:          r.Source.Kind,
			Inputs:        nonNil(r.Source.Inputs),
			ReadAt:        r.Source.ReadAt.UTC().Format(time.RFC3339),
			LastUsageDate: usageDate(r.Source.LastDate),
			FreshnessDays: r.Source.DaysBehind,
			PartialDay:    r.Source.PartialDay,
			FreshAgainst:  freshAgainst(r.Source.ByClock),
		},
		Thresholds: nonNil(r.Thresholds),
		Totals: SnapshotTotals{
			MonthToDate:          money(r.Totals.MonthToDate),
			Attributed:           money(r.Totals.Attributed),
			Unattributed:         money(r.Totals.Unattributed),
			Budget:               money(r.Totals.Budget),
			Forecast:             money(r.Totals.Forecast.Value),
			ForecastLow:          money(r.Totals.Forecast.Low),
			ForecastHigh:         money(r.Totals.Forecast.High),
			ForecastLow95:        money(r.Totals.Forecast.Low95),
			ForecastHigh95:       money(r.Totals.Forecast.High95),
			Utilization:          optionalPct(r.Totals.Utilization),
			ProjectedUtilization: optionalPct(r.Totals.ProjectedUtilization),
			TagCompliance:        optionalPct(r.Totals.TagCompliance),
			QuarterToDate:        money(r.QuarterToDate.Division().Spend),
			QuarterToDateBudget:  money(r.QuarterToDate.Division().Budget),
			YearToDate:           money(r.YearToDate.Division().Spend),
			YearToDateBudget:     money(r.YearToDate.Division().Budget),
			AtRisk:               nonNil(r.Totals.AtRisk),
			Watch:                nonNil(r.Totals.Watch),
		},
		Categories: []SnapshotCategory{},
		Unattributed: SnapshotUnattributed{
			Untagged:      money(r.Unattributed.MonthToDate.Untagged),
			UnknownValue:  money(r.Unattributed.MonthToDate.UnknownValue),
			UnknownValues: []SnapshotUnknownValue{},
		},
		Unpriced:   []SnapshotSKU{},
		Owners:     []SnapshotOwner{},
		Alerts:     []SnapshotAlert{},
		Compliance: snapshotCompliance(r.Governance),
		TagTypos:   []SnapshotTagTypo{},
	}
	for _, t := range r.TagTypos {
		s.TagTypos = append(s.TagTypos, SnapshotTagTypo{Category: t.TagValue, Value: t.Value, Cost: money(t.Cost)})
	}
	for _, a := range r.Tables.Alerts {
		s.Alerts = append(s.Alerts, SnapshotAlert{
			Key: a.Key(), Time: a.Time.Format(time.DateOnly), Category: a.Category, Kind: a.Kind,
			Threshold: a.Threshold, Value: money(a.Value), Budget: money(a.Budget), Status: a.Status,
		})
	}
	for _, o := range r.Owners {
		s.Owners = append(s.Owners, SnapshotOwner{
			Owner:        o.Owner,
			MonthToDate:  money(o.MonthToDate),
			Forecast:     money(o.Forecast.Value),
			ForecastLow:  money(o.Forecast.Low),
			ForecastHigh: money(o.Forecast.High),
			Burn30:       money(o.Burn.Value),
			Burn30Low:    money(o.Burn.Low),
			Burn30High:   money(o.Burn.High),
		})
	}
	for _, c := range r.Categories {
		s.Categories = append(s.Categories, SnapshotCategory{
			Slug:                 c.Slug,
			Title:                c.Title,
			TagValue:             c.TagValue,
			Owners:               nonNil(c.Owners),
			MonthlyBudget:        money(c.Budget),
			MonthToDate:          money(c.MonthToDate),
			Forecast:             money(c.Forecast.Value),
			ForecastLow:          money(c.Forecast.Low),
			ForecastHigh:         money(c.Forecast.High),
			Utilization:          optionalPct(c.Utilization),
			ProjectedUtilization: optionalPct(c.ProjectedUtilization),
			ForecastLow95:        money(c.Forecast.Low95),
			ForecastHigh95:       money(c.Forecast.High95),
			ProbabilityOver:      probability(c.Forecast.ProbabilityOverBudget),
			ThresholdReached:     c.ThresholdReached,
			Status:               string(c.Status),
			Driver:               c.Reason,
			OnBreach:             SnapshotBreach{Action: c.OnBreach.Action, DryRun: c.OnBreach.DryRun},
			Policy: SnapshotPolicy{
				MaxWorkers:             c.Policy.MaxWorkers,
				AutoterminationMinutes: c.Policy.AutoterminationMinutes,
				NodeTypes:              nonNil(c.Policy.NodeTypes),
			},
		})
	}
	for _, v := range r.Unattributed.UnknownValues {
		s.Unattributed.UnknownValues = append(s.Unattributed.UnknownValues, SnapshotUnknownValue{
			Value:       v.Value,
			MonthToDate: money(v.MonthToDate),
			Total:       money(v.Total),
		})
	}
	for _, u := range r.Unpriced.Month {
		s.Unpriced = append(s.Unpriced, SnapshotSKU{SKU: u.SKU, DBUs: quantity(u.DBUs)})
	}
	return s
}

// writeSnapshot writes data/snapshot.json under dir: indented, with a
// trailing newline, keys in struct order so builds diff cleanly.
func writeSnapshot(dir string, r *report.Report, now time.Time) error {
	path := filepath.Join(dir, "data", "snapshot.json")
	b, err := json.MarshalIndent(snapshotOf(r, now), "", "  ")
	if err != nil {
		return fmt.Errorf("encode snapshot: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	return nil
}
