package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/sql"

	"github.com/novadynamics/stellar-budget/internal/attribtest"
	"github.com/novadynamics/stellar-budget/internal/attribution"
	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/demo"
	"github.com/novadynamics/stellar-budget/internal/duckdb"
)

// The SQL tests' demo account: two categories, a fixed size, small enough
// to load in well under a second.
var sqlAsOf = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

func sqlDivision() budget.Division {
	d := budget.Division{Name: "Test", Currency: "USD", Thresholds: []int{75, 90, 100}}
	for _, c := range []string{"DEEP_SPACE_TELEMETRY", "EXOPLANET_RESEARCH"} {
		d.Categories = append(d.Categories, budget.Category{
			Slug: strings.ToLower(c), TagValue: c, MonthlyBudget: budget.MustDecimal("5000"),
		})
	}
	return d
}

func sqlDemo(rows int64) demo.Config {
	return demo.Config{Division: sqlDivision(), Through: sqlAsOf.AddDate(0, 0, 1), Rows: rows}
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

var sharedSQL struct {
	once   sync.Once
	tables *duckdb.SystemTables
	err    error
}

// sqlTables returns read-only system tables shared by the tests; a test
// that changes the data opens its own.
func sqlTables(t *testing.T) Engine {
	t.Helper()
	sharedSQL.once.Do(func() {
		sharedSQL.tables, sharedSQL.err = duckdb.OpenSystemTables(context.Background(), duckdb.Options{Log: quietLog()}, sqlDemo(20000))
	})
	if sharedSQL.err != nil {
		t.Fatal(sharedSQL.err)
	}
	return sharedSQL.tables
}

// sqlEnv is an emulator with SQL and SDK clients pointed at it.
type sqlEnv struct {
	emu     *Running
	unified *databricks.WorkspaceClient // unified-host mode, with X-Databricks-Org-Id
	plain   *databricks.WorkspaceClient // a plain workspace host, as other SDKs use it
}

// startSQL starts an emulator on engine; opts fills in the rest.
func startSQL(t *testing.T, engine Engine, opts Options) sqlEnv {
	t.Helper()
	opts.AsOf, opts.Division, opts.SQL, opts.Log = sqlAsOf, sqlDivision(), engine, quietLog()
	emu, err := Start("127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	unified, err := databricks.NewWorkspaceClient(&databricks.Config{
		Host: emu.URL, Token: DefaultToken, AccountID: DefaultAccountID, WorkspaceID: DefaultWorkspaceID,
		Experimental_IsUnifiedHost: true, RateLimitPerSecond: 1000,
	})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := databricks.NewWorkspaceClient(&databricks.Config{Host: emu.URL, Token: DefaultToken, RateLimitPerSecond: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return sqlEnv{emu: emu, unified: unified, plain: plain}
}

// execute submits a statement on the default warehouse.
func (e sqlEnv) execute(t *testing.T, w *databricks.WorkspaceClient, statement, wait string) *sql.StatementResponse {
	t.Helper()
	resp, err := w.StatementExecution.ExecuteStatement(context.Background(), sql.ExecuteStatementRequest{
		WarehouseId: e.emu.DefaultWarehouseID(), Statement: statement, WaitTimeout: wait,
		Disposition: sql.DispositionInline, Format: sql.FormatJsonArray,
	})
	if err != nil {
		t.Fatalf("execute %q: %v", statement, err)
	}
	return resp
}

// await polls a statement until its state is final.
func (e sqlEnv) await(t *testing.T, w *databricks.WorkspaceClient, id string) (*sql.StatementResponse, []sql.StatementState) {
	t.Helper()
	var seen []sql.StatementState
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := w.StatementExecution.GetStatement(context.Background(), sql.GetStatementRequest{StatementId: id})
		if err != nil {
			t.Fatalf("get statement: %v", err)
		}
		if len(seen) == 0 || seen[len(seen)-1] != resp.Status.State {
			seen = append(seen, resp.Status.State)
		}
		switch resp.Status.State {
		case sql.StatementStateSucceeded, sql.StatementStateFailed, sql.StatementStateCanceled, sql.StatementStateClosed:
			return resp, seen
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("statement %s still %v after 20s", id, seen)
	return nil, nil
}

// admin calls an emulator admin endpoint and decodes its answer into out.
func (e sqlEnv) admin(t *testing.T, method, path string, body, out any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.emu.URL+path, r)
	req.Header.Set("Authorization", "Bearer "+DefaultToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %s: %s", method, path, resp.Status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

func (e sqlEnv) warehouseState(t *testing.T) sql.State {
	t.Helper()
	wh, err := e.unified.Warehouses.Get(context.Background(), sql.GetWarehouseRequest{Id: e.emu.DefaultWarehouseID()})
	if err != nil {
		t.Fatal(err)
	}
	return wh.State
}

func TestStatementPendingUntilTheWarehouseStarts(t *testing.T) {
	env := startSQL(t, sqlTables(t), Options{Faults: Faults{WarehouseStartDelay: Duration(300 * time.Millisecond)}})
	if got := env.warehouseState(t); got != sql.StateStopped {
		t.Fatalf("the default warehouse is %s at start, want STOPPED", got)
	}
	resp := env.execute(t, env.unified, "SELECT usage_date, count(*) AS records FROM system.billing.usage WHERE usage_date >= DATE'2026-11-20' GROUP BY ALL ORDER BY usage_date", "0s")
	if resp.Status.State != sql.StatementStatePending || resp.StatementId == "" || resp.Result != nil {
		t.Fatalf("first answer %+v, want PENDING with an id and no result", resp.Status)
	}
	if got := env.warehouseState(t); got != sql.StateStarting {
		t.Errorf("the warehouse is %s after the statement, want STARTING", got)
	}
	final, seen := env.await(t, env.unified, resp.StatementId)
	if final.Status.State != sql.StatementStateSucceeded {
		t.Fatalf("states %v, error %+v", seen, final.Status.Error)
	}
	if seen[0] != sql.StatementStatePending {
		t.Errorf("states %v, want PENDING first", seen)
	}
	if got := env.warehouseState(t); got != sql.StateRunning {
		t.Errorf("the warehouse is %s after the statement ran, want RUNNING", got)
	}
	rows := final.Result.DataArray
	if len(rows) != 4 || rows[0][0] != "2026-11-20" || rows[3][0] != "2026-11-23" || rows[0][1] == "0" {
		t.Errorf("rows %v, want one per day 2026-11-20 to 2026-11-23 with counts", rows)
	}
}

func TestStatementWaitsForTheResult(t *testing.T) {
	env := startSQL(t, sqlTables(t), Options{})
	resp := env.execute(t, env.plain, "SELECT count(*) AS n FROM system.billing.usage", "30s")
	if resp.Status.State != sql.StatementStateSucceeded {
		t.Fatalf("state %s %+v, want SUCCEEDED within the wait", resp.Status.State, resp.Status.Error)
	}
	if got := resp.Result.DataArray; len(got) != 1 || got[0][0] != "20000" {
		t.Errorf("count %v, want 20000", got)
	}
}

func TestResultInManyChunks(t *testing.T) {
	tables := sqlTables(t)
	env := startSQL(t, tables, Options{ChunkRows: 30})
	const q = "SELECT usage_date, CAST(sum(usage_quantity) AS DECIMAL(38,18)) AS dbus FROM system.billing.usage GROUP BY ALL ORDER BY usage_date"
	_, _, want, err := tables.Query(context.Background(), "UTC", strings.ReplaceAll(q, "system.", EngineSystemCatalog+"."))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		client *databricks.WorkspaceClient
	}{{"unified host", env.unified}, {"plain workspace host", env.plain}} {
		t.Run(tc.name, func(t *testing.T) {
			resp := env.execute(t, tc.client, q, "50s")
			if resp.Status.State != sql.StatementStateSucceeded {
				t.Fatalf("state %s %+v", resp.Status.State, resp.Status.Error)
			}
			m := resp.Manifest
			wantChunks := (len(want) + 29) / 30
			if m.TotalRowCount != int64(len(want)) || m.TotalChunkCount != wantChunks || len(m.Chunks) != wantChunks {
				t.Fatalf("manifest: %d rows in %d chunks (%d listed), want %d rows in %d", m.TotalRowCount, m.TotalChunkCount, len(m.Chunks), len(want), wantChunks)
			}
			var got [][]string
			chunk := resp.Result
			for {
				if chunk.RowOffset != int64(len(got)) {
					t.Fatalf("chunk %d starts at row %d, want %d", chunk.ChunkIndex, chunk.RowOffset, len(got))
				}
				got = append(got, chunk.DataArray...)
				if chunk.NextChunkInternalLink == "" {
					break
				}
				if want := "/api/2.0/sql/statements/" + resp.StatementId + "/result/chunks/" + strconv.Itoa(chunk.NextChunkIndex); chunk.NextChunkInternalLink != want {
					t.Errorf("next link %q, want %q", chunk.NextChunkInternalLink, want)
				}
				chunk, err = tc.client.StatementExecution.GetStatementResultChunkN(context.Background(), sql.GetStatementResultChunkNRequest{
					StatementId: resp.StatementId, ChunkIndex: chunk.NextChunkIndex,
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			if len(got) != len(want) || wantChunks < 10 {
				t.Fatalf("read %d rows in %d chunks, want %d in 10 or more", len(got), wantChunks, len(want))
			}
			for i := range want {
				if got[i][0] != *want[i][0] || got[i][1] != *want[i][1] {
					t.Fatalf("row %d is %v, want [%s %s]", i, got[i], *want[i][0], *want[i][1])
				}
			}
		})
	}
}

func TestResultManifestTypes(t *testing.T) {
	env := startSQL(t, sqlTables(t), Options{})
	resp := env.execute(t, env.unified, `SELECT
  CAST(hour(usage_start_time) AS INT) AS usage_hour,
  CAST(1 AS BIGINT) AS records,
  CAST(usage_date AS STRING) AS day_text,
  product_features.is_serverless AS is_serverless,
  usage_date,
  usage_start_time,
  usage_quantity,
  CAST(pricing_default AS DECIMAL(18, 8)) AS price,
  custom_tags,
  identity_metadata,
  CAST(NULL AS STRING) AS nothing
FROM system.billing.usage, (SELECT pricing.`+"`default`"+` AS pricing_default FROM system.billing.list_prices LIMIT 1)
WHERE usage_start_time = TIMESTAMP'2026-11-23 01:00:00' LIMIT 1`, "30s")
	if resp.Status.State != sql.StatementStateSucceeded {
		t.Fatalf("state %s %+v", resp.Status.State, resp.Status.Error)
	}
	want := []struct {
		name, typeName, typeText string
		precision, scale         int
	}{
		{"usage_hour", "INT", "INT", 0, 0},
		{"records", "LONG", "BIGINT", 0, 0},
		{"day_text", "STRING", "STRING", 0, 0},
		{"is_serverless", "BOOLEAN", "BOOLEAN", 0, 0},
		{"usage_date", "DATE", "DATE", 0, 0},
		{"usage_start_time", "TIMESTAMP", "TIMESTAMP", 0, 0},
		{"usage_quantity", "DECIMAL", "DECIMAL(38,18)", 38, 18},
		{"price", "DECIMAL", "DECIMAL(18,8)", 18, 8},
		{"custom_tags", "MAP", "MAP<STRING, STRING>", 0, 0},
		{"identity_metadata", "STRUCT", "STRUCT<run_as: STRING, owned_by: STRING, created_by: STRING>", 0, 0},
		{"nothing", "STRING", "STRING", 0, 0},
	}
	cols := resp.Manifest.Schema.Columns
	if len(cols) != len(want) || resp.Manifest.Schema.ColumnCount != len(want) {
		t.Fatalf("%d columns, want %d", len(cols), len(want))
	}
	for i, w := range want {
		c := cols[i]
		if c.Name != w.name || string(c.TypeName) != w.typeName || c.TypeText != w.typeText ||
			c.TypePrecision != w.precision || c.TypeScale != w.scale || c.Position != i {
			t.Errorf("column %d: %+v, want %+v", i, c, w)
		}
	}
	row := resp.Result.DataArray[0]
	if row[5] != "2026-11-23T01:00:00.000Z" || row[4] != "2026-11-23" || row[0] != "1" || !strings.HasPrefix(row[8], "{") {
		t.Errorf("values %q: want ISO timestamps, dates, numbers and JSON maps", row)
	}

	// SQL NULL is a JSON null in data_array, which the SDK's [][]string
	// reads as "": check the wire.
	req, _ := http.NewRequest(http.MethodGet, env.emu.URL+"/api/2.0/sql/statements/"+resp.StatementId, nil)
	req.Header.Set("Authorization", "Bearer "+DefaultToken)
	raw, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Body.Close()
	var wire struct {
		Manifest struct {
			Chunks []map[string]any `json:"chunks"`
		} `json:"manifest"`
		Result struct {
			ChunkIndex *int        `json:"chunk_index"`
			DataArray  [][]*string `json:"data_array"`
		} `json:"result"`
	}
	if err := json.NewDecoder(raw.Body).Decode(&wire); err != nil {
		t.Fatal(err)
	}
	if got := wire.Result.DataArray[0][10]; got != nil {
		t.Errorf("a NULL came as %q, want JSON null", *got)
	}
	if wire.Result.ChunkIndex == nil || wire.Manifest.Chunks[0]["chunk_index"] != 0.0 || wire.Manifest.Chunks[0]["row_offset"] != 0.0 {
		t.Errorf("chunk 0 leaves out its index or offset: %+v", wire.Manifest.Chunks)
	}
}

func TestStatementFailures(t *testing.T) {
	env := startSQL(t, sqlTables(t), Options{})
	tests := []struct {
		name, statement string
		want            []string
	}{
		{"syntax error", "SELEC 1", []string{"[PARSE_SYNTAX_ERROR]", "'SELEC'"}},
		{"missing table", "SELECT * FROM system.billing.usagex", []string{"[TABLE_OR_VIEW_NOT_FOUND]", "`system`.`billing`.`usagex`"}},
		{"missing schema", "SELECT * FROM system.nobilling.usage", []string{"[TABLE_OR_VIEW_NOT_FOUND]", "`system`.`nobilling`.`usage`"}},
		{"missing column", "SELECT nope FROM system.billing.usage", []string{"[UNRESOLVED_COLUMN.WITHOUT_SUGGESTION]", "`nope`"}},
		{"bad cast", "SELECT CAST('x' AS INT)", []string{"[CAST_INVALID_INPUT]"}},
		{"two statements", "SELECT 1; SELECT 2", []string{"[PARSE_SYNTAX_ERROR]"}},
		{"a change to the system tables", "DELETE FROM system.billing.usage WHERE usage_date < DATE'1900-01-01'", []string{"[INSUFFICIENT_PERMISSIONS]", "read-only"}},
		{"a table of its own", "CREATE TABLE scratch AS SELECT 1 AS one", []string{"[INSUFFICIENT_PERMISSIONS]"}},
		{"a file of the host", "SELECT content FROM read_text('doc.go')", []string{"[INSUFFICIENT_PERMISSIONS]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := env.execute(t, env.unified, tc.statement, "30s")
			if resp.Status.State != sql.StatementStateFailed || resp.Status.Error == nil {
				t.Fatalf("state %s, want FAILED with an error", resp.Status.State)
			}
			if resp.Status.Error.ErrorCode != sql.ServiceErrorCodeBadRequest {
				t.Errorf("error code %s, want BAD_REQUEST", resp.Status.Error.ErrorCode)
			}
			for _, w := range tc.want {
				if !strings.Contains(resp.Status.Error.Message, w) {
					t.Errorf("message %q lacks %q", resp.Status.Error.Message, w)
				}
			}
			if resp.Manifest != nil || resp.Result != nil {
				t.Error("a failed statement has a result")
			}
		})
	}
}

func TestRequestValidation(t *testing.T) {
	env := startSQL(t, sqlTables(t), Options{})
	tests := []struct {
		name string
		req  sql.ExecuteStatementRequest
		want string
	}{
		{"wait too short", sql.ExecuteStatementRequest{WaitTimeout: "3s"}, "wait_timeout"},
		{"wait too long", sql.ExecuteStatementRequest{WaitTimeout: "51s"}, "wait_timeout"},
		{"csv external links", sql.ExecuteStatementRequest{Disposition: sql.DispositionExternalLinks, Format: sql.FormatCsv}, "CSV"},
		{"bad disposition", sql.ExecuteStatementRequest{Disposition: "LATER"}, "EXTERNAL_LINKS"},
		{"arrow inline", sql.ExecuteStatementRequest{Format: sql.FormatArrowStream}, "ARROW_STREAM"},
		{"bad on_wait_timeout", sql.ExecuteStatementRequest{OnWaitTimeout: "LATER"}, "on_wait_timeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.req
			req.Statement, req.WarehouseId = "SELECT 1", env.emu.DefaultWarehouseID()
			_, err := env.unified.StatementExecution.ExecuteStatement(context.Background(), req)
			var api *apierr.APIError
			if !errors.As(err, &api) || api.StatusCode != http.StatusBadRequest || api.ErrorCode != "INVALID_PARAMETER_VALUE" || !strings.Contains(api.Message, tc.want) {
				t.Errorf("error %v, want 400 INVALID_PARAMETER_VALUE about %s", err, tc.want)
			}
		})
	}
}

func TestCancel(t *testing.T) {
	env := startSQL(t, sqlTables(t), Options{Faults: Faults{WarehouseNeverStarts: true}})
	t.Run("cancel a pending statement", func(t *testing.T) {
		resp := env.execute(t, env.unified, "SELECT 1", "0s")
		if resp.Status.State != sql.StatementStatePending {
			t.Fatalf("state %s, want PENDING on a warehouse that never starts", resp.Status.State)
		}
		err := env.unified.StatementExecution.CancelExecution(context.Background(), sql.CancelExecutionRequest{StatementId: resp.StatementId})
		if err != nil {
			t.Fatal(err)
		}
		final, seen := env.await(t, env.unified, resp.StatementId)
		if final.Status.State != sql.StatementStateCanceled {
			t.Errorf("states %v, want CANCELED", seen)
		}
	})
	t.Run("on_wait_timeout CANCEL", func(t *testing.T) {
		start := time.Now()
		resp, err := env.unified.StatementExecution.ExecuteStatement(context.Background(), sql.ExecuteStatementRequest{
			WarehouseId: env.emu.DefaultWarehouseID(), Statement: "SELECT 1", WaitTimeout: "5s",
			OnWaitTimeout: sql.ExecuteStatementRequestOnWaitTimeoutCancel,
		})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status.State != sql.StatementStateCanceled || time.Since(start) < 5*time.Second {
			t.Errorf("state %s after %s, want CANCELED after the 5s wait", resp.Status.State, time.Since(start).Round(time.Millisecond))
		}
	})
	t.Run("a finished statement stays finished", func(t *testing.T) {
		env.admin(t, http.MethodPost, "/emulator/admin/faults", map[string]any{"warehouse_never_starts": false}, nil)
		resp := env.execute(t, env.unified, "SELECT 1 AS one", "30s")
		if resp.Status.State != sql.StatementStateSucceeded {
			t.Fatalf("state %s %+v", resp.Status.State, resp.Status.Error)
		}
		if err := env.unified.StatementExecution.CancelExecution(context.Background(), sql.CancelExecutionRequest{StatementId: resp.StatementId}); err != nil {
			t.Fatal(err)
		}
		if final, _ := env.await(t, env.unified, resp.StatementId); final.Status.State != sql.StatementStateSucceeded {
			t.Errorf("state %s after a late cancel, want SUCCEEDED", final.Status.State)
		}
	})
}

func TestMissingWarehouseAndStatement(t *testing.T) {
	env := startSQL(t, sqlTables(t), Options{})
	ctx := context.Background()
	_, err := env.unified.StatementExecution.ExecuteStatement(ctx, sql.ExecuteStatementRequest{WarehouseId: "0123456789abcdef", Statement: "SELECT 1"})
	if !errors.Is(err, apierr.ErrResourceDoesNotExist) || !strings.Contains(err.Error(), "0123456789abcdef") {
		t.Errorf("execute on a missing warehouse: %v, want RESOURCE_DOES_NOT_EXIST naming it", err)
	}
	_, err = env.plain.Warehouses.Get(ctx, sql.GetWarehouseRequest{Id: "0123456789abcdef"})
	if !errors.Is(err, apierr.ErrResourceDoesNotExist) {
		t.Errorf("get a missing warehouse: %v", err)
	}
	_, err = env.unified.StatementExecution.GetStatement(ctx, sql.GetStatementRequest{StatementId: "00000000-0000-4000-8000-000000000000"})
	if !errors.Is(err, apierr.ErrResourceDoesNotExist) {
		t.Errorf("get a missing statement: %v", err)
	}
}

func TestWarehouses(t *testing.T) {
	env := startSQL(t, sqlTables(t), Options{Faults: Faults{WarehouseStartDelay: Duration(100 * time.Millisecond)}})
	ctx := context.Background()
	list, err := env.plain.Warehouses.ListAll(ctx, sql.ListWarehousesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || list[0].Id != env.emu.DefaultWarehouseID() {
		t.Fatalf("%d warehouses, the first %s: want 3, the default first", len(list), list[0].Id)
	}
	tag := func(info sql.EndpointInfo, key string) string {
		if info.Tags == nil {
			return ""
		}
		for _, p := range info.Tags.CustomTags {
			if p.Key == key {
				return p.Value
			}
		}
		return ""
	}
	def := list[0]
	if !def.EnableServerlessCompute || def.WarehouseType != sql.EndpointInfoWarehouseTypePro || def.AutoStopMins == 0 ||
		def.State != sql.StateStopped || tag(def, "OperationalCategory") != "DEEP_SPACE_TELEMETRY" {
		t.Errorf("default warehouse %+v: want serverless PRO, auto stop on, STOPPED, tagged", def)
	}
	var breakers int
	for _, w := range list[1:] {
		if w.AutoStopMins == 0 || tag(w, "OperationalCategory") == "" || tag(w, "OperationalCategory") == "SANDBOX" {
			breakers++
		}
	}
	if breakers != 2 {
		t.Errorf("%d warehouses break the rules, want 2", breakers)
	}

	// Start waits until RUNNING through the SDK's poller; stop stops.
	started, err := env.unified.Warehouses.Start(ctx, sql.StartRequest{Id: def.Id})
	if err != nil {
		t.Fatal(err)
	}
	wh, err := started.Get()
	if err != nil {
		t.Fatal(err)
	}
	if wh.State != sql.StateRunning || wh.NumClusters != 1 {
		t.Errorf("after start: %s with %d clusters", wh.State, wh.NumClusters)
	}
	stopped, err := env.unified.Warehouses.Stop(ctx, sql.StopRequest{Id: def.Id})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stopped.Get(); err != nil {
		t.Fatal(err)
	}
	if got := env.warehouseState(t); got != sql.StateStopped {
		t.Errorf("after stop: %s", got)
	}
}

func TestRetriedFaults(t *testing.T) {
	env := startSQL(t, sqlTables(t), Options{})
	ctx := context.Background()
	tests := []struct {
		name   string
		faults map[string]any
	}{
		{"429 with Retry-After", map[string]any{"too_many_requests": map[string]any{"count": 1}, "retry_after": "1s"}},
		{"503 on the warehouses only", map[string]any{"unavailable": map[string]any{"count": 1, "path_prefix": "/api/2.0/sql/warehouses"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env.admin(t, http.MethodPost, "/emulator/admin/faults", tc.faults, nil)
			if _, err := env.unified.Warehouses.ListAll(ctx, sql.ListWarehousesRequest{}); err != nil {
				t.Fatalf("the SDK did not get through: %v", err)
			}
			var left Faults
			env.admin(t, http.MethodGet, "/emulator/admin/faults", nil, &left)
			if left.TooManyRequests.Count+left.Unavailable.Count != 0 {
				t.Errorf("faults left: %+v", left)
			}
		})
	}
	t.Run("Retry-After header", func(t *testing.T) {
		env.admin(t, http.MethodPost, "/emulator/admin/faults", map[string]any{"too_many_requests": map[string]any{"count": 1}, "retry_after": "2.5s"}, nil)
		req, _ := http.NewRequest(http.MethodGet, env.emu.URL+"/api/2.0/sql/warehouses", nil)
		req.Header.Set("Authorization", "Bearer "+DefaultToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "3" {
			t.Errorf("%s with Retry-After %q, want 429 with 3", resp.Status, resp.Header.Get("Retry-After"))
		}
	})
	t.Run("500 then success", func(t *testing.T) {
		env.admin(t, http.MethodPost, "/emulator/admin/faults", map[string]any{"internal_errors": map[string]any{"count": 1, "path_prefix": "/api/2.0/sql/statements"}}, nil)
		// The Go SDK does not retry a 500: the caller sees it once.
		_, err := env.unified.StatementExecution.ExecuteStatement(ctx, sql.ExecuteStatementRequest{WarehouseId: env.emu.DefaultWarehouseID(), Statement: "SELECT 1"})
		if !errors.Is(err, apierr.ErrInternalError) {
			t.Fatalf("first call: %v, want INTERNAL_ERROR", err)
		}
		if resp := env.execute(t, env.unified, "SELECT 1", "30s"); resp.Status.State != sql.StatementStateSucceeded {
			t.Errorf("second call: %s", resp.Status.State)
		}
	})
	t.Run("500 on result chunks only", func(t *testing.T) {
		env.admin(t, http.MethodPost, "/emulator/admin/faults", map[string]any{"internal_errors": map[string]any{"count": 5, "path_prefix": "/api/2.0/sql/statements/"}}, nil)
		// Submitting is not under the prefix; reading the result is.
		resp := env.execute(t, env.unified, "SELECT 1", "0s")
		_, err := env.unified.StatementExecution.GetStatementResultChunkN(ctx, sql.GetStatementResultChunkNRequest{StatementId: resp.StatementId, ChunkIndex: 0})
		if !errors.Is(err, apierr.ErrInternalError) {
			t.Errorf("chunk read: %v, want INTERNAL_ERROR", err)
		}
		env.admin(t, http.MethodDelete, "/emulator/admin/faults", nil, nil)
	})
	t.Run("slow answers", func(t *testing.T) {
		env.admin(t, http.MethodPost, "/emulator/admin/faults", map[string]any{"delay": "300ms"}, nil)
		start := time.Now()
		if _, err := env.unified.Warehouses.ListAll(ctx, sql.ListWarehousesRequest{}); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took < 300*time.Millisecond {
			t.Errorf("answered in %s, want the 300ms delay", took)
		}
		env.admin(t, http.MethodDelete, "/emulator/admin/faults", nil, nil)
	})
}

func TestAuth(t *testing.T) {
	env := startSQL(t, sqlTables(t), Options{})
	ctx := context.Background()
	call := func(token, orgID string) (int, apiError) {
		req, _ := http.NewRequest(http.MethodGet, env.emu.URL+"/api/2.0/sql/warehouses", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if orgID != "" {
			req.Header.Set("X-Databricks-Org-Id", orgID)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body apiError
		json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	tests := []struct {
		name, token, orgID string
		status             int
		code               string
	}{
		{"no token", "", "", 401, "UNAUTHENTICATED"},
		{"wrong token", "dapi-wrong", "", 403, "403"},
		{"right token, no org id", DefaultToken, "", 200, ""},
		{"right token and org id", DefaultToken, DefaultWorkspaceID, 200, ""},
		{"another workspace's org id", DefaultToken, "42", 403, "PERMISSION_DENIED"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := call(tc.token, tc.orgID)
			if status != tc.status || body.ErrorCode != tc.code || (tc.code != "") != (body.Message != "") {
				t.Errorf("%d %+v, want %d %s with a message", status, body, tc.status, tc.code)
			}
		})
	}

	t.Run("wrong token through the SDK", func(t *testing.T) {
		w, err := databricks.NewWorkspaceClient(&databricks.Config{Host: env.emu.URL, Token: "dapi-wrong"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = w.Warehouses.ListAll(ctx, sql.ListWarehousesRequest{})
		if !errors.Is(err, apierr.ErrPermissionDenied) || !strings.Contains(err.Error(), "Invalid access token") {
			t.Errorf("%v, want 403 Invalid access token", err)
		}
	})
	t.Run("expired token", func(t *testing.T) {
		env.admin(t, http.MethodPost, "/emulator/admin/faults", map[string]any{"expired_token": true}, nil)
		_, err := env.unified.Warehouses.ListAll(ctx, sql.ListWarehousesRequest{})
		if !errors.Is(err, apierr.ErrUnauthenticated) || !strings.Contains(err.Error(), "Token is expired") {
			t.Errorf("%v, want 401 Token is expired", err)
		}
		// The admin endpoints still answer, so the fault can be switched off.
		env.admin(t, http.MethodDelete, "/emulator/admin/faults", nil, nil)
		if _, err := env.unified.Warehouses.ListAll(ctx, sql.ListWarehousesRequest{}); err != nil {
			t.Errorf("after clearing the fault: %v", err)
		}
	})
	t.Run("admin needs the token", func(t *testing.T) {
		resp, err := http.Get(env.emu.URL + "/emulator/admin/faults")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("admin without a token: %s", resp.Status)
		}
	})
	t.Run("unknown path", func(t *testing.T) {
		_, err := env.plain.Warehouses.GetWorkspaceWarehouseConfig(ctx)
		if !errors.Is(err, apierr.ErrNotFound) || !strings.Contains(err.Error(), "/api/2.0/sql/config/warehouses") {
			t.Errorf("%v, want 404 ENDPOINT_NOT_FOUND naming the path", err)
		}
	})
}

func TestAdminFaultsValidation(t *testing.T) {
	env := startSQL(t, nil, Options{})
	for _, body := range []string{`{"delay": "soon"}`, `{"too_many_requests": {"count": -1}}`, `{"statement_failures": {"count": -2}}`, `{"no_such_fault": true}`, `[1]`} {
		req, _ := http.NewRequest(http.MethodPost, env.emu.URL+"/emulator/admin/faults", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+DefaultToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("faults %s: %s, want 400", body, resp.Status)
		}
	}
	var f Faults
	env.admin(t, http.MethodGet, "/emulator/admin/faults", nil, &f)
	if f != (Faults{}) {
		t.Errorf("rejected changes were applied: %+v", f)
	}
}

func TestCorrectionChangesTheAnswer(t *testing.T) {
	tables, err := duckdb.OpenSystemTables(context.Background(), duckdb.Options{Log: quietLog()}, sqlDemo(5000))
	if err != nil {
		t.Fatal(err)
	}
	defer tables.Close()
	env := startSQL(t, tables, Options{})
	const day = "SELECT CAST(sum(usage_quantity) AS DECIMAL(38,18)) AS dbus, count(*) AS records FROM system.billing.usage" +
		" WHERE usage_date = DATE'2026-11-02' AND custom_tags['OperationalCategory'] = 'DEEP_SPACE_TELEMETRY'"
	before := env.execute(t, env.unified, day, "30s").Result.DataArray[0]
	var got correctionResponse
	env.admin(t, http.MethodPost, "/emulator/admin/corrections", map[string]string{
		"usage_date": "2026-11-02", "factor": "1.1", "category": "deep space telemetry",
	}, &got)
	if got.Groups == 0 || got.RowsAdded != 2*got.Groups || got.IngestionDate != "2026-11-23" {
		t.Fatalf("correction %+v: want groups, two rows each, ingested on the as-of date", got)
	}
	after := env.execute(t, env.unified, day, "30s").Result.DataArray[0]
	was, now := budget.MustDecimal(before[0]), budget.MustDecimal(after[0])
	want := times(was, "1.1")
	if diff := now.Sub(want).Rat(); diff.Abs(diff).Cmp(budget.MustDecimal("0.000001").Rat()) > 0 {
		t.Errorf("the day's DBUs went from %s to %s, want 1.1 times (%s)", was, now, want)
	}
	late := env.execute(t, env.unified, "SELECT record_type, count(*) FROM system.billing.usage WHERE ingestion_date = current_date() AND usage_date = DATE'2026-11-02' GROUP BY ALL ORDER BY record_type", "30s")
	rows := late.Result.DataArray
	if len(rows) != 2 || rows[0][0] != "RESTATEMENT" || rows[1][0] != "RETRACTION" || rows[0][1] != strconv.Itoa(got.Groups) {
		t.Errorf("late rows %v, want %d RESTATEMENT and RETRACTION rows ingested today", rows, got.Groups)
	}
	// The statements' own route to the data is read-only system tables; the
	// admin SQL endpoint appends anything else.
	env.admin(t, http.MethodPost, "/emulator/admin/sql", map[string]string{
		"statement": "DELETE FROM system.billing.usage WHERE usage_date = DATE'2026-11-02'",
	}, nil)
	if n := env.execute(t, env.unified, day, "30s").Result.DataArray[0][1]; n != "0" {
		t.Errorf("%s records left after the admin DELETE", n)
	}
}

// times is d times factor, exactly.
func times(d budget.Decimal, factor string) budget.Decimal {
	r := d.Rat()
	r.Mul(r, budget.MustDecimal(factor).Rat())
	return budget.MustDecimal(r.FloatString(18))
}

// TestAttributionStatement runs the statement the databricks source sends
// (attribution.Query over Databricks-dialect relations of the system
// tables) and checks it against the embedded engine's attribution of the
// same demo account.
func TestAttributionStatement(t *testing.T) {
	env := startSQL(t, sqlTables(t), Options{ChunkRows: 2000})
	col := func(c attribution.Column) string {
		expr := c.Source
		if c.Kind == attribution.KindHour {
			expr = "hour(" + expr + ")"
		}
		for _, k := range c.Path {
			if c.Source == "custom_tags" {
				expr += "[" + attribution.Literal(k) + "]"
			} else {
				expr += ".`" + k + "`"
			}
		}
		return "CAST(" + expr + " AS " + c.Kind.SQLType() + ") AS " + c.Name
	}
	rel := func(cols []attribution.Column, table, where string) string {
		exprs := make([]string, len(cols))
		for i, c := range cols {
			exprs[i] = col(c)
		}
		return "SELECT " + strings.Join(exprs, ", ") + " FROM " + table + " " + where
	}
	tags := sqlDivision().TagValues()
	since := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)
	q, err := attribution.Query(
		rel(attribution.UsageColumns, "system.billing.usage", "WHERE usage_date >= DATE'2025-10-01' AND usage_date IN (SELECT usage_date FROM system.billing.usage WHERE ingestion_date >= DATE'2025-10-01')"),
		rel(attribution.PriceColumns, "system.billing.list_prices", "WHERE currency_code = 'USD'"),
		tags, since)
	if err != nil {
		t.Fatal(err)
	}
	resp := env.execute(t, env.unified, q, "50s")
	if resp.Status.State != sql.StatementStateSucceeded {
		t.Fatalf("state %s %+v", resp.Status.State, resp.Status.Error)
	}
	for i, c := range attribution.ResultColumns {
		if got := resp.Manifest.Schema.Columns[i]; got.Name != c.Name || got.TypeText != c.Type {
			t.Errorf("column %d: %s %s, want %s %s", i, got.Name, got.TypeText, c.Name, c.Type)
		}
	}
	var collect attribution.Collector
	chunk := resp.Result
	for {
		for _, row := range chunk.DataArray {
			vals := make([]*string, len(row))
			for i := range row {
				vals[i] = &row[i]
			}
			if err := collect.Add(vals); err != nil {
				t.Fatal(err)
			}
		}
		if chunk.NextChunkInternalLink == "" {
			break
		}
		if chunk, err = env.unified.StatementExecution.GetStatementResultChunkN(context.Background(),
			sql.GetStatementResultChunkNRequest{StatementId: resp.StatementId, ChunkIndex: chunk.NextChunkIndex}); err != nil {
			t.Fatal(err)
		}
	}
	got := collect.Result()
	want, err := duckdb.DemoSource{Options: duckdb.Options{Log: quietLog()}, Config: sqlDemo(20000), DetailFrom: since}.Attribute(context.Background(), tags)
	if err != nil {
		t.Fatal(err)
	}
	// The statement reads the usage from since on: the embedded engine's
	// grains of those days.
	recent := func(facts []budget.Fact) []budget.Fact {
		return slices.DeleteFunc(slices.Clone(facts), func(f budget.Fact) bool { return f.Date.Before(since) })
	}
	want.Facts.Months, want.Facts.Days = recent(want.Facts.Months), recent(want.Facts.Days)
	if len(got.Facts.Months) == 0 || len(got.Facts.Days) == 0 || len(got.Facts.Detail) == 0 {
		t.Fatalf("emulator: %d month, %d day, %d detail facts", len(got.Facts.Months), len(got.Facts.Days), len(got.Facts.Detail))
	}
	for _, d := range attribtest.GrainDiffs(got.Facts, want.Facts) {
		t.Error(d)
	}
}

// TestEngineCatalog: the translator's catalog is the one the engine
// attaches its system tables under.
func TestEngineCatalog(t *testing.T) {
	if EngineSystemCatalog != duckdb.SystemCatalog {
		t.Errorf("the translator renames system to %s, the engine attaches %s", EngineSystemCatalog, duckdb.SystemCatalog)
	}
}
