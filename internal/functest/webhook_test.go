package functest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/breach"
	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/content"
	"github.com/novadynamics/stellar-budget/internal/copilot"
	"github.com/novadynamics/stellar-budget/internal/dbclient"
	"github.com/novadynamics/stellar-budget/internal/demo"
	"github.com/novadynamics/stellar-budget/internal/duckdb"
	"github.com/novadynamics/stellar-budget/internal/emulator"
	"github.com/novadynamics/stellar-budget/internal/snapshot"
	"github.com/novadynamics/stellar-budget/internal/trail"
)

const table = "main.stellar.agent_trail"

var creds = copilot.AlertCredentials{User: "databricks", Password: "webhook-password-0001"}

// counting counts the cluster actions that reach the workspace.
type counting struct {
	dbclient.Clusters
	acts atomic.Int64
}

func (c *counting) Resize(ctx context.Context, id string, n int) error {
	c.acts.Add(1)
	return c.Clusters.Resize(ctx, id, n)
}

func (c *counting) Terminate(ctx context.Context, id string) error {
	c.acts.Add(1)
	return c.Clusters.Terminate(ctx, id)
}

type env struct {
	hook     *httptest.Server
	store    *trail.TableStore
	clusters *counting
	div      budget.Division
	all      []budget.Cluster
}

// start serves the alert webhook against an emulator whose SQL engine
// holds the trail table, the categories of content/ acting for real
// where live says so.
func start(t *testing.T, live map[string]bool) *env {
	t.Helper()
	div, err := content.Load(filepath.Join("..", "..", "content"))
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.DiscardHandler)
	asOf := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	tables, err := duckdb.OpenSystemTables(context.Background(), duckdb.Options{Log: quiet}, demo.Config{Division: div, Through: asOf, Rows: 500})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tables.Close() })
	emu, err := emulator.Start("127.0.0.1:0", emulator.Options{AsOf: asOf, Division: div, SQL: tables, TraceTable: table, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	cfg := emu.Config()
	cfg.RateLimitPerSecond = 10000
	w, err := dbclient.Workspace(dbclient.Options{SDK: cfg})
	if err != nil {
		t.Fatal(err)
	}
	store, err := trail.NewTableStore(trail.TableOptions{Name: table, WarehouseID: emu.DefaultWarehouseID(), Statements: w.StatementExecution, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Create(context.Background()); err != nil {
		t.Fatal(err)
	}
	e := &env{store: store, clusters: &counting{Clusters: dbclient.NewClusters(w)}, div: div}
	if e.all, err = e.clusters.List(context.Background()); err != nil {
		t.Fatal(err)
	}
	snap := &snapshot.Snapshot{SchemaVersion: snapshot.SchemaVersion, AsOf: snapshot.DateOf(asOf), DataThrough: snapshot.TimeOf(asOf.AddDate(0, 0, 1))}
	for _, c := range div.Categories {
		snap.Categories = append(snap.Categories, snapshot.Category{Slug: c.Slug, Title: c.Title, TagValue: c.TagValue,
			MonthlyBudget: snapshot.USD(c.MonthlyBudget), Policy: snapshot.Policy{MaxWorkers: c.Policy.MaxWorkers},
			OnBreach: snapshot.Breach{Action: c.OnBreach.Action, DryRun: !live[c.TagValue]}})
	}
	now := func() time.Time { return asOf.AddDate(0, 0, 1) }
	svc := &copilot.Service{Snapshot: func(context.Context) (*snapshot.Snapshot, error) { return snap, nil },
		Clusters: e.clusters, Trail: store, Now: now, Log: quiet}
	e.hook = httptest.NewServer(copilot.AlertHandler(svc, creds, now))
	t.Cleanup(e.hook.Close)
	return e
}

func alert(t *testing.T, name, evaluated string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "webhook", "testdata", "sql-alert-triggered.json"))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), `"name": "Exoplanet research daily spend"`, fmt.Sprintf(`"name": %q`, name), 1)
	return strings.Replace(s, "2026-12-05T08:00:12.345Z", evaluated, 1)
}

func (e *env) deliver(t *testing.T, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.hook.URL, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(creds.User, creds.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// TestOneEventActsOnceWithTheTable: 200 concurrent deliveries of one SQL
// alert give one action and one entry in the Delta table.
func TestOneEventActsOnceWithTheTable(t *testing.T) {
	probe := start(t, nil)
	var cat budget.Category
	for _, c := range probe.div.Categories {
		steps, err := breach.Plan(c, probe.all)
		if err == nil && len(stepsActing(steps)) == 1 {
			cat = c
		}
	}
	if cat.TagValue == "" {
		t.Fatal("no category with one cluster to act on")
	}
	e := start(t, map[string]bool{cat.TagValue: true})
	body := alert(t, cat.Title+" over budget", "2026-12-05T08:00:00Z")
	var wg sync.WaitGroup
	answers := make([]string, 200)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, b := e.deliver(t, body)
			if code != 200 {
				t.Errorf("delivery %d: %d %s", i, code, b)
			}
			answers[i] = b
		}()
	}
	wg.Wait()
	for i, a := range answers {
		if a != answers[0] {
			t.Fatalf("delivery %d answered differently", i)
		}
	}
	if n := e.clusters.acts.Load(); n != 1 {
		t.Errorf("%d cluster actions, want 1", n)
	}
	entries, err := e.store.Entries(context.Background())
	if err != nil || len(entries) != 1 || entries[0].Outcome != trail.Acted {
		t.Fatalf("%d entries (%v): want one acted", len(entries), err)
	}
}

// TestThousandEventsWithTheTable: 1,000 distinct events give 1,000
// entries, none lost, the chain intact.
func TestThousandEventsWithTheTable(t *testing.T) {
	e := start(t, nil)
	const n = 1000
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	base := time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			body := alert(t, "Exploratory missions daily spend", base.Add(time.Duration(i)*time.Second).Format(time.RFC3339))
			if code, b := e.deliver(t, body); code != 200 {
				t.Errorf("event %d: %d %s", i, code, b)
			}
		}()
	}
	wg.Wait()
	head, err := e.store.Verify(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := e.store.Entries(context.Background())
	if err != nil || len(entries) != n || head.Entries != n {
		t.Fatalf("%d entries, head %+v (%v); want %d", len(entries), head, err, n)
	}
	keys := map[string]bool{}
	for _, en := range entries {
		keys[en.Key] = true
	}
	if len(keys) != n {
		t.Errorf("%d distinct keys, want %d", len(keys), n)
	}
}

func stepsActing(steps []breach.Step) []breach.Step {
	var out []breach.Step
	for _, s := range steps {
		if s.Acts() {
			out = append(out, s)
		}
	}
	return out
}
