package duckdb

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/novadynamics/stellar-budget/internal/attribution"
	"github.com/novadynamics/stellar-budget/internal/billing"
	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/demo"
)

// demoTable holds the demo account's usage as canonical columns, appended
// straight from the generator: no file is written or parsed.
const demoTable = "demo_usage"

// AttributeDemo attributes the built-in demo account: its usage records are
// appended to a table of the canonical columns and the attribution SQL runs
// over it, as over an export.
func (e *Engine) AttributeDemo(ctx context.Context, cfg demo.Config, tagValues []string, detailFrom time.Time) (Result, error) {
	return e.attributeDemo(ctx, cfg, tagValues, detailFrom, nil)
}

// attributeDemo is AttributeDemo, handing each result row also to keep
// when it is not nil.
func (e *Engine) attributeDemo(ctx context.Context, cfg demo.Config, tagValues []string, detailFrom time.Time, keep func([]*string)) (Result, error) {
	start := time.Now()
	if err := e.loadDemoPrices(ctx, demo.ListPrices(cfg)); err != nil {
		return Result{}, err
	}
	if err := e.createStaging(ctx, demoTable, usageColumns); err != nil {
		return Result{}, fmt.Errorf("demo account: %w", err)
	}
	var records int64
	err := e.appendRows(ctx, demoTable, func(add func(...driver.Value) error) error {
		row := make([]driver.Value, 0, len(usageColumns))
		return demo.Usage(cfg, func(r billing.UsageRecord) error {
			records++
			var err error
			if row, err = canonicalUsage(&r, row); err != nil {
				return err
			}
			return add(row...)
		})
	})
	if err != nil {
		return Result{}, fmt.Errorf("demo account: %w", err)
	}
	e.log.Info("generated demo usage", "records", records, "took", time.Since(start).Round(time.Millisecond))
	usage := stagedSelect(demoTable, usageColumns)
	detailFrom, err = e.detailStart(ctx, usage, detailFrom)
	if err != nil {
		return Result{}, fmt.Errorf("demo usage: %w", err)
	}
	query, err := attribution.Query(usage, "SELECT * FROM loaded_list_prices", tagValues, detailFrom)
	if err != nil {
		return Result{}, err
	}
	res, err := e.run(ctx, query, keep)
	if err != nil {
		return Result{}, fmt.Errorf("attribute demo account: %w", err)
	}
	if _, err := e.db.ExecContext(ctx, "DROP TABLE "+demoTable); err != nil {
		return Result{}, fmt.Errorf("demo account: %w", err)
	}
	res.Inputs = []string{demoInput(cfg)}
	e.log.Info("attributed usage", "records", res.Rows, "month_facts", len(res.Facts.Months), "day_facts", len(res.Facts.Days), "detail_facts", len(res.Facts.Detail), "took", time.Since(start).Round(time.Millisecond))
	return res, nil
}

// demoInput names the demo account as read: "as of" its last day when it
// is read at midnight, "through" the hour otherwise.
func demoInput(cfg demo.Config) string {
	through := cfg.Through.UTC().Truncate(time.Hour)
	if through.Hour() == 0 {
		return "built-in demo account as of " + through.AddDate(0, 0, -1).Format(time.DateOnly)
	}
	return "built-in demo account through " + through.Format("2006-01-02 15:04") + " UTC"
}

// loadDemoPrices puts the demo price list in loaded_list_prices and checks
// it as any other.
func (e *Engine) loadDemoPrices(ctx context.Context, prices []billing.ListPrice) error {
	if err := e.createStaging(ctx, "demo_prices", priceColumns); err != nil {
		return fmt.Errorf("demo prices: %w", err)
	}
	err := e.appendRows(ctx, "demo_prices", func(add func(...driver.Value) error) error {
		for _, p := range prices {
			var end driver.Value
			if p.PriceEnd != nil {
				end = p.PriceEnd.UTC()
			}
			if err := add(p.SKUName, p.Cloud, p.UsageUnit, p.CurrencyCode, p.PriceStart.UTC(), end,
				p.Default.String(), nullDecimal(p.EffectiveList)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("demo prices: %w", err)
	}
	if _, err := e.db.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE loaded_list_prices AS "+stagedSelect("demo_prices", priceColumns)); err != nil {
		return fmt.Errorf("demo prices: %w", err)
	}
	return e.checkPrices(ctx)
}

// createStaging creates a table of the canonical columns cols for the
// appender. Decimals are appended as their exact text and cast in
// stagedSelect, so no digit passes through a float.
func (e *Engine) createStaging(ctx context.Context, table string, cols []column) error {
	defs := make([]string, len(cols))
	for i, c := range cols {
		typ := c.Kind.SQLType()
		if c.Kind == kindDecimal {
			typ = "VARCHAR"
		}
		defs[i] = sqlIdent(c.Name) + " " + typ
	}
	_, err := e.db.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE "+table+" ("+strings.Join(defs, ", ")+")")
	return err
}

// stagedSelect reads a table createStaging made as the canonical columns.
func stagedSelect(table string, cols []column) string {
	exprs := make([]string, len(cols))
	for i, c := range cols {
		exprs[i] = sqlIdent(c.Name)
		if c.Kind == kindDecimal {
			exprs[i] = "CAST(" + exprs[i] + " AS " + c.Kind.SQLType() + ") AS " + sqlIdent(c.Name)
		}
	}
	return "SELECT " + strings.Join(exprs, ", ") + " FROM " + table
}

// appendRows fills table through DuckDB's appender.
func (e *Engine) appendRows(ctx context.Context, table string, fill func(add func(...driver.Value) error) error) error {
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		a, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", table)
		if err != nil {
			return err
		}
		if err := fill(a.AppendRow); err != nil {
			a.Close()
			return err
		}
		return a.Close()
	})
}

