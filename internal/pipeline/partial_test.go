package pipeline

import (
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/content"
	"github.com/novadynamics/stellar-budget/internal/demo"
	"github.com/novadynamics/stellar-budget/internal/duckdb"
	"github.com/novadynamics/stellar-budget/internal/emulator"
	"github.com/novadynamics/stellar-budget/internal/report"
	"github.com/novadynamics/stellar-budget/internal/snapshot"
	"github.com/novadynamics/stellar-budget/internal/warehouse"
)

// partialDay is the last day of the cut exports: a Wednesday.
var partialDay = time.Date(2026, 11, 18, 0, 0, 0, 0, time.UTC)

// cutExport writes the demo export through the whole of partialDay, once,
// at its natural size, so that every hour has usage, and returns a
// function that cuts its usage at an instant, the way a
// real export read at that time ends: only records whose usage_end_time is
// not after it.
func cutExport(t *testing.T) (prices string, cut func(at time.Time) string) {
	t.Helper()
	usage, prices := writeExport(t, "../../content", partialDay, 0)
	dir := filepath.Dir(usage)
	return prices, func(at time.Time) string {
		t.Helper()
		in, err := os.Open(usage)
		if err != nil {
			t.Fatal(err)
		}
		defer in.Close()
		path := filepath.Join(dir, "usage-"+at.Format("20060102T1504")+".csv")
		out, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		r, w := csv.NewReader(in), csv.NewWriter(out)
		header, err := r.Read()
		if err != nil {
			t.Fatal(err)
		}
		end := slices.Index(header, "usage_end_time")
		w.Write(header)
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			ended, err := time.Parse(time.RFC3339, rec[end])
			if err != nil {
				t.Fatal(err)
			}
			if !ended.After(at) {
				w.Write(rec)
			}
		}
		w.Flush()
		if err := w.Error(); err != nil {
			t.Fatal(err)
		}
		if err := out.Close(); err != nil {
			t.Fatal(err)
		}
		return path
	}
}

