package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"
)

// ratioTarget is issue 18's target: predict_cost's p99 within 2x the bare
// handler's.
const ratioTarget = 2.0

// report prints the run's tables.
func report(out io.Writer, cfg config, fx fixture, cmp comparison, act acting, fns []function) error {
	perRound, ratio, err := cmp.ratios()
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Snapshot %s: as of %s, %d categories, %d owners, %d clusters (%d KB). %s/%s, %d CPUs.\n\n",
		fx.path, fx.snap.AsOf, len(fx.snap.Categories), len(fx.snap.Owners), len(fx.snap.Clusters), fx.size/1024, runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	amount := fmt.Sprintf("%d requests", cfg.requests)
	if cfg.duration > 0 {
		amount = cfg.duration.String()
	}
	fmt.Fprintf(&b, "| handler (127.0.0.1, real HTTP) | clients | p50 | p99 | requests/s |\n|---|---|---|---|---|\n")
	row := func(name string, clients int, s stats) {
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %.0f |\n", name, clients, ms(s.p50), ms(s.p99), s.perSecond)
	}
	row(fmt.Sprintf("bare net/http handler (median of %d rounds of %s)", cfg.rounds, amount), cfg.clients, median(cmp.base))
	row(fmt.Sprintf("agent predict_cost, viewer (median of %d rounds of %s)", cfg.rounds, amount), cfg.clients, median(cmp.subject))
	row(fmt.Sprintf("agent scale_cluster, operator, emulator, file trail (%d calls)", act.requests), cfg.actClients, act.stats)
	verdict := "met"
	if ratio > ratioTarget {
		verdict = "NOT met"
	}
	rounds := make([]string, len(perRound))
	for i, r := range perRound {
		rounds[i] = fmt.Sprintf("%.2f", r)
	}
	fmt.Fprintf(&b, "\npredict_cost p99 / bare p99: %.2f (rounds: %s); target at most %.0fx: %s.\n", ratio, strings.Join(rounds, ", "), ratioTarget, verdict)
	fmt.Fprintf(&b, "scale_cluster outcomes: %s; trail of %d entries verified, head %s.\n\n", act.outcomeList(), act.head.Entries, shortHash(act.head.Hash))

	fmt.Fprintf(&b, "| function | linux/amd64 stripped | at most 30 MB | cold start to first answer (median of %d) | range | first answer |\n|---|---|---|---|---|---|\n", cfg.coldRuns)
	for _, fn := range fns {
		within := "yes"
		if fn.size > sizeLimit {
			within = "NO"
		}
		cold, spread, first := "n/a (no call known)", "", fn.first
		if len(fn.cold) > 0 {
			sorted := slices.Clone(fn.cold)
			slices.Sort(sorted)
			cold = msRound(medianDuration(sorted))
			spread = msRound(sorted[0]) + " - " + msRound(sorted[len(sorted)-1])
		}
		fmt.Fprintf(&b, "| %s | %.1f MiB | %s | %s | %s | %s |\n", fn.name, float64(fn.size)/(1<<20), within, cold, spread, first)
	}
	_, err = io.WriteString(out, b.String())
	return err
}

func medianDuration(sorted []time.Duration) time.Duration {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

func msRound(d time.Duration) string {
	return fmt.Sprintf("%d ms", d.Round(time.Millisecond).Milliseconds())
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
