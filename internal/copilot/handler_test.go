package copilot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go/config"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/content"
	"github.com/novadynamics/stellar-budget/internal/dbclient"
	"github.com/novadynamics/stellar-budget/internal/emulator"
	"github.com/novadynamics/stellar-budget/internal/gate"
	"github.com/novadynamics/stellar-budget/internal/snapshot"
	"github.com/novadynamics/stellar-budget/internal/trail"
)

const (
	viewerToken   = "viewer-token-0000000001"
	operatorToken = "operator-token-00000001"
)

// counting counts the resizes and terminations that reach the workspace.
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

type agentEnv struct {
	srv      *httptest.Server
	clusters *counting
	store    *trail.FileStore
	snap     *snapshot.Snapshot
	all      []budget.Cluster
}

// startAgent serves the agent function against a fresh emulator seeded
// from content/, its snapshot's categories those of content/ with
// scale_down acting for real where live is true.
func startAgent(t *testing.T, live map[string]bool) *agentEnv {
	t.Helper()
	div, clusters := startWorkspace(t)
	var err error
	env := &agentEnv{clusters: clusters, store: trail.NewFileStore(t.TempDir())}
	env.snap = testSnapshot()
	env.snap.Categories = nil
	for _, c := range div.Categories {
		env.snap.Categories = append(env.snap.Categories, snapshot.Category{Slug: c.Slug, Title: c.Title, TagValue: c.TagValue,
			MonthlyBudget: snapshot.USD(c.MonthlyBudget), Policy: snapshot.Policy{MaxWorkers: c.Policy.MaxWorkers},
			OnBreach: snapshot.Breach{Action: c.OnBreach.Action, DryRun: !live[c.TagValue]}})
	}
	if env.all, err = env.clusters.List(context.Background()); err != nil {
		t.Fatal(err)
	}
	tokens, err := gate.ParseTokens("viewer:" + viewerToken + ",operator:" + operatorToken)
	if err != nil {
		t.Fatal(err)
	}
	svc := &Service{
		Snapshot: func(context.Context) (*snapshot.Snapshot, error) { return env.snap, nil },
		Clusters: env.clusters, Trail: env.store,
		Now: func() time.Time { return time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC) },
	}
	env.srv = httptest.NewServer(Handler(svc, tokens))
	t.Cleanup(env.srv.Close)
	return env
}

// startWorkspace starts an emulator seeded from content/ and returns the
// division and the cluster actions of its workspace, counted.
func startWorkspace(t *testing.T) (budget.Division, *counting) {
	t.Helper()
	div, err := content.Load(filepath.Join("..", "..", "content"))
	if err != nil {
		t.Fatal(err)
	}
	emu, err := emulator.Start("127.0.0.1:0", emulator.Options{AsOf: time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC), Division: div, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	for _, a := range config.ConfigAttributes {
		for _, v := range a.EnvVars {
			t.Setenv(v, "")
		}
	}
	t.Setenv("DATABRICKS_CONFIG_FILE", filepath.Join(t.TempDir(), "none.cfg"))
	t.Setenv("DATABRICKS_RATE_LIMIT", "10000")
	w, err := dbclient.Workspace(dbclient.Options{SDK: emu.Config()})
	if err != nil {
		t.Fatal(err)
	}
	return div, &counting{Clusters: dbclient.NewClusters(w)}
}

// cluster finds a listed cluster that satisfies ok.
func (e *agentEnv) cluster(t *testing.T, what string, ok func(budget.Cluster) bool) budget.Cluster {
	t.Helper()
	for _, c := range e.all {
		if ok(c) {
			return c
		}
	}
	t.Fatalf("the emulator has no %s cluster", what)
	return budget.Cluster{}
}

func (e *agentEnv) call(t *testing.T, token, ctype, body string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func scaleBody(id, cluster string, workers int) string {
	return fmt.Sprintf(`{"tool":"scale_cluster","request_id":%q,"arguments":{"cluster_id":%q,"workers":%d}}`, id, cluster, workers)
}

func running(c budget.Cluster) bool { return c.State == budget.ClusterRunning }

func TestAgentStatuses(t *testing.T) {
	env := startAgent(t, nil)
	predict := `{"tool":"predict_cost","request_id":"p-1","arguments":{"owner":"ana@nova.example","horizon_days":30}}`
	cases := []struct {
		name, method, token, ctype, body string
		want                             int
	}{
		{"viewer predicts", "POST", viewerToken, "application/json", predict, 200},
		{"GET", "GET", viewerToken, "application/json", predict, 405},
		{"too large", "POST", viewerToken, "application/json", strings.Repeat(" ", gate.MaxBody+1), 413},
		{"text", "POST", viewerToken, "text/plain", predict, 415},
		{"no token", "POST", "", "application/json", predict, 401},
		{"unknown token", "POST", "operator-token-00000002", "application/json", predict, 401},
		{"viewer may not act", "POST", viewerToken, "application/json", scaleBody("s-1", "c-x", 1), 403},
		{"role before arguments", "POST", viewerToken, "application/json", `{"tool":"scale_cluster","request_id":"s-2","arguments":{"bogus":1}}`, 403},
		{"bad envelope", "POST", viewerToken, "application/json", `{"tool":"predict_cost","request_id":"p-2","arguments":{},"extra":1}`, 400},
		{"bad arguments", "POST", viewerToken, "application/json", `{"tool":"predict_cost","request_id":"p-3","arguments":{"category":"DEEP_SPACE","horizon_days":91}}`, 422},
		{"unknown tool", "POST", operatorToken, "application/json", `{"tool":"rm","request_id":"x","arguments":{}}`, 422},
		{"unknown cluster", "POST", operatorToken, "application/json", scaleBody("s-3", "no-such-cluster", 1), 422},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, env.srv.URL, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.ctype)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.want, b)
			}
			if bytes.Contains(b, []byte(tc.token)) && tc.token != "" {
				t.Errorf("the answer echoes the token: %s", b)
			}
		})
	}
	if n := env.clusters.acts.Load(); n != 0 {
		t.Errorf("%d cluster actions from refused calls", n)
	}
}

