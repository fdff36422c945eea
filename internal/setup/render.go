package setup

import (
	"bufio"
	"fmt"
	"io"
)

// WriteText prints the plan for people: per category, each object with
// what applying does to it, the fields that change (before → after), and
// the tag values each budget filters on.
func (p Plan) WriteText(w io.Writer) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "Plan %s\n", short(p.ID))
	category := ""
	for _, it := range p.Items {
		if it.Category != category {
			category = it.Category
			fmt.Fprintf(b, "\n%s\n", category)
		}
		fmt.Fprintf(b, "  %-9s %-20s %s", it.Action, it.Kind.Words(), it.Key)
		switch {
		case it.Kind == KindBudgetPolicyGrant || it.Kind == KindClusterPolicyGrant:
			fmt.Fprintf(b, " → %s", it.Name)
		case it.Name != it.Key:
			fmt.Fprintf(b, " %q", it.Name)
		}
		if it.ID != "" {
			fmt.Fprintf(b, " (id %s)", it.ID)
		}
		fmt.Fprintln(b)
		if it.Kind == KindBudget && it.Action == Unchanged {
			fmt.Fprintf(b, "      filter: %s\n", list(it.Filter))
		}
		for _, c := range it.Changes {
			if it.Action == Create && c.Before == "" {
				fmt.Fprintf(b, "      %s: %s\n", c.Field, orNone(c.After))
				continue
			}
			fmt.Fprintf(b, "      %s: %s → %s\n", c.Field, orNone(c.Before), orNone(c.After))
		}
	}
	for _, n := range p.Notes {
		fmt.Fprintf(b, "\nnote: %s\n", n)
	}
	create, update, unchanged := p.Counts()
	fmt.Fprintf(b, "\n%d to create, %d to update, %d unchanged.\n", create, update, unchanged)
	return b.Flush()
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
