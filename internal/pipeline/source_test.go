package pipeline

import (
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/warehouse"
)

// Each source answers what used to be switches on its name: its name,
// default as-of, whether it reaches the live account, and its window.
func TestSources(t *testing.T) {
	now := time.Date(2026, 12, 5, 8, 41, 0, 0, time.UTC)
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	instant := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	from := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC) // the demo's 13 whole months before November 2026
	tests := []struct {
		source      Source
		kind        string
		defaultAsOf time.Time
		live        bool
		window      map[time.Time]Window
	}{
		{DemoSource{}, "demo", time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC), false, map[time.Time]Window{
			day:     {From: from, Through: day.AddDate(0, 0, 1)},
			instant: {From: from, Through: instant},
		}},
		{FilesSource{Usage: []string{"u.csv"}, ListPrices: []string{"p.csv"}}, "files", time.Time{}, false, map[time.Time]Window{
			{}:      {},
			day:     {Through: day.AddDate(0, 0, 1)},
			instant: {Through: instant},
		}},
		{DatabricksSource{Config: warehouse.Config{WarehouseID: "wh1"}}, "databricks", time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC), true, map[time.Time]Window{
			day:     {From: from, Through: day.AddDate(0, 0, 1)},
			instant: {From: from, Through: instant},
		}},
		{DatabricksSource{Config: warehouse.Config{Offline: true}}, "databricks", time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC), false, map[time.Time]Window{
			day: {From: from, Through: day.AddDate(0, 0, 1)},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.kind, func(t *testing.T) {
			s := tc.source
			if s.Kind() != tc.kind {
				t.Errorf("kind %q, want %q", s.Kind(), tc.kind)
			}
			if got := s.DefaultAsOf(now); !got.Equal(tc.defaultAsOf) {
				t.Errorf("default as-of %s, want %s", got, tc.defaultAsOf)
			}
			if s.Live() != tc.live {
				t.Errorf("live %v, want %v", s.Live(), tc.live)
			}
			for asOf, want := range tc.window {
				if got := s.Window(asOf); !got.From.Equal(want.From) || !got.Through.Equal(want.Through) {
					t.Errorf("window as of %s: %s to %s, want %s to %s", asOf, got.From, got.Through, want.From, want.Through)
				}
			}
		})
	}
}
