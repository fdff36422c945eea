package pipeline

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/novadynamics/stellar-budget/internal/attribution"
	"github.com/novadynamics/stellar-budget/internal/billing"
	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/demo"
	"github.com/novadynamics/stellar-budget/internal/duckdb"
	"github.com/novadynamics/stellar-budget/internal/warehouse"
)

// Kinds of usage source: what --source names, and what the site and the
// snapshot say the data came from.
const (
	SourceDemo       = "demo"
	SourceFiles      = "files"
	SourceDatabricks = "databricks"
)

// A Source is where a build's usage comes from: DemoSource, FilesSource
// or DatabricksSource. The CLI builds one from its flags; the pipeline asks
// it what differs between sources instead of comparing their names.
type Source interface {
	// Kind is the source's name: SourceDemo, SourceFiles or SourceDatabricks.
	Kind() string
	// DefaultAsOf is the as-of of a build at now that names none: now's
	// last full hour for a source that runs up to now, zero for one that
	// ends where its data ends (the build is then as of the last usage).
	DefaultAsOf(now time.Time) time.Time
	// Live says whether the build reaches the live account: its SQL
	// warehouse, workspace and account.
	Live() bool
	// Window is the usage a build as of asOf reads.
	Window(asOf time.Time) Window
	// reader is what reads and attributes the usage of a build as of asOf,
	// or why the source has none to read.
	reader(div budget.Division, asOf time.Time, env readEnv) (attribution.Source, error)
}

// Window is the usage a build reads: the usage days from From (zero: the
// data's first) and the usage that ends by the instant Through (zero: all
// of it).
type Window struct {
	From, Through time.Time
}

// readEnv is what a source's reader takes from the build beside the as-of.
type readEnv struct {
	engine   duckdb.Options
	stateDir string
	full     bool
	now      time.Time
	log      *slog.Logger
}

// DemoSource is the built-in demo account, generated up to the as-of.
type DemoSource struct{}

// FilesSource reads exports of system.billing.usage and list_prices.
type FilesSource struct {
	Usage      []string // usage exports: files, directories, globs
	ListPrices []string // list price exports
}

// DatabricksSource is the live account's SQL warehouse, read through the
// cache in the state directory (or from the cache alone, Config.Offline).
type DatabricksSource struct {
	Config warehouse.Config
}

var (
	_ Source = DemoSource{}
	_ Source = FilesSource{}
	_ Source = DatabricksSource{}
)

func (DemoSource) Kind() string                        { return SourceDemo }
func (DemoSource) DefaultAsOf(now time.Time) time.Time { return Today(now) }
func (DemoSource) Live() bool                          { return false }

// Window is the months the demo account is generated for.
func (DemoSource) Window(asOf time.Time) Window {
	return Window{From: WindowStart(asOf), Through: Through(asOf)}
}

// reader refuses an as-of after the build's clock: the demo account is
// generated up to now, so a later day would show as spending nothing.
func (s DemoSource) reader(div budget.Division, asOf time.Time, env readEnv) (attribution.Source, error) {
	w := s.Window(asOf)
	if w.Through.After(env.now) {
		return nil, fmt.Errorf("--as-of %s is after the build time %s: the demo account has no usage after it",
			asOfText(asOf), env.now.UTC().Format("2006-01-02 15:04 UTC"))
	}
	return duckdb.DemoSource{Options: env.engine, Config: demo.Config{Division: div, Through: w.Through}, DetailFrom: detailFrom(asOf),
		StateDir: env.stateDir, Full: env.full}, nil
}

func (FilesSource) Kind() string                    { return SourceFiles }
func (FilesSource) DefaultAsOf(time.Time) time.Time { return time.Time{} }
func (FilesSource) Live() bool                      { return false }

// Window is all of the exports, or what ends by the as-of when one is given.
func (FilesSource) Window(asOf time.Time) Window {
	if asOf.IsZero() {
		return Window{}
	}
	return Window{Through: Through(asOf)}
}

func (s FilesSource) reader(_ budget.Division, asOf time.Time, env readEnv) (attribution.Source, error) {
	return duckdb.FilesSource{Options: env.engine, Usage: s.Usage, ListPrices: s.ListPrices, Through: s.Window(asOf).Through, DetailFrom: detailFrom(asOf),
		StateDir: env.stateDir, Full: env.full}, nil
}

func (DatabricksSource) Kind() string                        { return SourceDatabricks }
func (DatabricksSource) DefaultAsOf(now time.Time) time.Time { return Today(now) }

// Live is false offline: the build reads the cache and contacts nothing.
func (s DatabricksSource) Live() bool { return !s.Config.Offline }

// Window is the same months as the demo account's.
func (DatabricksSource) Window(asOf time.Time) Window {
	return Window{From: WindowStart(asOf), Through: Through(asOf)}
}

func (s DatabricksSource) reader(_ budget.Division, asOf time.Time, env readEnv) (attribution.Source, error) {
	w := s.Window(asOf)
	return warehouse.Source{Config: s.Config, StateDir: env.stateDir, From: w.From, To: billing.Date(asOf), Through: w.Through, DetailFrom: detailFrom(asOf), Full: env.full, Now: env.now, Log: env.log}, nil
}

// detailFrom is the first day of the detail grain of a build as of asOf;
// zero (no as-of: the data's last day) leaves it to the attribution SQL.
func detailFrom(asOf time.Time) time.Time {
	if asOf.IsZero() {
		return time.Time{}
	}
	return budget.DetailStart(billing.Date(asOf))
}

// WindowStart is the first usage day a live source reads for a report as
// of asOf: the same window as the demo account, the whole months before the
// as-of month that the history and year-over-year views need.
func WindowStart(asOf time.Time) time.Time {
	return time.Date(asOf.Year(), asOf.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -demo.Months(), 0)
}
