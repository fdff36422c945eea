// Package compliance judges a workspace's clusters, jobs, SQL warehouses
// and pipelines against the division's rules from content/ and reports the
// share of them that comply, beside the share of last month's spend that
// was correctly tagged. It reads the workspace through databricks-sdk-go
// and never links DuckDB. Gather reads the same for the site's compliance
// page, into package governance's types.
//
// Order of operations (Evaluate):
//
//  1. Clusters created by a job or a pipeline (cluster_source JOB,
//     PIPELINE, PIPELINE_MAINTENANCE) are skipped: they are ephemeral and
//     judged through the job's or pipeline's own cluster settings.
//  2. A resource's tags are its own; a job's are its tags overlaid with
//     each job cluster's custom_tags, a pipeline's its tags overlaid with
//     each of its clusters' custom_tags, the way Databricks propagates them
//     to the compute that is billed. A job or pipeline is judged once per
//     cluster it runs on, the same finding on several clusters said once
//     with the clusters named; a serverless one, without clusters, on its
//     own tags. A cluster policy's fixed custom_tags are overlaid on the
//     tags of the job and pipeline clusters that use it: the policy puts
//     them on the compute. Autotermination is judged on all-purpose clusters and
//     warehouses (auto stop off) only: job and pipeline clusters end with
//     their run.
//  3. Serverless work (a job with a task that names no cluster, a
//     pipeline with serverless: true) is tagged by its effective budget
//     policy, not by its own tags: that policy must be its category's, the
//     one setup creates (found by name, setup.BudgetPolicyName), else the
//     finding wrong_budget_policy, with its spend of the month when the
//     spend is read (a job's classic tasks count too).
//  4. Its category is the OperationalCategory tag normalised
//     (budget.NormalizeTag) and matched to a configured tag_value; anything
//     else is budget.Unattributed, and the rules that need a category's
//     limits (workers, node types, autotermination limit, all-purpose) are
//     not judged for it: its tag finding already says what to fix.
//  5. Owner: the Owner tag, else the resource's creator, else
//     budget.UnknownOwner.
//  6. A resource complies when it breaks no rule. The share that comply is
//     compliant / checked; no resource at all complies fully (100 %).
//     Percentages are rounded as every percentage is shown, half up to one
//     decimal from the exact share (budget.RoundPercent): 1999 of 2500
//     (79.96 %) shows as 80.0 %. The --min-compliance gate compares the
//     exact counts with the target, never the rounded share, so that share
//     fails a target of 80; 100.0 % with a rule broken is a share of at
//     least 99.95 %, and `passed` and the findings say it.
//
// # JSON schema
//
// WriteJSON writes one object, schema version SchemaVersion. Fields are
// only ever added, never renamed or removed, within a version:
//
//	schema              int      SchemaVersion
//	checked_at          string   RFC 3339, UTC
//	workspace           string   the workspace URL the resources were read from
//	min_compliance_pct  number   the target (--min-compliance)
//	passed              bool     compliance_pct of resources >= the target (exact counts)
//	resources           object   {total, compliant, non_compliant, compliance_pct}
//	by_kind             array    [{kind, total, compliant, non_compliant, compliance_pct}] in kind order
//	findings            array    one per (resource, rule broken):
//	    kind            string   cluster | job | warehouse | pipeline
//	    id              string   cluster_id, job_id, warehouse id, pipeline_id
//	    name            string
//	    category        string   configured tag_value, or UNATTRIBUTED
//	    category_slug   string   the category's page slug; "" when unattributed
//	    owner           string   Owner tag, else creator, else "(unknown)"
//	    link            string   the resource in the workspace UI
//	    rule            string   one of the Rule constants
//	    explanation     string   what is wrong, in plain words
//	    spend_usd       string   wrong_budget_policy with spend read: the job's
//	                             or pipeline's spend in tagged_spend's month
//	tagged_spend        object   absent when no spend was read:
//	    month           string   YYYY-MM, the calendar month before the as-of date
//	    source          string   demo | files | databricks
//	    total_usd       string   all spend of the month, 2 decimals
//	    attributed_usd  string   spend whose tag matched a configured category
//	    unattributed_usd string  the rest
//	    attributed_pct  number|null  attributed / total (null when total <= 0)
//	    misattributed_usd string the spend of the wrong_budget_policy findings
//	audit               object   absent unless --audit:
//	    log             string   the audit log verified
//	    entries         int      entries in it (0: missing or empty)
//	    head            string   hash of its last entry
//	    expected_head   string   the --expect-head given, if any
//	    since_expected  int      entries appended after the expected head
//	    ok              bool     the chain (and the expected head) verify
//	    error           string   why not, when ok is false
//	    open_intents    array    absent when none: changes setup logged as
//	                             begun with no result (a run that stopped
//	                             in between); the next setup reads each
//	                             object back. Each: seq (int), time
//	                             (RFC 3339), action, kind, key, id
//	trail               object   absent unless --audit: the agent trail
//	                             (internal/trail), as audit without
//	                             open_intents; log is its file
//	                             or its table (catalog.schema.table), and
//	                             expected_head the --expect-trail-head given
package compliance

