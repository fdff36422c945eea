package sitetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/novadynamics/stellar-budget/internal/snapshot"
)

// poppler runs one of poppler-utils' tools on a PDF.
func poppler(t *testing.T, tool string, args ...string) string {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err != nil {
		t.Fatalf("%s not found: install poppler-utils (sudo apt-get install -y poppler-utils; bash .ci/run does)", tool)
	}
	out, err := exec.Command(path, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func readTotals(t *testing.T, siteDir string) snapshot.Totals {
	t.Helper()
	snap, err := snapshot.ReadFile(filepath.Join(siteDir, filepath.FromSlash(snapshot.Path)))
	if err != nil {
		t.Fatal(err)
	}
	return snap.Totals
}

// grouped writes a decimal string with thousands separators, as the pages
// show money: "38422.81" -> "38,422.81".
func grouped(d string) string {
	whole, frac, _ := strings.Cut(d, ".")
	neg := strings.HasPrefix(whole, "-")
	whole = strings.TrimPrefix(whole, "-")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	s := b.String()
	if frac != "" {
		s += "." + frac
	}
	if neg {
		s = "-" + s
	}
	return s
}

var pagesLine = regexp.MustCompile(`(?m)^Pages:\s+(\d+)$`)

// checkPDF asserts that pdf is a PDF of at least one page whose text holds
// the month-to-date and budget totals.
func checkPDF(t *testing.T, pdf string, totals snapshot.Totals) {
	t.Helper()
	info := poppler(t, "pdfinfo", pdf)
	m := pagesLine.FindStringSubmatch(info)
	if m == nil {
		t.Fatalf("pdfinfo %s shows no page count:\n%s", pdf, info)
	}
	pages, _ := strconv.Atoi(m[1])
	if pages < 1 {
		t.Errorf("%s has %d pages", pdf, pages)
	}
	text := poppler(t, "pdftotext", "-layout", pdf, "-")
	for what, amount := range map[string]string{"month to date": string(totals.MonthToDate), "budget": string(totals.Budget)} {
		if want := grouped(amount); !strings.Contains(text, want) {
			t.Errorf("%s: the text has no %s total %s", pdf, what, want)
		}
	}
	t.Logf("%s: %d page(s), %d characters of text", pdf, pages, len(text))
}

// TestReportPDF reads the leadership report's PDF that the build printed
// (build --pdf, headless Chromium) back with poppler-utils: it has pages,
// the totals and every category's section. It is kept as a test artefact.
func TestReportPDF(t *testing.T) {
	s := demoSite(t)
	totals := readTotals(t, s.dir)
	built := filepath.Join(s.dir, "report", "report.pdf")
	if !fileExists(built) {
		t.Fatalf("build --pdf wrote no %s", built)
	}
	checkPDF(t, built, totals)
	text := poppler(t, "pdftotext", built, "-")
	for _, title := range categoryTitles(t, s.dir) {
		if !strings.Contains(text, title) {
			t.Errorf("report.pdf has no section for %q", title)
		}
	}
	raw, err := os.ReadFile(built)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(artifactDir(t), "report.pdf")
	if err := os.WriteFile(out, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("report.pdf kept as %s", out)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestGrouped(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"small", "5.10", "5.10"},
		{"thousands", "38422.81", "38,422.81"},
		{"exact thousands", "59000.00", "59,000.00"},
		{"millions", "1234567.00", "1,234,567.00"},
		{"negative", "-1234.50", "-1,234.50"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := grouped(tc.in); got != tc.want {
				t.Errorf("grouped(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// categoryTitles lists the categories' titles from data/snapshot.json.
func categoryTitles(t *testing.T, siteDir string) []string {
	t.Helper()
	var titles []string
	for _, c := range boardCategories(t, siteDir) {
		titles = append(titles, c.Title)
	}
	return titles
}
