package site

import (
	"html"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/content"
	"github.com/novadynamics/stellar-budget/internal/report"
	sitetemplates "github.com/novadynamics/stellar-budget/site-templates"
)

// inactiveFeatures are the features the site describes that have not run
// yet: no savings analysis. A page that mentions one must say plainly, on
// that page, that it is not active yet, so that no reader takes it for
// something that acts. The notes read "... not active yet: <the feature>
// ..." (a template's or the content's own words); when a feature ships, its
// note goes and its entry here with it. The alert webhook and the copilot
// shipped: the category pages and the agent page say what the agent trail
// holds of them instead. "Savings" alone is no promise any more: the agent
// page measures what actions saved.
var inactiveFeatures = []struct {
	name          string
	promise, note *regexp.Regexp
}{
	{
		name:    "optimisation recommendations",
		promise: regexp.MustCompile(`(?i)\brecommend|\bsavings? analysis\b`),
		note:    regexp.MustCompile(`(?i)not active yet[^.]*:[^.]*no savings analysis runs`),
	},
}

// unkeptPromises names the inactive features text mentions without saying
// that they are not active yet.
func unkeptPromises(text string) []string {
	var out []string
	for _, f := range inactiveFeatures {
		if m := f.promise.FindString(text); m != "" && !f.note.MatchString(text) {
			out = append(out, f.name+` ("`+m+`")`)
		}
	}
	return out
}

var (
	scriptOrStyle = regexp.MustCompile(`(?is)<(script|style)\b.*?</(script|style)>`)
	htmlTag       = regexp.MustCompile(`(?s)<[^>]*>`)
	whitespace    = regexp.MustCompile(`\s+`)
)

// pageText is the text a reader sees on an HTML page, in one line.
func pageText(page string) string {
	text := htmlTag.ReplaceAllString(scriptOrStyle.ReplaceAllString(page, " "), " ")
	return strings.TrimSpace(whitespace.ReplaceAllString(html.UnescapeString(text), " "))
}

func TestUnkeptPromises(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       int
	}{
		{name: "no feature", text: "Month to date $1,234.56 of a $4,200.00 budget."},
		{name: "recommendations promised", text: "The recommendations point at the clusters and jobs where savings are easiest.", want: 1},
		{name: "recommendations not active", text: "Optimisation recommendations. Not active yet: no savings analysis runs on this data yet."},
		{name: "a note for another feature", text: "Recommendations ahead. Not active yet: the alert webhook is not deployed.", want: 1},
		{name: "measured savings", text: "$120.00 saved across 2 owners, measured from the usage after each action."},
		{name: "autotermination is not a termination", text: "Autotermination after 30 minutes idle."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := unkeptPromises(tc.text); len(got) != tc.want {
				t.Errorf("unkept promises %q, want %d in %q", got, tc.want, tc.text)
			}
		})
	}
}

// TestNoPagePromisesInactiveFeatures renders the shipped content/ (its
// narratives and every category's on_breach) with the built-in layouts and
// checks every page: a feature that has not run is never described
// without its "not active yet" note.
func TestNoPagePromisesInactiveFeatures(t *testing.T) {
	div, err := content.Load(filepath.Join("..", "..", "content"))
	if err != nil {
		t.Fatal(err)
	}
	var facts []budget.Fact
	for _, c := range div.Categories {
		facts = append(facts, fact("2026-03-02", c.TagValue, "ann@example.com", "1234.5"))
	}
	r, err := report.Build(div, budget.Dataset{
		Facts: budget.RollUp(facts, time.Time{}), Source: "files", Inputs: []string{"usage.csv"}, Rows: int64(len(facts)),
		ReadAt: now, LastDate: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC),
	}, asOf)
	if err != nil {
		t.Fatalf("build report: %v", err)
	}
	r.SetAgent(report.Trail{Location: "trail.jsonl"}, budget.RollUp(facts, time.Time{}))
	dir := t.TempDir()
	if err := Render(r, Options{Templates: sitetemplates.FS, Dir: dir, Now: now}); err != nil {
		t.Fatalf("Render: %v", err)
	}

	pages, mentions := 0, map[string]int{}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".html" {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		pages++
		text := pageText(string(b))
		for _, f := range inactiveFeatures {
			if f.promise.MatchString(text) {
				mentions[f.name]++
			}
		}
		if unkept := unkeptPromises(text); len(unkept) > 0 {
			rel, _ := filepath.Rel(dir, path)
			t.Errorf("%s describes %s without saying it is not active yet", rel, strings.Join(unkept, ", "))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The check saw the pages that describe the feature (the master page
	// and the report) and the agent page.
	if _, err := os.Stat(filepath.Join(dir, "agent", "index.html")); err != nil || pages < len(div.Categories)+3 || mentions["optimisation recommendations"] < 2 {
		t.Errorf("%d pages, mentions %v: the check did not see the pages that describe the features", pages, mentions)
	}
}
