package site

import (
	"strings"
	"testing"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

func TestNarrativePlaceholders(t *testing.T) {
	r := testReport(t)
	alpha := &r.Categories[0]
	tests := []struct {
		name     string
		markdown string
		current  bool // render on alpha's page
		want     string
		wantErr  string
	}{
		{name: "division budget", markdown: `Budget {{< budget >}}.`, want: "Budget " + usd(r.Totals.Budget)},
		{name: "own category budget", markdown: `Budget {{< budget >}}.`, current: true, want: "Budget $20,000.00"},
		{name: "named category", markdown: `Beta has {{< budget "beta" >}}.`, want: "Beta has $300.00"},
		{name: "division only", markdown: `As of {{< as_of >}}.`, want: "As of " + r.AsOf.Format("2006-01-02")},
		{name: "own category status", markdown: `{{< status >}}`, current: true, want: alpha.StatusLabel()},
		{name: "unknown category", markdown: "line one\n\n{{< budget \"gamma\" >}}", wantErr: `content/x.md:12: `},
		{name: "unknown name", markdown: `{{< mtd >}}`, wantErr: `unknown placeholder "mtd"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var current = alpha
			if !tc.current {
				current = nil
			}
			html, err := renderNarrative(budget.Narrative{Markdown: tc.markdown, File: "content/x.md", Line: 10}, r, current)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(html), tc.want) {
				t.Errorf("rendered %q, want it to contain %q", html, tc.want)
			}
		})
	}
}
