package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/novadynamics/stellar-budget/internal/billing"
	"github.com/novadynamics/stellar-budget/internal/demo"
)

// SystemCatalog is the DuckDB catalog holding the Databricks system
// catalog's tables. DuckDB reserves the name "system", so the emulator's
// dialect translator renames system.<schema>.<table> to this catalog; the
// name must equal emulator.EngineSystemCatalog (a test checks it).
const SystemCatalog = "databricks_system"

// The system tables with the real ones' columns and types (the documented
// schema of system.billing.usage and system.billing.list_prices, with the
// usage_metadata and product_features fields the project reads or shows;
// the demo leaves the others null). Their timestamps are instants
// (TIMESTAMPTZ), as Databricks' TIMESTAMP is: read in the session time
// zone each statement runs in.
const (
	usageDDL = `CREATE TABLE ` + SystemCatalog + `.billing.usage (
  record_id VARCHAR,
  account_id VARCHAR,
  workspace_id VARCHAR,
  sku_name VARCHAR,
  cloud VARCHAR,
  usage_start_time TIMESTAMPTZ,
  usage_end_time TIMESTAMPTZ,
  usage_date DATE,
  custom_tags MAP(VARCHAR, VARCHAR),
  usage_unit VARCHAR,
  usage_quantity DECIMAL(38, 18),
  usage_metadata STRUCT(
    cluster_id VARCHAR, job_id VARCHAR, warehouse_id VARCHAR, instance_pool_id VARCHAR,
    node_type VARCHAR, job_run_id VARCHAR, notebook_id VARCHAR, dlt_pipeline_id VARCHAR,
    endpoint_name VARCHAR, endpoint_id VARCHAR, dlt_update_id VARCHAR, budget_policy_id VARCHAR),
  identity_metadata STRUCT(run_as VARCHAR, owned_by VARCHAR, created_by VARCHAR),
  record_type VARCHAR,
  ingestion_date DATE,
  billing_origin_product VARCHAR,
  product_features STRUCT(
    jobs_tier VARCHAR, sql_tier VARCHAR, dlt_tier VARCHAR,
    is_serverless BOOLEAN, is_photon BOOLEAN, serving_type VARCHAR),
  usage_type VARCHAR
)`
	listPricesDDL = `CREATE TABLE ` + SystemCatalog + `.billing.list_prices (
  price_start_time TIMESTAMPTZ,
  price_end_time TIMESTAMPTZ,
  account_id VARCHAR,
  sku_name VARCHAR,
  cloud VARCHAR,
  currency_code VARCHAR,
  usage_unit VARCHAR,
  pricing STRUCT(
    "default" DECIMAL(38, 18),
    promotional STRUCT("default" DECIMAL(38, 18)),
    effective_list STRUCT("default" DECIMAL(38, 18)))
)`
)

// usageStaging is what the appender fills: the record's fields flat, as
// the appender takes them; usageFromStaging nests them.
var (
	usageStaging = []string{
		"record_id VARCHAR", "account_id VARCHAR", "workspace_id VARCHAR", "sku_name VARCHAR", "cloud VARCHAR",
		"usage_start_time TIMESTAMP", "usage_end_time TIMESTAMP", "usage_date DATE",
		"custom_tags VARCHAR", "usage_unit VARCHAR", "usage_quantity VARCHAR",
		"cluster_id VARCHAR", "job_id VARCHAR", "warehouse_id VARCHAR", "node_type VARCHAR",
		"job_run_id VARCHAR", "notebook_id VARCHAR", "dlt_pipeline_id VARCHAR", "endpoint_name VARCHAR",
		"run_as VARCHAR", "owned_by VARCHAR", "created_by VARCHAR",
		"record_type VARCHAR", "ingestion_date DATE", "billing_origin_product VARCHAR",
		"jobs_tier VARCHAR", "sql_tier VARCHAR", "dlt_tier VARCHAR", "is_serverless BOOLEAN", "is_photon BOOLEAN",
		"usage_type VARCHAR",
	}
	usageFromStaging = `INSERT INTO ` + SystemCatalog + `.billing.usage SELECT
  record_id, account_id, workspace_id, sku_name, cloud, usage_start_time, usage_end_time, usage_date,
  CAST(CAST(custom_tags AS JSON) AS MAP(VARCHAR, VARCHAR)),
  usage_unit, CAST(usage_quantity AS DECIMAL(38, 18)),
  {'cluster_id': cluster_id, 'job_id': job_id, 'warehouse_id': warehouse_id, 'instance_pool_id': NULL,
   'node_type': node_type, 'job_run_id': job_run_id, 'notebook_id': notebook_id, 'dlt_pipeline_id': dlt_pipeline_id,
   'endpoint_name': endpoint_name, 'endpoint_id': NULL, 'dlt_update_id': NULL, 'budget_policy_id': NULL},
  {'run_as': run_as, 'owned_by': owned_by, 'created_by': created_by},
  record_type, ingestion_date, billing_origin_product,
  {'jobs_tier': jobs_tier, 'sql_tier': sql_tier, 'dlt_tier': dlt_tier,
   'is_serverless': is_serverless, 'is_photon': is_photon, 'serving_type': NULL},
  usage_type
FROM staging_usage`
)

