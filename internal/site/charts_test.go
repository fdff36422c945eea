package site

import (
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/novadynamics/stellar-budget/internal/governance"
	sitetemplates "github.com/novadynamics/stellar-budget/site-templates"
)

// TestChartNamesDrawn checks that every name a layout can use stands for a
// chart that is drawn, each its own: a name wired to a field nobody fills
// would draw an empty box as the misspelt names once did.
func TestChartNamesDrawn(t *testing.T) {
	r := testReport(t)
	for _, tc := range []struct {
		name string
		set  chartSet
		want []string
	}{
		{"master", buildMasterCharts(r), []string{"distribution", "budget", "history", "heatdays", "heathours"}},
		{"category", buildCategoryCharts(r, &r.Categories[0], 0), []string{"daily", "resources", "owners", "budget"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ids := map[string]string{}
			var names []string
			for _, c := range tc.set.named() {
				names = append(names, c.name)
				if c.chart.ID == "" || c.chart.Option == "" {
					t.Errorf("chart %q is not drawn", c.name)
				}
				if other, ok := ids[c.chart.ID]; ok {
					t.Errorf("charts %q and %q are the same chart %s", other, c.name, c.chart.ID)
				}
				ids[c.chart.ID] = c.name
			}
			if strings.Join(names, " ") != strings.Join(tc.want, " ") {
				t.Errorf("names %v, want %v", names, tc.want)
			}
		})
	}
}

// TestChartNameUnknown renders the site with one layout of the user's that
// names a chart wrongly: the render fails, naming the layout file and line,
// the name, and the names the page has.
func TestChartNameUnknown(t *testing.T) {
	for _, tc := range []struct {
		name        string
		layout      string // under layouts/
		old, new    string // the built-in text and its misspelling
		wantMessage string
		governed    bool // the report has the compliance page's figures
	}{
		{"master page", "index.html", `(chart .Charts "history")`, `(chart .Charts "histroy")`,
			`unknown chart "histroy": this page's charts are distribution, budget, history, heatdays, heathours`, false},
		{"leadership report", "report.html", `(chart .Charts "budget")`, `(chart .Charts "Budget")`,
			`unknown chart "Budget": this page's charts are distribution, budget, history, heatdays, heathours`, false},
		{"category page", "category.html", `(chart .Charts "owners")`, `(chart .Charts "owner")`,
			`unknown chart "owner": this page's charts are daily, resources, owners, budget`, false},
		{"a category chart on the master page", "index.html", `(chart .Charts "heathours")`, `(chart .Charts "daily")`,
			`unknown chart "daily": this page's charts are distribution, budget, history, heatdays, heathours`, false},
		{"a page without charts", "compliance.html", `{{ define "main" }}`, `{{ define "main" }}{{ template "partials/chart.html" (chart .Charts "budget") }}`,
			`unknown chart "budget": this page has no charts`, true},
		{"a partial", "partials/history-table.html", `{{`, `{{ template "partials/chart.html" (chart .Charts "hisotry") }}{{`,
			`unknown chart "hisotry": this page's charts are`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			builtin, err := fs.ReadFile(sitetemplates.FS, "layouts/"+tc.layout)
			if err != nil {
				t.Fatal(err)
			}
			at := strings.Index(string(builtin), tc.old)
			if at < 0 {
				t.Fatalf("layouts/%s has no %s", tc.layout, tc.old)
			}
			line := strings.Count(string(builtin[:at]), "\n") + 1
			user := fstest.MapFS{"layouts/" + tc.layout: {Data: []byte(strings.Replace(string(builtin), tc.old, tc.new, 1))}}

			opts := Options{Templates: Overlay(user, sitetemplates.FS), Dir: t.TempDir(), Now: now}
			if tc.governed {
				opts.Governance = &governance.Governance{}
			}
			err = Render(testReport(t), opts)
			if err == nil {
				t.Fatal("Render succeeded; want an unknown chart error")
			}
			for _, want := range []string{fmt.Sprintf("%s:%d:", tc.layout, line), tc.wantMessage} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q\ndoes not contain %q", err, want)
				}
			}
		})
	}
}
