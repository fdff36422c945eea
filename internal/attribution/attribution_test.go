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
	if _, err := Query("SELECT 1", "SELECT 1", nil, time.Time{}); err == nil {
		t.Fatal("no error for an empty category list")
	}
	q, err := Query("USAGE_REL", "PRICES_REL", []string{"A", "B'C"}, time.Date(2026, 9, 3, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"USAGE_REL", "PRICES_REL", "(VALUES ('A'), (concat('B', chr(39), 'C')))", "SELECT DATE '2026-09-03' AS detail_from"} {
		if !strings.Contains(q, want) {
			t.Errorf("query lacks %q", want)
		}
	}
	// The engine asks for the latest usage day first; a query never reads
	// the usage twice for it.
	if _, err := Query("USAGE_REL", "PRICES_REL", []string{"A"}, time.Time{}); err == nil {
		t.Error("no error for a query without a detail_from")
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
		// A detail fact, as DuckDB renders it.
		row("detail", "2026-11-02", "<null>", "A", "attributed", "", "ana", "job", "42", "JOBS", "true", "ws1", "SKU", "true",
			"1.500000000000000000", "0.225000000000000000", "3", "2026-11-02 05:00:00", "2026-09-03"),
		// A detail fact, as Databricks' JSON_ARRAY renders it.
		row("detail", "2026-11-03", "<null>", "UNATTRIBUTED", "unknown_value", "Dep Space", "(unknown)", "", "", "SQL", "false", "", "SKU2", "false",
			"2.5E-7", "0E-18", "1", "2026-11-03T23:00:00.000Z", "2026-09-03"),
		// The month and day rows of the same records: only months count them.
		row("month", "2026-11-01", "<null>", "A", "attributed", "", "ana", "job", "42", "JOBS", "true", "ws1", "SKU", "true",
			"1.5", "0.225", "3", "2026-11-02 05:00:00", "2026-09-03"),
		row("month", "2026-11-01", "<null>", "UNATTRIBUTED", "unknown_value", "Dep Space", "(unknown)", "", "", "SQL", "false", "", "SKU2", "false",
			"2.5E-7", "0E-18", "1", "2026-11-03T23:00:00.000Z", "2026-09-03"),
		row("day", "2026-11-02", "<null>", "A", "attributed", "", "ana", "", "", "", "false", "", "", "true",
			"1.5", "0.225", "3", "2026-11-02 05:00:00", "2026-09-03"),
		// Two hourly rows of one hour (priced and unpriced usage).
		row("hour", "2026-11-02", "5", "UNATTRIBUTED", "untagged", "", "(unknown)", "", "", "", "false", "", "", "true",
			"1", "0.25", "2", "2026-11-02 06:00:00", "2026-09-03"),
		row("hour", "2026-11-02", "5", "UNATTRIBUTED", "untagged", "", "(unknown)", "", "", "", "false", "", "", "false",
			"1", "0", "1", "2026-11-02 06:00:00", "2026-09-03"),
	}
	for _, r := range rows {
		if err := c.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	res := c.Result()
	if len(res.Facts.Detail) != 2 || len(res.Facts.Months) != 2 || len(res.Facts.Days) != 1 || res.Rows != 4 {
		t.Fatalf("detail %d months %d days %d rows %d, want 2, 2, 1 and 4", len(res.Facts.Detail), len(res.Facts.Months), len(res.Facts.Days), res.Rows)
	}
	if got := res.Facts.DetailFrom.Format(time.DateOnly); got != "2026-09-03" {
		t.Errorf("detail from %s", got)
	}
	if m := res.Facts.Months[0]; m.Category != "A" || m.Date.Format(time.DateOnly) != "2026-11-01" {
		t.Errorf("months not in budget.CompareFacts order: %+v", res.Facts.Months)
	}
	f := res.Facts.Detail[0]
	if f.Category != "A" || !f.Serverless || !f.Priced || f.DBUs.String() != "1.5" || f.Cost.String() != "0.225" || f.WorkloadID != "42" {
		t.Errorf("first fact = %+v", f)
	}
	if g := res.Facts.Detail[1]; g.Attribution != budget.UnknownValue || g.TagValue != "Dep Space" || g.Priced || !g.Cost.IsZero() || g.DBUs.String() != "0.00000025" {
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
	good := []string{"detail", "2026-11-02", "<null>", "A", "attributed", "", "ana", "", "", "JOBS", "false", "", "SKU", "true", "1", "1", "1", "<null>", "2026-09-03"}
	for i, bad := range map[int]string{0: "yes", 1: "02/11/2026", 14: "1,5", 15: "x", 16: "1.5", 17: "yesterday", 18: "<null>"} {
		values := append([]string(nil), good...)
		values[i] = bad
		var c Collector
		err := c.Add(row(values...))
		if err == nil || !strings.Contains(err.Error(), ResultColumns[i].Name) {
			t.Errorf("column %s = %q: err %v", ResultColumns[i].Name, bad, err)
		}
	}
	var c Collector
	if err := c.Add(row("detail")); err == nil {
		t.Error("a short row was read")
	}
	// Every row carries the same detail_from.
	if err := c.Add(row(good...)); err != nil {
		t.Fatal(err)
	}
	other := append([]string(nil), good...)
	other[18] = "2026-09-04"
	if err := c.Add(row(other...)); err == nil || !strings.Contains(err.Error(), "detail_from") {
		t.Errorf("a second detail_from: err %v", err)
	}
}

// A warehouse answer is outside input: no row may panic the reader, and a
// row it accepts keeps its text.
func FuzzCollector(f *testing.F) {
	f.Add("detail", "2026-11-02", "5", "1.5", "0.225", "3", "2026-11-02T05:00:00.000Z", "2026-09-03")
	f.Add("hour", "2026-11-02", "23", "-1", "0E-18", "1", "", "2026-09-03")
	f.Add("month", "2026-11-01", "", "1", "1", "1", "", "2026-09-03")
	f.Fuzz(func(t *testing.T, grain, date, hour, dbus, cost, records, last, detailFrom string) {
		var c Collector
		err := c.Add(row(grain, date, hour, "A", "attributed", "", "o", "", "", "JOBS", "false", "", "S", "true", dbus, cost, records, last, detailFrom))
		if err != nil {
			return
		}
		res := c.Result()
		if f := res.Facts; len(f.Months)+len(f.Days)+len(f.Detail)+len(res.Hourly) != 1 {
			t.Fatalf("one row gave %d month, %d day, %d detail facts and %d hours", len(f.Months), len(f.Days), len(f.Detail), len(res.Hourly))
		}
	})
}
