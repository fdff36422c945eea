package setup

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/databricks/databricks-sdk-go/service/billing"
	"github.com/databricks/databricks-sdk-go/service/compute"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

var asOf = time.Date(2026, 7, 15, 0, 0, 0, 0, time.UTC)

func telemetry() budget.Category {
	return budget.Category{
		Slug: "deep-space-telemetry", Title: "Deep Space Telemetry", TagValue: "DEEP_SPACE_TELEMETRY",
		MonthlyBudget: budget.MustDecimal("12500"),
		Owners:        []string{"b@novadynamics.test", "a@novadynamics.test"},
		Group:         "sad-deep-space",
		Policy:        budget.Policy{MaxWorkers: 16, AutoterminationMinutes: 30, NodeTypes: []string{"i3.xlarge", "r5d.2xlarge"}},
	}
}

func division(cats ...budget.Category) budget.Division {
	return budget.Division{Name: "Stellar Analytics Division", Thresholds: []int{75, 90, 100}, Categories: cats}
}

func TestWantBudgets(t *testing.T) {
	c := telemetry()
	c.BudgetHistory = []budget.BudgetChange{{From: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), USD: budget.MustDecimal("11000")}}
	d, err := want(division(c), Options{AsOf: asOf, Variants: map[string][]string{
		"DEEP_SPACE_TELEMETRY": {"deep space telemetry", "Deep-Space-Telemetry", "deep space telemetry"},
	}}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	bs := d.categories[0].budgets
	if len(bs) != 3 {
		t.Fatalf("%d budgets, want one per threshold", len(bs))
	}
	tests := []struct {
		name, key, display, threshold string
	}{
		{"75", "stellar-budget:SAD:deep-space-telemetry:75", "stellar-budget:SAD:deep-space-telemetry:75 — Deep Space Telemetry 75%", "9375.00"},
		{"90", "stellar-budget:SAD:deep-space-telemetry:90", "stellar-budget:SAD:deep-space-telemetry:90 — Deep Space Telemetry 90%", "11250.00"},
		{"100", "stellar-budget:SAD:deep-space-telemetry:100", "stellar-budget:SAD:deep-space-telemetry:100 — Deep Space Telemetry 100%", "12500.00"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := bs[i]
			if b.Key != tc.key || b.DisplayName != tc.display || b.Threshold != tc.threshold {
				t.Errorf("budget = %+v", b)
			}
			if keyOf(b.DisplayName) != b.Key {
				t.Errorf("key of display name = %q, want %q", keyOf(b.DisplayName), b.Key)
			}
			if want := []string{"DEEP_SPACE_TELEMETRY", "Deep-Space-Telemetry", "deep space telemetry"}; !slices.Equal(b.Filter, want) {
				t.Errorf("filter = %q, want %q", b.Filter, want)
			}
			if want := []string{"a@novadynamics.test", "b@novadynamics.test"}; !slices.Equal(b.Emails, want) {
				t.Errorf("emails = %v, want %v", b.Emails, want)
			}
		})
	}
}

func TestShare(t *testing.T) {
	tests := []struct {
		amount string
		pct    int
		want   string
	}{
		{"12500", 75, "9375.00"},
		{"4200.50", 90, "3780.45"},
		{"3333.33", 75, "2500.00"}, // 2499.9975 rounds up
		{"0.02", 75, "0.02"},       // 0.015: halves away from zero
		{"9800", 100, "9800.00"},
		{"100", 150, "150.00"},
	}
	for _, tc := range tests {
		if got := share(budget.MustDecimal(tc.amount), tc.pct); got != tc.want {
			t.Errorf("share(%s, %d) = %s, want %s", tc.amount, tc.pct, got, tc.want)
		}
	}
}

