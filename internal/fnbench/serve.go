package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/content"
	"github.com/novadynamics/stellar-budget/internal/dbclient"
	"github.com/novadynamics/stellar-budget/internal/emulator"
	"github.com/novadynamics/stellar-budget/internal/fnenv"
	"github.com/novadynamics/stellar-budget/internal/snapshot"
	"github.com/novadynamics/stellar-budget/internal/trail"
)

// The callers' tokens, as STELLAR_AGENT_TOKENS gives them.
const (
	viewerToken   = "fnbench-viewer-token-0000001"
	operatorToken = "fnbench-operator-token-00001"
	agentTokens   = "viewer:" + viewerToken + ",operator:" + operatorToken
)

// fixture is what every part reads: the snapshot (its absolute path and
// contents), the division it was built from, and the clock the in-process
// functions see.
type fixture struct {
	path     string
	snap     *snapshot.Snapshot
	size     int64
	div      budget.Division
	asOfJSON []byte // `"as_of":"YYYY-MM-DD"`, which every right answer carries
	now      func() time.Time
}

func loadFixture(cfg config, now func() time.Time) (fixture, error) {
	path, err := filepath.Abs(cfg.snapshot)
	if err != nil {
		return fixture{}, fmt.Errorf("snapshot %s: %w", cfg.snapshot, err)
	}
	snap, err := snapshot.ReadFile(path)
	if err != nil {
		return fixture{}, fmt.Errorf("%w (build the site first: go run ./generator build, or pass --snapshot)", err)
	}
	if len(snap.Categories) == 0 {
		return fixture{}, fmt.Errorf("snapshot %s has no categories to predict", path)
	}
	div, err := content.Load(cfg.content)
	if err != nil {
		return fixture{}, err
	}
	info, err := os.Stat(path)
	if err != nil {
		return fixture{}, fmt.Errorf("snapshot %s: %w", path, err)
	}
	// The functions' clock runs from the end of the snapshot's data, so
	// that a what-if has the rest of the as-of month ahead of it.
	start := now()
	through := snap.DataThrough.Time()
	return fixture{
		path: path, snap: snap, size: info.Size(), div: div,
		asOfJSON: []byte(`"as_of":"` + string(snap.AsOf) + `"`),
		now:      func() time.Time { return through.Add(now().Sub(start)) },
	}, nil
}

// predictArguments are the predict_cost arguments the load cycles
// through: every category, every owner with an email address, a terminate
// what-if of every cluster of a category.
func (fx fixture) predictArguments() []json.RawMessage {
	var out []json.RawMessage
	add := func(v any) {
		b, _ := json.Marshal(v)
		out = append(out, b)
	}
	for _, c := range fx.snap.Categories {
		add(map[string]any{"category": c.Slug, "horizon_days": 30})
	}
	for _, o := range fx.snap.Owners {
		if !strings.Contains(o.Owner, "@") {
			continue // "(unknown)": no one to ask about
		}
		add(map[string]any{"owner": o.Owner, "horizon_days": 30})
	}
	for _, c := range fx.snap.Clusters {
		if _, ok := fx.snap.Category(c.Category); !ok {
			continue // unattributed spend
		}
		add(map[string]any{"category": c.Category, "horizon_days": 14, "what_if": map[string]any{"cluster_id": c.ID, "terminate": true}})
	}
	return out
}

// handlers are the two handlers on one loopback server, the agent acting
// on an emulator, and the client that loads them.
type handlers struct {
	client        *http.Client
	bare, predict target
	agentURL      string
	clusters      []budget.Cluster
	trail         trail.Store
	fx            fixture
	close         func()
}