// SystemTables is the demo account's system.billing.usage and
// system.billing.list_prices in an in-memory DuckDB, answering SQL for the
// emulator (it implements emulator.Engine). The emulator also attaches the
// agent trail's table here (an in-memory catalog of its own, written with
// Exec and Merge).
type SystemTables struct {
	e *Engine
}

// OpenSystemTables builds the system tables of the demo account cfg
// describes.
func OpenSystemTables(ctx context.Context, opts Options, cfg demo.Config) (*SystemTables, error) {
	e, err := Open(opts)
	if err != nil {
		return nil, err
	}
	t := &SystemTables{e: e}
	if err := t.load(ctx, cfg); err != nil {
		e.Close()
		return nil, fmt.Errorf("system tables: %w", err)
	}
	return t, nil
}

func (t *SystemTables) load(ctx context.Context, cfg demo.Config) error {
	start := time.Now()
	for _, stmt := range []string{
		"ATTACH ':memory:' AS " + SystemCatalog,
		"CREATE SCHEMA " + SystemCatalog + ".billing",
		usageDDL,
		listPricesDDL,
		"CREATE TEMP TABLE staging_usage (" + strings.Join(usageStaging, ", ") + ")",
	} {
		if _, err := t.e.db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("create tables: %w", err)
		}
	}
	var records int64
	err := t.e.appendRows(ctx, "staging_usage", func(add func(...driver.Value) error) error {
		return demo.Usage(cfg, func(r billing.UsageRecord) error {
			records++
			return add(stagingUsage(&r)...)
		})
	})
	if err != nil {
		return fmt.Errorf("demo usage: %w", err)
	}
	if _, err := t.e.db.ExecContext(ctx, usageFromStaging); err != nil {
		return fmt.Errorf("demo usage: %w", err)
	}
	if _, err := t.e.db.ExecContext(ctx, "DROP TABLE staging_usage"); err != nil {
		return fmt.Errorf("drop the staging table: %w", err)
	}
	for _, p := range demo.ListPrices(cfg) {
		var end any
		if p.PriceEnd != nil {
			end = p.PriceEnd.UTC()
		}
		_, err := t.e.db.ExecContext(ctx, `INSERT INTO `+SystemCatalog+`.billing.list_prices VALUES (?, ?, ?, ?, ?, ?, ?,
  {'default': CAST(? AS DECIMAL(38, 18)),
   'promotional': {'default': CAST(? AS DECIMAL(38, 18))},
   'effective_list': {'default': CAST(? AS DECIMAL(38, 18))}})`,
			p.PriceStart.UTC(), end, p.AccountID, p.SKUName, p.Cloud, p.CurrencyCode, p.UsageUnit,
			p.Default.String(), nullDecimal(p.Promotional), nullDecimal(p.EffectiveList))
		if err != nil {
			return fmt.Errorf("demo list prices: %w", err)
		}
	}
	// The statements clients send run here: like a Databricks warehouse,
	// they reach no file on this machine (DuckDB refuses to enable access
	// again once it is off).
	if _, err := t.e.db.ExecContext(ctx, "SET enable_external_access = false"); err != nil {
		return fmt.Errorf("disable file access: %w", err)
	}
	t.e.log.Info("loaded system tables", "usage_records", records, "through", cfg.Through.UTC().Format(time.RFC3339), "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// stagingUsage is a demo record as the usageStaging columns.
func stagingUsage(r *billing.UsageRecord) []driver.Value {
	var tags driver.Value
	if r.CustomTags != nil {
		b, _ := json.Marshal(r.CustomTags) // a map of strings always marshals
		tags = string(b)
	}
	return []driver.Value{
		text(r.RecordID), text(r.AccountID), text(r.WorkspaceID), text(r.SKUName), text(r.Cloud),
		r.UsageStart.UTC(), r.UsageEnd.UTC(), r.UsageDate.UTC(),
		tags, text(r.UsageUnit), r.UsageQuantity.String(),
		text(r.Metadata.ClusterID), text(r.Metadata.JobID), text(r.Metadata.WarehouseID), text(r.Metadata.NodeType),
		text(r.Metadata.JobRunID), text(r.Metadata.NotebookID), text(r.Metadata.DLTPipelineID), text(r.Metadata.EndpointName),
		text(r.Identity.RunAs), text(r.Identity.OwnedBy), text(r.Identity.CreatedBy),
		text(r.RecordType), r.IngestionDate.UTC(), text(r.OriginProduct),
		text(r.Features.JobsTier), text(r.Features.SQLTier), text(r.Features.DLTTier), r.Features.IsServerless, r.Features.IsPhoton,
		text(r.UsageType),
	}
}

// errNotAQuery is Query's answer to a statement that is not one query:
// system tables are read-only on Databricks, so only Exec changes them.
// It is worded as DuckDB's own permission errors are, so that the emulator
// classes both alike.
//
//lint:ignore ST1005 worded as DuckDB's errors, which the emulator reads
var errNotAQuery = errors.New("Permission Error: the system tables are read-only: only one query (SELECT, SHOW, DESCRIBE) may run here")

// Query runs one DuckDB query in the session time zone tz (an IANA name;
// empty is UTC) and returns its column names, their DuckDB types and every
// value as text (nil for null), the way Databricks' JSON_ARRAY format
// writes them: timestamps ISO 8601 in UTC with milliseconds
// (2026-11-23T01:00:00.000Z; the caller renders them in the session zone),
// maps, structs and lists as JSON, decimals with their full scale.
// Anything but one query fails with errNotAQuery before it runs. Errors
// are DuckDB's, unwrapped: the emulator reads their text to give
// Databricks' error class.
func (t *SystemTables) Query(ctx context.Context, tz, q string) (names, types []string, rows [][]*string, err error) {
	conn, err := t.session(ctx, tz)
	if err != nil {
		return nil, nil, nil, err
	}
	defer conn.Close()
	if err := readOnlyQuery(conn, q); err != nil {
		return nil, nil, nil, err
	}
	names, types, err = describe(ctx, conn, q)
	if err != nil {
		// A query DESCRIBE does not take (SHOW TABLES, DESCRIBE itself):
		// run it as it is, for its own answer or its own error.
		return queryAsIs(ctx, conn, q)
	}
	cols := make([]string, len(names))
	exprs := make([]string, len(names))
	for i := range names {
		cols[i] = fmt.Sprintf("c%d", i)
		exprs[i] = asText(cols[i], types[i])
	}
	// The newline ends a trailing line comment in q.
	wrapped := "SELECT " + strings.Join(exprs, ", ") + " FROM (" + q + "\n) AS q(" + strings.Join(cols, ", ") + ")"
	res, err := conn.QueryContext(ctx, wrapped)
	if err != nil {
		return nil, nil, nil, err
	}
	defer res.Close()
	vals := make([]sql.NullString, len(names))
	ptrs := make([]any, len(names))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for res.Next() {
		if err := res.Scan(ptrs...); err != nil {
			return nil, nil, nil, err
		}
		row := make([]*string, len(vals))
		for i, v := range vals {
			if v.Valid {
				s := v.String
				row[i] = &s
			}
		}
		rows = append(rows, row)
	}
	if err := res.Err(); err != nil {
		return nil, nil, nil, err
	}
	return names, types, rows, nil
}

// session is the engine's one connection, held until the caller closes it,
// with its TimeZone set to tz (empty: UTC), so statements of sessions in
// different zones never see each other's.
func (t *SystemTables) session(ctx context.Context, tz string) (*sql.Conn, error) {
	if tz == "" {
		tz = "UTC"
	}
	conn, err := t.e.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "SET TimeZone = "+sqlString(tz)); err != nil {
		conn.Close()
		return nil, fmt.Errorf("session time zone %s: %w", tz, err)
	}
	return conn, nil
}

