package content

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

func TestLoadRealContent(t *testing.T) {
	div, err := Load(filepath.Join("..", "..", "content"))
	if err != nil {
		t.Fatalf("Load(content): %v", err)
	}
	wantTags := []string{ // file name order
		"DEEP_SPACE_TELEMETRY", "EXOPLANET_RESEARCH", "EXPLORATORY_MISSIONS", "MATERIALS_SCIENCE",
		"NAVIGATION_SYSTEMS", "ORBITAL_MECHANICS", "PROPULSION_ANALYTICS",
	}
	if got := div.TagValues(); !slices.Equal(got, wantTags) {
		t.Errorf("tag values = %v, want %v", got, wantTags)
	}
	if div.Title != "Stellar Budget — Stellar Analytics Division" || div.Name == "" || div.Currency != "USD" {
		t.Errorf("division = %q / %q / %q", div.Title, div.Name, div.Currency)
	}
	if !slices.Equal(div.Thresholds, []int{75, 90, 100}) {
		t.Errorf("thresholds = %v", div.Thresholds)
	}
	if len(div.Recipients) == 0 || div.Narrative.Markdown == "" || div.Report.Markdown == "" {
		t.Errorf("recipients %v, narrative %d bytes, report %d bytes: want all set", div.Recipients, len(div.Narrative.Markdown), len(div.Report.Markdown))
	}
	// Figures in the report come from placeholders, never typed by hand.
	if strings.ContainsAny(div.Report.Markdown, "0123456789") {
		t.Errorf("report.md contains a digit; use placeholders for figures")
	}

	seenBudgets := map[string]string{}
	live := 0
	for _, c := range div.Categories {
		t.Run(c.Slug, func(t *testing.T) {
			if c.MonthlyBudget.Cmp(budget.DecimalFromInt(3000)) < 0 || c.MonthlyBudget.Cmp(budget.DecimalFromInt(15000)) > 0 {
				t.Errorf("budget %s outside 3000..15000", c.MonthlyBudget)
			}
			if other, dup := seenBudgets[c.MonthlyBudget.String()]; dup {
				t.Errorf("budget %s same as %s", c.MonthlyBudget, other)
			}
			seenBudgets[c.MonthlyBudget.String()] = c.Slug
			if c.Narrative.Markdown == "" || c.Title == "" || len(c.Owners) == 0 || len(c.Policy.NodeTypes) == 0 {
				t.Errorf("incomplete category: %+v", c)
			}
		})
		if !c.OnBreach.DryRun {
			live++
			if c.OnBreach.Action != budget.ActionNotify {
				t.Errorf("%s acts for real with %q; only notify may leave dry-run", c.Slug, c.OnBreach.Action)
			}
		}
	}
	allPurpose, pipelines := map[string]bool{}, map[string]bool{}
	for _, c := range div.Categories {
		if c.Policy.AllowPipelines {
			pipelines[c.Slug] = true
		}
		if !strings.HasPrefix(c.Group, "sad-") {
			t.Errorf("%s: group %q, want a sad-... group", c.Slug, c.Group)
		}
		if c.Policy.AllowAllPurpose {
			allPurpose[c.Slug] = true
		}
	}
	if want := map[string]bool{"exploratory-missions": true, "exoplanet-research": true}; !reflect.DeepEqual(allPurpose, want) {
		t.Errorf("categories allowed all-purpose compute = %v, want %v", allPurpose, want)
	}
	if want := map[string]bool{"deep-space-telemetry": true}; !reflect.DeepEqual(pipelines, want) {
		t.Errorf("categories allowed classic pipelines = %v, want %v", pipelines, want)
	}
	if live != 1 {
		t.Errorf("%d categories with dry_run false, want exactly one", live)
	}
}

// validCategory is a category file with every field; its line numbers are
// what the error cases below expect.
const validCategory = `---
title: Deep Space Telemetry
tag_value: DEEP_SPACE_TELEMETRY
monthly_budget_usd: 4200
owners: [lead@novadynamics.test]
policy:
  max_workers: 8
  autotermination_minutes: 30
  node_types: [i3.xlarge]
on_breach:
  action: notify
  dry_run: true
---
Decodes telemetry.
`

