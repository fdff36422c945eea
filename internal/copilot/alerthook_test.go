package copilot

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/breach"
	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/gate"
	"github.com/novadynamics/stellar-budget/internal/snapshot"
	"github.com/novadynamics/stellar-budget/internal/trail"
	"github.com/novadynamics/stellar-budget/internal/webhook"
)

var hookCreds = AlertCredentials{User: "databricks", Password: "webhook-password-0001", Secret: []byte("whsec-0123456789abcdef")}

var hookNow = time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)

// startHook serves the alert webhook beside the agent of env.
func startHook(t *testing.T, env *agentEnv) *httptest.Server {
	t.Helper()
	svc := &Service{
		Snapshot: func(context.Context) (*snapshot.Snapshot, error) { return env.snap, nil },
		Clusters: env.clusters, Trail: env.store, Now: func() time.Time { return hookNow },
	}
	srv := httptest.NewServer(AlertHandler(svc, hookCreds, func() time.Time { return hookNow }))
	t.Cleanup(srv.Close)
	return srv
}

// actingCategory is a category whose plan over the emulator's clusters
// has n acting steps, and those steps.
func actingCategory(t *testing.T, env *agentEnv, n int) (budget.Category, []breach.Step) {
	t.Helper()
	for _, c := range Division(env.snap).Categories {
		steps, err := breach.Plan(c, env.all)
		if err != nil {
			t.Fatal(err)
		}
		if a := actingSteps(steps); len(a) == n {
			return c, a
		}
	}
	t.Fatalf("no category with exactly %d clusters to act on in the emulator", n)
	return budget.Category{}, nil
}

func post(t *testing.T, url, body string, set func(*http.Request)) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if set != nil {
		set(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func basic(r *http.Request) { r.SetBasicAuth(hookCreds.User, hookCreds.Password) }

func signed(body string, at time.Time) func(*http.Request) {
	return func(r *http.Request) {
		r.Header.Set(gate.SignatureHeader, gate.Sign(hookCreds.Secret, at, []byte(body)))
	}
}

func sqlAlert(t *testing.T, name, state, evaluated string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "webhook", "testdata", "sql-alert-triggered.json"))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), `"name": "Exoplanet research daily spend"`, fmt.Sprintf("%q: %q", "name", name), 1)
	s = strings.Replace(s, `"state": "TRIGGERED"`, fmt.Sprintf(`"state": %q`, state), 1)
	return strings.Replace(s, "2026-12-05T08:00:12.345Z", evaluated, 1)
}

func stellarEvent(tag string) string {
	b, _ := json.Marshal(webhook.StellarEvent{Event: webhook.StellarEventName, Key: "threshold/" + tag + "/2026-12/90", Category: tag,
		Kind: "threshold", Threshold: 90, Time: "2026-12-03", Value: "4700.00", Budget: "5200.00", AsOf: "2026-12-04T00:00:00Z"})
	return string(b)
}

func TestAlertWebhookStatuses(t *testing.T) {
	env := startAgent(t, nil)
	srv := startHook(t, env)
	legacy, _ := os.ReadFile(filepath.Join("..", "webhook", "testdata", "sql-alert-legacy.json"))
	ok := sqlAlert(t, "Deep space telemetry spend", "TRIGGERED", "2026-12-05T08:00:00Z")
	ev := stellarEvent("DEEP_SPACE_TELEMETRY")
	cases := []struct {
		name, body string
		set        func(*http.Request)
		want       int
	}{
		{"basic", ok, basic, 200},
		{"no credentials", ok, nil, 401},
		{"wrong password", ok, func(r *http.Request) { r.SetBasicAuth(hookCreds.User, "nope") }, 401},
		{"signed", ev, signed(ev, hookNow.Add(-time.Minute)), 200},
		{"signature too old", ev, signed(ev, hookNow.Add(-6*time.Minute)), 401},
		{"signature of another body", ev, signed(ev+" ", hookNow), 401},
		{"legacy payload", string(legacy), basic, 422},
		{"no category", sqlAlert(t, "Daily revenue", "TRIGGERED", "2026-12-05T08:00:00Z"), basic, 422},
		{"not json", `{"event":`, basic, 400},
		{"unknown field in our own event", strings.Replace(ev, `"kind"`, `"kinds"`, 1), signed(strings.Replace(ev, `"kind"`, `"kinds"`, 1), hookNow), 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if code, b := post(t, srv.URL, tc.body, tc.set); code != tc.want {
				t.Fatalf("status %d, want %d: %s", code, tc.want, b)
			}
		})
	}
	if n := env.clusters.acts.Load(); n != 0 {
		t.Errorf("%d cluster actions with every category dry-run", n)
	}
}

