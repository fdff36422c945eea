// Package setup turns content/ into Databricks objects, plan first:
// per category and alert threshold an account budget, a serverless budget
// policy, and jobs (and, where allowed, all-purpose and Delta Live Tables
// pipeline) cluster policies, each usable by the category's group; and, when STELLAR_TRACE_TABLE names
// one (Clients.Trail), the agent trail's Delta table (internal/trail),
// created append-only through statement execution. Plan reads what the account and
// workspace hold through the SDK and compares it with what content/ asks
// for, after checking that every category's group exists in the account
// and is assigned to the workspace; Apply carries the plan out and logs
// every change to the audit log, its intent before and its result after
// (an intent left open by a run that stopped in between is read back by
// the next plan and closed by the next apply); Drift is the plan's
// differences, for pages and reports.
//
// # Identity
//
// Every object carries a stable key, "stellar-budget:<team>:<slug>[:...]",
// by which it is found again whatever else changed, so a renamed or
// re-filtered category is updated in place:
//
//   - budget: the key ends in the threshold and starts display_name
//     ("stellar-budget:SAD:deep-space-telemetry:75 — Deep Space Telemetry 75%");
//   - budget policy: the key is its policy_name (matched by name);
//   - cluster policy: the key ends in "jobs", "all-purpose" or
//     "pipelines" (cluster_type dlt, where policy.allow_pipelines) and starts
//     its description; its name is for people and may change. A policy
//     without the key but with the wanted name is adopted.
//   - the agent trail's table: its catalog.schema.table name; one that
//     exists with other columns is left as it is, with a note.
//
// # What setup never does
//
// It deletes nothing and alters no table: not objects, not grants (cluster policy grants go
// through a permissions PATCH, budget policy grants add a principal to the
// rule set read with its etag), not custom tags or policy attributes that
// others added to an object it manages. A category removed from content/
// leaves its objects behind; the plan does not mention them.
package setup

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/databricks/databricks-sdk-go/service/billing"
	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/iam"
	"github.com/databricks/databricks-sdk-go/service/sql"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// Defaults of Options.
const (
	DefaultTeam       = "SAD"
	DefaultCostCenter = "ND-Analytics"
)

// KeyPrefix starts every stable key.
const KeyPrefix = "stellar-budget:"

// Tag keys the policies fix, besides budget.CategoryTagKey and
// budget.OwnerTagKey.
const (
	TeamTagKey        = "Team"
	CostCenterTagKey  = "CostCenter"
	EnvironmentTagKey = "Environment"
)

// Environments are the values the Environment tag may take.
var Environments = []string{"DEV", "PROD"}

// Options say what to set up beyond content/.
type Options struct {
	// AsOf picks the month whose budget is in force (Category.BudgetFor);
	// required.
	AsOf       time.Time
	Team       string // Team tag and key part; "" is DefaultTeam
	CostCenter string // CostCenter tag; "" is DefaultCostCenter
	// Variants are the spellings of each category's tag value seen in the
	// usage data, by tag_value (see GroupVariants). A budget filters on
	// the canonical value and these, so it counts what the site counts.
	Variants map[string][]string
	// AuditLog is the audit log whose open intents the plan re-checks;
	// empty: none are.
	AuditLog string
}

func (o Options) withDefaults() Options {
	if o.Team == "" {
		o.Team = DefaultTeam
	}
	if o.CostCenter == "" {
		o.CostCenter = DefaultCostCenter
	}
	return o
}

// Clients are the SDK services setup uses. The account services and the
// workspace services may come from different hosts (see Connect).
type Clients struct {
	AccountID      string
	Budgets        billing.BudgetsInterface
	BudgetPolicies billing.BudgetPolicyInterface
	AccessControl  iam.AccountAccessControlInterface // budget policy rule sets
	// Groups and WorkspaceAssignment tell whether each category's group
	// exists in the account and is assigned to Workspace.
	Groups              iam.AccountGroupsV2Interface
	WorkspaceAssignment iam.WorkspaceAssignmentInterface
	Workspace           WorkspaceIdentity
	ClusterPolicies     compute.ClusterPoliciesInterface
	CurrentUser         iam.CurrentUserInterface
	// Statements run SQL on the workspace's warehouses: the trail table's
	// statements.
	Statements sql.StatementExecutionInterface
	// Trail is the agent trail's table to create (STELLAR_TRACE_TABLE);
	// nil when the trail is kept in files.
	Trail TrailTable
}

// Whoami returns the workspace user name of the caller, who the audit log
// names for every change.
func Whoami(ctx context.Context, c Clients) (string, error) {
	me, err := c.CurrentUser.Me(ctx)
	if err != nil {
		return "", fmt.Errorf("read current user: %w", oneLine(err))
	}
	if me.UserName == "" {
		return "", fmt.Errorf("read current user: the workspace returned no user name")
	}
	return me.UserName, nil
}

// Kind is the kind of object a plan item is about.
type Kind string

const (
	KindBudget             Kind = "budget"
	KindBudgetPolicy       Kind = "budget_policy"
	KindBudgetPolicyGrant  Kind = "budget_policy_grant"
	KindClusterPolicy      Kind = "cluster_policy"
	KindClusterPolicyGrant Kind = "cluster_policy_grant"
)

// Action is what applying a plan item does.
type Action string

const (
	Create    Action = "create"
	Update    Action = "update"
	Unchanged Action = "unchanged"
)

// key builds a stable key from its parts.
func key(team string, parts ...string) string {
	return KeyPrefix + team + ":" + strings.Join(parts, ":")
}

// keyOf returns the stable key a display name or description starts with,
// or "".
func keyOf(s string) string {
	if !strings.HasPrefix(s, KeyPrefix) {
		return ""
	}
	k, _, _ := strings.Cut(s, " ")
	return k
}

// oneLine flattens a multi-line error, so every failure prints as one
// line.
func oneLine(err error) error {
	if err == nil || !strings.ContainsAny(err.Error(), "\r\n") {
		return err
	}
	return flatError{err}
}

type flatError struct{ err error }

func (e flatError) Error() string {
	return strings.Join(strings.Fields(e.err.Error()), " ")
}

func (e flatError) Unwrap() error { return e.err }

// categoryFile names a category's file for messages.
func categoryFile(c budget.Category) string {
	if c.Narrative.File != "" {
		return c.Narrative.File
	}
	return "content/categories/" + c.Slug + ".md"
}
