package emulator

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/billing"
	"github.com/databricks/databricks-sdk-go/service/iam"
)

// createPolicy creates a budget policy and returns the name of its rule set.
func createPolicy(t *testing.T, env objectsEnv, name string) (policyID, ruleSet string) {
	t.Helper()
	p, err := env.a.BudgetPolicy.Create(context.Background(), billing.CreateBudgetPolicyRequest{Policy: &billing.BudgetPolicy{PolicyName: name}})
	if err != nil {
		t.Fatalf("create budget policy: %v", err)
	}
	return p.PolicyId, "accounts/" + DefaultAccountID + "/budgetPolicies/" + p.PolicyId + "/ruleSets/default"
}

func putRuleSet(env objectsEnv, name, etag string, rules ...iam.GrantRule) (*iam.RuleSetResponse, error) {
	return env.a.AccessControl.UpdateRuleSet(context.Background(), iam.UpdateRuleSetRequest{
		Name: name, RuleSet: iam.RuleSetUpdateRequest{Name: name, Etag: etag, GrantRules: rules},
	})
}

func TestRuleSetReadModifyWrite(t *testing.T) {
	env := startObjects(t)
	ctx := context.Background()
	_, name := createPolicy(t, env, "SAD Deep Space Telemetry serverless")

	// Never written: empty, with an etag that stays while nothing changes.
	empty, err := env.a.AccessControl.GetRuleSet(ctx, iam.GetRuleSetRequest{Name: name})
	if err != nil || empty.Name != name || empty.Etag == "" || len(empty.GrantRules) != 0 {
		t.Fatalf("get unwritten rule set = %+v, %v", empty, err)
	}
	if again, err := env.a.AccessControl.GetRuleSet(ctx, iam.GetRuleSetRequest{Name: name}); err != nil || again.Etag != empty.Etag {
		t.Fatalf("second get = %+v, %v; want etag %s", again, err, empty.Etag)
	}

	user := iam.GrantRule{Role: "roles/budgetPolicy.user", Principals: []string{"groups/sad-deep-space-telemetry"}}
	first, err := putRuleSet(env, name, empty.Etag, user)
	if err != nil {
		t.Fatalf("put with the current etag: %v", err)
	}
	if first.Name != name || first.Etag == "" || first.Etag == empty.Etag || len(first.GrantRules) != 1 ||
		!slices.Equal(first.GrantRules[0].Principals, user.Principals) || first.GrantRules[0].Role != user.Role {
		t.Fatalf("put answered %+v (etag before %s)", first, empty.Etag)
	}

	// Writing the same rules again still makes a new version.
	same, err := putRuleSet(env, name, first.Etag, user)
	if err != nil || same.Etag == first.Etag {
		t.Fatalf("put of the same rules = %+v, %v; want an etag other than %s", same, err, first.Etag)
	}

	// Another writer still holding an older etag loses, and changes nothing.
	manager := iam.GrantRule{Role: "roles/budgetPolicy.manager", Principals: []string{"users/amara.okafor@novadynamics.test", "servicePrincipals/0d5e7c1a-2b3f-4a6d-9e8f-7a6b5c4d3e2f"}}
	for _, stale := range []string{empty.Etag, first.Etag} {
		_, err := putRuleSet(env, name, stale, user, manager)
		var apiErr *apierr.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusConflict || apiErr.ErrorCode != "RESOURCE_CONFLICT" ||
			!errors.Is(err, apierr.ErrResourceConflict) {
			t.Errorf("put with stale etag %s: %v, want 409 RESOURCE_CONFLICT", stale, err)
		}
	}

	// An older etag on GET asks for at least that version: the current one.
	got, err := env.a.AccessControl.GetRuleSet(ctx, iam.GetRuleSetRequest{Name: name, Etag: first.Etag})
	if err != nil || got.Etag != same.Etag || len(got.GrantRules) != 1 || got.GrantRules[0].Role != user.Role {
		t.Fatalf("get after the conflicts = %+v, %v; want version %s with the user rule only", got, err, same.Etag)
	}

	// Re-read, then write: both roles are accepted.
	both, err := putRuleSet(env, name, got.Etag, user, manager)
	if err != nil || len(both.GrantRules) != 2 || both.GrantRules[1].Role != manager.Role || len(both.GrantRules[1].Principals) != 2 {
		t.Fatalf("put after re-read = %+v, %v", both, err)
	}
	// Emptying a rule set is a write like any other.
	cleared, err := putRuleSet(env, name, both.Etag)
	if err != nil || len(cleared.GrantRules) != 0 || cleared.Etag == both.Etag || cleared.Etag == empty.Etag {
		t.Fatalf("put of no rules = %+v, %v", cleared, err)
	}
}

