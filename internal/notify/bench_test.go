package notify

import (
	"context"
	"slices"
	"testing"
	"time"
)

// BenchmarkAlertLatency measures alert latency: from the moment an alert
// is handed to Deliver until the loopback SMTP server (emersion/go-smtp)
// has accepted its message, through the whole pipeline (claim with fsync,
// go-mail, record). It reports the 50th and 99th percentiles over 200
// alerts:
//
//   - one-new-alert-per-build: 200 builds in a row, each given every alert
//     so far and one new one, as a build sees them (the ledger grows);
//   - 200-alerts-in-one-build: one build with 200 new alerts, each of its
//     own category (four SMTP connections at once, one message each),
//     latency per alert from the build's start.
func BenchmarkAlertLatency(b *testing.B) {
	const n = 200
	alerts := manyAlerts(n)

	b.Run("one-new-alert-per-build", func(b *testing.B) {
		var lat []time.Duration
		for b.Loop() {
			srv := startSMTP(b, TLSNone)
			accepted := make(chan received, 1)
			srv.onAccept = func(m received) { accepted <- m }
			ints := emailIntegrations(b, srv, TLSNone)
			opts := testOptions(b.TempDir())
			for i := range n {
				start := time.Now()
				_, rep, err := Deliver(context.Background(), ints, alerts[:i+1], asOf, opts)
				if err != nil || rep.Sent != 1 {
					b.Fatalf("build %d: %v, %v", i, rep, err)
				}
				m := <-accepted
				if len(m.Keys) != 1 || m.Keys[0] != alerts[i].Key() {
					b.Fatalf("build %d delivered %v", i, m.Keys)
				}
				lat = append(lat, m.At.Sub(start))
			}
		}
		reportPercentiles(b, lat)
	})

	b.Run("200-alerts-in-one-build", func(b *testing.B) {
		var lat []time.Duration
		for b.Loop() {
			srv := startSMTP(b, TLSNone)
			ints := emailIntegrations(b, srv, TLSNone)
			opts := testOptions(b.TempDir())
			start := time.Now()
			_, rep, err := Deliver(context.Background(), ints, alerts, asOf, opts)
			if err != nil || rep.Sent != n {
				b.Fatalf("%v, %v", rep, err)
			}
			for _, m := range srv.messages() {
				lat = append(lat, m.At.Sub(start))
			}
		}
		reportPercentiles(b, lat)
	})
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p int) float64 {
		i := (len(lat)*p+99)/100 - 1 // nearest rank
		return float64(lat[max(i, 0)]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(50), "p50-ms")
	b.ReportMetric(pct(99), "p99-ms")
	b.ReportMetric(float64(len(lat))/float64(b.N), "alerts/op")
}
