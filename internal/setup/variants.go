package setup

import (
	"slices"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// GroupVariants sorts the raw OperationalCategory values seen in usage
// data by the configured tag value they normalise to, the way attribution
// matches them (budget.NormalizeTag), and keeps those that differ from it:
// the spellings a budget must also filter on to count what the site
// counts. Values of no configured category are left out.
func GroupVariants(tagValues, seen []string) map[string][]string {
	out := map[string][]string{}
	for _, v := range seen {
		tag := budget.NormalizeTag(v)
		if v == tag || !slices.Contains(tagValues, tag) || slices.Contains(out[tag], v) {
			continue
		}
		out[tag] = append(out[tag], v)
	}
	for _, vs := range out {
		slices.Sort(vs)
	}
	return out
}
