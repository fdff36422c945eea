package attribtest

import (
	"fmt"
	"slices"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// GrainDiffs lists how an engine's grains differ from want (budget.RollUp
// of the oracle's facts): DetailFrom, and each grain's facts by identity,
// DBUs and cost, exactly. Detail is compared in any order.
func GrainDiffs(got, want budget.Facts) []string {
	var diffs []string
	if !got.DetailFrom.Equal(want.DetailFrom) {
		diffs = append(diffs, fmt.Sprintf("detail from %s, want %s", got.DetailFrom, want.DetailFrom))
	}
	for _, g := range []struct {
		name      string
		got, want []budget.Fact
	}{{"month", got.Months, want.Months}, {"day", got.Days, want.Days}, {"detail", got.Detail, want.Detail}} {
		diffs = append(diffs, factDiffs(g.name, g.got, g.want)...)
	}
	return diffs
}

func factDiffs(grain string, got, want []budget.Fact) []string {
	got, want = slices.Clone(got), slices.Clone(want)
	slices.SortFunc(got, budget.CompareFacts)
	slices.SortFunc(want, budget.CompareFacts)
	var diffs []string
	if len(got) != len(want) {
		diffs = append(diffs, fmt.Sprintf("%s: %d facts, want %d", grain, len(got), len(want)))
	}
	i, j := 0, 0
	for (i < len(got) || j < len(want)) && len(diffs) < 20 {
		var c int
		switch {
		case i == len(got):
			c = 1
		case j == len(want):
			c = -1
		default:
			c = budget.CompareFacts(got[i], want[j])
		}
		switch {
		case c < 0:
			diffs = append(diffs, fmt.Sprintf("%s: unexpected fact %+v", grain, got[i]))
			i++
		case c > 0:
			diffs = append(diffs, fmt.Sprintf("%s: missing fact %+v", grain, want[j]))
			j++
		default:
			if got[i].DBUs.Cmp(want[j].DBUs) != 0 || got[i].Cost.Cmp(want[j].Cost) != 0 {
				diffs = append(diffs, fmt.Sprintf("%s: fact %+v: dbus %s cost %s, want %s and %s",
					grain, want[j], got[i].DBUs, got[i].Cost, want[j].DBUs, want[j].Cost))
			}
			i++
			j++
		}
	}
	return diffs
}
