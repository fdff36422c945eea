// Package site renders a report as a static website: the HTML pages from
// html/template layouts (Hugo's layout conventions), the CSV downloads, and
// data/snapshot.json for the serverless functions; and publishes the result
// by swapping it in for the previous site in one step.
//
// Layout of a rendered site (every link in it is relative, so it works
// under any base path and from file://):
//
//	index.html                     master page
//	categories/<slug>/index.html   one page per category
//	downloads/*.csv                the five CSV files, every category and UNATTRIBUTED
//	downloads/<slug>/*.csv         one category's rows of each file
//	data/snapshot.json             machine-readable state
//	css/site.css                   static assets, copied from the templates' static/
//	.gitkeep                       public/ keeps one in version control
package site

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/novadynamics/stellar-budget/internal/report"
)

// Options say where a site comes from and goes.
type Options struct {
	Templates fs.FS     // holds layouts/ and static/ (see site-templates/)
	Dir       string    // the directory to write into, normally from Stage
	Now       time.Time // the generated-at time the pages show
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

	master := newPage(r, nil, opts.Now)
	if err := writePage(layouts.index, master, filepath.Join(opts.Dir, "index.html")); err != nil {
		return fmt.Errorf("render master page: %w", err)
	}
	for i := range r.Categories {
		c := &r.Categories[i]
		path := filepath.Join(opts.Dir, "categories", c.Slug, "index.html")
		if err := writePage(layouts.category, newPage(r, c, opts.Now), path); err != nil {
			return fmt.Errorf("render category %s: %w", c.Slug, err)
		}
	}

	downloads := filepath.Join(opts.Dir, "downloads")
	if err := writeDownloads(downloads, r.Tables, func(string) bool { return true }); err != nil {
		return fmt.Errorf("render downloads: %w", err)
	}
	for _, c := range r.Categories {
		mine := func(category string) bool { return category == c.TagValue }
		if err := writeDownloads(filepath.Join(downloads, c.Slug), r.Tables, mine); err != nil {
			return fmt.Errorf("render downloads of %s: %w", c.Slug, err)
		}
	}
	if err := writeSnapshot(opts.Dir, r, opts.Now); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	if err := copyStatic(opts.Templates, opts.Dir); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	if err := os.WriteFile(filepath.Join(opts.Dir, ".gitkeep"), nil, 0o644); err != nil {
		return fmt.Errorf("render: %w", err)
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
