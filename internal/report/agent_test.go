package report

import (
	"fmt"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// clusterDays is one fact a day for cluster id, from from through to,
// costing cost each day.
func clusterDays(id, owner, from, to, cost string) []budget.Fact {
	var out []budget.Fact
	for d := day(from); !d.After(day(to)); d = d.AddDate(0, 0, 1) {
		out = append(out, workloadFact(d.Format(time.DateOnly), "ALPHA", owner, WorkloadCluster, id, "ws", cost))
	}
	return out
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func decPtr(s string) *budget.Decimal {
	d := dec(s)
	return &d
}

// acted is an acted decision on cluster id at when.
func acted(seq int64, when, id, owner, monthly string) TrailEntry {
	e := TrailEntry{Seq: seq, Time: at(when), Tool: "scale_cluster", Caller: "operator", Role: "operator", Outcome: OutcomeActed,
		Category: "ALPHA", Owner: owner, Before: &TrailCluster{ID: id, State: "RUNNING", Workers: 8}, After: &TrailCluster{ID: id, State: "RUNNING", Workers: 2},
		Hash: fmt.Sprintf("%064d", seq)}
	if monthly != "" {
		e.SavingsMonthly = decPtr(monthly)
	}
	return e
}

// agentOf builds the report of facts as of asOf (with the data ending at
// lastUsage when not zero) and sets the agent page from entries.
func agentOf(t *testing.T, facts []budget.Fact, asOf string, lastUsage time.Time, entries ...TrailEntry) *Agent {
	t.Helper()
	data := dataset{Source: "files", Facts: facts, LastUsage: lastUsage}
	for _, f := range facts {
		if data.FirstDate.IsZero() || f.Date.Before(data.FirstDate) {
			data.FirstDate = f.Date
		}
		if f.Date.After(data.LastDate) {
			data.LastDate = f.Date
		}
	}
	r := mustBuild(t, division(), data, day(asOf))
	r.SetAgent(Trail{Location: "trail.jsonl", Head: "h", Entries: entries}, budget.RollUp(facts, time.Time{}))
	return r.Agent
}

// bySeq finds an entry of the page.
func bySeq(t *testing.T, a *Agent, seq int64) AgentEntry {
	t.Helper()
	for _, e := range a.Entries {
		if e.Seq == seq {
			return e
		}
	}
	t.Fatalf("no entry %d", seq)
	return AgentEntry{}
}

// TestRealisedSavings: a cluster costing $100 a day, resized down on day D,
// costing $40 a day after: each complete day after D saves exactly $60.
func TestRealisedSavings(t *testing.T) {
	// c1: $100 a day 2026-03-01..09, $70 on the day of the action, $40 a
	// day after; one day's cost split across two categories, and a job
	// with the same id that is no cluster.
	c1 := append(clusterDays("c1", "o1@x", "2026-03-01", "2026-03-09", "100"),
		workloadFact("2026-03-10", "ALPHA", "o1@x", WorkloadCluster, "c1", "ws", "70"))
	c1 = append(c1, clusterDays("c1", "o1@x", "2026-03-11", "2026-03-15", "40")...)
	c1[len(c1)-1].Cost = dec("15")
	c1 = append(c1, workloadFact("2026-03-15", budget.Unattributed, "o1@x", WorkloadCluster, "c1", "ws", "25"),
		workloadFact("2026-03-12", "ALPHA", "o1@x", WorkloadJob, "c1", "ws", "1000"))
	action := "2026-03-10T14:00:00Z"
	tests := []struct {
		name      string
		facts     []budget.Fact
		asOf      string
		lastUsage time.Time
		entries   []TrailEntry
		seq       int64
		state     string
		saved     string
		from, to  string
		baseline  string
	}{
		{name: "five complete days after", facts: c1, asOf: "2026-03-15", entries: []TrailEntry{acted(1, action, "c1", "o1@x", "900")},
			seq: 1, state: RealisedMeasured, saved: "300.00", from: "2026-03-11", to: "2026-03-15", baseline: "100.00"},
		// The data ends at 08:00 on the 15th: that day is not complete.
		{name: "partial last day left out", facts: c1, asOf: "2026-03-15", lastUsage: at("2026-03-15T08:00:00Z"),
			entries: []TrailEntry{acted(1, action, "c1", "o1@x", "")},
			seq:     1, state: RealisedMeasured, saved: "240.00", from: "2026-03-11", to: "2026-03-14", baseline: "100.00"},
		// The next action on c1, on the 13th, owns the days from it.
		{name: "cut at the next action", facts: c1, asOf: "2026-03-15",
			entries: []TrailEntry{acted(1, action, "c1", "o1@x", ""), acted(2, "2026-03-13T09:00:00Z", "c1", "o1@x", "")},
			seq:     1, state: RealisedMeasured, saved: "120.00", from: "2026-03-11", to: "2026-03-12", baseline: "100.00"},
		// The second action's baseline is 03-06..12: 4×100 + 70 + 2×40 =
		// 550 over 7 days; measured on the 14th and 15th at $40:
		// 2×550/7 − 80 = 77.142857…
		{name: "the later action's own baseline", facts: c1, asOf: "2026-03-15",
			entries: []TrailEntry{acted(1, action, "c1", "o1@x", ""), acted(2, "2026-03-13T09:00:00Z", "c1", "o1@x", "")},
			seq:     2, state: RealisedMeasured, saved: "77.14", from: "2026-03-14", to: "2026-03-15", baseline: "78.57"},
		{name: "not measured yet", facts: c1, asOf: "2026-03-10", entries: []TrailEntry{acted(1, action, "c1", "o1@x", "")},
			seq: 1, state: RealisedNotYet},
		{name: "partial day after the action is not measured", facts: c1, asOf: "2026-03-11", lastUsage: at("2026-03-11T06:00:00Z"),
			entries: []TrailEntry{acted(1, action, "c1", "o1@x", "")}, seq: 1, state: RealisedNotYet},
		{name: "superseded the next day", facts: c1, asOf: "2026-03-15",
			entries: []TrailEntry{acted(1, action, "c1", "o1@x", ""), acted(2, "2026-03-11T01:00:00Z", "c1", "o1@x", "")},
			seq:     1, state: RealisedSuperseded},
		// c2 cost $10 a day, then $25 a day after a "saving": −$15 a day.
		{name: "negative shown", facts: append(clusterDays("c2", "o2@x", "2026-03-01", "2026-03-05", "10"), clusterDays("c2", "o2@x", "2026-03-06", "2026-03-08", "25")...),
			asOf: "2026-03-08", entries: []TrailEntry{acted(1, "2026-03-05T12:00:00Z", "c2", "o2@x", "")},
			seq: 1, state: RealisedMeasured, saved: "-45.00", from: "2026-03-06", to: "2026-03-08", baseline: "10.00"},
		// Three days of data before the action: the baseline is their mean.
		{name: "fewer days before", facts: append(clusterDays("c2", "o2@x", "2026-03-01", "2026-03-03", "30"), clusterDays("c2", "o2@x", "2026-03-04", "2026-03-05", "5")...),
			asOf: "2026-03-05", entries: []TrailEntry{acted(1, "2026-03-04T00:00:00Z", "c2", "o2@x", "")},
			seq: 1, state: RealisedMeasured, saved: "25.00", from: "2026-03-05", to: "2026-03-05", baseline: "30.00"},
		{name: "no usage before", facts: append(c1, clusterDays("c3", "o3@x", "2026-03-12", "2026-03-15", "5")...), asOf: "2026-03-15",
			entries: []TrailEntry{acted(1, "2026-03-12T10:00:00Z", "c3", "", "")}, seq: 1, state: RealisedNoBaseline},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := agentOf(t, tc.facts, tc.asOf, tc.lastUsage, tc.entries...)
			got := bySeq(t, a, tc.seq).Realised
			if got.State != tc.state {
				t.Fatalf("state = %q, want %q", got.State, tc.state)
			}
			if tc.state != RealisedMeasured {
				return
			}
			if got.Saved.Cents() != tc.saved || got.Baseline.Cents() != tc.baseline {
				t.Errorf("saved %s on a baseline of %s, want %s on %s", got.Saved.Cents(), got.Baseline.Cents(), tc.saved, tc.baseline)
			}
			if f, to := got.From.Format(time.DateOnly), got.To.Format(time.DateOnly); f != tc.from || to != tc.to {
				t.Errorf("measured %s..%s, want %s..%s", f, to, tc.from, tc.to)
			}
		})
	}
}

