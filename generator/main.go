// Command generator builds the Stellar Budget report site from Databricks
// billing data: `build` attributes usage and renders public/, `serve`
// serves it locally and rebuilds on changes, `demo-export` writes the
// built-in demo account as export files.
package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/novadynamics/stellar-budget/internal/billing"
	"github.com/novadynamics/stellar-budget/internal/content"
	"github.com/novadynamics/stellar-budget/internal/dbclient"
	"github.com/novadynamics/stellar-budget/internal/devserver"
	"github.com/novadynamics/stellar-budget/internal/duckdb"
	"github.com/novadynamics/stellar-budget/internal/fnenv"
	"github.com/novadynamics/stellar-budget/internal/gate"
	"github.com/novadynamics/stellar-budget/internal/mcpserver"
	"github.com/novadynamics/stellar-budget/internal/netlify"
	"github.com/novadynamics/stellar-budget/internal/notify"
	"github.com/novadynamics/stellar-budget/internal/pipeline"
	"github.com/novadynamics/stellar-budget/internal/site"
	"github.com/novadynamics/stellar-budget/internal/snapshot"
	sitetemplates "github.com/novadynamics/stellar-budget/site-templates"
)

func main() {
	// Ctrl+C, and SIGTERM from kill or a process manager, stop a command
	// gracefully. After the first signal the default handling is back, so
	// a second Ctrl+C ends the process at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop()
	}()
	if err := rootCommand().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "generator",
		Short:         "Stellar Budget: attributed Databricks spend, budgets and a static report site",
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(buildCommand(), serveCommand(), demoExportCommand(), backtestCommand(), checkCommand(), setupCommand(), emulatorCommand(), agentCommand())
	return root
}

// engineFlags are the DuckDB settings both commands take.
type engineFlags struct {
	memoryLimit string
}

func (e *engineFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&e.memoryLimit, "memory-limit", "1GB", "memory the embedded DuckDB may use before it spills to disk")
}

func (e *engineFlags) options(log *slog.Logger) duckdb.Options {
	return duckdb.Options{MemoryLimit: e.memoryLimit, TempDir: filepath.Join(os.TempDir(), "stellar-budget-duckdb"), Log: log}
}

func newLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{}
			}
			return a
		},
	}))
}

func parseAsOf(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--as-of %q: want a date as YYYY-MM-DD", s)
	}
	return t, nil
}

// asOfUsage is the help of the --as-of flag of build and backtest.
const asOfUsage = "how far to read the data: a date YYYY-MM-DD (the whole day; today: up to the last full hour) or a UTC time YYYY-MM-DDTHH:MMZ (default: now's last full hour for demo and databricks, the end of the data for files)"

// demoAsOf reads the --as-of of the commands that make the demo account,
// at the clock now: the demo has no usage after now, so a later as-of is
// refused; empty is now's last full hour.
func demoAsOf(s string, now time.Time) (time.Time, error) {
	asOf, err := pipeline.ParseAsOf(s, now)
	switch {
	case err != nil:
		return time.Time{}, err
	case asOf.IsZero():
		return pipeline.Today(now), nil
	case pipeline.Through(asOf).After(now):
		return time.Time{}, fmt.Errorf("--as-of %s is after now (%s): the demo account has no usage after it", s, now.UTC().Format("2006-01-02 15:04 UTC"))
	}
	return asOf, nil
}

// parseAsOfOrToday is parseAsOf with today (UTC) for an empty flag.
func parseAsOfOrToday(s string) (time.Time, error) {
	t, err := parseAsOf(s)
	if err == nil && t.IsZero() {
		t = billing.Date(time.Now())
	}
	return t, err
}

