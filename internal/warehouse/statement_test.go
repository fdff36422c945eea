package warehouse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/config"
	"github.com/databricks/databricks-sdk-go/service/sql"

	"github.com/novadynamics/stellar-budget/internal/attribution"
)

// fakeStatements is a warehouse in a box for the executor's own logic:
// each statement goes through the given states, then answers with the
// given chunks, as external links to itself (it is their storage too).
// Calls fail with the queued errors first, link downloads with the
// queued statuses.
type fakeStatements struct {
	sql.StatementExecutionInterface // the methods the executor never calls

	storage   string // the URL it serves chunks on
	linkFails []int
	downloads int

	mu       sync.Mutex
	states   []sql.StatementState // after submission, one per poll; the last one stays
	failure  *sql.ServiceError
	schema   []attribution.ResultColumn
	chunks   [][][]string
	errs     map[string][]error // by call: "execute", "get", "chunk"
	calls    map[string]int
	canceled []string
}

func (f *fakeStatements) fail(call string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[call]++
	if q := f.errs[call]; len(q) > 0 {
		f.errs[call] = q[1:]
		return q[0]
	}
	return nil
}

func (f *fakeStatements) response() *sql.StatementResponse {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.states[0]
	if len(f.states) > 1 {
		f.states = f.states[1:]
	}
	resp := &sql.StatementResponse{StatementId: "st-1", Status: &sql.StatementStatus{State: s}}
	if s == sql.StatementStateFailed {
		resp.Status.Error = f.failure
	}
	if s != sql.StatementStateSucceeded {
		return resp
	}
	cols := make([]sql.ColumnInfo, len(f.schema))
	for i, c := range f.schema {
		cols[i] = sql.ColumnInfo{Name: c.Name, TypeText: c.Type, Position: i}
	}
	var rows int64
	for _, c := range f.chunks {
		rows += int64(len(c))
	}
	resp.Manifest = &sql.ResultManifest{Format: sql.FormatJsonArray, Schema: &sql.ResultSchema{Columns: cols, ColumnCount: len(cols)},
		TotalChunkCount: len(f.chunks), TotalRowCount: rows}
	resp.Result = f.chunk(0)
	return resp
}

func (f *fakeStatements) chunk(i int) *sql.ResultData {
	link := sql.ExternalLink{ChunkIndex: i, RowCount: int64(len(f.chunks[i])), ExternalLink: fmt.Sprintf("%s/chunk/%d?sig=secret", f.storage, i)}
	if i+1 < len(f.chunks) {
		link.NextChunkIndex = i + 1
	}
	return &sql.ResultData{ExternalLinks: []sql.ExternalLink{link}}
}

// ServeHTTP serves a chunk's rows as cloud storage does, empty text as
// null; a request with an Authorization header is refused.
func (f *fakeStatements) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.downloads++
	var i int
	if _, err := fmt.Sscanf(r.URL.Path, "/chunk/%d", &i); err != nil || r.URL.Query().Get("sig") != "secret" || i >= len(f.chunks) {
		http.NotFound(w, r)
		return
	}
	if r.Header.Get("Authorization") != "" {
		http.Error(w, "<Error><Code>InvalidArgument</Code></Error>", http.StatusBadRequest)
		return
	}
	if len(f.linkFails) > 0 {
		status := f.linkFails[0]
		f.linkFails = f.linkFails[1:]
		http.Error(w, "<Error/>", status)
		return
	}
	rows := make([][]*string, len(f.chunks[i]))
	for k, r := range f.chunks[i] {
		rows[k] = make([]*string, len(r))
		for j := range r {
			if r[j] != "" {
				rows[k][j] = &r[j]
			}
		}
	}
	json.NewEncoder(w).Encode(rows)
}

func (f *fakeStatements) ExecuteStatement(_ context.Context, req sql.ExecuteStatementRequest) (*sql.StatementResponse, error) {
	if req.Disposition != sql.DispositionExternalLinks || req.Format != sql.FormatJsonArray || req.WarehouseId != "wh-1" {
		return nil, fmt.Errorf("unexpected request %+v", req)
	}
	if err := f.fail("execute"); err != nil {
		return nil, err
	}
	return f.response(), nil
}

func (f *fakeStatements) GetStatement(_ context.Context, req sql.GetStatementRequest) (*sql.StatementResponse, error) {
	if err := f.fail("get"); err != nil {
		return nil, err
	}
	return f.response(), nil
}

func (f *fakeStatements) GetStatementResultChunkN(_ context.Context, req sql.GetStatementResultChunkNRequest) (*sql.ResultData, error) {
	if err := f.fail("chunk"); err != nil {
		return nil, err
	}
	return f.chunk(req.ChunkIndex), nil
}

func (f *fakeStatements) CancelExecution(_ context.Context, req sql.CancelExecutionRequest) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.canceled = append(f.canceled, req.StatementId)
	return nil
}

func apiError(status int, code, msg string) error {
	return &apierr.APIError{StatusCode: status, ErrorCode: code, Message: msg}
}

