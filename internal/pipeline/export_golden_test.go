package pipeline

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/billing"
	"github.com/novadynamics/stellar-budget/internal/content"
	"github.com/novadynamics/stellar-budget/internal/duckdb"
)

// TestExportGolden pins every download and snapshot.json of a build from a
// generated Parquet export that ends partway through its last day, as real
// exports do. The golden files were written by the build that attributed
// usage at the full daily breakdown, before facts came at the grain each
// output needs: the grains must not move a cent. Rewrite with:
// go test ./internal/pipeline -run TestExportGolden -update
func TestExportGolden(t *testing.T) {
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
	cut := goldenAsOf.Add(9*time.Hour + 30*time.Minute)
	usage, prices, err := WriteDemo(t.Context(), e, DemoOptions{Division: div, AsOf: cut, Dir: dir, Format: billing.Parquet, Log: quietLog(), Rows: 40000})
	if err != nil {
		t.Fatal(err)
	}
	opts := options(filepath.Join(dir, "public"))
	opts.Source, opts.AsOf = FilesSource{Usage: []string{usage}, ListPrices: []string{prices}}, time.Time{}
	if _, err := Build(t.Context(), opts); err != nil {
		t.Fatal(err)
	}
	// The snapshot names the files read: where the test wrote them varies.
	assertGoldenTree(t, opts.OutDir, filepath.Join("testdata", "golden-export"), func(b []byte) []byte {
		return bytes.ReplaceAll(b, []byte(dir), []byte("EXPORT"))
	})
}

// assertGoldenTree compares every CSV download and data/snapshot.json
// under out with the same files under golden (or rewrites them with
// -update), after clean, and checks that golden holds no file the build
// did not write.
func assertGoldenTree(t *testing.T, out, golden string, clean func([]byte) []byte) {
	t.Helper()
	var names []string
	for _, root := range []string{"downloads", "data"} {
		err := filepath.WalkDir(filepath.Join(out, root), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".csv") || strings.HasSuffix(p, ".json")) {
				return err
			}
			rel, err := filepath.Rel(out, p)
			names = append(names, rel)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(names) < 10 {
		t.Fatalf("only %d downloads under %s: %v", len(names), out, names)
	}
	for _, name := range names {
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		got = clean(got)
		want := filepath.Join(golden, name)
		if *update {
			if err := os.MkdirAll(filepath.Dir(want), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(want, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		w, err := os.ReadFile(want)
		if err != nil {
			t.Fatalf("%v (run with -update to create)", err)
		}
		if !bytes.Equal(got, w) {
			t.Errorf("%s differs from %s; review with -update and git diff", name, want)
		}
	}
	err := filepath.WalkDir(golden, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(golden, p)
		if _, err := os.Stat(filepath.Join(out, rel)); err != nil {
			t.Errorf("golden %s: the build wrote no such file", rel)
		}
		return nil
	})
	if err != nil && !*update {
		t.Fatal(err)
	}
}
