package duckdb

import (
	"context"

	"github.com/novadynamics/stellar-budget/internal/attribution"
	"github.com/novadynamics/stellar-budget/internal/demo"
)

// DemoSource is the built-in demo account, attributed on an embedded
// engine.
type DemoSource struct {
	Options Options
	Config  demo.Config
}

// Attribute implements attribution.Source.
func (s DemoSource) Attribute(ctx context.Context, tagValues []string) (Result, error) {
	e, err := Open(s.Options)
	if err != nil {
		return Result{}, err
	}
	defer e.Close()
	return e.AttributeDemo(ctx, s.Config, tagValues)
}

// FilesSource is exports of the two system tables: files, directories or
// globs of CSV, JSON Lines or Parquet.
type FilesSource struct {
	Options    Options
	Usage      []string
	ListPrices []string
}

// Attribute implements attribution.Source.
func (s FilesSource) Attribute(ctx context.Context, tagValues []string) (Result, error) {
	e, err := Open(s.Options)
	if err != nil {
		return Result{}, err
	}
	defer e.Close()
	return e.Attribute(ctx, Input{Usage: s.Usage, ListPrices: s.ListPrices, TagValues: tagValues})
}

var (
	_ attribution.Source = DemoSource{}
	_ attribution.Source = FilesSource{}
)
