package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/slack-go/slack"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// webhookPath stands for the secret part of a webhook URL.
const webhookPath = "/services/T0NOVA/B0BUDGET/xoxSecretToken123"

// hangUp, as an answer, closes the connection without one.
const hangUp = -1

// webhook is an httptest Slack incoming webhook that keeps the posts it
// accepts; answer decides the status of the n-th post (from 1).
type webhook struct {
	*httptest.Server
	mu     sync.Mutex
	posts  []slack.WebhookMessage
	raw    []string
	calls  int
	answer func(n int) int
}

func startWebhook(t testing.TB, answer func(n int) int) *webhook {
	t.Helper()
	w := &webhook{answer: answer}
	w.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.mu.Lock()
		w.calls++
		n := w.calls
		w.mu.Unlock()
		if r.URL.Path != webhookPath || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			http.Error(rw, "no_service", http.StatusNotFound)
			return
		}
		code := http.StatusOK
		if w.answer != nil {
			code = w.answer(n)
		}
		if code == hangUp {
			conn, _, _ := rw.(http.Hijacker).Hijack()
			conn.Close()
			return
		}
		if code == http.StatusTooManyRequests {
			rw.Header().Set("Retry-After", "2")
		}
		if code != http.StatusOK {
			http.Error(rw, "nope", code)
			return
		}
		var m slack.WebhookMessage
		if err := json.Unmarshal(body, &m); err != nil {
			http.Error(rw, "invalid_payload", http.StatusBadRequest)
			return
		}
		w.mu.Lock()
		w.posts = append(w.posts, m)
		w.raw = append(w.raw, string(body))
		w.mu.Unlock()
		io.WriteString(rw, "ok")
	}))
	t.Cleanup(w.Close)
	return w
}

func (w *webhook) url() string { return w.URL + webhookPath }

func (w *webhook) accepted() []slack.WebhookMessage {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]slack.WebhookMessage(nil), w.posts...)
}

func slackIntegrations(t testing.TB, w *webhook) []Integration {
	t.Helper()
	cfg := messageConfig()
	cfg.Slack.WebhookURL = w.url()
	ints, err := Integrations(cfg, clock)
	if err != nil {
		t.Fatal(err)
	}
	return ints
}

// TestSlackPayload delivers alerts to an httptest webhook and checks the
// post: several alerts in one, a section each with the headline linked to
// the category page and the figures, and a plain-text fallback.
func TestSlackPayload(t *testing.T) {
	w := startWebhook(t, nil)
	out, rep := deliver(t, slackIntegrations(t, w), novAlerts(), testOptions(t.TempDir()))
	if rep.Err() != nil || rep.Sent != 4 {
		t.Fatalf("report %v: %v", rep, rep.Err())
	}
	for _, a := range out {
		if a.Status != budget.AlertSent {
			t.Errorf("%s: %s, want sent", a.Key(), a.Status)
		}
	}
	posts := w.accepted()
	if len(posts) != 1 {
		t.Fatalf("%d posts, want the four alerts in one", len(posts))
	}
	p := posts[0]
	if !strings.HasPrefix(p.Text, "4 budget alerts: Exploratory Missions reached 50 % of its November 2026 budget; ") {
		t.Errorf("fallback text %q", p.Text)
	}
	var sections []string
	for _, b := range p.Blocks.BlockSet {
		if s, ok := b.(*slack.SectionBlock); ok {
			if s.Text.Type != slack.MarkdownType {
				t.Errorf("section text type %q", s.Text.Type)
			}
			sections = append(sections, s.Text.Text)
		}
	}
	if len(sections) != 4 || len(p.Blocks.BlockSet) != 7 {
		t.Fatalf("%d sections in %d blocks, want 4 in 7 (with dividers)", len(sections), len(p.Blocks.BlockSet))
	}
	for _, want := range []string{
		"*<https://budget.novadynamics.test/categories/exploratory-missions/|Exploratory Missions reached 90 % of its November 2026 budget>*",
		"Month to date on 12 November 2026: $9,050.00",
		"Budget used: 90.5 %",
		"Forecast for the month: $11,200.50 (112.0 % of budget)",
		"Reason: job 4411 (nightly-orbit-fit) doubled its runs",
	} {
		if !strings.Contains(sections[1], want) {
			t.Errorf("second section lacks %q:\n%s", want, sections[1])
		}
	}
	if !strings.Contains(sections[2], "<https://budget.novadynamics.test/categories/navigation-systems/|Navigation Systems is forecast to reach 100 % of its November 2026 budget>") {
		t.Errorf("forecast section:\n%s", sections[2])
	}
	if !strings.Contains(sections[3], "Expected for the day: $310.00") {
		t.Errorf("anomaly section:\n%s", sections[3])
	}
}

