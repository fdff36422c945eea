package setup

import (
	"bufio"
	"fmt"
	"io"
	"time"
)

// WriteText prints the plan for people: per category, each object with
// what applying does to it, the fields that change (before → after), and
// the tag values each budget filters on.
func (p Plan) WriteText(w io.Writer) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "Plan %s\n", short(p.ID))
	if len(p.Open) > 0 {
		fmt.Fprintf(b, "\nOpen intents in the audit log (a change begun, its result never logged):\n")
		for _, oi := range p.Open {
			id := ""
			if oi.ID != "" {
				id = " (id " + oi.ID + ")"
			}
			fmt.Fprintf(b, "  entry %d, %s by %s: %s %s %s%s: %s\n", oi.Seq, oi.Time.UTC().Format(time.RFC3339), oi.Actor,
				oi.Action, oi.Kind.Words(), oi.Key, id, resolutionText(oi.Resolution))
		}
	}
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
	if len(p.Open) > 0 {
		fmt.Fprintf(b, "%d open intents to close.\n", len(p.Open))
	}
	return b.Flush()
}

// resolutionText says what applying does with an open intent.
func resolutionText(r string) string {
	switch r {
	case ResolveReadBack:
		return "read back as content/ asks; applying logs its result as resolved by reading back"
	case ResolveRedo:
		return "not as content/ asks; the plan's item makes the change again"
	}
	return "content/ no longer asks for it; applying closes it as abandoned"
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
