package compliance

import (
	"fmt"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// WorkloadKey names a job or a pipeline as usage_metadata does: Kind is
// KindJob or KindPipeline, ID its job_id or dlt_pipeline_id.
type WorkloadKey struct{ Kind, ID string }

// WorkloadSpend is each job's and pipeline's spend in one month.
type WorkloadSpend map[WorkloadKey]budget.Decimal

// AddMisattributed gives each wrong_budget_policy finding its job's or
// pipeline's spend in spend (the month of r.TaggedSpend, which must be
// set), and sums them as r.TaggedSpend.Misattributed. Workloads match by
// id alone: the usage may be of several workspaces, and a check reads
// one.
func (r *Report) AddMisattributed(spend WorkloadSpend) {
	if r.TaggedSpend == nil {
		return
	}
	var total budget.Decimal
	month := r.TaggedSpend.Month.Format("January 2006")
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.Rule != RuleWrongBudgetPolicy {
			continue
		}
		cost := spend[WorkloadKey{f.Kind, f.ID}].Round(2)
		total = total.Add(cost)
		f.SpendUSD = cost.Cents()
		f.Explanation += fmt.Sprintf("; %s of spend in %s", cost.USD(), month)
	}
	r.TaggedSpend.Misattributed = total
}