// templatesFS lays the templates directory over the layouts built into the
// binary, Hugo style: a file in the directory wins over the built-in file
// of the same path, so a user copies one layout and changes only that. The
// default directory may be absent (a binary run outside the repository).
func templatesFS(dir string, explicit bool) (fs.FS, error) {
	info, err := os.Stat(dir)
	switch {
	case err == nil && info.IsDir():
		return site.Overlay(os.DirFS(dir), sitetemplates.FS), nil
	case err == nil:
		return nil, fmt.Errorf("--templates %s: not a directory", dir)
	case errors.Is(err, fs.ErrNotExist) && !explicit:
		return sitetemplates.FS, nil
	}
	return nil, fmt.Errorf("--templates %s: %w", dir, err)
}

// buildFlags are the flags of build, which serve shares.
type buildFlags struct {
	opts      pipeline.BuildOptions
	source    sourceFlags
	asOf      string
	templates string
	engine    engineFlags
}

// registerConnectTimeout registers --connect-timeout, which build, check,
// setup and agent run share.
func registerConnectTimeout(f *pflag.FlagSet, p *time.Duration) {
	*p = dbclient.DefaultConnectTimeout
	f.Var((*positiveDuration)(p), "connect-timeout", "how long to keep trying a Databricks host that does not accept the connection, then fail naming it (the SDK alone retries for 5m)")
}

// positiveDuration is a duration flag that refuses zero and below.
type positiveDuration time.Duration

func (d *positiveDuration) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	if v <= 0 {
		return errors.New("want a positive duration")
	}
	*d = positiveDuration(v)
	return nil
}

func (d *positiveDuration) String() string { return time.Duration(*d).String() }
func (d *positiveDuration) Type() string   { return "duration" }

func (b *buildFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	b.source.register(f, true)
	f.StringVar(&b.opts.AccountProfile, "account-profile", "", "Databricks config profile of the account whose budgets and policies the compliance page compares with content/ (databricks source; default: the DATABRICKS_* environment)")
	f.StringVar(&b.opts.ContentDir, "content", "content", "the division's configuration directory")
	f.StringVar(&b.templates, "templates", "site-templates", "templates directory; its files override the built-in ones of the same path")
	f.StringVar(&b.opts.OutDir, "out", "public", "output directory, replaced as a whole; refused if it holds files the generator did not write")
	f.StringVar(&b.asOf, "as-of", "", asOfUsage)
	f.BoolVar(&b.opts.PDF, "pdf", false, "also print the leadership report to report/report.pdf with headless Chromium")
	f.StringVar(&b.opts.Chromium, "chromium", "", "Chromium binary for --pdf (default: $CHROMIUM, then /usr/bin/chromium or chromium on PATH)")
	f.StringVar(&b.opts.StateDir, "state", ".stellar-state", "state directory kept between builds: the alert ledger, the files and databricks caches and the agent trail the agent page shows (keep it in CI's cache)")
	f.BoolVar(&b.opts.Full, "full", false, "read all the usage again, ignoring the files or databricks cache in --state, and replace the cache")
	f.BoolVar(&b.opts.Notify, "notify", false, "send the as-of month's new alerts by email (SMTP_*) and Slack (SLACK_WEBHOOK_URL)")
	f.StringVar(&b.opts.Delivery.BaseURL, "base-url", "", "the published site's address, for links in alert messages")
	f.IntVar(&b.opts.RetentionMonths, "state-retention", 24, "months the alert ledger keeps an alert")
	f.BoolVar(&b.opts.ResendInDoubt, "resend-in-doubt", false, "with --notify, send again alerts whose earlier send may or may not have happened")
	b.engine.register(cmd)
}

