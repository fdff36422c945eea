package warehouse

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/service/sql"

	"github.com/novadynamics/stellar-budget/internal/attribtest"
	"github.com/novadynamics/stellar-budget/internal/attribution"
	"github.com/novadynamics/stellar-budget/internal/billing"
	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/content"
	"github.com/novadynamics/stellar-budget/internal/demo"
	"github.com/novadynamics/stellar-budget/internal/duckdb"
	"github.com/novadynamics/stellar-budget/internal/emulator"
)

// The emulated account: the demo account as of asOf. The tests attribute
// a short window of it, so each full pull stays quick.
var (
	asOf       = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	windowFrom = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
)

// testEmulator is one emulator for the whole test binary: loading the demo
// account's system tables is the slow part. Tests run one after another
// and switch their faults off when they end (setFaults).
type testEmulator struct {
	*emulator.Running
	tables    *duckdb.SystemTables
	env       map[string]string
	tagValues []string
}

var shared struct {
	once sync.Once
	emu  *testEmulator
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.emu != nil {
		shared.emu.Close()
		shared.emu.tables.Close()
	}
	os.Exit(code)
}

// startEmulator returns the shared emulator, starting it on first use.
func startEmulator(t *testing.T) *testEmulator {
	t.Helper()
	shared.once.Do(func() { shared.emu, shared.err = newTestEmulator() })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.emu
}

func newTestEmulator() (*testEmulator, error) {
	div, err := content.Load("../../content")
	if err != nil {
		return nil, err
	}
	log := quietLog()
	tables, err := duckdb.OpenSystemTables(context.Background(), duckdb.Options{Log: log}, demo.Config{Division: div, Through: asOf.AddDate(0, 0, 1)})
	if err != nil {
		return nil, err
	}
	// Small chunks, so results come in many.
	run, err := emulator.Start("127.0.0.1:0", emulator.Options{AsOf: asOf, Division: div, SQL: tables, ChunkRows: 400, Log: log})
	if err != nil {
		tables.Close()
		return nil, err
	}
	e := &testEmulator{Running: run, tables: tables, env: map[string]string{}, tagValues: div.TagValues()}
	for _, kv := range run.Env() {
		k, v, _ := strings.Cut(kv, "=")
		e.env[k] = v
	}
	return e, nil
}

// config is the SDK configuration the emulator's export lines give, with
// transport (nil: the default) under it.
func (e *testEmulator) config(transport http.RoundTripper) *databricks.Config {
	cfg := e.Config()
	cfg.HTTPTransport = transport
	return cfg
}

// source is a databricks source on the emulator with quick polling.
func (e *testEmulator) source(stateDir string, transport http.RoundTripper) Source {
	return Source{
		Config: Config{
			WarehouseID: e.env["DATABRICKS_WAREHOUSE_ID"], SDK: e.config(transport),
			PollInterval: 10 * time.Millisecond, RetryBackoff: 10 * time.Millisecond,
		},
		StateDir: stateDir, From: windowFrom, To: asOf,
		Now: asOf.Add(6 * time.Hour), Log: quietLog(),
	}
}

// admin calls an emulator admin endpoint.
func (e *testEmulator) admin(method, path string, body any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.URL+path, r)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+e.PAT())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, msg)
	}
	return nil
}

// setFaults switches faults on until the test ends.
func (e *testEmulator) setFaults(t *testing.T, faults map[string]any) {
	t.Helper()
	t.Cleanup(func() {
		if err := e.admin(http.MethodDelete, "/emulator/admin/faults", nil); err != nil {
			t.Errorf("clear faults: %v", err)
		}
	})
	if err := e.admin(http.MethodPost, "/emulator/admin/faults", faults); err != nil {
		t.Fatal(err)
	}
}

// recorder is the SDK's HTTP transport in these tests: it keeps every
// statement sent and counts the requests.
type recorder struct {
	mu         sync.Mutex
	statements []string
	requests   int
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.requests++
	r.mu.Unlock()
	if req.Method == http.MethodPost && req.URL.Path == "/api/2.0/sql/statements" {
		body, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		var sent sql.ExecuteStatementRequest
		if err := json.Unmarshal(body, &sent); err != nil {
			return nil, fmt.Errorf("statement request: %w", err)
		}
		r.mu.Lock()
		r.statements = append(r.statements, sent.Statement)
		r.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(req)
}

func (r *recorder) sent() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.statements...)
}

