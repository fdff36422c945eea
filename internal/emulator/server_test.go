package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go/service/sql"
)

// slowCancelEngine answers one row at once, except for the statement
// "SELECT 'block'", which it holds until cancelled and then takes a while
// to give up, as a real engine interrupting a long query does.
type slowCancelEngine struct {
	blocked  chan struct{} // closed when the blocking statement has begun
	once     sync.Once
	returned atomic.Bool // the blocking statement has returned
}

func newSlowCancelEngine() *slowCancelEngine {
	return &slowCancelEngine{blocked: make(chan struct{})}
}

func (e *slowCancelEngine) Query(ctx context.Context, _, q string) ([]string, []string, [][]*string, error) {
	if !strings.Contains(q, "'block'") {
		one := "1"
		return []string{"one"}, []string{"INTEGER"}, [][]*string{{&one}}, nil
	}
	e.once.Do(func() { close(e.blocked) })
	<-ctx.Done()
	time.Sleep(100 * time.Millisecond)
	e.returned.Store(true)
	return nil, nil, nil, ctx.Err()
}

func (e *slowCancelEngine) Exec(context.Context, string, string) error {
	return errors.New("read-only engine")
}

func (e *slowCancelEngine) Merge(context.Context, string, string) (int64, int64, int64, error) {
	return 0, 0, 0, errors.New("read-only engine")
}

// serve runs one request through the server's handler and returns the
// recorded answer.
func serve(s *Server, method, path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+DefaultToken)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

// TestCloseWaitsForStatements: Close returns only once the statements'
// goroutines are done with the engine, so the caller can close it next.
func TestCloseWaitsForStatements(t *testing.T) {
	engine := newSlowCancelEngine()
	env := startSQL(t, engine, Options{})
	resp := env.execute(t, env.unified, "SELECT 'block'", "0s")
	select {
	case <-engine.blocked:
	case <-time.After(10 * time.Second):
		t.Fatalf("statement %s never reached the engine", resp.StatementId)
	}
	if err := env.emu.Close(); err != nil {
		t.Fatal(err)
	}
	if !engine.returned.Load() {
		t.Error("Close returned while a statement was still in the engine")
	}
	// After Close no statement starts.
	rec := serve(env.emu.Server, http.MethodPost, "/api/2.0/sql/statements",
		`{"statement": "SELECT 1", "warehouse_id": "`+env.emu.DefaultWarehouseID()+`", "wait_timeout": "0s"}`)
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("execute after Close: %d %s, want 503", rec.Code, rec.Body)
	}
}

// stalledWriter is a client that does not read its answer: Write blocks
// until release is closed.
type stalledWriter struct {
	header  http.Header
	writing chan struct{} // closed on the first Write
	release chan struct{}
	once    sync.Once
}

func (w *stalledWriter) Header() http.Header { return w.header }
func (w *stalledWriter) WriteHeader(int)     {}
func (w *stalledWriter) Write(b []byte) (int, error) {
	w.once.Do(func() { close(w.writing) })
	<-w.release
	return len(b), nil
}

// TestSlowChunkReaderHoldsNobodyUp: a client reading a result chunk slowly
// does not stop the emulator answering anyone else.
func TestSlowChunkReaderHoldsNobodyUp(t *testing.T) {
	s, err := New(Options{AsOf: sqlAsOf, SQL: newSlowCancelEngine(), Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rec := serve(s, http.MethodPost, "/api/2.0/sql/statements",
		`{"statement": "SELECT 1 AS one", "warehouse_id": "`+s.DefaultWarehouseID()+`", "wait_timeout": "10s"}`)
	var resp statementResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || resp.Status.State != sql.StatementStateSucceeded {
		t.Fatalf("execute: %d %s (%v)", rec.Code, rec.Body, err)
	}

	slow := &stalledWriter{header: http.Header{}, writing: make(chan struct{}), release: make(chan struct{})}
	chunkDone := make(chan struct{})
	go func() {
		defer close(chunkDone)
		req := httptest.NewRequest(http.MethodGet, "/api/2.0/sql/statements/"+resp.StatementID+"/result/chunks/0", nil)
		req.Header.Set("Authorization", "Bearer "+DefaultToken)
		s.ServeHTTP(slow, req)
	}()
	defer func() {
		close(slow.release)
		<-chunkDone
	}()
	select {
	case <-slow.writing:
	case <-time.After(10 * time.Second):
		t.Fatal("the chunk was never written")
	}

	other := make(chan int, 1)
	go func() { other <- serve(s, http.MethodGet, "/api/2.0/sql/warehouses", "").Code }()
	select {
	case code := <-other:
		if code != http.StatusOK {
			t.Errorf("list warehouses: %d", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("list warehouses waited for a client reading a chunk")
	}
}

// TestFaultsLogReadable: the log of a fault change writes durations as
// durations.
func TestFaultsLogReadable(t *testing.T) {
	var log strings.Builder
	s, err := New(Options{AsOf: sqlAsOf, Log: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if rec := serve(s, http.MethodPost, "/emulator/admin/faults", `{"retry_after": "2s", "delay": 0.25}`); rec.Code != http.StatusOK {
		t.Fatalf("set faults: %d %s", rec.Code, rec.Body)
	}
	if !strings.Contains(log.String(), "RetryAfter:2s") || !strings.Contains(log.String(), "Delay:250ms") {
		t.Errorf("log %q, want RetryAfter:2s and Delay:250ms", log.String())
	}
}
