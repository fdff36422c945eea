package pipeline

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/billing"
	"github.com/novadynamics/stellar-budget/internal/content"
	"github.com/novadynamics/stellar-budget/internal/duckdb"
	"github.com/novadynamics/stellar-budget/internal/report"
)

// writeExport writes the demo export through the whole of last, for the
// division of contentDir, in rows records (0: its natural size).
func writeExport(t *testing.T, contentDir string, last time.Time, rows int64) (usage, prices string) {
	t.Helper()
	e, err := duckdb.Open(duckdb.Options{Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	div, err := content.Load(contentDir)
	if err != nil {
		t.Fatal(err)
	}
	usage, prices, err = WriteDemo(t.Context(), e, DemoOptions{Division: div, AsOf: last, Dir: t.TempDir(), Format: billing.CSV, Log: quietLog(), Rows: rows})
	if err != nil {
		t.Fatal(err)
	}
	return usage, prices
}

// An export that ends in May, built in December without --as-of, is
// behind, and every page says so; --as-of before the data is refused with
// the data's days; after it, the months without data say so.
func TestAsOfOutsideTheData(t *testing.T) {
	usage, prices := writeExport(t, "../../content", time.Date(2026, 5, 31, 0, 0, 0, 0, time.UTC), 30000)
	files := func(out string, asOf time.Time) BuildOptions {
		opts := options(out)
		opts.Source, opts.AsOf = FilesSource{Usage: []string{usage}, ListPrices: []string{prices}}, asOf
		opts.Now = time.Date(2026, 12, 5, 8, 41, 0, 0, time.UTC)
		return opts
	}

	t.Run("old export, default as-of", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "public")
		if _, err := Build(t.Context(), files(out, time.Time{})); err != nil {
			t.Fatal(err)
		}
		for _, page := range []string{"index.html", "report/index.html", "categories/orbital-mechanics/index.html", "compliance/index.html"} {
			b, err := os.ReadFile(filepath.Join(out, page))
			if os.IsNotExist(err) && page == "compliance/index.html" {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), "The data is 187 days behind.") || !strings.Contains(string(b), "before this build (2026-12-05)") {
				t.Errorf("%s does not say the data is 187 days behind the build", page)
			}
		}
		snap, _ := os.ReadFile(filepath.Join(out, "data", "snapshot.json"))
		for _, want := range []string{`"as_of": "2026-05-31"`, `"days_behind": 187`, `"data_behind": true`, `"fresh_against": "build"`} {
			if !strings.Contains(string(snap), want) {
				t.Errorf("snapshot.json lacks %s", want)
			}
		}
	})

	t.Run("as-of before the data", func(t *testing.T) {
		_, err := Build(t.Context(), files(filepath.Join(t.TempDir(), "public"), time.Date(2024, 6, 30, 0, 0, 0, 0, time.UTC)))
		if err == nil {
			t.Fatal("built from an as-of before the data")
		}
		for _, want := range []string{"--as-of 2024-06-30", "runs from 2025-04-01 to 2026-05-31"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
	})

	t.Run("as-of after the data", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "public")
		opts := files(out, time.Date(2026, 7, 15, 0, 0, 0, 0, time.UTC))
		rep, err := Report(t.Context(), opts)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Source.Behind || rep.Source.ByClock || rep.Source.DaysBehind != 45 {
			t.Errorf("behind %v by clock %v, %d days; want 45 days behind the as-of", rep.Source.Behind, rep.Source.ByClock, rep.Source.DaysBehind)
		}
		for _, c := range rep.Categories {
			if c.Status != report.StatusNoData || c.StatusLabel() != "no data this month" {
				t.Errorf("%s: status %q, want no data this month", c.Title, c.StatusLabel())
			}
		}
		if _, err := Build(t.Context(), opts); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(filepath.Join(out, "index.html"))
		page := string(b)
		if !strings.Contains(page, "no data this month") || strings.Contains(page, ">on track<") {
			t.Error("the status board does not say no data this month")
		}
		if !strings.Contains(page, "No usage data falls in July 2026 yet") {
			t.Error("the summary does not say July has no data")
		}
	})
}

// The demo account has no usage after the build's clock.
func TestDemoRefusesAnAsOfAfterTheBuild(t *testing.T) {
	opts := options(filepath.Join(t.TempDir(), "public"))
	opts.AsOf = goldenNow.Add(2 * time.Hour)
	_, err := Report(t.Context(), opts)
	if err == nil || !strings.Contains(err.Error(), "after the build time") {
		t.Fatalf("error %v, want an as-of after the build time refused", err)
	}
}

// A tag_value mistyped in content/ leaves its category without spend while
// the value it meant carries it: the build says so in one line on stderr
// and on the master page, naming both values and the amount.
func TestMistypedTagValue(t *testing.T) {
	usage, prices := writeExport(t, "../../content", goldenAsOf, 30000)
	typo := t.TempDir()
	if err := os.CopyFS(typo, os.DirFS("../../content")); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(typo, "categories", "exploratory-missions.md")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, bytes.Replace(b, []byte("tag_value: EXPLORATORY_MISSIONS"), []byte("tag_value: EXPLORATORY_MISION"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, source := range []Source{FilesSource{Usage: []string{usage}, ListPrices: []string{prices}}, DemoSource{}} {
		t.Run(source.Kind(), func(t *testing.T) {
			var logged bytes.Buffer
			out := filepath.Join(t.TempDir(), "public")
			opts := options(out)
			opts.Source, opts.ContentDir = source, typo
			opts.Log = slog.New(slog.NewTextHandler(&logged, nil))
			if _, err := Build(t.Context(), opts); err != nil {
				t.Fatal(err)
			}
			var warning string
			for line := range strings.Lines(logged.String()) {
				if strings.Contains(line, "did you mean") {
					warning = line
				}
			}
			for _, want := range []string{"exploratory-missions.md", "EXPLORATORY_MISION", "did you mean EXPLORATORY_MISSIONS? $"} {
				if !strings.Contains(warning, want) {
					t.Errorf("warning %q does not say %q", warning, want)
				}
			}
			page, _ := os.ReadFile(filepath.Join(out, "index.html"))
			if !strings.Contains(string(page), "tag_value EXPLORATORY_MISION has no spend. Did you mean EXPLORATORY_MISSIONS?") {
				t.Error("the master page does not name the mistyped tag_value")
			}
		})
	}
}