func TestRuleSetsAreSeparate(t *testing.T) {
	env := startObjects(t)
	ctx := context.Background()
	_, a := createPolicy(t, env, "SAD Orbital Mechanics serverless")
	_, b := createPolicy(t, env, "SAD Navigation Systems serverless")
	ra, err := env.a.AccessControl.GetRuleSet(ctx, iam.GetRuleSetRequest{Name: a})
	if err != nil {
		t.Fatal(err)
	}
	rb, err := env.a.AccessControl.GetRuleSet(ctx, iam.GetRuleSetRequest{Name: b})
	if err != nil {
		t.Fatal(err)
	}
	if ra.Etag == rb.Etag {
		t.Fatalf("two rule sets share etag %s", ra.Etag)
	}
	// One rule set's etag does not fit another.
	rule := iam.GrantRule{Role: "roles/budgetPolicy.user", Principals: []string{"groups/sad-orbital-mechanics"}}
	if _, err := putRuleSet(env, b, ra.Etag, rule); !errors.Is(err, apierr.ErrInvalidParameterValue) {
		t.Errorf("put with another rule set's etag: %v, want INVALID_PARAMETER_VALUE", err)
	}
	if _, err := putRuleSet(env, a, ra.Etag, rule); err != nil {
		t.Fatal(err)
	}
	if got, err := env.a.AccessControl.GetRuleSet(ctx, iam.GetRuleSetRequest{Name: b}); err != nil || len(got.GrantRules) != 0 || got.Etag != rb.Etag {
		t.Errorf("the other rule set after a write = %+v, %v", got, err)
	}
}

