// Command scalebench measures how `generator build --source files` scales
// with the size of a usage export, against a bare DuckDB aggregation over
// the same files measured in the same run (the machines are noisy, so only
// ratios mean something).
//
// The bare query is what an analyst would type into DuckDB: usage joined to
// its list price on SKU, cloud, unit and time window, cost summed by date,
// category tag and SKU. The build does that and everything else: validation,
// tag normalisation, owners, unattributed and unpriced splits, the report,
// every page and CSV, and the atomic publish.
//
// Run from the repository root:
//
//	go run ./internal/duckdb/scalebench --rows 1000000,10000000 --format parquet
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

func main() {
	var (
		rowsFlag = flag.String("rows", "1000000,10000000", "comma-separated export sizes in usage records")
		format   = flag.String("format", "parquet", "export format: csv, jsonl or parquet")
		dir      = flag.String("dir", filepath.Join(os.TempDir(), "stellar-scalebench"), "work directory (exports are reused between runs)")
		runs     = flag.Int("runs", 3, "measurements of each command; the median is reported")
		incr     = flag.Bool("incremental", false, "measure incremental builds instead (Parquet): the export split into its history and its last day, built with a state directory")
		bare     = flag.String("bare", "", "internal: run the bare query over this usage file and exit")
		prices   = flag.String("bare-prices", "", "internal: list prices for --bare")
	)
	flag.Parse()
	if *bare != "" {
		if err := bareQuery(*bare, *prices, *format); err != nil {
			log.Fatal(err)
		}
		return
	}
	if *incr {
		if err := runIncremental(*rowsFlag, *dir, *runs); err != nil {
			log.Fatal(err)
		}
		return
	}
	if err := run(*rowsFlag, *format, *dir, *runs); err != nil {
		log.Fatal(err)
	}
}

type measure struct {
	seconds float64
	rssMiB  float64
}

