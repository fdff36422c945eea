package duckdb

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/novadynamics/stellar-budget/internal/attribution"
	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/demo"
	"github.com/novadynamics/stellar-budget/internal/state"
)

// A files build with a state directory keeps there what each usage file
// attributed to (its result rows, one cache file per usage file), so that the next build reads again only
// the files whose size or modification time changed, or that are new: an
// export that grows by a file a day or an hour costs the new file. The
// grains are sums, so the rows of files attributed apart, added up, are the
// rows of all of them attributed at once (attribution.Collector sums equal
// identities). A correction is a record like any other: it counts in
// whichever file carries it.
//
// Everything else a result depends on is in the cache's fingerprint: the
// list price files (path, size, modification time), the categories, and
// the attribution SQL. A cut (an --as-of) and the detail grain's start are
// kept per file: a file's rows serve another cut when the file holds
// nothing after either, and another detail start when theirs is not later
// (the earlier days' detail is dropped).

// filesCacheFormat is the format of the cache file (gob, gzipped: JSON
// took a third of a build that read nothing new); another is not read.
const filesCacheFormat = 2

type filesCache struct {
	Format      int          `json:"format"`
	Fingerprint string       `json:"fingerprint"`
	Files       []cachedFile `json:"files"`
}

// cachedFile is one usage file's attribution.
type cachedFile struct {
	Path    string    `json:"path"`
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mod_time"`
	// Through is the cut the file was read with; zero for none.
	Through time.Time `json:"through,omitzero"`
	// DetailFrom is the start of the detail grain its rows carry.
	DetailFrom time.Time `json:"detail_from"`
	// LastDay and LastUsage are its latest usage_date and usage_end_time
	// (after the cut); zero when the cut left nothing.
	LastDay   time.Time `json:"last_day,omitzero"`
	LastUsage time.Time `json:"last_usage,omitzero"`
	// Rows are its result rows, attribution.ResultColumns order, null as
	// empty text.
	Rows [][]string `json:"rows"`
}

// Result columns the cache reads and rewrites.
var (
	grainColumn      = slices.IndexFunc(attribution.ResultColumns, func(c attribution.ResultColumn) bool { return c.Name == "grain" })
	dateColumn       = slices.IndexFunc(attribution.ResultColumns, func(c attribution.ResultColumn) bool { return c.Name == "usage_date" })
	detailFromColumn = slices.IndexFunc(attribution.ResultColumns, func(c attribution.ResultColumn) bool { return c.Name == "detail_from" })
)

// serves reports whether c's rows are what reading f with cut through and
// detail start from (zero: not known yet) would give.
func (c cachedFile) serves(f inputFile, through, from time.Time) bool {
	if c.Path != f.path || c.Size != f.size || !c.ModTime.Equal(f.mod) {
		return false
	}
	if !from.IsZero() && c.DetailFrom.After(from) {
		return false
	}
	if c.Through.Equal(through) {
		return true
	}
	// Another cut: the same rows when neither cut takes anything, which
	// the rows can tell only when they were read whole.
	return c.Through.IsZero() && !c.LastUsage.IsZero() && !c.LastUsage.After(through)
}

// filesFingerprint is what every cached file's rows depend on besides the
// file itself.
func filesFingerprint(tagValues []string, prices []inputFile) string {
	h := sha256.New()
	fmt.Fprintf(h, "format %d\n%s\n", filesCacheFormat, attribution.Digest())
	for _, v := range tagValues {
		fmt.Fprintf(h, "category %q\n", v)
	}
	for _, p := range prices {
		fmt.Fprintf(h, "prices %q %d %d\n", p.path, p.size, p.mod.UnixNano())
	}
	return hex.EncodeToString(h.Sum(nil))
}

