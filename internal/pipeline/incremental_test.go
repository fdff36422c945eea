package pipeline

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/billing"
	"github.com/novadynamics/stellar-budget/internal/content"
	"github.com/novadynamics/stellar-budget/internal/demo"
	"github.com/novadynamics/stellar-budget/internal/state"
)

// dayFiles writes the demo account through cut as an export that grows by
// a file a day: the usage before the last month in one file, then one
// usage CSV per usage day, and its list prices; it returns the usage files
// in day order.
func dayFiles(t *testing.T, dir string, cut time.Time, rows int64) (days []string, prices string) {
	t.Helper()
	div, err := content.Load("../../content")
	if err != nil {
		t.Fatal(err)
	}
	cfg := demo.Config{Division: div, Through: cut, Rows: rows}
	prices = filepath.Join(dir, "list_prices.csv")
	if err := writeFile(prices, func(f *os.File) error { return billing.WriteListPrices(f, billing.CSV, demo.ListPrices(cfg)) }); err != nil {
		t.Fatal(err)
	}
	byDay := map[string]*bytes.Buffer{}
	writers := map[string]*billing.UsageWriter{}
	err = demo.Usage(cfg, func(r billing.UsageRecord) error {
		day := r.UsageDate.Format(time.DateOnly)
		if r.UsageDate.Before(cut.AddDate(0, -1, 0)) {
			day = "0000-history"
		}
		w := writers[day]
		if w == nil {
			byDay[day] = &bytes.Buffer{}
			if w, err = billing.NewUsageWriter(byDay[day], billing.CSV); err != nil {
				return err
			}
			writers[day] = w
		}
		return w.Write(r)
	})
	if err != nil {
		t.Fatal(err)
	}
	for day, w := range writers {
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "usage-"+day+".csv")
		if err := os.WriteFile(path, byDay[day].Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		days = append(days, path)
	}
	slices.Sort(days)
	return days, prices
}

// buildFiles builds the site from usage up to the as-of asOf (zero: all
// of it) with the files cache in stateDir, or reading every file with
// full; it returns every file it wrote, and how many usage files it read
// (the rest came from the cache).
func buildFiles(t *testing.T, usage []string, prices, stateDir string, asOf time.Time, full bool) (map[string][]byte, string) {
	t.Helper()
	opts := options(filepath.Join(t.TempDir(), "public"))
	opts.Source, opts.AsOf = FilesSource{Usage: usage, ListPrices: []string{prices}}, asOf
	opts.StateDir, opts.Full = stateDir, full
	var log bytes.Buffer
	opts.Log = slog.New(slog.NewTextHandler(&log, nil))
	if _, err := Build(t.Context(), opts); err != nil {
		t.Fatal(err)
	}
	read := regexp.MustCompile(`msg="files cache" files=\d+ read=(\d+)`).FindStringSubmatch(log.String())
	if read == nil {
		t.Fatalf("no files cache line in the build's log:\n%s", log.String())
	}
	return readTree(t, opts.OutDir), read[1]
}

// compareBuilds builds the same usage reading every file and with the
// cache, checks that both wrote the same site and that the second read
// wantRead files.
func compareBuilds(t *testing.T, usage []string, prices, full, incremental string, asOf time.Time, wantRead string) {
	t.Helper()
	want, _ := buildFiles(t, usage, prices, full, asOf, true)
	got, read := buildFiles(t, usage, prices, incremental, asOf, false)
	sameTree(t, want, got)
	if read != wantRead {
		t.Errorf("%d files as of %v: read %s with the cache, want %s", len(usage), asOf, read, wantRead)
	}
}

// TestIncrementalEqualsFull: a build that reads only the new day's file,
// the others from the files cache, writes the same site as one that reads
// every file, day by day over a month; after a correction rewrites an
// earlier day's file; and hour by hour through a day read with --as-of.
func TestIncrementalEqualsFull(t *testing.T) {
	dir := t.TempDir()
	days, prices := dayFiles(t, dir, goldenAsOf.AddDate(0, 0, 1), 20000)
	incremental, full := t.TempDir(), t.TempDir()
	compareBuilds(t, days[:1], prices, full, incremental, time.Time{}, "1")
	for i := 1; i < len(days); i += 3 {
		compareBuilds(t, days[:i+1], prices, full, incremental, time.Time{}, strconv.Itoa(min(i, 3)))
	}
	if t.Failed() {
		t.FailNow()
	}

	// A correction to a day that was read already: its file changes, so
	// it is read again.
	earlier := days[len(days)-5]
	f, err := os.OpenFile(earlier, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := os.ReadFile(earlier)
	if err != nil {
		t.Fatal(err)
	}
	record := strings.Split(string(lines), "\n")[1]
	retraction := strings.Replace(record, ",ORIGINAL,", ",RETRACTION,", 1)
	if retraction == record {
		t.Fatalf("no ORIGINAL record to retract in %s: %s", earlier, record)
	}
	if _, err := f.WriteString(strings.Replace(retraction, ",1.", ",-1.", 1) + "\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	compareBuilds(t, days, prices, full, incremental, time.Time{}, "1")

	// Hourly builds through the last day: its file is cut at each hour,
	// every earlier file is whole and comes from the cache.
	last := goldenAsOf
	for h := 1; h < 24; h += 5 {
		at := last.Add(time.Duration(h) * time.Hour)
		compareBuilds(t, days, prices, full, incremental, at, "1")
	}
	if _, err := os.Stat(filepath.Join(incremental, state.FilesCache)); err != nil {
		t.Errorf("no files cache kept: %v", err)
	}
}

// TestDemoCache: a second demo build of the same hour reads the account's
// attribution from the state directory and writes the same site; --full
// generates it again.
func TestDemoCache(t *testing.T) {
	stateDir := t.TempDir()
	build := func(full bool) (map[string][]byte, string) {
		opts := options(filepath.Join(t.TempDir(), "public"))
		opts.StateDir, opts.Full = stateDir, full
		var log bytes.Buffer
		opts.Log = slog.New(slog.NewTextHandler(&log, nil))
		if _, err := Build(t.Context(), opts); err != nil {
			t.Fatal(err)
		}
		return readTree(t, opts.OutDir), log.String()
	}
	first, log := build(false)
	if strings.Contains(log, "from the cache") {
		t.Fatal("the first build read a cache")
	}
	second, log := build(false)
	if !strings.Contains(log, "read the demo account from the cache") {
		t.Errorf("the second build generated the account again:\n%s", log)
	}
	sameTree(t, first, second)
	third, log := build(true)
	if strings.Contains(log, "from the cache") {
		t.Error("--full read the cache")
	}
	sameTree(t, first, third)
}