import (
	"math/big"
	"strconv"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/governance"
)

// SchemaVersion is the version of the JSON WriteJSON writes.
const SchemaVersion = 1

// Kinds of resource checked, in the order reports list them.
const (
	KindCluster   = "cluster"
	KindJob       = "job"
	KindWarehouse = "warehouse"
	KindPipeline  = "pipeline"
)

// Kinds lists the kinds in report order.
var Kinds = []string{KindCluster, KindJob, KindWarehouse, KindPipeline}

// Rule names one rule a resource can break; the values are stable (JSON).
type Rule string

// The rules, in the order a resource's findings are listed.
const (
	RuleMissingTag               Rule = "missing_tag"
	RuleWrongTag                 Rule = "wrong_tag"
	RuleNoPolicy                 Rule = "no_policy"
	RuleAutoterminationOff       Rule = "autotermination_off"
	RuleAutoterminationOverLimit Rule = "autotermination_over_limit"
	RuleTooManyWorkers           Rule = "too_many_workers"
	RuleNodeTypeNotAllowed       Rule = "node_type_not_allowed"
	RuleAllPurposeNotAllowed     Rule = "all_purpose_not_allowed"
	// RuleWrongBudgetPolicy: serverless work whose effective budget
	// policy is not its category's, so its spend is tagged for another
	// category or none.
	RuleWrongBudgetPolicy Rule = "wrong_budget_policy"
)

var ruleOrder = map[Rule]int{
	RuleMissingTag: 0, RuleWrongTag: 1, RuleNoPolicy: 2, RuleAutoterminationOff: 3,
	RuleAutoterminationOverLimit: 4, RuleTooManyWorkers: 5, RuleNodeTypeNotAllowed: 6,
	RuleAllPurposeNotAllowed: 7, RuleWrongBudgetPolicy: 8,
}

// Resource is one checked cluster, job, warehouse or pipeline.
type Resource struct {
	Kind         string `json:"kind"`
	ID           string `json:"id"`
	Name         string `json:"name"`
	Category     string `json:"category"`      // configured tag_value or budget.Unattributed
	CategorySlug string `json:"category_slug"` // "" when unattributed
	Owner        string `json:"owner"`
	Link         string `json:"link"` // the resource in the workspace UI
}

// Finding is one rule one resource breaks.
type Finding struct {
	Resource
	Rule        Rule   `json:"rule"`
	Explanation string `json:"explanation"`
	// SpendUSD is, for a wrong_budget_policy finding, the resource's spend
	// in the month of the tagged spend, 2 decimals: what its budget policy
	// tags for another category, or none (Report.AddMisattributed).
	SpendUSD string `json:"spend_usd,omitempty"`
}

// Counts are how many resources were checked and how many comply.
type Counts struct {
	Total         int     `json:"total"`
	Compliant     int     `json:"compliant"`
	NonCompliant  int     `json:"non_compliant"`
	CompliancePct float64 `json:"compliance_pct"` // rounded half up to 1 decimal
}

// KindCounts are the counts of one kind of resource.
type KindCounts struct {
	Kind string `json:"kind"`
	Counts
}

