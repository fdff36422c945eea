package notify

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/ledger"
)

// TestDeliverFirstRun: on an empty ledger the alerts of months before the
// as-of month are recorded not-sent and never mailed, the as-of month's
// are sent; a second run sends nothing; a later new alert of the as-of
// month is sent, a late one of an earlier month is not.
func TestDeliverFirstRun(t *testing.T) {
	srv := startSMTP(t, TLSNone)
	ints := emailIntegrations(t, srv, TLSNone)
	dir := t.TempDir()
	older := []budget.Alert{threshold(sep, 50), threshold(oct, 50), threshold(oct, 90),
		anomalyAlert(time.Date(2026, 10, 30, 0, 0, 0, 0, time.UTC))}
	alerts := append(slices.Clone(older), novAlerts()...)

	out, rep := deliver(t, ints, alerts, testOptions(dir))
	if rep.Sent != 4 || rep.Err() != nil {
		t.Fatalf("first run: %v: %v", rep, rep.Err())
	}
	want := map[string]string{}
	for _, a := range older {
		want[a.Key()] = budget.AlertNotSent
	}
	for _, a := range novAlerts() {
		want[a.Key()] = budget.AlertSent
	}
	if got := statuses(out); !maps.Equal(got, want) {
		t.Errorf("first run statuses\n got %v\nwant %v", got, want)
	}
	for _, a := range older {
		if srv.counts()[a.Key()] != 0 {
			t.Errorf("%s was mailed", a.Key())
		}
		if d := delivery(t, dir, a.Key(), ChannelEmail); d != nil {
			t.Errorf("%s has an email delivery %+v", a.Key(), d)
		}
	}
	f, err := ledger.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Entries) != len(alerts) {
		t.Errorf("ledger has %d entries, want %d (not-sent ones included)", len(f.Entries), len(alerts))
	}

	if n := srv.attempts(); n != 2 {
		t.Errorf("first run: %d messages, want 2, one per category", n)
	}
	out, rep = deliver(t, ints, alerts, testOptions(dir))
	if rep.Sent != 0 || srv.attempts() != 2 {
		t.Errorf("second run sent %d (server saw %d messages in all, want 2)", rep.Sent, srv.attempts())
	}
	if got := statuses(out); !maps.Equal(got, want) {
		t.Errorf("second run statuses\n got %v\nwant %v", got, want)
	}

	late := threshold(oct, 100) // the data changed: a crossing of October shows up in November
	fresh := threshold(nov, 100)
	out, rep = deliver(t, ints, append(alerts, late, fresh), testOptions(dir))
	if rep.Sent != 1 || srv.counts()[fresh.Key()] != 1 || srv.counts()[late.Key()] != 0 {
		t.Errorf("third run: %v, counts %v", rep, srv.counts())
	}
	got := statuses(out)
	if got[late.Key()] != budget.AlertNotSent || got[fresh.Key()] != budget.AlertSent {
		t.Errorf("third run: late %s, fresh %s", got[late.Key()], got[fresh.Key()])
	}
}

// TestDeliverServerRecovers: a server that fails every try of one build
// leaves the alerts pending with one try; the next build delivers each
// exactly once.
func TestDeliverServerRecovers(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, failing *atomic.Bool) ([]Integration, func() map[string]int)
		channel string
	}{
		{
			name:    "smtp 451",
			channel: ChannelEmail,
			setup: func(t *testing.T, failing *atomic.Bool) ([]Integration, func() map[string]int) {
				srv := startSMTP(t, TLSNone, withReject(func(int) error {
					if failing.Load() {
						return tempFail
					}
					return nil
				}))
				return emailIntegrations(t, srv, TLSNone), srv.counts
			},
		},
		{
			name:    "slack 500",
			channel: ChannelSlack,
			setup: func(t *testing.T, failing *atomic.Bool) ([]Integration, func() map[string]int) {
				w := startWebhook(t, func(int) int {
					if failing.Load() {
						return http.StatusInternalServerError
					}
					return http.StatusOK
				})
				return slackIntegrations(t, w), func() map[string]int { return slackCounts(w) }
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var failing atomic.Bool
			failing.Store(true)
			ints, counts := tc.setup(t, &failing)
			dir := t.TempDir()
			var waits []time.Duration
			opts := testOptions(dir)
			opts.Sleep = func(_ context.Context, d time.Duration) error {
				waits = append(waits, d)
				return nil
			}
			alerts := []budget.Alert{threshold(nov, 90)}
			key := alerts[0].Key()

			out, rep := deliver(t, ints, alerts, opts)
			if got := out[0].Status; got != budget.AlertPending {
				t.Errorf("first build: %s, want pending", got)
			}
			if rep.Pending != 1 || len(rep.Problems) != 1 {
				t.Errorf("first build report %v, problems %v", rep, rep.Problems)
			}
			var de *DeliveryError
			if !errors.As(rep.Err(), &de) || de.Attempts != 3 || de.Status != budget.AlertPending {
				t.Errorf("first build problem %v, want a DeliveryError after 3 attempts", rep.Err())
			}
			if !slices.Equal(waits, []time.Duration{time.Second, 2 * time.Second}) {
				t.Errorf("waits %v, want [1s 2s]", waits)
			}
			if d := delivery(t, dir, key, tc.channel); d == nil || d.Tries != 1 || d.Status != budget.AlertPending || d.Claim != "" {
				t.Errorf("ledger after the first build: %+v", d)
			}
			if n := counts()[key]; n != 0 {
				t.Fatalf("delivered %d times while failing", n)
			}

			failing.Store(false)
			out, rep = deliver(t, ints, alerts, opts)
			if got := out[0].Status; got != budget.AlertSent || rep.Sent != 1 {
				t.Errorf("second build: %s, report %v", got, rep)
			}
			deliver(t, ints, alerts, opts)
			if n := counts()[key]; n != 1 {
				t.Errorf("delivered %d times, want once", n)
			}
			if d := delivery(t, dir, key, tc.channel); d.Tries != 2 || d.Status != budget.AlertSent {
				t.Errorf("ledger after recovery: %+v", d)
			}
		})
	}
}