func TestRuleSetErrors(t *testing.T) {
	env := startObjects(t)
	ctx := context.Background()
	policyID, name := createPolicy(t, env, "SAD Materials Science serverless")
	deletedID, deleted := createPolicy(t, env, "SAD Propulsion Analytics serverless")
	current, err := env.a.AccessControl.GetRuleSet(ctx, iam.GetRuleSetRequest{Name: deleted})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.a.BudgetPolicy.DeleteByPolicyId(ctx, deletedID); err != nil {
		t.Fatal(err)
	}
	missing := "accounts/" + DefaultAccountID + "/budgetPolicies/00000000-0000-4000-8000-000000000000/ruleSets/default"
	user := iam.GrantRule{Role: "roles/budgetPolicy.user", Principals: []string{"groups/sad-materials-science"}}

	gets := []struct {
		name, ruleSet, etag string
		want                error
	}{
		{"unknown budget policy", missing, "", apierr.ErrResourceDoesNotExist},
		{"deleted budget policy", deleted, "", apierr.ErrResourceDoesNotExist},
		{"no name", "", "", apierr.ErrInvalidParameterValue},
		{"not a rule set name", "budgetPolicies/" + policyID, "", apierr.ErrInvalidParameterValue},
		{"another account", "accounts/11111111-0000-4000-8000-000000000000/budgetPolicies/" + policyID + "/ruleSets/default", "", apierr.ErrInvalidParameterValue},
		{"a group's rule set", "accounts/" + DefaultAccountID + "/groups/123/ruleSets/default", "", apierr.ErrNotImplemented},
		{"made-up etag", name, "RENUAAABhSweA4NvVmmUYdiU717H3Tgy0UJdor3gE4a+mq/oj9NjAf8ZsQ==", apierr.ErrInvalidParameterValue},
	}
	for _, tc := range gets {
		t.Run("get/"+tc.name, func(t *testing.T) {
			if _, err := env.a.AccessControl.GetRuleSet(ctx, iam.GetRuleSetRequest{Name: tc.ruleSet, Etag: tc.etag}); !errors.Is(err, tc.want) {
				t.Errorf("get: %v, want %v", err, tc.want)
			}
		})
	}

	fresh, err := env.a.AccessControl.GetRuleSet(ctx, iam.GetRuleSetRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	puts := []struct {
		name string
		req  iam.UpdateRuleSetRequest
		want error
	}{
		{"unknown budget policy", iam.UpdateRuleSetRequest{Name: missing, RuleSet: iam.RuleSetUpdateRequest{Name: missing, Etag: fresh.Etag, GrantRules: []iam.GrantRule{user}}},
			apierr.ErrResourceDoesNotExist},
		{"deleted budget policy", iam.UpdateRuleSetRequest{Name: deleted, RuleSet: iam.RuleSetUpdateRequest{Name: deleted, Etag: current.Etag, GrantRules: []iam.GrantRule{user}}},
			apierr.ErrResourceDoesNotExist},
		{"names differ", iam.UpdateRuleSetRequest{Name: name, RuleSet: iam.RuleSetUpdateRequest{Name: missing, Etag: fresh.Etag}},
			apierr.ErrInvalidParameterValue},
		{"role of another resource", iam.UpdateRuleSetRequest{Name: name, RuleSet: iam.RuleSetUpdateRequest{Name: name, Etag: fresh.Etag,
			GrantRules: []iam.GrantRule{{Role: "roles/servicePrincipal.user", Principals: user.Principals}}}},
			apierr.ErrInvalidParameterValue},
		{"principal without kind", iam.UpdateRuleSetRequest{Name: name, RuleSet: iam.RuleSetUpdateRequest{Name: name, Etag: fresh.Etag,
			GrantRules: []iam.GrantRule{{Role: user.Role, Principals: []string{"sad-materials-science"}}}}},
			apierr.ErrInvalidParameterValue},
		{"no etag", iam.UpdateRuleSetRequest{Name: name, RuleSet: iam.RuleSetUpdateRequest{Name: name, GrantRules: []iam.GrantRule{user}}},
			apierr.ErrInvalidParameterValue},
		{"made-up etag", iam.UpdateRuleSetRequest{Name: name, RuleSet: iam.RuleSetUpdateRequest{Name: name, Etag: "etag-1", GrantRules: []iam.GrantRule{user}}},
			apierr.ErrInvalidParameterValue},
	}
	for _, tc := range puts {
		t.Run("put/"+tc.name, func(t *testing.T) {
			if _, err := env.a.AccessControl.UpdateRuleSet(ctx, tc.req); !errors.Is(err, tc.want) {
				t.Errorf("put: %v, want %v", err, tc.want)
			}
		})
	}
	// None of the failed writes changed the rule set.
	if got, err := env.a.AccessControl.GetRuleSet(ctx, iam.GetRuleSetRequest{Name: name}); err != nil || got.Etag != fresh.Etag || len(got.GrantRules) != 0 {
		t.Errorf("rule set after failed writes = %+v, %v", got, err)
	}
}

// TestRuleSetPaths: the API is served at the account path the SDK uses
// and nowhere else (no SDK call uses /api/2.0/accounts/.../access-control).
func TestRuleSetPaths(t *testing.T) {
	env := startObjects(t)
	_, name := createPolicy(t, env, "SAD Exoplanet Research serverless")
	token := accountToken(t, env.emu)
	tests := []struct {
		name, path string
		want       int
	}{
		{"preview account path", "/api/2.0/preview/accounts/" + DefaultAccountID + "/access-control/rule-sets", http.StatusOK},
		{"non-preview path", "/api/2.0/accounts/" + DefaultAccountID + "/access-control/rule-sets", http.StatusNotFound},
		{"another account", "/api/2.0/preview/accounts/11111111-0000-4000-8000-000000000000/access-control/rule-sets", http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, env.emu.URL+tc.path+"?name="+name, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("GET %s: %d, want %d", tc.path, resp.StatusCode, tc.want)
			}
		})
	}
}