func TestAlertWebhookNotTriggered(t *testing.T) {
	env := startAgent(t, nil)
	srv := startHook(t, env)
	code, b := post(t, srv.URL, sqlAlert(t, "deep-space-telemetry", "OK", "2026-12-05T09:00:00Z"), basic)
	var a BreachAnswer
	if err := json.Unmarshal(b, &a); code != 200 || err != nil || a.Outcome != trail.Noop || len(a.Clusters) != 0 {
		t.Fatalf("%d %s", code, b)
	}
	entries, err := env.store.Entries(context.Background())
	if err != nil || len(entries) != 1 || entries[0].Outcome != trail.Noop || entries[0].Tool != trail.ToolAlertWebhook {
		t.Errorf("trail %+v (%v): want one noop entry", entries, err)
	}
}

// TestAlertWebhookActsOnce: 200 concurrent deliveries of one event give
// one action and one trace; the exempt cluster and other categories'
// clusters are left as they were. With two clusters to act on, each
// gets its entry and its action, once.
func TestAlertWebhookActsOnce(t *testing.T) {
	for _, n := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d clusters", n), func(t *testing.T) { actsOnce(t, n) })
	}
}

func actsOnce(t *testing.T, n int) {
	probe := startAgent(t, nil)
	cat, steps := actingCategory(t, probe, n)
	env := startAgent(t, map[string]bool{cat.TagValue: true})
	srv := startHook(t, env)
	body := sqlAlert(t, cat.Title+" over 90 %", "TRIGGERED", "2026-12-05T08:00:00Z")
	var wg sync.WaitGroup
	bodies := make([]string, 200)
	for i := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, b := post(t, srv.URL, body, basic)
			if code != 200 {
				t.Errorf("delivery %d: %d %s", i, code, b)
			}
			bodies[i] = strings.TrimSpace(string(b))
		}()
	}
	wg.Wait()
	for i, b := range bodies {
		if b != bodies[0] {
			t.Fatalf("delivery %d answered differently:\n%s\n%s", i, b, bodies[0])
		}
	}
	if got := env.clusters.acts.Load(); got != int64(n) {
		t.Errorf("%d cluster actions, want %d", got, n)
	}
	// One cluster: the event's entry carries it; more: the event's entry
	// and one per cluster.
	want := n
	if n > 1 {
		want = n + 1
	}
	entries, err := env.store.Entries(context.Background())
	if err != nil || len(entries) != want {
		t.Fatalf("%d trail entries (%v), want %d", len(entries), err, want)
	}
	acted := map[string]bool{}
	for _, e := range entries {
		if e.Before != nil && e.Outcome == trail.Acted && e.Category == cat.TagValue {
			acted[e.Before.ID] = true
		}
	}
	for _, st := range steps {
		if !acted[st.Before.ID] {
			t.Errorf("no acted entry for %s in %+v", st.Before.ID, entries)
		}
	}
	after, err := env.clusters.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range after {
		var before budget.Cluster
		for _, b := range env.all {
			if b.ID == c.ID {
				before = b
			}
		}
		if !acted[c.ID] && (c.Workers != before.Workers || c.State != before.State) {
			t.Errorf("cluster %s (%s) changed: %+v -> %+v", c.ID, c.Tags[budget.CategoryTagKey], before, c)
		}
	}
}

// TestAlertWebhookThousandEvents: 1,000 distinct events give 1,000
// entries in the file trail, none lost, the chain intact.
func TestAlertWebhookThousandEvents(t *testing.T) {
	env := startAgent(t, nil)
	srv := startHook(t, env)
	const n = 1000
	base := time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			body := sqlAlert(t, "Exploratory missions daily spend", "TRIGGERED", base.Add(time.Duration(i)*time.Second).Format(time.RFC3339))
			if code, b := post(t, srv.URL, body, basic); code != 200 {
				t.Errorf("event %d: %d %s", i, code, b)
			}
		}()
	}
	wg.Wait()
	head, err := env.store.Verify(context.Background(), "")
	if err != nil || head.Entries != n {
		t.Fatalf("trail head %+v (%v), want %d entries", head, err, n)
	}
}
