package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// TagTypo is a configured category that has no spend at all while a tag
// value a few edits from its tag_value does (budget.NearTag): most likely
// the tag_value in content/ or the tag on the resources is mistyped, and
// the category's spend sits in the unattributed bucket.
type TagTypo struct {
	Slug     string // the category's
	Title    string
	TagValue string // as configured
	// Value is the near value found in the data, normalised (the form a
	// tag_value takes); Cost is what it carries over all the data up to
	// the as-of date, every spelling of it together.
	Value string
	Cost  budget.Decimal
}

// String says it in one line, naming both values and the amount.
func (t TagTypo) String() string {
	return fmt.Sprintf("category %s has no spend under tag_value %s: did you mean %s? %s carries it", t.Title, t.TagValue, t.Value, t.Cost.USD())
}

// tagTypos finds the TagTypos: each category without a single fact, beside
// each unknown value near its tag_value, largest first.
func tagTypos(cats []Category, byCat map[string][]budget.Fact, unknown []UnknownValue) []TagTypo {
	near := map[string]budget.Decimal{} // normalised unknown value -> cost
	for _, v := range unknown {
		n := budget.NormalizeTag(v.Value)
		near[n] = near[n].Add(v.Total)
	}
	var out []TagTypo
	for _, c := range cats {
		if len(byCat[c.TagValue]) > 0 {
			continue
		}
		for value, cost := range near {
			if cost.Sign() > 0 && budget.NearTag(value, c.TagValue) {
				out = append(out, TagTypo{Slug: c.Slug, Title: c.Title, TagValue: c.TagValue, Value: value, Cost: cost})
			}
		}
	}
	slices.SortFunc(out, func(a, b TagTypo) int {
		if c := b.Cost.Cmp(a.Cost); c != 0 {
			return c
		}
		return strings.Compare(a.Slug+a.Value, b.Slug+b.Value)
	})
	return out
}
