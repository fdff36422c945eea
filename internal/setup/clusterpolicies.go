package setup

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/databricks/databricks-sdk-go/service/compute"

	"github.com/novadynamics/stellar-budget/internal/audit"
)

// definitionFields renders each wanted attribute of a definition as
// canonical JSON; an attribute def lacks renders as "".
func definitionFields(w clusterPolicyWant, def map[string]json.RawMessage) []field {
	fs := []field{}
	for _, attr := range slices.Sorted(maps.Keys(w.Definition)) {
		fs = append(fs, field{name: "definition." + attr, value: canonicalJSON(def[attr])})
	}
	return fs
}

func wantDefinition(w clusterPolicyWant) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for attr, rule := range w.Definition {
		b, _ := json.Marshal(rule) // a policyRule always encodes
		out[attr] = b
	}
	return out
}

// canonicalJSON re-encodes JSON with sorted keys and no spaces, so a
// definition the workspace reformatted compares equal; "" stays "".
func canonicalJSON(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return string(raw)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return string(raw)
	}
	return string(b)
}

func clusterPolicyFields(w clusterPolicyWant, name, description string, def map[string]json.RawMessage) []field {
	return append([]field{
		{name: "name", value: name},
		{name: "description", value: description},
	}, definitionFields(w, def)...)
}

// parseDefinition reads a policy definition; one that does not parse
// counts as empty, so every wanted attribute shows as a change.
func parseDefinition(s string) map[string]json.RawMessage {
	def := map[string]json.RawMessage{}
	if s != "" && json.Unmarshal([]byte(s), &def) != nil {
		return map[string]json.RawMessage{}
	}
	return def
}

func planClusterPolicy(w clusterPolicyWant, h *compute.Policy) Item {
	it := Item{Kind: KindClusterPolicy, Key: w.Key, Name: w.Name, Action: Unchanged}
	wantDef := wantDefinition(w)
	after := clusterPolicyFields(w, w.Name, w.Description, wantDef)
	if h == nil {
		it.Action, it.Changes = Create, created(after)
		it.apply = func(ctx context.Context, c Clients, r *run) (audit.Record, error) {
			return createClusterPolicy(ctx, c, w, wantDef, r)
		}
		return it
	}
	it.ID = h.PolicyId
	haveDef := parseDefinition(h.Definition)
	if it.Changes = diff(clusterPolicyFields(w, h.Name, h.Description, haveDef), after); len(it.Changes) == 0 {
		return it
	}
	it.Action = Update
	before := *h
	it.apply = func(ctx context.Context, c Clients, _ *run) (audit.Record, error) {
		// Attributes others added stay; the wanted ones are set.
		merged := maps.Clone(haveDef)
		maps.Copy(merged, wantDef)
		return editClusterPolicy(ctx, c, w, merged, before)
	}
	return it
}

// encodeDefinition writes a definition with sorted attributes.
func encodeDefinition(def map[string]json.RawMessage) (string, error) {
	b, err := json.Marshal(def)
	if err != nil {
		return "", err
	}
	return canonicalJSON(b), nil
}

func createClusterPolicy(ctx context.Context, c Clients, w clusterPolicyWant, def map[string]json.RawMessage, r *run) (audit.Record, error) {
	text, err := encodeDefinition(def)
	if err != nil {
		return audit.Record{}, fmt.Errorf("create cluster policy %s: %w", w.Name, err)
	}
	resp, err := c.ClusterPolicies.Create(ctx, compute.CreatePolicy{Name: w.Name, Description: w.Description, Definition: text})
	if err != nil {
		return audit.Record{}, fmt.Errorf("create cluster policy %s: %w", w.Name, oneLine(err))
	}
	if resp.PolicyId == "" {
		return audit.Record{}, fmt.Errorf("create cluster policy %s: the workspace returned no policy id", w.Name)
	}
	r.created[w.Key] = resp.PolicyId
	after := compute.Policy{PolicyId: resp.PolicyId, Name: w.Name, Description: w.Description, Definition: text}
	return audit.Record{Action: string(Create), Kind: string(KindClusterPolicy), Key: w.Key, ID: resp.PolicyId, After: after}, nil
}