func testExecutor(api sql.StatementExecutionInterface, startTimeout time.Duration) *executor {
	return &executor{api: api, warehouseID: "wh-1", startTimeout: startTimeout, poll: time.Millisecond,
		retry: retryPolicy{attempts: 3, backoff: time.Millisecond}, log: quietLog(), links: &http.Client{}}
}

var twoColumns = []attribution.ResultColumn{{Name: "a", Type: "STRING"}, {Name: "b", Type: "DECIMAL(38,18)"}}

func TestExecutorQuery(t *testing.T) {
	chunks := [][][]string{{{"x", "1.5"}, {"y", "2"}}, {{"z", "3"}}, {{"w", ""}}}
	err500 := apiError(http.StatusInternalServerError, "INTERNAL_ERROR", "boom")
	tests := []struct {
		name     string
		api      *fakeStatements
		want     []attribution.ResultColumn
		timeout  time.Duration
		wantRows int
		// wantChunkCalls counts GetStatementResultChunkN calls: one a
		// chunk after the first, and one a fresh link.
		wantChunkCalls int
		wantErr        string
		sentinel       error
		canceled       bool
	}{
		{name: "pending, running, succeeded, three chunks",
			api:  &fakeStatements{states: []sql.StatementState{"PENDING", "PENDING", "RUNNING", "SUCCEEDED"}, schema: twoColumns, chunks: chunks},
			want: twoColumns, timeout: time.Hour, wantRows: 4},
		{name: "500 on every call, retried",
			api: &fakeStatements{states: []sql.StatementState{"RUNNING", "SUCCEEDED"}, schema: twoColumns, chunks: chunks,
				errs: map[string][]error{"execute": {err500}, "get": {err500, err500}, "chunk": {err500}}},
			want: twoColumns, timeout: time.Hour, wantRows: 4},
		{name: "chunk fails beyond the retries",
			api: &fakeStatements{states: []sql.StatementState{"SUCCEEDED"}, schema: twoColumns, chunks: chunks,
				errs: map[string][]error{"chunk": {err500, err500, err500}}},
			want: twoColumns, timeout: time.Hour, wantErr: "step: result chunk 1: boom"},
		{name: "a 400 is not retried",
			api: &fakeStatements{states: []sql.StatementState{"SUCCEEDED"}, schema: twoColumns, chunks: chunks,
				errs: map[string][]error{"execute": {apiError(400, "INVALID_PARAMETER_VALUE", "bad warehouse")}}},
			timeout: time.Hour, wantErr: "step: bad warehouse"},
		{name: "columns differ from the contract",
			api:  &fakeStatements{states: []sql.StatementState{"SUCCEEDED"}, schema: []attribution.ResultColumn{{Name: "a", Type: "STRING"}, {Name: "b", Type: "DECIMAL(38,6)"}}, chunks: chunks},
			want: twoColumns, timeout: time.Hour, wantErr: "result column 2 is b DECIMAL(38,6), the attribution contract wants b DECIMAL(38,18)"},
		{name: "missing column",
			api:  &fakeStatements{states: []sql.StatementState{"SUCCEEDED"}, schema: twoColumns[:1], chunks: chunks},
			want: twoColumns, timeout: time.Hour, wantErr: "result has 1 columns, the attribution contract 2: a STRING"},
		{name: "warehouse never starts",
			api:     &fakeStatements{states: []sql.StatementState{"PENDING"}},
			timeout: 20 * time.Millisecond, wantErr: "did not start within 20ms", sentinel: ErrWarehouseTimeout, canceled: true},
		{name: "system tables missing",
			api: &fakeStatements{states: []sql.StatementState{"RUNNING", "FAILED"}, failure: &sql.ServiceError{ErrorCode: "BAD_REQUEST",
				Message: "[TABLE_OR_VIEW_NOT_FOUND] The table or view `system`.`billing`.`usage` cannot be found.\nSQLSTATE: 42P01; line 1 pos 14"}},
			timeout: time.Hour, wantErr: "billing system schema", sentinel: ErrNoSystemTables},
		{name: "no SELECT on the billing tables",
			api: &fakeStatements{states: []sql.StatementState{"FAILED"}, failure: &sql.ServiceError{ErrorCode: "BAD_REQUEST",
				Message: "[INSUFFICIENT_PERMISSIONS] Insufficient privileges: User does not have SELECT on Table 'system.billing.usage'."}},
			timeout: time.Hour, wantErr: "grant USE CATALOG", sentinel: ErrPermission},
		{name: "a row narrower than the schema",
			api:  &fakeStatements{states: []sql.StatementState{"SUCCEEDED"}, schema: twoColumns, chunks: [][][]string{{{"x", "1"}, {"y"}}}},
			want: twoColumns, timeout: time.Hour, wantErr: "step: row 2 has 1 columns, the result 2"},
		{name: "an expired link, then a fresh one",
			api:  &fakeStatements{states: []sql.StatementState{"SUCCEEDED"}, schema: twoColumns, chunks: chunks, linkFails: []int{403}},
			want: twoColumns, timeout: time.Hour, wantRows: 4, wantChunkCalls: 3},
		{name: "storage 503 and 502, retried",
			api:  &fakeStatements{states: []sql.StatementState{"SUCCEEDED"}, schema: twoColumns, chunks: chunks, linkFails: []int{503, 502}},
			want: twoColumns, timeout: time.Hour, wantRows: 4, wantChunkCalls: 2},
		{name: "storage refuses every link",
			api:  &fakeStatements{states: []sql.StatementState{"SUCCEEDED"}, schema: twoColumns, chunks: chunks, linkFails: []int{403, 403, 403, 403, 403}},
			want: twoColumns, timeout: time.Hour, wantErr: "step: result chunk 0: download: cloud storage answered 403 Forbidden (gave up after 5 attempts)"},
		{name: "a missing chunk file is not retried",
			api:  &fakeStatements{states: []sql.StatementState{"SUCCEEDED"}, schema: twoColumns, chunks: chunks, linkFails: []int{404}},
			want: twoColumns, timeout: time.Hour, wantErr: "step: result chunk 0: download: cloud storage answered 404 Not Found"},
		{name: "canceled on the warehouse",
			api:     &fakeStatements{states: []sql.StatementState{"RUNNING", "CANCELED"}},
			timeout: time.Hour, wantErr: "statement st-1 was canceled on the warehouse"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			storage := httptest.NewServer(tc.api)
			defer storage.Close()
			tc.api.storage = storage.URL
			var got [][]string
			err := testExecutor(tc.api, tc.timeout).query(t.Context(), "step", "SELECT 1", tc.want, func(r []string) error {
				got = append(got, r)
				return nil
			})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "secret") {
					t.Errorf("error is not one line, or carries the link's credential: %q", err)
				}
				if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
					t.Errorf("err = %v, want %v", err, tc.sentinel)
				}
				if got := len(tc.api.canceled) > 0; got != tc.canceled {
					t.Errorf("canceled = %v, want %v", tc.api.canceled, tc.canceled)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantChunkCalls > 0 && tc.api.calls["chunk"] != tc.wantChunkCalls {
				t.Errorf("%d chunk requests, want %d", tc.api.calls["chunk"], tc.wantChunkCalls)
			}
			if len(got) != tc.wantRows || got[3][0] != "w" || got[3][1] != "" || got[0][1] != "1.5" {
				t.Errorf("rows = %v", got)
			}
		})
	}
}

