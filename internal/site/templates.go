package site

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/novadynamics/stellar-budget/internal/charts"
	"github.com/novadynamics/stellar-budget/internal/governance"
	"github.com/novadynamics/stellar-budget/internal/report"
)

// Layout files, Hugo style. Templates are named by their path under
// layouts/, so a page calls a partial as {{ template "partials/x.html" . }}
// and the base template defines the blocks "title" and "main" that each
// page fills.
const (
	layoutBase     = "_default/baseof.html"
	layoutIndex    = "index.html"
	layoutCategory = "category.html"
	layoutReport   = "report.html"
	partialsGlob   = "partials/*.html"
)

// layouts are the parsed page templates, each a clone of the base template
// and partials with one page's blocks.
type layouts struct {
	index      *template.Template
	category   *template.Template
	report     *template.Template
	compliance *template.Template
	agent      *template.Template
}

var funcs = template.FuncMap{
	"usd":           usd,
	"dbus":          dbus,
	"count":         count,
	"pct":           pct,
	"date":          date,
	"month":         month,
	"timestamp":     timestamp,
	"freshness":     freshness,
	"hourUTC":       hourUTC,
	"days":          days,
	"pctOf":         pctOf,
	"pctShown":      pctShown,
	"dict":          dict,
	"usdWhole":      usdWhole,
	"signedPct":     signedPct,
	"seq":           seq,
	"weekdays":      func() []time.Weekday { return weekOrder },
	"categoryColor": charts.CategoryColor,
	"cluster":       clusterText,
	"clock":         clock,
	"chart":         chart,
}

// dict builds a map from key, value pairs, as Hugo's dict does, so a
// partial can take more than one value.
func dict(pairs ...any) (map[string]any, error) {
	if len(pairs)%2 != 0 {
		return nil, fmt.Errorf("dict: %d arguments, want key, value pairs", len(pairs))
	}
	m := make(map[string]any, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		k, ok := pairs[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", pairs[i])
		}
		m[k] = pairs[i+1]
	}
	return m, nil
}

// parseLayouts reads the layouts of templates.
func parseLayouts(templates fs.FS) (*layouts, error) {
	layoutsFS, err := fs.Sub(templates, "layouts")
	if err != nil {
		return nil, fmt.Errorf("read layouts: %w", err)
	}
	partials, err := fs.Glob(layoutsFS, partialsGlob)
	if err != nil {
		return nil, fmt.Errorf("read layouts: %w", err)
	}
	base := template.New(layoutBase).Funcs(funcs)
	for _, name := range append([]string{layoutBase}, partials...) {
		if err := parseInto(base, layoutsFS, name); err != nil {
			return nil, err
		}
	}
	var l layouts
	for _, page := range []struct {
		name string
		into **template.Template
	}{{layoutIndex, &l.index}, {layoutCategory, &l.category}, {layoutReport, &l.report}, {layoutCompliance, &l.compliance}, {layoutAgent, &l.agent}} {
		t, err := base.Clone()
		if err != nil {
			return nil, fmt.Errorf("parse layout %s: %w", page.name, err)
		}
		if err := parseInto(t, layoutsFS, page.name); err != nil {
			return nil, err
		}
		*page.into = t
	}
	return &l, nil
}

func parseInto(t *template.Template, fsys fs.FS, name string) error {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return fmt.Errorf("read layout %s: %w", path.Join("layouts", name), err)
	}
	// New with t's own name would replace t by an empty template without
	// the functions, so the base template parses into itself.
	into := t
	if t.Name() != name {
		into = t.New(name)
	}
	if _, err := into.Parse(string(b)); err != nil {
		return fmt.Errorf("parse layout %s: %w", path.Join("layouts", name), err)
	}
	return nil
}

// writePage renders one page through the base template. It renders into
// memory first, so a template error leaves no half-written page behind.
func writePage(t *template.Template, p page, file string) error {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, layoutBase, p); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	return os.WriteFile(file, buf.Bytes(), 0o644)
}

// page is what a layout sees.
type page struct {
	Report      *report.Report
	Governance  *governance.Governance // the compliance page's data; nil: no page
	Category    *report.Category       // nil on the master page and the report
	GeneratedAt time.Time
	Charts      chartSet      // nil on pages without charts; layouts name them with chart
	Narrative   template.HTML // the page's Markdown body, rendered
	ReportTitle string
	PDF         bool // the leadership report has a PDF beside it
	Compliance  bool // the compliance page
	Agent       bool // the agent page
	// Root is the relative path from the page to the site root ("" or
	// "../../"), so links work under any base path and from file://.
	Root      string
	Downloads []download
}

// download is a link to one CSV file.
type download struct {
	Href        string
	Name        string
	Description string
}

var downloadFiles = []struct{ name, description string }{
	{fileCostByDay, "Cost per day and category"},
	{fileCostByOwner, "Cost per month, category and owner"},
	{fileCostByResource, "Cost per month, category, resource type and SKU"},
	{fileCostByWorkload, "Cost per month, category, workload (job, cluster, warehouse, pipeline, endpoint), workspace and owner"},
	{fileBudgetStatus, "Budget, actual and forecast per month and category"},
	{fileAlerts, "Budget threshold crossings"},
}

func newPage(r *report.Report, c *report.Category, root string, opts Options) page {
	p := page{Report: r, Governance: opts.Governance, Category: c, GeneratedAt: opts.Now, Root: root, ReportTitle: r.ReportTitle}
	if p.ReportTitle == "" {
		p.ReportTitle = "Leadership report"
	}
	dir := "downloads/"
	if c != nil {
		dir = "downloads/" + c.Slug + "/"
	}
	for _, f := range downloadFiles {
		p.Downloads = append(p.Downloads, download{Href: p.Root + dir + f.name, Name: f.name, Description: f.description})
	}
	return p
}
