package site

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gocarina/gocsv"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/report"
)

// The CSV downloads (DESIGN.md section 5). Every field is a string so the
// exact text is decided here: dates ISO, months YYYY-MM, money 2 decimals,
// DBUs 6 decimals, percentages 1 decimal rounded half up (empty when there
// is no budget).
//
// The CSV-injection guard (guardText) applies to text cells only: category,
// owner, resource_type, sku, workload_type, workload_id, workspace_id, kind
// and status. Numeric cells are written by this package from exact
// decimals, so they hold only digits, '.', and a leading '-' for a negative
// amount, which a spreadsheet reads as a number, not a formula; quoting
// them would turn a retraction's -1.23 into text.

// Download file names, in the order pages list them.
const (
	fileCostByDay      = "cost_by_day.csv"
	fileCostByOwner    = "cost_by_owner.csv"
	fileCostByResource = "cost_by_resource.csv"
	fileCostByWorkload = "cost_by_workload.csv"
	fileBudgetStatus   = "budget_status.csv"
	fileAlerts         = "alerts.csv"
)

type costByDayRow struct {
	Date     string `csv:"date"`
	Category string `csv:"category"`
	DBUs     string `csv:"dbus"`
	Cost     string `csv:"list_cost_usd"`
}

type costByOwnerRow struct {
	Month    string `csv:"month"`
	Category string `csv:"category"`
	Owner    string `csv:"owner"`
	DBUs     string `csv:"dbus"`
	Cost     string `csv:"list_cost_usd"`
}

type costByResourceRow struct {
	Month        string `csv:"month"`
	Category     string `csv:"category"`
	ResourceType string `csv:"resource_type"`
	SKU          string `csv:"sku"`
	DBUs         string `csv:"dbus"`
	Cost         string `csv:"list_cost_usd"`
}

type costByWorkloadRow struct {
	Month        string `csv:"month"`
	Category     string `csv:"category"`
	WorkloadType string `csv:"workload_type"`
	WorkloadID   string `csv:"workload_id"`
	Workspace    string `csv:"workspace_id"`
	Owner        string `csv:"owner"`
	DBUs         string `csv:"dbus"`
	Cost         string `csv:"list_cost_usd"`
}

type budgetStatusRow struct {
	Month            string `csv:"month"`
	Category         string `csv:"category"`
	Budget           string `csv:"budget_usd"`
	Actual           string `csv:"actual_usd"`
	Forecast         string `csv:"forecast_usd"`
	ForecastLow      string `csv:"forecast_low_usd"`
	ForecastHigh     string `csv:"forecast_high_usd"`
	Utilization      string `csv:"utilization_pct"`
	ThresholdReached int    `csv:"threshold_reached"` // 0 when none
	// Appended later (DESIGN.md 5: new columns go at the end).
	ProbabilityOver string `csv:"probability_over_budget"` // 0..1, 2 decimals
	ForecastLow95   string `csv:"forecast_low95_usd"`
	ForecastHigh95  string `csv:"forecast_high95_usd"`
}

type alertRow struct {
	Time      string `csv:"time"` // ISO date of the crossing
	Category  string `csv:"category"`
	Kind      string `csv:"kind"`
	Threshold int    `csv:"threshold_pct"`
	Value     string `csv:"value_usd"`
	Budget    string `csv:"budget_usd"`
	Status    string `csv:"status"`
}