// serve starts the emulator and a loopback server with the bare handler
// at /bare and the agent function at /.netlify/functions/agent, built by
// fnenv.Agent as serve builds it, its trail under dir.
func (fx fixture) serve(ctx context.Context, dir string) (*handlers, error) {
	quiet := slog.New(slog.DiscardHandler)
	emu, err := emulator.Start("127.0.0.1:0", emulator.Options{AsOf: fx.snap.AsOf.Time(), Division: fx.div, Log: quiet})
	if err != nil {
		return nil, err
	}
	sdk := emu.Config()
	sdk.RateLimitPerSecond = 100000 // the SDK's default of 15 a second would measure itself
	w, err := dbclient.Workspace(dbclient.Options{SDK: sdk})
	if err != nil {
		emu.Close()
		return nil, err
	}
	clusters := dbclient.NewClusters(w)
	all, err := clusters.List(ctx)
	if err != nil {
		emu.Close()
		return nil, fmt.Errorf("list the emulator's clusters: %w", err)
	}
	if len(all) == 0 {
		emu.Close()
		return nil, errors.New("the emulator has no clusters to scale")
	}
	stateDir := filepath.Join(dir, "state")
	env := map[string]string{"STELLAR_AGENT_TOKENS": agentTokens, "STELLAR_SNAPSHOT": fx.path, "STELLAR_STATE": stateDir}
	agent, err := fnenv.Agent(fnenv.Env{Getenv: func(k string) string { return env[k] }, Now: fx.now, Log: quiet, Clusters: clusters})
	if err != nil {
		emu.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/bare", bareHandler(string(fx.snap.AsOf)))
	mux.Handle("/.netlify/functions/agent", agent)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		emu.Close()
		return nil, fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	base := "http://" + ln.Addr().String()
	transport := &http.Transport{MaxIdleConns: 1000, MaxIdleConnsPerHost: 1000, IdleConnTimeout: time.Minute, DisableCompression: true}
	h := &handlers{
		client:   &http.Client{Transport: transport, Timeout: time.Minute},
		agentURL: base + "/.netlify/functions/agent",
		clusters: all,
		trail:    trail.NewFileStore(stateDir),
		fx:       fx,
		close: func() {
			transport.CloseIdleConnections()
			srv.Close()
			emu.Close()
		},
	}
	args := fx.predictArguments()
	h.bare = target{
		name: "bare handler", url: base + "/bare", header: jsonHeader(""),
		body:  func(i int) []byte { return request("predict_cost", "bare-"+strconv.Itoa(i), args[i%len(args)]) },
		check: fx.wants(`"ok":true`),
	}
	h.predict = target{
		name: "predict_cost", url: h.agentURL, header: jsonHeader(viewerToken),
		body:  func(i int) []byte { return request("predict_cost", "predict-"+strconv.Itoa(i), args[i%len(args)]) },
		check: fx.wants(`"prediction":{`),
	}
	return h, nil
}

// bareHandler is the baseline: it reads the body and writes a small JSON
// answer, as little as an HTTP function can do.
func bareHandler(asOf string) http.Handler {
	answer := []byte(`{"ok":true,"as_of":"` + asOf + `"}`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20)); err != nil {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(answer)
	})
}

func jsonHeader(token string) http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	return h
}

// request is an agent request {"tool", "request_id", "arguments"}.
func request(tool, id string, args json.RawMessage) []byte {
	b, _ := json.Marshal(struct {
		Tool      string          `json:"tool"`
		RequestID string          `json:"request_id"`
		Arguments json.RawMessage `json:"arguments"`
	}{tool, id, args})
	return b
}

// wants is a check: 200, the snapshot's as-of and want in the answer.
func (fx fixture) wants(want string) func(int, []byte) error {
	return func(status int, body []byte) error {
		if status != http.StatusOK {
			return fmt.Errorf("answered %d: %s", status, clip(body))
		}
		if !bytes.Contains(body, fx.asOfJSON) || !bytes.Contains(body, []byte(want)) {
			return fmt.Errorf("the answer lacks %s or %s: %s", fx.asOfJSON, want, clip(body))
		}
		return nil
	}
}

// acting is the scale_cluster part's figures.
type acting struct {
	stats
	outcomes map[trail.Outcome]int
	head     trail.Head
}

// act sends scale_cluster calls as the operator, each with its own
// request id, over the emulator's clusters (one worker asked for, so
// each category's rules decide: acted, dry-run, refused or noop); then
// the trail must hold one entry for each, its chain intact.
func (h *handlers) act(ctx context.Context, l load) (acting, error) {
	t := target{
		name: "scale_cluster", url: h.agentURL, header: jsonHeader(operatorToken),
		body: func(i int) []byte {
			args, _ := json.Marshal(map[string]any{"cluster_id": h.clusters[i%len(h.clusters)].ID, "workers": 1})
			return request("scale_cluster", "act-"+strconv.Itoa(i), args)
		},
		check: h.fx.wants(`"cluster":{`),
	}
	s, err := run(ctx, h.client, t, l)
	if err != nil {
		return acting{}, err
	}
	head, err := h.trail.Verify(ctx, "")
	if err != nil {
		return acting{}, fmt.Errorf("the trail after the scale_cluster calls: %w", err)
	}
	entries, err := h.trail.Entries(ctx)
	if err != nil {
		return acting{}, fmt.Errorf("read the trail: %w", err)
	}
	if len(entries) != s.requests {
		return acting{}, fmt.Errorf("the trail holds %d entries after %d scale_cluster calls", len(entries), s.requests)
	}
	a := acting{stats: s, outcomes: map[trail.Outcome]int{}, head: head}
	for _, e := range entries {
		a.outcomes[e.Outcome]++
	}
	return a, nil
}

// outcomeList is "acted 12, dry_run 300, ..." in a stable order.
func (a acting) outcomeList() string {
	keys := make([]string, 0, len(a.outcomes))
	for k := range a.outcomes {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	s := ""
	for i, k := range keys {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s %d", k, a.outcomes[trail.Outcome(k)])
	}
	return s
}
