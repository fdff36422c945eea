// Command fnbench measures the serverless functions against the targets of
// issue 18, all in one run:
//
//  1. predict_cost as a viewer: the agent function's handler (built by
//     fnenv.Agent from an environment, reading the snapshot file through
//     fnenv.Snapshots as deployed) served over real HTTP on 127.0.0.1, under
//     --clients concurrent clients, each sending its next request when its
//     answer is in. The same load goes to a bare net/http handler that reads
//     the body and writes a small JSON answer, on the same server. After a
//     warm-up of each, the two are measured in --rounds alternating rounds
//     (the first of each pair swapped every round, so a drift of the
//     machine weighs on both); the table shows each figure's median over
//     the rounds. The target: predict_cost's p99 within 2x the bare
//     handler's. The requests cycle through every category (by slug), every
//     owner, and a terminate what-if for every cluster the snapshot holds.
//  2. scale_cluster as an operator: distinct request ids over the
//     emulator's clusters (a `generator emulator` seeded from --content,
//     through the real SDK), the trail a JSON Lines file. Each call reads
//     and appends the trail under its lock, so these calls are serialised;
//     they are reported, not held to a target. Afterwards the trail must
//     hold one entry per call and its chain must verify.
//  3. Cold start: each function under functions/ built as Netlify builds it
//     (CGO_ENABLED=0, -tags lambda.norpc, -ldflags '-s -w'), for this
//     machine's GOOS/GOARCH so it runs here, started with only its own
//     environment and AWS_LAMBDA_RUNTIME_API pointing at a local Lambda
//     runtime API stub, which hands it one API Gateway proxy event. Measured
//     from just before the process starts to the stub's receipt of the
//     answer (the median of --cold-runs starts, each with a fresh state
//     directory); the answer must be a real one (agent: predict_cost 200
//     with the snapshot's as-of; alert-webhook: a Databricks SQL alert in
//     OK state, 200 noop; mcp: tools/call predict_cost).
//  4. Binary sizes: each function built for linux/amd64 as Netlify builds
//     it, against the 30 MB (30 MiB, as .ci/run counts) limit.
//
// How to read it: the machines are shared and noisy, so absolute figures
// move between runs; the p99 ratio of the same run is what the target
// judges, and the per-round ratios show how much it moves. Clients and
// server share the process and its CPUs, so a latency here includes the
// client's own share of the machine, alike for both handlers. A wrong
// answer, a failed request or a function that does not answer makes the
// command exit 1; a missed target is printed, not an error.
//
// Run from the repository root, after a build (the snapshot is the one
// the functions read):
//
//	go run ./generator build
//	go run ./internal/fnbench
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"time"
)

func main() {
	cfg := defaults()
	fs := flag.NewFlagSet("fnbench", flag.ContinueOnError)
	cfg.register(fs)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: go run ./internal/fnbench [flags]\n\n"+
			"Measures the functions: predict_cost against a bare handler at --clients\n"+
			"concurrent clients, scale_cluster against the emulator, each function's cold\n"+
			"start under a local Lambda runtime API, and the binaries' sizes. Run from the\n"+
			"repository root after `go run ./generator build`.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		os.Exit(2)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "fnbench: unexpected argument %q\n", fs.Arg(0))
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := cfg.check(); err != nil {
		fmt.Fprintf(os.Stderr, "fnbench: %v\n", err)
		os.Exit(2)
	}
	if err := bench(ctx, cfg, os.Stdout, log, time.Now); err != nil {
		fmt.Fprintf(os.Stderr, "fnbench: %v\n", err)
		os.Exit(1)
	}
}

// config is the command's flags.
type config struct {
	snapshot    string
	content     string
	clients     int
	requests    int
	duration    time.Duration
	rounds      int
	actClients  int
	actRequests int
	coldRuns    int
	coldTimeout time.Duration
	cpuProfile  string
}

func defaults() config {
	return config{
		snapshot: "public/data/snapshot.json", content: "content",
		clients: 200, requests: 20000, rounds: 3,
		actClients: 16, actRequests: 400,
		coldRuns: 5, coldTimeout: 30 * time.Second,
	}
}

