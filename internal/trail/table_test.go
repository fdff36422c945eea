package trail

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/service/sql"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/dbclient"
	"github.com/novadynamics/stellar-budget/internal/demo"
	"github.com/novadynamics/stellar-budget/internal/duckdb"
	"github.com/novadynamics/stellar-budget/internal/emulator"
	"github.com/novadynamics/stellar-budget/internal/hashchain"
)

// The table store runs with the real SDK against the emulator, whose SQL
// engine (internal/duckdb) holds the table.

var shared struct {
	once   sync.Once
	tables *duckdb.SystemTables
	err    error
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// engine is one small demo account's system tables for every test; each
// test's trail table is in a schema of its own.
func engine(t *testing.T) *duckdb.SystemTables {
	t.Helper()
	shared.once.Do(func() {
		div := budget.Division{Name: "Test", Currency: "USD", Categories: []budget.Category{{Slug: "dst", TagValue: "DEEP_SPACE_TELEMETRY", MonthlyBudget: budget.MustDecimal("100")}}}
		shared.tables, shared.err = duckdb.OpenSystemTables(context.Background(), duckdb.Options{Log: quiet()},
			demo.Config{Division: div, Through: time.Date(2026, 7, 16, 0, 0, 0, 0, time.UTC), Rows: 200})
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.tables
}

// tableEnv is an emulator serving a trail table, and a store on it.
type tableEnv struct {
	emu   *emulator.Running
	w     *databricks.WorkspaceClient
	store *TableStore
}

// startTable starts an emulator whose trail table is main.<schema>.agent_trail
// and returns a store on it, the table created unless create is false.
func startTable(t *testing.T, schema string, create bool) tableEnv {
	t.Helper()
	name := "main." + schema + ".agent_trail"
	emu, err := emulator.Start("127.0.0.1:0", emulator.Options{
		AsOf: time.Date(2026, 7, 15, 0, 0, 0, 0, time.UTC), SQL: engine(t), TraceTable: name, Log: quiet(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	cfg := emu.Config()
	cfg.RateLimitPerSecond = 10000 // the SDK's default of 15 a second is for shared services
	w, err := databricks.NewWorkspaceClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewTableStore(TableOptions{Name: name, WarehouseID: emu.DefaultWarehouseID(), Statements: w.StatementExecution, Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if create {
		if err := s.Create(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	return tableEnv{emu: emu, w: w, store: s}
}

// admin runs a statement as a workspace admin who owns the table would,
// through the emulator's admin endpoint (it is not append-only there).
func (e tableEnv) admin(t *testing.T, statement string) {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"statement": statement})
	req, _ := http.NewRequest(http.MethodPost, e.emu.URL+"/emulator/admin/sql", bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+emulator.DefaultToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if body, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %s %s", statement, resp.Status, body)
	}
}

func TestTableAppendLookup(t *testing.T) {
	env := startTable(t, "append_lookup", true)
	testAppendLookup(t, env.store)
	// The same entries, hashes and chain as the file store keeps.
	file := NewFileStore(t.TempDir())
	entries, err := env.store.Entries(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		fe, _, err := file.Append(t.Context(), e.Decision)
		if err != nil || fe.Hash != e.Hash {
			t.Errorf("seq %d: the file store hashes it %s (%v), the table %s", e.Seq, fe.Hash, err, e.Hash)
		}
	}
}

func TestTableOneKeyConcurrently(t *testing.T) {
	testOneKey(t, startTable(t, "one_key", true).store, 200)
}

// TestTableDistinctKeysConcurrently: 1,000 distinct keys from eight
// concurrent writers give 1,000 rows, none lost, the chain intact.
func TestTableDistinctKeysConcurrently(t *testing.T) {
	env := startTable(t, "distinct_keys", true)
	keys := distinctKeys(1000)
	if n := appendAll(t, env.store, 8, keys); n != len(keys) {
		t.Errorf("inserted %d of %d keys", n, len(keys))
	}
	checkTrail(t, env.store, keys)
}

// TestTableStatements: the table is created once with the documented
// columns, typed; without it every method says how to create it.
func TestTableStatements(t *testing.T) {
	env := startTable(t, "statements", false)
	ctx := t.Context()
	if _, exists, err := env.store.Describe(ctx); exists || err != nil {
		t.Fatalf("before create: exists %v, %v", exists, err)
	}
	if _, _, err := env.store.Append(ctx, decision(0, "evt-1")); !errors.Is(err, ErrNoTable) || !strings.Contains(err.Error(), "generator setup --apply") {
		t.Errorf("append without the table: %v", err)
	}
	if _, err := env.store.Verify(ctx, ""); !errors.Is(err, ErrNoTable) {
		t.Errorf("verify without the table: %v", err)
	}
	for range 2 {
		if err := env.store.Create(ctx); err != nil {
			t.Fatal(err)
		}
	}
	cols, exists, err := env.store.Describe(ctx)
	if err != nil || !exists || len(cols) != len(Columns) {
		t.Fatalf("after create: %v, %v, %v", cols, exists, err)
	}
	for i, c := range cols {
		if c.Name != Columns[i].Name || c.Type != Columns[i].Type {
			t.Errorf("column %d is %s %s, want %s %s", i+1, c.Name, c.Type, Columns[i].Name, Columns[i].Type)
		}
	}
	if ddl := env.store.CreateStatement(); !strings.HasPrefix(ddl, "CREATE TABLE IF NOT EXISTS `main`.`statements`.`agent_trail` (\n  seq BIGINT NOT NULL COMMENT ") ||
		!strings.HasSuffix(ddl, "TBLPROPERTIES ('delta.appendOnly' = 'true')") {
		t.Errorf("DDL:\n%s", ddl)
	}
	// The table is append-only to statements.
	_, err = env.store.run(ctx, "update", "MERGE INTO "+env.store.quoted+" AS t USING (SELECT 'x' AS key) AS s ON t.key = s.key WHEN MATCHED THEN DELETE", nil)
	var se *StatementError
	if !errors.As(err, &se) || se.Class() != "DELTA_CANNOT_MODIFY_APPEND_ONLY" {
		t.Errorf("a MERGE that deletes: %v", err)
	}
}

// TestTableTamper: changes an owner of the table could make behind the
// store's back are caught, with the row where the chain breaks.
func TestTableTamper(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, env tableEnv, entries []Entry) string // the statement, by an admin
		expect bool                                                     // verify against the head before tampering
		want   string
	}{
		{"edited answer", func(*testing.T, tableEnv, []Entry) string {
			return `UPDATE main.tamper.agent_trail SET answer = '{"status": "acted"}' WHERE seq = 2`
		}, false, "row 2: its content does not match its hash: the entry was edited"},
		{"edited savings", func(*testing.T, tableEnv, []Entry) string {
			return `UPDATE main.tamper.agent_trail SET savings_monthly_usd = '99999' WHERE seq = 3`
		}, false, "row 3: its content does not match its hash"},
		{"a cluster that is not JSON", func(*testing.T, tableEnv, []Entry) string {
			return `UPDATE main.tamper.agent_trail SET cluster_after = '{' WHERE seq = 1`
		}, false, "row 1: cluster_after is not JSON: the row was edited"},
		{"time moved", func(*testing.T, tableEnv, []Entry) string {
			return `UPDATE main.tamper.agent_trail SET time = TIMESTAMP '2026-07-15 09:00:00' WHERE seq = 4`
		}, false, "row 4: its content does not match its hash"},
		{"removed middle", func(*testing.T, tableEnv, []Entry) string {
			return `DELETE FROM main.tamper.agent_trail WHERE seq = 3`
		}, false, "row 3: prev "},
		{"removed first", func(*testing.T, tableEnv, []Entry) string {
			return `DELETE FROM main.tamper.agent_trail WHERE seq = 1`
		}, false, "row 1: the first entry names a previous one"},
		{"truncated, expected head given", func(*testing.T, tableEnv, []Entry) string {
			return `DELETE FROM main.tamper.agent_trail WHERE seq = 5`
		}, true, "expected head "},
		{"emptied, expected head given", func(*testing.T, tableEnv, []Entry) string {
			return `DELETE FROM main.tamper.agent_trail`
		}, true, "(the trail is empty)"},
		{"a key copied in, chain rebuilt", func(t *testing.T, _ tableEnv, entries []Entry) string {
			// A forger who links a copy of seq 1 after the head.
			e := entries[0]
			e.Seq, e.PrevHash, e.Hash = 6, entries[4].Hash, ""
			b, _ := json.Marshal(e)
			h, err := hashchain.Hash(b)
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf(`INSERT INTO main.tamper.agent_trail SELECT * REPLACE (6 AS seq, '%s' AS prev_hash, '%s' AS hash) FROM main.tamper.agent_trail WHERE seq = 1`, entries[4].Hash, h)
		}, false, `row 6: key "evt-1" is already the key of seq 1`},
	}
	env := startTable(t, "tamper", true)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env.admin(t, "DELETE FROM main.tamper.agent_trail")
			var entries []Entry
			for i := range 5 {
				e, _, err := env.store.Append(t.Context(), decision(i, fmt.Sprintf("evt-%d", i+1)))
				if err != nil {
					t.Fatal(err)
				}
				entries = append(entries, e)
			}
			expect := ""
			if tc.expect {
				expect = entries[4].Hash
			}
			if _, err := env.store.Verify(t.Context(), expect); err != nil {
				t.Fatalf("before tampering: %v", err)
			}
			env.admin(t, tc.tamper(t, env, entries))
			_, err := env.store.Verify(t.Context(), expect)
			if !errors.Is(err, ErrBroken) || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "agent trail main.tamper.agent_trail: ") {
				t.Errorf("Verify = %v\nwant agent trail main.tamper.agent_trail: ...%s...", err, tc.want)
			}
		})
	}
}

// TestTableRacesAnswerLost: a MERGE whose answer never came back is found
// by its key and reported as this writer's insert.
func TestTableRacesAnswerLost(t *testing.T) {
	env := startTable(t, "answer_lost", true)
	lossy := &losingMerges{StatementExecution: env.w.StatementExecution}
	s, err := NewTableStore(TableOptions{Name: "main.answer_lost.agent_trail", WarehouseID: env.emu.DefaultWarehouseID(), Statements: lossy, Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	e, inserted, err := s.Append(t.Context(), decision(0, "evt-1"))
	if err != nil || !inserted || e.Seq != 1 || lossy.lost != 1 {
		t.Errorf("append whose answer was lost: %+v, inserted %v, %v (lost %d)", e, inserted, err, lossy.lost)
	}
	_, inserted, err = s.Append(t.Context(), decision(1, "evt-1"))
	if err != nil || inserted {
		t.Errorf("second append of the key: inserted %v, %v", inserted, err)
	}
}

// losingMerges runs every statement, but loses the answer to the first
// MERGE, as a connection cut after the request would.
type losingMerges struct {
	StatementExecution
	lost int
}

func (l *losingMerges) ExecuteStatement(ctx context.Context, r sql.ExecuteStatementRequest) (*sql.StatementResponse, error) {
	resp, err := l.StatementExecution.ExecuteStatement(ctx, r)
	if err == nil && strings.HasPrefix(r.Statement, "MERGE") && l.lost == 0 {
		l.lost++
		return nil, errors.New("connection reset by peer")
	}
	return resp, err
}

// TestTableConcurrentAppendRetried: a MERGE Databricks refuses as a
// concurrent append is tried again.
func TestTableConcurrentAppendRetried(t *testing.T) {
	env := startTable(t, "concurrent_append", true)
	api := &conflicting{StatementExecution: env.w.StatementExecution, left: 2}
	s, err := NewTableStore(TableOptions{Name: "main.concurrent_append.agent_trail", WarehouseID: env.emu.DefaultWarehouseID(), Statements: api, Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if _, inserted, err := s.Append(t.Context(), decision(0, "evt-1")); err != nil || !inserted || api.left != 0 {
		t.Errorf("append after two conflicts: inserted %v, %v (%d conflicts left)", inserted, err, api.left)
	}
	// A writer that keeps losing gives up with a clear error.
	api.left = 100
	s.maxAttempts = 3
	if _, _, err := s.Append(t.Context(), decision(1, "evt-2")); err == nil || !strings.Contains(err.Error(), "other writers took the next seq 3 times in a row") {
		t.Errorf("append that always conflicts: %v", err)
	}
}

// conflicting fails the next MERGEs as Delta fails one that raced another
// writer's commit.
type conflicting struct {
	StatementExecution
	left int
}

func (c *conflicting) ExecuteStatement(ctx context.Context, r sql.ExecuteStatementRequest) (*sql.StatementResponse, error) {
	if strings.HasPrefix(r.Statement, "MERGE") && c.left > 0 {
		c.left--
		return &sql.StatementResponse{StatementId: "conflict", Status: &sql.StatementStatus{State: sql.StatementStateFailed, Error: &sql.ServiceError{
			ErrorCode: sql.ServiceErrorCodeBadRequest,
			Message:   "[DELTA_CONCURRENT_APPEND] ConcurrentAppendException: Files were added to the root of the table by a concurrent update. Please try the operation again.",
		}}}, nil
	}
	return c.StatementExecution.ExecuteStatement(ctx, r)
}

func TestParseTable(t *testing.T) {
	tests := []struct{ name, table, want, err string }{
		{"plain", "main.stellar.agent_trail", "`main`.`stellar`.`agent_trail`", ""},
		{"two parts", "stellar.agent_trail", "", "want catalog.schema.table"},
		{"a backtick", "main.st`x.t", "", "is not a plain name"},
		{"a space", "main.st x.t", "", "is not a plain name"},
		{"system", "system.billing.trail", "", "read-only"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTable(tc.table)
			switch {
			case tc.err == "" && (err != nil || got != tc.want):
				t.Errorf("ParseTable = %q, %v; want %q", got, err, tc.want)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err) || !strings.HasPrefix(err.Error(), EnvTable)):
				t.Errorf("ParseTable = %v, want an error with %q", err, tc.err)
			}
		})
	}
}

func TestParseTimestamp(t *testing.T) {
	want := time.Date(2026, 7, 15, 9, 30, 0, 123e6, time.UTC)
	for _, s := range []string{"2026-07-15T09:30:00.123Z", "2026-07-15T11:30:00.123+02:00", "2026-07-15 09:30:00.123", "2026-07-15T09:30:00.123000"} {
		if got, err := parseTimestamp(s); err != nil || !got.Equal(want) {
			t.Errorf("parseTimestamp(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := parseTimestamp("yesterday"); err == nil {
		t.Error("a word parsed as a timestamp")
	}
}

// TestTableResubmitsTransientFailures: statements that end FAILED as the
// service's do in an outage are submitted again, so the appends land, once
// each, in an intact chain.
func TestTableResubmitsTransientFailures(t *testing.T) {
	env := startTable(t, "resubmit", true)
	s, err := NewTableStore(TableOptions{Name: "main.resubmit.agent_trail", WarehouseID: env.emu.DefaultWarehouseID(),
		Statements: env.w.StatementExecution, ResubmitBackoff: time.Millisecond, Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"statement_failures": map[string]int{"count": dbclient.ResubmitAttempts - 1}})
	req, _ := http.NewRequest(http.MethodPost, env.emu.URL+"/emulator/admin/faults", bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+emulator.DefaultToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("set faults: %v %v", resp, err)
	}
	resp.Body.Close()
	keys := distinctKeys(3)
	for i, k := range keys {
		if _, inserted, err := s.Append(t.Context(), decision(i, k)); err != nil || !inserted {
			t.Fatalf("append %s: inserted %v, %v", k, inserted, err)
		}
	}
	checkTrail(t, s, keys)
	// More failures in a row than resubmissions: the last one is the error.
	b, _ = json.Marshal(map[string]any{"statement_failures": map[string]int{"count": 100}})
	req, _ = http.NewRequest(http.MethodPost, env.emu.URL+"/emulator/admin/faults", bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+emulator.DefaultToken)
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, _, err := s.Append(t.Context(), decision(9, "one-too-many")); err == nil || !strings.Contains(err.Error(), "could not run the statement now") {
		t.Errorf("append through 100 failures: %v", err)
	}
}