// slackCounts is how many posts each alert key was in, by the block IDs
// of the posts' sections.
func slackCounts(w *webhook) map[string]int {
	m := map[string]int{}
	for _, p := range w.accepted() {
		for _, k := range postKeys(p) {
			m[k]++
		}
	}
	return m
}

// TestDeliverGivesUpAfterMaxTries: five builds that fail leave the alert
// failed; the sixth does not try it.
func TestDeliverGivesUpAfterMaxTries(t *testing.T) {
	srv := startSMTP(t, TLSNone, withReject(func(int) error { return tempFail }))
	ints := emailIntegrations(t, srv, TLSNone)
	dir := t.TempDir()
	alerts := []budget.Alert{threshold(nov, 90)}
	for build := 1; build <= 5; build++ {
		out, _ := deliver(t, ints, alerts, testOptions(dir))
		want := budget.AlertPending
		if build == 5 {
			want = budget.AlertFailed
		}
		if out[0].Status != want {
			t.Errorf("build %d: %s, want %s", build, out[0].Status, want)
		}
		if d := delivery(t, dir, alerts[0].Key(), ChannelEmail); d.Tries != build {
			t.Errorf("build %d: %d tries", build, d.Tries)
		}
	}
	attempts := srv.attempts()
	if attempts != 15 {
		t.Errorf("server saw %d attempts, want 5 builds × 3", attempts)
	}
	out, rep := deliver(t, ints, alerts, testOptions(dir))
	if out[0].Status != budget.AlertFailed || srv.attempts() != attempts || rep.Err() != nil {
		t.Errorf("sixth build: %s, %d attempts (was %d), problems %v", out[0].Status, srv.attempts(), attempts, rep.Err())
	}
}

// TestDeliverPermanentFailure: a 5xx answer fails the alert at once.
func TestDeliverPermanentFailure(t *testing.T) {
	srv := startSMTP(t, TLSNone, withReject(func(int) error { return permFail }))
	dir := t.TempDir()
	out, rep := deliver(t, emailIntegrations(t, srv, TLSNone), []budget.Alert{threshold(nov, 90)}, testOptions(dir))
	if out[0].Status != budget.AlertFailed || rep.Failed != 1 || srv.attempts() != 1 {
		t.Errorf("%s after %d attempts, report %v", out[0].Status, srv.attempts(), rep)
	}
	if err := rep.Err(); err == nil || !strings.Contains(err.Error(), "550") || !strings.Contains(err.Error(), "failed") {
		t.Errorf("problem %v", err)
	}
}

