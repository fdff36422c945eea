// Package governance holds the compliance page's data: the share of last
// month's spend whose tag matched a category (the same TaggedSpend
// `generator check` reports), the workspace's resource compliance, the
// drift of budgets and policies from content/, and the head of setup's
// audit log. compliance.Gather fills it, the site renders it. It imports
// no SDK, so the site renders it without linking one.
package governance

import (
	"strings"
	"time"
)

// Governance is what the compliance page shows beside the money. A part
// that could not be read is nil and its note says why, so the page never
// shows a stale or made-up figure.
type Governance struct {
	TaggedSpend TaggedSpend

	// Resources is the resource compliance check; nil when not read.
	Resources     *ResourceCompliance
	ResourcesNote string // why Resources was not read
	// Drift is the difference between content/ and the account's budgets
	// and policies; nil when not read.
	Drift     *Drift
	DriftNote string
	// Audit is the head of setup's audit log; nil when there is no log.
	Audit     *AuditHead
	AuditNote string
}

// ResourceCompliance is one check of the workspace's resources against the
// rules of content/.
type ResourceCompliance struct {
	CheckedAt time.Time
	Workspace string // the workspace URL the resources were read from
	Total     int    // resources checked
	Compliant int
	// SharePct is Compliant / Total in percent, rounded half up to one
	// decimal (budget.RoundPercent), so 100.0 with a rule broken is a
	// share of at least 99.95 % (Passed and the findings say so); 100 when
	// nothing was checked.
	SharePct  float64
	TargetPct float64 // the share the division aims for
	// Passed compares the exact counts with Target.
	Passed   bool
	Findings []Finding // by kind, name, id and rule
}

// NonCompliant is how many resources break a rule.
func (c ResourceCompliance) NonCompliant() int { return c.Total - c.Compliant }

// Finding is one rule one resource breaks.
type Finding struct {
	Kind         string // cluster, job, warehouse or pipeline
	ID           string
	Name         string
	Category     string // the configured category's title, or budget.Unattributed
	CategorySlug string // "" when unattributed
	Owner        string
	Rule         string // the rule's stable name, e.g. missing_tag
	Explanation  string // what is wrong, in plain words
	Link         string // the resource in the workspace UI
}

// Drift is how far the account and the workspace are from content/.
type Drift struct {
	Checked int         // objects compared
	Items   []DriftItem // those that differ; empty when in sync
}

// DriftItem is one object that differs from content/.
type DriftItem struct {
	Category     string // the category's title
	CategorySlug string
	Kind         string // stable: budget, budget_policy, cluster_policy, ...
	What         string // the kind in words: "cluster policy grant"
	Key          string // the object's stable key
	Name         string
	ID           string // "" when the object is missing
	State        string // "missing" or "differs"
	Changes      []string
}

// NameHasKey reports whether the name already shows the key, as a
// budget's display name does.
func (d DriftItem) NameHasKey() bool { return strings.Contains(d.Name, d.Key) }

// DriftChange formats one changed field as a drift row shows it.
func DriftChange(field, before, after string) string {
	if before == "" {
		before = "(none)"
	}
	return field + ": " + before + " → " + after
}

// AuditHead is the head of setup's hash-chained audit log, as verified
// when the site was built.
type AuditHead struct {
	Hash     string // the last entry's hash; "" when the chain is broken
	Entries  int
	Verified bool
	Error    string // why the chain does not verify
}

// ShortHash is the head hash shortened for a line of text.
func (a AuditHead) ShortHash() string {
	const n = 12
	if len(a.Hash) <= n {
		return a.Hash
	}
	return a.Hash[:n] + "…"
}
