package warehouse

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func sampleCache() *cache {
	return &cache{
		Format: cacheFormat, Fingerprint: "fp", Host: "https://h", WarehouseID: "wh-1",
		Watermark: "2026-11-23", From: "2026-11-01", To: "2026-11-23",
		PulledAt: time.Date(2026, 11, 23, 6, 30, 0, 0, time.UTC),
		Days: map[string][][]string{
			"2026-11-02": {factRow("2026-11-02", "A", "1.5"), dayRow("2026-11-02", "A", "1.5")},
			"2026-11-01": {factRow("2026-11-01", "A", "2"), dayRow("2026-11-01", "A", "2"), hourRow("2026-11-01", "3", "0.5")},
			"2026-10-31": {factRow("2026-10-31", "B", "7")},
		},
	}
}

// factRow is a detail result row of one fact in ResultColumns order.
func factRow(day, category, cost string) []string {
	return []string{"detail", day, "", category, "attributed", "", "o@x", "job", "1", "JOBS", "false", "ws", "SKU", "true",
		"1.000000000000000000", cost, "3", day + "T01:00:00.000Z", "1970-01-01"}
}

// dayRow is the day grain's row of the same usage.
func dayRow(day, category, cost string) []string {
	return []string{"day", day, "", category, "attributed", "", "o@x", "", "", "", "false", "", "", "true",
		"1.000000000000000000", cost, "3", day + "T01:00:00.000Z", "1970-01-01"}
}

func hourRow(day, hour, cost string) []string {
	return []string{"hour", day, hour, "UNATTRIBUTED", "untagged", "", "(unknown)", "", "", "", "false", "", "", "true",
		"1", cost, "1", day + "T04:00:00Z", "1970-01-01"}
}

func TestCacheRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if c, err := loadCache(dir); c != nil || err != nil {
		t.Fatalf("no cache yet: got %v, %v", c, err)
	}
	want := sampleCache()
	if err := want.save(dir); err != nil {
		t.Fatal(err)
	}
	got, err := loadCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("loaded %+v\nwant %+v", got, want)
	}
	entries, _ := os.ReadDir(filepath.Dir(cachePath(dir)))
	if len(entries) != 1 || entries[0].Name() != filepath.Base(cachePath(dir)) {
		t.Errorf("cache directory holds %v, want only the cache", entries)
	}
}