const validIndex = `---
title: Stellar Budget
division: Stellar Analytics Division
alert_thresholds: [75, 90, 100]
recipients: [finops@novadynamics.test]
---
Narrative.
`

const telemetryFile = "categories/deep-space-telemetry.md"

// validTree is a minimal valid content directory, by relative path.
func validTree() map[string]string {
	return map[string]string{
		"_index.md":   validIndex,
		telemetryFile: validCategory,
		"report.md":   "Report.\n",
	}
}

// writeTree writes files (relative path → text) below a new temporary
// directory; a nil-like "\x00" text creates just the file's directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if text == "\x00" {
			continue
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// replace returns an edit that replaces old with new in the file at name.
func replace(name, old, new string) func(t *testing.T, files map[string]string) {
	return func(t *testing.T, files map[string]string) {
		t.Helper()
		if !strings.Contains(files[name], old) {
			t.Fatalf("%s does not contain %q", name, old)
		}
		files[name] = strings.Replace(files[name], old, new, 1)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(t *testing.T, files map[string]string)
		file  string // relative to the content directory
		line  int    // 0: the problem is not on one line
		field string // "" for whole-file problems
		msg   string // fragment of the explanation; {dir} stands for the content directory
	}{
		{"missing field", replace(telemetryFile, "title: Deep Space Telemetry\n", ""),
			telemetryFile, 2, "title", "missing (add e.g. `title: Deep Space Telemetry`)"},
		{"missing nested field", replace(telemetryFile, "  autotermination_minutes: 30\n", ""),
			telemetryFile, 7, "policy.autotermination_minutes", "missing"},
		{"wrong type text for number", replace(telemetryFile, "max_workers: 8", "max_workers: eight"),
			telemetryFile, 7, "policy.max_workers", `"eight" is not a whole number (want workers from 1 to 1000)`},
		{"wrong type mapping for list", replace(telemetryFile, "owners: [lead@novadynamics.test]", "owners: {lead: x}"),
			telemetryFile, 5, "owners", "is a mapping (want a list"},
		{"wrong type text for mapping", replace(telemetryFile, "on_breach:\n  action: notify\n  dry_run: true\n", "on_breach: notify\n"),
			telemetryFile, 10, "on_breach", `is "notify" (want fields indented below it`},
		{"number out of range", replace(telemetryFile, "autotermination_minutes: 30", "autotermination_minutes: 5"),
			telemetryFile, 8, "policy.autotermination_minutes", "5 is out of range (want minutes from 10 to 10080)"},
		{"negative budget", replace(telemetryFile, "4200", "-4200"),
			telemetryFile, 4, "monthly_budget_usd", "-4200 is not positive"},
		{"zero budget", replace(telemetryFile, "4200", "0"),
			telemetryFile, 4, "monthly_budget_usd", "0 is not positive"},
		{"budget not a number", replace(telemetryFile, "4200", "42OO"),
			telemetryFile, 4, "monthly_budget_usd", `"42OO" is not a number (want a positive amount in USD, e.g. 4200)`},
		{"budget in exponent form", replace(telemetryFile, "4200", "4.2e3"),
			telemetryFile, 4, "monthly_budget_usd", `"4.2e3" is not a number`},
		{"budget with more than 2 decimals", replace(telemetryFile, "4200", "4200.125"),
			telemetryFile, 4, "monthly_budget_usd", "4200.125 has more than 2 decimal places"},
		{"unknown field", replace(telemetryFile, "owners:", "team: SAD\nowners:"),
			telemetryFile, 5, "team", "unknown field (known fields: title, tag_value"},
		{"misspelt field", replace(telemetryFile, "  max_workers: 8", "  max_worker: 8"),
			telemetryFile, 7, "policy.max_worker", `unknown field, did you mean "max_workers"?`},
		{"field given twice", replace(telemetryFile, "owners:", "title: Again\nowners:"),
			telemetryFile, 5, "title", "given twice, first on line 2"},
		{"bad action", replace(telemetryFile, "action: notify", "action: explode"),
			telemetryFile, 11, "on_breach.action", `"explode" is not an action (want one of notify, scale_down, terminate)`},
		{"dry_run not a boolean", replace(telemetryFile, "dry_run: true", "dry_run: yes"),
			telemetryFile, 12, "on_breach.dry_run", `is "yes" (want true or false)`},
		{"empty node types", replace(telemetryFile, "node_types: [i3.xlarge]", "node_types: []"),
			telemetryFile, 9, "policy.node_types", "is empty"},
		{"group not text", replace(telemetryFile, "policy:", "group: [sad-a, sad-b]\npolicy:"),
			telemetryFile, 6, "group", "is a list (want the Databricks group whose members run the category's work"},
		{"group empty", replace(telemetryFile, "policy:", "group: \"\"\npolicy:"),
			telemetryFile, 6, "group", "is empty (want the Databricks group"},
		{"group with control character", replace(telemetryFile, "policy:", "group: \"sad\\tdeep\"\npolicy:"),
			telemetryFile, 6, "group", `"sad\tdeep" contains a control character`},
		{"group too long", replace(telemetryFile, "policy:", "group: "+strings.Repeat("g", 257)+"\npolicy:"),
			telemetryFile, 6, "group", "is 257 characters long (want at most 256"},
		{"allow_all_purpose not a boolean", replace(telemetryFile, "  node_types: [i3.xlarge]\n", "  node_types: [i3.xlarge]\n  allow_all_purpose: yes\n"),
			telemetryFile, 10, "policy.allow_all_purpose", `is "yes" (want true or false)`},
		{"allow_pipelines not a boolean", replace(telemetryFile, "  node_types: [i3.xlarge]\n", "  node_types: [i3.xlarge]\n  allow_pipelines: 1\n"),
			telemetryFile, 10, "policy.allow_pipelines", `is "1" (want true or false)`},
		{"allow_pipelines misspelt", replace(telemetryFile, "  node_types: [i3.xlarge]\n", "  node_types: [i3.xlarge]\n  allow_pipeline: true\n"),
			telemetryFile, 10, "policy.allow_pipeline", `unknown field, did you mean "allow_pipelines"?`},
		{"allow_all_purpose misspelt", replace(telemetryFile, "  node_types: [i3.xlarge]\n", "  node_types: [i3.xlarge]\n  allow_allpurpose: true\n"),
			telemetryFile, 10, "policy.allow_allpurpose", `unknown field, did you mean "allow_all_purpose"?`},
		{"bad slug", func(t *testing.T, files map[string]string) {
			files["categories/Deep_Space.md"] = files[telemetryFile]
			delete(files, telemetryFile)
		}, "categories/Deep_Space.md", 0, "file name", `"Deep_Space" is not a valid slug`},
		{"tag value not normalised", replace(telemetryFile, "DEEP_SPACE_TELEMETRY", "deep-space telemetry"),
			telemetryFile, 3, "tag_value", `"deep-space telemetry" is not normalised (write it as "DEEP_SPACE_TELEMETRY"`},
		{"reserved tag value", replace(telemetryFile, "DEEP_SPACE_TELEMETRY", "UNATTRIBUTED"),
			telemetryFile, 3, "tag_value", `"UNATTRIBUTED" is reserved`},
		{"duplicate tag value", func(t *testing.T, files map[string]string) {
			files["categories/deep-space-copy.md"] = files[telemetryFile]
		}, telemetryFile, 3, "tag_value", `"DEEP_SPACE_TELEMETRY" is already used by {dir}/categories/deep-space-copy.md:3`},
		{"budget history not a list", replace(telemetryFile, "owners:", "budget_history: 3800\nowners:"),
			telemetryFile, 5, "budget_history", `is "3800" (want a list`},
		{"budget history item not a mapping", replace(telemetryFile, "owners:", "budget_history: [3800]\nowners:"),
			telemetryFile, 5, "budget_history[0]", `is "3800" (want {from: YYYY-MM, usd: N}`},
		{"budget history bad month", replace(telemetryFile, "owners:", "budget_history:\n  - {from: 2025-13, usd: 3800}\nowners:"),
			telemetryFile, 6, "budget_history[0].from", `"2025-13" is not a month (want a month as YYYY-MM`},
		{"budget history missing amount", replace(telemetryFile, "owners:", "budget_history:\n  - {from: 2025-11}\nowners:"),
			telemetryFile, 6, "budget_history[0].usd", "missing (add e.g. `usd: 3800`)"},
		{"budget history bad amount", replace(telemetryFile, "owners:", "budget_history:\n  - {from: 2025-11, usd: -1}\nowners:"),
			telemetryFile, 6, "budget_history[0].usd", "-1 is not positive"},
		{"budget history unknown key", replace(telemetryFile, "owners:", "budget_history:\n  - {from: 2025-11, usd: 1, until: 2026-01}\nowners:"),
			telemetryFile, 6, "budget_history[0].until", "unknown field"},
		{"budget history out of order", replace(telemetryFile, "owners:", "budget_history:\n  - {from: 2025-11, usd: 1}\n  - {from: 2025-11, usd: 2}\nowners:"),
			telemetryFile, 7, "budget_history[1].from", "2025-11 does not come after 2025-11 (list the months oldest first"},
		{"allowances not a mapping", replace(telemetryFile, "policy:", "allowances: [ann@novadynamics.test]\npolicy:"),
			telemetryFile, 6, "allowances", "is a list (want owner email addresses with their monthly USD, e.g. {first.last@novadynamics.test: 1500})"},
		{"allowance for a name, not an email", replace(telemetryFile, "policy:", "allowances:\n  ann@novadynamics.test: 100\n  mateo.ito: 100\npolicy:"),
			telemetryFile, 8, "allowances.mateo.ito", `"mateo.ito" is not an owner's email address (write it as the data names the owner`},
		{"allowance for a display name", replace(telemetryFile, "policy:", "allowances: {\"Ann <ann@novadynamics.test>\": 100}\npolicy:"),
			telemetryFile, 6, "allowances.Ann <ann@novadynamics.test>", `"Ann <ann@novadynamics.test>" is not an owner's email address`},
		{"allowance key not text", replace(telemetryFile, "policy:", "allowances: {[a, b]: 100}\npolicy:"),
			telemetryFile, 6, "allowances", "is a list (want an owner's email address"},
		{"negative allowance", replace(telemetryFile, "policy:", "allowances:\n  ann@novadynamics.test: -5\npolicy:"),
			telemetryFile, 7, "allowances.ann@novadynamics.test", "-5 is negative (want an amount in USD of 0 or more, e.g. 1500)"},
		{"allowance not a number", replace(telemetryFile, "policy:", "allowances:\n  ann@novadynamics.test: lots\npolicy:"),
			telemetryFile, 7, "allowances.ann@novadynamics.test", `"lots" is not a number (want an amount in USD of 0 or more`},
		{"allowance missing", replace(telemetryFile, "policy:", "allowances:\n  ann@novadynamics.test:\npolicy:"),
			telemetryFile, 7, "allowances.ann@novadynamics.test", "is empty (want an amount in USD of 0 or more"},
		{"allowance with more than 2 decimals", replace(telemetryFile, "policy:", "allowances:\n  ann@novadynamics.test: 10.005\npolicy:"),
			telemetryFile, 7, "allowances.ann@novadynamics.test", "10.005 has more than 2 decimal places"},
		{"allowance given twice", replace(telemetryFile, "policy:", "allowances:\n  ann@novadynamics.test: 10\n  ann@novadynamics.test: 20\npolicy:"),
			telemetryFile, 8, "allowances.ann@novadynamics.test", "given twice, first on line 7 (keep one)"},
		{"status probability out of range", replace("_index.md", "title: Stellar Budget\n", "title: Stellar Budget\nstatus: {watch_probability: 1.5}\n"),
			"_index.md", 3, "status.watch_probability", `"1.5" is out of range (want a probability from 0 to 1`},
		{"status watch above projected over", replace("_index.md", "title: Stellar Budget\n", "title: Stellar Budget\nstatus: {projected_over_probability: 0.3, watch_probability: 0.4}\n"),
			"_index.md", 3, "status.watch_probability", "0.4 is above projected_over_probability 0.3"},
		{"status unknown field", replace("_index.md", "title: Stellar Budget\n", "title: Stellar Budget\nstatus: {watch: 0.4}\n"),
			"_index.md", 3, "status.watch", "unknown field"},
		{"stale after days out of range", replace("_index.md", "title: Stellar Budget\n", "title: Stellar Budget\nstale_after_days: -1\n"),
			"_index.md", 3, "stale_after_days", "-1 is out of range (want days from 0 to 365)"},
		{"thresholds not ascending", replace("_index.md", "[75, 90, 100]", "[75, 100, 90]"),
			"_index.md", 4, "alert_thresholds[2]", "90 does not come after 100"},
		{"threshold out of range", replace("_index.md", "[75, 90, 100]", "[0, 90]"),
			"_index.md", 4, "alert_thresholds[0]", "0 is out of range (want percent of budget from 1 to 200)"},
		{"currency not USD", replace("_index.md", "title: Stellar Budget\n", "title: Stellar Budget\ncurrency: EUR\n"),
			"_index.md", 3, "currency", `"EUR" is not supported`},
		{"bad owner email", replace(telemetryFile, "[lead@novadynamics.test]", "[lead-at-novadynamics]"),
			telemetryFile, 5, "owners[0]", `"lead-at-novadynamics" is not an email address`},
		{"email with display name", replace("_index.md", "[finops@novadynamics.test]", `["FinOps <finops@novadynamics.test>"]`),
			"_index.md", 5, "recipients[0]", `"FinOps <finops@novadynamics.test>" is not an email address`},
		{"no owners", replace(telemetryFile, "[lead@novadynamics.test]", "[]"),
			telemetryFile, 5, "owners", "is empty (want at least one address"},
		{"missing front matter", replace(telemetryFile, validCategory, "Just prose.\n"),
			telemetryFile, 1, "", "missing front matter"},
		{"unterminated front matter", replace(telemetryFile, "---\nDecodes", "Decodes"),
			telemetryFile, 1, "", `front matter opened with "---" is never closed`},
		{"unterminated report front matter", replace("report.md", "Report.\n", "---\ntitle: Report\n"),
			"report.md", 1, "", `front matter opened with "---" is never closed`},
		{"broken YAML", replace(telemetryFile, "title: Deep Space Telemetry", "title: [Deep Space Telemetry"),
			telemetryFile, 2, "", "invalid YAML: did not find expected ',' or ']'"},
		{"front matter not a mapping", replace(telemetryFile, validCategory, "---\n- a\n- b\n---\n"),
			telemetryFile, 2, "", "front matter is a list"},
		{"empty categories dir", func(t *testing.T, files map[string]string) {
			delete(files, telemetryFile)
			files["categories/notes.txt"] = "not a category"
		}, "categories", 0, "", "no category files"},
		{"missing categories dir", func(t *testing.T, files map[string]string) {
			delete(files, telemetryFile)
		}, "categories", 0, "", "missing (create it with one <slug>.md file per category)"},
		{"missing _index.md", func(t *testing.T, files map[string]string) {
			delete(files, "_index.md")
		}, "_index.md", 0, "", "missing (create it with the site title"},
		{"empty front matter", replace("_index.md", validIndex, "---\n---\n"),
			"_index.md", 1, "title", "missing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := validTree()
			tc.edit(t, files)
			dir := writeTree(t, files)
			div, err := Load(dir)
			if err == nil {
				t.Fatalf("Load succeeded with %d categories, want an error", len(div.Categories))
			}
			if div.Categories != nil || div.Title != "" {
				t.Errorf("Load returned a partial division with its error: %+v", div)
			}
			want := filepath.Join(dir, filepath.FromSlash(tc.file))
			if tc.line > 0 {
				want += ":" + strconv.Itoa(tc.line)
			}
			want += ": "
			if tc.field != "" {
				want += tc.field + ": "
			}
			want += strings.ReplaceAll(tc.msg, "{dir}", dir)
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error does not contain\n  %s\ngot\n  %s", want, strings.ReplaceAll(err.Error(), "\n", "\n  "))
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("error %v is not an *Error", err)
			}
		})
	}
}

