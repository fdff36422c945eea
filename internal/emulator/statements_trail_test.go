package emulator

import (
	"context"
	"strings"
	"testing"

	"github.com/databricks/databricks-sdk-go/service/sql"
)

// run executes statement with named parameters and waits for its end.
func (e sqlEnv) run(t *testing.T, statement string, params ...sql.StatementParameterListItem) *sql.StatementResponse {
	t.Helper()
	resp, err := e.unified.StatementExecution.ExecuteStatement(context.Background(), sql.ExecuteStatementRequest{
		WarehouseId: e.emu.DefaultWarehouseID(), Statement: statement, WaitTimeout: "30s",
		Disposition: sql.DispositionInline, Format: sql.FormatJsonArray, Parameters: params,
	})
	if err != nil {
		t.Fatalf("execute %q: %v", statement, err)
	}
	return resp
}

func sqlParam(name, typ, value string) sql.StatementParameterListItem {
	return sql.StatementParameterListItem{Name: name, Type: typ, Value: value, ForceSendFields: []string{"Value"}}
}

func nullParam(name, typ string) sql.StatementParameterListItem {
	return sql.StatementParameterListItem{Name: name, Type: typ}
}

func failed(t *testing.T, resp *sql.StatementResponse, class string) {
	t.Helper()
	if resp.Status.State != sql.StatementStateFailed || resp.Status.Error == nil {
		t.Fatalf("state %s, want FAILED with [%s]", resp.Status.State, class)
	}
	if !strings.HasPrefix(resp.Status.Error.Message, "["+class+"]") {
		t.Errorf("error %q, want [%s]", resp.Status.Error.Message, class)
	}
}

func succeeded(t *testing.T, resp *sql.StatementResponse) [][]string {
	t.Helper()
	if resp.Status.State != sql.StatementStateSucceeded {
		msg := ""
		if resp.Status.Error != nil {
			msg = resp.Status.Error.Message
		}
		t.Fatalf("state %s %s, want SUCCEEDED", resp.Status.State, msg)
	}
	if resp.Result == nil {
		return nil
	}
	return resp.Result.DataArray
}

const trailDDL = `CREATE TABLE IF NOT EXISTS main.stellar.agent_trail (
  seq BIGINT NOT NULL COMMENT 'position, from 1',
  time TIMESTAMP NOT NULL,
  key STRING NOT NULL COMMENT 'the once-only key',
  answer STRING,
  data_as_of TIMESTAMP
) USING DELTA
COMMENT 'The agent trail'
TBLPROPERTIES ('delta.appendOnly' = 'true', 'delta.minReaderVersion' = '1')`

const trailMerge = "MERGE INTO `main`.`stellar`.`agent_trail` AS t\n" +
	"USING (SELECT :seq AS seq, :key AS key) AS s\n" +
	"ON t.key = s.key OR t.seq = s.seq\n" +
	"WHEN NOT MATCHED THEN INSERT (seq, time, key, answer, data_as_of) VALUES (:seq, :time, :key, :answer, :as_of)"

func mergeParams(seq, key string) []sql.StatementParameterListItem {
	return []sql.StatementParameterListItem{
		sqlParam("seq", "BIGINT", seq), sqlParam("key", "STRING", key), sqlParam("time", "TIMESTAMP", "2026-07-15T09:30:00.123Z"),
		sqlParam("answer", "STRING", `{"it's": "json"}`), nullParam("as_of", "TIMESTAMP"),
	}
}

