package duckdb

import (
	"os"
	"testing"
	"time"
)

// TestTimeLargeExport times the attribution of a large export named by
// STELLAR_TIME_USAGE and STELLAR_TIME_PRICES; skipped without them.
func TestTimeLargeExport(t *testing.T) {
	usage, prices := os.Getenv("STELLAR_TIME_USAGE"), os.Getenv("STELLAR_TIME_PRICES")
	if usage == "" || prices == "" {
		t.Skip("no large export named")
	}
	e, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for _, from := range []time.Time{{}, time.Date(2026, 9, 3, 0, 0, 0, 0, time.UTC)} {
		start := time.Now()
		res, err := e.Attribute(t.Context(), Input{Usage: []string{usage}, ListPrices: []string{prices},
			TagValues: []string{"DEEP_SPACE_TELEMETRY", "PROPULSION_ANALYTICS"}, DetailFrom: from})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("detail from %v: %d records, %d month %d day %d detail facts, %s", from, res.Rows,
			len(res.Facts.Months), len(res.Facts.Days), len(res.Facts.Detail), time.Since(start).Round(time.Millisecond))
	}
}
