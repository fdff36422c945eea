package duckdb

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/attribution"
	"github.com/novadynamics/stellar-budget/internal/billing"
	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/demo"
)

func demoConfig(rows int64) demo.Config {
	div := budget.Division{Categories: []budget.Category{
		{Slug: "deep-space-telemetry", TagValue: "DEEP_SPACE_TELEMETRY", Policy: budget.Policy{NodeTypes: []string{"i3.xlarge"}}},
		{Slug: "exploratory-missions", TagValue: "EXPLORATORY_MISSIONS", Policy: budget.Policy{NodeTypes: []string{"r5d.2xlarge"}}},
	}}
	return demo.Config{Division: div, Through: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), Rows: rows}
}

// The demo source appends records straight to DuckDB; it must attribute
// them exactly as the same records read back from an export.
func TestDemoSourceMatchesExport(t *testing.T) {
	cfg := demoConfig(30000)
	var usage []billing.UsageRecord
	if err := demo.Usage(cfg, func(r billing.UsageRecord) error { usage = append(usage, r); return nil }); err != nil {
		t.Fatal(err)
	}
	e, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	tags := cfg.Division.TagValues()
	usagePath, pricePath := writeExport(t, e, t.TempDir(), billing.CSV, usage, demo.ListPrices(cfg))
	want, err := e.Attribute(t.Context(), Input{Usage: []string{usagePath}, ListPrices: []string{pricePath}, TagValues: tags})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.AttributeDemo(t.Context(), cfg, tags, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Rows != want.Rows || got.Rows != int64(len(usage)) {
		t.Errorf("rows: demo %d, export %d, records %d", got.Rows, want.Rows, len(usage))
	}
	if !got.LastUsage.Equal(want.LastUsage) {
		t.Errorf("last usage: demo %s, export %s", got.LastUsage, want.LastUsage)
	}
	for _, g := range []struct {
		name      string
		got, want []budget.Fact
	}{{"month", got.Facts.Months, want.Facts.Months}, {"day", got.Facts.Days, want.Facts.Days}, {"detail", got.Facts.Detail, want.Facts.Detail}} {
		if gl, wl := factLines(g.got), factLines(g.want); len(gl) == 0 || !reflect.DeepEqual(gl, wl) {
			t.Errorf("%s facts differ: demo %d, export %d", g.name, len(gl), len(wl))
		}
	}
	if !got.Facts.DetailFrom.Equal(want.Facts.DetailFrom) || !got.Facts.DetailFrom.Equal(budget.DetailStart(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))) {
		t.Errorf("detail from: demo %s, export %s, want the detail start of 2026-11-23", got.Facts.DetailFrom, want.Facts.DetailFrom)
	}
	if g, w := hourLines(got.Hourly), hourLines(want.Hourly); !reflect.DeepEqual(g, w) {
		t.Errorf("hourly rows differ: demo %d, export %d", len(g), len(w))
	}
	if len(got.Inputs) != 1 || !strings.Contains(got.Inputs[0], "demo account as of 2026-11-23") {
		t.Errorf("inputs = %q", got.Inputs)
	}
}

func factLines(facts []budget.Fact) []string {
	out := make([]string, len(facts))
	for i, f := range facts {
		out[i] = fmt.Sprintf("%s|%s|%s|%s|%s|%s|%s|%s|%t|%s|%s|%t|%s|%s", f.Date.Format(time.DateOnly), f.Category, f.Attribution,
			f.TagValue, f.Owner, f.WorkloadType, f.WorkloadID, f.ResourceType, f.Serverless, f.Workspace, f.SKU, f.Priced, f.DBUs, f.Cost)
	}
	sort.Strings(out)
	return out
}

func hourLines(hours []budget.HourCost) []string {
	out := make([]string, len(hours))
	for i, h := range hours {
		out[i] = fmt.Sprintf("%s|%d|%s", h.Date.Format(time.DateOnly), h.Hour, h.Cost)
	}
	sort.Strings(out)
	return out
}

// The attribution SQL's result has the contract's types on DuckDB, the
// same types the Databricks warehouse gives it.
func TestResultTypes(t *testing.T) {
	e, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.loadDemoPrices(t.Context(), demo.ListPrices(demoConfig(0))); err != nil {
		t.Fatal(err)
	}
	cols := make([]string, len(usageColumns))
	for i, c := range usageColumns {
		cols[i] = "CAST(NULL AS " + c.Kind.SQLType() + ") AS " + sqlIdent(c.Name)
	}
	query, err := attribution.Query("SELECT "+strings.Join(cols, ", "), "SELECT * FROM loaded_list_prices", []string{"A"}, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := e.db.QueryContext(t.Context(), "DESCRIBE "+query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	databricks := map[string]string{"VARCHAR": "STRING", "INTEGER": "INT"}
	var got []attribution.ResultColumn
	for rows.Next() {
		var name, typ string
		var null, key, def, extra any
		if err := rows.Scan(&name, &typ, &null, &key, &def, &extra); err != nil {
			t.Fatal(err)
		}
		if d, ok := databricks[typ]; ok {
			typ = d
		}
		got = append(got, attribution.ResultColumn{Name: name, Type: typ})
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, attribution.ResultColumns) {
		t.Errorf("result columns:\n got %v\nwant %v", got, attribution.ResultColumns)
	}
}
