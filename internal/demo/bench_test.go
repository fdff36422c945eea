package demo

import (
	"fmt"
	"io"
	"testing"

	"github.com/novadynamics/stellar-budget/internal/billing"
)

// BenchmarkUsage measures raw generation (a no-op emit) and generation
// written as CSV to io.Discard, in records per second.
func BenchmarkUsage(b *testing.B) {
	for _, rows := range []int64{0, 1_000_000} {
		cfg := Config{Division: testDivision(), Through: through, Rows: rows}
		name := fmt.Sprintf("rows=%d", rows)
		if rows == 0 {
			name = "rows=natural"
		}
		b.Run(name+"/noop", func(b *testing.B) {
			b.ReportAllocs()
			var n int64
			for b.Loop() {
				if err := Usage(cfg, func(billing.UsageRecord) error { n++; return nil }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
		})
		b.Run(name+"/csv", func(b *testing.B) {
			b.ReportAllocs()
			var n int64
			for b.Loop() {
				w, err := billing.NewUsageWriter(io.Discard, billing.CSV)
				if err != nil {
					b.Fatal(err)
				}
				if err := Usage(cfg, func(r billing.UsageRecord) error { n++; return w.Write(r) }); err != nil {
					b.Fatal(err)
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
