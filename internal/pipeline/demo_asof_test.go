package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDemoDaysDoNotDependOnAsOf builds the demo site as of every day from
// 2026-11-21 to 2026-12-05 (issue 17's build date), each with the clock on
// the morning after it: the cost_by_day.csv rows dated up to 2026-11-20 are byte
// for byte the same in every build. Two builds further on (the clock
// injected) hold, for the days before their own month, the very rows the
// other builds have for those days. The demo is one account, read at
// different times.
func TestDemoDaysDoNotDependOnAsOf(t *testing.T) {
	const cut = "2026-11-20"
	first := date(2026, 11, 21)
	want := demoCostByDay(t, first)
	if n := len(want.between("", cut)); n < 7*360 {
		t.Fatalf("%d rows up to %s as of %s, want every category's days of a year", n, cut, first.Format(time.DateOnly))
	}
	last := want
	for asOf := first.AddDate(0, 0, 1); !asOf.After(date(2026, 12, 5)); asOf = asOf.AddDate(0, 0, 1) {
		last = demoCostByDay(t, asOf)
		// From December on, the window starts a month later.
		from := last.first()
		sameRows(t, last.between(from, cut), want.between(from, cut), asOf, first)
	}
	// Further on, the window has moved: the days of a far build before its
	// month that another build holds whole are the same rows there.
	earlier := last
	for _, asOf := range []time.Time{date(2027, 3, 15), date(2027, 8, 31)} {
		rows := demoCostByDay(t, asOf)
		before := date(asOf.Year(), asOf.Month(), 1).AddDate(0, 0, -1).Format(time.DateOnly)
		from := rows.first()
		to := min(before, earlier.asOf.AddDate(0, 0, -1).Format(time.DateOnly))
		got := rows.between(from, to)
		if len(got) < 7*100 {
			t.Errorf("as of %s: %d rows from %s to %s, want months of them", asOf.Format(time.DateOnly), len(got), from, to)
		}
		sameRows(t, got, earlier.between(from, to), asOf, earlier.asOf)
		earlier = rows
	}
}

// costByDay is a build's cost_by_day.csv rows, without the header.
type costByDay struct {
	asOf time.Time
	rows []string
}

// demoCostByDay builds the demo site as of asOf, with the clock at 06:30
// that day, and reads its cost_by_day.csv.
func demoCostByDay(t *testing.T, asOf time.Time) costByDay {
	t.Helper()
	opts := options(filepath.Join(t.TempDir(), "public"))
	opts.AsOf, opts.Now = asOf, asOf.Add(30*time.Hour+30*time.Minute) // the morning after: the demo has no usage after the clock
	if _, err := Build(t.Context(), opts); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(opts.OutDir, "downloads", "cost_by_day.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n"), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "date,") {
		t.Fatalf("as of %s: cost_by_day.csv is %d lines, starting %q", asOf.Format(time.DateOnly), len(lines), lines[0])
	}
	return costByDay{asOf: asOf, rows: lines[1:]}
}

// between returns the rows dated from from to to (YYYY-MM-DD, inclusive;
// "" leaves that end open).
func (c costByDay) between(from, to string) []string {
	var out []string
	for _, r := range c.rows {
		if d := r[:len(time.DateOnly)]; d >= from && (to == "" || d <= to) {
			out = append(out, r)
		}
	}
	return out
}

// first is the date of the first row.
func (c costByDay) first() string { return c.rows[0][:len(time.DateOnly)] }

// sameRows reports the first row where the build as of asOf differs from
// the one as of wantAsOf.
func sameRows(t *testing.T, got, want []string, asOf, wantAsOf time.Time) {
	t.Helper()
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			t.Errorf("as of %s, row %d is %q; as of %s, %q", asOf.Format(time.DateOnly), i+1, got[i], wantAsOf.Format(time.DateOnly), want[i])
			return
		}
	}
	if len(got) != len(want) {
		t.Errorf("as of %s: %d rows, as of %s: %d", asOf.Format(time.DateOnly), len(got), wantAsOf.Format(time.DateOnly), len(want))
	}
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
