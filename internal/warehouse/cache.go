package warehouse

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/novadynamics/stellar-budget/internal/attribution"
	// Named statedir: func state reads a statement's state.
	statedir "github.com/novadynamics/stellar-budget/internal/state"
)

// cache is what the source keeps between builds: the attribution result
// rows of every usage day it has pulled, as the warehouse sent them, so a
// build from the cache reads them exactly as a build from the warehouse.
type cache struct {
	Format      int    `json:"format"`
	Fingerprint string `json:"fingerprint"`
	Host        string `json:"host"`
	WarehouseID string `json:"warehouse_id"`
	// Watermark is the latest ingestion_date the table had when the cache
	// was last pulled; rows ingested on or after it may be new.
	Watermark string `json:"watermark"`
	// From and To bound the usage days the cache holds completely: every
	// day between them was pulled (a day without usage has no rows).
	From string `json:"from"`
	To   string `json:"to"`
	// Through is the cut the last pull applied (RFC 3339; "" for none):
	// usage ending after it was left out, so the day it falls in holds
	// only the hours before it.
	Through  string    `json:"through,omitempty"`
	PulledAt time.Time `json:"pulled_at"`
	// Days holds each usage day's result rows (ResultColumns order, null
	// as empty text).
	Days map[string][][]string `json:"days"`
}

func cachePath(stateDir string) string {
	return filepath.Join(stateDir, statedir.DatabricksCache)
}

// loadCache reads the cache; a missing file is (nil, nil). The stream is
// read to its end before it is decoded: only then does gzip check its
// CRC, so a damaged file is refused instead of read as other numbers.
func loadCache(stateDir string) (*cache, error) {
	path := cachePath(stateDir)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read databricks cache: %w", err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("read databricks cache %s: %w", path, err)
	}
	data, err := io.ReadAll(z)
	if err != nil {
		return nil, fmt.Errorf("read databricks cache %s: %w", path, err)
	}
	var c cache
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("read databricks cache %s: %w", path, err)
	}
	if err := c.check(); err != nil {
		return nil, fmt.Errorf("read databricks cache %s: %w", path, err)
	}
	return &c, nil
}

// check rejects a cache this version cannot read. Every row must read as
// a fact of the day it is kept under: a kept day is never pulled again,
// so a bad row would fail, or a misfiled one double count, every build.
func (c *cache) check() error {
	if c.Format != cacheFormat {
		return fmt.Errorf("format %d, want %d", c.Format, cacheFormat)
	}
	for _, s := range []string{c.Watermark, c.From, c.To} {
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return fmt.Errorf("bad date %q", s)
		}
	}
	for day, rows := range c.Days {
		if _, err := time.Parse(time.DateOnly, day); err != nil {
			return fmt.Errorf("bad day %q", day)
		}
		if err := addRows(&attribution.Collector{}, rows); err != nil {
			return fmt.Errorf("usage day %s: %w", day, err)
		}
		for _, r := range rows {
			if r[dateColumn] != day {
				return fmt.Errorf("usage day %s holds a row of %s", day, r[dateColumn])
			}
		}
	}
	return nil
}

// save replaces the cache in one step (internal/state's Write), so a
// crash or a full disk leaves the previous cache as it was.
func (c *cache) save(stateDir string) error {
	path := cachePath(stateDir)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write databricks cache: %w", err)
	}
	err := statedir.Write(path, statedir.FilePerm, func(w io.Writer) error {
		z := gzip.NewWriter(w)
		if err := json.NewEncoder(z).Encode(c); err != nil {
			return err
		}
		return z.Close()
	})
	if err != nil {
		return fmt.Errorf("write databricks cache %s: %w", path, err)
	}
	return nil
}

// days lists the cached usage days within [from, to], in order.
func (c *cache) days(from, to time.Time) []string {
	lo, hi := from.Format(time.DateOnly), to.Format(time.DateOnly)
	var out []string
	for d := range c.Days {
		if d >= lo && d <= hi {
			out = append(out, d)
		}
	}
	sort.Strings(out)
	return out
}
