package duckdb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/billing"
	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/demo"
)

// systemDemo is a small demo account: two categories, a fixed row count.
func systemDemo() demo.Config {
	d := budget.Division{Name: "Test", Currency: "USD", Thresholds: []int{75, 90, 100}}
	for _, c := range []string{"DEEP_SPACE_TELEMETRY", "EXOPLANET_RESEARCH"} {
		d.Categories = append(d.Categories, budget.Category{
			Slug: strings.ToLower(c), TagValue: c, MonthlyBudget: budget.MustDecimal("5000"),
		})
	}
	return demo.Config{Division: d, Through: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), Rows: 20000}
}

var (
	sharedTablesOnce sync.Once
	sharedTables     *SystemTables
	sharedTablesErr  error
)

// openSystemTables returns the tables of systemDemo, built once for the
// tests that only read them.
func openSystemTables(t *testing.T) *SystemTables {
	t.Helper()
	sharedTablesOnce.Do(func() {
		sharedTables, sharedTablesErr = OpenSystemTables(context.Background(), Options{MemoryLimit: "512MB"}, systemDemo())
	})
	if sharedTablesErr != nil {
		t.Fatal(sharedTablesErr)
	}
	return sharedTables
}

func TestSystemTablesHaveTheRealTypes(t *testing.T) {
	st := openSystemTables(t)
	tests := []struct {
		name  string
		table string
		want  map[string]string // column -> DuckDB type (prefix for structs)
	}{
		{"usage", "usage", map[string]string{
			"record_id":         "VARCHAR",
			"usage_start_time":  "TIMESTAMP WITH TIME ZONE",
			"usage_date":        "DATE",
			"ingestion_date":    "DATE",
			"custom_tags":       "MAP(VARCHAR, VARCHAR)",
			"usage_quantity":    "DECIMAL(38,18)",
			"usage_metadata":    "STRUCT(cluster_id VARCHAR, job_id VARCHAR, warehouse_id VARCHAR, instance_pool_id VARCHAR, node_type VARCHAR, job_run_id VARCHAR, notebook_id VARCHAR, dlt_pipeline_id VARCHAR, endpoint_name VARCHAR, endpoint_id VARCHAR",
			"identity_metadata": "STRUCT(run_as VARCHAR, owned_by VARCHAR, created_by VARCHAR)",
			"product_features":  "STRUCT(jobs_tier VARCHAR, sql_tier VARCHAR, dlt_tier VARCHAR, is_serverless BOOLEAN, is_photon BOOLEAN",
			"record_type":       "VARCHAR",
		}},
		{"list prices", "list_prices", map[string]string{
			"price_start_time": "TIMESTAMP WITH TIME ZONE",
			"price_end_time":   "TIMESTAMP WITH TIME ZONE",
			"pricing":          `STRUCT("default" DECIMAL(38,18), promotional STRUCT("default" DECIMAL(38,18)), effective_list STRUCT("default" DECIMAL(38,18)))`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			names, types, _, err := st.Query(context.Background(), "UTC", "SELECT * FROM "+SystemCatalog+".billing."+tc.table+" LIMIT 1")
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for i, n := range names {
				got[n] = types[i]
			}
			for col, want := range tc.want {
				if !strings.HasPrefix(got[col], want) {
					t.Errorf("%s: type %q, want %q", col, got[col], want)
				}
			}
		})
	}
}

