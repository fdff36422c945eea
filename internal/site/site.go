// Package site renders a report as a static website: the HTML pages from
// html/template layouts (Hugo's layout conventions), the CSV downloads, and
// data/snapshot.json for the serverless functions (its schema, writer and
// reader are package snapshot's); and publishes the result
// by swapping it in for the previous site in one step.
//
// Layout of a rendered site (every link in it is relative, so it works
// under any base path and from file://):
//
//	index.html                     master page
//	categories/<slug>/index.html   one page per category
//	report/index.html              the leadership report
//	compliance/index.html          governance: compliance, drift, the audit log
//	agent/index.html               the agent trail and what its actions saved
//	downloads/*.csv                the CSV files, every category and UNATTRIBUTED
//	downloads/agent_trail.csv      the whole agent trail (the page lists the newest 200)
//	downloads/<slug>/*.csv         one category's rows of each file
//	data/snapshot.json             machine-readable state
//	css/site.css                   static assets, copied from the templates' static/
//	.gitkeep                       public/ keeps one in version control
//	.stellar-budget-site           what the generator wrote, written by Publish;
//	                               the rule it serves is in marker.go
package site

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/novadynamics/stellar-budget/internal/governance"
	"github.com/novadynamics/stellar-budget/internal/report"
)

// Options say where a site comes from and goes.
type Options struct {
	Templates fs.FS     // holds layouts/ and static/ (see site-templates/)
	Dir       string    // the directory to write into, normally from Stage
	Now       time.Time // the generated-at time the pages show
	PDF       bool      // report/report.pdf will be there: link to it
	// Governance is the compliance page's data; nil renders no page.
	Governance *governance.Governance
}

// slugPattern keeps a category slug a single, tame path segment: it names a
// directory under categories/ and downloads/.
var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// Render writes the whole site for r into opts.Dir, which should be empty
// (a directory from Stage): static assets never overwrite a file. On error
// the directory holds a partial site; the caller discards it and publishes
// nothing.
func Render(r *report.Report, opts Options) error {
	for _, c := range r.Categories {
		if !slugPattern.MatchString(c.Slug) {
			return fmt.Errorf("render category %q: slug must be lower-case letters, digits, '-' or '_'", c.Slug)
		}
	}
	layouts, err := parseLayouts(opts.Templates)
	if err != nil {
		return err
	}

	division := buildMasterCharts(r)
	master := newPage(r, nil, "", opts)
	master.Charts = division
	if master.Narrative, err = renderNarrative(r.Narrative, r, nil); err != nil {
		return err
	}
	if err := writePage(layouts.index, master, filepath.Join(opts.Dir, "index.html")); err != nil {
		return fmt.Errorf("render master page: %w", err)
	}
	leadership := newPage(r, nil, "../", opts)
	leadership.PDF = opts.PDF
	leadership.Charts = division
	if leadership.Narrative, err = renderNarrative(r.ReportNarrative, r, nil); err != nil {
		return err
	}
	if err := writePage(layouts.report, leadership, filepath.Join(opts.Dir, "report", "index.html")); err != nil {
		return fmt.Errorf("render leadership report: %w", err)
	}
	if err := renderCompliance(layouts, r, opts); err != nil {
		return err
	}
	downloads := filepath.Join(opts.Dir, "downloads")
	if err := writeDownloads(downloads, r.Tables); err != nil {
		return fmt.Errorf("render downloads: %w", err)
	}
	if err := renderAgent(layouts, r, opts); err != nil {
		return err
	}
	// Category pages are independent and mostly file creation: render
	// them in parallel (html/template is safe for concurrent execution).
	split := byCategory(r.Tables)
	var g errgroup.Group
	g.SetLimit(2 * runtime.GOMAXPROCS(0))
	for i := range r.Categories {
		c := &r.Categories[i]
		g.Go(func() error {
			return renderCategory(layouts, r, c, i, split[c.TagValue], opts)
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if err := writeSnapshot(opts.Dir, r, opts.Governance, opts.Now); err != nil {
		return err
	}
	if err := copyStatic(opts.Templates, opts.Dir); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	if err := os.WriteFile(filepath.Join(opts.Dir, ".gitkeep"), nil, 0o644); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	return nil
}

// renderCategory writes one category's page and its CSV files.
func renderCategory(layouts *layouts, r *report.Report, c *report.Category, index int, rows *report.Tables, opts Options) error {
	p := newPage(r, c, "../../", opts)
	p.Charts = buildCategoryCharts(r, c, index)
	var err error
	if p.Narrative, err = renderNarrative(c.Narrative, r, c); err != nil {
		return err
	}
	path := filepath.Join(opts.Dir, "categories", c.Slug, "index.html")
	if err := writePage(layouts.category, p, path); err != nil {
		return fmt.Errorf("render category %s: %w", c.Slug, err)
	}
	if rows == nil {
		rows = &report.Tables{}
	}
	if err := writeDownloads(filepath.Join(opts.Dir, "downloads", c.Slug), *rows); err != nil {
		return fmt.Errorf("render downloads of %s: %w", c.Slug, err)
	}
	return nil
}

// copyStatic copies the templates' static/ tree into dir as it is.
func copyStatic(templates fs.FS, dir string) error {
	static, err := fs.Sub(templates, "static")
	if err != nil {
		return fmt.Errorf("copy static assets: %w", err)
	}
	if err := os.CopyFS(dir, static); err != nil {
		return fmt.Errorf("copy static assets: %w", err)
	}
	return nil
}
