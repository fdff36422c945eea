package duckdb

import (
	"context"
	"time"

	"github.com/novadynamics/stellar-budget/internal/attribution"
	"github.com/novadynamics/stellar-budget/internal/demo"
)

// DemoSource is the built-in demo account, attributed on an embedded
// engine.
type DemoSource struct {
	Options Options
	Config  demo.Config
	// DetailFrom is the first day of the detail grain (zero: derived from
	// the data, budget.DetailStart of its last day).
	DetailFrom time.Time
	// StateDir keeps the account's attribution for the next build of the
	// same hour (filecache.go); empty keeps nothing. Full generates it
	// again and replaces what is kept.
	StateDir string
	Full     bool
}

// Attribute implements attribution.Source.
func (s DemoSource) Attribute(ctx context.Context, tagValues []string) (Result, error) {
	e, err := Open(s.Options)
	if err != nil {
		return Result{}, err
	}
	defer e.Close()
	if s.StateDir != "" {
		return s.attributeCached(ctx, e, tagValues)
	}
	return e.AttributeDemo(ctx, s.Config, tagValues, s.DetailFrom)
}

// FilesSource is exports of the two system tables: files, directories or
// globs of CSV, JSON Lines or Parquet.
type FilesSource struct {
	Options    Options
	Usage      []string
	ListPrices []string
	// Through leaves out usage that ends after it (zero: none).
	Through time.Time
	// DetailFrom is the first day of the detail grain (zero: derived from
	// the data, budget.DetailStart of its last day).
	DetailFrom time.Time
	// StateDir keeps each usage file's attribution (filecache.go) so that
	// an unchanged file is not read again; empty keeps nothing. Full reads
	// every file and replaces what is kept.
	StateDir string
	Full     bool
}

// Attribute implements attribution.Source.
func (s FilesSource) Attribute(ctx context.Context, tagValues []string) (Result, error) {
	e, err := Open(s.Options)
	if err != nil {
		return Result{}, err
	}
	defer e.Close()
	if s.StateDir != "" {
		return s.attributeCached(ctx, e, tagValues)
	}
	return e.Attribute(ctx, Input{Usage: s.Usage, ListPrices: s.ListPrices, TagValues: tagValues, Through: s.Through, DetailFrom: s.DetailFrom})
}

var (
	_ attribution.Source = DemoSource{}
	_ attribution.Source = FilesSource{}
)