// TestCacheSaveIsAtomic: a save that cannot complete leaves the previous
// cache byte for byte and no temporary file.
func TestCacheSaveIsAtomic(t *testing.T) {
	dir := t.TempDir()
	if err := sampleCache().save(dir); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(cachePath(dir))
	if err != nil {
		t.Fatal(err)
	}
	// The rename target is a non-empty directory now: the write succeeds,
	// the rename cannot.
	blocked := t.TempDir()
	if err := os.MkdirAll(filepath.Join(cachePath(blocked), "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := sampleCache().save(blocked); err == nil {
		t.Fatal("save over a directory: want an error")
	}
	entries, _ := os.ReadDir(filepath.Dir(cachePath(blocked)))
	if len(entries) != 1 || entries[0].Name() != filepath.Base(cachePath(blocked)) {
		t.Errorf("cache directory holds %v, want only the directory in the cache's place (no temporary file)", entries)
	}
	after, _ := os.ReadFile(cachePath(dir))
	if string(after) != string(before) {
		t.Error("the first cache changed")
	}
}

func TestLoadCacheRejects(t *testing.T) {
	tests := []struct {
		name  string
		write func(path string) error
		want  string
	}{
		{"not gzip", func(p string) error { return os.WriteFile(p, []byte("{}"), 0o644) }, "gzip"},
		{"other format", func(p string) error {
			c := sampleCache()
			c.Format = cacheFormat + 1
			return c.save(filepath.Dir(filepath.Dir(p)))
		}, "format"},
		{"bad day", func(p string) error {
			c := sampleCache()
			c.Days["yesterday"] = nil
			return c.save(filepath.Dir(filepath.Dir(p)))
		}, `bad day "yesterday"`},
		// The JSON decodes whole; only the gzip trailer tells the damage.
		{"damaged checksum", func(p string) error {
			if err := sampleCache().save(filepath.Dir(filepath.Dir(p))); err != nil {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b[len(b)-8] ^= 0xff // the first byte of the CRC-32
			return os.WriteFile(p, b, 0o600)
		}, "checksum"},
		{"row that is no fact", func(p string) error {
			c := sampleCache()
			c.Days["2026-11-02"][0][15] = "1.5x"
			return c.save(filepath.Dir(filepath.Dir(p)))
		}, "usage day 2026-11-02"},
		{"row filed under another day", func(p string) error {
			c := sampleCache()
			c.Days["2026-11-02"] = append(c.Days["2026-11-02"], factRow("2026-11-01", "A", "2"))
			return c.save(filepath.Dir(filepath.Dir(p)))
		}, "usage day 2026-11-02 holds a row of 2026-11-01"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := cachePath(dir)
			os.MkdirAll(filepath.Dir(path), 0o755)
			if err := tc.write(path); err != nil {
				t.Fatal(err)
			}
			_, err := loadCache(dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestCacheResult(t *testing.T) {
	tests := []struct {
		name       string
		detailFrom time.Time
		wantFrom   string
		wantDetail int
	}{
		{"given detail_from", date("2026-11-02"), "2026-11-02", 1},
		// The month before the last day's and 28 days before it.
		{"derived detail_from", time.Time{}, "2026-09-03", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Source{From: date("2026-11-01"), To: date("2026-11-30"), DetailFrom: tc.detailFrom}
			res, err := s.result(sampleCache())
			if err != nil {
				t.Fatal(err)
			}
			f := res.Facts
			if len(f.Months) != 1 || len(f.Days) != 2 || len(f.Detail) != tc.wantDetail || len(res.Hourly) != 1 || res.Rows != 6 {
				t.Fatalf("months %d days %d detail %d hourly %d rows %d, want 1, 2, %d, 1, 6",
					len(f.Months), len(f.Days), len(f.Detail), len(res.Hourly), res.Rows, tc.wantDetail)
			}
			if m := f.Months[0]; m.Date.Format(time.DateOnly) != "2026-11-01" || m.Cost.String() != "3.5" || m.DBUs.String() != "2" || m.SKU != "SKU" {
				t.Errorf("month = %+v, want November's 3.5 USD and 2 DBUs of SKU", m)
			}
			if d := f.Days[0].Date.Format(time.DateOnly); d != "2026-11-01" {
				t.Errorf("first day of %s, want days in order from 2026-11-01", d)
			}
			if got := f.Days[1].Cost.String(); got != "1.5" {
				t.Errorf("cost = %s, want 1.5", got)
			}
			if got := f.DetailFrom.Format(time.DateOnly); got != tc.wantFrom {
				t.Errorf("detail from %s, want %s", got, tc.wantFrom)
			}
			for _, d := range f.Detail {
				if d.Date.Before(f.DetailFrom) {
					t.Errorf("detail fact of %s before %s", d.Date, f.DetailFrom)
				}
			}
			if want := time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC); !res.LastUsage.Equal(want) {
				t.Errorf("last usage = %s, want %s", res.LastUsage, want)
			}
		})
	}
	c := sampleCache()
	c.Days["2026-11-03"] = [][]string{{"detail"}}
	s := Source{From: date("2026-11-01"), To: date("2026-11-30")}
	if _, err := s.result(c); err == nil || !strings.Contains(err.Error(), "usage day 2026-11-03") {
		t.Errorf("short row: err = %v", err)
	}
}

func TestReuse(t *testing.T) {
	old := sampleCache() // days 2026-11-01 to 2026-11-23
	tests := []struct {
		name     string
		old      *cache
		fp, host string
		from, to string
		want     string
	}{
		{"same window", old, "fp", "https://h", "2026-11-01", "2026-11-23", ""},
		{"a day later", old, "fp", "https://h", "2026-11-01", "2026-11-24", ""},
		{"meets the cached days", old, "fp", "https://h", "2026-11-24", "2026-12-10", ""},
		{"apart", old, "fp", "https://h", "2026-11-25", "2026-12-10", "window apart from the cached days"},
		{"apart before", old, "fp", "https://h", "2026-09-01", "2026-10-30", "window apart from the cached days"},
		{"no cache", nil, "fp", "https://h", "2026-11-01", "2026-11-23", "no cache"},
		{"categories changed", old, "other", "https://h", "2026-11-01", "2026-11-23", "categories or attribution query changed"},
		{"other host", old, "fp", "https://other", "2026-11-01", "2026-11-23", "cache is of another host"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Source{From: date(tc.from), To: date(tc.to)}
			if got := s.reuse(tc.old, tc.fp, tc.host); got != tc.want {
				t.Errorf("reuse = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestMonths(t *testing.T) {
	got := months(date("2025-10-01"), date("2026-01-05"))
	want := []pull{
		{From: date("2025-10-01"), To: date("2025-10-31")},
		{From: date("2025-11-01"), To: date("2025-11-30")},
		{From: date("2025-12-01"), To: date("2025-12-31")},
		{From: date("2026-01-01"), To: date("2026-01-05")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("months = %v\nwant %v", got, want)
	}
	if got := months(date("2026-02-10"), date("2026-02-10")); len(got) != 1 || !got[0].From.Equal(got[0].To) {
		t.Errorf("one day: %v", got)
	}
}

func TestOfflineWithoutCache(t *testing.T) {
	tests := []struct {
		name     string
		stateDir string
		want     string
	}{
		{"no state directory", "", "--offline needs a state directory"},
		{"empty state directory", t.TempDir(), "run one without --offline first"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Source{Config: Config{Offline: true}, StateDir: tc.stateDir, From: date("2026-11-01"), To: date("2026-11-23"), Log: quietLog()}
			_, err := s.Attribute(t.Context(), []string{"A"})
			if !errors.Is(err, ErrNoCache) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want ErrNoCache saying %q", err, tc.want)
			}
		})
	}
}

func TestPlan(t *testing.T) {
	old := sampleCache() // days 2026-11-01 to 2026-11-23, holding 2026-10-31 to 2026-11-02
	tests := []struct {
		name     string
		reason   string
		from, to string
		want     []pull
		span     [2]string
		keep     []string
		// through is this build's cut, oldThrough the cache's (RFC 3339).
		through, oldThrough string
	}{
		{name: "no cache: every month of the window", reason: "no cache", from: "2026-10-15", to: "2026-11-23",
			want: []pull{{From: date("2026-10-15"), To: date("2026-10-31")}, {From: date("2026-11-01"), To: date("2026-11-23")}},
			span: [2]string{"2026-10-15", "2026-11-23"}},
		{name: "the next day", from: "2026-11-01", to: "2026-11-24",
			want: []pull{{From: date("2026-11-01"), To: date("2026-11-24"), Since: date("2026-11-23"), Have: date("2026-11-01"), HaveTo: date("2026-11-23")}},
			span: [2]string{"2026-11-01", "2026-11-24"}, keep: []string{"2026-11-01", "2026-11-02"}},
		{name: "an earlier as-of refreshes the later cached days too", from: "2026-11-02", to: "2026-11-10",
			want: []pull{{From: date("2026-11-02"), To: date("2026-11-23"), Since: date("2026-11-23"), Have: date("2026-11-01"), HaveTo: date("2026-11-23")}},
			span: [2]string{"2026-11-02", "2026-11-23"}, keep: []string{"2026-11-02"}},
		{name: "a window starting earlier pulls the days before the cache", from: "2026-10-20", to: "2026-11-23",
			want: []pull{{From: date("2026-10-20"), To: date("2026-11-23"), Since: date("2026-11-23"), Have: date("2026-11-01"), HaveTo: date("2026-11-23")}},
			span: [2]string{"2026-10-20", "2026-11-23"}, keep: []string{"2026-10-31", "2026-11-01", "2026-11-02"}},
		{name: "more than a month before the cache: those days a month a statement", from: "2026-08-15", to: "2026-11-23",
			want: []pull{
				{From: date("2026-08-15"), To: date("2026-08-31")},
				{From: date("2026-09-01"), To: date("2026-09-30")},
				{From: date("2026-10-01"), To: date("2026-10-31")},
				{From: date("2026-11-01"), To: date("2026-11-23"), Since: date("2026-11-23"), Have: date("2026-11-01"), HaveTo: date("2026-11-23")},
			},
			span: [2]string{"2026-08-15", "2026-11-23"}, keep: []string{"2026-10-31", "2026-11-01", "2026-11-02"}},
		{name: "more than a month after the cache", from: "2026-11-10", to: "2027-01-05",
			want: []pull{
				{From: date("2026-11-10"), To: date("2026-11-23"), Since: date("2026-11-23"), Have: date("2026-11-10"), HaveTo: date("2026-11-23")},
				{From: date("2026-11-24"), To: date("2026-11-30")},
				{From: date("2026-12-01"), To: date("2026-12-31")},
				{From: date("2027-01-01"), To: date("2027-01-05")},
			},
			span: [2]string{"2026-11-10", "2027-01-05"}},
		{name: "an as-of partway through a cached day pulls that day again and keeps no later day", from: "2026-11-01", to: "2026-11-02",
			through: "2026-11-02T08:00:00Z",
			want:    []pull{{From: date("2026-11-01"), To: date("2026-11-02"), Since: date("2026-11-23"), Have: date("2026-11-01"), HaveTo: date("2026-11-01")}},
			span:    [2]string{"2026-11-01", "2026-11-02"}, keep: []string{"2026-11-01"}},
		{name: "the build after a cut pulls the cut day again", from: "2026-11-01", to: "2026-11-24", oldThrough: "2026-11-02T08:00:00Z",
			want: []pull{{From: date("2026-11-01"), To: date("2026-11-24"), Since: date("2026-11-23"), Have: date("2026-11-01"), HaveTo: date("2026-11-01")}},
			span: [2]string{"2026-11-01", "2026-11-24"}, keep: []string{"2026-11-01"}},
		{name: "the same cut again pulls as usual", from: "2026-11-01", to: "2026-11-23", through: "2026-11-23T08:00:00Z", oldThrough: "2026-11-23T08:00:00Z",
			want: []pull{{From: date("2026-11-01"), To: date("2026-11-23"), Since: date("2026-11-23"), Have: date("2026-11-01"), HaveTo: date("2026-11-23")}},
			span: [2]string{"2026-11-01", "2026-11-23"}, keep: []string{"2026-11-01", "2026-11-02"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Source{From: date(tc.from), To: date(tc.to), Through: cutTime(tc.through)}
			old := *old
			old.Through = tc.oldThrough
			pulls, next := s.plan(&old, tc.reason)
			if !reflect.DeepEqual(pulls, tc.want) {
				t.Errorf("pulls = %v\nwant %v", pulls, tc.want)
			}
			if next.From != tc.span[0] || next.To != tc.span[1] {
				t.Errorf("span %s to %s, want %s to %s", next.From, next.To, tc.span[0], tc.span[1])
			}
			if got := next.days(date("2000-01-01"), date("2100-01-01")); !reflect.DeepEqual(got, tc.keep) {
				t.Errorf("keeps days %v, want %v", got, tc.keep)
			}
		})
	}
}
