package duckdb

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/novadynamics/stellar-budget/internal/billing"
)

// checkUsageCSV runs one usage CSV text through the whole reader: whatever
// the input, Attribute either reads records or fails with one line that
// names the file; it never panics or returns facts with an error.
func checkUsageCSV(t *testing.T, e *Engine, prices, text string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "usage.csv")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := e.Attribute(t.Context(), Input{Usage: []string{path}, ListPrices: []string{prices}, TagValues: trapTags})
	if err != nil {
		if f := res.Facts; len(f.Months)+len(f.Days)+len(f.Detail)+len(res.Hourly) > 0 {
			t.Errorf("facts returned with error %v", err)
		}
		if !strings.Contains(err.Error(), path) {
			t.Errorf("error %q does not name %s", err, path)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("error spans lines: %q", err)
		}
		return
	}
	if res.Rows == 0 {
		t.Error("no error and no records")
	}
}

func seedExport(tb testing.TB, e *Engine) (usage, prices string) {
	tb.Helper()
	usagePath, prices := writeExport(tb, e, tb.TempDir(), billing.CSV, trapUsage(3), trapPrices())
	valid, err := os.ReadFile(usagePath)
	if err != nil {
		tb.Fatal(err)
	}
	return string(valid), prices
}

// FuzzUsageCSV: the seeds run with every go test. Under -fuzz each input
// costs a DuckDB query, so expect few executions a second.
func FuzzUsageCSV(f *testing.F) {
	e, err := Open(Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { e.Close() })
	valid, prices := seedExport(f, e)
	lines := strings.SplitAfter(valid, "\n")
	f.Add(valid)
	f.Add(lines[0])
	f.Add(lines[0] + strings.Replace(lines[1], ",DBU,", ",DBU,1e400", 1))
	f.Add(lines[0] + strings.Replace(lines[2], `{""`, `{`, 1))
	f.Add(lines[0] + lines[3] + "\"unterminated\n")
	f.Add("\ufeff" + valid)
	f.Fuzz(func(t *testing.T, text string) { checkUsageCSV(t, e, prices, text) })
}

// TestMutatedUsageCSV applies the fuzz property to a fixed set of random
// byte edits of a valid export, so CI covers more than the seeds.
func TestMutatedUsageCSV(t *testing.T) {
	e, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	valid, prices := seedExport(t, e)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100 {
		b := []byte(valid)
		for range 1 + rng.IntN(4) {
			p := rng.IntN(len(b))
			switch rng.IntN(3) {
			case 0:
				b[p] = byte(rng.IntN(256))
			case 1:
				b = append(b[:p:p], b[min(len(b), p+rng.IntN(20)):]...)
			default:
				b = append(b[:p:p], append([]byte{"\",\n{}"[rng.IntN(5)]}, b[p:]...)...)
			}
		}
		checkUsageCSV(t, e, prices, string(b))
	}
}
