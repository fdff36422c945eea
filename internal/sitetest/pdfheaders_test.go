package sitetest

import (
	"encoding/xml"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Issue 11, part 7: the report's PDF keeps every column. The 13-month table
// lost its last two columns off the right edge of the page while the HTML
// had all nine; a category's name elsewhere on the page hid the loss from
// a search of the PDF's text. So the headers are found where a table puts
// them: the column headers of one table in one row of one page, in their
// order, each the words of its cell, on one line or wrapped onto more.

// printedTablesJS lists, in print media, every printed table with its
// column headers (th in thead) and row headers (th in tbody and tfoot).
const printedTablesJS = `Array.from(document.querySelectorAll('table'))
  .filter(t => t.getClientRects().length > 0)
  .map((t, i) => ({
    name: (t.caption ? t.caption.textContent : 'table ' + (i + 1)).replace(/\s+/g, ' ').trim(),
    columns: Array.from(t.querySelectorAll(':scope > thead > tr > th'), th => th.textContent),
    rows: Array.from(t.querySelectorAll(':scope > tbody > tr > th, :scope > tfoot > tr > th'), th => th.textContent),
  }))`

type printedTable struct {
	Name    string   `json:"name"`
	Columns []string `json:"columns"`
	Rows    []string `json:"rows"`
}

// pdfWord is one word of a PDF page as pdftotext -bbox-layout gives it, in
// points from the page's top left corner.
type pdfWord struct {
	Page                   int
	XMin, YMin, XMax, YMax float64
	Text                   string
}

func (w pdfWord) height() float64 { return w.YMax - w.YMin }

// pdfWords reads the words of every page of a PDF.
func pdfWords(t *testing.T, pdf string) []pdfWord {
	t.Helper()
	out := poppler(t, "pdftotext", "-bbox-layout", pdf, "-")
	var doc struct {
		Pages []struct {
			Words []struct {
				XMin float64 `xml:"xMin,attr"`
				YMin float64 `xml:"yMin,attr"`
				XMax float64 `xml:"xMax,attr"`
				YMax float64 `xml:"yMax,attr"`
				Text string  `xml:",chardata"`
			} `xml:"flow>block>line>word"`
		} `xml:"body>doc>page"`
	}
	d := xml.NewDecoder(strings.NewReader(out))
	d.Strict = false
	d.Entity = xml.HTMLEntity
	if err := d.Decode(&doc); err != nil {
		t.Fatalf("pdftotext -bbox-layout %s: %v", pdf, err)
	}
	var words []pdfWord
	for i, p := range doc.Pages {
		for _, w := range p.Words {
			words = append(words, pdfWord{Page: i + 1, XMin: w.XMin, YMin: w.YMin, XMax: w.XMax, YMax: w.YMax, Text: normalizeText(w.Text)})
		}
	}
	return words
}

// normalizeText makes a header's text and a PDF's words comparable: no
// soft hyphens or ligature glyphs, no-break spaces as spaces.
var normalizeText = strings.NewReplacer(
	"\u00ad", "", "\u00a0", " ", "\u202f", " ", "\u2009", " ",
	"ﬀ", "ff", "ﬁ", "fi", "ﬂ", "fl", "ﬃ", "ffi", "ﬄ", "ffl",
).Replace

// occurrence is where a phrase was found: the box around its words.
type occurrence struct {
	page                     int
	top, bottom, left, right float64
}

// findPhrase finds every place the words of phrase are printed in order,
// each after the one before it on the same line, or on one of the next
// lines within the same column (a header cell wrapped onto more lines). A
// word broken at a line end by a hyphen counts as whole. Spaces do not
// count, so "$1,234" printed as "$" "1,234" matches too.
func findPhrase(words []pdfWord, phrase string) []occurrence {
	target := strings.Join(strings.Fields(normalizeText(phrase)), "")
	if target == "" {
		return nil
	}
	var found []occurrence
	// extend tries to match the rest of target after word i; matched is
	// what the words so far spell.
	var extend func(i int, matched string, o occurrence) bool
	extend = func(i int, matched string, o occurrence) bool {
		if matched == target {
			found = append(found, o)
			return true
		}
		prev := words[i]
		h := prev.height()
		for j := range words {
			w := words[j]
			if w.Page != prev.Page || j == i {
				continue
			}
			sameLine := math.Abs(w.YMin-prev.YMin) < h/2 && w.XMin >= prev.XMax-h/4 && w.XMin-prev.XMax < 1.5*h
			nextLine := w.YMin-prev.YMin >= h/2 && w.YMin-prev.YMin < 2.5*h &&
				w.XMax > o.left-h && w.XMin < o.right+h
			if !sameLine && !nextLine {
				continue
			}
			before := matched
			if nextLine && strings.HasSuffix(before, "-") && !strings.HasPrefix(target[len(before)-1:], "-") {
				before = strings.TrimSuffix(before, "-") // a hyphen at a line's end
			}
			next := before + w.Text
			if !strings.HasPrefix(target, next) && !(strings.HasSuffix(next, "-") && strings.HasPrefix(target, strings.TrimSuffix(next, "-"))) {
				continue
			}
			if extend(j, next, occurrence{page: o.page, top: o.top, bottom: math.Max(o.bottom, w.YMax), left: math.Min(o.left, w.XMin), right: math.Max(o.right, w.XMax)}) {
				return true
			}
		}
		return false
	}
	for i, w := range words {
		if strings.HasPrefix(target, w.Text) || (strings.HasSuffix(w.Text, "-") && strings.HasPrefix(target, strings.TrimSuffix(w.Text, "-"))) {
			extend(i, w.Text, occurrence{page: w.Page, top: w.YMin, bottom: w.YMax, left: w.XMin, right: w.XMax})
		}
	}
	return found
}

// headerRow looks for the column headers of one table printed as a row:
// on one page, crossed by one horizontal line (a row's cells share its
// height, whether they align at the top or the bottom and however many
// lines each wraps onto), and in their order from left to right. It
// returns the headers the best such row lacks, and its page.
func headerRow(words []pdfWord, headers []string) (missing []string, page int) {
	type placed struct {
		header int
		o      occurrence
	}
	var all []placed
	for i, h := range headers {
		for _, o := range findPhrase(words, h) {
			all = append(all, placed{i, o})
		}
	}
	var best []int // header indexes of the best row
	for _, line := range all {
		for _, y := range []float64{line.o.top + 1, line.o.bottom - 1} {
			var on []placed
			for _, p := range all {
				if p.o.page == line.o.page && p.o.top <= y && y <= p.o.bottom {
					on = append(on, p)
				}
			}
			sort.Slice(on, func(a, b int) bool { return on[a].o.left < on[b].o.left })
			// The longest run of headers in their order from left to
			// right (longest increasing subsequence of header index).
			n := len(on)
			length, prev := make([]int, n), make([]int, n)
			end := -1
			for i := range on {
				length[i], prev[i] = 1, -1
				for j := range i {
					if on[j].header < on[i].header && on[j].o.right <= on[i].o.left+1 && length[j]+1 > length[i] {
						length[i], prev[i] = length[j]+1, j
					}
				}
				if end < 0 || length[i] > length[end] {
					end = i
				}
			}
			if end >= 0 && length[end] > len(best) {
				best = best[:0]
				for i := end; i >= 0; i = prev[i] {
					best = append(best, on[i].header)
				}
				page = line.o.page
			}
		}
	}
	in := map[int]bool{}
	for _, i := range best {
		in[i] = true
	}
	for i, h := range headers {
		if !in[i] {
			missing = append(missing, h)
		}
	}
	return missing, page
}

// TestReportPDFHeaders reads the header cells of every table of the report
// page from its DOM (in print media, so exactly the tables that print) and
// finds each in the report's PDF (report.pdf, printed by the build): the
// column headers of a table in one row (see headerRow), every row header
// somewhere.
func TestReportPDFHeaders(t *testing.T) {
	s := demoSite(t)
	pdf := filepath.Join(s.dir, "report", "report.pdf")
	if !fileExists(pdf) {
		t.Fatalf("build --pdf wrote no %s", pdf)
	}
	words := pdfWords(t, pdf)
	if len(words) == 0 {
		t.Fatalf("%s has no text", pdf)
	}
	p := openLayout(t, s.url("report/index.html"), layoutModes[2])
	tables := eval[[]printedTable](t, p, printedTablesJS)
	p.close(t)
	if len(tables) < 3 {
		t.Fatalf("the report page prints %d tables; want the categories, the 13 months, the comparison and more", len(tables))
	}
	headers := 0
	for _, tb := range tables {
		headers += len(tb.Columns) + len(tb.Rows)
		if len(tb.Columns) > 0 {
			missing, page := headerRow(words, tb.Columns)
			for _, h := range missing {
				t.Errorf("table %q: the PDF has no column header %q in the row of the others (page %d); the column was cut off or lost", tb.Name, strings.TrimSpace(h), page)
			}
		}
		for _, h := range tb.Rows {
			if len(findPhrase(words, h)) == 0 {
				t.Errorf("table %q: the PDF has no row header %q", tb.Name, strings.TrimSpace(h))
			}
		}
	}
	t.Logf("%d tables, %d header cells, all in %s (%d words)", len(tables), headers, pdf, len(words))
}

// TestFindPhrase checks the matching on words laid out as a printed table
// would have them, including a header cut off the page.
func TestFindPhrase(t *testing.T) {
	// A header row: a cell wrapped onto two lines, one on one line
	// (aligned at the bottom), one hyphenated at a line end. Then, on the
	// next page, a sentence and a column of row names, as another table
	// lists the same names: one under the other, not a row.
	words := []pdfWord{
		{1, 100, 100, 130, 108, "Deep"}, {1, 133, 100, 160, 108, "Space"},
		{1, 110, 110, 160, 118, "Telemetry"},
		{1, 200, 110, 240, 118, "Budget"},
		{1, 300, 100, 340, 108, "Propul-"}, {1, 300, 110, 330, 118, "sion"},
		{2, 50, 300, 70, 308, "Month"}, {2, 73, 300, 83, 308, "to"}, {2, 86, 300, 106, 308, "date"},
		{2, 50, 400, 70, 408, "Deep"}, {2, 73, 400, 93, 408, "Space"}, {2, 96, 400, 130, 408, "Telemetry"},
		{2, 50, 413, 70, 421, "Budget"},
		{2, 50, 426, 90, 434, "Propulsion"},
		{2, 50, 439, 90, 447, "Unattributed"},
	}
	tests := []struct {
		name   string
		phrase string
		want   int
	}{
		{"wrapped cell", "Deep Space\n Telemetry", 2},
		{"one word", "Budget", 2},
		{"hyphenated at a line end", "Propulsion", 2},
		{"one line", "Month to date", 1},
		{"words not in one cell", "Telemetry Budget Propulsion Month", 0},
		{"absent", "Orbital", 0},
		{"a different page", "Budget to date", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := findPhrase(words, tc.phrase); len(got) != tc.want {
				t.Errorf("findPhrase(%q) found %d: %v, want %d", tc.phrase, len(got), got, tc.want)
			}
		})
	}
	rows := []struct {
		name    string
		headers []string
		missing string
		page    int
	}{
		{"the row", []string{"Deep Space Telemetry", "Budget", "Propulsion"}, "[]", 1},
		// As the 13-month table lost its last columns: the names are on
		// the page, but in a column of another table, not in the row.
		{"a cut column", []string{"Deep Space Telemetry", "Budget", "Propulsion", "Unattributed"}, "[Unattributed]", 1},
		{"out of order", []string{"Budget", "Deep Space Telemetry", "Propulsion"}, "[Budget]", 1},
		{"headers on two pages", []string{"Budget", "Month to date"}, "[Month to date]", 1},
	}
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			missing, page := headerRow(words, tc.headers)
			if fmt.Sprint(missing) != tc.missing || page != tc.page {
				t.Errorf("headerRow(%q) = %q on page %d, want %s on page %d", tc.headers, missing, page, tc.missing, tc.page)
			}
		})
	}
}