func TestAgentScaleCluster(t *testing.T) {
	env := startAgent(t, map[string]bool{"DEEP_SPACE_TELEMETRY": true, "EXOPLANET_RESEARCH": true, "NAVIGATION_SYSTEMS": true, "ORBITAL_MECHANICS": true, "MATERIALS_SCIENCE": true})
	tagged := func(c budget.Cluster) string { return budget.NormalizeTag(c.Tags[budget.CategoryTagKey]) }
	live := env.cluster(t, "running fixed-size, acting", func(c budget.Cluster) bool {
		_, ok := env.snap.Category(tagged(c))
		cat, _ := env.snap.Category(tagged(c))
		return ok && running(c) && c.Autoscale == nil && c.Workers >= 2 && !c.Exempt() && c.AllPurpose() && !cat.OnBreach.DryRun
	})
	exempt := env.cluster(t, "exempt", budget.Cluster.Exempt)
	stopped := env.cluster(t, "another running", func(c budget.Cluster) bool {
		return running(c) && !c.Exempt() && tagged(c) != "" && c.ID != live.ID
	})
	if err := env.clusters.Clusters.Terminate(context.Background(), stopped.ID); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		cluster budget.Cluster
		outcome trail.Outcome
	}{
		{"exempt is refused", exempt, trail.Refused},
		{"not running is refused", stopped, trail.Refused},
		{"a running cluster is resized", live, trail.Acted},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, b := env.call(t, operatorToken, "application/json", scaleBody(fmt.Sprintf("r-%d", i), tc.cluster.ID, 1))
			var a Answer
			if err := json.Unmarshal(b, &a); code != 200 || err != nil || a.Cluster == nil || a.Outcome != tc.outcome || a.AsOf == "" {
				t.Fatalf("%d %s; want outcome %s", code, b, tc.outcome)
			}
		})
	}
	if n := env.clusters.acts.Load(); n != 1 {
		t.Errorf("%d cluster actions, want 1", n)
	}
	got, err := env.clusters.Get(context.Background(), live.ID)
	if err != nil || got.Workers != 1 {
		t.Errorf("after the resize: %+v, %v", got, err)
	}
	entries, err := env.store.Entries(context.Background())
	if err != nil || len(entries) != len(cases) {
		t.Fatalf("%d trail entries (%v), want %d", len(entries), err, len(cases))
	}
	last := entries[len(entries)-1]
	if last.Outcome != trail.Acted || last.Before.Workers != live.Workers || last.After.Workers != 1 || last.Caller != "token:operator#1" {
		t.Errorf("trail entry %+v", last)
	}
}

func TestAgentDryRunAndReplay(t *testing.T) {
	env := startAgent(t, nil) // every category dry-run
	c := env.cluster(t, "running fixed-size", func(c budget.Cluster) bool {
		return running(c) && c.Autoscale == nil && c.Workers >= 2 && !c.Exempt() && c.Tags[budget.CategoryTagKey] != ""
	})
	body := scaleBody("same-id", c.ID, 1)
	var wg sync.WaitGroup
	answers := make([][]byte, 200)
	replays := atomic.Int64{}
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, h, b := env.call(t, operatorToken, "application/json", body)
			if code != 200 {
				t.Errorf("call %d: %d %s", i, code, b)
			}
			if h.Get(ReplayedHeader) == "true" {
				replays.Add(1)
			}
			answers[i] = b
		}()
	}
	wg.Wait()
	for i, b := range answers[1:] {
		if !bytes.Equal(bytes.TrimSpace(b), bytes.TrimSpace(answers[0])) {
			t.Fatalf("answer %d differs:\n%s\n%s", i+1, b, answers[0])
		}
	}
	if replays.Load() != 199 {
		t.Errorf("%d replayed answers, want 199", replays.Load())
	}
	var a Answer
	_ = json.Unmarshal(answers[0], &a)
	if a.Outcome != trail.DryRun || env.clusters.acts.Load() != 0 {
		t.Errorf("outcome %s with %d actions; want dry_run and none", a.Outcome, env.clusters.acts.Load())
	}
	entries, err := env.store.Entries(context.Background())
	if err != nil || len(entries) != 1 {
		t.Errorf("%d trail entries (%v), want 1", len(entries), err)
	}
}
