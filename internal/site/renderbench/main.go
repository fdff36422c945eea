// Command renderbench measures the render step (report to HTML pages, CSVs
// and snapshot) on a division of many categories, against Hugo building the
// same number of comparable pages in the same run: each Hugo page carries
// the category's figures, a 13-month table and a month of daily rows, like
// a category page's tables (without charts).
//
//	go run ./internal/site/renderbench --categories 500
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/report"
	"github.com/novadynamics/stellar-budget/internal/site"
	sitetemplates "github.com/novadynamics/stellar-budget/site-templates"
)

func main() {
	n := flag.Int("categories", 500, "number of categories")
	runs := flag.Int("runs", 3, "runs of each; the fastest is reported")
	flag.Parse()
	if err := run(*n, *runs); err != nil {
		log.Fatal(err)
	}
}

var asOf = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

// division makes n categories with two owners each and a year of daily
// facts, so every table on every page is full.
func division(n int) (budget.Division, budget.Dataset) {
	div := budget.Division{Title: "Render benchmark", Name: "Benchmark", Currency: "USD", Thresholds: []int{75, 90, 100}}
	var data budget.Dataset
	var facts []budget.Fact
	data.Source, data.ReadAt = "demo", asOf
	start := asOf.AddDate(0, -13, 0)
	for i := range n {
		tag := fmt.Sprintf("CATEGORY_%04d", i)
		div.Categories = append(div.Categories, budget.Category{
			Slug: fmt.Sprintf("category-%04d", i), Title: fmt.Sprintf("Category %d", i), TagValue: tag,
			MonthlyBudget: budget.DecimalFromInt(int64(3000 + 17*i)), Owners: []string{"lead@example.test"},
			OnBreach: budget.OnBreach{Action: budget.ActionNotify, DryRun: true},
		})
		for d := start; !d.After(asOf); d = d.AddDate(0, 0, 1) {
			for o, product := range []string{"JOBS", "ALL_PURPOSE"} {
				cost := budget.MustDecimal(fmt.Sprintf("%d.%02d", 40+(i+d.Day()*o)%60, d.Day()))
				facts = append(facts, budget.Fact{
					Date: d, Category: tag, Attribution: budget.Attributed, Owner: fmt.Sprintf("owner%d-%d@example.test", i, o),
					ResourceType: product, SKU: "PREMIUM_" + product + "_COMPUTE", Priced: true, DBUs: cost.Add(cost), Cost: cost,
				})
			}
		}
	}
	data.Facts = budget.RollUp(facts, budget.DetailStart(asOf))
	data.FirstDate, data.LastDate = start, asOf
	return div, data
}

func run(n, runs int) error {
	div, data := division(n)
	r, err := report.Build(div, data, asOf)
	if err != nil {
		return err
	}
	pages := n + 2 // categories, master, leadership report
	best := time.Duration(1 << 62)
	for range runs {
		dir, err := os.MkdirTemp("", "renderbench-")
		if err != nil {
			return err
		}
		start := time.Now()
		if err := site.Render(r, site.Options{Templates: sitetemplates.FS, Dir: dir, Now: asOf}); err != nil {
			return err
		}
		best = min(best, time.Since(start))
		os.RemoveAll(dir)
	}

	hugoDir, err := hugoSite(r)
	if err != nil {
		return err
	}
	defer os.RemoveAll(hugoDir)
	hugoBest := time.Duration(1 << 62)
	for range runs {
		out := filepath.Join(hugoDir, "public")
		os.RemoveAll(out)
		start := time.Now()
		cmd := exec.Command("hugo", "--quiet", "--source", hugoDir, "--destination", out)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("hugo (Debian: apt-get install -y hugo): %w", err)
		}
		hugoBest = min(hugoBest, time.Since(start))
	}
	hugoPages, _ := filepath.Glob(filepath.Join(hugoDir, "public", "categories", "*", "index.html"))
	ours := float64(pages) / best.Seconds()
	theirs := float64(len(hugoPages)+1) / hugoBest.Seconds()
	fmt.Printf("| renderer | pages | best of %d s | pages/s |\n|---|---|---|---|\n", runs)
	fmt.Printf("| stellar-budget render (pages + %d CSVs + snapshot) | %d | %.3f | %.0f |\n", 5*(n+1), pages, best.Seconds(), ours)
	fmt.Printf("| hugo (tables only) | %d | %.3f | %.0f |\n", len(hugoPages)+1, hugoBest.Seconds(), theirs)
	fmt.Printf("ratio ours/hugo pages per second: %.2f\n", ours/theirs)
	return nil
}

// hugoSite writes a Hugo site with one page per category holding the same
// tables a category page shows.
func hugoSite(r *report.Report) (string, error) {
	dir, err := os.MkdirTemp("", "renderbench-hugo-")
	if err != nil {
		return "", err
	}
	files := map[string]string{
		"hugo.toml":                    "baseURL = 'http://127.0.0.1/'\ntitle = 'Render benchmark'\ndisableKinds = ['taxonomy', 'term', 'RSS', 'sitemap']\n",
		"layouts/_default/baseof.html": `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body><main>{{ block "main" . }}{{ end }}</main></body></html>`,
		"layouts/_default/single.html": `{{ define "main" }}<h1>{{ .Title }}</h1><dl><dt>Budget</dt><dd>{{ .Params.budget }}</dd><dt>Month to date</dt><dd>{{ .Params.mtd }}</dd></dl>{{ .Content }}{{ end }}`,
		"layouts/_default/list.html":   `{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}`,
		"layouts/index.html":           `{{ define "main" }}<h1>{{ .Site.Title }}</h1>{{ end }}`,
	}
	for _, c := range r.Categories {
		var b strings.Builder
		fmt.Fprintf(&b, "---\ntitle: %q\nbudget: %q\nmtd: %q\n---\n\n| Month | Cost | Budget |\n|---|---:|---:|\n", c.Title, c.Budget.USD(), c.MonthToDate.USD())
		for _, m := range c.History {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", m.Month.Format("Jan 2006"), m.Cost.USD(), m.Budget.USD())
		}
		b.WriteString("\n| Date | Cost | Month to date |\n|---|---:|---:|\n")
		for _, d := range c.MonthDays {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", d.Date.Format(time.DateOnly), d.Cost.USD(), d.MonthToDate.USD())
		}
		files["content/categories/"+c.Slug+".md"] = b.String()
	}
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			return "", err
		}
	}
	return dir, nil
}
