package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/iam"
)

func groupNames(groups []iam.AccountGroup) []string {
	out := make([]string, len(groups))
	for i, g := range groups {
		out[i] = g.DisplayName
	}
	return out
}

// TestAccountGroups: the account holds the groups content/ names and the
// platform team's, found by the SDK's GroupsV2 with a displayName filter,
// listed in pages and read by id.
func TestAccountGroups(t *testing.T) {
	env := startObjects(t)
	ctx := context.Background()

	all, err := env.a.GroupsV2.ListAll(ctx, iam.ListAccountGroupsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{platformGroup}
	for _, c := range objectsDivision().Categories {
		want = append(want, c.Group)
	}
	if got := groupNames(all); !slices.Equal(got, want) {
		t.Fatalf("groups %v, want %v", got, want)
	}
	// ListAll stops at Count; the iterator reads page after page.
	var paged []iam.AccountGroup
	for it := env.a.GroupsV2.List(ctx, iam.ListAccountGroupsRequest{Count: 3}); it.HasNext(ctx); {
		g, err := it.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, g)
	}
	if !slices.Equal(groupNames(paged), want) {
		t.Fatalf("listed 3 a page: %v", groupNames(paged))
	}

	tests := []struct {
		filter string
		want   []string
	}{
		{`displayName eq "sad-orbital-mechanics"`, []string{"sad-orbital-mechanics"}},
		{`displayname EQ "SAD-Orbital-Mechanics"`, []string{"sad-orbital-mechanics"}},
		{`displayName eq "sad-orbital"`, []string{}},
		{`displayName sw "sad-ex"`, []string{"sad-exploratory-missions", "sad-exoplanet-research"}},
		{`displayName co "mission"`, []string{"sad-exploratory-missions"}},
		{`id eq "` + platformGroupID + `"`, []string{platformGroup}},
	}
	for _, tc := range tests {
		got, err := env.a.GroupsV2.ListAll(ctx, iam.ListAccountGroupsRequest{Filter: tc.filter})
		if err != nil || !slices.Equal(groupNames(got), tc.want) {
			t.Errorf("filter %s: %v, %v; want %v", tc.filter, groupNames(got), err, tc.want)
		}
	}
	for _, bad := range []string{`displayName eq sad-propulsion`, `members eq "x"`, `displayName gt "a"`,
		`displayName eq "a" or displayName eq "b"`} {
		_, err := env.a.GroupsV2.ListAll(ctx, iam.ListAccountGroupsRequest{Filter: bad})
		if !errors.Is(err, apierr.ErrBadRequest) || !strings.Contains(err.Error(), "Invalid filter") {
			t.Errorf("filter %s: %v, want 400 invalidFilter", bad, err)
		}
	}

	g, err := env.a.GroupsV2.Get(ctx, iam.GetAccountGroupRequest{Id: all[1].Id})
	if err != nil || g.DisplayName != all[1].DisplayName || g.AccountId != DefaultAccountID {
		t.Errorf("get %s = %+v, %v", all[1].Id, g, err)
	}
	if _, err := env.a.GroupsV2.Get(ctx, iam.GetAccountGroupRequest{Id: "123"}); !errors.Is(err, apierr.ErrNotFound) {
		t.Errorf("get an unknown id: %v, want not found", err)
	}
}

// TestWorkspaceAssignments: every seeded group is assigned to the
// workspace; a group taken off it is no longer listed, one removed from
// the account neither.
func TestWorkspaceAssignments(t *testing.T) {
	env := startObjects(t)
	ctx := context.Background()
	wsID, _ := strconv.ParseInt(DefaultWorkspaceID, 10, 64)
	assigned := func() []string {
		t.Helper()
		list, err := env.a.WorkspaceAssignment.ListAll(ctx, iam.ListWorkspaceAssignmentRequest{WorkspaceId: wsID})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range list {
			if a.Principal.GroupName != "" {
				out = append(out, a.Principal.GroupName)
			}
		}
		return out
	}
	if got := assigned(); len(got) != 8 || !slices.Contains(got, "sad-navigation-systems") {
		t.Fatalf("assigned groups %v", got)
	}
	env.emu.PutGroup("sad-navigation-systems", false)
	env.emu.DeleteGroup("sad-propulsion-analytics")
	if got := assigned(); len(got) != 6 || slices.Contains(got, "sad-navigation-systems") || slices.Contains(got, "sad-propulsion-analytics") {
		t.Errorf("after unassigning one and removing another: %v", got)
	}
	if _, err := env.a.WorkspaceAssignment.ListAll(ctx, iam.ListWorkspaceAssignmentRequest{WorkspaceId: 42}); !errors.Is(err, apierr.ErrNotFound) {
		t.Errorf("assignments of another workspace: %v, want not found", err)
	}
}

