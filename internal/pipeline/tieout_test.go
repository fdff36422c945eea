package pipeline

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/billing"
	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/content"
	"github.com/novadynamics/stellar-budget/internal/duckdb"
	"github.com/novadynamics/stellar-budget/internal/snapshot"
)

// TestTotalsTieToTheirRows reads the published CSVs and snapshot as an
// analyst would and checks that every total equals the sum of the rows
// that break it down, to the cent: for the demo account, and for a
// generated export of another size and format read through --source files.
func TestTotalsTieToTheirRows(t *testing.T) {
	t.Run("demo", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "public")
		if _, err := Build(t.Context(), options(out)); err != nil {
			t.Fatal(err)
		}
		assertTies(t, out)
	})
	t.Run("generated export", func(t *testing.T) {
		div, err := content.Load("../../content")
		if err != nil {
			t.Fatal(err)
		}
		e, err := duckdb.Open(duckdb.Options{Log: quietLog()})
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		dir := t.TempDir()
		asOf := time.Date(2026, 7, 17, 0, 0, 0, 0, time.UTC)
		usage, prices, err := WriteDemo(t.Context(), e, DemoOptions{Division: div, AsOf: asOf, Dir: dir, Format: billing.JSONL, Log: quietLog(), Rows: 60000})
		if err != nil {
			t.Fatal(err)
		}
		opts := options(filepath.Join(dir, "public"))
		opts.Source, opts.AsOf = FilesSource{Usage: []string{usage}, ListPrices: []string{prices}}, time.Time{}
		if _, err := Build(t.Context(), opts); err != nil {
			t.Fatal(err)
		}
		assertTies(t, opts.OutDir)
	})
}

type monthCategory struct{ month, category string }

// assertTies checks the published tree at out.
func assertTies(t *testing.T, out string) {
	t.Helper()
	downloads := filepath.Join(out, "downloads")
	days := sumCSV(t, filepath.Join(downloads, "cost_by_day.csv"), func(r map[string]string) monthCategory {
		return monthCategory{r["date"][:7], r["category"]}
	})
	key := func(r map[string]string) monthCategory { return monthCategory{r["month"], r["category"]} }
	owners := sumCSV(t, filepath.Join(downloads, "cost_by_owner.csv"), key)
	resources := sumCSV(t, filepath.Join(downloads, "cost_by_resource.csv"), key)
	workloads := sumCSV(t, filepath.Join(downloads, "cost_by_workload.csv"), key)
	if len(days) == 0 {
		t.Fatal("cost_by_day.csv has no rows")
	}
	for k, d := range days {
		if owners[k].Cmp(d) != 0 || resources[k].Cmp(d) != 0 || workloads[k].Cmp(d) != 0 {
			t.Errorf("%s %s: days sum to %s, owners %s, resources %s, workloads %s", k.month, k.category, d, owners[k], resources[k], workloads[k])
		}
	}
	for k := range owners {
		if _, ok := days[k]; !ok {
			t.Errorf("%s %s: owners without days", k.month, k.category)
		}
	}
	for k := range workloads {
		if _, ok := days[k]; !ok {
			t.Errorf("%s %s: workloads without days", k.month, k.category)
		}
	}
	status := readCSV(t, filepath.Join(downloads, "budget_status.csv"))
	for _, r := range status {
		if got, want := money(t, r["actual_usd"]), days[key(r)]; got.Cmp(want) != 0 {
			t.Errorf("budget_status %s %s: actual %s, its days sum to %s", r["month"], r["category"], got, want)
		}
	}

	snap, err := snapshot.ReadFile(filepath.Join(out, filepath.FromSlash(snapshot.Path)))
	if err != nil {
		t.Fatal(err)
	}
	month := string(snap.AsOf)[:7]
	var attributed budget.Decimal
	for _, c := range snap.Categories {
		mtd := c.MonthToDate.Decimal()
		if want := days[monthCategory{month, c.TagValue}]; mtd.Cmp(want) != 0 {
			t.Errorf("snapshot %s month to date %s, its days sum to %s", c.TagValue, mtd, want)
		}
		attributed = attributed.Add(mtd)
	}
	unattributed := snap.Unattributed.Untagged.Decimal().Add(snap.Unattributed.UnknownValue.Decimal())
	if want := days[monthCategory{month, budget.Unattributed}]; unattributed.Cmp(want) != 0 || snap.Totals.Unattributed.Decimal().Cmp(want) != 0 {
		t.Errorf("snapshot unattributed %s (parts %s), its days sum to %s", snap.Totals.Unattributed, unattributed, want)
	}
	if snap.Totals.Attributed.Decimal().Cmp(attributed) != 0 || snap.Totals.MonthToDate.Decimal().Cmp(attributed.Add(unattributed)) != 0 {
		t.Errorf("snapshot totals %s (attributed %s); categories sum to %s, with unattributed %s",
			snap.Totals.MonthToDate, snap.Totals.Attributed, attributed, attributed.Add(unattributed))
	}
	assertSeriesTie(t, snap, filepath.Join(downloads, "cost_by_day.csv"), filepath.Join(downloads, "cost_by_owner.csv"))

	// Each category's own downloads hold exactly its rows of the division's.
	entries, err := os.ReadDir(downloads)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		own := sumCSV(t, filepath.Join(downloads, e.Name(), "cost_by_day.csv"), func(r map[string]string) monthCategory {
			return monthCategory{r["date"][:7], r["category"]}
		})
		if len(own) == 0 {
			t.Errorf("downloads/%s/cost_by_day.csv has no rows", e.Name())
		}
		for k, v := range own {
			if days[k].Cmp(v) != 0 {
				t.Errorf("downloads/%s/cost_by_day.csv %s %s: %s, the division's file %s", e.Name(), k.month, k.category, v, days[k])
			}
		}
		ownWorkloads := sumCSV(t, filepath.Join(downloads, e.Name(), "cost_by_workload.csv"), key)
		for k, v := range own {
			if ownWorkloads[k].Cmp(v) != 0 {
				t.Errorf("downloads/%s/cost_by_workload.csv %s %s: %s, its days %s", e.Name(), k.month, k.category, ownWorkloads[k], v)
			}
		}
		if len(ownWorkloads) != len(own) {
			t.Errorf("downloads/%s/cost_by_workload.csv has %d category-months, its days %d", e.Name(), len(ownWorkloads), len(own))
		}
	}
}