// attributeCached is FilesSource.Attribute with a cache in stateDir.
func (s FilesSource) attributeCached(ctx context.Context, e *Engine, tagValues []string) (Result, error) {
	usageFiles, err := expand("usage", s.Usage)
	if err != nil {
		return Result{}, err
	}
	priceFiles, err := expand("list prices", s.ListPrices)
	if err != nil {
		return Result{}, err
	}
	dir := filepath.Join(s.StateDir, state.FilesCache)
	fp := filesFingerprint(tagValues, priceFiles)
	// kept returns what the cache holds of one file.
	kept := func(f inputFile) (cachedFile, bool) {
		if s.Full {
			return cachedFile{}, false
		}
		old, err := loadFilesCache(entryPath(dir, f.path))
		if err != nil {
			e.log.Warn("cannot use the files cache: reading the file", "file", f.path, "err", err)
		}
		if old == nil || old.Fingerprint != fp || len(old.Files) != 1 {
			return cachedFile{}, false
		}
		return old.Files[0], true
	}
	// read attributes one file; its result is kept too, for a build of
	// that file alone (a large export read once).
	var last Result
	read := func(f inputFile, from time.Time) (cachedFile, error) {
		c := cachedFile{Path: f.path, Size: f.size, ModTime: f.mod, Through: s.Through}
		res, err := e.attribute(ctx, Input{Usage: []string{f.path}, ListPrices: s.ListPrices, TagValues: tagValues, Through: s.Through, DetailFrom: from},
			func(row []*string) { c.Rows = append(c.Rows, textRow(row)) })
		if err != nil {
			return cachedFile{}, err
		}
		c.DetailFrom, c.LastUsage = res.Facts.DetailFrom, res.LastUsage
		if n := len(res.Facts.Days); n > 0 {
			c.LastDay = res.Facts.Days[n-1].Date
		}
		last = res
		return c, nil
	}
	files := make([]cachedFile, len(usageFiles))
	changed := make([]bool, len(usageFiles))
	for i, f := range usageFiles {
		if c, ok := kept(f); ok && c.serves(f, s.Through, s.DetailFrom) {
			files[i] = c
			continue
		}
		if files[i], err = read(f, s.DetailFrom); err != nil {
			return Result{}, err
		}
		changed[i] = true
	}
	// Without an as-of, the detail starts from the last day of all the
	// files: a file read with a later start (an earlier build's as-of) is
	// read again.
	from := s.DetailFrom
	if from.IsZero() {
		var lastDay time.Time
		for _, c := range files {
			if c.LastDay.After(lastDay) {
				lastDay = c.LastDay
			}
		}
		from = budget.DetailStart(lastDay)
		for i, c := range files {
			if c.DetailFrom.After(from) {
				if files[i], err = read(usageFiles[i], from); err != nil {
					return Result{}, err
				}
				changed[i] = true
			}
		}
	}
	res := last // the one file just read: its result as the engine gave it
	if len(files) != 1 || !changed[0] || !last.Facts.DetailFrom.Equal(from) {
		if res, err = combine(files, from, dir); err != nil {
			return Result{}, err
		}
	}
	if res.Rows == 0 {
		// Nothing up to the cut in any file: the engine says why.
		return e.Attribute(ctx, Input{Usage: s.Usage, ListPrices: s.ListPrices, TagValues: tagValues, Through: s.Through, DetailFrom: s.DetailFrom})
	}
	res.Inputs = nil
	for _, f := range append(usageFiles, priceFiles...) {
		res.Inputs = append(res.Inputs, f.path)
	}
	reread := 0
	for i, c := range files {
		if !changed[i] {
			continue
		}
		reread++
		if err := saveFilesCache(entryPath(dir, c.Path), &filesCache{Format: filesCacheFormat, Fingerprint: fp, Files: []cachedFile{c}}); err != nil {
			e.log.Warn("cannot keep a file in the files cache: the next build reads it again", "err", err)
		}
	}
	e.log.Info("files cache", "files", len(usageFiles), "read", reread, "from_cache", len(usageFiles)-reread)
	forgetOthers(dir, usageFiles, e.log)
	return res, nil
}

// combine reads the files' rows into one result, the detail from from on.
func combine(files []cachedFile, from time.Time, dir string) (Result, error) {
	var col attribution.Collector
	fromText := from.Format(time.DateOnly)
	for _, c := range files {
		for _, r := range c.Rows {
			if r[grainColumn] == "detail" && r[dateColumn] < fromText {
				continue
			}
			r[detailFromColumn] = fromText
			if err := col.Add(pointerRow(r)); err != nil {
				return Result{}, fmt.Errorf("files cache %s: %s: %w", dir, c.Path, err)
			}
		}
	}
	return col.Result(), nil
}

