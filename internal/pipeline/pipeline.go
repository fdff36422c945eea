// Package pipeline wires the stages of a build: content, usage source,
// attribution, report, render and publish. Each stage lives in its own
// package; this one only decides their order and what happens on failure
// (nothing is published unless every stage succeeded). Beside the usage,
// a build reads what it shows but does not own: the alert ledger, the
// setup audit log, the workspace's governance and the agent trail; those
// never fail a build: a part that cannot be read, or a chain that does not
// verify, is logged and shown on its page.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/novadynamics/stellar-budget/internal/billing"
	"github.com/novadynamics/stellar-budget/internal/browser"
	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/content"
	"github.com/novadynamics/stellar-budget/internal/demo"
	"github.com/novadynamics/stellar-budget/internal/duckdb"
	"github.com/novadynamics/stellar-budget/internal/ledger"
	"github.com/novadynamics/stellar-budget/internal/notify"
	"github.com/novadynamics/stellar-budget/internal/report"
	"github.com/novadynamics/stellar-budget/internal/site"
	"github.com/novadynamics/stellar-budget/internal/trail"
)

// BuildOptions are the settings of one build, filled by the CLI.
type BuildOptions struct {
	// Source is where the usage comes from, built by the CLI from its
	// flags; its window and default as-of are the build's.
	Source     Source
	ContentDir string
	Templates  fs.FS
	OutDir     string
	// AsOf is how far the build reads the data (see ParseAsOf): a UTC
	// midnight date is the whole of that day, another instant the data up
	// to it. Zero is the source's default (Source.DefaultAsOf).
	AsOf time.Time
	Now  time.Time // the build's clock
	// PDF also prints the leadership report to report/report.pdf with
	// headless Chromium (Chromium names its binary; empty finds one).
	PDF      bool
	Chromium string
	Engine   duckdb.Options
	Log      *slog.Logger
	// AccountProfile names the SDK profile of the account whose budgets
	// and policies the compliance page compares with content/; empty is
	// the unified environment.
	AccountProfile string

	// StateDir holds what lasts between builds: the alert ledger and the
	// files and databricks sources' caches.
	StateDir string
	// Full reads all the usage again instead of what the source's cache
	// in StateDir holds, and replaces the cache.
	Full bool
	// Notify delivers the new alerts of the as-of month through Delivery
	// (whose Recipients and Slugs the build fills from content/); without
	// it the ledger is only read, to show what was or would be sent.
	Notify        bool
	Delivery      notify.Config
	ResendInDoubt bool
	// RetentionMonths is how long the ledger keeps an alert; 0 is the
	// ledger's default (24).
	RetentionMonths int
	// Clock gives delivery its timestamps; nil is time.Now.
	Clock func() time.Time

	// Trail is the agent trail the agent page shows, verified at build
	// time: the file in the state directory, or the Delta table. Nil when
	// none is kept; TrailNote then says why (empty: a default note).
	Trail     trail.Store
	TrailNote string
}

// Summary tells the user what a build produced.
type Summary struct {
	OutDir     string
	AsOf       time.Time
	Rows       int64
	Facts      int
	Categories int
}

// validate checks the options before any work starts.
func (o BuildOptions) validate() error {
	if err := o.validateSource(); err != nil {
		return err
	}
	return site.CheckOutput(o.OutDir)
}

// validateSource checks that the CLI chose a source: the flags that
// configure it are checked where they are read.
func (o BuildOptions) validateSource() error {
	if o.Source == nil {
		return errors.New("no usage source")
	}
	return nil
}

// Build runs every stage and publishes the site only if all succeed.
func Build(ctx context.Context, opts BuildOptions) (Summary, error) {
	if err := opts.validate(); err != nil {
		return Summary{}, err
	}
	chromium := ""
	if opts.PDF {
		// Before any work: a missing browser should not cost a whole build.
		var err error
		if chromium, err = browser.Find(opts.Chromium); err != nil {
			return Summary{}, fmt.Errorf("--pdf: %w", err)
		}
	}
	log := opts.Log
	if log == nil {
		log = slog.Default()
	}
	rep, data, err := buildReport(ctx, opts, log)
	if err != nil {
		return Summary{}, err
	}
	deliver(ctx, rep, opts, log)
	gov := readGovernance(ctx, rep, opts, log)
	agentTrail(ctx, rep, data.Facts, opts, log)
	staging, err := site.Stage(opts.OutDir)
	if err != nil {
		return Summary{}, err
	}
	if err := site.Render(rep, site.Options{Templates: opts.Templates, Dir: staging, Now: opts.Now, PDF: opts.PDF, Governance: gov}); err != nil {
		os.RemoveAll(staging)
		return Summary{}, err
	}
	if opts.PDF {
		abs, err := filepath.Abs(filepath.Join(staging, "report", "index.html"))
		if err != nil {
			os.RemoveAll(staging)
			return Summary{}, fmt.Errorf("print report.pdf: %w", err)
		}
		page := "file://" + filepath.ToSlash(abs)
		pdf := filepath.Join(staging, "report", "report.pdf")
		log.Info("printing the leadership report", "chromium", chromium)
		if err := browser.PrintPDF(ctx, chromium, page, pdf); err != nil {
			os.RemoveAll(staging)
			return Summary{}, fmt.Errorf("print report.pdf: %w", err)
		}
	}
	if err := site.Publish(staging, opts.OutDir); err != nil {
		os.RemoveAll(staging)
		return Summary{}, err
	}
	log.Info("published site", "dir", opts.OutDir)
	return Summary{OutDir: opts.OutDir, AsOf: rep.AsOf, Rows: data.Rows, Facts: len(data.Facts.Months) + len(data.Facts.Days) + len(data.Facts.Detail), Categories: len(rep.Categories)}, nil
}