// readOnlyQuery fails unless q is one statement that only reads. It prepares
// q with the driver's Prepare, which takes a single statement and runs
// nothing (PrepareContext would run all but the last of several).
func readOnlyQuery(conn *sql.Conn, q string) error {
	return conn.Raw(func(dc any) error {
		stmt, err := dc.(driver.Conn).Prepare(q)
		if err != nil {
			return err
		}
		defer stmt.Close()
		typ, err := stmt.(*duckdb.Stmt).StatementType()
		if err != nil {
			return err
		}
		if typ != duckdb.STATEMENT_TYPE_SELECT { // SHOW and DESCRIBE are SELECTs too
			return errNotAQuery
		}
		return nil
	})
}

// queryAsIs runs q without the text rendering of Query: values are
// written by Go's fmt, times as ISO 8601.
func queryAsIs(ctx context.Context, conn *sql.Conn, q string) (names, types []string, rows [][]*string, err error) {
	res, err := conn.QueryContext(ctx, q)
	if err != nil {
		return nil, nil, nil, err
	}
	defer res.Close()
	cols, err := res.ColumnTypes()
	if err != nil {
		return nil, nil, nil, err
	}
	for _, c := range cols {
		names = append(names, c.Name())
		types = append(types, c.DatabaseTypeName())
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for res.Next() {
		if err := res.Scan(ptrs...); err != nil {
			return nil, nil, nil, err
		}
		row := make([]*string, len(vals))
		for i, v := range vals {
			if v == nil {
				continue
			}
			s := fmt.Sprint(v)
			if tm, ok := v.(time.Time); ok {
				s = tm.UTC().Format("2006-01-02T15:04:05.000Z")
			}
			row[i] = &s
		}
		rows = append(rows, row)
	}
	return names, types, rows, res.Err()
}

// describe returns the names and DuckDB types of q's result columns
// without running it.
func describe(ctx context.Context, conn *sql.Conn, q string) (names, types []string, err error) {
	res, err := conn.QueryContext(ctx, "DESCRIBE "+q)
	if err != nil {
		return nil, nil, err
	}
	defer res.Close()
	cols, err := res.Columns()
	if err != nil {
		return nil, nil, err
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for res.Next() {
		if err := res.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		// DESCRIBE answers column_name, column_type, null, key, default, extra.
		names = append(names, vals[0].String)
		types = append(types, vals[1].String)
	}
	return names, types, res.Err()
}

// asText renders column col of DuckDB type typ as Databricks' JSON_ARRAY
// text.
func asText(col, typ string) string {
	switch {
	case strings.HasPrefix(typ, "TIMESTAMP WITH TIME ZONE"):
		return "strftime(timezone('UTC', " + col + "), '%Y-%m-%dT%H:%M:%S.%gZ')"
	case strings.HasPrefix(typ, "TIMESTAMP"):
		return "strftime(CAST(" + col + " AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%gZ')"
	case strings.HasPrefix(typ, "STRUCT"), strings.HasPrefix(typ, "MAP"), strings.HasSuffix(typ, "]"):
		return "CAST(to_json(" + col + ") AS VARCHAR)"
	}
	return "CAST(" + col + " AS VARCHAR)"
}

// Exec runs one DuckDB statement that returns no rows (e.g. an INSERT of
// late usage records) in the session time zone tz, as Query does. Its
// errors are DuckDB's, unwrapped, as Query's.
func (t *SystemTables) Exec(ctx context.Context, tz, stmt string) error {
	conn, err := t.session(ctx, tz)
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.ExecContext(ctx, stmt)
	return err
}

// Merge runs one MERGE INTO statement (without a RETURNING clause: it adds
// one) and counts the rows it inserted, updated and deleted, which
// Databricks reports and DuckDB's own count does not tell apart. It runs
// in the session time zone tz, as Query does; its errors are DuckDB's,
// unwrapped, as Query's.
func (t *SystemTables) Merge(ctx context.Context, tz, stmt string) (inserted, updated, deleted int64, err error) {
	conn, err := t.session(ctx, tz)
	if err != nil {
		return 0, 0, 0, err
	}
	defer conn.Close()
	// The newline ends a trailing line comment in stmt.
	rows, err := conn.QueryContext(ctx, stmt+"\nRETURNING merge_action")
	if err != nil {
		return 0, 0, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var action string
		if err := rows.Scan(&action); err != nil {
			return 0, 0, 0, err
		}
		switch action {
		case "INSERT":
			inserted++
		case "UPDATE":
			updated++
		case "DELETE":
			deleted++
		}
	}
	return inserted, updated, deleted, rows.Err()
}

// Close releases the tables.
func (t *SystemTables) Close() error { return t.e.Close() }
