package pipeline

import (
	"bytes"
	"encoding/csv"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestDemoBudgetChangeMovesUtilisationNotSpend builds the demo site from a
// copy of content/ before and after raising one category's budget: the
// spend must stay byte for byte, that category's utilisation must move and
// no other category's status may change.
func TestDemoBudgetChangeMovesUtilisationNotSpend(t *testing.T) {
	const (
		file     = "materials-science.md"
		category = "MATERIALS_SCIENCE"
		raised   = "4500" // the shipped budget is lower
	)
	contentDir := filepath.Join(t.TempDir(), "content")
	if err := os.CopyFS(contentDir, os.DirFS("../../content")); err != nil {
		t.Fatal(err)
	}
	build := func(name string) string {
		t.Helper()
		opts := options(filepath.Join(t.TempDir(), name)) // a fresh directory: Publish refuses foreign ones
		opts.ContentDir = contentDir
		if _, err := Build(t.Context(), opts); err != nil {
			t.Fatal(err)
		}
		return opts.OutDir
	}
	before := build("before")

	path := filepath.Join(contentDir, "categories", file)
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	budgetLine := regexp.MustCompile(`(?m)^monthly_budget_usd:.*$`)
	if !budgetLine.Match(text) {
		t.Fatalf("%s has no monthly_budget_usd line", path)
	}
	if err := os.WriteFile(path, budgetLine.ReplaceAll(text, []byte("monthly_budget_usd: "+raised)), 0o644); err != nil {
		t.Fatal(err)
	}
	after := build("after")

	read := func(dir, name string) []byte {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, "downloads", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if !bytes.Equal(read(before, "cost_by_day.csv"), read(after, "cost_by_day.csv")) {
		t.Error("cost_by_day.csv changed with a budget: the demo's spend must not follow budgets")
	}

	statusBefore := budgetStatus(t, read(before, "budget_status.csv"))
	statusAfter := budgetStatus(t, read(after, "budget_status.csv"))
	if len(statusBefore) != len(statusAfter) {
		t.Fatalf("budget_status.csv has %d rows before and %d after", len(statusBefore), len(statusAfter))
	}
	asOfMonth := goldenAsOf.Format("2006-01")
	moved := false
	for _, key := range slices.SortedFunc(maps.Keys(statusBefore), func(a, b statusKey) int { return strings.Compare(a.String(), b.String()) }) {
		b := statusBefore[key]
		a, ok := statusAfter[key]
		if !ok {
			t.Errorf("%s: no row after the change", key)
			continue
		}
		if b["actual_usd"] != a["actual_usd"] {
			t.Errorf("%s: actual_usd %s before, %s after; want the same spend", key, b["actual_usd"], a["actual_usd"])
		}
		switch {
		case key.category != category:
			if !maps.Equal(a, b) {
				t.Errorf("%s changed with another category's budget: %v, then %v", key, b, a)
			}
		case key.month == asOfMonth:
			t.Logf("%s: budget %s -> %s, utilisation %s -> %s %%", key, b["budget_usd"], a["budget_usd"], b["utilization_pct"], a["utilization_pct"])
			if a["budget_usd"] != raised+".00" {
				t.Errorf("%s: budget_usd %s, want %s.00", key, a["budget_usd"], raised)
			}
			moved = a["utilization_pct"] != b["utilization_pct"]
		}
	}
	if !moved {
		t.Errorf("%s's utilisation in %s did not move with its budget", category, asOfMonth)
	}
}

type statusKey struct{ month, category string }

func (k statusKey) String() string { return k.month + " " + k.category }

// budgetStatus reads budget_status.csv into its rows by month and category,
// each row by column name.
func budgetStatus(t *testing.T, data []byte) map[statusKey]map[string]string {
	t.Helper()
	records, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatalf("read budget_status.csv: %v", err)
	}
	if len(records) < 2 {
		t.Fatalf("budget_status.csv has %d lines", len(records))
	}
	header := records[0]
	rows := map[statusKey]map[string]string{}
	for _, rec := range records[1:] {
		row := map[string]string{}
		for i, name := range header {
			row[name] = rec[i]
		}
		rows[statusKey{row["month"], row["category"]}] = row
	}
	return rows
}