// options completes the build options from the flags, once per build.
func (b *buildFlags) options(cmd *cobra.Command, log *slog.Logger) (pipeline.BuildOptions, error) {
	opts := b.opts
	opts.Now = time.Now().UTC()
	var err error
	if opts.AsOf, err = pipeline.ParseAsOf(b.asOf, opts.Now); err != nil {
		return opts, err
	}
	if opts.Templates, err = templatesFS(b.templates, cmd.Flags().Changed("templates")); err != nil {
		return opts, err
	}
	if opts.Source, err = b.source.source(); err != nil {
		return opts, err
	}
	if opts.Full && b.source.databricks.Offline {
		return opts, fmt.Errorf("--full reads all the usage again and --offline reads only the cache: give one")
	}
	opts.Log, opts.Engine = log, b.engine.options(log)
	if opts.Trail, opts.TrailNote, err = buildTrail(opts, b.source.databricks, log); err != nil {
		return opts, err
	}
	if opts.RetentionMonths < 1 {
		return opts, fmt.Errorf("--state-retention %d: want 1 month or more", opts.RetentionMonths)
	}
	if opts.Notify {
		// Secrets come from the environment only, never from flags.
		delivery, err := notify.ConfigFromEnv(os.Getenv)
		if err != nil {
			return opts, fmt.Errorf("--notify: %w", err)
		}
		delivery.BaseURL = opts.Delivery.BaseURL
		opts.Delivery = delivery
	}
	return opts, nil
}

func buildCommand() *cobra.Command {
	var (
		flags      buildFlags
		cpuProfile string
	)
	cmd := &cobra.Command{
		Use:   "build",
		Short: "Attribute usage and write the report site",
		Long: `Reads billing usage and list prices, attributes cost to the categories in
the content directory and writes the report site and its CSV downloads.
The new site replaces --out only when every step succeeded, and only when
--out is absent, empty (a .gitkeep is kept) or a site the generator wrote
before; a directory holding anything else is refused and left as it is.

--source demo (the default) uses the built-in demo account; --source files
reads exports of system.billing.usage and system.billing.list_prices as CSV,
JSON Lines or Parquet (a file, a directory or a glob; repeat the flag for more).

--source databricks runs the attribution SQL on a SQL warehouse of the live
account (--warehouse-id) through the SDK's unified auth (DATABRICKS_HOST and
DATABRICKS_TOKEN, or --profile) and caches the aggregates in --state: each
build pulls only the usage days touched by rows ingested since the last one,
and --offline builds from the cache alone.

The agent page shows the agent trail, verified: trail.jsonl in --state, or
with --source databricks the Delta table STELLAR_TRACE_TABLE names. A trail
that does not verify is shown as broken on the page; the build goes on.`,
		Example: `  go run ./generator build
  go run ./generator build --pdf
  go run ./generator build --source files --usage 'exports/usage/*.parquet' --list-prices exports/list_prices.csv
  go run ./generator build --source databricks --warehouse-id 1234567890abcdef`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, err := flags.options(cmd, newLogger())
			if err != nil {
				return err
			}
			if cpuProfile != "" {
				stop, err := startCPUProfile(cpuProfile)
				if err != nil {
					return err
				}
				defer stop()
			}
			start := time.Now()
			sum, err := pipeline.Build(cmd.Context(), opts)
			if err != nil {
				return err
			}
			index, _ := filepath.Abs(filepath.Join(sum.OutDir, "index.html"))
			fmt.Printf("Built the report as of %s from %d usage records (%d categories) in %.1fs.\n",
				sum.AsOf.Format(time.DateOnly), sum.Rows, sum.Categories, time.Since(start).Seconds())
			fmt.Printf("Open file://%s in a browser, or serve it: go run ./generator serve --watch\n", index)
			return nil
		},
	}
	flags.register(cmd)
	cmd.Flags().StringVar(&cpuProfile, "cpu-profile", "", "write a CPU profile of the build to this file (read it with go tool pprof)")
	return cmd
}

// startCPUProfile profiles the process into path until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpu-profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpu-profile %s: %w", path, err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

