package notify

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// exploratoryForecast: Exploratory Missions first projected over its
// budget on 11 Nov, at $10,240.00.
func exploratoryForecast() budget.Alert {
	return budget.Alert{
		Category: exploratory, Title: "Exploratory Missions", Kind: budget.AlertForecast,
		Month: nov, Time: nov.AddDate(0, 0, 10), Threshold: 100,
		Value: budget.MustDecimal("10240"), Budget: budget.MustDecimal("10000"),
		Forecast: budget.MustDecimal("10240"), Reason: "weekday spend up 18 % since the 3rd",
		Owners: owners,
	}
}

// midMonthAlerts are what a first notifying build mid-month finds due for
// Exploratory Missions: 75 % reached on 10 Nov, projected over on 11 Nov,
// 90 % reached on 12 Nov; given out of order.
func midMonthAlerts() []budget.Alert {
	return []budget.Alert{threshold(nov, 90), exploratoryForecast(), threshold(nov, 75)}
}

// groupedText is the text part of the mail of midMonthAlerts.
const groupedText = `Exploratory Missions is forecast to reach 100 % of its November budget (and 2 more alerts).

1. Exploratory Missions reached 75 % of its budget on 10 Nov at $7,550.00 month to date; today $9,420.10, 94.2 % of its $10,000.00 budget.
   Reason: job 4411 (nightly-orbit-fit) doubled its runs

2. Exploratory Missions first projected over budget on 11 Nov at $10,240.00; today $11,873.35, 118.7 % of its $10,000.00 budget.
   Reason: weekday spend up 18 % since the 3rd

3. Exploratory Missions reached 90 % of its budget on 12 Nov at $9,050.00 month to date; today $9,420.10, 94.2 % of its $10,000.00 budget.
   Reason: job 4411 (nightly-orbit-fit) doubled its runs

As of 20 Nov:
Month to date:       $9,420.10 (94.2 % of budget)
Budget for November: $10,000.00
Projected month end: $11,873.35 (118.7 % of budget)
Status:              projected over

Category page: https://budget.novadynamics.test/categories/exploratory-missions/

-- 
Sent once by Stellar Budget to the category's owners and the division's alert recipients. Alerts threshold/EXPLORATORY_MISSIONS/2026-11/75, forecast/EXPLORATORY_MISSIONS/2026-11, threshold/EXPLORATORY_MISSIONS/2026-11/90.
`

// TestEmailGroupsACategory: a first build (empty ledger) with three alerts
// of one category due sends one mail for them, listing them in the order
// they happened, each with the figure it fired at and today's; the ledger
// records each alert sent; a rerun sends nothing.
func TestEmailGroupsACategory(t *testing.T) {
	srv := startSMTP(t, TLSNone)
	ints := emailIntegrations(t, srv, TLSNone)
	dir := t.TempDir()
	alerts := midMonthAlerts()

	out, rep := deliver(t, ints, alerts, testOptions(dir))
	if rep.Sent != 3 || rep.Err() != nil {
		t.Fatalf("report %v: %v", rep, rep.Err())
	}
	msgs := srv.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d mails, want one for the category", len(msgs))
	}
	wantKeys := []string{"threshold/EXPLORATORY_MISSIONS/2026-11/75", "forecast/EXPLORATORY_MISSIONS/2026-11", "threshold/EXPLORATORY_MISSIONS/2026-11/90"}
	if !slices.Equal(msgs[0].Keys, wantKeys) {
		t.Errorf("%s: %v, want %v", AlertHeader, msgs[0].Keys, wantKeys)
	}
	p := parseMessage(t, msgs[0].Data)
	if want := "[Stellar Budget] Exploratory Missions is forecast to reach 100 % of its November budget (and 2 more alerts)"; p.Subject != want {
		t.Errorf("subject %q, want %q", p.Subject, want)
	}
	if got := p.Text; got != groupedText {
		t.Errorf("text part:\n%s\nwant:\n%s", got, groupedText)
	}
	html := p.HTML
	for _, want := range []string{
		"<title>Exploratory Missions is forecast to reach 100 % of its November budget (and 2 more alerts)</title>",
		"<ol>\n<li><p>Exploratory Missions reached 75 % of its budget on 10 Nov at $7,550.00 month to date; today $9,420.10, 94.2 % of its $10,000.00 budget.</p>",
		"<li><p>Exploratory Missions first projected over budget on 11 Nov at $10,240.00; today $11,873.35, 118.7 % of its $10,000.00 budget.</p><p style=\"color:#555\">Reason: weekday spend up 18 % since the 3rd</p></li>",
		"<caption style=\"text-align:left;font-weight:bold;padding:8px 0 4px\">As of 20 Nov</caption>",
		"<th style=\"text-align:left;padding:2px 16px 2px 0;font-weight:normal;color:#555\">Status</th><td style=\"padding:2px 0\">projected over</td>",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML part lacks %q:\n%s", want, html)
		}
	}
	first, second, third := strings.Index(html, "75 %"), strings.Index(html, "first projected"), strings.Index(html, "reached 90 %")
	if first < 0 || !(first < second && second < third) {
		t.Errorf("HTML lists the alerts out of order (%d, %d, %d)", first, second, third)
	}
	for _, a := range out {
		if a.Status != budget.AlertSent {
			t.Errorf("%s: %s, want sent", a.Key(), a.Status)
		}
		if d := delivery(t, dir, a.Key(), ChannelEmail); d == nil || d.Status != budget.AlertSent || d.Tries != 1 || d.Claim != "" {
			t.Errorf("ledger %s: %+v, want sent after 1 try", a.Key(), d)
		}
	}

	out, rep = deliver(t, ints, alerts, testOptions(dir))
	if rep.Sent != 0 || srv.attempts() != 1 {
		t.Errorf("rerun: %v, %d mails in all", rep, srv.attempts())
	}
	for _, a := range out {
		if a.Status != budget.AlertSent {
			t.Errorf("rerun: %s is %s", a.Key(), a.Status)
		}
	}
}

