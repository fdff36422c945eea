package emulator

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func testDialect() *dialect {
	value := "2026-01-31"
	return &dialect{
		today: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
		now:   time.Date(2026, 11, 23, 10, 30, 0, 0, time.UTC),
		zone:  time.UTC,
		params: map[string]param{
			"since": {value: &value, typ: "DATE"},
			"tag":   {value: &value},
			"limit": {value: &value, typ: "DECIMAL(10,2)"},
			"none":  {typ: "INT"},
		},
	}
}

func TestTranslate(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain select passes", "SELECT a, b FROM t WHERE a > 1", "SELECT a, b FROM t WHERE a > 1"},
		{"backtick identifier", "SELECT `usage date`, `a``b` FROM t", `SELECT "usage date", "a` + "`" + `b" FROM t`},
		{"system catalog", "SELECT * FROM system.billing.usage u", "SELECT * FROM " + EngineSystemCatalog + ".billing.usage u"},
		{"system catalog quoted", "SELECT * FROM `system`.`billing`.`list_prices`", "SELECT * FROM " + EngineSystemCatalog + `."billing"."list_prices"`},
		{"column named system", "SELECT system, t.system FROM t", "SELECT system, t.system FROM t"},
		{"two-part system name", "SELECT * FROM system.usage", "SELECT * FROM system.usage"},
		{"STRING cast", "CAST(x AS STRING)", "CAST(x AS VARCHAR)"},
		{"nested casts", "CAST(CAST(a AS STRING) AS DECIMAL(38, 18))", "CAST(CAST(a AS VARCHAR) AS DECIMAL(38,18))"},
		{"try_cast", "try_cast(x AS LONG)", "try_cast(x AS BIGINT)"},
		{"double colon cast", "SELECT x::STRING, y::timestamp_ntz", "SELECT x::VARCHAR, y::TIMESTAMP"},
		{"complex types", "CAST(m AS MAP<STRING, ARRAY<INT>>)", "CAST(m AS MAP(VARCHAR, INT[]))"},
		{"struct type", "CAST(s AS STRUCT<a: STRING, `default`: DECIMAL(38,18)>)", `CAST(s AS STRUCT("a" VARCHAR, "default" DECIMAL(38,18)))`},
		{"date literal", "WHERE usage_date >= DATE'2025-10-01'", "WHERE usage_date >= DATE'2025-10-01'"},
		{"timestamp literal", "TIMESTAMP '2026-01-01 00:00:00'", "TIMESTAMPTZ '2026-01-01 00:00:00'"},
		{"timestamp literal with an offset", "TIMESTAMP'2026-01-01 08:00:00+00:00'", "TIMESTAMPTZ'2026-01-01 08:00:00+00:00'"},
		{"timestamp column", "SELECT timestamp FROM t", "SELECT timestamp FROM t"},
		{"timestamp casts", "CAST(x AS TIMESTAMP), CAST(y AS TIMESTAMP_NTZ)", "CAST(x AS TIMESTAMPTZ), CAST(y AS TIMESTAMP)"},
		{"convert_timezone", "hour(convert_timezone('UTC', usage_start_time))", "hour(timezone('UTC', CAST(usage_start_time AS TIMESTAMPTZ)))"},
		{"convert_timezone from a zone", "convert_timezone('Europe/Paris', 'UTC', ts)", "timezone('UTC', timezone('Europe/Paris', CAST(ts AS TIMESTAMP)))"},
		{"current_timezone", "SELECT current_timezone()", "SELECT 'UTC'"},
		{"map subscript", "custom_tags['OperationalCategory'] AS tag_category", "custom_tags['OperationalCategory'] AS tag_category"},
		{"struct field default", "CAST(pricing.effective_list.`default` AS DECIMAL(38,18))", `CAST(pricing.effective_list."default" AS DECIMAL(38,18))`},
		{"group by all, grouping sets", "SELECT GROUPING(h) = 0, sum(x) FROM t GROUP BY GROUPING SETS ((a, b), (a)) ", "SELECT GROUPING(h) = 0, sum(x) FROM t GROUP BY GROUPING SETS ((a, b), (a)) "},
		{"group by all", "SELECT a, sum(b) FROM t GROUP BY ALL", "SELECT a, sum(b) FROM t GROUP BY ALL"},
		{"translate chr hour", "translate(upper(trim(x)), ' -', '__'), chr(39), CAST(hour(ts) AS INT)", "translate(upper(trim(x)), ' -', '__'), chr(39), CAST(hour(ts) AS INT)"},
		{"concat is null-strict", "concat('a', chr(92), x)", "(CAST('a' AS VARCHAR) || CAST(chr(92) AS VARCHAR) || CAST(x AS VARCHAR))"},
		{"current_date", "WHERE d < current_date() AND e < current_date", "WHERE d < DATE '2026-11-23' AND e < DATE '2026-11-23'"},
		{"current_timestamp", "SELECT current_timestamp(), now()", "SELECT TIMESTAMPTZ '2026-11-23 10:30:00.000000+00', TIMESTAMPTZ '2026-11-23 10:30:00.000000+00'"},
		{"date_sub and date_add", "date_sub(current_date(), 7), date_add(d, 1)", "(CAST(DATE '2026-11-23' AS DATE) - CAST(7 AS INTEGER)), (CAST(d AS DATE) + CAST(1 AS INTEGER))"},
		{"datediff", "datediff(a, b)", "date_diff('day', CAST(b AS DATE), CAST(a AS DATE))"},
		{"dayofweek", "dayofweek(d)", "(dayofweek(d) + 1)"},
		{"nvl", "nvl(a, 'x')", "coalesce(a, 'x')"},
		{"backslash escape", `SELECT 'it\'s', 'a\\b', 'tab\t'`, "SELECT 'it''s', 'a\\b', 'tab\t'"},
		{"raw string", `SELECT r'a\'b'`, `SELECT 'a\''b'`},
		{"double-quoted string", `SELECT "abc" AS x`, "SELECT 'abc' AS x"},
		{"adjacent literals join", "SELECT 'a' 'b'", "SELECT 'ab'"},
		{"literal content untouched", "SELECT 'system.billing.usage `x` -- no', `a'b`", "SELECT 'system.billing.usage `x` -- no', \"a'b\""},
		{"comments dropped", "SELECT 1 -- `system`.x\n/* a /* nested */ comment */ + 2", "SELECT 1  \n  + 2"},
		{"trailing semicolon", "SELECT 1;  ", "SELECT 1"},
		{"numeric suffixes", "SELECT 10L, 1.5BD, 2D", "SELECT CAST(10 AS BIGINT), CAST('1.5' AS DECIMAL(38,1)), CAST(2 AS DOUBLE)"},
		{"parameters", "WHERE d >= :since AND tag = :tag AND x < :limit AND y = :none", "WHERE d >= DATE '2026-01-31' AND tag = '2026-01-31' AND x < CAST('2026-01-31' AS DECIMAL(10,2)) AND y = CAST(NULL AS INT)"},
		{"field named like a function", "SELECT t.concat, t.size FROM t", "SELECT t.concat, t.size FROM t"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := testDialect().translate(tc.in)
			if err != nil {
				t.Fatalf("translate(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("translate(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestTranslateErrors(t *testing.T) {
	tests := []struct {
		name, in, class, mention string
	}{
		{"two statements", "SELECT 1; SELECT 2", "PARSE_SYNTAX_ERROR", "SELECT"},
		{"unclosed string", "SELECT 'abc", "PARSE_SYNTAX_ERROR", "abc"},
		{"unclosed identifier", "SELECT `abc", "PARSE_SYNTAX_ERROR", "abc"},
		{"unclosed comment", "SELECT 1 /* x", "PARSE_SYNTAX_ERROR", "comment"},
		{"empty", "  -- nothing\n", "PARSE_SYNTAX_ERROR", "end of input"},
		{"unbound parameter", "SELECT :missing", "UNBOUND_SQL_PARAMETER", "missing"},
		{"cast without type", "SELECT CAST(x)", "PARSE_SYNTAX_ERROR", "AS"},
		{"unclosed call", "SELECT concat('a'", "PARSE_SYNTAX_ERROR", ")"},
		{"wrong arguments", "SELECT nvl(a)", "WRONG_NUM_ARGS.WITHOUT_SUGGESTION", "nvl"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := testDialect().translate(tc.in)
			var sqlErr *SQLError
			if !errors.As(err, &sqlErr) {
				t.Fatalf("translate(%q) = %v, want a SQLError", tc.in, err)
			}
			if sqlErr.Class != tc.class || !strings.Contains(sqlErr.Message, tc.mention) {
				t.Errorf("translate(%q) = %v, want class %s mentioning %q", tc.in, err, tc.class, tc.mention)
			}
		})
	}
}

func TestDatabricksTypes(t *testing.T) {
	tests := []struct {
		duck, name, text string
	}{
		{"VARCHAR", "STRING", "STRING"},
		{"BIGINT", "LONG", "BIGINT"},
		{"INTEGER", "INT", "INT"},
		{"DECIMAL(38,18)", "DECIMAL", "DECIMAL(38,18)"},
		{"BOOLEAN", "BOOLEAN", "BOOLEAN"},
		{"DATE", "DATE", "DATE"},
		{"TIMESTAMP", "TIMESTAMP", "TIMESTAMP"},
		{"TIMESTAMP WITH TIME ZONE", "TIMESTAMP", "TIMESTAMP"},
		{"DOUBLE", "DOUBLE", "DOUBLE"},
		{"HUGEINT", "DECIMAL", "DECIMAL(38,0)"},
		{"MAP(VARCHAR, VARCHAR)", "MAP", "MAP<STRING, STRING>"},
		{"VARCHAR[]", "ARRAY", "ARRAY<STRING>"},
		{`STRUCT("default" DECIMAL(38,18), effective_list STRUCT("default" DECIMAL(38,18)))`, "STRUCT", "STRUCT<default: DECIMAL(38,18), effective_list: STRUCT<default: DECIMAL(38,18)>>"},
	}
	for _, tc := range tests {
		t.Run(tc.duck, func(t *testing.T) {
			c := columnOf("c", tc.duck, 3)
			if string(c.TypeName) != tc.name || c.TypeText != tc.text || c.Position != 3 {
				t.Errorf("columnOf(%s) = %s %s at %d, want %s %s at 3", tc.duck, c.TypeName, c.TypeText, c.Position, tc.name, tc.text)
			}
			if tc.name == "DECIMAL" && (c.TypePrecision == nil || c.TypeScale == nil) {
				t.Errorf("columnOf(%s) has no precision and scale", tc.duck)
			}
		})
	}
	c := columnOf("cost", "DECIMAL(38,18)", 0)
	if *c.TypePrecision != 38 || *c.TypeScale != 18 {
		t.Errorf("DECIMAL(38,18) has precision %d scale %d", *c.TypePrecision, *c.TypeScale)
	}
}

func TestEngineErrors(t *testing.T) {
	tests := []struct {
		name, duck, sql, want string
	}{
		{"missing table", "Catalog Error: Table with name usagex does not exist!\nDid you mean \"usage\"?",
			"SELECT * FROM system.billing.usagex", "[TABLE_OR_VIEW_NOT_FOUND] The table or view `system`.`billing`.`usagex` cannot be found."},
		{"missing schema", `Catalog Error: Table with name "nob.usagex" does not exist because schema "nob" does not exist.`,
			"SELECT * FROM `system`.nob.usagex", "`system`.`nob`.`usagex`"},
		{"missing column", "Binder Error: Referenced column \"nope\" not found in FROM clause!", "SELECT nope FROM t",
			"[UNRESOLVED_COLUMN.WITHOUT_SUGGESTION] A column, variable, or function parameter with name `nope` cannot be resolved."},
		{"missing function", "Catalog Error: Scalar Function with name nofunc does not exist!", "SELECT nofunc(1)", "[UNRESOLVED_ROUTINE] Cannot resolve routine `nofunc`"},
		{"syntax", `Parser Error: syntax error at or near "SELEC"`, "SELEC 1", "[PARSE_SYNTAX_ERROR] Syntax error at or near 'SELEC'."},
		{"conversion", "Conversion Error: Could not convert string 'x' to INT32", "SELECT CAST('x' AS INT)", "[CAST_INVALID_INPUT] Could not convert string 'x' to INT32"},
		{"permission", `Permission Error: Cannot access file "x.csv" - file system operations are disabled by configuration`, "SELECT * FROM read_csv('x.csv')",
			`[INSUFFICIENT_PERMISSIONS] Insufficient privileges: Cannot access file "x.csv"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := statementErrorOf(errors.New(tc.duck), tc.sql)
			if got.ErrorCode != "BAD_REQUEST" || !strings.Contains(got.Message, tc.want) {
				t.Errorf("got %s %q, want BAD_REQUEST containing %q", got.ErrorCode, got.Message, tc.want)
			}
		})
	}
}

// FuzzTranslate feeds the translator arbitrary text: it must never panic,
// must fail only with a SQLError, and must be deterministic.
func FuzzTranslate(f *testing.F) {
	for _, s := range []string{
		"SELECT `a`, 'b', \"c\" FROM system.billing.usage WHERE d >= DATE'2025-10-01' -- x",
		"CAST(pricing.effective_list.`default` AS DECIMAL(38,18))",
		"SELECT concat('a', chr(39)) /* c /* d */ */ GROUP BY ALL",
		"CAST(m AS MAP<STRING, STRUCT<a: ARRAY<INT>>>)",
		"x::STRING, :p, 'it\\'s', r'raw\\'",
		"date_sub(current_date(), 7); ",
		"`unclosed", "'unclosed", "/* unclosed", "CAST(x AS", "::", ":", "1.5e", "10BD",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		d := testDialect()
		out, err := d.translate(in)
		if err != nil {
			var sqlErr *SQLError
			if !errors.As(err, &sqlErr) {
				t.Fatalf("translate(%q) failed with %T %v, want a SQLError", in, err, err)
			}
			return
		}
		again, err := d.translate(in)
		if err != nil || again != out {
			t.Fatalf("translate(%q) is not deterministic: %q then %q, %v", in, out, again, err)
		}
	})
}

// FuzzStringLiteral checks that any text written as a Databricks string
// literal reaches DuckDB with the same value.
func FuzzStringLiteral(f *testing.F) {
	for _, s := range []string{"", "plain", "it's", `back\slash`, "`tick`", "-- not a comment", "/* no */", "line\nbreak", "ünïcödé", "a''b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got, err := testDialect().translate("SELECT " + sparkString(v))
		if err != nil {
			t.Fatalf("literal of %q: %v", v, err)
		}
		if want := "SELECT " + duckString(v); got != want {
			t.Fatalf("literal of %q: got %q, want %q", v, got, want)
		}
	})
}