// assertSeriesTie checks the snapshot's recent days against the CSVs: a
// category's days are its cost_by_day.csv rows to the cent, every day from
// the first to the last data day once (a day without a row is 0.00), at
// least the 90 days the functions forecast from; its owners of the last
// three months are cost_by_owner.csv's rows of those months.
func assertSeriesTie(t *testing.T, snap *snapshot.Snapshot, costByDay, costByOwner string) {
	t.Helper()
	type dayCategory struct{ date, category string }
	rows := map[dayCategory]string{}
	for _, r := range readCSV(t, costByDay) {
		rows[dayCategory{r["date"], r["category"]}] = r["list_cost_usd"]
	}
	through := snap.AsOf
	if snap.Source.LastUsageDate != "" && snap.Source.LastUsageDate < through {
		through = snap.Source.LastUsageDate
	}
	for _, c := range snap.Categories {
		days := c.Daily.Days
		if len(days) < snapshot.MinSeriesDays || days[len(days)-1].Date != through || c.Daily.LastDayPartial != snap.Source.PartialDay {
			t.Errorf("%s: %d days to %s (partial %v); want at least %d to %s (partial %v)", c.TagValue, len(days), days[len(days)-1].Date,
				c.Daily.LastDayPartial, snapshot.MinSeriesDays, through, snap.Source.PartialDay)
		}
		for _, d := range days {
			want, ok := rows[dayCategory{string(d.Date), c.TagValue}]
			if !ok {
				want = "0.00"
			}
			if string(d.Cost) != want {
				t.Errorf("%s %s: snapshot %s, cost_by_day.csv %s", c.TagValue, d.Date, d.Cost, want)
			}
		}
	}
	asOf := snap.AsOf.Time()
	first, last := time.Date(asOf.Year(), asOf.Month()-3, 1, 0, 0, 0, 0, time.UTC), time.Date(asOf.Year(), asOf.Month(), 1, 0, 0, 0, 0, time.UTC)
	owners := map[[2]string]budget.Decimal{}
	for _, r := range readCSV(t, costByOwner) {
		if m, _ := time.Parse("2006-01", r["month"]); !m.Before(first) && m.Before(last) {
			k := [2]string{r["category"], r["owner"]}
			owners[k] = owners[k].Add(money(t, r["list_cost_usd"]))
		}
	}
	for _, c := range snap.Categories {
		for _, o := range c.RecentOwners {
			k := [2]string{c.TagValue, o.Owner}
			if want := owners[k]; o.Cost.Decimal().Cmp(want) != 0 {
				t.Errorf("%s %s: %s over the last three months, cost_by_owner.csv %s", c.TagValue, o.Owner, o.Cost, want)
			}
			delete(owners, k)
		}
	}
	for k, v := range owners {
		if k[0] != budget.Unattributed {
			t.Errorf("%s %s: %s in cost_by_owner.csv over the last three months, not in the snapshot", k[0], k[1], v)
		}
	}
}

func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var rows []map[string]string
	for _, rec := range records[1:] {
		row := map[string]string{}
		for i, h := range records[0] {
			row[h] = rec[i]
		}
		rows = append(rows, row)
	}
	return rows
}

// sumCSV sums list_cost_usd of a file's rows under the key keyOf gives.
func sumCSV(t *testing.T, path string, keyOf func(map[string]string) monthCategory) map[monthCategory]budget.Decimal {
	t.Helper()
	out := map[monthCategory]budget.Decimal{}
	for _, r := range readCSV(t, path) {
		k := keyOf(r)
		out[k] = out[k].Add(money(t, r["list_cost_usd"]))
	}
	return out
}

// money parses a money cell, which must have exactly 2 decimals.
func money(t *testing.T, s string) budget.Decimal {
	t.Helper()
	d, err := budget.ParseDecimal(s)
	if err != nil {
		t.Fatalf("money %q: %v", s, err)
	}
	if d.Round(2).Cmp(d) != 0 || len(s) < 3 || s[len(s)-3] != '.' {
		t.Fatalf("money %q is not written with 2 decimals", s)
	}
	return d
}
