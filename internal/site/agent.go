package site

import (
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/report"
)

// layoutAgent is the agent page's layout: the savings headline, the
// trail's head and verification, and its entries, newest first.
const layoutAgent = "agent.html"

// fileAgentTrail is the agent trail as a CSV download: every entry, in
// the trail's order (seq ascending), with its realised saving.
const fileAgentTrail = "agent_trail.csv"

// agentTrailRow is one entry of agent_trail.csv. time is RFC 3339 UTC
// to the millisecond, as the trail keeps it. savings_hourly_usd is the
// decision's estimate as recorded (an hourly rate keeps its decimals);
// savings_monthly_usd and realised_usd are money to 2 decimals;
// realised_usd is empty when the entry's saving was not measured (not an
// action on a cluster, not measured yet, no usage before, superseded).
type agentTrailRow struct {
	Seq            int64  `csv:"seq"`
	Time           string `csv:"time"`
	Tool           string `csv:"tool"`
	Caller         string `csv:"caller"`
	Role           string `csv:"role"`
	Outcome        string `csv:"outcome"`
	Category       string `csv:"category"`
	Owner          string `csv:"owner"`
	ClusterID      string `csv:"cluster_id"`
	Reason         string `csv:"reason"`
	SavingsHourly  string `csv:"savings_hourly_usd"`
	SavingsMonthly string `csv:"savings_monthly_usd"`
	Realised       string `csv:"realised_usd"`
	Hash           string `csv:"hash"`
}

// trailTime is how the CSV writes an entry's time.
const trailTime = "2006-01-02T15:04:05.000Z07:00"

// renderAgent writes agent/index.html and downloads/agent_trail.csv when
// the report carries the agent page (every pipeline build does).
func renderAgent(layouts *layouts, r *report.Report, opts Options) error {
	if r.Agent == nil {
		return nil
	}
	p := newPage(r, nil, "../", opts)
	p.Agent = true
	if err := writePage(layouts.agent, p, filepath.Join(opts.Dir, "agent", "index.html")); err != nil {
		return fmt.Errorf("render agent page: %w", err)
	}
	if err := writeAgentTrail(filepath.Join(opts.Dir, "downloads", fileAgentTrail), r.Agent.Entries); err != nil {
		return fmt.Errorf("render agent page: %w", err)
	}
	return nil
}

// writeAgentTrail writes the entries (newest first, as the page holds
// them) in the trail's order.
func writeAgentTrail(path string, entries []report.AgentEntry) error {
	rows := make([]agentTrailRow, 0, len(entries))
	for _, e := range slices.Backward(entries) {
		row := agentTrailRow{
			Seq:            e.Seq,
			Time:           e.Time.UTC().Format(trailTime),
			Tool:           guardText(e.Tool),
			Caller:         guardText(e.Caller),
			Role:           guardText(e.Role),
			Outcome:        guardText(e.Outcome),
			Category:       guardText(e.Category),
			Owner:          guardText(e.Owner),
			ClusterID:      guardText(e.ClusterID()),
			Reason:         guardText(e.Reason),
			SavingsHourly:  optional(e.SavingsHourly, budget.Decimal.String),
			SavingsMonthly: optional(e.SavingsMonthly, money),
			Hash:           guardText(e.Hash),
		}
		if e.Realised.Measured() {
			row.Realised = money(e.Realised.Saved)
		}
		rows = append(rows, row)
	}
	return writeCSV(path, rows)
}

func optional(d *budget.Decimal, format func(budget.Decimal) string) string {
	if d == nil {
		return ""
	}
	return format(*d)
}

// clusterText says what a decision saw or left of a cluster: its state
// and its size, "RUNNING, 8 workers" or "RUNNING, autoscale 2–8".
func clusterText(c *report.TrailCluster) string {
	if c == nil {
		return ""
	}
	size := fmt.Sprintf("%d workers", c.Workers)
	if c.Workers == 1 {
		size = "1 worker"
	}
	if c.Autoscale {
		size = fmt.Sprintf("autoscale %d–%d", c.MinWorkers, c.MaxWorkers)
	}
	if c.State == "" {
		return size
	}
	return c.State + ", " + size
}

// clock is an entry's time of day as the page shows it, to the second.
func clock(t time.Time) string { return t.UTC().Format("15:04:05") }
