package site

import (
	"fmt"
	"path/filepath"

	"github.com/novadynamics/stellar-budget/internal/report"
)

// layoutCompliance is the compliance page's layout: resource compliance
// against the target beside the tagged share of last month's spend, the
// findings, the drift of budgets and policies from content/, and the setup
// audit log's head.
const layoutCompliance = "compliance.html"

// renderCompliance writes compliance/index.html when the report carries
// governance figures (every pipeline build does).
func renderCompliance(layouts *layouts, r *report.Report, opts Options) error {
	if r.Governance == nil {
		return nil
	}
	p := newPage(r, nil, "../", opts.Now)
	p.Compliance = true
	if err := writePage(layouts.compliance, p, filepath.Join(opts.Dir, "compliance", "index.html")); err != nil {
		return fmt.Errorf("render compliance page: %w", err)
	}
	return nil
}

// SnapshotCompliance is the compliance page's headline in snapshot.json.
// A part the build did not read is null.
type SnapshotCompliance struct {
	CompliancePct  *string `json:"compliance_pct"`   // resources that comply, 1 decimal
	TargetPct      *string `json:"target_pct"`       // what they are measured against
	TaggedSpendPct *string `json:"tagged_spend_pct"` // last month's spend correctly tagged
	TaggedMonth    string  `json:"tagged_spend_month"`
	Findings       *int    `json:"findings"` // rules broken, one per resource and rule
	Drifted        *int    `json:"drifted"`  // budgets and policies that differ from content/
	AuditHead      string  `json:"audit_head"`
	// AuditVerified is true when the setup audit log's chain verified;
	// false without a log or when it is broken (audit_head is then "").
	AuditVerified bool `json:"audit_verified"`
}

func snapshotCompliance(g *report.Governance) *SnapshotCompliance {
	if g == nil {
		return nil
	}
	s := &SnapshotCompliance{
		TaggedSpendPct: optionalPct(g.TaggedSpend.Share),
		TaggedMonth:    g.TaggedSpend.Month.Format("2006-01"),
	}
	if c := g.Resources; c != nil {
		n := len(c.Findings)
		s.CompliancePct, s.TargetPct, s.Findings = optionalPct(c.Share), optionalPct(c.Target), &n
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