// An export cut partway through its last day raises no anomaly for that
// day, keeps every month-end forecast inside the 80 % range of the same
// export cut at the midnight before, and says how far it reaches.
func TestExportCutPartwayThroughTheDay(t *testing.T) {
	prices, cut := cutExport(t)
	build := func(at time.Time) *report.Report {
		t.Helper()
		opts := options("")
		opts.Source, opts.AsOf = FilesSource{Usage: []string{cut(at)}, ListPrices: []string{prices}}, time.Time{}
		opts.Now = partialDay.Add(9 * time.Hour) // the default as-of: the end of the data
		rep, err := Report(t.Context(), opts)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	midnight := build(partialDay)
	if midnight.Source.PartialDay || !midnight.AsOf.Equal(partialDay.AddDate(0, 0, -1)) {
		t.Fatalf("midnight cut: partial %v, as of %s; want a whole day, as of the day before", midnight.Source.PartialDay, midnight.AsOf)
	}
	for _, hour := range []int{8, 23} {
		at := partialDay.Add(time.Duration(hour) * time.Hour)
		t.Run(at.Format("15:04"), func(t *testing.T) {
			rep := build(at)
			if !rep.Source.PartialDay || !rep.Source.LastUsage.Equal(at) || !rep.AsOf.Equal(partialDay) {
				t.Errorf("partial %v, last usage %s, as of %s; want partial, %s, %s", rep.Source.PartialDay, rep.Source.LastUsage, rep.AsOf, at, partialDay)
			}
			if rep.Source.DaysBehind != 0 || rep.Source.Behind {
				t.Errorf("%d days behind, want up to date", rep.Source.DaysBehind)
			}
			for _, a := range rep.Anomalies {
				if a.Day.Equal(partialDay) {
					t.Errorf("anomaly on the partial day: %s %s (actual %s, expected %s)", a.Category, a.Day.Format(time.DateOnly), a.Actual.USD(), a.Expected.USD())
				}
			}
			inside := func(name string, got, range_ report.Forecast) {
				if got.Value.Cmp(range_.Low) < 0 || got.Value.Cmp(range_.High) > 0 {
					t.Errorf("%s: forecast %s outside the midnight cut's 80 %% range %s to %s", name, got.Value.USD(), range_.Low.USD(), range_.High.USD())
				}
			}
			inside("division", rep.Totals.Forecast, midnight.Totals.Forecast)
			for i, c := range rep.Categories {
				inside(c.Title, c.Forecast, midnight.Categories[i].Forecast)
				if c.Status != midnight.Categories[i].Status && (c.Status == report.StatusOnTrack) != (midnight.Categories[i].Status == report.StatusOnTrack) {
					t.Errorf("%s: status %s, at midnight %s", c.Title, c.Status, midnight.Categories[i].Status)
				}
			}
			for _, a := range rep.Tables.Alerts {
				if a.Time.Equal(partialDay) && a.Kind != "threshold" {
					t.Errorf("a %s alert on the partial day: %+v", a.Kind, a)
				}
			}
		})
	}
}

// The pages say how far a partial day reaches.
func TestPartialDayOnThePages(t *testing.T) {
	prices, cut := cutExport(t)
	out := filepath.Join(t.TempDir(), "public")
	opts := options(out)
	opts.Source, opts.AsOf = FilesSource{Usage: []string{cut(partialDay.Add(8 * time.Hour))}, ListPrices: []string{prices}}, time.Time{}
	opts.Now = partialDay.Add(9 * time.Hour)
	if _, err := Build(t.Context(), opts); err != nil {
		t.Fatal(err)
	}
	for _, page := range []string{"index.html", "report/index.html", "categories/exploratory-missions/index.html"} {
		b, err := os.ReadFile(filepath.Join(out, page))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "data through 08:00 UTC") {
			t.Errorf("%s does not say \"data through 08:00 UTC\"", page)
		}
	}
	snap, err := os.ReadFile(filepath.Join(out, "data", "snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"data_through": "2026-11-18T08:00:00Z"`, `"partial_day": true`, `"fresh_against": "build"`} {
		if !strings.Contains(string(snap), want) {
			t.Errorf("snapshot.json lacks %s", want)
		}
	}
	// The functions forecast from the series: each says its last day is
	// the partial one; a cluster is rated on a whole day.
	read, err := snapshot.ReadFile(filepath.Join(out, filepath.FromSlash(snapshot.Path)))
	if err != nil {
		t.Fatal(err)
	}
	series := map[string]snapshot.Series{}
	for _, c := range read.Categories {
		series[c.TagValue] = c.Daily
	}
	for _, o := range read.Owners {
		series[o.Owner] = o.Daily
	}
	for name, s := range series {
		if d, ok := s.Partial(); !ok || d.Date != "2026-11-18" || len(s.Complete()) < snapshot.MinSeriesDays-1 {
			t.Errorf("%s: partial day %v (%v), %d whole days; want 2026-11-18 after at least %d", name, d, ok, len(s.Complete()), snapshot.MinSeriesDays-1)
		}
	}
	if len(read.Clusters) == 0 {
		t.Error("no clusters in the snapshot")
	}
	for _, c := range read.Clusters {
		if c.RatedOn >= "2026-11-18" || c.RatedOn < "2026-11-11" || c.USDPerHour.Decimal().Sign() <= 0 {
			t.Errorf("cluster %s rated on %s at %s an hour; want a whole day of the seven before 2026-11-18", c.ID, c.RatedOn, c.USDPerHour)
		}
	}
}

// Against the emulator, whose account is read at 08:00 as a live account
// is during the day, the databricks source's build with the default as-of
// says the day is partial, raises nothing for it and forecasts inside the
// range of the export cut at the midnight before.
func TestEmulatorPartwayThroughTheDay(t *testing.T) {
	at := partialDay.Add(8 * time.Hour)
	div, err := content.Load("../../content")
	if err != nil {
		t.Fatal(err)
	}
	tables, err := duckdb.OpenSystemTables(t.Context(), duckdb.Options{Log: quietLog()}, demo.Config{Division: div, Through: at})
	if err != nil {
		t.Fatal(err)
	}
	defer tables.Close()
	emu, err := emulator.Start("127.0.0.1:0", emulator.Options{AsOf: partialDay, Division: div, SQL: tables, Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	opts := options("")
	opts.AsOf, opts.StateDir = time.Time{}, t.TempDir()
	opts.Now = at.Add(41 * time.Minute)
	opts.Source = DatabricksSource{Config: warehouse.Config{WarehouseID: emu.DefaultWarehouseID(), SDK: emulatorConfig(emu), PollInterval: 10 * time.Millisecond, RetryBackoff: 10 * time.Millisecond}}
	rep, err := Report(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Source.PartialDay || !rep.Source.LastUsage.Equal(at) || !rep.AsOf.Equal(partialDay) || rep.Source.DaysBehind != 0 {
		t.Errorf("partial %v, last usage %s, as of %s, %d days behind; want partial, %s, %s, up to date",
			rep.Source.PartialDay, rep.Source.LastUsage, rep.AsOf, rep.Source.DaysBehind, at, partialDay)
	}
	for _, a := range rep.Anomalies {
		if a.Day.Equal(partialDay) {
			t.Errorf("anomaly on the partial day: %s", a.Category)
		}
	}

	prices, cut := cutExport(t)
	files := options("")
	files.Source, files.AsOf = FilesSource{Usage: []string{cut(partialDay)}, ListPrices: []string{prices}}, time.Time{}
	files.Now = opts.Now
	midnight, err := Report(t.Context(), files)
	if err != nil {
		t.Fatal(err)
	}
	if got, r := rep.Totals.Forecast.Value, midnight.Totals.Forecast; got.Cmp(r.Low) < 0 || got.Cmp(r.High) > 0 {
		t.Errorf("division forecast %s outside the midnight cut's 80 %% range %s to %s", got.USD(), r.Low.USD(), r.High.USD())
	}
}
