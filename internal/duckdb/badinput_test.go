package duckdb

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/novadynamics/stellar-budget/internal/billing"
)

// editCSV rewrites one cell (record n, counting the header as 0) of a CSV
// file, or drops a column when value is nil.
func editCSV(t *testing.T, path string, n int, column string, value *string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(records[0], column)
	if col < 0 {
		t.Fatalf("no column %s", column)
	}
	for i := range records {
		switch {
		case value == nil:
			records[i] = slices.Delete(records[i], col, col+1)
		case i == n:
			records[i][col] = *value
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(records); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// editLine applies a regexp replacement to line n (from 1) of a text file.
func editLine(t *testing.T, path string, n int, pattern, repl string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(raw), "\n")
	edited := regexp.MustCompile(pattern).ReplaceAllString(lines[n-1], repl)
	if edited == lines[n-1] {
		t.Fatalf("pattern %q does not change line %d", pattern, n)
	}
	lines[n-1] = edited
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}

func ptr(s string) *string { return &s }

func TestBadInput(t *testing.T) {
	e, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	usage := trapUsage(40)
	tests := []struct {
		name   string
		format billing.Format
		break_ func(t *testing.T, usage, prices string)
		want   []string // fragments of the one-line error
	}{
		{"bad number", billing.CSV, func(t *testing.T, u, p string) { editCSV(t, u, 7, "usage_quantity", ptr("12.5x")) },
			[]string{"usage.csv line 8:", `usage_quantity "12.5x" is not a number`}},
		{"bad timestamp", billing.CSV, func(t *testing.T, u, p string) { editCSV(t, u, 12, "usage_end_time", ptr("2026-13-01T00:00:00Z")) },
			[]string{"usage.csv line 13:", `usage_end_time "2026-13-01T00:00:00Z" is not a timestamp`}},
		{"bad date", billing.CSV, func(t *testing.T, u, p string) { editCSV(t, u, 3, "usage_date", ptr("yesterday")) },
			[]string{"usage.csv line 4:", `usage_date "yesterday" is not a date`}},
		{"broken JSON in tags", billing.CSV, func(t *testing.T, u, p string) {
			editCSV(t, u, 20, "custom_tags", ptr(`{"OperationalCategory": "DEEP`))
		},
			[]string{"usage.csv line 21:", "custom_tags is not valid JSON"}},
		{"empty required value", billing.CSV, func(t *testing.T, u, p string) { editCSV(t, u, 5, "sku_name", ptr("")) },
			[]string{"usage.csv line 6:", "sku_name is empty"}},
		{"a cell with a line break keeps lines right", billing.CSV, func(t *testing.T, u, p string) {
			editCSV(t, u, 2, "workspace_id", ptr("ws\nsplit"))
			editCSV(t, u, 4, "usage_quantity", ptr("x"))
		}, []string{"usage.csv line 6:", `usage_quantity "x" is not a number`}},
		{"missing column", billing.CSV, func(t *testing.T, u, p string) { editCSV(t, u, 0, "usage_quantity", nil) },
			[]string{"usage.csv: missing column usage_quantity"}},
		{"ragged line", billing.CSV, func(t *testing.T, u, p string) { editLine(t, u, 10, `$`, ",extra") },
			[]string{"usage.csv", "line 10", "expected 18 columns, found 19"}},
		{"empty file", billing.CSV, func(t *testing.T, u, p string) { os.WriteFile(u, nil, 0o644) },
			[]string{"usage.csv: file is empty"}},
		{"header only", billing.CSV, func(t *testing.T, u, p string) { editLine(t, u, 2, `.*`, ""); truncateAfter(t, u, 1) },
			[]string{"no usage records"}},
		{"broken price JSON", billing.CSV, func(t *testing.T, u, p string) { editCSV(t, p, 2, "pricing", ptr(`{"default": 0.1`)) },
			[]string{"list_prices.csv line 3:", "pricing is not valid JSON"}},
		{"bad price", billing.CSV, func(t *testing.T, u, p string) { editCSV(t, p, 3, "pricing", ptr(`{"default":"cheap"}`)) },
			[]string{"list_prices.csv line 4:", `pricing.default "cheap" is not a number`}},
		{"overlapping prices", billing.CSV, func(t *testing.T, u, p string) { editCSV(t, p, 1, "price_end_time", ptr("2026-04-01T00:00:00Z")) },
			[]string{"PREMIUM_JOBS_COMPUTE AWS DBU has overlapping price rows"}},
		{"other currency", billing.CSV, func(t *testing.T, u, p string) { editCSV(t, p, 4, "currency_code", ptr("EUR")) },
			[]string{"priced in EUR; only USD is supported"}},
		{"bad number in JSON Lines", billing.JSONL, func(t *testing.T, u, p string) {
			editLine(t, u, 9, `"usage_quantity":"[^"]*"`, `"usage_quantity":"12.5x"`)
		}, []string{"usage.jsonl line 9:", `usage_quantity "12.5x" is not a number`}},
		{"malformed JSON line", billing.JSONL, func(t *testing.T, u, p string) { editLine(t, u, 6, `\}$`, "") },
			[]string{"usage.jsonl", "malformed JSON"}},
		{"price list given as usage", billing.CSV, func(t *testing.T, u, p string) {
			raw, _ := os.ReadFile(p)
			os.WriteFile(u, raw, 0o644)
		}, []string{"usage.csv: this is a list prices export, not a usage export"}},
		{"missing key in JSON Lines", billing.JSONL, func(t *testing.T, u, p string) {
			raw, _ := os.ReadFile(u)
			os.WriteFile(u, regexp.MustCompile(`"usage_unit":"[^"]*",`).ReplaceAll(raw, nil), 0o644)
		}, []string{"usage.jsonl: missing column usage_unit"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, p := writeExport(t, e, t.TempDir(), tc.format, usage, trapPrices())
			tc.break_(t, u, p)
			res, err := e.Attribute(t.Context(), Input{Usage: []string{u}, ListPrices: []string{p}, TagValues: trapTags})
			if err == nil {
				t.Fatalf("no error; read %d rows", res.Rows)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("error spans lines: %q", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q\ndoes not contain %q", msg, w)
				}
			}
		})
	}
}

func truncateAfter(t *testing.T, path string, lines int) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	kept := strings.SplitAfterN(string(raw), "\n", lines+1)[:lines]
	if err := os.WriteFile(path, []byte(strings.Join(kept, "")), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBadPaths(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no such file", []string{filepath.Join(dir, "nope.csv")}, "no such file"},
		{"glob without match", []string{filepath.Join(dir, "*.parquet")}, "no files match"},
		{"unknown type", []string{filepath.Join(dir, "notes.txt")}, "unknown file type"},
		{"directory without exports", []string{dir}, "holds no .csv"},
		{"nothing given", nil, "no usage files given"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := expand("usage", tc.args)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("expand(%v) = %v, want error containing %q", tc.args, err, tc.want)
			}
		})
	}
}