func TestWantPolicies(t *testing.T) {
	jobsOnly := telemetry()
	research := telemetry()
	research.Slug, research.Title, research.TagValue, research.Group = "exoplanet-research", "Exoplanet Research", "EXOPLANET_RESEARCH", "sad-exoplanet-research"
	research.Policy.AllowAllPurpose = true
	pipelines := telemetry()
	pipelines.Slug, pipelines.Title, pipelines.TagValue, pipelines.Group = "materials-science", "Materials Science", "MATERIALS_SCIENCE", "sad-materials"
	pipelines.Policy.AllowPipelines = true
	d, err := want(division(jobsOnly, research, pipelines), Options{AsOf: asOf, Team: "ND", CostCenter: "CC-1"}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		cat      categoryWant
		policies []string // keys
	}{
		{"jobs only", d.categories[0], []string{"stellar-budget:ND:deep-space-telemetry:jobs"}},
		{"all-purpose allowed", d.categories[1], []string{"stellar-budget:ND:exoplanet-research:jobs", "stellar-budget:ND:exoplanet-research:all-purpose"}},
		{"pipelines allowed", d.categories[2], []string{"stellar-budget:ND:materials-science:jobs", "stellar-budget:ND:materials-science:pipelines"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var keys []string
			for _, p := range tc.cat.clusterPolicies {
				keys = append(keys, p.Key)
				if keyOf(p.Description) != p.Key || p.Group != tc.cat.category.Group {
					t.Errorf("%s: description %q, group %q", p.Key, p.Description, p.Group)
				}
				def := p.Definition
				all := strings.HasSuffix(p.Key, ":all-purpose")
				wantType := map[bool]string{true: ClusterTypeAllPurpose, false: ClusterTypeJob}[all]
				if strings.HasSuffix(p.Key, ":pipelines") {
					wantType = ClusterTypeDLT
					if p.Name != "ND Materials Science (pipelines)" {
						t.Errorf("%s: name %q", p.Key, p.Name)
					}
				}
				if def["cluster_type"].Value != wantType || def["custom_tags.OperationalCategory"].Value != tc.cat.category.TagValue ||
					def["custom_tags.Team"].Value != "ND" || def["custom_tags.CostCenter"].Value != "CC-1" ||
					!slices.Equal(def["custom_tags.Environment"].Values, []string{"DEV", "PROD"}) ||
					def["custom_tags.Owner"].Type != "unlimited" || def["custom_tags.Owner"].IsOptional == nil || *def["custom_tags.Owner"].IsOptional ||
					def["num_workers"].MaxValue != 16 || def["autoscale.max_workers"].MaxValue != 16 ||
					!slices.Equal(def["node_type_id"].Values, []string{"i3.xlarge", "r5d.2xlarge"}) {
					t.Errorf("%s: definition %+v", p.Key, def)
				}
				if _, has := def["autotermination_minutes"]; has != all {
					t.Errorf("%s: autotermination fixed = %v, want %v", p.Key, has, all)
				}
				if all && def["autotermination_minutes"].Value != 30 {
					t.Errorf("%s: autotermination %v", p.Key, def["autotermination_minutes"].Value)
				}
			}
			if !slices.Equal(keys, tc.policies) {
				t.Errorf("cluster policies %v, want %v", keys, tc.policies)
			}
			bp := tc.cat.budgetPolicy
			if bp.Name != BudgetPolicyName("ND", tc.cat.category.Slug) || bp.Name != bp.Key || bp.tagValues["OperationalCategory"] != tc.cat.category.TagValue || bp.tagValues["Team"] != "ND" || bp.tagValues["CostCenter"] != "CC-1" {
				t.Errorf("budget policy %+v", bp)
			}
		})
	}
}

