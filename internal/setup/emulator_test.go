package setup

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/service/billing"
	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/iam"

	"github.com/novadynamics/stellar-budget/internal/audit"
	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/content"
	"github.com/novadynamics/stellar-budget/internal/emulator"
)

// budgetPolicyGrants reads back, through acct, the rule set of every
// budget policy in the account that holds grants, by name.
func budgetPolicyGrants(t *testing.T, acct *databricks.AccountClient) map[string]iam.RuleSetResponse {
	t.Helper()
	ctx := context.Background()
	policies, err := acct.BudgetPolicy.ListAll(ctx, billing.ListBudgetPoliciesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]iam.RuleSetResponse{}
	for _, p := range policies {
		rs, err := acct.AccessControl.GetRuleSet(ctx, iam.GetRuleSetRequest{Name: ruleSetName(acct.Config.AccountID, p.PolicyId)})
		if err != nil {
			t.Fatal(err)
		}
		if len(rs.GrantRules) > 0 {
			out[rs.Name] = *rs
		}
	}
	return out
}

// start runs the emulator for the shipped content and points the SDK's
// environment at it; it stops with the test. The account client, built
// apart from setup's Connect, reads back what setup wrote.
func start(t *testing.T) (budget.Division, *emulator.Running, *databricks.AccountClient) {
	t.Helper()
	div, err := content.Load(filepath.Join("..", "..", "content"))
	if err != nil {
		t.Fatal(err)
	}
	emu, err := emulator.Start("127.0.0.1:0", emulator.Options{AsOf: asOf, Division: div, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	for _, kv := range emu.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	// Nothing from the machine's own ~/.databrickscfg.
	t.Setenv("DATABRICKS_CONFIG_FILE", filepath.Join(t.TempDir(), "none.cfg"))
	t.Setenv("DATABRICKS_CONFIG_PROFILE", "")
	// The SDK's default of 15 requests a second is for shared services.
	t.Setenv("DATABRICKS_RATE_LIMIT", "1000")
	acct, err := databricks.NewAccountClient(emu.Config())
	if err != nil {
		t.Fatal(err)
	}
	return div, emu, acct
}

func connect(t *testing.T) (Clients, string) {
	t.Helper()
	c, err := Connect(ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	actor, err := Preflight(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	return c, actor
}

func plan(t *testing.T, c Clients, div budget.Division, opts Options) Plan {
	t.Helper()
	p, err := NewPlan(context.Background(), c, div, opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func apply(t *testing.T, c Clients, p Plan, log, actor string) Result {
	t.Helper()
	clock := asOf.Add(9 * time.Hour)
	res, err := Apply(context.Background(), c, p, ApplyOptions{AuditLog: log, Actor: actor, Now: func() time.Time {
		clock = clock.Add(time.Second)
		return clock
	}})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// byAction counts a plan's items by kind and action.
func byAction(p Plan) map[string]int {
	n := map[string]int{}
	for _, it := range p.Items {
		n[string(it.Kind)+" "+string(it.Action)]++
	}
	return n
}

func sameCounts(t *testing.T, what string, got, want map[string]int) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %d × %s, want %d (all: %v)", what, got[k], k, v, got)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok && v > 0 {
			t.Errorf("%s: unexpected %d × %s", what, v, k)
		}
	}
}

func TestSetupAgainstEmulator(t *testing.T) {
	div, _, acct := start(t)
	c, actor := connect(t)
	ctx := context.Background()
	log := filepath.Join(t.TempDir(), "state", "audit.jsonl")
	opts := Options{AsOf: asOf, Variants: map[string][]string{"DEEP_SPACE_TELEMETRY": {"deep space telemetry"}}}

	// An all-purpose policy the platform team made by hand under the name
	// setup wants, already granted to its admins: setup adopts it and adds
	// its group to the grants.
	handMade := createPolicy(t, c, computeCreate("SAD Exoplanet Research (all-purpose)", `{"spark_version":{"type":"unlimited"}}`))
	grantCanUse(t, c, handMade, "sad-platform")

	first := plan(t, c, div, opts)
	sameCounts(t, "first plan", byAction(first), map[string]int{
		"budget create": 21, "budget_policy create": 7, "budget_policy_grant create": 7,
		"cluster_policy create": 9, "cluster_policy update": 1, "cluster_policy_grant create": 10,
	})
	if d := first.Drift(); d.InSync() || len(d.Items) != 55 || d.Checked != 55 {
		t.Errorf("drift before setup: %d of %d items", len(d.Items), d.Checked)
	}
	var text strings.Builder
	if err := first.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"create    budget               stellar-budget:SAD:deep-space-telemetry:75 \"stellar-budget:SAD:deep-space-telemetry:75 — Deep Space Telemetry 75%\"",
		"      filter: OperationalCategory IN [DEEP_SPACE_TELEMETRY, deep space telemetry]",
		"      alert.quantity_threshold: 9375.00",
		"update    cluster policy       stellar-budget:SAD:exoplanet-research:all-purpose \"SAD Exoplanet Research (all-purpose)\" (id " + handMade,
		"      CAN_USE: [groups/sad-platform] → [groups/sad-exoplanet-research, groups/sad-platform]",
		// Only Deep Space Telemetry has allow_pipelines: true.
		"create    cluster policy       stellar-budget:SAD:deep-space-telemetry:pipelines \"SAD Deep Space Telemetry (pipelines)\"\n" +
			"      name: SAD Deep Space Telemetry (pipelines)",
		`      definition.cluster_type: {"type":"fixed","value":"dlt"}`,
		"create    cluster policy grant stellar-budget:SAD:deep-space-telemetry:pipelines → groups/sad-deep-space",
		"54 to create, 1 to update, 0 unchanged.",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("plan text lacks %q:\n%s", want, text.String())
		}
	}

	res := apply(t, c, first, log, actor)
	if len(res.Applied) != 55 || res.Head.Entries != 2*55 {
		t.Fatalf("applied %d changes, %d audit entries; want 55 changes, an intent and a result each", len(res.Applied), res.Head.Entries)
	}
	t.Run("audit log", func(t *testing.T) { checkAudit(t, log, res, actor) })
	t.Run("grants add to existing ones", func(t *testing.T) {
		perms, err := c.ClusterPolicies.GetPermissionsByClusterPolicyId(ctx, handMade)
		if err != nil {
			t.Fatal(err)
		}
		if got := canUse(perms); strings.Join(got, " ") != "groups/sad-exoplanet-research groups/sad-platform" {
			t.Errorf("CAN_USE holders %v", got)
		}
		sets := budgetPolicyGrants(t, acct)
		if len(sets) != 7 {
			t.Errorf("%d budget policy rule sets written, want 7", len(sets))
		}
		for name, set := range sets {
			if len(set.GrantRules) != 1 || set.GrantRules[0].Role != budgetPolicyUserRole || len(set.GrantRules[0].Principals) != 1 ||
				!strings.HasPrefix(set.GrantRules[0].Principals[0], "groups/sad-") {
				t.Errorf("%s: %+v", name, set.GrantRules)
			}
		}
	})
	t.Run("objects as content asks", func(t *testing.T) { checkObjects(t, c, div) })

	second := plan(t, c, div, opts)
	if !second.Empty() || len(second.Items) != 55 {
		t.Fatalf("second plan: %v", byAction(second))
	}
	if again := apply(t, c, second, log, actor); len(again.Applied) != 0 || again.Head != res.Head {
		t.Errorf("second apply changed %d objects, head %+v → %+v", len(again.Applied), res.Head, again.Head)
	}
	if d, err := Drift(ctx, c, div, opts); err != nil || !d.InSync() {
		t.Errorf("drift after setup: %+v, %v", d, err)
	}

	t.Run("budget raised: one update per threshold, ids kept", func(t *testing.T) {
		changed := withCategory(div, "deep-space-telemetry", func(c *budget.Category) { c.MonthlyBudget = budget.MustDecimal("13000") })
		p := plan(t, c, changed, opts)
		sameCounts(t, "plan", byAction(p), map[string]int{
			"budget update": 3, "budget unchanged": 18, "budget_policy unchanged": 7, "budget_policy_grant unchanged": 7,
			"cluster_policy unchanged": 10, "cluster_policy_grant unchanged": 10,
		})
		wantThresholds := map[string]string{"75": "9750.00", "90": "11700.00", "100": "13000.00"}
		before := budgetIDs(t, c)
		for _, it := range p.Items {
			if it.Action != Update {
				continue
			}
			threshold := it.Key[strings.LastIndex(it.Key, ":")+1:]
			if it.Category != "deep-space-telemetry" || len(it.Changes) != 1 || it.Changes[0].Field != "alert.quantity_threshold" ||
				it.Changes[0].After != wantThresholds[threshold] {
				t.Errorf("update %s: %+v", it.Key, it.Changes)
			}
		}
		r := apply(t, c, p, log, actor)
		if len(r.Applied) != 3 {
			t.Errorf("applied %d", len(r.Applied))
		}
		after := budgetIDs(t, c)
		for k, ids := range before {
			if after[k].ids != ids.ids {
				t.Errorf("%s: ids %s became %s", k, ids.ids, after[k].ids)
			}
			if strings.HasPrefix(k, "stellar-budget:SAD:deep-space-telemetry:") {
				threshold := k[strings.LastIndex(k, ":")+1:]
				if !sameAmount(after[k].threshold, wantThresholds[threshold]) {
					t.Errorf("%s: threshold %s, want %s", k, after[k].threshold, wantThresholds[threshold])
				}
			}
		}
		if len(after) != len(before) {
			t.Errorf("%d budgets, before %d", len(after), len(before))
		}
		div = changed
	})

	t.Run("renamed category: updated in place", func(t *testing.T) {
		renamed := withCategory(div, "exoplanet-research", func(c *budget.Category) { c.Title = "Exoplanets & Biosignatures" })
		p := plan(t, c, renamed, opts)
		sameCounts(t, "plan", byAction(p), map[string]int{
			"budget update": 3, "budget unchanged": 18, "budget_policy unchanged": 7, "budget_policy_grant unchanged": 7,
			"cluster_policy update": 2, "cluster_policy unchanged": 8, "cluster_policy_grant unchanged": 10,
		})
		before := budgetIDs(t, c)
		policiesBefore, _ := c.ClusterPolicies.ListAll(ctx, computeList())
		apply(t, c, p, log, actor)
		after := budgetIDs(t, c)
		for k, ids := range before {
			if after[k].ids != ids.ids {
				t.Errorf("%s: ids %s became %s", k, ids.ids, after[k].ids)
			}
		}
		if got := after["stellar-budget:SAD:exoplanet-research:90"].name; got != "stellar-budget:SAD:exoplanet-research:90 — Exoplanets & Biosignatures 90%" {
			t.Errorf("renamed budget: %q", got)
		}
		policiesAfter, _ := c.ClusterPolicies.ListAll(ctx, computeList())
		if len(policiesAfter) != len(policiesBefore) {
			t.Errorf("%d cluster policies, before %d", len(policiesAfter), len(policiesBefore))
		}
		if p, err := c.ClusterPolicies.GetByPolicyId(ctx, handMade); err != nil || p.Name != "SAD Exoplanets & Biosignatures (all-purpose)" {
			t.Errorf("renamed policy: %+v, %v", p, err)
		}
		if q := plan(t, c, renamed, opts); !q.Empty() {
			t.Errorf("plan after the rename: %v", byAction(q))
		}
		div = renamed
	})

	t.Run("drift of a budget edited by hand", func(t *testing.T) {
		ids := budgetIDs(t, c)["stellar-budget:SAD:materials-science:100"]
		got, err := c.Budgets.GetByBudgetId(ctx, ids.id)
		if err != nil {
			t.Fatal(err)
		}
		b := got.Budget
		b.AlertConfigurations[0].QuantityThreshold = "99999"
		if _, err := c.Budgets.Update(ctx, budgetUpdate(b)); err != nil {
			t.Fatal(err)
		}
		d, err := Drift(ctx, c, div, opts)
		if err != nil {
			t.Fatal(err)
		}
		want := DriftItem{Category: "materials-science", Kind: KindBudget, What: "budget", Key: "stellar-budget:SAD:materials-science:100",
			Name: "stellar-budget:SAD:materials-science:100 — Materials Science 100%", ID: ids.id, State: DriftDiffers,
			Changes: []Change{{"alert.quantity_threshold", "99999", "3600.00"}}}
		if len(d.Items) != 1 || fmt.Sprint(d.Items[0]) != fmt.Sprint(want) {
			t.Errorf("drift = %+v\nwant %+v", d.Items, want)
		}
	})

	if h, err := audit.Verify(log, ""); err != nil || h.Entries != 2*(55+3+5) {
		t.Errorf("audit log at the end: %+v, %v; want 126 entries", h, err)
	}
}

func computeCreate(name, definition string) compute.CreatePolicy {
	return compute.CreatePolicy{Name: name, Definition: definition}
}

func computeList() compute.ListClusterPoliciesRequest { return compute.ListClusterPoliciesRequest{} }

// createPolicy makes a cluster policy by hand and returns its id.
func createPolicy(t *testing.T, c Clients, req compute.CreatePolicy) string {
	t.Helper()
	resp, err := c.ClusterPolicies.Create(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return resp.PolicyId
}

func grantCanUse(t *testing.T, c Clients, policyID, group string) {
	t.Helper()
	_, err := c.ClusterPolicies.SetPermissions(context.Background(), compute.ClusterPolicyPermissionsRequest{
		ClusterPolicyId:   policyID,
		AccessControlList: []compute.ClusterPolicyAccessControlRequest{{GroupName: group, PermissionLevel: compute.ClusterPolicyPermissionLevelCanUse}},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// withCategory returns div with a copy of one category changed.
func withCategory(div budget.Division, slug string, edit func(*budget.Category)) budget.Division {
	cats := append([]budget.Category(nil), div.Categories...)
	for i := range cats {
		if cats[i].Slug == slug {
			edit(&cats[i])
		}
	}
	div.Categories = cats
	return div
}

type budgetState struct {
	id, name, threshold string
	ids                 string // the budget's, its alert's and its actions' ids
}

// budgetIDs reads the account's setup budgets by key.
func budgetIDs(t *testing.T, c Clients) map[string]budgetState {
	t.Helper()
	all, err := c.Budgets.ListAll(context.Background(), billing.ListBudgetConfigurationsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]budgetState{}
	for _, b := range all {
		k := keyOf(b.DisplayName)
		if k == "" {
			continue
		}
		if _, dup := out[k]; dup {
			t.Errorf("two budgets with key %s", k)
		}
		ids := []string{b.BudgetConfigurationId}
		s := budgetState{id: b.BudgetConfigurationId, name: b.DisplayName}
		for _, a := range b.AlertConfigurations {
			ids = append(ids, a.AlertConfigurationId)
			s.threshold = a.QuantityThreshold
			for _, act := range a.ActionConfigurations {
				ids = append(ids, act.ActionConfigurationId)
			}
		}
		s.ids = strings.Join(ids, " ")
		out[k] = s
	}
	return out
}

func budgetUpdate(b *billing.BudgetConfiguration) billing.UpdateBudgetConfigurationRequest {
	return billing.UpdateBudgetConfigurationRequest{BudgetId: b.BudgetConfigurationId, Budget: billing.UpdateBudgetConfigurationBudget{
		BudgetConfigurationId: b.BudgetConfigurationId, DisplayName: b.DisplayName, Filter: b.Filter, AlertConfigurations: b.AlertConfigurations,
	}}
}

// checkAudit: one entry per change, in order, by the caller, verified
// against the head Apply returned.
func checkAudit(t *testing.T, log string, res Result, actor string) {
	head, err := audit.Verify(log, res.Head.Hash)
	if err != nil || head != res.Head {
		t.Fatalf("verify: %+v, %v; want %+v", head, err, res.Head)
	}
	entries, err := audit.Read(log)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2*len(res.Applied) {
		t.Fatalf("%d entries for %d changes, want an intent and a result each", len(entries), len(res.Applied))
	}
	for i, it := range res.Applied {
		intent, e := entries[2*i], entries[2*i+1]
		if intent.Stage != audit.StageIntent || intent.Actor != actor || intent.Kind != string(it.Kind) || intent.Key != it.Key ||
			intent.Action != string(it.Action) || len(intent.After) == 0 {
			t.Errorf("intent %d = %+v for %s %s", intent.Seq, intent, it.Kind, it.Key)
		}
		if (it.Kind == KindBudgetPolicy && it.Action == Create) != (intent.RequestID != "") {
			t.Errorf("intent %d (%s %s): request id %q", intent.Seq, it.Action, it.Kind, intent.RequestID)
		}
		if e.Stage != audit.StageResult || e.Outcome != audit.OutcomeApplied || e.Intent != intent.Hash ||
			e.Actor != actor || e.Kind != string(it.Kind) || e.Key != it.Key || e.ID == "" || len(e.After) == 0 {
			t.Errorf("result %d = %+v for %s %s", e.Seq, e, it.Kind, it.Key)
		}
		grant := it.Kind == KindBudgetPolicyGrant || it.Kind == KindClusterPolicyGrant
		if wantBefore := it.Action == Update; !grant && (len(e.Before) > 0) != wantBefore {
			t.Errorf("result %d (%s %s): before %s", e.Seq, it.Action, it.Key, e.Before)
		}
	}
}

// checkObjects reads back what setup made for two categories.
func checkObjects(t *testing.T, c Clients, div budget.Division) {
	ctx := context.Background()
	budgets, err := c.Budgets.ListAll(ctx, billing.ListBudgetConfigurationsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var found *billing.BudgetConfiguration
	for i, b := range budgets {
		if keyOf(b.DisplayName) == "stellar-budget:SAD:deep-space-telemetry:90" {
			found = &budgets[i]
		}
	}
	if found == nil {
		t.Fatal("no 90 % budget for deep-space-telemetry")
	}
	a := found.AlertConfigurations[0]
	if a.QuantityThreshold != "11250.00" || a.TimePeriod != "MONTH" || a.TriggerType != "CUMULATIVE_SPENDING_EXCEEDED" || a.QuantityType != "LIST_PRICE_DOLLARS_USD" ||
		len(a.ActionConfigurations) != 2 || a.ActionConfigurations[0].Target != "amara.okafor@novadynamics.test" {
		t.Errorf("alert %+v", a)
	}
	if f := found.Filter.Tags; len(f) != 1 || f[0].Key != "OperationalCategory" || strings.Join(f[0].Value.Values, "|") != "DEEP_SPACE_TELEMETRY|deep space telemetry" {
		t.Errorf("filter %+v", found.Filter)
	}
	policies, err := c.BudgetPolicies.ListAll(ctx, billing.ListBudgetPoliciesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var bp *billing.BudgetPolicy
	for i, p := range policies {
		if p.PolicyName == "stellar-budget:SAD:navigation-systems" {
			bp = &policies[i]
		}
	}
	if bp == nil || fmt.Sprint(tagMap(bp.CustomTags)) != "map[CostCenter:ND-Analytics OperationalCategory:NAVIGATION_SYSTEMS Team:SAD]" {
		t.Errorf("budget policy %+v", bp)
	}
	cps, err := c.ClusterPolicies.ListAll(ctx, computeList())
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, p := range cps {
		k := keyOf(p.Description)
		if k == "" {
			continue
		}
		kinds[k[strings.LastIndex(k, ":")+1:]]++
		def := parseDefinition(p.Definition)
		if k == "stellar-budget:SAD:materials-science:jobs" {
			if canonicalJSON(def["node_type_id"]) != `{"type":"allowlist","values":["i3.xlarge","m5d.4xlarge"]}` ||
				canonicalJSON(def["cluster_type"]) != `{"type":"fixed","value":"job"}` || def["autotermination_minutes"] != nil {
				t.Errorf("%s: %s", k, p.Definition)
			}
		}
		if k == "stellar-budget:SAD:exploratory-missions:all-purpose" && canonicalJSON(def["autotermination_minutes"]) != `{"type":"fixed","value":60}` {
			t.Errorf("%s: %s", k, p.Definition)
		}
		if strings.HasSuffix(k, ":pipelines") && (k != "stellar-budget:SAD:deep-space-telemetry:pipelines" ||
			canonicalJSON(def["cluster_type"]) != `{"type":"fixed","value":"dlt"}` ||
			canonicalJSON(def["custom_tags.OperationalCategory"]) != `{"type":"fixed","value":"DEEP_SPACE_TELEMETRY"}` || def["autotermination_minutes"] != nil) {
			t.Errorf("%s: %s", k, p.Definition)
		}
	}
	if kinds["jobs"] != len(div.Categories) || kinds["all-purpose"] != 2 || kinds["pipelines"] != 1 {
		t.Errorf("cluster policies by kind: %v", kinds)
	}
}