func TestDirectoriesGlobsAndMixedFormats(t *testing.T) {
	e, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	usage := trapUsage(300)
	dir := t.TempDir()
	// Three parts in three formats, with columns in another order in one.
	parts := [][]billing.UsageRecord{usage[:100], usage[100:200], usage[200:]}
	for i, format := range []billing.Format{billing.CSV, billing.JSONL, billing.Parquet} {
		sub := filepath.Join(dir, "part"+string(rune('a'+i)))
		os.MkdirAll(sub, 0o755)
		writeExport(t, e, sub, format, parts[i], trapPrices())
	}
	reorder(t, filepath.Join(dir, "parta", "usage.csv"))
	prices := filepath.Join(dir, "parta", "list_prices.csv")
	for _, p := range []string{filepath.Join(dir, "partb", "list_prices.jsonl"), filepath.Join(dir, "partc", "list_prices.parquet")} {
		os.Remove(p)
	}
	want, err := reference(t, usage, trapPrices(), trapTags).Facts()
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.Attribute(t.Context(), Input{
		Usage:      []string{filepath.Join(dir, "parta", "usage.csv"), filepath.Join(dir, "partb"), filepath.Join(dir, "part[c]", "*.parquet")},
		ListPrices: []string{prices},
		TagValues:  trapTags,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != int64(len(usage)) {
		t.Errorf("rows = %d, want %d", res.Rows, len(usage))
	}
	compareTotals(t, res.Facts.Months, want)
}

// reorder reverses the column order of a CSV file.
func reorder(t *testing.T, path string) {
	t.Helper()
	raw, _ := os.ReadFile(path)
	records, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range records {
		slices.Reverse(r)
	}
	var buf bytes.Buffer
	csv.NewWriter(&buf).WriteAll(records)
	os.WriteFile(path, buf.Bytes(), 0o644)
}
