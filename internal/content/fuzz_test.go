package content

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// Seeds beyond testdata/fuzz: the editor artifacts the splitter tolerates.
var fuzzSeeds = []string{
	validCategory,
	"\uFEFF" + strings.ReplaceAll(validCategory, "\n", "\r\n"),
	strings.ReplaceAll(validCategory, "---\n", "--- \t\n"),
	"---\n---\n",
	"---\n",
	"---",
	"",
	"no front matter\n---\n",
	"---\ntitle: x\n---\r\nbody\r",
	"---\nmonthly_budget_usd: &b 4200.5\nowners: [*b]\n---\n",
	strings.Replace(validCategory, "policy:", "group: sad-x\nbudget_history: [{from: 2025-11, usd: 3800}]\nallowances: {ann@novadynamics.test: 1500, bob@novadynamics.test: 0}\npolicy:", 1),
	strings.Replace(validCategory, "policy:", "budget_history: []\nallowances: {}\npolicy:", 1),
}

func FuzzSplitFrontMatter(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := splitFrontMatter(data)
		if err != nil {
			if !errors.Is(err, errUnterminated) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if strings.Contains(doc.yaml+doc.body, "\r") {
			t.Fatalf("line endings not normalised: %q / %q", doc.yaml, doc.body)
		}
		if !doc.hasFrontMatter {
			if doc.yaml != "" {
				t.Fatalf("yaml %q without front matter", doc.yaml)
			}
			return
		}
		for line := range strings.Lines(doc.yaml) {
			if isDelimiter(strings.TrimSuffix(line, "\n")) {
				t.Fatalf("front matter %q contains a delimiter line", doc.yaml)
			}
		}
		again, err := splitFrontMatter([]byte("---\n" + doc.yaml + "---\n" + doc.body))
		if err != nil || again != doc {
			t.Fatalf("round trip: got %+v, %v; want %+v", again, err, doc)
		}
	})
}

func FuzzParseCategory(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const file = "categories/fuzz.md"
		c, errs := parseCategory(file, data)
		for _, err := range errs {
			var e *Error
			if !errors.As(err, &e) || e.File != file || e.Line < 0 || strings.Contains(e.Error(), "\n") {
				t.Fatalf("malformed error %#v", err)
			}
		}
		if len(errs) > 0 {
			return
		}
		checkCategory(t, c.Category)
		// Accepted values, written back as front matter, read the same.
		again, errs := parseCategory(file, renderCategory(t, c.Category))
		// The rewritten front matter has its own length; the body moves.
		again.Category.Narrative.Line = c.Category.Narrative.Line
		if len(errs) > 0 || !reflect.DeepEqual(again.Category, c.Category) {
			t.Fatalf("round trip: got %+v, %v; want %+v", again.Category, errs, c.Category)
		}
	})
}

// checkCategory asserts the invariants an accepted category promises.
func checkCategory(t *testing.T, c budget.Category) {
	t.Helper()
	switch {
	case c.Slug != "fuzz" || strings.TrimSpace(c.Title) == "":
		t.Fatalf("slug %q, title %q", c.Slug, c.Title)
	case c.TagValue == "" || budget.NormalizeTag(c.TagValue) != c.TagValue || c.TagValue == budget.Unattributed:
		t.Fatalf("tag value %q", c.TagValue)
	case c.MonthlyBudget.Sign() <= 0 || c.MonthlyBudget.Round(2) != c.MonthlyBudget:
		t.Fatalf("budget %s", c.MonthlyBudget)
	case len(c.Owners) == 0 || slices.ContainsFunc(c.Owners, func(o string) bool { return !plausibleEmail(o) }):
		t.Fatalf("owners %q", c.Owners)
	case c.Policy.MaxWorkers < 1 || c.Policy.MaxWorkers > 1000,
		c.Policy.AutoterminationMinutes < 10 || c.Policy.AutoterminationMinutes > 10080,
		len(c.Policy.NodeTypes) == 0 || slices.Contains(c.Policy.NodeTypes, ""):
		t.Fatalf("policy %+v", c.Policy)
	case !slices.Contains([]string{budget.ActionNotify, budget.ActionScaleDown, budget.ActionTerminate}, c.OnBreach.Action):
		t.Fatalf("action %q", c.OnBreach.Action)
	}
	for owner, usd := range c.Allowances {
		if !plausibleEmail(owner) || usd.Sign() < 0 || usd.Round(2) != usd {
			t.Fatalf("allowance %q: %s", owner, usd)
		}
	}
}

// renderCategory writes c as a category file.
func renderCategory(t *testing.T, c budget.Category) []byte {
	t.Helper()
	type policy struct {
		MaxWorkers             int      `yaml:"max_workers"`
		AutoterminationMinutes int      `yaml:"autotermination_minutes"`
		NodeTypes              []string `yaml:"node_types"`
		AllowAllPurpose        bool     `yaml:"allow_all_purpose"`
		AllowPipelines         bool     `yaml:"allow_pipelines"`
	}
	type change struct {
		From string `yaml:"from"`
		USD  string `yaml:"usd"`
	}
	// Pointers, so that an empty list or mapping is written as one: it
	// reads back empty, not absent.
	var history *[]change
	if c.BudgetHistory != nil {
		history = &[]change{}
		for _, h := range c.BudgetHistory {
			*history = append(*history, change{h.From.Format(monthLayout), h.USD.String()})
		}
	}
	var allowances *map[string]string
	if c.Allowances != nil {
		allowances = &map[string]string{}
		for owner, usd := range c.Allowances {
			(*allowances)[owner] = usd.String()
		}
	}
	type onBreach struct {
		Action string `yaml:"action"`
		DryRun bool   `yaml:"dry_run"`
	}
	fm, err := yaml.Marshal(struct {
		Title      string             `yaml:"title"`
		TagValue   string             `yaml:"tag_value"`
		Budget     string             `yaml:"monthly_budget_usd"`
		History    *[]change          `yaml:"budget_history,omitempty"`
		Owners     []string           `yaml:"owners"`
		Group      string             `yaml:"group,omitempty"`
		Policy     policy             `yaml:"policy"`
		OnBreach   onBreach           `yaml:"on_breach"`
		Allowances *map[string]string `yaml:"allowances,omitempty"`
	}{
		c.Title, c.TagValue, c.MonthlyBudget.String(), history, c.Owners, c.Group,
		policy{c.Policy.MaxWorkers, c.Policy.AutoterminationMinutes, c.Policy.NodeTypes, c.Policy.AllowAllPurpose, c.Policy.AllowPipelines},
		onBreach{c.OnBreach.Action, c.OnBreach.DryRun}, allowances,
	})
	if err != nil {
		t.Fatal(err)
	}
	return []byte("---\n" + string(fm) + "---\n" + c.Narrative.Markdown)
}
