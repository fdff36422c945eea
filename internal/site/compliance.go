package site

import (
	"fmt"
	"path/filepath"

	"github.com/novadynamics/stellar-budget/internal/governance"
	"github.com/novadynamics/stellar-budget/internal/report"
	"github.com/novadynamics/stellar-budget/internal/snapshot"
)

// layoutCompliance is the compliance page's layout: resource compliance
// against the target beside the tagged share of last month's spend, the
// findings, the drift of budgets and policies from content/, and the setup
// audit log's head.
const layoutCompliance = "compliance.html"

// renderCompliance writes compliance/index.html when the build has the
// page's data (every pipeline build does).
func renderCompliance(layouts *layouts, r *report.Report, opts Options) error {
	if opts.Governance == nil {
		return nil
	}
	p := newPage(r, nil, "../", opts)
	p.Compliance = true
	if err := writePage(layouts.compliance, p, filepath.Join(opts.Dir, "compliance", "index.html")); err != nil {
		return fmt.Errorf("render compliance page: %w", err)
	}
	return nil
}

// snapshotCompliance is the compliance page's headline in snapshot.json.
// A part the build did not read is null.
func snapshotCompliance(g *governance.Governance) *snapshot.Compliance {
	if g == nil {
		return nil
	}
	s := &snapshot.Compliance{
		TaggedSpendPct: optionalPct(shown(g.TaggedSpend.AttributedPct)),
		TaggedMonth:    g.TaggedSpend.Month.Format("2006-01"),
	}
	if c := g.Resources; c != nil {
		n := len(c.Findings)
		s.CompliancePct, s.TargetPct, s.Findings = optionalPct(shown(&c.SharePct)), optionalPct(shown(&c.TargetPct)), &n
	}
	if d := g.Drift; d != nil {
		n := len(d.Items)
		s.Drifted = &n
	}
	if a := g.Audit; a != nil && a.Verified {
		s.AuditHead, s.AuditVerified = a.Hash, true
	}
	return s
}