// TestAgentHeadline: the realised figure sums the measured entries across
// their owners (the cluster's owner in the facts when the entry names
// none); the dry-run estimate counts each cluster's latest decision once.
func TestAgentHeadline(t *testing.T) {
	facts := append(clusterDays("c1", "o1@x", "2026-03-01", "2026-03-09", "100"), clusterDays("c1", "o1@x", "2026-03-10", "2026-03-15", "40")...)
	facts = append(facts, clusterDays("c2", "o2@x", "2026-03-01", "2026-03-09", "50")...)
	facts = append(facts, clusterDays("c2", "o2@x", "2026-03-10", "2026-03-15", "0")...)
	noOwner := acted(2, "2026-03-09T10:00:00Z", "c2", "", "700.5")
	dry := func(seq int64, when, id, monthly string) TrailEntry {
		e := acted(seq, when, id, "o3@x", monthly)
		e.Outcome = OutcomeDryRun
		return e
	}
	refused := acted(7, "2026-03-14T10:00:00Z", "c1", "o1@x", "999")
	refused.Outcome = "refused"
	a := agentOf(t, facts, "2026-03-15", time.Time{},
		acted(1, "2026-03-09T08:00:00Z", "c1", "o1@x", "1200"), // 03-10..14 × 60 = 300: seq 6 owns the 15th
		noOwner, // 03-10..15 × 50 = 300, owner o2@x from the facts
		dry(3, "2026-03-12T06:00:00Z", "c9", "100"),
		dry(4, "2026-03-13T06:00:00Z", "c9", "90"), // c9's latest
		dry(5, "2026-03-13T06:00:00Z", "c8", "10.25"),
		acted(6, "2026-03-15T09:00:00Z", "c1", "o1@x", "30"), // not measured yet
		refused,
	)
	s := a.Savings
	if s.Realised.Cents() != "600.00" || s.Owners != 2 || s.Measured != 2 || s.Acted != 3 {
		t.Errorf("realised %s across %d owners (%d of %d measured), want 600.00 across 2 (2 of 3)", s.Realised.Cents(), s.Owners, s.Measured, s.Acted)
	}
	if s.EstimatedActed.Cents() != "1930.50" {
		t.Errorf("estimated acted = %s, want 1930.50", s.EstimatedActed.Cents())
	}
	if s.EstimatedDryRun.Cents() != "100.25" || s.DryRunDecisions != 2 {
		t.Errorf("dry-run estimate = %s over %d decisions, want 100.25 over 2", s.EstimatedDryRun.Cents(), s.DryRunDecisions)
	}
	if a.Count != 7 || a.Entries[0].Seq != 7 || a.Entries[6].Seq != 1 {
		t.Errorf("entries not newest first: count %d, first %d", a.Count, a.Entries[0].Seq)
	}
	if !a.Verified() || !a.Kept() {
		t.Error("a verified trail is not shown as verified")
	}
}

// TestAgentProblem: a trail that does not verify shows its problem and no
// entries; no trail says why.
func TestAgentProblem(t *testing.T) {
	r := mustBuild(t, division(), dataset{Source: "files", Facts: clusterDays("c1", "o@x", "2026-03-01", "2026-03-02", "1")}, day("2026-03-02"))
	r.SetAgent(Trail{Location: "t.jsonl", Problem: "line 2 was edited", Entries: []TrailEntry{acted(1, "2026-03-01T00:00:00Z", "c1", "", "")}}, budget.Facts{})
	if r.Agent.Verified() || len(r.Agent.Entries) != 0 || r.Agent.Problem == "" {
		t.Errorf("a broken trail shows %d entries, verified %v", len(r.Agent.Entries), r.Agent.Verified())
	}
	r.SetAgent(Trail{Note: "no trail"}, budget.Facts{})
	if r.Agent.Kept() {
		t.Error("no trail shown as kept")
	}
}
