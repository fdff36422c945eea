package notify

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/ledger"
)

var (
	sep  = month(2026, 9)
	oct  = month(2026, 10)
	nov  = month(2026, 11)
	asOf = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
)

func month(y int, m time.Month) time.Time { return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC) }

// clock is the build's fixed now.
func clock() time.Time { return time.Date(2026, 11, 20, 6, 30, 0, 0, time.UTC) }

func noSleep(context.Context, time.Duration) error { return nil }

const (
	exploratory = "EXPLORATORY_MISSIONS"
	navigation  = "NAVIGATION_SYSTEMS"
	baseURL     = "https://budget.novadynamics.test/"
	division    = "finops@novadynamics.test"
)

var owners = []string{"chloe.dubois@novadynamics.test", "samir.haddad@novadynamics.test"}

// threshold is an Exploratory Missions threshold alert of month m: pct %
// of its $10,000 budget reached on day pct/10+3 at $pct×100+50 (90 %: on
// the 12th at $9,050.00).
func threshold(m time.Time, pct int) budget.Alert {
	return budget.Alert{
		Category: exploratory, Title: "Exploratory Missions", Kind: budget.AlertThreshold,
		Month: m, Time: m.AddDate(0, 0, pct/10+2), Threshold: pct,
		Value: budget.MustDecimal(fmt.Sprint(pct*100 + 50)), Budget: budget.MustDecimal("10000"),
		Forecast: budget.MustDecimal("11200.5"),
		Reason:   "job 4411 (nightly-orbit-fit) doubled its runs",
		Owners:   owners,
	}
}

func forecastAlert(m time.Time) budget.Alert {
	return budget.Alert{
		Category: navigation, Title: "Navigation Systems", Kind: budget.AlertForecast,
		Month: m, Time: m.AddDate(0, 0, 9), Threshold: 100,
		Value: budget.MustDecimal("5400"), Budget: budget.MustDecimal("5000"),
		Forecast: budget.MustDecimal("5400"), Reason: "weekday spend up 18 % since the 3rd",
		Owners: []string{"ethan.brooks@novadynamics.test"},
	}
}

func anomalyAlert(day time.Time) budget.Alert {
	return budget.Alert{
		Category: exploratory, Title: "Exploratory Missions", Kind: budget.AlertAnomaly,
		Month: month(day.Year(), day.Month()), Time: day,
		Value: budget.MustDecimal("1830.25"), Expected: budget.MustDecimal("310"),
		Budget: budget.MustDecimal("10000"), Forecast: budget.MustDecimal("10950"),
		Reason: "cluster 0412-bx9 (i3.8xlarge, 40 workers) ran 19 h",
		Owners: owners,
	}
}

// novAlerts are four alerts of the as-of month.
func novAlerts() []budget.Alert {
	return []budget.Alert{
		threshold(nov, 50), threshold(nov, 90), forecastAlert(nov),
		anomalyAlert(time.Date(2026, 11, 14, 0, 0, 0, 0, time.UTC)),
	}
}

// exploratoryNow is Exploratory Missions as the build on the as-of date
// reads it; Navigation Systems has no current figures in messageConfig.
func exploratoryNow() Current {
	return Current{
		Month: nov, MonthToDate: budget.MustDecimal("9420.1"), Budget: budget.MustDecimal("10000"),
		Utilization: budget.MustDecimal("94.201"), Forecast: budget.MustDecimal("11873.35"),
		ProjectedUtilization: budget.MustDecimal("118.7335"), Status: "projected over",
	}
}

// messageConfig is a Config without notifiers: recipients, links, the
// as-of date and current figures.
func messageConfig() Config {
	return Config{
		Recipients: []string{division, "CHLOE.DUBOIS@novadynamics.test"},
		BaseURL:    baseURL,
		Slugs:      map[string]string{exploratory: "exploratory-missions", navigation: "navigation-systems"},
		AsOf:       asOf,
		Current:    map[string]Current{exploratory: exploratoryNow()},
	}
}

// emailIntegrations are the integrations of an SMTP server.
func emailIntegrations(t testing.TB, srv *smtpServer, mode TLSMode) []Integration {
	t.Helper()
	cfg := messageConfig()
	cfg.SMTP = srv.config(mode)
	ints, err := Integrations(cfg, clock)
	if err != nil {
		t.Fatal(err)
	}
	return ints
}

func testOptions(dir string) Options {
	return Options{StateDir: dir, Now: clock, Sleep: noSleep}
}

// deliver runs Deliver and fails the test on an error (not on problems).
func deliver(t testing.TB, ints []Integration, alerts []budget.Alert, opts Options) ([]budget.Alert, Report) {
	t.Helper()
	out, rep, err := Deliver(context.Background(), ints, alerts, asOf, opts)
	if err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	return out, rep
}

func statuses(alerts []budget.Alert) map[string]string {
	m := map[string]string{}
	for _, a := range alerts {
		m[a.Key()] = a.Status
	}
	return m
}

// delivery is the ledger's record of key on channel.
func delivery(t testing.TB, dir, key, channel string) *ledger.Delivery {
	t.Helper()
	f, err := ledger.Load(dir)
	if err != nil {
		t.Fatalf("load ledger: %v", err)
	}
	for _, e := range f.Entries {
		if e.Key == key {
			return e.Deliveries[channel]
		}
	}
	return nil
}

// closedPort is a loopback port nothing listens on.
func closedPort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}