// TestGrantsNeedKnownGroups: a budget policy grant to a group the account
// does not have, and a cluster policy grant to one the workspace does not
// know, are refused as the services refuse them.
func TestGrantsNeedKnownGroups(t *testing.T) {
	env := startObjects(t)
	ctx := context.Background()
	_, name := createPolicy(t, env, "SAD Materials Science serverless")
	rs, err := env.a.AccessControl.GetRuleSet(ctx, iam.GetRuleSetRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	rule := func(group string) iam.GrantRule {
		return iam.GrantRule{Role: roleBudgetPolicyUser, Principals: []string{"groups/" + group}}
	}
	_, err = putRuleSet(env, name, rs.Etag, rule("sad-materials"))
	var api *apierr.APIError
	if !errors.As(err, &api) || api.StatusCode != http.StatusNotFound || api.ErrorCode != "RESOURCE_DOES_NOT_EXIST" ||
		api.Message != "Principal groups/sad-materials not found in account." {
		t.Errorf("grant to an unknown group: %v", err)
	}
	// Assignment to the workspace does not matter to an account grant.
	env.emu.PutGroup("sad-materials", false)
	if _, err := putRuleSet(env, name, rs.Etag, rule("sad-materials")); err != nil {
		t.Errorf("grant to an unassigned account group: %v", err)
	}

	policy, err := env.w.ClusterPolicies.Create(ctx, compute.CreatePolicy{Name: "SAD Materials Science (jobs)", Definition: `{}`})
	if err != nil {
		t.Fatal(err)
	}
	grant := func(group string) error {
		_, err := env.w.ClusterPolicies.UpdatePermissions(ctx, compute.ClusterPolicyPermissionsRequest{
			ClusterPolicyId:   policy.PolicyId,
			AccessControlList: []compute.ClusterPolicyAccessControlRequest{{GroupName: group, PermissionLevel: compute.ClusterPolicyPermissionLevelCanUse}},
		})
		return err
	}
	for _, group := range []string{"sad-nowhere", "sad-materials"} { // unknown; in the account but not assigned
		err := grant(group)
		if !errors.As(err, &api) || api.StatusCode != http.StatusNotFound || api.Message != "Principal: GroupName("+group+") does not exist" {
			t.Errorf("cluster policy grant to %s: %v", group, err)
		}
	}
	for _, group := range []string{"users", "sad-materials-science", "SAD-Platform"} {
		if err := grant(group); err != nil {
			t.Errorf("cluster policy grant to %s: %v", group, err)
		}
	}
	_, err = env.w.ClusterPolicies.SetPermissions(ctx, compute.ClusterPolicyPermissionsRequest{
		ClusterPolicyId:   policy.PolicyId,
		AccessControlList: []compute.ClusterPolicyAccessControlRequest{{GroupName: "sad-gone", PermissionLevel: compute.ClusterPolicyPermissionLevelCanUse}},
	})
	if !errors.Is(err, apierr.ErrNotFound) {
		t.Errorf("PUT of a grant to an unknown group: %v", err)
	}
}

// TestAdminGroups: the admin endpoints add, unassign, list and remove
// account groups.
func TestAdminGroups(t *testing.T) {
	s, err := New(Options{AsOf: objectsAsOf, Division: objectsDivision()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tests := []struct {
		method, path, body string
		code               int
	}{
		{http.MethodPut, "/emulator/admin/groups/sad-new", `{"assigned": true}`, http.StatusOK},
		{http.MethodPut, "/emulator/admin/groups/sad-platform", `{"assigned": false}`, http.StatusOK},
		{http.MethodPut, "/emulator/admin/groups/sad-new", `{}`, http.StatusBadRequest},
		{http.MethodDelete, "/emulator/admin/groups/sad-deep-space-telemetry", ``, http.StatusOK},
		{http.MethodDelete, "/emulator/admin/groups/sad-deep-space-telemetry", ``, http.StatusNotFound},
	}
	for _, tc := range tests {
		if rec := serve(s, tc.method, tc.path, tc.body); rec.Code != tc.code {
			t.Errorf("%s %s %s: %d %s, want %d", tc.method, tc.path, tc.body, rec.Code, rec.Body, tc.code)
		}
	}
	rec := serve(s, http.MethodGet, "/emulator/admin/groups", "")
	var groups []adminGroup
	if err := json.Unmarshal(rec.Body.Bytes(), &groups); err != nil {
		t.Fatal(err)
	}
	state := map[string]bool{}
	for _, g := range groups {
		state[g.Name] = g.Assigned
	}
	if a, ok := state["sad-new"]; !ok || !a {
		t.Errorf("sad-new: %v", groups)
	}
	if a, ok := state[platformGroup]; !ok || a {
		t.Errorf("sad-platform still assigned: %v", groups)
	}
	if _, ok := state["sad-deep-space-telemetry"]; ok || len(groups) != 8 {
		t.Errorf("groups after the removal: %v", groups)
	}
}

func FuzzSCIMFilter(f *testing.F) {
	for _, s := range []string{`displayName eq "sad-deep-space"`, `id sw "1"`, `displayName eq "a" and id eq "b"`, `x`, ``, `displayName eq "\u00e9"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		filter, err := parseSCIMFilter(s)
		if err != nil {
			return
		}
		if _, ok := scimFilterAttrs[strings.ToLower(filter.attr)]; !ok {
			t.Errorf("%q parsed to attribute %q", s, filter.attr)
		}
		g := &accountGroup{id: "1", name: filter.value}
		if filter.attr == "displayName" && filter.op == "eq" && !filter.matches(g) {
			t.Errorf("%q does not match a group named %q", s, filter.value)
		}
	})
}
