package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/novadynamics/stellar-budget/internal/billing"
	"github.com/novadynamics/stellar-budget/internal/content"
	"github.com/novadynamics/stellar-budget/internal/demo"
	"github.com/novadynamics/stellar-budget/internal/duckdb"
	"github.com/novadynamics/stellar-budget/internal/emulator"
	"github.com/novadynamics/stellar-budget/internal/pipeline"
)

// emulatorFlags are the emulator command's settings, faults included.
type emulatorFlags struct {
	addr, asOf, contentDir string
	traceTable             string
	inlineLimit            string
	sessionTimeZone        string
	chunkRows              int
	faults                 emulator.Faults
	retryAfter, delay      time.Duration
	startDelay             time.Duration
	engine                 engineFlags
}

func (f *emulatorFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:8765", "address to listen on (loopback only)")
	fl.StringVar(&f.asOf, "as-of", "", "how far the demo account's usage runs, fixed at start: a date YYYY-MM-DD (the whole day; today: up to the last full hour) or a UTC time YYYY-MM-DDTHH:MMZ (default: now's last full hour)")
	fl.StringVar(&f.contentDir, "content", "content", "the division's configuration directory (categories the demo account and the seeded workspace use)")
	fl.IntVar(&f.chunkRows, "chunk-rows", emulator.DefaultChunkRows, "rows per statement result chunk")
	fl.StringVar(&f.inlineLimit, "inline-limit", emulator.FormatSize(emulator.DefaultInlineLimit), "the largest INLINE statement result, in bytes or with a KiB/MiB/GiB suffix (e.g. 256KiB); a larger one fails the statement as on Databricks")
	fl.StringVar(&f.sessionTimeZone, "session-timezone", "UTC", "the time zone statements run in, as a workspace's spark.sql.session.timeZone (an IANA name, e.g. America/Los_Angeles): TIMESTAMP values, hour() and current_date read it")
	fl.StringVar(&f.traceTable, "trace-table", emulator.DefaultTraceTable, "the agent trail's table (catalog.schema.table), the one table statements may create and MERGE into; set STELLAR_TRACE_TABLE to it to keep the trail there")
	fl.DurationVar(&f.startDelay, "warehouse-start-delay", 5*time.Second, "how long a stopped SQL warehouse takes to start")
	fl.BoolVar(&f.faults.WarehouseNeverStarts, "warehouse-never-starts", false, "fault: SQL warehouses stay STARTING, statements stay PENDING")
	fl.IntVar(&f.faults.TooManyRequests.Count, "throttle", 0, "fault: answer the next N API requests 429 with Retry-After")
	fl.StringVar(&f.faults.TooManyRequests.PathPrefix, "throttle-path", "", "only throttle requests whose path starts with this")
	fl.DurationVar(&f.retryAfter, "retry-after", time.Second, "Retry-After of the 429 answers (whole seconds)")
	fl.IntVar(&f.faults.Unavailable.Count, "unavailable", 0, "fault: answer the next N API requests 503 TEMPORARILY_UNAVAILABLE")
	fl.StringVar(&f.faults.Unavailable.PathPrefix, "unavailable-path", "", "only fail with 503 requests whose path starts with this")
	fl.IntVar(&f.faults.StatementFailures.Count, "statement-failures", 0, "fault: end the next N statements FAILED with a transient error (TEMPORARILY_UNAVAILABLE, WORKSPACE_TEMPORARILY_UNAVAILABLE, SERVICE_UNDER_MAINTENANCE in turn)")
	fl.IntVar(&f.faults.InternalErrors.Count, "internal-errors", 0, "fault: answer the next N API requests 500 INTERNAL_ERROR")
	fl.StringVar(&f.faults.InternalErrors.PathPrefix, "internal-errors-path", "", "only fail with 500 requests whose path starts with this (e.g. /api/2.0/sql/statements/ fails result pulls midway)")
	fl.DurationVar(&f.delay, "delay", 0, "fault: hold every API request this long before answering")
	fl.BoolVar(&f.faults.ExpiredToken, "expired-token", false, "fault: answer every API request as for an expired token")
	f.engine.register(cmd)
}