// factCount is how many facts res holds at all its grains.
func factCount(res attribution.Result) int {
	return len(res.Facts.Months) + len(res.Facts.Days) + len(res.Facts.Detail)
}

// dayCosts sums facts' cost per usage day and category.
func dayCosts(res attribution.Result) map[string]budget.Decimal {
	out := map[string]budget.Decimal{}
	for _, f := range res.Facts.Days {
		k := f.Date.Format(time.DateOnly) + " " + f.Category
		out[k] = out[k].Add(f.Cost)
	}
	return out
}

// TestResultTypes runs the attribution statement through the SDK and
// holds the manifest to the contract: same names, same Databricks types.
func TestResultTypes(t *testing.T) {
	e := startEmulator(t)
	w, err := databricks.NewWorkspaceClient(e.config(nil))
	if err != nil {
		t.Fatal(err)
	}
	stmt, err := attributionStatement(pull{From: asOf.AddDate(0, 0, -2), To: asOf}, e.tagValues)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := w.StatementExecution.ExecuteStatement(t.Context(), sql.ExecuteStatementRequest{
		WarehouseId: e.env["DATABRICKS_WAREHOUSE_ID"], Statement: stmt, WaitTimeout: "30s",
		Disposition: sql.DispositionInline, Format: sql.FormatJsonArray,
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status.State != sql.StatementStateSucceeded {
		t.Fatalf("state %s: %+v", resp.Status.State, resp.Status.Error)
	}
	got := resp.Manifest.Schema.Columns
	if len(got) != len(attribution.ResultColumns) {
		t.Fatalf("%d columns, want %d", len(got), len(attribution.ResultColumns))
	}
	for i, want := range attribution.ResultColumns {
		if got[i].Name != want.Name || got[i].TypeText != want.Type {
			t.Errorf("column %d is %s %s, want %s %s", i, got[i].Name, got[i].TypeText, want.Name, want.Type)
		}
	}
	if resp.Manifest.TotalRowCount == 0 {
		t.Error("no rows for the last three days")
	}
}

// TestGrainsMatchOracle: the source's grains are budget.RollUp of the
// pure-Go oracle's facts of the window, for a given detail_from and one
// derived from the data, from the warehouse and from the cache alike. It
// runs before the tests that add usage to the shared emulator.
func TestGrainsMatchOracle(t *testing.T) {
	e := startEmulator(t)
	div, err := content.Load("../../content")
	if err != nil {
		t.Fatal(err)
	}
	cfg := demo.Config{Division: div, Through: asOf.AddDate(0, 0, 1)}
	o := attribtest.New(e.tagValues, demo.ListPrices(cfg))
	err = demo.Usage(cfg, func(r billing.UsageRecord) error {
		if d := billing.Date(r.UsageDate); d.Before(windowFrom) || d.After(asOf) {
			return nil
		}
		return o.Add(r)
	})
	if err != nil {
		t.Fatal(err)
	}
	facts, err := o.Facts()
	if err != nil {
		t.Fatal(err)
	}
	given := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	state := t.TempDir()
	for _, tc := range []struct {
		name             string
		detailFrom, want time.Time
		offline          bool
	}{
		{"given detail_from", given, given, false},
		{"derived detail_from", time.Time{}, budget.DetailStart(asOf), false},
		{"given detail_from, offline", given, given, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := e.source(state, nil)
			s.DetailFrom, s.Offline = tc.detailFrom, tc.offline
			res, err := s.Attribute(t.Context(), e.tagValues)
			if err != nil {
				t.Fatal(err)
			}
			if res.Rows != o.Rows() {
				t.Errorf("rows %d, oracle %d", res.Rows, o.Rows())
			}
			want := budget.RollUp(facts, tc.want)
			if len(want.Detail) == 0 || !tc.detailFrom.IsZero() && len(want.Detail) == len(facts) {
				t.Fatalf("%d detail facts of %d: the case does not tell the grains apart", len(want.Detail), len(facts))
			}
			for _, d := range attribtest.GrainDiffs(res.Facts, want) {
				t.Error(d)
			}
		})
	}
}

// TestFullThenIncremental: the first build pulls every day, one statement
// a month; the second only the days touched since the watermark, with the
// same facts. Every statement sent is valid Databricks SQL.
func TestFullThenIncremental(t *testing.T) {
	e := startEmulator(t)
	state := t.TempDir()
	var first, second recorder
	full, err := e.source(state, &first).Attribute(t.Context(), e.tagValues)
	if err != nil {
		t.Fatal(err)
	}
	incr, err := e.source(state, &second).Attribute(t.Context(), e.tagValues)
	if err != nil {
		t.Fatal(err)
	}

	if sent := first.sent(); len(sent) != 3 || sent[0] != watermarkStatement ||
		!strings.Contains(sent[1], "BETWEEN DATE '2026-10-01' AND DATE '2026-10-31'") ||
		!strings.Contains(sent[2], "BETWEEN DATE '2026-11-01' AND DATE '2026-11-23'") || strings.Contains(sent[2], "ingestion_date") {
		t.Errorf("first build sent %d statements, want the watermark and one per month", len(sent))
	}
	if sent := second.sent(); len(sent) != 2 || !strings.Contains(sent[1], "ingestion_date >= DATE '2026-11-23'") {
		t.Errorf("second build sent %d statements, want the watermark and the days since it", len(sent))
	}
	for i, q := range append(first.sent(), second.sent()...) {
		t.Run(fmt.Sprintf("statement %d", i+1), func(t *testing.T) { checkDatabricksSQL(t, q) })
	}

	if factCount(full) == 0 || full.Rows == 0 || len(full.Hourly) == 0 {
		t.Fatalf("full pull: %d facts, %d rows, %d hourly", factCount(full), full.Rows, len(full.Hourly))
	}
	if full.Facts.Days[0].Date.Format(time.DateOnly) != "2026-10-01" || !full.LastUsage.Equal(asOf.AddDate(0, 0, 1)) {
		t.Errorf("facts from %s, last usage %s: want the window 2026-10-01 to the end of %s", full.Facts.Days[0].Date, full.LastUsage, asOf)
	}
	if full.Rows != incr.Rows || factCount(full) != factCount(incr) || len(full.Hourly) != len(incr.Hourly) {
		t.Errorf("incremental build: %d rows %d facts %d hourly, full: %d %d %d",
			incr.Rows, factCount(incr), len(incr.Hourly), full.Rows, factCount(full), len(full.Hourly))
	}
	a, b := dayCosts(full), dayCosts(incr)
	for k, v := range a {
		if b[k].Cmp(v) != 0 {
			t.Errorf("%s: full %s, incremental %s", k, v, b[k])
		}
	}
	if !strings.Contains(full.Inputs[1], "54 usage days pulled in full") {
		t.Errorf("inputs %q", full.Inputs)
	}
	if !strings.Contains(incr.Inputs[0], e.URL) || !strings.Contains(incr.Inputs[0], e.env["DATABRICKS_WAREHOUSE_ID"]) ||
		!strings.Contains(incr.Inputs[1], "pulled incrementally, cached through 2026-11-23 (ingestion watermark 2026-11-23)") {
		t.Errorf("inputs %q", incr.Inputs)
	}
}

// TestLateCorrection: a correction ingested weeks after its usage day is
// picked up by the next build, and moves that day by exactly its amount.
func TestLateCorrection(t *testing.T) {
	e := startEmulator(t)
	state := t.TempDir()
	before, err := e.source(state, nil).Attribute(t.Context(), e.tagValues)
	if err != nil {
		t.Fatal(err)
	}
	// The day's DEEP_SPACE_TELEMETRY usage restated at 1.1 times, ingested
	// on the emulated today, three weeks after the usage.
	err = e.admin(http.MethodPost, "/emulator/admin/corrections", map[string]string{
		"usage_date": "2026-11-02", "factor": "1.1", "category": "DEEP_SPACE_TELEMETRY",
	})
	if err != nil {
		t.Fatal(err)
	}
	var rec recorder
	after, err := e.source(state, &rec).Attribute(t.Context(), e.tagValues)
	if err != nil {
		t.Fatal(err)
	}
	if sent := rec.sent(); len(sent) != 2 || !strings.Contains(sent[1], "ingestion_date >=") {
		t.Fatalf("second build sent %d statements, want an incremental pull", len(sent))
	}
	was, now := dayCosts(before), dayCosts(after)
	key := "2026-11-02 DEEP_SPACE_TELEMETRY"
	if was[key].IsZero() {
		t.Fatalf("no %s cost before the correction", key)
	}
	want := was[key].Add(mulTenth(t, was[key]))
	if now[key].Cmp(want) != 0 {
		t.Errorf("%s: %s after the correction, want %s (1.1 x %s)", key, now[key], want, was[key])
	}
	for k, v := range was {
		if k != key && now[k].Cmp(v) != 0 {
			t.Errorf("%s moved from %s to %s", k, v, now[k])
		}
	}
	if after.Rows <= before.Rows {
		t.Errorf("records %d after the correction, %d before: the correction's rows are not counted", after.Rows, before.Rows)
	}
}

// mulTenth is d / 10, exactly.
func mulTenth(t *testing.T, d budget.Decimal) budget.Decimal {
	t.Helper()
	r := d.Rat()
	r.Quo(r, budget.DecimalFromInt(10).Rat())
	out, err := budget.ParseDecimal(r.FloatString(20))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRetriesSucceed: the SDK retries 429 (with Retry-After) and 503; the
// source retries 500 on every statement call. A pull through them gives
// the facts of a clean one.
func TestRetriesSucceed(t *testing.T) {
	e := startEmulator(t)
	clean, err := e.source(t.TempDir(), nil).Attribute(t.Context(), e.tagValues)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		faults map[string]any
	}{
		{"429 with Retry-After", map[string]any{"too_many_requests": map[string]any{"count": 2}, "retry_after": "1s"}},
		{"503", map[string]any{"unavailable": map[string]any{"count": 1, "path_prefix": "/api/2.0/sql/"}}},
		{"500 on submit", map[string]any{"internal_errors": map[string]any{"count": 3, "path_prefix": "/api/2.0/sql/statements"}}},
		{"500 on chunks", map[string]any{"internal_errors": map[string]any{"count": 4, "path_prefix": "/api/2.0/sql/statements/"}}},
		{"500 on the warehouse", map[string]any{"internal_errors": map[string]any{"count": 2, "path_prefix": "/api/2.0/sql/warehouses/"}}},
		{"statements failed for the moment", map[string]any{"statement_failures": map[string]any{"count": 3}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.setFaults(t, tc.faults)
			got, err := e.source(t.TempDir(), nil).Attribute(t.Context(), e.tagValues)
			if err != nil {
				t.Fatal(err)
			}
			if got.Rows != clean.Rows || factCount(got) != factCount(clean) {
				t.Errorf("%d rows %d facts, clean pull %d %d", got.Rows, factCount(got), clean.Rows, factCount(clean))
			}
			var left emulator.Faults
			if err := e.getFaults(&left); err != nil {
				t.Fatal(err)
			}
			if left.TooManyRequests.Count+left.Unavailable.Count+left.InternalErrors.Count+left.StatementFailures.Count != 0 {
				t.Errorf("faults not all used: %+v", left)
			}
		})
	}
}

// TestResubmitLogged: two statements that end FAILED as the service's do
// in an outage are resubmitted, each resubmission logged with its code,
// and the pull gives the facts of a clean one.
func TestResubmitLogged(t *testing.T) {
	e := startEmulator(t)
	clean, err := e.source(t.TempDir(), nil).Attribute(t.Context(), e.tagValues)
	if err != nil {
		t.Fatal(err)
	}
	e.setFaults(t, map[string]any{"statement_failures": map[string]any{"count": 2}})
	var log bytes.Buffer
	s := e.source(t.TempDir(), nil)
	s.Log = slog.New(slog.NewTextHandler(&log, nil))
	got, err := s.Attribute(t.Context(), e.tagValues)
	if err != nil {
		t.Fatal(err)
	}
	if got.Rows != clean.Rows || factCount(got) != factCount(clean) {
		t.Errorf("%d rows %d facts, clean pull %d %d", got.Rows, factCount(got), clean.Rows, factCount(clean))
	}
	lines := regexp.MustCompile(`msg="statement failed for the moment; resubmitting" step=[^\n]* code=([A-Z_]+) attempt=[12] of=5`).FindAllStringSubmatch(log.String(), -1)
	if len(lines) != 2 || lines[0][1] != "TEMPORARILY_UNAVAILABLE" || lines[1][1] != "WORKSPACE_TEMPORARILY_UNAVAILABLE" {
		t.Errorf("resubmissions logged: %q\n%s", lines, log.String())
	}
}

func (e *testEmulator) getFaults(out *emulator.Faults) error {
	req, _ := http.NewRequest(http.MethodGet, e.URL+"/emulator/admin/faults", nil)
	req.Header.Set("Authorization", "Bearer "+e.PAT())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(out)
}

// TestFailures: each failure names its cause in one line and leaves the
// cache of the last good pull byte for byte.
func TestFailures(t *testing.T) {
	e := startEmulator(t)
	state := t.TempDir()
	if _, err := e.source(state, nil).Attribute(t.Context(), e.tagValues); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(cachePath(state))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		faults   map[string]any
		change   func(*Source)
		sentinel error
		want     string
	}{
		{name: "expired token", faults: map[string]any{"expired_token": true},
			sentinel: ErrAuth, want: "Token is expired."},
		{name: "unknown token", change: func(s *Source) { s.SDK.Token, s.SDK.ClientID, s.SDK.ClientSecret = "dapi-wrong", "", "" },
			sentinel: ErrAuth, want: "Invalid access token."},
		{name: "missing warehouse", change: func(s *Source) { s.WarehouseID = "0123456789abcdef" },
			sentinel: ErrWarehouseNotFound, want: "0123456789abcdef on " + e.URL},
		{name: "result chunks fail beyond the retries", faults: map[string]any{"internal_errors": map[string]any{"count": 1000, "path_prefix": "/api/2.0/sql/statements/"}},
			change: func(s *Source) { s.From = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) }, // days the cache lacks: a big pull
			want:   "Internal error (injected by the emulator)."},
		{name: "statements fail for the moment beyond the resubmissions", faults: map[string]any{"statement_failures": map[string]any{"count": 1000}},
			want: "the service could not run the statement now"},
		{name: "empty window", change: func(s *Source) { s.To = s.From.AddDate(0, 0, -1) },
			want: "window 2026-10-01 to 2026-09-30 is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.faults != nil {
				e.setFaults(t, tc.faults)
			}
			s := e.source(state, nil)
			if tc.change != nil {
				tc.change(&s)
			}
			_, err := s.Attribute(t.Context(), e.tagValues)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
			if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
				t.Errorf("err = %v, want %v", err, tc.sentinel)
			}
			if strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), e.env["DATABRICKS_CLIENT_SECRET"]) {
				t.Errorf("error is not one line, or shows the token: %q", err)
			}
			if now, _ := os.ReadFile(cachePath(state)); !bytes.Equal(now, good) {
				t.Error("the cache changed")
			}
		})
	}
}

