package notify

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/gate"
	alertevent "github.com/novadynamics/stellar-budget/internal/webhook"
)

const hookSecret = "whsec-0123456789abcdef"

// hookReceiver is a loopback alert webhook that checks each post as
// functions/alert-webhook does and answers with the statuses queued.
type hookReceiver struct {
	mu       sync.Mutex
	events   []alertevent.Event
	statuses []int
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := gate.VerifySignature([]byte(hookSecret), r.Header.Get(gate.SignatureHeader), body, clock()); err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	e, err := alertevent.DecodeStellar(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	status := http.StatusOK
	if len(h.statuses) > 0 {
		status, h.statuses = h.statuses[0], h.statuses[1:]
	}
	if status < 300 {
		h.events = append(h.events, e)
	}
	w.WriteHeader(status)
}

func hookIntegrations(t *testing.T, url string, secret string) []Integration {
	t.Helper()
	cfg, err := ConfigFromEnv(func(k string) string {
		return map[string]string{"STELLAR_ALERT_WEBHOOK_URL": url, "STELLAR_WEBHOOK_SECRET": secret}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	ints, err := Integrations(cfg, clock)
	if err != nil {
		t.Fatal(err)
	}
	if len(ints) != 1 || ints[0].Name != ChannelWebhook {
		t.Fatalf("integrations %+v", ints)
	}
	return ints
}

func TestHookPostsEachAlertSignedOnce(t *testing.T) {
	rx := &hookReceiver{statuses: []int{http.StatusServiceUnavailable}}
	srv := httptest.NewServer(rx)
	defer srv.Close()
	ints := hookIntegrations(t, srv.URL, hookSecret)
	opts := testOptions(t.TempDir())
	alerts := novAlerts()
	deliver(t, ints, alerts, opts)
	if len(rx.events) != len(alerts) {
		t.Fatalf("the receiver got %d events, want %d (one per alert, the 503 retried)", len(rx.events), len(alerts))
	}
	got := map[string]string{}
	for _, e := range rx.events {
		got[e.Key] = e.Category
	}
	for _, a := range alerts {
		if got["stellar/"+a.Key()] != a.Category {
			t.Errorf("no event for alert %s of %s in %v", a.Key(), a.Category, got)
		}
	}
	deliver(t, ints, alerts, opts)
	if len(rx.events) != len(alerts) {
		t.Errorf("a second build posted again: %d events", len(rx.events))
	}
}

func TestHookRefusalIsNotRetried(t *testing.T) {
	srv := httptest.NewServer(&hookReceiver{})
	defer srv.Close()
	ints := hookIntegrations(t, srv.URL, "whsec-not-the-receivers")
	got, rep := deliver(t, ints, []budget.Alert{threshold(month(2026, 11), 75)}, testOptions(t.TempDir()))
	if s := statuses(got); s[threshold(month(2026, 11), 75).Key()] != budget.AlertFailed {
		t.Errorf("statuses %v, want failed", s)
	}
	if err := rep.Err(); err == nil || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), "whsec") {
		t.Errorf("report error %v: want the 401, no secret", rep.Err())
	}
}

func TestHookConfig(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"no secret":    {"STELLAR_ALERT_WEBHOOK_URL": "https://x.example/.netlify/functions/alert-webhook"},
		"short secret": {"STELLAR_ALERT_WEBHOOK_URL": "https://x.example/", "STELLAR_WEBHOOK_SECRET": "short"},
		"not a url":    {"STELLAR_ALERT_WEBHOOK_URL": "x.example", "STELLAR_WEBHOOK_SECRET": hookSecret},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ConfigFromEnv(func(k string) string { return env[k] })
			if err == nil || strings.Contains(err.Error(), hookSecret) {
				t.Fatalf("ConfigFromEnv = %v", err)
			}
		})
	}
	cfg := Config{Hook: HookConfig{URL: "https://x.example/", Secret: []byte(hookSecret)}}
	for _, s := range []string{cfg.Hook.String(), cfg.Hook.GoString()} {
		if strings.Contains(s, hookSecret) {
			t.Errorf("%q shows the secret", s)
		}
	}
}