func (c *config) register(fs *flag.FlagSet) {
	fs.StringVar(&c.snapshot, "snapshot", c.snapshot, "the snapshot the functions read (a build's public/data/snapshot.json)")
	fs.StringVar(&c.content, "content", c.content, "the content/ the emulator's clusters are seeded from (the snapshot's own)")
	fs.IntVar(&c.clients, "clients", c.clients, "concurrent clients for predict_cost and the bare handler")
	fs.IntVar(&c.requests, "requests", c.requests, "requests a round, for each handler")
	fs.DurationVar(&c.duration, "duration", c.duration, "a round's length instead of --requests (e.g. 5s)")
	fs.IntVar(&c.rounds, "rounds", c.rounds, "alternating rounds of the bare handler and predict_cost; the median is shown")
	fs.IntVar(&c.actClients, "act-clients", c.actClients, "concurrent clients for scale_cluster")
	fs.IntVar(&c.actRequests, "act-requests", c.actRequests, "scale_cluster calls, each with its own request id")
	fs.IntVar(&c.coldRuns, "cold-runs", c.coldRuns, "cold starts of each function; the median is shown")
	fs.DurationVar(&c.coldTimeout, "cold-timeout", c.coldTimeout, "how long a function may take to give its first answer")
	fs.StringVar(&c.cpuProfile, "cpuprofile", c.cpuProfile, "write a CPU profile of the predict_cost rounds to this file (go tool pprof)")
}

func (c config) check() error {
	var errs []error
	positive := func(name string, v int) {
		if v < 1 {
			errs = append(errs, fmt.Errorf("--%s %d: want at least 1", name, v))
		}
	}
	positive("clients", c.clients)
	positive("rounds", c.rounds)
	positive("act-clients", c.actClients)
	positive("act-requests", c.actRequests)
	positive("cold-runs", c.coldRuns)
	if c.duration <= 0 {
		positive("requests", c.requests)
	}
	if c.duration < 0 {
		errs = append(errs, fmt.Errorf("--duration %s: want a positive duration", c.duration))
	}
	if c.coldTimeout <= 0 {
		errs = append(errs, fmt.Errorf("--cold-timeout %s: want a positive duration", c.coldTimeout))
	}
	return errors.Join(errs...)
}

// bench runs every part and prints the tables to out.
func bench(ctx context.Context, cfg config, out io.Writer, log *slog.Logger, now func() time.Time) error {
	tmp, err := os.MkdirTemp("", "fnbench-")
	if err != nil {
		return fmt.Errorf("work directory: %w", err)
	}
	defer os.RemoveAll(tmp)

	fx, err := loadFixture(cfg, now)
	if err != nil {
		return err
	}
	log.Info("snapshot", "path", cfg.snapshot, "as_of", fx.snap.AsOf, "categories", len(fx.snap.Categories), "owners", len(fx.snap.Owners), "clusters", len(fx.snap.Clusters))
	handlers, err := fx.serve(ctx, tmp)
	if err != nil {
		return err
	}
	defer handlers.close()

	l := load{clients: cfg.clients, requests: cfg.requests, duration: cfg.duration}
	log.Info("predict_cost against the bare handler", "clients", l.clients, "requests", l.requests, "duration", l.duration, "rounds", cfg.rounds)
	stopProfile, err := profile(cfg.cpuProfile)
	if err != nil {
		return err
	}
	cmp, err := compare(ctx, handlers.client, handlers.bare, handlers.predict, l, cfg.rounds, func(s string) { log.Info(s) })
	if err := errors.Join(err, stopProfile()); err != nil {
		return err
	}
	log.Info("scale_cluster against the emulator", "clients", cfg.actClients, "requests", cfg.actRequests)
	acting, err := handlers.act(ctx, load{clients: cfg.actClients, requests: cfg.actRequests})
	if err != nil {
		return err
	}
	fns, err := functions(ctx, fx, tmp, cfg, log)
	if err != nil {
		return err
	}
	return report(out, cfg, fx, cmp, acting, fns)
}

// profile starts a CPU profile into path, if one is asked for; the
// function it returns stops it.
func profile(path string) (func() error, error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		return nil
	}, nil
}
