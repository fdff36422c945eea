// Package duckdb is the embedded DuckDB engine: it runs the attribution
// contract (internal/attribution) over exports of the system tables and
// over the built-in demo account, writes Parquet, and serves SQL over the
// demo account's system tables for the emulator. It is the only package
// that links DuckDB, so the rest of the project builds and tests fast.
package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver

	"github.com/novadynamics/stellar-budget/internal/attribution"
	"github.com/novadynamics/stellar-budget/internal/budget"
)

// Options tune the embedded engine.
type Options struct {
	// MemoryLimit caps DuckDB's memory (e.g. "1GB"); above it, work spills
	// to TempDir. Empty means DuckDB's default (80 % of RAM).
	MemoryLimit string
	// TempDir is where DuckDB spills; empty means its default.
	TempDir string
	// Log receives progress; nil means slog.Default().
	Log *slog.Logger
}

// Engine is an embedded, in-memory DuckDB database.
type Engine struct {
	db   *sql.DB
	opts Options
	log  *slog.Logger
}

// Open starts an engine.
func Open(opts Options) (*Engine, error) {
	log := opts.Log
	if log == nil {
		log = slog.Default()
	}
	e := &Engine{opts: opts, log: log}
	if err := e.open(); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *Engine) open() error {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return fmt.Errorf("open duckdb: %w", err)
	}
	// One connection: settings and temp tables live on it.
	db.SetMaxOpenConns(1)
	settings := []string{"SET TimeZone = 'UTC'"}
	if e.opts.MemoryLimit != "" {
		settings = append(settings, "SET memory_limit = "+sqlString(e.opts.MemoryLimit))
	}
	if e.opts.TempDir != "" {
		settings = append(settings, "SET temp_directory = "+sqlString(e.opts.TempDir))
	}
	for _, s := range settings {
		if _, err := db.Exec(s); err != nil {
			db.Close()
			return fmt.Errorf("configure duckdb (%s): %w", s, err)
		}
	}
	e.db = db
	return nil
}

// reopenIfInvalidated replaces a database that DuckDB invalidated: some malformed
// inputs trip an internal DuckDB error, after which every query fails.
func (e *Engine) reopenIfInvalidated(err error) {
	msg := err.Error()
	if !strings.Contains(msg, "INTERNAL Error") && !strings.Contains(msg, "FATAL Error") {
		return
	}
	e.db.Close()
	if oerr := e.open(); oerr != nil {
		e.log.Error("reopen duckdb after an internal error", "err", oerr)
	}
}

// Close releases the engine.
func (e *Engine) Close() error { return e.db.Close() }

// Input names the exports to read and the categories to attribute to.
type Input struct {
	Usage      []string // files, directories or globs of system.billing.usage
	ListPrices []string // files, directories or globs of system.billing.list_prices
	TagValues  []string // configured categories' tag values
	// Through leaves out usage whose usage_end_time is after it (an as-of
	// before the end of the export); zero reads everything.
	Through time.Time
	// DetailFrom is the first day of the detail grain (budget.Facts);
	// zero derives it from the latest usage day (budget.DetailStart).
	DetailFrom time.Time
}

// Result is what attribution produced.
type Result = attribution.Result

// Attribute reads the exports and returns the attributed facts. Bad input
// stops it with an error that names the file, the line and the field; it
// never returns facts from half-read data.
func (e *Engine) Attribute(ctx context.Context, in Input) (Result, error) {
	return e.attribute(ctx, in, nil)
}