// editClusterPolicy replaces the policy; an edit sets every field, so the
// libraries and per-user cluster limit it has are sent back unchanged.
func editClusterPolicy(ctx context.Context, c Clients, w clusterPolicyWant, def map[string]json.RawMessage, h compute.Policy) (audit.Record, error) {
	text, err := encodeDefinition(def)
	if err != nil {
		return audit.Record{}, fmt.Errorf("edit cluster policy %s: %w", w.Name, err)
	}
	req := compute.EditPolicy{
		PolicyId: h.PolicyId, Name: w.Name, Description: w.Description, Definition: text,
		Libraries: h.Libraries, MaxClustersPerUser: h.MaxClustersPerUser,
	}
	if err := c.ClusterPolicies.Edit(ctx, req); err != nil {
		return audit.Record{}, fmt.Errorf("edit cluster policy %s (%s): %w", w.Name, h.PolicyId, oneLine(err))
	}
	after := h
	after.Name, after.Description, after.Definition = w.Name, w.Description, text
	return audit.Record{Action: string(Update), Kind: string(KindClusterPolicy), Key: w.Key, ID: h.PolicyId, Before: h, After: after}, nil
}

// canUse lists who holds CAN_USE on a policy, as "groups/<name>",
// "users/<name>" or "servicePrincipals/<name>".
func canUse(p *compute.ClusterPolicyPermissions) []string {
	var out []string
	for _, a := range p.AccessControlList {
		held := slices.ContainsFunc(a.AllPermissions, func(x compute.ClusterPolicyPermission) bool {
			return x.PermissionLevel == compute.ClusterPolicyPermissionLevelCanUse
		})
		if !held {
			continue
		}
		switch {
		case a.GroupName != "":
			out = append(out, groupPrincipal(a.GroupName))
		case a.UserName != "":
			out = append(out, "users/"+a.UserName)
		case a.ServicePrincipalName != "":
			out = append(out, "servicePrincipals/"+a.ServicePrincipalName)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func planClusterPolicyGrant(ctx context.Context, c Clients, w clusterPolicyWant, h *compute.Policy) (Item, error) {
	principal := groupPrincipal(w.Group)
	it := Item{Kind: KindClusterPolicyGrant, Key: w.Key, Name: principal, Action: Unchanged}
	grant := func(ctx context.Context, c Clients, r *run) (audit.Record, error) {
		id := r.created[w.Key]
		if h != nil {
			id = h.PolicyId
		}
		return grantClusterPolicy(ctx, c, w, id)
	}
	field := string(compute.ClusterPolicyPermissionLevelCanUse)
	if h == nil {
		it.Action, it.apply = Create, grant
		it.Changes = []Change{{Field: field, After: list([]string{principal})}}
		return it, nil
	}
	it.ID = h.PolicyId
	perms, err := c.ClusterPolicies.GetPermissions(ctx, compute.GetClusterPolicyPermissionsRequest{ClusterPolicyId: h.PolicyId})
	if err != nil {
		return Item{}, fmt.Errorf("read permissions of cluster policy %s (%s): %w", h.Name, h.PolicyId, oneLine(err))
	}
	holders := canUse(perms)
	if slices.Contains(holders, principal) {
		return it, nil
	}
	it.Action, it.apply = Create, grant
	it.Changes = []Change{{Field: field, Before: list(holders), After: list(addSorted(holders, principal))}}
	return it, nil
}

// grantClusterPolicy gives the group CAN_USE through a permissions PATCH,
// which adds to the grants the policy has and removes none.
func grantClusterPolicy(ctx context.Context, c Clients, w clusterPolicyWant, policyID string) (audit.Record, error) {
	if policyID == "" {
		return audit.Record{}, fmt.Errorf("grant cluster policy %s: the policy has no id", w.Name)
	}
	before, err := c.ClusterPolicies.GetPermissions(ctx, compute.GetClusterPolicyPermissionsRequest{ClusterPolicyId: policyID})
	if err != nil {
		return audit.Record{}, fmt.Errorf("read permissions of cluster policy %s (%s): %w", w.Name, policyID, oneLine(err))
	}
	after, err := c.ClusterPolicies.UpdatePermissions(ctx, compute.ClusterPolicyPermissionsRequest{
		ClusterPolicyId: policyID,
		AccessControlList: []compute.ClusterPolicyAccessControlRequest{{
			GroupName: w.Group, PermissionLevel: compute.ClusterPolicyPermissionLevelCanUse,
		}},
	})
	if err != nil {
		return audit.Record{}, fmt.Errorf("grant cluster policy %s to %s: %w", w.Name, groupPrincipal(w.Group), oneLine(err))
	}
	return audit.Record{Action: "grant", Kind: string(KindClusterPolicyGrant), Key: w.Key, ID: policyID, Before: canUse(before), After: canUse(after)}, nil
}