func TestSystemTablesHoldTheDemoAccount(t *testing.T) {
	st := openSystemTables(t)
	cfg := systemDemo()
	var (
		records int
		total   budget.Decimal
	)
	if err := demo.Usage(cfg, func(r billing.UsageRecord) error {
		records++
		total = total.Add(r.UsageQuantity)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	_, _, rows, err := st.Query(context.Background(), "UTC",
		"SELECT count(*), CAST(sum(usage_quantity) AS DECIMAL(38, 18)) FROM "+SystemCatalog+".billing.usage")
	if err != nil {
		t.Fatal(err)
	}
	if got := *rows[0][0]; got != "20000" || records != 20000 {
		t.Errorf("usage has %s rows, the demo %d, want 20000", got, records)
	}
	if got, want := *rows[0][1], total.String(); budget.MustDecimal(got).Cmp(budget.MustDecimal(want)) != 0 {
		t.Errorf("sum(usage_quantity) = %s, want %s", got, want)
	}
	_, _, rows, err = st.Query(context.Background(), "UTC", "SELECT count(*) FROM "+SystemCatalog+".billing.list_prices")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := *rows[0][0], len(demo.ListPrices(cfg)); got != strconv.Itoa(want) {
		t.Errorf("list_prices has %s rows, want %d", got, want)
	}
}

func TestSystemTablesRenderValuesAsDatabricks(t *testing.T) {
	st := openSystemTables(t)
	q := `SELECT
  TIMESTAMP '2026-11-23 01:00:00' AS ts,
  DATE '2026-11-23' AS d,
  CAST('12.5' AS DECIMAL(38, 18)) AS dec,
  true AS b,
  MAP {'OperationalCategory': 'X'} AS m,
  {'default': CAST('0.5' AS DECIMAL(38, 18))} AS s,
  CAST(NULL AS VARCHAR) AS n,
  CAST(7 AS BIGINT) AS i`
	_, types, rows, err := st.Query(context.Background(), "UTC", q)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2026-11-23T01:00:00.000Z", "2026-11-23", "12.500000000000000000", "true",
		`{"OperationalCategory":"X"}`, `{"default":0.500000000000000000}`, "", "7"}
	for i, w := range want {
		got := rows[0][i]
		if i == 6 {
			if got != nil {
				t.Errorf("null came back as %q", *got)
			}
			continue
		}
		if got == nil || *got != w {
			t.Errorf("column %d (%s) = %v, want %q", i, types[i], got, w)
		}
	}
}

// TestSystemTablesSessionTimeZone: a statement reads timestamps in its
// session's zone (hour(), a literal without an offset, a DATE cast), but
// they come back as UTC instants, and sessions in different zones do not
// see each other's.
func TestSystemTablesSessionTimeZone(t *testing.T) {
	st := openSystemTables(t)
	q := `SELECT hour(t) AS h, CAST(t AS DATE) AS d, t AS t, t = TIMESTAMPTZ '2026-11-23 00:30:00' AS local
FROM (SELECT TIMESTAMPTZ '2026-11-23 08:30:00+00:00' AS t)`
	for _, tc := range []struct{ tz, hour, day, local string }{
		{"UTC", "8", "2026-11-23", "false"},
		{"America/Los_Angeles", "0", "2026-11-23", "true"},
		{"Asia/Tokyo", "17", "2026-11-23", "false"},
		{"", "8", "2026-11-23", "false"},
	} {
		_, _, rows, err := st.Query(context.Background(), tc.tz, q)
		if err != nil {
			t.Fatal(err)
		}
		got := []string{*rows[0][0], *rows[0][1], *rows[0][2], *rows[0][3]}
		want := []string{tc.hour, tc.day, "2026-11-23T08:30:00.000Z", tc.local}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("in %q: %v, want %v", tc.tz, got, want)
		}
	}
	if _, _, _, err := st.Query(context.Background(), "Mars/Olympus_Mons", "SELECT 1"); err == nil {
		t.Error("an unknown time zone was taken")
	}
}

func TestSystemTablesKeepTheQueryOrder(t *testing.T) {
	st := openSystemTables(t)
	_, _, rows, err := st.Query(context.Background(), "UTC",
		"SELECT usage_date, count(*) AS n FROM "+SystemCatalog+".billing.usage GROUP BY ALL ORDER BY usage_date DESC -- newest first")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 300 {
		t.Fatalf("%d days of usage, want 13 months", len(rows))
	}
	for i := 1; i < len(rows); i++ {
		if *rows[i-1][0] <= *rows[i][0] {
			t.Fatalf("row %d (%s) is not before row %d (%s)", i-1, *rows[i-1][0], i, *rows[i][0])
		}
	}
	if *rows[0][0] != "2026-11-23" {
		t.Errorf("newest usage_date %s, want the as-of date", *rows[0][0])
	}
}