// options checks the flags and completes the emulator's options.
func (f *emulatorFlags) options() (emulator.Options, time.Time, error) {
	host, _, err := net.SplitHostPort(f.addr)
	if err != nil {
		return emulator.Options{}, time.Time{}, fmt.Errorf("--addr %s: %w", f.addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return emulator.Options{}, time.Time{}, fmt.Errorf("--addr %s: the emulator listens on loopback only (127.0.0.1, ::1 or localhost)", f.addr)
	}
	// The account's data is fixed when the emulator starts: up to the as-of,
	// or now's last full hour; late corrections come through the admin API.
	asOf, err := demoAsOf(f.asOf, time.Now())
	if err != nil {
		return emulator.Options{}, time.Time{}, err
	}
	if f.chunkRows < 1 {
		return emulator.Options{}, time.Time{}, fmt.Errorf("--chunk-rows %d: want 1 or more", f.chunkRows)
	}
	inlineLimit, err := emulator.ParseSize(f.inlineLimit)
	if err != nil {
		return emulator.Options{}, time.Time{}, fmt.Errorf("--inline-limit: %w", err)
	}
	if _, err := emulator.SessionZone(f.sessionTimeZone); err != nil {
		return emulator.Options{}, time.Time{}, fmt.Errorf("--session-timezone: %w", err)
	}
	opts := emulator.Options{AsOf: billing.Date(asOf), Faults: f.faults, ChunkRows: f.chunkRows, InlineLimit: inlineLimit,
		SessionTimeZone: f.sessionTimeZone, TraceTable: f.traceTable}
	opts.Faults.RetryAfter = emulator.Duration(f.retryAfter)
	opts.Faults.Delay = emulator.Duration(f.delay)
	opts.Faults.WarehouseStartDelay = emulator.Duration(f.startDelay)
	return opts, pipeline.Through(asOf), nil
}

func emulatorCommand() *cobra.Command {
	var flags emulatorFlags
	cmd := &cobra.Command{
		Use:   "emulator",
		Short: "Run a local Databricks on 127.0.0.1 to try build, setup and check against",
		Long: `Serves an emulated Databricks account and workspace on --addr over plain
HTTP: statement execution on SQL warehouses over the demo account's
system.billing.usage and system.billing.list_prices (the SQL it receives is
translated to DuckDB and run; nothing is canned), clusters, cluster
policies, jobs, pipelines, SQL warehouses, SCIM Me, budgets and budget
policies, seeded with a workspace where some resources break the rules.
Statements only read, except a CREATE TABLE of and a MERGE into the agent
trail's table (--trace-table; export STELLAR_TRACE_TABLE with that name to
keep the trail there).

It prints the environment that points the generator and the Databricks SDKs
at it, one export line each (OAuth machine-to-machine as the account's
service principal: DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET, as the
account APIs take no personal access token), then a comment line with the
workspace's PAT, then logs its statements, warehouse starts and
injected faults on stderr until Ctrl+C or SIGTERM. Faults (429, 503, 500, slow answers, an expired token, a warehouse
that never starts) are switched on by flags or, while it runs, by
POST /emulator/admin/faults; POST /emulator/admin/corrections appends a late
usage correction. See the package documentation of internal/emulator.`,
		Example: `  go run ./generator emulator
  go run ./generator emulator --as-of 2026-11-23 --warehouse-start-delay 10s
  go run ./generator emulator --throttle 3 --internal-errors 5 --internal-errors-path /api/2.0/sql/statements/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, through, err := flags.options()
			if err != nil {
				return err
			}
			div, err := content.Load(flags.contentDir)
			if err != nil {
				return err
			}
			log := newLogger()
			ctx, cancel := withParent(cmd.Context(), "emulator", time.Second, log)
			defer cancel()
			log.Info("loading the demo account's system tables", "through", through.Format("2006-01-02 15:04 UTC"), "categories", len(div.Categories))
			tables, err := duckdb.OpenSystemTables(ctx, flags.engine.options(log), demo.Config{Division: div, Through: through})
			if err != nil {
				return err
			}
			defer tables.Close()
			opts.Division, opts.SQL, opts.Log = div, tables, log
			run, err := emulator.Start(flags.addr, opts)
			if err != nil {
				return err
			}
			defer run.Close()
			for _, kv := range run.Env() {
				fmt.Fprintln(os.Stdout, "export "+kv)
			}
			// The account routes take the service principal's OAuth tokens
			// only; the workspace's also take its PAT, for tools without OAuth.
			fmt.Fprintln(os.Stdout, "# a workspace PAT also works (not on the account APIs): "+run.PAT())
			log.Info("emulator ready: run the export lines above in another shell, then the generator against it (Ctrl+C to stop)", "url", run.URL)
			<-ctx.Done()
			// withParent has said why when the parent is gone; otherwise
			// the cause is the signal ("interrupt signal received").
			if cause := context.Cause(ctx); !errors.Is(cause, errParentExited) {
				log.Info("emulator stopping: " + cause.Error())
			}
			return nil
		},
	}
	flags.register(cmd)
	return cmd
}