// TestDeliverAnswerLostIsInDoubt: a server that hangs up after taking the
// whole message leaves the alert in-doubt, not retried.
func TestDeliverAnswerLostIsInDoubt(t *testing.T) {
	srv := startSMTP(t, TLSNone)
	srv.hangUp = func(n int) bool { return n == 1 }
	ints := emailIntegrations(t, srv, TLSNone)
	dir := t.TempDir()
	alerts := []budget.Alert{threshold(nov, 90)}
	out, rep := deliver(t, ints, alerts, testOptions(dir))
	if out[0].Status != budget.AlertInDoubt || rep.InDoubt != 1 || srv.attempts() != 1 {
		t.Fatalf("%s after %d attempts; %v", out[0].Status, srv.attempts(), rep)
	}
	out, _ = deliver(t, ints, alerts, testOptions(dir))
	if out[0].Status != budget.AlertInDoubt || srv.attempts() != 1 {
		t.Errorf("rerun: %s after %d attempts, want in-doubt and no resend", out[0].Status, srv.attempts())
	}
}

// TestDeliverCrashBetweenClaimAndSend: a build that stops after claiming
// (here an injected failure that returns before sending and recording,
// with the run lock released as a dead process's is) leaves the alerts
// in-doubt: shown, not resent by the next build, resent once with
// ResendInDoubt.
func TestDeliverCrashBetweenClaimAndSend(t *testing.T) {
	srv := startSMTP(t, TLSNone)
	ints := emailIntegrations(t, srv, TLSNone)
	dir := t.TempDir()
	alerts := novAlerts()

	crash := testOptions(dir)
	crash.afterClaim = func(string, []budget.Alert) error { return errors.New("simulated crash") }
	out, _ := deliver(t, ints, alerts, crash)
	for _, a := range out {
		if a.Status != budget.AlertInDoubt {
			t.Errorf("after the crash %s is %s, want in-doubt", a.Key(), a.Status)
		}
	}
	if d := delivery(t, dir, alerts[0].Key(), ChannelEmail); d.Status != budget.AlertPending || d.Claim == "" || d.Tries != 1 {
		t.Errorf("ledger after the crash: %+v (want the claim, pending, 1 try)", d)
	}
	if srv.attempts() != 0 {
		t.Fatalf("%d messages sent before the crash", srv.attempts())
	}

	out, rep := deliver(t, ints, alerts, testOptions(dir))
	if srv.attempts() != 0 || rep.Sent != 0 {
		t.Errorf("the next build resent in-doubt alerts: %v", rep)
	}
	for _, a := range out {
		if a.Status != budget.AlertInDoubt {
			t.Errorf("next build: %s is %s, want in-doubt", a.Key(), a.Status)
		}
	}
	if d := delivery(t, dir, alerts[0].Key(), ChannelEmail); d.Status != budget.AlertInDoubt {
		t.Errorf("the next build did not record in-doubt: %+v", d)
	}

	resend := testOptions(dir)
	resend.ResendInDoubt = true
	out, rep = deliver(t, ints, alerts, resend)
	if rep.Sent != 4 {
		t.Errorf("resend: %v", rep)
	}
	deliver(t, ints, alerts, resend) // sent ones are not resent
	for _, a := range out {
		if a.Status != budget.AlertSent || srv.counts()[a.Key()] != 1 {
			t.Errorf("after resend %s is %s, mailed %d times", a.Key(), a.Status, srv.counts()[a.Key()])
		}
	}
}