func TestRequestID(t *testing.T) {
	opts := Options{AsOf: asOf}.withDefaults()
	d1, err := want(division(telemetry()), opts)
	if err != nil {
		t.Fatal(err)
	}
	d2, _ := want(division(telemetry()), opts)
	changed := telemetry()
	changed.MonthlyBudget = budget.MustDecimal("13000")
	d3, _ := want(division(changed), opts)
	id1, id2, id3 := d1.categories[0].budgetPolicy.RequestID, d2.categories[0].budgetPolicy.RequestID, d3.categories[0].budgetPolicy.RequestID
	if id1 != id2 || d1.id != d2.id {
		t.Errorf("same content, different request ids %s %s", id1, id2)
	}
	if id1 == id3 || d1.id == d3.id {
		t.Errorf("another plan reuses request id %s", id1)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(id1) {
		t.Errorf("request id %q is not a version 8 UUID", id1)
	}
}

func TestWantErrors(t *testing.T) {
	noGroup := telemetry()
	noGroup.Group = ""
	noGroup.Narrative.File = "content/categories/deep-space-telemetry.md"
	tests := []struct {
		name string
		div  budget.Division
		opts Options
		is   error
		msg  string
	}{
		{"no group", division(noGroup), Options{AsOf: asOf}, ErrNoGroup,
			"content/categories/deep-space-telemetry.md: group: category has no group (add e.g. `group: sad-deep-space-telemetry`"},
		{"variant of another category", division(telemetry()), Options{AsOf: asOf, Variants: map[string][]string{"DEEP_SPACE_TELEMETRY": {"orbital mechanics"}}}, nil,
			`variant "orbital mechanics" does not normalise to DEEP_SPACE_TELEMETRY`},
		{"no as-of", division(telemetry()), Options{}, nil, "no as-of date"},
		{"team with a space", division(telemetry()), Options{AsOf: asOf, Team: "Space Ops"}, nil,
			`team "Space Ops": spaces are not allowed`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := want(tc.div, tc.opts.withDefaults())
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("error %v, want it to contain %q", err, tc.msg)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
		})
	}
}

