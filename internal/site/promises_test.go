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
// yet: no savings analysis, no deployed alert webhook, no copilot agent. A
// page that mentions one must say plainly, on that page, that it is not
// active yet, so that no reader takes it for something that acts. The
// notes read "... not active yet: <the feature> ..." (a template's or the
// content's own words); when a feature ships, its note goes and its entry
// here with it.
var inactiveFeatures = []struct {
	name          string
	promise, note *regexp.Regexp
}{
	{
		name:    "breach actions of the alert webhook",
		promise: regexp.MustCompile(`(?i)alert webhook|\bscal(e|ed|ing)[ _-]?down\b|\bterminat(e|ed|ing)\b|\bbreach(es)?\b|\bdry[ -]run\b`),
		note:    regexp.MustCompile(`(?i)not active yet[^.]*:[^.]*the alert webhook[^.]*is not deployed`),
	},
	{
		name:    "optimisation recommendations",
		promise: regexp.MustCompile(`(?i)\brecommend|\bsavings?\b`),
		note:    regexp.MustCompile(`(?i)not active yet[^.]*:[^.]*no savings analysis runs`),
	},
	{
		name:    "the copilot agent and its actions",
		promise: regexp.MustCompile(`(?i)\bagent\b|\bcopilot\b`),
		note:    regexp.MustCompile(`(?i)not active yet[^.]*:[^.]*the (copilot|agent)[^.]*is not deployed`),
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
		{name: "the old category note", text: "On a breach the alert webhook may scale_down (dry run: it reports what it would do).", want: 1},
		{name: "the category note", text: "On a breach the alert webhook would scale_down. Not active yet: the alert webhook is not deployed, so it takes no action on a breach."},
		{name: "a narrative's breach action", text: "A breach may stop clusters outright once the team leaves dry-run mode.", want: 1},
		{name: "recommendations promised", text: "The recommendations point at the clusters and jobs where savings are easiest.", want: 1},
		{name: "recommendations not active", text: "Optimisation recommendations. Not active yet: no savings analysis runs on this data yet."},
		{name: "a note for another feature", text: "Savings ahead. Not active yet: the alert webhook is not deployed.", want: 1},
		{name: "the copilot", text: "The copilot will scale down idle clusters every morning.", want: 2},
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
		Facts: facts, Source: "files", Inputs: []string{"usage.csv"}, Rows: int64(len(facts)),
		ReadAt: now, LastDate: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC),
	}, asOf)
	if err != nil {
		t.Fatalf("build report: %v", err)
	}
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
	// The check saw the pages that describe the features: the master page
	// (recommendations) and every category page (its on_breach action).
	if pages < len(div.Categories)+2 || mentions["optimisation recommendations"] == 0 ||
		mentions["breach actions of the alert webhook"] < len(div.Categories) {
		t.Errorf("%d pages, mentions %v: the check did not see the pages that describe the features", pages, mentions)
	}
}