// TestWarehouseDoesNotStart: a stopped warehouse that stays STARTING fails
// the build after the start timeout, and the statement is canceled.
func TestWarehouseDoesNotStart(t *testing.T) {
	e := startEmulator(t)
	w, err := databricks.NewWorkspaceClient(e.config(nil))
	if err != nil {
		t.Fatal(err)
	}
	id := e.env["DATABRICKS_WAREHOUSE_ID"]
	if _, err := w.Warehouses.Stop(t.Context(), sql.StopRequest{Id: id}); err != nil {
		t.Fatal(err)
	}
	e.setFaults(t, map[string]any{"warehouse_never_starts": true})
	s := e.source(t.TempDir(), nil)
	s.StartTimeout = 300 * time.Millisecond
	_, err = s.Attribute(t.Context(), e.tagValues)
	if !errors.Is(err, ErrWarehouseTimeout) || !strings.Contains(err.Error(), "did not start within 300ms") {
		t.Fatalf("err = %v, want the warehouse start timeout", err)
	}
	if _, err := os.Stat(cachePath(s.StateDir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed first pull wrote a cache: %v", err)
	}
}

// TestOffline builds from the cache alone, without a request, and gives
// what the online build gave.
func TestOffline(t *testing.T) {
	e := startEmulator(t)
	state := t.TempDir()
	online, err := e.source(state, nil).Attribute(t.Context(), e.tagValues)
	if err != nil {
		t.Fatal(err)
	}
	var rec recorder
	s := e.source(state, &rec)
	s.Offline = true
	offline, err := s.Attribute(t.Context(), e.tagValues)
	if err != nil {
		t.Fatal(err)
	}
	if rec.requests != 0 {
		t.Errorf("offline build made %d requests", rec.requests)
	}
	if offline.Rows != online.Rows || factCount(offline) != factCount(online) || len(offline.Hourly) != len(online.Hourly) || !offline.LastUsage.Equal(online.LastUsage) {
		t.Errorf("offline: %d rows %d facts; online: %d %d", offline.Rows, factCount(offline), online.Rows, factCount(online))
	}
	keys := func(m map[string]budget.Decimal) []string {
		var out []string
		for k, v := range m {
			out = append(out, k+" "+v.String())
		}
		sort.Strings(out)
		return out
	}
	if a, b := keys(dayCosts(online)), keys(dayCosts(offline)); strings.Join(a, ",") != strings.Join(b, ",") {
		t.Error("offline facts differ from online ones")
	}
	if !strings.Contains(offline.Inputs[0], "pulled 2026-11-23 06:00 UTC (offline build)") {
		t.Errorf("inputs %q", offline.Inputs)
	}
	if _, err := s.Attribute(t.Context(), []string{"OTHER"}); err == nil || !strings.Contains(err.Error(), "other categories") {
		t.Errorf("offline with other categories: err = %v", err)
	}
}

// TestMissingSystemTable: the warehouse's TABLE_OR_VIEW_NOT_FOUND on a
// system.billing table reads as ErrNoSystemTables, saying how to enable
// the billing schema.
func TestMissingSystemTable(t *testing.T) {
	e := startEmulator(t)
	s := e.source(t.TempDir(), nil)
	w, err := s.client()
	if err != nil {
		t.Fatal(err)
	}
	err = s.executor(w.StatementExecution).query(t.Context(), "step", "SELECT usage_date FROM system.billing.usage_v9", nil,
		func([]string) error { return nil })
	if !errors.Is(err, ErrNoSystemTables) || !strings.Contains(err.Error(), "systemschemas/billing") || strings.Contains(err.Error(), "\n") {
		t.Errorf("err = %v, want ErrNoSystemTables in one line with how to enable the schema", err)
	}
}

// TestTagSpellings reads the OperationalCategory values as the usage rows
// carry them: every configured value, and the demo account's variants.
func TestTagSpellings(t *testing.T) {
	e := startEmulator(t)
	var rec recorder
	got, err := e.source("", &rec).TagSpellings(t.Context(), windowFrom)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, v := range got {
		if seen[v] {
			t.Errorf("%q listed twice", v)
		}
		seen[v] = true
	}
	for _, v := range e.tagValues {
		if !seen[v] {
			t.Errorf("%q missing from %q", v, got)
		}
	}
	if len(got) <= len(e.tagValues) {
		t.Errorf("no spelling variants in %q", got)
	}
	for _, q := range rec.sent() {
		checkDatabricksSQL(t, q)
	}
}

// TestWindowMovedFarBack: when the window starts months before the cached
// days, those months are pulled one statement each, and the result equals
// a full pull of the same window.
func TestWindowMovedFarBack(t *testing.T) {
	e := startEmulator(t)
	state := t.TempDir()
	if _, err := e.source(state, nil).Attribute(t.Context(), e.tagValues); err != nil {
		t.Fatal(err)
	}
	wide := func(stateDir string, transport http.RoundTripper) Source {
		s := e.source(stateDir, transport)
		s.From = windowFrom.AddDate(0, -3, 0)
		return s
	}
	var rec recorder
	moved, err := wide(state, &rec).Attribute(t.Context(), e.tagValues)
	if err != nil {
		t.Fatal(err)
	}
	full, err := wide(t.TempDir(), nil).Attribute(t.Context(), e.tagValues)
	if err != nil {
		t.Fatal(err)
	}
	// The watermark, three months apart, and the days touched since the
	// watermark.
	if sent := rec.sent(); len(sent) != 5 || strings.Contains(sent[1], "ingestion_date") || !strings.Contains(sent[4], "ingestion_date") {
		t.Errorf("sent %d statements, want the watermark, three months and the touched days", len(sent))
	}
	a, b := dayCosts(full), dayCosts(moved)
	if len(a) != len(b) {
		t.Errorf("%d days after the move, %d in a full pull", len(b), len(a))
	}
	for k, v := range a {
		if b[k].Cmp(v) != 0 {
			t.Errorf("%s: full %s, after the move %s", k, v, b[k])
		}
	}
	if moved.Rows != full.Rows {
		t.Errorf("rows %d after the move, %d in a full pull", moved.Rows, full.Rows)
	}
}