// TestSlackEscapesMarkup: a reason with Slack's reserved characters does
// not become a link or a mention.
func TestSlackEscapesMarkup(t *testing.T) {
	a := threshold(nov, 90)
	a.Reason = "cluster <!channel> & <https://evil.test|click>"
	s, err := NewSlack(Config{Slack: SlackConfig{WebhookURL: "https://hooks.slack.test/x"}})
	if err != nil {
		t.Fatal(err)
	}
	got := s.mrkdwn(a)
	if !strings.Contains(got, "Reason: cluster &lt;!channel&gt; &amp; &lt;https://evil.test|click&gt;") {
		t.Errorf("reason not escaped:\n%s", got)
	}
}

// TestSlackBatches: more alerts than one post carries go in several.
func TestSlackBatches(t *testing.T) {
	w := startWebhook(t, nil)
	var alerts []budget.Alert
	for pct := 1; pct <= 23; pct++ {
		alerts = append(alerts, threshold(nov, pct))
	}
	_, rep := deliver(t, slackIntegrations(t, w), alerts, testOptions(t.TempDir()))
	if rep.Sent != 23 || rep.Err() != nil {
		t.Fatalf("report %v: %v", rep, rep.Err())
	}
	var sizes []int
	for _, p := range w.accepted() {
		n := 0
		for _, b := range p.Blocks.BlockSet {
			if _, ok := b.(*slack.SectionBlock); ok {
				n++
			}
		}
		sizes = append(sizes, n)
	}
	if len(sizes) != 3 || sizes[0] != 10 || sizes[1] != 10 || sizes[2] != 3 {
		t.Errorf("post sizes %v, want [10 10 3]", sizes)
	}
}

// TestSlackErrors: which answers are worth a retry, and that no error
// shows the webhook URL.
func TestSlackErrors(t *testing.T) {
	tests := []struct {
		name      string
		code      int
		url       func(w *webhook) string
		retry     bool
		maybe     bool
		errSubstr string
	}{
		{name: "500 is retried", code: 500, retry: true, errSubstr: "500"},
		{name: "503 is retried", code: 503, retry: true, errSubstr: "503"},
		{name: "429 is retried", code: 429, retry: true, errSubstr: "rate limit"},
		{name: "400 is not", code: 400, retry: false, errSubstr: "400"},
		{name: "404 is not, and says which variable to check", code: 404, retry: false, errSubstr: "check SLACK_WEBHOOK_URL"},
		{
			name: "connection refused is retried",
			url: func(w *webhook) string {
				w.Close()
				return w.url()
			},
			retry: true, errSubstr: "refused",
		},
		{name: "answer lost after the request may have been delivered", code: hangUp, maybe: true, errSubstr: "answer lost"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := startWebhook(t, func(int) int { return tc.code })
			u := w.url()
			if tc.url != nil {
				u = tc.url(w)
			}
			s, err := NewSlack(Config{Slack: SlackConfig{WebhookURL: u}})
			if err != nil {
				t.Fatal(err)
			}
			retry, err := s.Notify(context.Background(), []budget.Alert{threshold(nov, 90)})
			if err == nil {
				t.Fatal("no error")
			}
			t.Logf("error: %v", err)
			if retry != tc.retry {
				t.Errorf("retry = %v, want %v (%v)", retry, tc.retry, err)
			}
			if got := errors.Is(err, ErrMaybeDelivered); got != tc.maybe {
				t.Errorf("maybe delivered = %v, want %v (%v)", got, tc.maybe, err)
			}
			if !strings.Contains(err.Error(), tc.errSubstr) {
				t.Errorf("error %q lacks %q", err, tc.errSubstr)
			}
			if strings.Contains(err.Error(), "xoxSecretToken123") || strings.Contains(err.Error(), "B0BUDGET") {
				t.Errorf("error shows the webhook: %v", err)
			}
		})
	}
}