// demoFields reads each canonical usage column (by Name) off a demo record,
// the way an export of it is read: empty text is null, and a tag is null
// when absent.
var demoFields = map[string]func(r *billing.UsageRecord) driver.Value{
	"usage_date":             func(r *billing.UsageRecord) driver.Value { return r.UsageDate.UTC() },
	"usage_hour":             func(r *billing.UsageRecord) driver.Value { return int32(r.UsageStart.UTC().Hour()) },
	"usage_end_time":         func(r *billing.UsageRecord) driver.Value { return r.UsageEnd.UTC() },
	"workspace_id":           func(r *billing.UsageRecord) driver.Value { return text(r.WorkspaceID) },
	"sku_name":               func(r *billing.UsageRecord) driver.Value { return text(r.SKUName) },
	"cloud":                  func(r *billing.UsageRecord) driver.Value { return text(r.Cloud) },
	"usage_unit":             func(r *billing.UsageRecord) driver.Value { return text(r.UsageUnit) },
	"usage_quantity":         func(r *billing.UsageRecord) driver.Value { return r.UsageQuantity.String() },
	"billing_origin_product": func(r *billing.UsageRecord) driver.Value { return text(r.OriginProduct) },
	"is_serverless":          func(r *billing.UsageRecord) driver.Value { return r.Features.IsServerless },
	"tag_category":           func(r *billing.UsageRecord) driver.Value { return tag(r, "OperationalCategory") },
	"tag_owner":              func(r *billing.UsageRecord) driver.Value { return tag(r, "Owner") },
	"run_as":                 func(r *billing.UsageRecord) driver.Value { return text(r.Identity.RunAs) },
	"owned_by":               func(r *billing.UsageRecord) driver.Value { return text(r.Identity.OwnedBy) },
	"created_by":             func(r *billing.UsageRecord) driver.Value { return text(r.Identity.CreatedBy) },
	"job_id":                 func(r *billing.UsageRecord) driver.Value { return text(r.Metadata.JobID) },
	"dlt_pipeline_id":        func(r *billing.UsageRecord) driver.Value { return text(r.Metadata.DLTPipelineID) },
	"warehouse_id":           func(r *billing.UsageRecord) driver.Value { return text(r.Metadata.WarehouseID) },
	"endpoint_name":          func(r *billing.UsageRecord) driver.Value { return text(r.Metadata.EndpointName) },
	"endpoint_id":            func(*billing.UsageRecord) driver.Value { return nil }, // the demo names endpoints only
	"cluster_id":             func(r *billing.UsageRecord) driver.Value { return text(r.Metadata.ClusterID) },
}

// canonicalUsage is a demo record as the canonical usage columns, in
// UsageColumns order.
func canonicalUsage(r *billing.UsageRecord, row []driver.Value) ([]driver.Value, error) {
	row = row[:0]
	for _, c := range usageColumns {
		field, ok := demoFields[c.Name]
		if !ok {
			return nil, fmt.Errorf("demo account has no usage column %s", c.Name)
		}
		row = append(row, field(r))
	}
	return row, nil
}

func tag(r *billing.UsageRecord, k string) driver.Value {
	if v, ok := r.CustomTags[k]; ok {
		return v
	}
	return nil
}

func text(s string) driver.Value {
	if s == "" {
		return nil
	}
	return s
}

func nullDecimal(d *budget.Decimal) driver.Value {
	if d == nil {
		return nil
	}
	return d.String()
}