// guardText defuses a text cell a spreadsheet would run as a formula: one
// starting with '=', '+', '-', '@', tab or carriage return gets a leading
// apostrophe, which spreadsheets hide and treat as "this is text".
func guardText(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

const monthLayout = "2006-01"

func money(d budget.Decimal) string { return d.Cents() }

func quantity(d budget.Decimal) string { return d.StringFixed(6) }

// byCategory splits the tables into each category's rows, in one pass, so
// writing every category's files stays linear in the rows.
func byCategory(t report.Tables) map[string]*report.Tables {
	out := map[string]*report.Tables{}
	of := func(category string) *report.Tables {
		if out[category] == nil {
			out[category] = &report.Tables{}
		}
		return out[category]
	}
	for _, r := range t.CostByDay {
		of(r.Category).CostByDay = append(of(r.Category).CostByDay, r)
	}
	for _, r := range t.CostByOwner {
		of(r.Category).CostByOwner = append(of(r.Category).CostByOwner, r)
	}
	for _, r := range t.CostByResource {
		of(r.Category).CostByResource = append(of(r.Category).CostByResource, r)
	}
	for _, r := range t.CostByWorkload {
		of(r.Category).CostByWorkload = append(of(r.Category).CostByWorkload, r)
	}
	for _, r := range t.BudgetStatus {
		of(r.Category).BudgetStatus = append(of(r.Category).BudgetStatus, r)
	}
	for _, r := range t.Alerts {
		of(r.Category).Alerts = append(of(r.Category).Alerts, r)
	}
	return out
}

// writeDownloads writes the CSV files of t into dir.
func writeDownloads(dir string, t report.Tables) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	var byDay []costByDayRow
	for _, r := range t.CostByDay {
		byDay = append(byDay, costByDayRow{
			Date:     r.Date.Format(time.DateOnly),
			Category: guardText(r.Category),
			DBUs:     quantity(r.DBUs),
			Cost:     money(r.Cost),
		})
	}
	var byOwner []costByOwnerRow
	for _, r := range t.CostByOwner {
		byOwner = append(byOwner, costByOwnerRow{
			Month:    r.Month.Format(monthLayout),
			Category: guardText(r.Category),
			Owner:    guardText(r.Owner),
			DBUs:     quantity(r.DBUs),
			Cost:     money(r.Cost),
		})
	}
	var byResource []costByResourceRow
	for _, r := range t.CostByResource {
		byResource = append(byResource, costByResourceRow{
			Month:        r.Month.Format(monthLayout),
			Category:     guardText(r.Category),
			ResourceType: guardText(r.ResourceType),
			SKU:          guardText(r.SKU),
			DBUs:         quantity(r.DBUs),
			Cost:         money(r.Cost),
		})
	}
	var byWorkload []costByWorkloadRow
	for _, r := range t.CostByWorkload {
		byWorkload = append(byWorkload, costByWorkloadRow{
			Month:        r.Month.Format(monthLayout),
			Category:     guardText(r.Category),
			WorkloadType: guardText(r.WorkloadType),
			WorkloadID:   guardText(r.WorkloadID),
			Workspace:    guardText(r.Workspace),
			Owner:        guardText(r.Owner),
			DBUs:         quantity(r.DBUs),
			Cost:         money(r.Cost),
		})
	}
	var status []budgetStatusRow
	for _, r := range t.BudgetStatus {
		status = append(status, budgetStatusRow{
			Month:            r.Month.Format(monthLayout),
			Category:         guardText(r.Category),
			Budget:           money(r.Budget),
			Actual:           money(r.Actual),
			Forecast:         money(r.Forecast.Value),
			ForecastLow:      money(r.Forecast.Low),
			ForecastHigh:     money(r.Forecast.High),
			Utilization:      r.Utilization.String(),
			ThresholdReached: r.ThresholdReached,
			ProbabilityOver:  probability(r.Forecast.ProbabilityOverBudget),
			ForecastLow95:    money(r.Forecast.Low95),
			ForecastHigh95:   money(r.Forecast.High95),
		})
	}
	var alerts []alertRow
	for _, r := range t.Alerts {
		alerts = append(alerts, alertRow{
			Time:      r.Time.Format(time.DateOnly),
			Category:  guardText(r.Category),
			Kind:      guardText(r.Kind),
			Threshold: r.Threshold,
			Value:     money(r.Value),
			Budget:    money(r.Budget),
			Status:    guardText(r.Status),
		})
	}
	files := []struct {
		name string
		rows any
	}{
		{fileCostByDay, byDay},
		{fileCostByOwner, byOwner},
		{fileCostByResource, byResource},
		{fileCostByWorkload, byWorkload},
		{fileBudgetStatus, status},
		{fileAlerts, alerts},
	}
	for _, f := range files {
		if err := writeCSV(filepath.Join(dir, f.name), f.rows); err != nil {
			return err
		}
	}
	return nil
}

// writeCSV writes rows (a slice of one of the row structs) with a header.
// A file with no rows still gets its header. Lines end in CRLF as RFC 4180
// asks; every spreadsheet and CSV library reads that.
func writeCSV(path string, rows any) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	w := csv.NewWriter(f)
	w.UseCRLF = true
	if err := gocsv.MarshalCSV(rows, gocsv.NewSafeCSVWriter(w)); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