func TestGroupAndAllPurpose(t *testing.T) {
	tests := []struct {
		name                  string
		edit                  func(t *testing.T, files map[string]string)
		group                 string
		allPurpose, pipelines bool
	}{
		{"all absent", func(*testing.T, map[string]string) {}, "", false, false},
		{"group set", replace(telemetryFile, "policy:", "group: sad-deep-space\npolicy:"), "sad-deep-space", false, false},
		{"group with spaces kept inside", replace(telemetryFile, "policy:", "group: \" SAD Deep Space \"\npolicy:"), "SAD Deep Space", false, false},
		{"all-purpose allowed", replace(telemetryFile, "  node_types: [i3.xlarge]\n", "  node_types: [i3.xlarge]\n  allow_all_purpose: true\n"), "", true, false},
		{"all-purpose refused", replace(telemetryFile, "  node_types: [i3.xlarge]\n", "  node_types: [i3.xlarge]\n  allow_all_purpose: false\n"), "", false, false},
		{"pipelines allowed", replace(telemetryFile, "  node_types: [i3.xlarge]\n", "  node_types: [i3.xlarge]\n  allow_pipelines: true\n"), "", false, true},
		{"pipelines refused", replace(telemetryFile, "  node_types: [i3.xlarge]\n", "  node_types: [i3.xlarge]\n  allow_pipelines: false\n"), "", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := validTree()
			tc.edit(t, files)
			div, err := Load(writeTree(t, files))
			if err != nil {
				t.Fatal(err)
			}
			c := div.Categories[0]
			if c.Group != tc.group || c.Policy.AllowAllPurpose != tc.allPurpose || c.Policy.AllowPipelines != tc.pipelines {
				t.Errorf("group %q, allow_all_purpose %v, allow_pipelines %v; want %q, %v, %v",
					c.Group, c.Policy.AllowAllPurpose, c.Policy.AllowPipelines, tc.group, tc.allPurpose, tc.pipelines)
			}
		})
	}
}

