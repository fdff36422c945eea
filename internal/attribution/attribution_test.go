package attribution

import (
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

func TestLiteral(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"DEEP_SPACE", "'DEEP_SPACE'"},
		{"", "''"},
		{"it's", "concat('it', chr(39), 's')"},
		{`a\b`, "concat('a', chr(92), 'b')"},
		{`'`, "chr(39)"},
		{`\'x`, "concat(chr(92), chr(39), 'x')"},
	} {
		if got := Literal(tc.in); got != tc.want {
			t.Errorf("Literal(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestQueryNeedsCategories(t *testing.T) {
	if _, err := Query("SELECT 1", "SELECT 1", nil); err == nil {
		t.Fatal("no error for an empty category list")
	}
	q, err := Query("USAGE_REL", "PRICES_REL", []string{"A", "B'C"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"USAGE_REL", "PRICES_REL", "(VALUES ('A'), (concat('B', chr(39), 'C')))"} {
		if !strings.Contains(q, want) {
			t.Errorf("query lacks %q", want)
		}
	}
}

func row(values ...string) []*string {
	out := make([]*string, len(values))
	for i := range values {
		if values[i] != "<null>" {
			out[i] = &values[i]
		}
	}
	return out
}

func TestCollector(t *testing.T) {
	var c Collector
	rows := [][]*string{
		// A fact, as DuckDB renders it.
		row("false", "2026-11-02", "<null>", "A", "attributed", "", "ana", "job", "42", "JOBS", "true", "ws1", "SKU", "true",
			"1.500000000000000000", "0.225000000000000000", "3", "2026-11-02 05:00:00"),
		// A fact, as Databricks' JSON_ARRAY renders it.
		row("false", "2026-11-03", "<null>", "UNATTRIBUTED", "unknown_value", "Dep Space", "(unknown)", "", "", "SQL", "false", "", "SKU2", "false",
			"2.5E-7", "0E-18", "1", "2026-11-03T23:00:00.000Z"),
		// Two hourly rows of one hour (priced and unpriced usage).
		row("true", "2026-11-02", "5", "UNATTRIBUTED", "untagged", "", "(unknown)", "", "", "UNKNOWN", "false", "", "<null>", "true",
			"1", "0.25", "2", "2026-11-02 06:00:00"),
		row("true", "2026-11-02", "5", "UNATTRIBUTED", "untagged", "", "(unknown)", "", "", "UNKNOWN", "false", "", "<null>", "false",
			"1", "0", "1", "2026-11-02 06:00:00"),
	}
	for _, r := range rows {
		if err := c.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	res := c.Result()
	if len(res.Facts) != 2 || res.Rows != 4 {
		t.Fatalf("facts %d rows %d, want 2 and 4", len(res.Facts), res.Rows)
	}
	f := res.Facts[0]
	if f.Category != "A" || !f.Serverless || !f.Priced || f.DBUs.String() != "1.5" || f.Cost.String() != "0.225" || f.WorkloadID != "42" {
		t.Errorf("first fact = %+v", f)
	}
	if g := res.Facts[1]; g.Attribution != budget.UnknownValue || g.TagValue != "Dep Space" || g.Priced || !g.Cost.IsZero() || g.DBUs.String() != "0.00000025" {
		t.Errorf("second fact = %+v", g)
	}
	if want := time.Date(2026, 11, 3, 23, 0, 0, 0, time.UTC); !res.LastUsage.Equal(want) {
		t.Errorf("last usage = %s, want %s", res.LastUsage, want)
	}
	if len(res.Hourly) != 1 || res.Hourly[0].Hour != 5 || res.Hourly[0].Cost.String() != "0.25" {
		t.Errorf("hourly = %+v", res.Hourly)
	}
}

func TestCollectorRejectsBadRows(t *testing.T) {
	good := []string{"false", "2026-11-02", "<null>", "A", "attributed", "", "ana", "", "", "JOBS", "false", "", "SKU", "true", "1", "1", "1", "<null>"}
	for i, bad := range map[int]string{0: "yes", 1: "02/11/2026", 14: "1,5", 15: "x", 16: "1.5", 17: "yesterday"} {
		values := append([]string(nil), good...)
		values[i] = bad
		var c Collector
		err := c.Add(row(values...))
		if err == nil || !strings.Contains(err.Error(), ResultColumns[i].Name) {
			t.Errorf("column %s = %q: err %v", ResultColumns[i].Name, bad, err)
		}
	}
	var c Collector
	if err := c.Add(row("false")); err == nil {
		t.Error("a short row was read")
	}
}

// A warehouse answer is outside input: no row may panic the reader, and a
// row it accepts keeps its text.
func FuzzCollector(f *testing.F) {
	f.Add("false", "2026-11-02", "5", "1.5", "0.225", "3", "2026-11-02T05:00:00.000Z")
	f.Add("true", "2026-11-02", "23", "-1", "0E-18", "1", "")
	f.Fuzz(func(t *testing.T, hourly, date, hour, dbus, cost, records, last string) {
		var c Collector
		err := c.Add(row(hourly, date, hour, "A", "attributed", "", "o", "", "", "JOBS", "false", "", "S", "true", dbus, cost, records, last))
		if err != nil {
			return
		}
		res := c.Result()
		if len(res.Facts)+len(res.Hourly) != 1 {
			t.Fatalf("one row gave %d facts and %d hours", len(res.Facts), len(res.Hourly))
		}
	})
}
