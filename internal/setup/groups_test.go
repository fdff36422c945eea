package setup

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/databricks/databricks-sdk-go/service/billing"

	"github.com/novadynamics/stellar-budget/internal/audit"
)

// accountObjects renders the account's budgets, budget policies and the
// workspace's cluster policies, to tell whether anything changed.
func accountObjects(t *testing.T, c Clients) string {
	t.Helper()
	ctx := context.Background()
	budgets, err := c.Budgets.ListAll(ctx, billing.ListBudgetConfigurationsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	policies, err := c.BudgetPolicies.ListAll(ctx, billing.ListBudgetPoliciesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	cps, err := c.ClusterPolicies.ListAll(ctx, computeList())
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%+v\n%+v\n%+v", budgets, policies, cps)
}

// TestMissingGroupsStopSetup: with one category's group missing from the
// account and another's not assigned to the workspace, the plan fails
// with one line per group, saying where to create or assign it, and
// nothing in the account or workspace changes.
func TestMissingGroupsStopSetup(t *testing.T) {
	div, emu, _ := start(t)
	c, actor := connect(t)
	emu.DeleteGroup("sad-propulsion")
	emu.PutGroup("sad-navigation", false)
	before := accountObjects(t, c)

	_, err := NewPlan(context.Background(), c, div, Options{AsOf: asOf})
	if !errors.Is(err, ErrMissingGroup) {
		t.Fatalf("plan: %v, want ErrMissingGroup", err)
	}
	// One line per group, in the categories' order; the files are named as
	// content.Load was given them.
	lines := strings.Split(strings.ReplaceAll(err.Error(), "../../content/", "content/"), "\n")
	want := []string{
		"plan setup: 2 of the groups content/ names cannot be granted; nothing was read or changed:",
		"group sad-navigation (content/categories/navigation-systems.md) is in the account but not assigned to workspace 1234567890123456: assign it in the account console > Workspaces > the workspace > Permissions > Add permissions",
		"group sad-propulsion (content/categories/propulsion-analytics.md) does not exist in the account: create it in the account console > User management > Groups, then assign it to workspace 1234567890123456 (Workspaces > the workspace > Permissions)",
	}
	if len(lines) != len(want) {
		t.Fatalf("error has %d lines, want %d:\n%v", len(lines), len(want), err)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d = %q\nwant      %q", i+1, lines[i], want[i])
		}
	}
	if _, err := Drift(context.Background(), c, div, Options{AsOf: asOf}); !errors.Is(err, ErrMissingGroup) {
		t.Errorf("drift: %v, want ErrMissingGroup", err)
	}
	if after := accountObjects(t, c); after != before {
		t.Errorf("the account changed:\nbefore %s\nafter  %s", before, after)
	}

	// Once the groups are there, setup goes through.
	emu.PutGroup("sad-propulsion", true)
	emu.PutGroup("sad-navigation", true)
	p := plan(t, c, div, Options{AsOf: asOf})
	if res := apply(t, c, p, filepath.Join(t.TempDir(), audit.FileName), actor); len(res.Applied) != 55 {
		t.Errorf("applied %d changes, want 55", len(res.Applied))
	}
}