// TestDeliverNotConfigured: no notifier, a clear error and no state.
func TestDeliverNotConfigured(t *testing.T) {
	if _, err := Integrations(messageConfig(), clock); !errors.Is(err, ErrNotConfigured) {
		t.Errorf("Integrations = %v, want ErrNotConfigured", err)
	}
	dir := filepath.Join(t.TempDir(), "state")
	_, _, err := Deliver(context.Background(), nil, novAlerts(), asOf, testOptions(dir))
	if !errors.Is(err, ErrNotConfigured) || !strings.Contains(err.Error(), "SMTP_HOST") {
		t.Errorf("Deliver = %v, want ErrNotConfigured naming what to set", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state directory touched: %v", err)
	}
}

// TestDeliverEmailAndSlack: each channel is recorded on its own; when one
// fails and the other succeeds, only the failed one is retried.
func TestDeliverEmailAndSlack(t *testing.T) {
	var slackDown atomic.Bool
	slackDown.Store(true)
	srv := startSMTP(t, TLSNone)
	w := startWebhook(t, func(int) int {
		if slackDown.Load() {
			return http.StatusBadGateway
		}
		return http.StatusOK
	})
	cfg := messageConfig()
	cfg.SMTP = srv.config(TLSNone)
	cfg.Slack.WebhookURL = w.url()
	ints, err := Integrations(cfg, clock)
	if err != nil || len(ints) != 2 {
		t.Fatalf("Integrations: %d, %v", len(ints), err)
	}
	dir := t.TempDir()
	alerts := novAlerts()
	out, rep := deliver(t, ints, alerts, testOptions(dir))
	if rep.Sent != 4 || rep.Pending != 4 {
		t.Errorf("first build %v", rep)
	}
	for _, a := range out {
		if a.Status != budget.AlertPending {
			t.Errorf("%s: %s, want pending while Slack is down", a.Key(), a.Status)
		}
	}
	slackDown.Store(false)
	out, rep = deliver(t, ints, alerts, testOptions(dir))
	if rep.Sent != 4 {
		t.Errorf("second build %v: %v", rep, rep.Err())
	}
	for _, a := range out {
		if a.Status != budget.AlertSent || srv.counts()[a.Key()] != 1 || slackCounts(w)[a.Key()] != 1 {
			t.Errorf("%s: %s, %d emails, %d Slack posts", a.Key(), a.Status, srv.counts()[a.Key()], slackCounts(w)[a.Key()])
		}
	}
}

// TestDeliverConcurrentGoroutines: two deliveries started at the same
// moment on the same state directory, each with its own ledger handle,
// against a slow server, deliver each alert exactly once.
func TestDeliverConcurrentGoroutines(t *testing.T) {
	for round := range 5 {
		srv := startSMTP(t, TLSNone, withDelay(5*time.Millisecond))
		w := startWebhook(t, nil)
		cfg := messageConfig()
		cfg.SMTP = srv.config(TLSNone)
		cfg.Slack.WebhookURL = w.url()
		dir := t.TempDir()
		alerts := manyAlerts(20)

		start := make(chan struct{})
		var wg sync.WaitGroup
		reps := make([]Report, 2)
		for i := range reps {
			ints, err := Integrations(cfg, clock)
			if err != nil {
				t.Fatal(err)
			}
			wg.Go(func() {
				<-start
				var err error
				_, reps[i], err = Deliver(context.Background(), ints, alerts, asOf, testOptions(dir))
				if err != nil {
					t.Errorf("Deliver: %v", err)
				}
			})
		}
		close(start)
		wg.Wait()

		if n := len(srv.messages()); n != len(alerts) {
			t.Errorf("round %d: %d messages for %d alerts", round, n, len(alerts))
		}
		for k, n := range srv.counts() {
			if n != 1 {
				t.Errorf("round %d: %s mailed %d times", round, k, n)
			}
		}
		posted := 0
		for _, p := range w.accepted() {
			posted += strings.Count(p.Text, "reached")
		}
		if posted != len(alerts) {
			t.Errorf("round %d: %d alerts posted to Slack, want %d", round, posted, len(alerts))
		}
		t.Logf("round %d: %v / %v", round, reps[0], reps[1])
		if sent := reps[0].Sent + reps[1].Sent; sent != 2*len(alerts) {
			t.Errorf("round %d: reports say %d + %d deliveries, want %d", round, reps[0].Sent, reps[1].Sent, 2*len(alerts))
		}
		view, err := ledger.Statuses(dir, alerts)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range view {
			if a.Status != budget.AlertSent {
				t.Errorf("round %d: %s is %s", round, a.Key(), a.Status)
			}
		}
	}
}

// manyAlerts are n threshold alerts of the as-of month, each of its own
// category, so each is a message of its own.
func manyAlerts(n int) []budget.Alert {
	out := make([]budget.Alert, n)
	for i := range out {
		a := threshold(nov, 90)
		a.Category, a.Title = fmt.Sprintf("CATEGORY_%03d", i+1), fmt.Sprintf("Category %d", i+1)
		out[i] = a
	}
	return out
}

// TestRetryStageBackoff: waits double up to Max within Total, a server's
// Retry-After is honoured, and a wait longer than Max leaves the retry to
// the next build.
func TestRetryStageBackoff(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		retry     bool
		backoff   Backoff
		wantWaits []time.Duration
		wantCalls int
		want      string
	}{
		{name: "defaults", err: errors.New("451"), retry: true, wantWaits: []time.Duration{time.Second, 2 * time.Second}, wantCalls: 3, want: budget.AlertPending},
		{name: "capped by max", err: errors.New("451"), retry: true, backoff: Backoff{Attempts: 5, Initial: time.Second, Max: 2 * time.Second, Total: time.Minute},
			wantWaits: []time.Duration{time.Second, 2 * time.Second, 2 * time.Second, 2 * time.Second}, wantCalls: 5, want: budget.AlertPending},
		{name: "capped by total", err: errors.New("451"), retry: true, backoff: Backoff{Attempts: 10, Initial: time.Second, Max: 4 * time.Second, Total: 7 * time.Second},
			wantWaits: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, wantCalls: 4, want: budget.AlertPending},
		{name: "retry-after honoured", err: rateLimited{3 * time.Second}, retry: true, wantWaits: []time.Duration{3 * time.Second, 3 * time.Second}, wantCalls: 3, want: budget.AlertPending},
		{name: "retry-after too long", err: rateLimited{time.Minute}, retry: true, wantCalls: 1, want: budget.AlertPending},
		{name: "permanent", err: errors.New("550"), retry: false, wantCalls: 1, want: budget.AlertFailed},
		{name: "maybe delivered", err: ErrMaybeDelivered, retry: false, wantCalls: 1, want: budget.AlertInDoubt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			n := notifierFunc(func(context.Context, []budget.Alert) (bool, error) {
				calls++
				return tc.retry, tc.err
			})
			var waits []time.Duration
			s := RetryStage{
				Integration: Integration{Name: "test", Notifier: n},
				Backoff:     tc.backoff,
				Sleep: func(_ context.Context, d time.Duration) error {
					waits = append(waits, d)
					return nil
				},
			}
			out, err := s.Exec(context.Background(), []budget.Alert{threshold(nov, 90)})
			if !slices.Equal(waits, tc.wantWaits) || calls != tc.wantCalls {
				t.Errorf("waits %v after %d calls, want %v after %d", waits, calls, tc.wantWaits, tc.wantCalls)
			}
			if len(out) != 1 || out[0].Status != tc.want {
				t.Errorf("out %v, want status %s", out, tc.want)
			}
			var de *DeliveryError
			if !errors.As(err, &de) || de.Attempts != calls || de.Status != tc.want {
				t.Errorf("error %v", err)
			}
		})
	}
}

