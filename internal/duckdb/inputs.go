package duckdb

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/novadynamics/stellar-budget/internal/billing"
)

// inputFile is one export file and the format its name says it has.
type inputFile struct {
	path   string
	format billing.Format
	size   int64
	mod    time.Time // modification time
}

// formatOf tells an export's format from its name; gzipped text exports
// (.csv.gz, .jsonl.gz) are read as they are.
func formatOf(path string) (billing.Format, bool) {
	name := strings.TrimSuffix(strings.ToLower(filepath.Base(path)), ".gz")
	switch filepath.Ext(name) {
	case ".csv":
		return billing.CSV, true
	case ".jsonl", ".ndjson", ".json":
		return billing.JSONL, true
	case ".parquet":
		return billing.Parquet, true
	}
	return "", false
}

// expand turns --usage or --list-prices arguments (files, directories or
// globs) into the export files they name, sorted and without repeats.
// A directory is walked for files with a known export extension; a file
// named explicitly must have one too, so a typo is not read as CSV.
func expand(what string, args []string) ([]inputFile, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("no %s files given", what)
	}
	seen := map[string]bool{}
	var out []inputFile
	add := func(path string, explicit bool) error {
		format, ok := formatOf(path)
		if !ok {
			if explicit {
				return fmt.Errorf("%s %s: unknown file type (want .csv, .jsonl, .json, .ndjson or .parquet, optionally .gz)", what, path)
			}
			return nil
		}
		if seen[path] {
			return nil
		}
		info, err := os.Stat(path)
		if err != nil {
			return fmt.Errorf("%s %s: %w", what, path, err)
		}
		if info.Size() == 0 {
			return fmt.Errorf("%s %s: file is empty", what, path)
		}
		seen[path] = true
		out = append(out, inputFile{path: path, format: format, size: info.Size(), mod: info.ModTime()})
		return nil
	}
	for _, arg := range args {
		matches := []string{arg}
		if strings.ContainsAny(arg, "*?[") {
			var err error
			if matches, err = filepath.Glob(arg); err != nil {
				return nil, fmt.Errorf("%s %s: bad glob: %w", what, arg, err)
			}
			if len(matches) == 0 {
				return nil, fmt.Errorf("%s %s: no files match", what, arg)
			}
		}
		for _, m := range matches {
			info, err := os.Stat(m)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", what, m, err)
			}
			if !info.IsDir() {
				if err := add(m, true); err != nil {
					return nil, err
				}
				continue
			}
			before := len(out)
			err = filepath.WalkDir(m, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if d.IsDir() || strings.HasPrefix(d.Name(), ".") {
					return nil
				}
				return add(p, false)
			})
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", what, m, err)
			}
			if len(out) == before {
				return nil, fmt.Errorf("%s %s: directory holds no .csv, .jsonl or .parquet files", what, m)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out, nil
}