func run(rowsFlag, format, dir string, runs int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	generator := filepath.Join(dir, "generator")
	if err := command(nil, "go", "build", "-o", generator, "./generator"); err != nil {
		return fmt.Errorf("build generator (run from the repository root): %w", err)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Printf("| rows | export s | bare query s | build s | build / bare | build peak RSS MiB | bare peak RSS MiB | build s per M rows |\n|---|---|---|---|---|---|---|---|\n")
	for _, field := range strings.Split(rowsFlag, ",") {
		rows, err := strconv.ParseInt(strings.TrimSpace(field), 10, 64)
		if err != nil {
			return fmt.Errorf("--rows %q: %w", field, err)
		}
		out := filepath.Join(dir, fmt.Sprintf("%d-%s", rows, format))
		usage := filepath.Join(out, "usage."+format)
		priceList := filepath.Join(out, "list_prices."+format)
		export := measure{}
		if _, err := os.Stat(usage); err != nil {
			export, err = timed(generator, "demo-export", "--out", out, "--format", format, "--rows", strconv.FormatInt(rows, 10), "--as-of", "2026-11-23")
			if err != nil {
				return err
			}
		}
		var bares, builds []measure
		for range runs {
			b, err := timed(self, "--bare", usage, "--bare-prices", priceList, "--format", format)
			if err != nil {
				return err
			}
			bares = append(bares, b)
			// A first build: an empty state directory, so no cache or
			// memo of an earlier run serves it.
			state, err := os.MkdirTemp(dir, "state-")
			if err != nil {
				return err
			}
			m, err := timed(generator, "build", "--source", "files", "--usage", usage, "--list-prices", priceList, "--out", filepath.Join(out, "public"), "--state", state)
			os.RemoveAll(state)
			if err != nil {
				return err
			}
			builds = append(builds, m)
		}
		b, m := median(bares), median(builds)
		fmt.Printf("| %d | %s | %.2f | %.2f | %.2f | %.0f | %.0f | %.2f |\n", rows, exportCell(export), b.seconds, m.seconds,
			m.seconds/b.seconds, m.rssMiB, b.rssMiB, m.seconds/(float64(rows)/1e6))
	}
	return nil
}

// runIncremental measures, on each export split into the usage before its
// last day and that day, a full build (--full) against a rebuild after the
// last day's file arrives (the state holding the history's) and a rebuild
// with nothing new, each the median of runs, alternating.
func runIncremental(rowsFlag, dir string, runs int) error {
	generator := filepath.Join(dir, "generator")
	if err := command(nil, "go", "build", "-o", generator, "./generator"); err != nil {
		return fmt.Errorf("build generator (run from the repository root): %w", err)
	}
	fmt.Printf("| rows | full build s | new day s | new day / full | nothing new s | nothing new / full |\n|---|---|---|---|---|---|\n")
	for _, field := range strings.Split(rowsFlag, ",") {
		rows, err := strconv.ParseInt(strings.TrimSpace(field), 10, 64)
		if err != nil {
			return fmt.Errorf("--rows %q: %w", field, err)
		}
		out := filepath.Join(dir, fmt.Sprintf("%d-parquet", rows))
		usage, priceList := filepath.Join(out, "usage.parquet"), filepath.Join(out, "list_prices.parquet")
		if _, err := os.Stat(usage); err != nil {
			if _, err := timed(generator, "demo-export", "--out", out, "--format", "parquet", "--rows", strconv.FormatInt(rows, 10), "--as-of", "2026-11-23"); err != nil {
				return err
			}
		}
		split := filepath.Join(out, "split")
		history, lastDay := filepath.Join(split, "history.parquet"), filepath.Join(split, "last-day.parquet")
		if err := splitLastDay(usage, history, lastDay); err != nil {
			return err
		}
		state, public := filepath.Join(split, "state"), filepath.Join(split, "public")
		build := func(extra ...string) (measure, error) {
			args := append([]string{"build", "--source", "files", "--list-prices", priceList, "--out", public, "--state", state, "--usage", history}, extra...)
			return timed(generator, args...)
		}
		var fulls, days, nothings []measure
		for range runs {
			m, err := build("--usage", lastDay, "--full")
			if err != nil {
				return err
			}
			fulls = append(fulls, m)
			if _, err := build("--full"); err != nil { // the state holds the history alone
				return err
			}
			if m, err = build("--usage", lastDay); err != nil {
				return err
			}
			days = append(days, m)
			if m, err = build("--usage", lastDay); err != nil {
				return err
			}
			nothings = append(nothings, m)
		}
		f, d, n := median(fulls), median(days), median(nothings)
		fmt.Printf("| %d | %.2f | %.2f | %.2f | %.2f | %.2f |\n", rows, f.seconds, d.seconds, d.seconds/f.seconds, n.seconds, n.seconds/f.seconds)
	}
	return nil
}

// splitLastDay writes the usage of the export's last usage day to lastDay
// and the rest to history.
func splitLastDay(usage, history, lastDay string) error {
	if err := os.MkdirAll(filepath.Dir(history), 0o755); err != nil {
		return err
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	src := fmt.Sprintf("read_parquet('%s')", usage)
	for path, where := range map[string]string{
		history: "usage_date < (SELECT max(usage_date) FROM " + src + ")",
		lastDay: "usage_date = (SELECT max(usage_date) FROM " + src + ")",
	} {
		if _, err := db.Exec(fmt.Sprintf("COPY (SELECT * FROM %s WHERE %s) TO '%s' (FORMAT parquet)", src, where, path)); err != nil {
			return fmt.Errorf("split %s: %w", usage, err)
		}
	}
	return nil
}

func exportCell(m measure) string {
	if m.seconds == 0 {
		return "(reused)"
	}
	return fmt.Sprintf("%.1f", m.seconds)
}

func median(ms []measure) measure {
	slices.SortFunc(ms, func(a, b measure) int {
		switch {
		case a.seconds < b.seconds:
			return -1
		case a.seconds > b.seconds:
			return 1
		}
		return 0
	})
	return ms[len(ms)/2]
}

func command(env []string, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.Env = append(os.Environ(), env...)
	return cmd.Run()
}

// timed runs a command and returns its wall time and peak RSS.
func timed(name string, args ...string) (measure, error) {
	cmd := exec.Command(name, args...)
	cmd.Stderr = os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return measure{}, fmt.Errorf("%s %s: %w", filepath.Base(name), strings.Join(args, " "), err)
	}
	elapsed := time.Since(start).Seconds()
	rss := float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024 // KiB on Linux
	return measure{seconds: elapsed, rssMiB: rss}, nil
}

// bareQuery runs the baseline aggregation and prints how many groups it
// made, so the optimiser cannot skip the work.
func bareQuery(usage, prices, format string) error {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Exec("SET TimeZone = 'UTC'; SET memory_limit = '1GB'"); err != nil {
		return err
	}
	read := map[string]string{
		"csv":     "read_csv('%s')",
		"jsonl":   "read_json('%s', format = 'newline_delimited')",
		"parquet": "read_parquet('%s')",
	}[format]
	tag, price := "json_extract_string(custom_tags, '$.OperationalCategory')", "CAST(coalesce(json_extract_string(pricing, '$.effective_list.default'), json_extract_string(pricing, '$.default')) AS DECIMAL(38,18))"
	if format == "parquet" {
		tag, price = "custom_tags['OperationalCategory']", "coalesce(pricing.effective_list.\"default\", pricing.\"default\")"
	}
	query := fmt.Sprintf(`
WITH p AS (SELECT sku_name, cloud, usage_unit, CAST(price_start_time AS TIMESTAMPTZ) AS s, CAST(price_end_time AS TIMESTAMPTZ) AS e, %s AS price FROM %s)
SELECT count(*) FROM (
  SELECT u.usage_date, %s AS category, u.sku_name, sum(CAST(u.usage_quantity AS DECIMAL(38,18)) * p.price) AS cost
  FROM %s u LEFT JOIN p ON p.sku_name = u.sku_name AND p.cloud = u.cloud AND p.usage_unit = u.usage_unit
   AND CAST(u.usage_end_time AS TIMESTAMPTZ) >= p.s AND CAST(u.usage_end_time AS TIMESTAMPTZ) < coalesce(p.e, 'infinity'::TIMESTAMPTZ)
  GROUP BY ALL)`, price, fmt.Sprintf(read, prices), tag, fmt.Sprintf(read, usage))
	var groups int64
	if err := db.QueryRowContext(context.Background(), query).Scan(&groups); err != nil {
		return fmt.Errorf("bare query: %w", err)
	}
	fmt.Fprintf(os.Stderr, "bare query: %d groups\n", groups)
	return nil
}
