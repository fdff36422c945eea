package pipeline

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/billing"
	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/duckdb"
	sitetemplates "github.com/novadynamics/stellar-budget/site-templates"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var (
	goldenAsOf = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	// The build runs the morning after the as-of date: the demo account
	// has no usage after the build's clock.
	goldenNow = time.Date(2026, 11, 24, 6, 30, 0, 0, time.UTC)
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)) }

func options(out string) BuildOptions {
	return BuildOptions{
		Source:     DemoSource{},
		ContentDir: "../../content",
		Templates:  sitetemplates.FS,
		OutDir:     out,
		AsOf:       goldenAsOf,
		Now:        goldenNow,
		Log:        quietLog(),
	}
}

// TestDemoGolden pins every CSV download and snapshot.json of the demo
// account at a fixed as-of date. Rewrite with: go test ./internal/pipeline -update
func TestDemoGolden(t *testing.T) {
	out := filepath.Join(t.TempDir(), "public")
	sum, err := Build(t.Context(), options(out))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Categories != 7 || sum.Rows == 0 {
		t.Errorf("summary = %+v", sum)
	}
	assertGoldenTree(t, out, filepath.Join("testdata", "golden"), func(b []byte) []byte { return b })
}

// TestDemoIsDeterministic builds twice and compares every file.
func TestDemoIsDeterministic(t *testing.T) {
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	for _, out := range []string{a, b} {
		if _, err := Build(t.Context(), options(out)); err != nil {
			t.Fatal(err)
		}
	}
	err := filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(a, p)
		x, _ := os.ReadFile(p)
		y, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two builds", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// mustWriteDemo writes a small demo export for one category and appends
// usage whose tags and workload ids try HTML, script and CSV formula
// injection.
func mustWriteDemo(t *testing.T, e *duckdb.Engine, div budget.Division, dir string) (string, string) {
	t.Helper()
	usage, prices, err := WriteDemo(t.Context(), e, DemoOptions{Division: div, AsOf: goldenAsOf, Dir: dir, Format: billing.CSV, Log: quietLog(), Rows: 2000})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(usage, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	hostile := []map[string]string{
		{"OperationalCategory": "DEEP_SPACE_TELEMETRY", "Owner": `<script>alert("owner")</script>`},
		{"OperationalCategory": `"><img src=x onerror=alert(1)>`, "Owner": "+SUM(A1:A9)"},
		{"OperationalCategory": `=HYPERLINK("http://evil.test","click")`, "Owner": "@cmd|' /C calc'!A0"},
		{"OperationalCategory": "DEEP_SPACE_TELEMETRY", "Owner": "-2+3"},
	}
	var buf bytes.Buffer
	cw, err := billing.NewUsageWriter(&buf, billing.CSV)
	if err != nil {
		t.Fatal(err)
	}
	workloads := []billing.UsageMetadata{
		{JobID: `<script>alert("job")</script>`},
		{WarehouseID: "=WAREHOUSE()"},
		{ClusterID: "@cluster"},
		{EndpointName: `"><img src=x onerror=alert("endpoint")>`},
	}
	end := goldenAsOf.Add(10 * time.Hour)
	for i, tags := range hostile {
		err := cw.Write(billing.UsageRecord{
			RecordID: "hostile-" + string(rune('a'+i)), AccountID: "a", WorkspaceID: "1", SKUName: "PREMIUM_JOBS_COMPUTE",
			Cloud: "AWS", UsageStart: end.Add(-time.Hour), UsageEnd: end, UsageDate: goldenAsOf, CustomTags: tags,
			Metadata:  workloads[i],
			UsageUnit: "DBU", UsageQuantity: budget.MustDecimal("100"), RecordType: billing.RecordOriginal,
			IngestionDate: goldenAsOf, OriginProduct: "JOBS", UsageType: "COMPUTE_TIME",
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	cw.Close()
	_, body, _ := strings.Cut(buf.String(), "\n") // drop the second header
	if _, err := f.WriteString(body); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return usage, prices
}

func TestHostileTagValuesThroughTheWholeBuild(t *testing.T) {
	dir := t.TempDir()
	e, err := duckdb.Open(duckdb.Options{Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	usage, prices := mustWriteDemo(t, e, budget.Division{Categories: []budget.Category{{TagValue: "DEEP_SPACE_TELEMETRY"}}}, dir)
	out := filepath.Join(dir, "public")
	opts := options(out)
	opts.Source, opts.AsOf = FilesSource{Usage: []string{usage}, ListPrices: []string{prices}}, time.Time{}
	if _, err := Build(t.Context(), opts); err != nil {
		t.Fatal(err)
	}
	var pages, csvs strings.Builder
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		switch filepath.Ext(p) {
		case ".html":
			pages.Write(b)
		case ".csv":
			csvs.Write(b)
		}
		return nil
	})
	for _, bad := range []string{`<script>alert("owner")`, `<img src=x`, `=HYPERLINK("http://evil.test"`, `<script>alert("job")`} {
		if strings.Contains(pages.String(), bad) {
			t.Errorf("pages contain raw %q", bad)
		}
	}
	for _, escaped := range []string{`&lt;script&gt;alert(&#34;owner&#34;)&lt;/script&gt;`, `&#34;&gt;&lt;img src=x onerror=alert(1)&gt;`, `=HYPERLINK(&#34;http://evil.test&#34;,&#34;click&#34;)`,
		`<code>&lt;script&gt;alert(&#34;job&#34;)&lt;/script&gt;</code>`} {
		if !strings.Contains(pages.String(), escaped) {
			t.Errorf("pages lack the escaped text %q", escaped)
		}
	}
	for _, guarded := range []string{`'+SUM(A1:A9)`, `'@cmd|`, `'-2+3`, `'=WAREHOUSE()`, `'@cluster`} {
		if !strings.Contains(csvs.String(), guarded) {
			t.Errorf("CSVs lack the guarded cell %q", guarded)
		}
	}
	for _, line := range strings.Split(csvs.String(), "\n") {
		for _, cell := range strings.Split(line, ",") {
			cell = strings.Trim(cell, `"`)
			if strings.HasPrefix(cell, "=") || strings.HasPrefix(cell, "+") || strings.HasPrefix(cell, "@") {
				t.Errorf("unguarded formula cell %q in line %q", cell, line)
			}
		}
	}
}

// TestBadInputLeavesPublishedSiteAlone: every way a build can fail keeps
// the last good site byte for byte.
func TestBadInputLeavesPublishedSiteAlone(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "public")
	if _, err := Build(t.Context(), options(out)); err != nil {
		t.Fatal(err)
	}
	before := snapshotTree(t, out)

	e, err := duckdb.Open(duckdb.Options{Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	usage, prices := mustWriteDemo(t, e, budget.Division{Categories: []budget.Category{{TagValue: "DEEP_SPACE_TELEMETRY"}}}, dir)
	raw, _ := os.ReadFile(usage)
	lines := strings.Split(string(raw), "\n")

	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(text), 0o644)
		return p
	}
	badQuantity := append([]string{}, lines...)
	badQuantity[5] = strings.Replace(badQuantity[5], ",DBU,", ",DBU,12.5x", 1)
	badTime := append([]string{}, lines...)
	ts := regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`)
	stamps := ts.FindAllStringIndex(badTime[7], -1) // usage_start_time, usage_end_time
	badTime[7] = badTime[7][:stamps[1][0]] + "2026-13-01T00:00:00Z" + badTime[7][stamps[1][1]:]
	// The first line from the 10th on that has custom tags (the demo has
	// usage without any): its first JSON object is custom_tags.
	tagged := 9 + slices.IndexFunc(lines[9:], func(l string) bool { return strings.Contains(l, `"{""CostCenter""`) })
	badJSON := append([]string{}, lines...)
	badJSON[tagged] = strings.Replace(badJSON[tagged], `{""`, `{`, 1)
	noQty := append([]string{strings.Replace(lines[0], "usage_quantity", "usage_qty", 1)}, lines[1:]...)

	tests := []struct {
		name  string
		usage string
		want  string
	}{
		{"missing column", write("nocol.csv", strings.Join(noQty, "\n")), "missing column usage_quantity"},
		{"bad number", write("badnum.csv", strings.Join(badQuantity, "\n")), "line 6: usage_quantity"},
		{"bad timestamp", write("badtime.csv", strings.Join(badTime, "\n")), `line 8: usage_end_time "2026-13-01T00:00:00Z" is not a timestamp`},
		{"broken tag JSON", write("badjson.csv", strings.Join(badJSON, "\n")), fmt.Sprintf("line %d: custom_tags is not valid JSON", tagged+1)},
		{"empty file", write("empty.csv", ""), "file is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := options(out)
			opts.Source = FilesSource{Usage: []string{tc.usage}, ListPrices: []string{prices}}
			_, err := Build(context.Background(), opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), filepath.Base(tc.usage)) {
				t.Errorf("error %q does not name the file", err)
			}
			after := snapshotTree(t, out)
			if len(after) != len(before) {
				t.Fatalf("published site changed: %d files, was %d", len(after), len(before))
			}
			for name, b := range before {
				if !bytes.Equal(after[name], b) {
					t.Errorf("%s changed", name)
				}
			}
			leftovers, _ := filepath.Glob(filepath.Join(dir, ".public*"))
			if len(leftovers) > 0 {
				t.Errorf("staging left behind: %v", leftovers)
			}
		})
	}
}

func snapshotTree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		files[p] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestPDFWithoutChromium: --pdf with no browser fails at once with how to
// get one, and publishes nothing.
func TestPDFWithoutChromium(t *testing.T) {
	out := filepath.Join(t.TempDir(), "public")
	opts := options(out)
	opts.PDF, opts.Chromium = true, filepath.Join(t.TempDir(), "no-chromium")
	_, err := Build(t.Context(), opts)
	if err == nil || !strings.Contains(err.Error(), "apt-get install -y chromium") {
		t.Fatalf("error = %v, want one saying how to install Chromium", err)
	}
	if _, statErr := os.Stat(out); !os.IsNotExist(statErr) {
		t.Errorf("%s exists after a failed build", out)
	}
}