// attribute is Attribute, handing each result row also to keep when it is
// not nil; then no usage at all is no error.
func (e *Engine) attribute(ctx context.Context, in Input, keep func([]*string)) (Result, error) {
	usageFiles, err := expand("usage", in.Usage)
	if err != nil {
		return Result{}, err
	}
	priceFiles, err := expand("list prices", in.ListPrices)
	if err != nil {
		return Result{}, err
	}
	var res Result
	var usageBytes int64
	for _, f := range usageFiles {
		res.Inputs = append(res.Inputs, f.path)
		usageBytes += f.size
	}
	for _, f := range priceFiles {
		res.Inputs = append(res.Inputs, f.path)
	}

	if err := e.loadPrices(ctx, priceFiles); err != nil {
		return Result{}, err
	}
	usageRels, err := relations(ctx, e.db, usageTable, usageFiles)
	if err != nil {
		return Result{}, err
	}
	usage := canonical(usageTable, usageRels)
	if !in.Through.IsZero() {
		usage = "SELECT * FROM (" + usage + ") WHERE usage_end_time <= " + timestampLiteral(in.Through)
	}
	detailFrom, err := e.detailStart(ctx, usage, in.DetailFrom)
	if err != nil {
		e.reopenIfInvalidated(err)
		if derr := diagnose(ctx, usageTable, usageRels); derr != nil {
			return Result{}, derr
		}
		return Result{}, fmt.Errorf("usage %s: %w", paths(usageFiles), readError(err))
	}
	query, err := attribution.Query(usage, "SELECT * FROM loaded_list_prices", in.TagValues, detailFrom)
	if err != nil {
		return Result{}, err
	}
	e.log.Info("attributing usage", "files", len(usageFiles), "bytes", usageBytes)
	start := time.Now()
	read, err := e.run(ctx, query, keep)
	if err != nil {
		e.reopenIfInvalidated(err)
		if derr := diagnose(ctx, usageTable, usageRels); derr != nil {
			return Result{}, derr
		}
		return Result{}, fmt.Errorf("usage %s: %w", paths(usageFiles), readError(err))
	}
	switch {
	case read.Rows > 0 || keep != nil:
		// With keep, one file of several, perhaps cut before its first
		// record: the caller judges what all of them hold.
	case !in.Through.IsZero():
		return Result{}, e.beforeData(ctx, in, usageRels)
	default:
		return Result{}, fmt.Errorf("usage %s: no usage records", strings.Join(in.Usage, ", "))
	}
	read.Inputs = res.Inputs
	res = read
	e.log.Info("attributed usage", "records", res.Rows, "month_facts", len(res.Facts.Months), "day_facts", len(res.Facts.Days), "detail_facts", len(res.Facts.Detail), "took", time.Since(start).Round(time.Millisecond))
	return res, nil
}

// detailStart is from, or when it is zero (a build that names no as-of:
// it is the data's last day) budget.DetailStart of the last usage_date.
// Asked apart from the attribution query: as a subquery of it, the usage
// was read twice, doubling the query's time; alone, it reads one column
// (of Parquet, its statistics).
func (e *Engine) detailStart(ctx context.Context, usage string, from time.Time) (time.Time, error) {
	if !from.IsZero() {
		return from, nil
	}
	var last sql.NullTime
	if err := e.db.QueryRowContext(ctx, "SELECT max(usage_date) FROM ("+usage+")").Scan(&last); err != nil {
		return time.Time{}, err
	}
	if !last.Valid {
		return time.Unix(0, 0).UTC(), nil // no usage: the query returns no rows either way
	}
	return budget.DetailStart(last.Time.UTC()), nil
}

// ErrBeforeData is the error of an as-of before the first usage record.
var ErrBeforeData = errors.New("as-of before the data")

// beforeData says why a cut at in.Through left no usage: it names the
// days the export covers.
func (e *Engine) beforeData(ctx context.Context, in Input, rels []relation) error {
	var first, last sql.NullString
	err := e.db.QueryRowContext(ctx, "SELECT CAST(min(usage_date) AS VARCHAR), CAST(max(usage_date) AS VARCHAR) FROM ("+canonical(usageTable, rels)+")").Scan(&first, &last)
	if err != nil {
		return fmt.Errorf("usage %s: %w", strings.Join(in.Usage, ", "), readError(err))
	}
	if !first.Valid {
		return fmt.Errorf("usage %s: no usage records", strings.Join(in.Usage, ", "))
	}
	return fmt.Errorf("%w: usage %s runs from %s to %s, and nothing in it ends by %s",
		ErrBeforeData, strings.Join(in.Usage, ", "), first.String, last.String, in.Through.UTC().Format("2006-01-02 15:04 UTC"))
}

// timestampLiteral is t as a UTC TIMESTAMP literal.
func timestampLiteral(t time.Time) string {
	return "TIMESTAMP '" + t.UTC().Format("2006-01-02 15:04:05.999999") + "'"
}