// deliver sends the report's new alerts with --notify, or reads their
// statuses from the ledger without it, and puts the statuses in the
// report. Delivery problems are logged, never fatal: the site is built
// and published either way, and the next build retries.
func deliver(ctx context.Context, rep *report.Report, opts BuildOptions, log *slog.Logger) {
	alerts := rep.Tables.Alerts
	if opts.StateDir == "" {
		if opts.Notify {
			log.Error("--notify needs a state directory (--state) for its ledger: no alert was delivered")
		}
		return // no ledger: every alert stays not-sent
	}
	if !opts.Notify {
		withStatus, err := ledger.Statuses(opts.StateDir, alerts)
		if err != nil {
			log.Warn("read the alert ledger", "dir", opts.StateDir, "err", err)
		}
		rep.SetAlerts(withStatus)
		return
	}
	cfg := opts.Delivery
	cfg.Recipients, cfg.Slugs = rep.Recipients, rep.Slugs()
	cfg.AsOf, cfg.Current = rep.AsOf, currentFigures(rep)
	clock := opts.Clock
	if clock == nil {
		clock = time.Now
	}
	ints, err := notify.Integrations(cfg, clock)
	if err == nil {
		var sent []budget.Alert
		var summary notify.Report
		sent, summary, err = notify.Deliver(ctx, ints, alerts, rep.AsOf, notify.Options{StateDir: opts.StateDir, ResendInDoubt: opts.ResendInDoubt, Now: clock, RetentionMonths: opts.RetentionMonths})
		if err == nil {
			log.Info("delivered alerts", "summary", summary.String())
			for _, p := range summary.Problems {
				log.Warn("alert delivery", "err", p)
			}
			rep.SetAlerts(sent)
			return
		}
	}
	log.Error("--notify: no alert was delivered", "err", err)
	if withStatus, err := ledger.Statuses(opts.StateDir, alerts); err == nil {
		rep.SetAlerts(withStatus)
	}
}

// currentFigures are each category's figures of the as-of month, which
// alert messages set beside the figure an alert fired at.
func currentFigures(rep *report.Report) map[string]notify.Current {
	out := make(map[string]notify.Current, len(rep.Categories))
	for _, c := range rep.Categories {
		out[c.TagValue] = notify.Current{
			Month: rep.Month, MonthToDate: c.MonthToDate, Budget: c.Budget,
			Utilization: c.Utilization.Value, Forecast: c.Forecast.Value,
			ProjectedUtilization: c.ProjectedUtilization.Value, Status: c.StatusLabel(),
		}
	}
	return out
}

// Report runs the stages up to the report, without rendering or
// publishing anything: what `generator backtest` reads.
func Report(ctx context.Context, opts BuildOptions) (*report.Report, error) {
	if err := opts.validateSource(); err != nil {
		return nil, err
	}
	log := opts.Log
	if log == nil {
		log = slog.Default()
	}
	rep, _, err := buildReport(ctx, opts, log)
	return rep, err
}

// buildReport loads the content, reads the usage and computes the report.
func buildReport(ctx context.Context, opts BuildOptions, log *slog.Logger) (*report.Report, budget.Dataset, error) {
	div, err := content.Load(opts.ContentDir)
	if err != nil {
		return nil, budget.Dataset{}, err
	}
	log.Info("loaded content", "dir", opts.ContentDir, "categories", len(div.Categories))
	data, asOf, err := readUsage(ctx, div, opts, log)
	if err != nil {
		return nil, budget.Dataset{}, err
	}
	memo := loadMemo(opts, log)
	rep, err := report.BuildMemo(div, data, billing.Date(asOf), memo) // its errors say "build report"
	if err != nil {
		return nil, budget.Dataset{}, err
	}
	saveMemo(opts, memo, log)
	for _, t := range rep.TagTypos {
		log.Warn(filepath.Join(opts.ContentDir, "categories", t.Slug+".md") + ": " + t.String())
	}
	return rep, data, nil
}