type notifierFunc func(context.Context, []budget.Alert) (bool, error)

func (f notifierFunc) Notify(ctx context.Context, a []budget.Alert) (bool, error) { return f(ctx, a) }

// TestMuteStage: muted alerts never reach the ledger.
func TestMuteStage(t *testing.T) {
	srv := startSMTP(t, TLSNone)
	dir := t.TempDir()
	opts := testOptions(dir)
	opts.Mute = []Muter{MuteFunc(func(a budget.Alert) bool { return a.Kind == budget.AlertAnomaly })}
	future := threshold(month(2026, 12), 50) // past the as-of month: muted by default
	out, rep := deliver(t, emailIntegrations(t, srv, TLSNone), append(novAlerts(), future), opts)
	if rep.Sent != 3 {
		t.Errorf("report %v", rep)
	}
	got := statuses(out)
	if k := novAlerts()[3].Key(); got[k] != budget.AlertNotSent || srv.counts()[k] != 0 {
		t.Errorf("muted anomaly: %s", got[k])
	}
	if got[future.Key()] != budget.AlertNotSent {
		t.Errorf("future alert: %s", got[future.Key()])
	}
	f, _ := ledger.Load(dir)
	for _, e := range f.Entries {
		if e.Kind == budget.AlertAnomaly || e.Key == future.Key() {
			t.Errorf("muted alert in the ledger: %s", e.Key)
		}
	}
}

// TestDeliverClaimInFlight: while one build holds claims and sends, the
// view reads them pending (not in-doubt), and another build leaves them
// alone; once the first records, they are sent, once.
func TestDeliverClaimInFlight(t *testing.T) {
	srv := startSMTP(t, TLSNone)
	ints := emailIntegrations(t, srv, TLSNone)
	dir := t.TempDir()
	alerts := novAlerts()

	first := testOptions(dir)
	first.afterClaim = func(string, []budget.Alert) error {
		view, err := ledger.Statuses(dir, alerts)
		if err != nil {
			t.Error(err)
		}
		for _, a := range view {
			if a.Status != budget.AlertPending {
				t.Errorf("in flight: %s reads %s, want pending", a.Key(), a.Status)
			}
		}
		out, rep, err := Deliver(context.Background(), emailIntegrations(t, srv, TLSNone), alerts, asOf, testOptions(dir))
		if err != nil || rep.Sent != 0 {
			t.Errorf("second build: %v, %v", rep, err)
		}
		for _, a := range out {
			if a.Status != budget.AlertPending {
				t.Errorf("second build: %s is %s, want pending", a.Key(), a.Status)
			}
		}
		return nil
	}
	out, rep := deliver(t, ints, alerts, first)
	if rep.Sent != 4 {
		t.Errorf("first build %v", rep)
	}
	for _, a := range out {
		if a.Status != budget.AlertSent || srv.counts()[a.Key()] != 1 {
			t.Errorf("%s: %s, mailed %d times", a.Key(), a.Status, srv.counts()[a.Key()])
		}
	}
}
