// Package content loads the division's configuration from the content
// directory (DESIGN.md section 3): _index.md, categories/<slug>.md and
// report.md, Markdown files with YAML front matter. It validates everything
// before returning, so nothing downstream sees half-read configuration.
//
// Rules beyond DESIGN.md: unknown fields are errors; numbers are read from
// their text (quoted or not), never through a float; on_breach.dry_run is
// true unless set; booleans are only true or false; currency may only be
// USD; report.md is optional.
//
// A category may give owners monthly allowances, which the daily agent run
// (generator agent run) is to hold them to instead of their share of the
// budget by the last three months' spend:
//
//	allowances:
//	  mateo.ito@novadynamics.test: 1500
//	  quinn.tanaka@novadynamics.test: 0
//
// Each key is an owner's email address as the data names the owner (a key
// that is not an email address is an error), each once; each amount is USD
// per calendar month, zero or more, in whole cents (a negative amount is
// an error). The allowances need not add up to the budget.
package content

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// Load reads and validates the content directory dir. Categories are in file
// name order. On failure it returns every problem it found, each an *Error
// on its own line (errors.Join), so a user can fix them all in one go.
func Load(dir string) (budget.Division, error) {
	var errs []error

	var div budget.Division
	indexFile := filepath.Join(dir, "_index.md")
	if data, err := os.ReadFile(indexFile); err != nil {
		errs = append(errs, ioError(indexFile, err, "create it with the site title and division in its front matter"))
	} else {
		var indexErrs []error
		div, indexErrs = parseIndex(indexFile, data)
		errs = append(errs, indexErrs...)
	}

	categories, categoryErrs := loadCategories(filepath.Join(dir, "categories"))
	errs = append(errs, categoryErrs...)
	div.Categories = categories

	reportFile := filepath.Join(dir, "report.md")
	data, err := os.ReadFile(reportFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// The report narrative is optional; the report page still has figures.
	case err != nil:
		errs = append(errs, ioError(reportFile, err, ""))
	default:
		var reportErrs []error
		div.ReportTitle, div.Report, reportErrs = parseReport(reportFile, data)
		errs = append(errs, reportErrs...)
	}

	if len(errs) > 0 {
		return budget.Division{}, errors.Join(errs...)
	}
	return div, nil
}

// loadCategories reads every *.md file in dir, then checks what no single
// file can: that there is at least one, and that tag values are unique.
func loadCategories(dir string) ([]budget.Category, []error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, []error{ioError(dir, err, "create it with one <slug>.md file per category")}
	}
	var (
		categories []budget.Category
		errs       []error
		tagFile    = map[string]string{} // tag_value → "file:line" that first used it
	)
	for _, e := range entries { // os.ReadDir sorts by file name
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".md") {
			continue
		}
		file := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(file)
		if err != nil {
			errs = append(errs, ioError(file, err, ""))
			continue
		}
		c, fileErrs := parseCategory(file, data)
		errs = append(errs, fileErrs...)
		if c.TagValue != "" {
			if first, dup := tagFile[c.TagValue]; dup {
				errs = append(errs, &Error{File: file, Line: c.tagLine, Field: "tag_value",
					Msg: fmt.Sprintf("%q is already used by %s (give each category its own tag_value)", c.TagValue, first)})
			} else {
				tagFile[c.TagValue] = fmt.Sprintf("%s:%d", file, c.tagLine)
			}
		}
		categories = append(categories, c.Category)
	}
	if len(categories) == 0 && len(errs) == 0 {
		errs = append(errs, &Error{File: dir,
			Msg: "no category files (add one <slug>.md per category, e.g. deep-space-telemetry.md)"})
	}
	return categories, errs
}

// ioError reports a file that could not be read; hint says how to create it
// when it is missing.
func ioError(file string, err error, hint string) error {
	// Error names the file already; a *fs.PathError would name it twice.
	msg := err.Error()
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		msg = pe.Err.Error()
	}
	if errors.Is(err, fs.ErrNotExist) && hint != "" {
		msg = "missing (" + hint + ")"
	}
	return &Error{File: file, Msg: msg, Err: err}
}
