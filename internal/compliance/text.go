package compliance

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"
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

// WriteTable writes the report for a terminal: one aligned row per
// finding, then the counts, the tagged spend and the audit result.
func WriteTable(w io.Writer, r *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Compliance of %s, checked %s\n\n", clean(r.Workspace), r.CheckedAt.UTC().Format("2006-01-02 15:04 MST"))
	if len(r.Findings) == 0 {
		b.WriteString("No findings: every resource complies.\n")
	} else {
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "KIND\tNAME\tID\tCATEGORY\tOWNER\tRULE\tEXPLANATION\tLINK")
		for _, f := range r.Findings {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", f.Kind, cell(f.Name), cell(f.ID), cell(f.Category),
				cell(f.Owner), f.Rule, cell(f.Explanation), cell(f.Link))
		}
		tw.Flush()
	}
	b.WriteString("\n")
	verdict := "meeting"
	if !r.Passed {
		verdict = "below"
	}
	c := r.Resources
	fmt.Fprintf(&b, "Resources: %d of %d comply (%s), %s the %s target.\n", c.Compliant, c.Total, pct(c.CompliancePct), verdict, target(r.MinCompliancePct))
	kinds := make([]string, 0, len(r.ByKind))
	for _, k := range r.ByKind {
		kinds = append(kinds, fmt.Sprintf("%ss %d of %d", k.Kind, k.Compliant, k.Total))
	}
	fmt.Fprintf(&b, "  %s\n", strings.Join(kinds, ", "))
	if s := r.TaggedSpend; s != nil {
		share := "no spend"
		if s.AttributedPct != nil {
			share = pct(*s.AttributedPct)
		}
		fmt.Fprintf(&b, "Spend correctly tagged in %s (%s source): %s, %s of %s; %s unattributed.\n",
			s.Month.Format("January 2006"), s.Source, share, s.Attributed.USD(), s.Total.USD(), s.Unattributed.USD())
	}
	if a := r.Audit; a != nil {
		switch {
		case !a.OK:
			fmt.Fprintf(&b, "Audit log does not verify: %s\n", clean(a.Error))
		case a.Entries == 0:
			fmt.Fprintf(&b, "Audit log %s: no entries yet (no setup --apply has changed anything).\n", clean(a.Log))
		default:
			fmt.Fprintf(&b, "Audit log %s: %d entries, head %s, verified", clean(a.Log), a.Entries, a.Head)
			if a.ExpectedHead != "" {
				fmt.Fprintf(&b, "; %d after the expected head", a.SinceExpected)
			}
			b.WriteString(".\n")
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write compliance report: %w", err)
	}
	return nil
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