func serveCommand() *cobra.Command {
	var (
		flags    buildFlags
		addr     string
		watch    bool
		netlifyF string
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Build the site and serve it on 127.0.0.1, rebuilding on changes with --watch",
		Long: `Builds the site (with the same flags as build), serves --out on --addr,
and with --watch rebuilds whenever a file under the content or templates
directory changes and reloads the open pages, the way hugo server does. A
failed rebuild keeps the last good site and shows the error in the page.
The site's files carry the headers netlify.toml gives them when deployed
(its content security policy among them), so a page that breaks under them
breaks here too. The functions answer at /.netlify/functions/agent, alert-webhook and
mcp, configured from the environment as when
deployed (README "Functions"), reading the site's data/snapshot.json and
keeping their trail in --state.

It stops on Ctrl+C or SIGTERM, and on Linux and macOS also when the process
that started it exits: killing a "go run ./generator serve" by its PID stops
the server that go run started, within a second.`,
		Example: `  go run ./generator serve --watch
  go run ./generator serve --addr 127.0.0.1:9000 --source files --usage exports/usage.csv --list-prices exports/list_prices.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := newLogger()
			ctx, cancel := withParent(cmd.Context(), "serve", time.Second, log)
			defer cancel()
			rebuild := func(ctx context.Context) error {
				opts, err := flags.options(cmd, log)
				if err != nil {
					return err
				}
				_, err = pipeline.Build(ctx, opts)
				return err
			}
			if err := rebuild(ctx); err != nil {
				if ctx.Err() != nil {
					return nil // stopped (Ctrl+C, SIGTERM, parent gone) before serving
				}
				return err
			}
			opts := devserver.Options{Dir: flags.opts.OutDir, Addr: addr, Rebuild: rebuild, Log: log}
			deploy, err := readNetlify(netlifyF, cmd.Flags().Changed("netlify-config"))
			if err != nil {
				return err
			}
			if deploy != nil {
				opts.Headers = deploy.HeadersFor
			}
			if watch {
				// Layouts and static assets, not the ECharts build folder
				// and its node_modules.
				opts.Watch = []string{flags.opts.ContentDir}
				for _, sub := range []string{"layouts", "static"} {
					dir := filepath.Join(flags.templates, sub)
					if info, err := os.Stat(dir); err == nil && info.IsDir() {
						opts.Watch = append(opts.Watch, dir)
					}
				}
			}
			srv := devserver.New(opts)
			mountFunctions(srv, flags.opts.OutDir, flags.opts.StateDir, log)
			fmt.Printf("Serving %s at http://%s/ (Ctrl+C to stop)\n", flags.opts.OutDir, addr)
			return srv.ListenAndServe(ctx)
		},
	}
	flags.register(cmd)
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8888", "address to listen on (loopback only)")
	cmd.Flags().BoolVar(&watch, "watch", false, "rebuild and reload when content or templates change")
	cmd.Flags().StringVar(&netlifyF, "netlify-config", netlify.FileName, "the deploy's netlify.toml, whose header rules the site is served with")
	return cmd
}

// mountFunctions serves the functions at /.netlify/functions/<name>, as a
// deploy does, built from the environment with the site's snapshot and
// the state directory as defaults. One that cannot be built answers 503
// with the reason.
func mountFunctions(srv *devserver.Server, outDir, stateDir string, log *slog.Logger) {
	getenv := func(k string) string {
		v := os.Getenv(k)
		switch {
		case v != "":
			return v
		case k == "STELLAR_SNAPSHOT":
			return filepath.Join(outDir, filepath.FromSlash(snapshot.Path))
		case k == "STELLAR_STATE":
			return stateDir
		}
		return ""
	}
	env := fnenv.Env{Getenv: getenv, Now: time.Now, Log: log}
	for _, fn := range []struct {
		name  string
		build func(fnenv.Env) (http.Handler, error)
	}{{"agent", fnenv.Agent}, {"alert-webhook", fnenv.AlertWebhook}, {"mcp", mcpserver.FromEnv}} {
		h, err := fn.build(env)
		if err != nil {
			log.Warn("function not available", "function", fn.name, "err", err)
			h = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				gate.Fail(w, gate.Refuse(http.StatusServiceUnavailable, "not_configured", "%v", err))
			})
		}
		srv.Mount("/.netlify/functions/"+fn.name, h)
	}
}

// readNetlify reads the deploy configuration at path; a missing file is
// nil unless it was asked for by name.
func readNetlify(path string, asked bool) (*netlify.Config, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !asked {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the deploy configuration: %w", err)
	}
	return netlify.Parse(path, data)
}

func backtestCommand() *cobra.Command {
	var (
		opts   pipeline.BuildOptions
		source sourceFlags
		asOf   string
		engine engineFlags
	)
	cmd := &cobra.Command{
		Use:   "backtest",
		Short: "Check the month-end forecasts against the history and print how far off they were",
		Long: `Runs a rolling-origin backtest of the forecasting model over the usage:
for every whole month of each category and of the division, the month-end
total is forecast from the data through days 5, 10 and 20 only, by the
model and by two baselines (run rate, seasonal naive), and compared with
what was spent. It prints the mean absolute error per day and method and
how often the model's 80 % and 95 % ranges held the outcome. The site's
"Forecast quality" section shows the same table.`,
		Example: `  go run ./generator backtest
  go run ./generator backtest --source files --usage exports/usage.parquet --list-prices exports/list_prices.parquet`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := newLogger()
			opts.Now = time.Now().UTC()
			var err error
			if opts.AsOf, err = pipeline.ParseAsOf(asOf, opts.Now); err != nil {
				return err
			}
			if opts.Source, err = source.source(); err != nil {
				return err
			}
			opts.Log, opts.Engine = log, engine.options(log)
			rep, err := pipeline.Report(cmd.Context(), opts)
			if err != nil {
				return err
			}
			fmt.Printf("As of %s.\n", rep.AsOf.Format(time.DateOnly))
			return rep.ForecastQuality.WriteText(os.Stdout)
		},
	}
	f := cmd.Flags()
	source.register(f, true)
	f.StringVar(&opts.StateDir, "state", ".stellar-state", "state directory: the databricks source's cache")
	f.StringVar(&opts.ContentDir, "content", "content", "the division's configuration directory")
	f.StringVar(&asOf, "as-of", "", asOfUsage)
	engine.register(cmd)
	return cmd
}

func demoExportCommand() *cobra.Command {
	var (
		out, format, asOf, contentDir string
		rows                          int64
		engine                        engineFlags
	)
	cmd := &cobra.Command{
		Use:   "demo-export",
		Short: "Write the demo account as system-table export files",
		Long: `Writes the built-in demo account as usage.<ext> and list_prices.<ext>, the
format --source files reads, so you can see what an export looks like or
make a large one for benchmarks with --rows.`,
		Example: `  go run ./generator demo-export --out /tmp/demo
  go run ./generator demo-export --out /tmp/big --format parquet --rows 10000000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := billing.ParseFormat(format)
			if err != nil {
				return fmt.Errorf("--format: %w", err)
			}
			if rows < 0 {
				return fmt.Errorf("--rows %d: want 0 (natural size) or more", rows)
			}
			day, err := demoAsOf(asOf, time.Now())
			if err != nil {
				return err
			}
			div, err := content.Load(contentDir)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return fmt.Errorf("demo-export: %w", err)
			}
			log := newLogger()
			eng, err := duckdb.Open(engine.options(log))
			if err != nil {
				return err
			}
			defer eng.Close()
			usage, prices, err := pipeline.WriteDemo(cmd.Context(), eng, pipeline.DemoOptions{
				Division: div, AsOf: day, Rows: rows, Dir: out, Format: f, Log: log,
			})
			if err != nil {
				return err
			}
			fmt.Printf("Wrote %s and %s.\nBuild from them: go run ./generator build --source files --usage %s --list-prices %s\n", usage, prices, usage, prices)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&out, "out", "", "directory to write the export files into (required)")
	fl.StringVar(&format, "format", "csv", "csv, jsonl or parquet")
	fl.Int64Var(&rows, "rows", 0, "exact number of usage records (0: the demo's natural size)")
	fl.StringVar(&asOf, "as-of", "", "how far the demo account's usage runs: a date YYYY-MM-DD (the whole day; today: up to the last full hour) or a UTC time YYYY-MM-DDTHH:MMZ (default: now's last full hour)")
	fl.StringVar(&contentDir, "content", "content", "the division's configuration directory (categories and budgets)")
	cmd.MarkFlagRequired("out")
	engine.register(cmd)
	return cmd
}