func TestSystemTablesErrors(t *testing.T) {
	st := openSystemTables(t)
	tests := []struct {
		name, query, want string
	}{
		{"missing table", "SELECT * FROM " + SystemCatalog + ".billing.usagex", "usagex"},
		{"missing column", "SELECT nope FROM " + SystemCatalog + ".billing.usage", `"nope"`},
		{"syntax", "SELEC 1", "syntax error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, err := st.Query(context.Background(), "UTC", tc.query)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one mentioning %s", err, tc.want)
			}
		})
	}
}

func TestSystemTablesExec(t *testing.T) {
	st, err := OpenSystemTables(context.Background(), Options{MemoryLimit: "256MB"}, demo.Config{Division: systemDemo().Division, Through: systemDemo().Through, Rows: 2000})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	err = st.Exec(ctx, "UTC", "INSERT INTO "+SystemCatalog+".billing.usage SELECT * REPLACE ('RETRACTION' AS record_type, -usage_quantity AS usage_quantity, DATE '2026-11-24' AS ingestion_date) FROM "+SystemCatalog+".billing.usage WHERE usage_date = DATE '2026-11-20'")
	if err != nil {
		t.Fatal(err)
	}
	_, _, rows, err := st.Query(ctx, "UTC", "SELECT count(*), sum(usage_quantity) FROM "+SystemCatalog+".billing.usage WHERE usage_date = DATE '2026-11-20' AND ingestion_date = DATE '2026-11-24'")
	if err != nil {
		t.Fatal(err)
	}
	if *rows[0][0] == "0" {
		t.Error("the inserted retractions are not there")
	}
	_, _, rows, err = st.Query(ctx, "UTC", "SELECT sum(usage_quantity) FROM "+SystemCatalog+".billing.usage WHERE usage_date = DATE '2026-11-20'")
	if err != nil {
		t.Fatal(err)
	}
	if budget.MustDecimal(*rows[0][0]).Sign() != 0 {
		t.Errorf("the day's quantity after retracting every record is %s, want 0", *rows[0][0])
	}
	if err := st.Exec(ctx, "UTC", "INSERT INTO nowhere VALUES (1)"); err == nil {
		t.Error("an insert into a missing table succeeded")
	}
}

// TestSystemTablesQueryOnlyReads: Query runs one query and nothing else,
// and no statement reaches a file of the host; Exec still changes the
// tables.
func TestSystemTablesQueryOnlyReads(t *testing.T) {
	st, err := OpenSystemTables(context.Background(), Options{MemoryLimit: "256MB"}, demo.Config{Division: systemDemo().Division, Through: systemDemo().Through, Rows: 2000})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	usage := SystemCatalog + ".billing.usage"
	count := func() string {
		t.Helper()
		_, _, rows, err := st.Query(ctx, "UTC", "SELECT count(*) FROM "+usage)
		if err != nil {
			t.Fatal(err)
		}
		return *rows[0][0]
	}
	before := count()
	file := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(file, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}

	refused := []struct{ name, query string }{
		{"delete", "DELETE FROM " + usage},
		{"delete after a CTE", "WITH x AS (SELECT 1) DELETE FROM " + usage},
		{"insert", "INSERT INTO " + usage + " SELECT * FROM " + usage},
		{"create", "CREATE TABLE scratch AS SELECT 1 AS one"},
		{"drop", "DROP TABLE " + usage},
		{"detach", "DETACH " + SystemCatalog},
		{"set", "SET memory_limit = '1TB'"},
		{"explain analyze", "EXPLAIN ANALYZE DELETE FROM " + usage},
		{"a query, then a delete", "SELECT 1; DELETE FROM " + usage},
		{"copy to a file", "COPY (SELECT 1) TO '" + filepath.Join(t.TempDir(), "out.csv") + "'"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, _, err := st.Query(ctx, "UTC", tc.query); err == nil {
				t.Errorf("Query(%q) succeeded, want it refused", tc.query)
			}
		})
	}
	if after := count(); after != before {
		t.Fatalf("%s usage rows after the refused statements, %s before", after, before)
	}
	if _, _, _, err := st.Query(ctx, "UTC", "SELECT * FROM read_text('"+file+"')"); err == nil || !strings.HasPrefix(err.Error(), "Permission Error:") {
		t.Errorf("reading a file: %v, want a Permission Error", err)
	}
	for _, q := range []string{"DESCRIBE " + usage, "SHOW ALL TABLES", "WITH x AS (SELECT 1 AS one) SELECT one FROM x"} {
		if _, _, rows, err := st.Query(ctx, "UTC", q); err != nil || len(rows) == 0 {
			t.Errorf("Query(%q): %d rows, %v; want rows", q, len(rows), err)
		}
	}
	if err := st.Exec(ctx, "UTC", "DELETE FROM "+usage+" WHERE usage_date = DATE '2026-11-20'"); err != nil {
		t.Fatal(err)
	}
	if after := count(); after == before {
		t.Error("Exec's DELETE changed nothing")
	}
}

