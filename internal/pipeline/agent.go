package pipeline

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/report"
	"github.com/novadynamics/stellar-budget/internal/trail"
)

// trailTimeout bounds reading the agent trail, so a slow table costs the
// agent page its entries, not the build.
const trailTimeout = 2 * time.Minute

// noteNoTrail is the agent page's note when the build reads no trail.
const noteNoTrail = "No agent trail is kept for this build: it is trail.jsonl in the state directory (--state), or the Delta table STELLAR_TRACE_TABLE names with --source databricks."

// agentTrail reads and verifies the agent trail and puts the agent page
// in the report. Nothing here fails the build: a trail that cannot be read
// or does not verify is logged and the page says so in red.
func agentTrail(ctx context.Context, rep *report.Report, facts budget.Facts, opts BuildOptions, log *slog.Logger) {
	if opts.Trail == nil {
		note := opts.TrailNote
		if note == "" {
			note = noteNoTrail
		}
		rep.SetAgent(report.Trail{Note: note}, facts)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, trailTimeout)
	defer cancel()
	t := report.Trail{Location: opts.Trail.Location()}
	entries, err := readTrail(ctx, opts.Trail)
	if err != nil {
		log.Warn("agent trail not shown", "trail", t.Location, "err", err)
		t.Problem = oneLine(err)
		rep.SetAgent(t, facts)
		return
	}
	for _, e := range entries {
		t.Entries = append(t.Entries, trailEntry(e))
	}
	if n := len(entries); n > 0 {
		t.Head = entries[n-1].Hash
	}
	log.Info("read the agent trail", "trail", t.Location, "entries", len(entries), "head", t.Head)
	rep.SetAgent(t, facts)
}

// readTrail verifies the trail's chain and reads its entries.
func readTrail(ctx context.Context, store trail.Store) ([]trail.Entry, error) {
	if _, err := store.Verify(ctx, ""); err != nil {
		return nil, err
	}
	return store.Entries(ctx)
}

// trailEntry is a trail entry in the report's terms. The savings were
// checked as decimals when the entry was read; one that still does not
// parse is shown as none.
func trailEntry(e trail.Entry) report.TrailEntry {
	return report.TrailEntry{
		Seq: e.Seq, Time: e.Time, Tool: e.Tool, Caller: e.Caller, Role: e.Role, Outcome: string(e.Outcome),
		Category: e.Category, Owner: e.Owner, Reason: e.Reason,
		Before: trailCluster(e.Before), After: trailCluster(e.After),
		SavingsHourly: decimal(e.SavingsHourlyUSD), SavingsMonthly: decimal(e.SavingsMonthlyUSD),
		Hash: e.Hash,
	}
}

func trailCluster(c *trail.Cluster) *report.TrailCluster {
	if c == nil {
		return nil
	}
	out := &report.TrailCluster{ID: c.ID, Name: c.Name, State: c.State, Workers: c.Workers}
	if a := c.Autoscale; a != nil {
		out.Autoscale, out.MinWorkers, out.MaxWorkers = true, a.MinWorkers, a.MaxWorkers
	}
	return out
}

func decimal(s string) *budget.Decimal {
	if s == "" {
		return nil
	}
	d, err := budget.ParseDecimal(s)
	if err != nil {
		return nil
	}
	return &d
}

// oneLine keeps an error on one line of the page: SDK errors can carry
// a response body.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