func TestExplain(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		sentinel error
		want     string
	}{
		{"expired token", apiError(401, "UNAUTHENTICATED", "Token expired"), ErrAuth, "databricks authentication failed on https://h: Token expired (check DATABRICKS_TOKEN"},
		{"unknown token", apiError(403, "403", "Invalid access token."), ErrAuth, "databricks authentication failed on https://h: Invalid access token."},
		{"forbidden", apiError(403, "PERMISSION_DENIED", "no CAN_USE"), ErrPermission, "databricks permission denied on https://h: no CAN_USE (the identity needs CAN USE on SQL warehouse wh-1"},
		{"no credentials", fmt.Errorf("failed during request visitor: default auth: %w", config.ErrCannotConfigureDefault), ErrAuth, "databricks authentication failed: no Databricks credentials for https://h: set DATABRICKS_HOST"},
		{"other API error", fmt.Errorf("step: %w", apiError(400, "INVALID_PARAMETER_VALUE", "bad")), nil, "step: bad"},
		{"not an API error", errors.New("dial tcp: refused"), nil, "dial tcp: refused"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := explain(tc.err, "https://h", "wh-1")
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("explain = %q, want prefix %q", err, tc.want)
			}
			if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
				t.Errorf("explain = %v, want %v", err, tc.sentinel)
			}
		})
	}
}

func TestRetryStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	calls := 0
	_, err := retryCall(ctx, retryPolicy{attempts: 10, backoff: time.Hour}, quietLog(), "call", func() (int, error) {
		calls++
		cancel()
		return 0, apiError(502, "", "bad gateway")
	})
	if !errors.Is(err, context.Canceled) || calls != 1 {
		t.Errorf("err = %v after %d calls, want context.Canceled after 1", err, calls)
	}
}

// TestRetriable: the source retries the gateway errors the SDK does not;
// 429 and 503 it leaves to the SDK, which already retried them for its
// retry timeout.
func TestRetriable(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"500", apiError(500, "INTERNAL_ERROR", "boom"), true},
		{"502 wrapped", fmt.Errorf("poll: %w", apiError(502, "", "bad gateway")), true},
		{"504", apiError(504, "", "gateway timeout"), true},
		{"503, retried by the SDK", apiError(503, "TEMPORARILY_UNAVAILABLE", "later"), false},
		{"429, retried by the SDK", apiError(429, "TOO_MANY_REQUESTS", "slow down"), false},
		{"501", apiError(501, "NOT_IMPLEMENTED", "no"), false},
		{"400", apiError(400, "INVALID_PARAMETER_VALUE", "bad"), false},
		{"not an API error", errors.New("dial tcp: refused"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := (retryPolicy{}).retriable(tc.err); got != tc.want {
				t.Errorf("retriable(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
