package demo

import "github.com/novadynamics/stellar-budget/internal/budget"

// ServerlessJobs names, by category tag_value (budget.NormalizeTag of it),
// the job_id the usage of the category's serverless job carries in
// usage_metadata: the job a workspace serving the demo account runs, so
// that its spend can be found. A category the division holds twice (two
// spellings of one scenario category) is named once. Only the streams are
// built, no usage: it costs nothing like a Usage call.
func ServerlessJobs(div budget.Division) map[string]string {
	ms := members(div)
	r := scenarioRoles(ms)
	b := streamSet{names: newNamePool(), untaggedGroup: len(ms), unknownGroup: len(ms) + 1, unpricedGroup: len(ms) + 2}
	for i := range ms {
		b.memberStreams(ms, i, r)
	}
	out := map[string]string{}
	for i := range b.streams {
		s := &b.streams[i]
		if s.product.resource == serverlessJob && s.group < len(ms) {
			out[budget.NormalizeTag(ms[s.group].tag)] = s.resourceID(0)
		}
	}
	return out
}
