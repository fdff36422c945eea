package duckdb

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/novadynamics/stellar-budget/internal/billing"
	"github.com/novadynamics/stellar-budget/internal/demo"
	"github.com/novadynamics/stellar-budget/internal/state"
)

// TestFilesCache: an unchanged file comes from the cache with the same
// result; a damaged cache is logged and every file read again, with the
// same result; a touched file is read again.
func TestFilesCache(t *testing.T) {
	cfg := demoConfig(5000)
	var usage []billing.UsageRecord
	if err := demo.Usage(cfg, func(r billing.UsageRecord) error { usage = append(usage, r); return nil }); err != nil {
		t.Fatal(err)
	}
	e, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	usagePath, pricePath := writeExport(t, e, t.TempDir(), billing.CSV, usage, demo.ListPrices(cfg))
	e.Close()
	stateDir := t.TempDir()
	var log bytes.Buffer
	src := FilesSource{Options: Options{Log: slog.New(slog.NewTextHandler(&log, nil))}, Usage: []string{usagePath}, ListPrices: []string{pricePath}, StateDir: stateDir}
	tags := cfg.Division.TagValues()
	attribute := func(wantRead string) Result {
		t.Helper()
		log.Reset()
		res, err := src.Attribute(t.Context(), tags)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(log.String(), wantRead) {
			t.Errorf("log lacks %q:\n%s", wantRead, log.String())
		}
		return res
	}
	want := attribute("read=1 from_cache=0")
	if got := attribute("read=0 from_cache=1"); !reflect.DeepEqual(got, want) {
		t.Error("the cached result differs from the one read")
	}
	entries, err := filepath.Glob(filepath.Join(stateDir, state.FilesCache, "*.gob.gz"))
	if err != nil || len(entries) != 1 {
		t.Fatalf("files cache entries %v, %v: want one for the one file", entries, err)
	}
	cache := entries[0]
	data, err := os.ReadFile(cache)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)-6] ^= 0xff // the gzip CRC
	if err := os.WriteFile(cache, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := attribute("cannot use the files cache"); !reflect.DeepEqual(got, want) {
		t.Error("after a damaged cache, the result differs")
	}
	now := usage[0].UsageEnd
	if err := os.Chtimes(usagePath, now, now); err != nil {
		t.Fatal(err)
	}
	if got := attribute("read=1 from_cache=0"); !reflect.DeepEqual(got, want) {
		t.Error("a touched file read again gives another result")
	}
}
