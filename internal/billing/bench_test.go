package billing

import (
	"io"
	"testing"
)

// BenchmarkUsageWriter measures export writing alone, in records/s.
func BenchmarkUsageWriter(b *testing.B) {
	rec := sampleRecord()
	for _, format := range []Format{CSV, JSONL} {
		b.Run(string(format), func(b *testing.B) {
			b.ReportAllocs()
			w, err := NewUsageWriter(io.Discard, format)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if err := w.Write(rec); err != nil {
					b.Fatal(err)
				}
			}
			w.Close()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
