package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
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

// postKeys are the alert keys of a post's sections, in order.
func postKeys(p slack.WebhookMessage) []string {
	var out []string
	for _, b := range p.Blocks.BlockSet {
		if s, ok := b.(*slack.SectionBlock); ok && s.BlockID != "" {
			out = append(out, s.BlockID)
		}
	}
	return out
}

// sectionTexts are the texts of a post's sections, in order.
func sectionTexts(t *testing.T, p slack.WebhookMessage) []string {
	t.Helper()
	var out []string
	for _, b := range p.Blocks.BlockSet {
		s, ok := b.(*slack.SectionBlock)
		if !ok {
			t.Fatalf("a %s block; every block is a section", b.BlockType())
		}
		if s.Text.Type != slack.MarkdownType {
			t.Errorf("section text type %q", s.Text.Type)
		}
		out = append(out, s.Text.Text)
	}
	return out
}

// TestSlackPayload delivers alerts of two categories to an httptest
// webhook: one post per category, the headline linked to the category
// page, a section per alert in the order they happened with the figure it
// fired at and today's, today's figures, and a plain-text fallback.
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
	if len(posts) != 2 {
		t.Fatalf("%d posts, want one per category", len(posts))
	}
	tests := []struct {
		name     string
		post     slack.WebhookMessage
		text     string
		keys     []string
		sections []string
	}{
		{
			name: "three alerts of a category with today's figures",
			post: posts[0],
			text: "Exploratory Missions reached 90 % of its November budget (and 2 more alerts)",
			keys: []string{"threshold/EXPLORATORY_MISSIONS/2026-11/50", "threshold/EXPLORATORY_MISSIONS/2026-11/90", "anomaly/EXPLORATORY_MISSIONS/2026-11-14"},
			sections: []string{
				"*<https://budget.novadynamics.test/categories/exploratory-missions/|Exploratory Missions reached 90 % of its November budget (and 2 more alerts)>*",
				"Exploratory Missions reached 50 % of its budget on 8 Nov at $5,050.00 month to date; today $9,420.10, 94.2 % of its $10,000.00 budget.\nReason: job 4411 (nightly-orbit-fit) doubled its runs",
				"Exploratory Missions reached 90 % of its budget on 12 Nov at $9,050.00 month to date; today $9,420.10, 94.2 % of its $10,000.00 budget.\nReason: job 4411 (nightly-orbit-fit) doubled its runs",
				"Exploratory Missions spent $1,830.25 on 14 Nov, against $310.00 expected.\nReason: cluster 0412-bx9 (i3.8xlarge, 40 workers) ran 19 h",
				"*As of 20 Nov*\nMonth to date: $9,420.10 (94.2 % of budget)\nBudget for November: $10,000.00\nProjected month end: $11,873.35 (118.7 % of budget)\nStatus: projected over",
			},
		},
		{
			name: "one alert of a category without current figures",
			post: posts[1],
			text: "Navigation Systems is forecast to reach 100 % of its November budget",
			keys: []string{"forecast/NAVIGATION_SYSTEMS/2026-11"},
			sections: []string{
				"*<https://budget.novadynamics.test/categories/navigation-systems/|Navigation Systems is forecast to reach 100 % of its November budget>*",
				"Navigation Systems first projected over budget on 10 Nov at $5,400.00, 108.0 % of its $5,000.00 budget.\nReason: weekday spend up 18 % since the 3rd",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.post.Text != tc.text {
				t.Errorf("fallback text %q, want %q", tc.post.Text, tc.text)
			}
			if got := postKeys(tc.post); !slices.Equal(got, tc.keys) {
				t.Errorf("alert sections %v, want %v", got, tc.keys)
			}
			got := sectionTexts(t, tc.post)
			if len(got) != len(tc.sections) {
				t.Fatalf("%d sections, want %d:\n%s", len(got), len(tc.sections), strings.Join(got, "\n---\n"))
			}
			for i := range got {
				if got[i] != tc.sections[i] {
					t.Errorf("section %d:\n got %q\nwant %q", i, got[i], tc.sections[i])
				}
			}
		})
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
	texts := sectionTexts(t, *s.message([]budget.Alert{a}))
	if len(texts) != 2 || !strings.HasSuffix(texts[1], "\nReason: cluster &lt;!channel&gt; &amp; &lt;https://evil.test|click&gt;") {
		t.Errorf("reason not escaped:\n%s", strings.Join(texts, "\n---\n"))
	}
}

// TestSlackBatches: a post carries one category's alerts, ten at most;
// more go in several posts.
func TestSlackBatches(t *testing.T) {
	w := startWebhook(t, nil)
	var alerts []budget.Alert
	for pct := 1; pct <= 23; pct++ {
		alerts = append(alerts, threshold(nov, pct))
		if pct == 5 {
			alerts = append(alerts, forecastAlert(nov))
		}
	}
	_, rep := deliver(t, slackIntegrations(t, w), alerts, testOptions(t.TempDir()))
	if rep.Sent != 24 || rep.Err() != nil {
		t.Fatalf("report %v: %v", rep, rep.Err())
	}
	var sizes []int
	for _, p := range w.accepted() {
		keys := postKeys(p)
		for _, k := range keys {
			if strings.Contains(k, navigation) != strings.Contains(keys[0], navigation) {
				t.Errorf("a post mixes categories: %v", keys)
			}
		}
		sizes = append(sizes, len(keys))
	}
	if !slices.Equal(sizes, []int{10, 10, 3, 1}) {
		t.Errorf("post sizes %v, want [10 10 3 1]", sizes)
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