// TestSystemTablesMerge: Merge counts what a MERGE inserted, updated and
// deleted, in a catalog attached after file access was switched off (as
// the emulator attaches its agent-trail table's).
func TestSystemTablesMerge(t *testing.T) {
	st, err := OpenSystemTables(context.Background(), Options{MemoryLimit: "256MB"}, demo.Config{Division: systemDemo().Division, Through: systemDemo().Through, Rows: 200})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	for _, stmt := range []string{
		"ATTACH IF NOT EXISTS ':memory:' AS trail_catalog",
		"CREATE SCHEMA IF NOT EXISTS trail_catalog.finops",
		"CREATE TABLE trail_catalog.finops.trail (seq BIGINT NOT NULL, key STRING NOT NULL, note STRING)",
	} {
		if err := st.Exec(ctx, "UTC", stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	insert := func(seq int, key string) string {
		return fmt.Sprintf(`MERGE INTO trail_catalog.finops.trail AS t USING (SELECT %d AS seq, '%s' AS key) AS s
ON t.key = s.key OR t.seq = s.seq
WHEN NOT MATCHED THEN INSERT (seq, key) VALUES (s.seq, s.key) -- a trailing comment`, seq, key)
	}
	tests := []struct {
		name                       string
		stmt                       string
		inserted, updated, deleted int64
	}{
		{"new key and seq", insert(1, "a"), 1, 0, 0},
		{"same key", insert(2, "a"), 0, 0, 0},
		{"same seq", insert(1, "b"), 0, 0, 0},
		{"next", insert(2, "b"), 1, 0, 0},
		{"update", `MERGE INTO trail_catalog.finops.trail AS t USING (SELECT 'a' AS key) AS s ON t.key = s.key WHEN MATCHED THEN UPDATE SET note = 'x'`, 0, 1, 0},
		{"delete", `MERGE INTO trail_catalog.finops.trail AS t USING (SELECT 'b' AS key) AS s ON t.key = s.key WHEN MATCHED THEN DELETE`, 0, 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ins, upd, del, err := st.Merge(ctx, "UTC", tc.stmt)
			if err != nil || ins != tc.inserted || upd != tc.updated || del != tc.deleted {
				t.Errorf("Merge = %d inserted, %d updated, %d deleted, %v; want %d, %d, %d", ins, upd, del, err, tc.inserted, tc.updated, tc.deleted)
			}
		})
	}
	if _, _, _, err := st.Merge(ctx, "UTC", "MERGE INTO trail_catalog.finops.nope AS t USING (SELECT 1 AS seq) AS s ON t.seq = s.seq WHEN NOT MATCHED THEN INSERT (seq) VALUES (s.seq)"); err == nil {
		t.Error("a MERGE into a missing table succeeded")
	}
}