// TestEmailSingleAlertReadsWell: a category's one alert is a mail of its
// own that gives the figure it fired at and today's.
func TestEmailSingleAlertReadsWell(t *testing.T) {
	srv := startSMTP(t, TLSNone)
	_, rep := deliver(t, emailIntegrations(t, srv, TLSNone), []budget.Alert{exploratoryForecast()}, testOptions(t.TempDir()))
	msgs := srv.messages()
	if rep.Sent != 1 || len(msgs) != 1 {
		t.Fatalf("report %v, %d mails", rep, len(msgs))
	}
	p := parseMessage(t, msgs[0].Data)
	if want := "[Stellar Budget] Exploratory Missions is forecast to reach 100 % of its November budget"; p.Subject != want {
		t.Errorf("subject %q, want %q", p.Subject, want)
	}
	want := `Exploratory Missions is forecast to reach 100 % of its November budget.

Exploratory Missions first projected over budget on 11 Nov at $10,240.00; today $11,873.35, 118.7 % of its $10,000.00 budget.
Reason: weekday spend up 18 % since the 3rd

As of 20 Nov:
Month to date:       $9,420.10 (94.2 % of budget)
Budget for November: $10,000.00
Projected month end: $11,873.35 (118.7 % of budget)
Status:              projected over

Category page: https://budget.novadynamics.test/categories/exploratory-missions/

-- 
Sent once by Stellar Budget to the category's owners and the division's alert recipients. Alert forecast/EXPLORATORY_MISSIONS/2026-11.
`
	if got := p.Text; got != want {
		t.Errorf("text part:\n%s\nwant:\n%s", got, want)
	}
	for _, want := range []string{
		"<p>Exploratory Missions first projected over budget on 11 Nov at $10,240.00; today $11,873.35, 118.7 % of its $10,000.00 budget.</p>",
		"<p style=\"color:#555\">Reason: weekday spend up 18 % since the 3rd</p>",
	} {
		if !strings.Contains(p.HTML, want) {
			t.Errorf("HTML part lacks %q:\n%s", want, p.HTML)
		}
	}
	if strings.Contains(p.HTML, "<ol>") {
		t.Errorf("one alert in a list:\n%s", p.HTML)
	}
}