// Report is the result of one check: what the CLI prints and the site's
// compliance page shows.
type Report struct {
	Schema           int       `json:"schema"`
	CheckedAt        time.Time `json:"checked_at"`
	Workspace        string    `json:"workspace"`
	MinCompliancePct float64   `json:"min_compliance_pct"`
	// Passed says whether the share of compliant resources reaches
	// MinCompliancePct, compared on the exact counts.
	Passed    bool         `json:"passed"`
	Resources Counts       `json:"resources"`
	ByKind    []KindCounts `json:"by_kind"`
	// Findings are sorted by kind, name, id and rule.
	Findings    []Finding               `json:"findings"`
	TaggedSpend *governance.TaggedSpend `json:"tagged_spend,omitempty"`
	Audit       *Audit                  `json:"audit,omitempty"`
	// Trail is the agent trail's verification, in the same terms.
	Trail *Audit `json:"trail,omitempty"`
}

// Audit is the result of verifying the setup audit log's hash chain
// (package audit), or the agent trail's (package trail).
type Audit struct {
	Log     string `json:"log"`     // the file (or the trail's table) verified
	Entries int    `json:"entries"` // entries in the log; 0 when it is missing
	Head    string `json:"head"`    // hash of the last entry
	// ExpectedHead is the head hash the check was given (--expect-head);
	// SinceExpected counts the entries appended after it.
	ExpectedHead  string `json:"expected_head,omitempty"`
	SinceExpected int    `json:"since_expected"`
	OK            bool   `json:"ok"`
	Error         string `json:"error,omitempty"` // why the chain does not verify
	// OpenIntents are the setup audit log's intents without a result.
	OpenIntents []OpenIntent `json:"open_intents,omitempty"`
}

// OpenIntent is a change setup logged as begun and never logged the
// result of (audit.OpenIntents).
type OpenIntent struct {
	Seq    int64     `json:"seq"`
	Time   time.Time `json:"time"`
	Action string    `json:"action"`
	Kind   string    `json:"kind"`
	Key    string    `json:"key"`
	ID     string    `json:"id,omitempty"`
}

// ResourceFindings are one non-compliant resource and every rule it breaks.
type ResourceFindings struct {
	Resource
	Findings []Finding
}

// NonCompliant groups the findings by resource, in the findings' order.
func (r Report) NonCompliant() []ResourceFindings {
	var out []ResourceFindings
	for _, f := range r.Findings {
		if n := len(out); n > 0 && out[n-1].Kind == f.Kind && out[n-1].ID == f.ID {
			out[n-1].Findings = append(out[n-1].Findings, f)
			continue
		}
		out = append(out, ResourceFindings{Resource: f.Resource, Findings: []Finding{f}})
	}
	return out
}

// countsOf fills the derived fields of a total and a compliant count.
func countsOf(total, compliant int) Counts {
	return Counts{Total: total, Compliant: compliant, NonCompliant: total - compliant, CompliancePct: sharePct(compliant, total)}
}

// sharePct is part/whole in percent as it is shown, rounded half up to one
// decimal (shownPct); 100 when whole is 0 (nothing to break a rule).
func sharePct(part, whole int) float64 {
	if whole == 0 {
		return 100
	}
	return shownPct(big.NewRat(int64(part), 1), big.NewRat(int64(whole), 1))
}

// shownPct is part/whole (whole not zero) in percent, rounded from the
// exact ratio by the one rule every percentage is shown by
// (budget.RoundPercent). Only the rounded figure becomes a float.
func shownPct(part, whole *big.Rat) float64 {
	p, _ := budget.PercentOf(part, whole)
	return budget.RoundPercent(p).Float64()
}

// meets reports whether compliant of total reach pct percent, exactly:
// the target as written (its shortest decimal form) against the exact
// counts, never the rounded share.
func meets(compliant, total int, pct float64) bool {
	target, ok := new(big.Rat).SetString(strconv.FormatFloat(pct, 'f', -1, 64))
	if !ok {
		return false // NaN or an infinity: no share reaches it
	}
	reached := new(big.Rat).SetInt64(int64(compliant) * 100)
	return reached.Cmp(target.Mul(target, big.NewRat(int64(total), 1))) >= 0
}

// unattributed is the category of a resource no configured category matches.
const unattributed = budget.Unattributed