// readUsage gets attributed usage from the chosen source, and the as-of
// the report is for (a date, or an instant within its last day).
func readUsage(ctx context.Context, div budget.Division, opts BuildOptions, log *slog.Logger) (budget.Dataset, time.Time, error) {
	asOf, given := opts.AsOf, !opts.AsOf.IsZero()
	if !given {
		asOf = opts.Source.DefaultAsOf(opts.Now)
	}
	engine := opts.Engine
	if engine.Log == nil {
		engine.Log = log
	}
	reader, err := opts.Source.reader(div, asOf, readEnv{engine: engine, stateDir: opts.StateDir, full: opts.Full, now: opts.Now, log: log})
	if err != nil {
		return budget.Dataset{}, time.Time{}, err
	}
	res, err := reader.Attribute(ctx, div.TagValues())
	if errors.Is(err, duckdb.ErrBeforeData) {
		return budget.Dataset{}, time.Time{}, fmt.Errorf("--as-of %s: %w", asOfText(asOf), err)
	}
	if err != nil {
		return budget.Dataset{}, time.Time{}, err
	}
	data := budget.Dataset{Facts: res.Facts, Hourly: res.Hourly, Source: opts.Source.Kind(), Inputs: res.Inputs, ReadAt: opts.Now, Rows: res.Rows, LastUsage: res.LastUsage}
	for _, f := range data.Facts.Days {
		if data.FirstDate.IsZero() || f.Date.Before(data.FirstDate) {
			data.FirstDate = f.Date
		}
		if f.Date.After(data.LastDate) {
			data.LastDate = f.Date
		}
	}
	if !given {
		data.FreshAt = opts.Now // an old export built today is behind
	}
	switch {
	case given && len(data.Facts.Days) == 0:
		return budget.Dataset{}, time.Time{}, fmt.Errorf("--as-of %s: no usage up to it in the %s source", asOfText(asOf), opts.Source.Kind())
	case given && billing.Date(asOf).Before(data.FirstDate):
		return budget.Dataset{}, time.Time{}, fmt.Errorf("--as-of %s is before the data, which runs from %s to %s",
			asOfText(asOf), data.FirstDate.Format(time.DateOnly), data.LastDate.Format(time.DateOnly))
	case asOf.IsZero():
		asOf = data.LastDate
		if !data.LastUsage.IsZero() {
			asOf = AsOfAt(data.LastUsage)
		}
	}
	return data, asOf, nil
}

// DemoOptions say what demo account to write and where.
type DemoOptions struct {
	Division budget.Division
	AsOf     time.Time
	Rows     int64 // 0: the natural size
	Dir      string
	Format   billing.Format
	Log      *slog.Logger
}

// WriteDemo writes the demo account as usage.<ext> and list_prices.<ext> in
// opts.Dir and returns their paths. Parquet is written as CSV first and
// converted by DuckDB, so its columns get the system tables' types.
func WriteDemo(ctx context.Context, engine *duckdb.Engine, opts DemoOptions) (usagePath, pricesPath string, err error) {
	cfg := demo.Config{Division: opts.Division, Through: Through(opts.AsOf), Rows: opts.Rows}
	text := opts.Format
	if text == billing.Parquet {
		text = billing.CSV
	}
	usagePath = filepath.Join(opts.Dir, "usage."+string(text))
	pricesPath = filepath.Join(opts.Dir, "list_prices."+string(text))
	if err := writeFile(pricesPath, func(f *os.File) error {
		return billing.WriteListPrices(f, text, demo.ListPrices(cfg))
	}); err != nil {
		return "", "", err
	}
	var written int64
	if err := writeFile(usagePath, func(f *os.File) error {
		w, err := billing.NewUsageWriter(f, text)
		if err != nil {
			return err
		}
		err = demo.Usage(cfg, func(r billing.UsageRecord) error {
			written++
			if opts.Rows > 0 && written%(max(opts.Rows/10, 1)) == 0 {
				opts.Log.Info("writing demo usage", "records", written, "of", opts.Rows)
			}
			return w.Write(r)
		})
		if err != nil {
			return err
		}
		return w.Close()
	}); err != nil {
		return "", "", err
	}
	opts.Log.Info("wrote demo account", "records", written, "file", usagePath)
	if opts.Format != billing.Parquet {
		return usagePath, pricesPath, nil
	}
	if usagePath, err = toParquet(ctx, engine, duckdb.UsageTable, usagePath); err != nil {
		return "", "", err
	}
	if pricesPath, err = toParquet(ctx, engine, duckdb.ListPricesTable, pricesPath); err != nil {
		return "", "", err
	}
	return usagePath, pricesPath, nil
}

// toParquet replaces a CSV export with its Parquet form.
func toParquet(ctx context.Context, engine *duckdb.Engine, t duckdb.Table, csvPath string) (string, error) {
	dst := strings.TrimSuffix(csvPath, ".csv") + ".parquet"
	if err := engine.ConvertToParquet(ctx, t, csvPath, dst); err != nil {
		return "", err
	}
	if err := os.Remove(csvPath); err != nil {
		return "", fmt.Errorf("remove %s: %w", csvPath, err)
	}
	return dst, nil
}

// writeFile writes a file through fill and reports close errors, which is
// where a full disk shows up.
func writeFile(path string, fill func(*os.File) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := fill(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