// TestEmailGroupFailure: when the server fails the mail of a group, every
// alert of the group gets what one alert alone would (pending and retried
// by the next build, failed, or in-doubt and not resent), in this build
// and the next.
func TestEmailGroupFailure(t *testing.T) {
	tests := []struct {
		name     string
		reject   func(n int) error // while failing
		hangUp   func(n int) bool
		want     string
		attempts int // mails tried by the failing build
		recover  bool
	}{
		{name: "451 every try", reject: func(int) error { return tempFail }, want: budget.AlertPending, attempts: 3, recover: true},
		{name: "550", reject: func(int) error { return permFail }, want: budget.AlertFailed, attempts: 1},
		{name: "answer lost after the data", hangUp: func(int) bool { return true }, want: budget.AlertInDoubt, attempts: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			type run struct {
				srv    *smtpServer
				dir    string
				alerts []budget.Alert
			}
			var failing atomic.Bool
			failing.Store(true)
			start := func(alerts []budget.Alert) run {
				srv := startSMTP(t, TLSNone, withReject(func(n int) error {
					if failing.Load() && tc.reject != nil {
						return tc.reject(n)
					}
					return nil
				}))
				srv.hangUp = func(n int) bool { return failing.Load() && tc.hangUp != nil && tc.hangUp(n) }
				return run{srv, t.TempDir(), alerts}
			}
			group, single := start(midMonthAlerts()), start([]budget.Alert{threshold(nov, 90)})
			for _, r := range []run{group, single} {
				deliver(t, emailIntegrations(t, r.srv, TLSNone), r.alerts, testOptions(r.dir))
			}
			if n := group.srv.attempts(); n != tc.attempts {
				t.Errorf("the group's build tried %d mails, want %d", n, tc.attempts)
			}
			alone := delivery(t, single.dir, threshold(nov, 90).Key(), ChannelEmail)
			if alone == nil || alone.Status != tc.want {
				t.Fatalf("the single alert's delivery %+v, want %s", alone, tc.want)
			}
			for _, a := range group.alerts {
				d := delivery(t, group.dir, a.Key(), ChannelEmail)
				if d == nil || d.Status != alone.Status || d.Tries != alone.Tries || (d.Claim == "") != (alone.Claim == "") {
					t.Errorf("%s: %+v, want as the single alert: %+v", a.Key(), d, alone)
				}
			}

			failing.Store(false)
			out, rep := deliver(t, emailIntegrations(t, group.srv, TLSNone), group.alerts, testOptions(group.dir))
			msgs := group.srv.messages()
			switch {
			case tc.recover:
				if rep.Sent != 3 || len(msgs) != 1 || len(msgs[0].Keys) != 3 {
					t.Errorf("next build: %v, %d mails accepted (want one with the three alerts)", rep, len(msgs))
				}
				for _, a := range out {
					if a.Status != budget.AlertSent {
						t.Errorf("next build: %s is %s", a.Key(), a.Status)
					}
				}
			default:
				if rep.Sent != 0 || group.srv.attempts() != tc.attempts {
					t.Errorf("next build resent: %v, %d tries in all", rep, group.srv.attempts())
				}
				for _, a := range out {
					if a.Status != tc.want {
						t.Errorf("next build: %s is %s, want %s", a.Key(), a.Status, tc.want)
					}
				}
			}
		})
	}
}

// TestSentence: each kind told with the figure it fired at and today's,
// and without today's where the build's figures are of another month.
func TestSentence(t *testing.T) {
	cur := exploratoryNow()
	zero := cur
	zero.Budget, zero.Utilization, zero.ProjectedUtilization = budget.Decimal{}, budget.Decimal{}, budget.Decimal{}
	octAlert := threshold(oct, 90)
	tests := []struct {
		name string
		a    budget.Alert
		cur  *Current
		want string
	}{
		{"threshold", threshold(nov, 75), &cur, "Exploratory Missions reached 75 % of its budget on 10 Nov at $7,550.00 month to date; today $9,420.10, 94.2 % of its $10,000.00 budget"},
		{"forecast", exploratoryForecast(), &cur, "Exploratory Missions first projected over budget on 11 Nov at $10,240.00; today $11,873.35, 118.7 % of its $10,000.00 budget"},
		{"anomaly", anomalyAlert(time.Date(2026, 11, 14, 0, 0, 0, 0, time.UTC)), &cur, "Exploratory Missions spent $1,830.25 on 14 Nov, against $310.00 expected"},
		{"threshold without today", octAlert, nil, "Exploratory Missions reached 90 % of its budget on 12 Oct at $9,050.00 month to date, 90.5 % of its $10,000.00 budget"},
		{"zero budget", threshold(nov, 75), &zero, "Exploratory Missions reached 75 % of its budget on 10 Nov at $7,550.00 month to date; today $9,420.10, against a budget of $0.00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := sentence(tc.a, tc.cur, asOf); got != tc.want {
				t.Errorf("sentence\n got %q\nwant %q", got, tc.want)
			}
		})
	}

	// compose gives today's figure only to alerts of the current month.
	m := messageConfig().compose([]budget.Alert{threshold(nov, 90), octAlert})
	if len(m.Items) != 2 || strings.Contains(m.Items[0].Sentence, "today") || !strings.Contains(m.Items[1].Sentence, "today") {
		t.Errorf("items %+v: want October's without today, November's with", m.Items)
	}
}