// paths names the files an error could come from when DuckDB does not say.
func paths(files []inputFile) string {
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.path
	}
	return strings.Join(names, ", ")
}

// loadPrices reads the price list into a temporary table and checks it.
func (e *Engine) loadPrices(ctx context.Context, files []inputFile) error {
	rels, err := relations(ctx, e.db, priceTable, files)
	if err != nil {
		return err
	}
	if _, err := e.db.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE loaded_list_prices AS "+canonical(priceTable, rels)); err != nil {
		e.reopenIfInvalidated(err)
		if derr := diagnose(ctx, priceTable, rels); derr != nil {
			return derr
		}
		return fmt.Errorf("list prices %s: %w", paths(files), readError(err))
	}
	return e.checkPrices(ctx)
}

// checkPrices rejects price lists that would charge a usage row twice or in
// a currency the reports do not show.
func (e *Engine) checkPrices(ctx context.Context) error {
	var n int64
	if err := e.db.QueryRowContext(ctx, "SELECT count(*) FROM loaded_list_prices").Scan(&n); err != nil {
		return fmt.Errorf("check list prices: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("list prices: no price rows")
	}
	var sku, cloud, unit, startA, startB string
	err := e.db.QueryRowContext(ctx, `
SELECT a.sku_name, a.cloud, a.usage_unit, CAST(a.price_start_time AS VARCHAR), CAST(b.price_start_time AS VARCHAR)
FROM loaded_list_prices a
JOIN loaded_list_prices b
  ON a.sku_name = b.sku_name AND a.cloud = b.cloud AND a.usage_unit = b.usage_unit
 AND a.rowid < b.rowid
 AND a.price_start_time < coalesce(b.price_end_time, 'infinity'::TIMESTAMP)
 AND b.price_start_time < coalesce(a.price_end_time, 'infinity'::TIMESTAMP)
LIMIT 1`).Scan(&sku, &cloud, &unit, &startA, &startB)
	if err == nil {
		return fmt.Errorf("list prices: %s %s %s has overlapping price rows starting %s and %s; usage would be charged twice", sku, cloud, unit, startA, startB)
	}
	if err != sql.ErrNoRows {
		return fmt.Errorf("check list prices: %w", err)
	}
	var currency string
	err = e.db.QueryRowContext(ctx, `SELECT sku_name, currency_code FROM loaded_list_prices WHERE currency_code <> 'USD' LIMIT 1`).Scan(&sku, &currency)
	if err == nil {
		return fmt.Errorf("list prices: %s is priced in %s; only USD is supported", sku, currency)
	}
	if err != sql.ErrNoRows {
		return fmt.Errorf("check list prices: %w", err)
	}
	var end string
	err = e.db.QueryRowContext(ctx, `SELECT sku_name, CAST(price_start_time AS VARCHAR), CAST(price_end_time AS VARCHAR) FROM loaded_list_prices WHERE price_end_time <= price_start_time LIMIT 1`).Scan(&sku, &startA, &end)
	if err == nil {
		return fmt.Errorf("list prices: %s has price_end_time %s not after price_start_time %s", sku, end, startA)
	}
	if err != sql.ErrNoRows {
		return fmt.Errorf("check list prices: %w", err)
	}
	return nil
}

// run runs the attribution query and hands its rows, as text, to a
// Collector, and to keep when it is not nil.
func (e *Engine) run(ctx context.Context, query string, keep func([]*string)) (Result, error) {
	names := make([]string, len(attribution.ResultColumns))
	for i, c := range attribution.ResultColumns {
		names[i] = "CAST(" + sqlIdent(c.Name) + " AS VARCHAR)"
	}
	rows, err := e.db.QueryContext(ctx, "SELECT "+strings.Join(names, ", ")+" FROM ("+query+")")
	if err != nil {
		return Result{}, err
	}
	defer rows.Close()
	var c attribution.Collector
	row := make([]*string, len(names))
	dest := make([]any, len(names))
	for i := range dest {
		dest[i] = &row[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return Result{}, err
		}
		if err := c.Add(row); err != nil {
			return Result{}, err
		}
		if keep != nil {
			keep(slices.Clone(row))
		}
	}
	if err := rows.Err(); err != nil {
		return Result{}, err
	}
	return c.Result(), nil
}