func TestGroupVariants(t *testing.T) {
	tags := []string{"DEEP_SPACE_TELEMETRY", "EXPLORATORY_MISSIONS"}
	got := GroupVariants(tags, []string{
		"DEEP_SPACE_TELEMETRY", "deep space telemetry", " exploratory_missions ", "deep space telemetry",
		"SANDBOX", "", "Navigation Sys", "Deep-Space-Telemetry",
	})
	want := map[string][]string{
		"DEEP_SPACE_TELEMETRY": {"Deep-Space-Telemetry", "deep space telemetry"},
		"EXPLORATORY_MISSIONS": {" exploratory_missions "},
	}
	if len(got) != len(want) {
		t.Fatalf("variants %q, want %q", got, want)
	}
	for k, v := range want {
		if !slices.Equal(got[k], v) {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
}

// wantedBudget is the 75 % budget of the telemetry category.
func wantedBudget(t *testing.T, c budget.Category) budgetWant {
	t.Helper()
	d, err := want(division(c), Options{AsOf: asOf, Variants: map[string][]string{"DEEP_SPACE_TELEMETRY": {"deep space telemetry"}}}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	return d.categories[0].budgets[0]
}

// existing is the budget the account holds for w, as setup created it.
func existing(w budgetWant) *billing.BudgetConfiguration {
	return &billing.BudgetConfiguration{
		BudgetConfigurationId: "budget-1", DisplayName: w.DisplayName,
		Filter: &billing.BudgetConfigurationFilter{Tags: []billing.BudgetConfigurationFilterTagClause{{
			Key: "OperationalCategory", Value: &billing.BudgetConfigurationFilterClause{Operator: "IN", Values: []string{"deep space telemetry", "DEEP_SPACE_TELEMETRY"}},
		}}},
		AlertConfigurations: []billing.AlertConfiguration{{
			AlertConfigurationId: "alert-1", QuantityThreshold: "9375", QuantityType: quantityType, TimePeriod: timePeriod, TriggerType: triggerType,
			ActionConfigurations: []billing.ActionConfiguration{
				{ActionConfigurationId: "action-b", ActionType: "EMAIL_NOTIFICATION", Target: "b@novadynamics.test"},
				{ActionConfigurationId: "action-a", ActionType: "EMAIL_NOTIFICATION", Target: "a@novadynamics.test"},
			},
		}},
	}
}

func TestPlanBudget(t *testing.T) {
	renamed := telemetry()
	renamed.Title = "Deep Space Telemetry & Tracking"
	richer := telemetry()
	richer.MonthlyBudget = budget.MustDecimal("13000")
	moreOwners := telemetry()
	moreOwners.Owners = append(moreOwners.Owners, "c@novadynamics.test")
	base := wantedBudget(t, telemetry())
	tests := []struct {
		name    string
		cat     budget.Category
		edit    func(*billing.BudgetConfiguration)
		action  Action
		changes []Change
	}{
		{"unchanged: reordered values, threshold without cents", telemetry(), nil, Unchanged, nil},
		{"budget raised", richer, nil, Update, []Change{{"alert.quantity_threshold", "9375", "9750.00"}}},
		{"renamed", renamed, nil, Update, []Change{{"display_name", base.DisplayName, "stellar-budget:SAD:deep-space-telemetry:75 — Deep Space Telemetry & Tracking 75%"}}},
		{"owner added", moreOwners, nil, Update, []Change{{"alert.emails", "[a@novadynamics.test, b@novadynamics.test]", "[a@novadynamics.test, b@novadynamics.test, c@novadynamics.test]"}}},
		{"variant missing from the filter", telemetry(), func(b *billing.BudgetConfiguration) {
			b.Filter.Tags[0].Value.Values = []string{"DEEP_SPACE_TELEMETRY"}
		}, Update, []Change{{"filter", "OperationalCategory IN [DEEP_SPACE_TELEMETRY]", "OperationalCategory IN [DEEP_SPACE_TELEMETRY, deep space telemetry]"}}},
		{"filtered on a workspace too", telemetry(), func(b *billing.BudgetConfiguration) {
			b.Filter.WorkspaceId = &billing.BudgetConfigurationFilterWorkspaceIdClause{Operator: "IN", Values: []int64{42}}
		}, Update, []Change{{"filter", "OperationalCategory IN [DEEP_SPACE_TELEMETRY, deep space telemetry] AND workspace_id IN [42]", "OperationalCategory IN [DEEP_SPACE_TELEMETRY, deep space telemetry]"}}},
		{"alert edited by hand", telemetry(), func(b *billing.BudgetConfiguration) {
			b.AlertConfigurations[0].TimePeriod = "QUARTER"
		}, Update, []Change{{"alert.time_period", "QUARTER", "MONTH"}}},
		{"no alert", telemetry(), func(b *billing.BudgetConfiguration) {
			b.AlertConfigurations = nil
		}, Update, []Change{
			{"alert.quantity_threshold", "", "9375.00"}, {"alert.quantity_type", "", "LIST_PRICE_DOLLARS_USD"},
			{"alert.time_period", "", "MONTH"}, {"alert.trigger_type", "", "CUMULATIVE_SPENDING_EXCEEDED"},
			{"alert.emails", "[]", "[a@novadynamics.test, b@novadynamics.test]"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			have := existing(base)
			if tc.edit != nil {
				tc.edit(have)
			}
			it := planBudget(wantedBudget(t, tc.cat), have, "acct")
			if it.Action != tc.action || !slices.Equal(it.Changes, tc.changes) {
				t.Errorf("plan = %s %+v, want %s %+v", it.Action, it.Changes, tc.action, tc.changes)
			}
			if it.ID != "budget-1" {
				t.Errorf("id %q, want the existing budget's", it.ID)
			}
			if (it.apply != nil) != (tc.action == Update) {
				t.Errorf("apply set = %v for %s", it.apply != nil, tc.action)
			}
		})
	}
	created := planBudget(base, nil, "acct")
	if created.Action != Create || created.ID != "" || len(created.Changes) != 7 || created.apply == nil {
		t.Errorf("missing budget: %+v", created)
	}
}

func TestPlanClusterPolicy(t *testing.T) {
	d, err := want(division(telemetry()), Options{AsOf: asOf}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	w := d.categories[0].clusterPolicies[0]
	text, err := encodeDefinition(wantDefinition(w))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		have    compute.Policy
		action  Action
		changes []string // fields
	}{
		{"same, reformatted by the workspace", compute.Policy{PolicyId: "p1", Name: w.Name, Description: w.Description,
			Definition: strings.ReplaceAll(strings.ReplaceAll(text, ",", ", "), ":", ": ")}, Unchanged, nil},
		{"extra attribute kept, no change", compute.Policy{PolicyId: "p1", Name: w.Name, Description: w.Description,
			Definition: strings.Replace(text, "{", `{"spark_version":{"type":"unlimited"},`, 1)}, Unchanged, nil},
		{"tag value changed by hand", compute.Policy{PolicyId: "p1", Name: w.Name, Description: w.Description,
			Definition: strings.Replace(text, `"value":"SAD"`, `"value":"OTHER"`, 1)}, Update, []string{"definition.custom_tags.Team"}},
		{"adopted by name", compute.Policy{PolicyId: "p1", Name: w.Name, Definition: `{}`}, Update, nil},
		{"definition not JSON", compute.Policy{PolicyId: "p1", Name: w.Name, Description: w.Description, Definition: `{`}, Update, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			it := planClusterPolicy(w, &tc.have)
			var fields []string
			for _, c := range it.Changes {
				fields = append(fields, c.Field)
			}
			if it.Action != tc.action || (tc.changes != nil && !slices.Equal(fields, tc.changes)) {
				t.Errorf("plan = %s %v, want %s %v", it.Action, fields, tc.action, tc.changes)
			}
			if tc.action == Update && tc.changes == nil && len(fields) < 2 {
				t.Errorf("fields %v, want the description and every attribute", fields)
			}
		})
	}
	s := state{clusterPolicies: []compute.Policy{{PolicyId: "by-name", Name: w.Name}, {PolicyId: "by-key", Name: "renamed", Description: w.Description}}}
	if got := s.clusterPolicy(w); got == nil || got.PolicyId != "by-key" {
		t.Errorf("matched %+v, want the policy with the key in its description", got)
	}
}

func TestPlanBudgetPolicy(t *testing.T) {
	d, err := want(division(telemetry()), Options{AsOf: asOf}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	w := d.categories[0].budgetPolicy
	tags := []compute.CustomPolicyTag{{Key: "Extra", Value: "kept"}, {Key: "OperationalCategory", Value: "DEEP_SPACE_TELEMETRY"}, {Key: "Team", Value: "SAD"}, {Key: "CostCenter", Value: "ND-Analytics"}}
	if it := planBudgetPolicy(w, &billing.BudgetPolicy{PolicyId: "bp", PolicyName: w.Name, CustomTags: tags}); it.Action != Unchanged || it.apply != nil {
		t.Errorf("same tags and one more: %s %+v, want unchanged", it.Action, it.Changes)
	}
	tags[3].Value = "Other"
	it := planBudgetPolicy(w, &billing.BudgetPolicy{PolicyId: "bp", PolicyName: w.Name, CustomTags: tags[:3]})
	if it.Action != Update || !slices.Equal(it.Changes, []Change{{"custom_tags.CostCenter", "", "ND-Analytics"}}) {
		t.Errorf("missing tag: %s %+v", it.Action, it.Changes)
	}
	if it := planBudgetPolicy(w, nil); it.Action != Create || it.Changes[0] != (Change{Field: "policy_name", After: "stellar-budget:SAD:deep-space-telemetry"}) {
		t.Errorf("missing policy: %s %+v", it.Action, it.Changes)
	}
}

func TestLongTitlesFit(t *testing.T) {
	c := telemetry()
	c.Title = strings.Repeat("Très longue télémétrie ", 10)
	d, err := want(division(c), Options{AsOf: asOf}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	b, p := d.categories[0].budgets[2], d.categories[0].clusterPolicies[0]
	if len(b.DisplayName) > maxDisplayName || !utf8.ValidString(b.DisplayName) || keyOf(b.DisplayName) != b.Key || !strings.HasSuffix(b.DisplayName, "…") {
		t.Errorf("display name %q (%d bytes)", b.DisplayName, len(b.DisplayName))
	}
	if len(p.Name) > maxPolicyName || !utf8.ValidString(p.Name) || !strings.HasPrefix(p.Name, "SAD Très") || !strings.HasSuffix(p.Name, "… (jobs)") {
		t.Errorf("policy name %q (%d bytes)", p.Name, len(p.Name))
	}
}