// TestOrderAndSeverity: alerts are listed by day, kind and threshold; a
// message is named after the most severe, the latest among equals.
func TestOrderAndSeverity(t *testing.T) {
	day := func(d int) time.Time { return nov.AddDate(0, 0, d-1) }
	at := func(a budget.Alert, d int) budget.Alert { a.Time = day(d); return a }
	anomaly := anomalyAlert(day(3))
	later := anomalyAlert(day(4))
	tests := []struct {
		name   string
		alerts []budget.Alert
		order  []string // keys
		top    string
	}{
		{
			name:   "by day first",
			alerts: []budget.Alert{threshold(nov, 90), exploratoryForecast(), threshold(nov, 75)},
			order:  []string{"threshold/EXPLORATORY_MISSIONS/2026-11/75", "forecast/EXPLORATORY_MISSIONS/2026-11", "threshold/EXPLORATORY_MISSIONS/2026-11/90"},
			top:    "forecast/EXPLORATORY_MISSIONS/2026-11",
		},
		{
			name:   "same day: threshold, forecast, anomaly, then threshold percent",
			alerts: []budget.Alert{at(anomaly, 5), at(exploratoryForecast(), 5), at(threshold(nov, 90), 5), at(threshold(nov, 75), 5)},
			order:  []string{"threshold/EXPLORATORY_MISSIONS/2026-11/75", "threshold/EXPLORATORY_MISSIONS/2026-11/90", "forecast/EXPLORATORY_MISSIONS/2026-11", "anomaly/EXPLORATORY_MISSIONS/2026-11-05"},
			top:    "forecast/EXPLORATORY_MISSIONS/2026-11",
		},
		{
			name:   "spend that reached the budget outranks a forecast of it",
			alerts: []budget.Alert{threshold(nov, 100), at(exploratoryForecast(), 20)},
			order:  []string{"threshold/EXPLORATORY_MISSIONS/2026-11/100", "forecast/EXPLORATORY_MISSIONS/2026-11"},
			top:    "threshold/EXPLORATORY_MISSIONS/2026-11/100",
		},
		{
			name:   "anomalies alone: the latest",
			alerts: []budget.Alert{later, anomaly},
			order:  []string{"anomaly/EXPLORATORY_MISSIONS/2026-11-03", "anomaly/EXPLORATORY_MISSIONS/2026-11-04"},
			top:    "anomaly/EXPLORATORY_MISSIONS/2026-11-04",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := keys(inOrder(tc.alerts)); !slices.Equal(got, tc.order) {
				t.Errorf("order %v, want %v", got, tc.order)
			}
			if got := mostSevere(tc.alerts).Key(); got != tc.top {
				t.Errorf("most severe %s, want %s", got, tc.top)
			}
		})
	}
}

// TestBatchStageGroups: with Group, a batch holds one group's alerts, at
// most Size, groups in the order they first come.
func TestBatchStageGroups(t *testing.T) {
	a := func(category string, pct int) budget.Alert {
		x := threshold(nov, pct)
		x.Category = category
		return x
	}
	in := []budget.Alert{a("A", 1), a("B", 2), a("A", 3), a("C", 4), a("A", 5)}
	var mu sync.Mutex
	var batches [][]string
	send := StageFunc(func(_ context.Context, alerts []budget.Alert) ([]budget.Alert, error) {
		mu.Lock()
		defer mu.Unlock()
		batches = append(batches, keys(alerts))
		return alerts, nil
	})
	out, err := BatchStage{Size: 2, Parallel: 1, Group: ByCategory, Send: send}.Exec(context.Background(), in)
	if err != nil || len(out) != len(in) {
		t.Fatalf("Exec: %d alerts, %v", len(out), err)
	}
	want := [][]string{
		{"threshold/A/2026-11/1", "threshold/A/2026-11/3"},
		{"threshold/A/2026-11/5"},
		{"threshold/B/2026-11/2"},
		{"threshold/C/2026-11/4"},
	}
	if !slices.EqualFunc(batches, want, slices.Equal) {
		t.Errorf("batches %v, want %v", batches, want)
	}
}
