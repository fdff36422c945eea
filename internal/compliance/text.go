package compliance

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// WriteJSON writes the report as one indented JSON object (the schema is
// in the package comment).
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write compliance report: %w", err)
	}
	return nil
}

// TableWidth is the width, in columns, WriteTable keeps its lines to: a
// 100-column terminal shows the report without wrapping or sideways
// scrolling. It is fixed, not read from the terminal, so the output is the
// same in a pipe, a CI log and a terminal.
const TableWidth = 100

// WriteTable writes the report for a terminal, in lines of at most
// TableWidth columns (runes): each non-compliant resource as a block (kind,
// name and id; category and owner; each rule it breaks with the
// explanation; its link), then the counts, the tagged spend and the
// results of the audit log and the agent trail. Longer text wraps at spaces onto indented continuation lines, and
// a word longer than a line is broken, except a link: it stands whole on
// its own line, so a terminal can still open it, even when a long
// workspace host makes it wider than TableWidth.
func WriteTable(w io.Writer, r *Report) error {
	var b strings.Builder
	line := func(text, first, rest string) {
		for _, l := range wrap(text, TableWidth, first, rest) {
			b.WriteString(l + "\n")
		}
	}
	line(fmt.Sprintf("Compliance of %s, checked %s", clean(r.Workspace), r.CheckedAt.UTC().Format("2006-01-02 15:04 MST")), "", "  ")
	b.WriteString("\n")
	resources := r.NonCompliant()
	if len(resources) == 0 {
		b.WriteString("No findings: every resource complies.\n\n")
	}
	for _, res := range resources {
		line(fmt.Sprintf("%s %s (id %s)", res.Kind, cell(res.Name), cell(res.ID)), "", "    ")
		line(fmt.Sprintf("category %s, owner %s", cell(res.Category), cell(res.Owner)), "  ", "    ")
		ruleWidth := 0
		for _, f := range res.Findings {
			ruleWidth = max(ruleWidth, utf8.RuneCountInString(string(f.Rule)))
		}
		hang := strings.Repeat(" ", 2+ruleWidth+2)
		for _, f := range res.Findings {
			rule := string(f.Rule)
			line(cell(f.Explanation), "  "+rule+strings.Repeat(" ", ruleWidth-utf8.RuneCountInString(rule)+2), hang)
		}
		b.WriteString("  " + cell(res.Link) + "\n\n")
	}
	verdict := "meeting"
	if !r.Passed {
		verdict = "below"
	}
	c := r.Resources
	line(fmt.Sprintf("Resources: %d of %d comply (%s), %s the %s target.", c.Compliant, c.Total, pct(c.CompliancePct), verdict, target(r.MinCompliancePct)), "", "  ")
	kinds := make([]string, 0, len(r.ByKind))
	for _, k := range r.ByKind {
		kinds = append(kinds, fmt.Sprintf("%ss %d of %d", k.Kind, k.Compliant, k.Total))
	}
	line(strings.Join(kinds, ", "), "  ", "    ")
	if s := r.TaggedSpend; s != nil {
		share := "no spend"
		if s.AttributedPct != nil {
			share = pct(*s.AttributedPct)
		}
		line(fmt.Sprintf("Spend correctly tagged in %s (%s source): %s, %s of %s; %s unattributed.",
			s.Month.Format("January 2006"), s.Source, share, s.Attributed.USD(), s.Total.USD(), s.Unattributed.USD()), "", "  ")
		if n := r.count(RuleWrongBudgetPolicy); n > 0 {
			line(fmt.Sprintf("Serverless spend on the wrong budget policy in %s: %s (%d %s).",
				s.Month.Format("January 2006"), s.Misattributed.USD(), n, plural(n, "job or pipeline", "jobs and pipelines")), "", "  ")
		}
	}
	for _, c := range []struct {
		a          *Audit
		what, none string
	}{
		{r.Audit, "Audit log", "no setup --apply has changed anything"},
		{r.Trail, "Agent trail", "no function or agent run has decided anything"},
	} {
		a := c.a
		if a == nil {
			continue
		}
		var text string
		switch {
		case !a.OK:
			text = c.what + " does not verify: " + clean(a.Error)
		case a.Entries == 0:
			text = fmt.Sprintf("%s %s: no entries yet (%s).", c.what, clean(a.Log), c.none)
		default:
			text = fmt.Sprintf("%s %s: %d entries, head %s, verified", c.what, clean(a.Log), a.Entries, a.Head)
			if a.ExpectedHead != "" {
				text += fmt.Sprintf("; %d after the expected head", a.SinceExpected)
			}
			text += "."
		}
		line(text, "", "  ")
		for _, oi := range a.OpenIntents {
			line(fmt.Sprintf("Open intent (entry %d, %s): %s %s %s was begun and no result logged; the next setup reads it back.",
				oi.Seq, oi.Time.UTC().Format(time.RFC3339), oi.Action, strings.ReplaceAll(oi.Kind, "_", " "), oi.Key), "  ", "    ")
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write compliance report: %w", err)
	}
	return nil
}

// wrap breaks text into lines of at most width runes, the first starting
// with first and the others with rest. It breaks at spaces (a run of
// spaces inside a line is kept, so a name reads as it is; at a break the
// spaces go), and breaks a word longer than a whole line where it starts.
func wrap(text string, width int, first, rest string) []string {
	var lines []string
	line, cols, empty := first, utf8.RuneCountInString(first), true
	flush := func() {
		lines = append(lines, strings.TrimRight(line, " "))
		line, cols, empty = rest, utf8.RuneCountInString(rest), true
	}
	for _, word := range strings.Split(text, " ") {
		n := utf8.RuneCountInString(word)
		// A word goes whole onto the next line; one that fits no line whole
		// is broken from here on, if a rune of it fits after the space.
		if !empty && cols+1+n > width && (utf8.RuneCountInString(rest)+n <= width || cols+1 >= width) {
			flush()
		}
		if empty && n == 0 {
			continue // spaces at the start of a line
		}
		if !empty {
			line, cols = line+" ", cols+1
		}
		for cols+n > width && cols < width {
			runes := []rune(word)
			fit := width - cols
			line += string(runes[:fit])
			word, n = string(runes[fit:]), n-fit
			cols = width
			flush()
		}
		line, cols, empty = line+word, cols+n, false
	}
	if !empty || len(lines) == 0 {
		lines = append(lines, strings.TrimRight(line, " "))
	}
	return lines
}

// count is how many findings break rule.
func (r Report) count(rule Rule) int {
	n := 0
	for _, f := range r.Findings {
		if f.Rule == rule {
			n++
		}
	}
	return n
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// pct formats a percentage as the table shows it: "58.3 %".
func pct(p float64) string {
	return strconv.FormatFloat(p, 'f', 1, 64) + " %"
}

// target formats the --min-compliance target as given: "100 %", "99.5 %".
func target(p float64) string {
	return strconv.FormatFloat(p, 'f', -1, 64) + " %"
}

// cell makes a value from the workspace safe for one table cell: no tabs
// or line breaks to break the columns, no control characters to drive the
// terminal, and "-" for an empty value so the columns stay readable.
func cell(s string) string {
	s = clean(s)
	if s == "" {
		return "-"
	}
	return s
}

// clean replaces control characters (tabs, line breaks, escapes) by spaces.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}