// attributeCached is DemoSource.Attribute with a cache in stateDir: the
// demo account read at one hour is the same account every time, so a
// second build in the hour reads it from the cache instead of generating
// and attributing it again. The fingerprint holds the whole configuration
// and this executable (its generator is code).
func (s DemoSource) attributeCached(ctx context.Context, e *Engine, tagValues []string) (Result, error) {
	path := filepath.Join(s.StateDir, state.DemoCache)
	fp, err := demoFingerprint(s.Config, tagValues, s.DetailFrom)
	if err != nil {
		e.log.Warn("cannot cache the demo account", "err", err)
		return e.AttributeDemo(ctx, s.Config, tagValues, s.DetailFrom)
	}
	if !s.Full {
		old, err := loadFilesCache(path)
		if err != nil {
			e.log.Warn("cannot use the demo cache: generating the account", "err", err)
		}
		if old != nil && old.Fingerprint == fp && len(old.Files) == 1 {
			var col attribution.Collector
			for _, r := range old.Files[0].Rows {
				if err := col.Add(pointerRow(r)); err != nil {
					return Result{}, fmt.Errorf("demo cache %s: %w", path, err)
				}
			}
			res := col.Result()
			res.Inputs = []string{demoInput(s.Config)}
			e.log.Info("read the demo account from the cache", "file", path, "records", res.Rows)
			return res, nil
		}
	}
	kept := cachedFile{Path: "demo", Through: s.Config.Through, DetailFrom: s.DetailFrom}
	res, err := e.attributeDemo(ctx, s.Config, tagValues, s.DetailFrom, func(row []*string) { kept.Rows = append(kept.Rows, textRow(row)) })
	if err != nil {
		return Result{}, err
	}
	if err := saveFilesCache(path, &filesCache{Format: filesCacheFormat, Fingerprint: fp, Files: []cachedFile{kept}}); err != nil {
		e.log.Warn("cannot keep the demo cache", "err", err)
	}
	return res, nil
}

// demoFingerprint identifies a demo account's attribution: its
// configuration (read at the hour), the categories, the detail start, the
// attribution SQL and the executable that generates it.
func demoFingerprint(cfg demo.Config, tagValues []string, detailFrom time.Time) (string, error) {
	cfg.Through = cfg.Through.UTC().Truncate(time.Hour)
	config, err := json.Marshal(cfg)
	if err != nil {
		return "", err
	}
	exe, err := state.ExecutableID()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "format %d\n%s\n%s\n%s\n%s\n", filesCacheFormat, attribution.Digest(), config, exe, detailFrom.Format(time.DateOnly))
	for _, v := range tagValues {
		fmt.Fprintf(h, "category %q\n", v)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// entryPath is where the files cache keeps one usage file: a file each,
// so that a build that reads one new file writes only its own.
func entryPath(dir, usagePath string) string {
	sum := sha256.Sum256([]byte(usagePath))
	return filepath.Join(dir, hex.EncodeToString(sum[:16])+".gob.gz")
}

// forgetOthers removes what the cache keeps of files this build did not
// name, so that it holds no more than the export.
func forgetOthers(dir string, usage []inputFile, log *slog.Logger) {
	keep := map[string]bool{}
	for _, f := range usage {
		keep[filepath.Base(entryPath(dir, f.path))] = true
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return // nothing kept yet, or nothing to tidy
	}
	for _, d := range entries {
		if strings.HasSuffix(d.Name(), ".gob.gz") && !keep[d.Name()] {
			if err := os.Remove(filepath.Join(dir, d.Name())); err != nil {
				log.Warn("files cache: cannot remove an entry of a file no longer read", "err", err)
			}
		}
	}
}

func textRow(row []*string) []string {
	out := make([]string, len(row))
	for i, v := range row {
		if v != nil {
			out[i] = *v
		}
	}
	return out
}

func pointerRow(row []string) []*string {
	out := make([]*string, len(row))
	for i := range row {
		out[i] = &row[i]
	}
	return out
}

// loadFilesCache reads the cache; a missing file is (nil, nil), one of
// another format is refused, and so is one whose gzip CRC, checked at the
// end of the stream, does not match.
func loadFilesCache(path string) (*filesCache, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read files cache: %w", err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("read files cache %s: %w", path, err)
	}
	var c filesCache
	if err := gob.NewDecoder(z).Decode(&c); err != nil {
		return nil, fmt.Errorf("read files cache %s: %w", path, err)
	}
	// gzip checks its CRC at the end of the stream.
	if _, err := io.Copy(io.Discard, z); err != nil {
		return nil, fmt.Errorf("read files cache %s: %w", path, err)
	}
	if c.Format != filesCacheFormat {
		return nil, fmt.Errorf("read files cache %s: format %d, want %d", path, c.Format, filesCacheFormat)
	}
	for _, file := range c.Files {
		for _, r := range file.Rows {
			if len(r) != len(attribution.ResultColumns) {
				return nil, fmt.Errorf("read files cache %s: %s: a row of %d columns, want %d", path, file.Path, len(r), len(attribution.ResultColumns))
			}
		}
	}
	return &c, nil
}

// saveFilesCache replaces the cache in one step (state.Write).
func saveFilesCache(path string, c *filesCache) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write files cache: %w", err)
	}
	err := state.Write(path, state.FilePerm, func(w io.Writer) error {
		z, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
		if err != nil {
			return err
		}
		if err := gob.NewEncoder(z).Encode(c); err != nil {
			return err
		}
		return z.Close()
	})
	if err != nil {
		return fmt.Errorf("write files cache %s: %w", path, err)
	}
	return nil
}