func TestDryRun(t *testing.T) {
	tests := []struct {
		name string
		edit func(t *testing.T, files map[string]string)
		want bool
	}{
		{"absent defaults to true", replace(telemetryFile, "  dry_run: true\n", ""), true},
		{"explicit true", replace(telemetryFile, "dry_run: true", "dry_run: true"), true},
		{"explicit false", replace(telemetryFile, "dry_run: true", "dry_run: false"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := validTree()
			tc.edit(t, files)
			div, err := Load(writeTree(t, files))
			if err != nil {
				t.Fatal(err)
			}
			if got := div.Categories[0].OnBreach.DryRun; got != tc.want {
				t.Errorf("DryRun = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLoadReportsEveryError(t *testing.T) {
	files := validTree()
	replace(telemetryFile, "4200", "42OO")(t, files)
	replace(telemetryFile, "action: notify", "action: explode")(t, files)
	replace(telemetryFile, "[lead@novadynamics.test]", "[lead]")(t, files)
	replace(telemetryFile, "  max_workers: 8\n", "  max_workers: 8\n  min_workers: 1\n")(t, files)
	replace("_index.md", "title: Stellar Budget\n", "")(t, files)
	files["categories/Bad.md"] = "no front matter\n"
	dir := writeTree(t, files)

	_, err := Load(dir)
	if err == nil {
		t.Fatal("Load succeeded, want errors")
	}
	lines := strings.Split(err.Error(), "\n")
	want := []string{ // in file order: _index.md, then categories by name
		"_index.md:2: title: missing",
		"categories/Bad.md: file name:",
		"categories/Bad.md:1: missing front matter",
		"deep-space-telemetry.md:4: monthly_budget_usd:",
		"deep-space-telemetry.md:5: owners[0]:",
		"deep-space-telemetry.md:8: policy.min_workers: unknown field",
		"deep-space-telemetry.md:12: on_breach.action:",
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d error lines, want %d:\n%s", len(lines), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], dir+string(filepath.Separator)) || !strings.Contains(lines[i], w) {
			t.Errorf("line %d = %q, want it to start with the directory and contain %q", i, lines[i], w)
		}
	}
}

// withoutFiles drops the narratives' file paths, which differ between two
// temporary trees; their lines still count.
func withoutFiles(div budget.Division) budget.Division {
	div.Narrative.File, div.Report.File = "", ""
	cats := append([]budget.Category(nil), div.Categories...)
	for i := range cats {
		cats[i].Narrative.File = ""
	}
	div.Categories = cats
	return div
}

// TestLoadToleratesEditorArtifacts checks that a BOM, CRLF line endings and
// blanks after the delimiters change neither values nor line numbers.
func TestLoadToleratesEditorArtifacts(t *testing.T) {
	mangle := func(text string) string {
		text = strings.ReplaceAll(text, "---\n", "---  \t\n")
		return "\uFEFF" + strings.ReplaceAll(text, "\n", "\r\n")
	}
	files := validTree()
	want, err := Load(writeTree(t, files))
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range files {
		files[name] = mangle(text)
	}
	got, err := Load(writeTree(t, files))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(withoutFiles(got), withoutFiles(want)) {
		t.Errorf("with editor artifacts:\n got %+v\nwant %+v", got, want)
	}

	files[telemetryFile] = mangle(strings.Replace(validCategory, "4200", "42OO", 1))
	dir := writeTree(t, files)
	_, err = Load(dir)
	if want := filepath.Join(dir, telemetryFile) + ":4: monthly_budget_usd:"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error = %v, want it to contain %q", err, want)
	}
}

func TestLoadReport(t *testing.T) {
	tests := []struct {
		name      string
		report    string // "" leaves report.md out
		wantTitle string
		wantBody  string
	}{
		{"absent", "", "", ""},
		{"body only", "\n\nThe month so far.\n\n", "", "The month so far."},
		{"front matter", "---\ntitle: Leadership report\n---\n\nThe month so far.\n", "Leadership report", "The month so far."},
		{"empty front matter", "---\n---\nThe month so far.\n", "", "The month so far."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := validTree()
			delete(files, "report.md")
			if tc.report != "" {
				files["report.md"] = tc.report
			}
			div, err := Load(writeTree(t, files))
			if err != nil {
				t.Fatal(err)
			}
			if div.ReportTitle != tc.wantTitle || div.Report.Markdown != tc.wantBody {
				t.Errorf("report = %q, %q; want %q, %q", div.ReportTitle, div.Report.Markdown, tc.wantTitle, tc.wantBody)
			}
		})
	}
}

func TestLoadDefaults(t *testing.T) {
	files := validTree()
	replace("_index.md", "alert_thresholds: [75, 90, 100]\nrecipients: [finops@novadynamics.test]\n", "")(t, files)
	replace(telemetryFile, "4200", "4200.50")(t, files)
	div, err := Load(writeTree(t, files))
	if err != nil {
		t.Fatal(err)
	}
	if div.Currency != "USD" || !slices.Equal(div.Thresholds, []int{75, 90, 100}) || div.Recipients != nil {
		t.Errorf("defaults: currency %q, thresholds %v, recipients %v", div.Currency, div.Thresholds, div.Recipients)
	}
	if div.Status != budget.DefaultStatusRules {
		t.Errorf("default status rules = %+v", div.Status)
	}
	if div.StaleAfterDays != 2 || div.Categories[0].BudgetHistory != nil {
		t.Errorf("defaults: stale after %d days, budget history %v", div.StaleAfterDays, div.Categories[0].BudgetHistory)
	}
	if got := div.Categories[0].MonthlyBudget; got.Cmp(budget.MustDecimal("4200.5")) != 0 {
		t.Errorf("budget = %s, want 4200.5 exactly", got)
	}
}

func TestLoadBudgetHistory(t *testing.T) {
	files := validTree()
	replace(telemetryFile, "owners:", "budget_history:\n  - {from: 2025-11, usd: 3000}\n  - from: 2026-06\n    usd: 3800.50\nowners:")(t, files)
	replace("_index.md", "title: Stellar Budget\n", "title: Stellar Budget\nstale_after_days: 5\nstatus:\n  projected_over_probability: 0.6\n")(t, files)
	div, err := Load(writeTree(t, files))
	if err != nil {
		t.Fatal(err)
	}
	got := div.Categories[0].BudgetHistory
	if len(got) != 2 || got[0].From.Format("2006-01") != "2025-11" || got[0].USD.String() != "3000" ||
		got[1].From.Format("2006-01") != "2026-06" || got[1].USD.String() != "3800.5" {
		t.Errorf("budget history = %+v", got)
	}
	if div.StaleAfterDays != 5 {
		t.Errorf("stale_after_days = %d, want 5", div.StaleAfterDays)
	}
	if div.Status != (budget.StatusRules{ProjectedOver: 0.6, Watch: 0.2}) {
		t.Errorf("status rules = %+v, want projected over 0.6 and the default watch", div.Status)
	}
}

func TestLoadAllowances(t *testing.T) {
	tests := []struct {
		name string
		edit func(t *testing.T, files map[string]string)
		want map[string]string // nil: none given
	}{
		{"absent", func(*testing.T, map[string]string) {}, nil},
		{"block", replace(telemetryFile, "policy:", "allowances:\n  ann@novadynamics.test: 1500.25\n  bob@novadynamics.test: \"0\"\npolicy:"),
			map[string]string{"ann@novadynamics.test": "1500.25", "bob@novadynamics.test": "0"}},
		{"flow", replace(telemetryFile, "policy:", "allowances: {ann@novadynamics.test: 0.1}\npolicy:"),
			map[string]string{"ann@novadynamics.test": "0.1"}},
		{"empty", replace(telemetryFile, "policy:", "allowances: {}\npolicy:"), map[string]string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := validTree()
			tc.edit(t, files)
			div, err := Load(writeTree(t, files))
			if err != nil {
				t.Fatal(err)
			}
			got := div.Categories[0].Allowances
			if (got == nil) != (tc.want == nil) || len(got) != len(tc.want) {
				t.Fatalf("allowances %v, want %v", got, tc.want)
			}
			for owner, usd := range tc.want {
				if v, ok := got[owner]; !ok || v.Cmp(budget.MustDecimal(usd)) != 0 {
					t.Errorf("%s: %s (given %v), want %s exactly", owner, v, ok, usd)
				}
			}
		})
	}
}

// TestNarrativeLines: each narrative knows the file line it starts on, so
// a placeholder error in it names the right line.
func TestNarrativeLines(t *testing.T) {
	div, err := Load("../../content")
	if err != nil {
		t.Fatal(err)
	}
	narratives := []budget.Narrative{div.Narrative, div.Report}
	for _, c := range div.Categories {
		narratives = append(narratives, c.Narrative)
	}
	for _, n := range narratives {
		raw, err := os.ReadFile(n.File)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(raw), "\n")
		first, _, _ := strings.Cut(n.Markdown, "\n")
		if n.Line < 1 || n.Line > len(lines) || lines[n.Line-1] != first {
			t.Errorf("%s: narrative line %d does not hold %q", n.File, n.Line, first)
		}
	}
}