// TestTrailTableWrites: the agent trail's table is created and merged
// into through statement execution, and reports what Delta reports; every
// other write stays refused.
func TestTrailTableWrites(t *testing.T) {
	env := startSQL(t, sqlTables(t), Options{TraceTable: "main.stellar.agent_trail"})

	failed(t, env.run(t, "SELECT * FROM main.stellar.agent_trail"), "TABLE_OR_VIEW_NOT_FOUND")

	resp := env.run(t, trailDDL)
	if rows := succeeded(t, resp); len(rows) != 0 || resp.Manifest == nil || resp.Manifest.Schema.ColumnCount != 0 || resp.Manifest.TotalRowCount != 0 {
		t.Errorf("CREATE TABLE answered %+v, want no columns and no rows", resp.Manifest)
	}
	succeeded(t, env.run(t, trailDDL))
	failed(t, env.run(t, strings.Replace(trailDDL, " IF NOT EXISTS", "", 1)), "TABLE_OR_VIEW_ALREADY_EXISTS")

	merges := []struct {
		name, seq, key string
		want           []string // num_affected_rows, num_updated_rows, num_deleted_rows, num_inserted_rows
	}{
		{"a new key at a new seq", "1", "evt-1", []string{"1", "0", "0", "1"}},
		{"the same key again", "2", "evt-1", []string{"0", "0", "0", "0"}},
		{"a new key at a taken seq", "1", "evt-2", []string{"0", "0", "0", "0"}},
		{"the next", "2", "evt-2", []string{"1", "0", "0", "1"}},
	}
	for _, m := range merges {
		t.Run(m.name, func(t *testing.T) {
			resp := env.run(t, trailMerge, mergeParams(m.seq, m.key)...)
			rows := succeeded(t, resp)
			var names []string
			for _, c := range resp.Manifest.Schema.Columns {
				names = append(names, c.Name+" "+string(c.TypeName))
			}
			if got := strings.Join(names, ", "); got != "num_affected_rows LONG, num_updated_rows LONG, num_deleted_rows LONG, num_inserted_rows LONG" {
				t.Errorf("MERGE result columns %s", got)
			}
			if len(rows) != 1 || strings.Join(rows[0], ",") != strings.Join(m.want, ",") {
				t.Errorf("MERGE answered %v, want %v", rows, m.want)
			}
		})
	}
	rows := succeeded(t, env.run(t, "SELECT seq, time, key, answer, data_as_of FROM MAIN.Stellar.`agent_trail` ORDER BY seq"))
	if len(rows) != 2 || strings.Join(rows[0], "|") != `1|2026-07-15T09:30:00.123Z|evt-1|{"it's": "json"}|` || rows[1][2] != "evt-2" {
		t.Errorf("the trail table holds %q", rows)
	}

	refused := []struct {
		name, statement, class string
	}{
		{"an update through MERGE of an append-only table", "MERGE INTO main.stellar.agent_trail AS t USING (SELECT 'evt-1' AS key) AS s ON t.key = s.key WHEN MATCHED THEN UPDATE SET answer = 'forged'", "DELTA_CANNOT_MODIFY_APPEND_ONLY"},
		{"a delete through MERGE of an append-only table", "MERGE INTO main.stellar.agent_trail AS t USING (SELECT 'evt-1' AS key) AS s ON t.key = s.key WHEN NOT MATCHED BY SOURCE THEN DELETE", "DELTA_CANNOT_MODIFY_APPEND_ONLY"},
		{"an insert", "INSERT INTO main.stellar.agent_trail (seq, time, key) VALUES (3, TIMESTAMP '2026-07-15 10:00:00', 'evt-3')", "INSUFFICIENT_PERMISSIONS"},
		{"a delete", "DELETE FROM main.stellar.agent_trail", "INSUFFICIENT_PERMISSIONS"},
		{"a replacement", "CREATE OR REPLACE TABLE main.stellar.agent_trail (seq BIGINT)", "INSUFFICIENT_PERMISSIONS"},
		{"another table", "CREATE TABLE main.stellar.scratch (seq BIGINT)", "INSUFFICIENT_PERMISSIONS"},
		{"a MERGE into another table", "MERGE INTO system.billing.usage AS t USING (SELECT 'x' AS record_id) AS s ON t.record_id = s.record_id WHEN NOT MATCHED THEN INSERT (record_id) VALUES (s.record_id)", "INSUFFICIENT_PERMISSIONS"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			failed(t, env.run(t, tc.statement), tc.class)
		})
	}
	if rows := succeeded(t, env.run(t, "SELECT count(*), max(answer) FROM main.stellar.agent_trail")); rows[0][0] != "2" || rows[0][1] != `{"it's": "json"}` {
		t.Errorf("after the refused writes the table holds %q", rows)
	}
}

// TestTrailTableOff: without Options.TraceTable statements write nothing.
func TestTrailTableOff(t *testing.T) {
	env := startSQL(t, sqlTables(t), Options{})
	failed(t, env.run(t, trailDDL), "INSUFFICIENT_PERMISSIONS")
}

func TestParseTrailTable(t *testing.T) {
	tests := []struct{ name, table, err string }{
		{"three parts", "main.Stellar.agent_trail", ""},
		{"two parts", "stellar.agent_trail", "want catalog.schema.table"},
		{"quoted", "main.`st ellar`.t", "is not a plain name"},
		{"empty part", "main..t", "is not a plain name"},
		{"the system catalog", "System.billing.trail", "read-only"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tt, err := parseTrailTable(tc.table)
			switch {
			case tc.err == "" && (err != nil || tt.parts != [3]string{"main", "stellar", "agent_trail"}):
				t.Errorf("parse = %+v, %v", tt, err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Errorf("parse = %v, want an error with %q", err, tc.err)
			}
		})
	}
	if _, err := New(Options{TraceTable: "nope"}); err == nil || !strings.Contains(err.Error(), `trace table "nope"`) {
		t.Errorf("New with a bad trace table: %v", err)
	}
}
