package emulator

import (
	"cmp"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/databricks/databricks-sdk-go/service/compute"
)

// policyRecord is a cluster policy and its explicit grants.
type policyRecord struct {
	policy compute.Policy
	rules  map[string]policyRule // the parsed definition
	acl    []compute.ClusterPolicyAccessControlRequest
}

// policyMissing answers for a policy id that does not exist.
func policyMissing(w http.ResponseWriter, id string) {
	writeError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "Can't find a cluster policy with id: %s.", id)
}

// listPolicies answers GET /api/2.0/policies/clusters/list (sort_column
// POLICY_CREATION_TIME or POLICY_NAME, sort_order ASC or DESC; not paged,
// as on the real service).
func (s *Server) listPolicies(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	list := make([]compute.Policy, 0, len(s.ws.policies))
	for _, p := range s.ws.policies {
		list = append(list, p.policy)
	}
	s.mu.Unlock()
	if q.Get("sort_column") == string(compute.ListSortColumnPolicyName) {
		sort.SliceStable(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	}
	if q.Get("sort_order") == string(compute.ListSortOrderDesc) {
		slices.Reverse(list)
	}
	writeJSON(w, http.StatusOK, compute.ListPoliciesResponse{Policies: list})
}

// getPolicy answers GET /api/2.0/policies/clusters/get?policy_id=.
func (s *Server) getPolicy(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("policy_id")
	if id == "" {
		missingField(w, "policy_id")
		return
	}
	s.mu.Lock()
	p := s.ws.findPolicy(id)
	var policy compute.Policy
	if p != nil {
		policy = p.policy
	}
	s.mu.Unlock()
	if p == nil {
		policyMissing(w, id)
		return
	}
	writeJSON(w, http.StatusOK, policy)
}

// policyFields are the fields create and edit both set.
type policyFields struct {
	name, definition, description, familyID, familyOverrides string
	maxClustersPerUser                                       int64
	libraries                                                []compute.Library
}

// validate checks the fields and parses the definition the policy will
// enforce (the family overrides stand in for it under a family); it
// answers the error itself and returns false when they are not valid.
func (s *Server) validatePolicy(w http.ResponseWriter, f policyFields, selfID string) (map[string]policyRule, bool) {
	switch {
	case strings.TrimSpace(f.name) == "":
		missingField(w, "name")
		return nil, false
	case len(f.name) > 100:
		invalid(w, "Cluster policy name must be at most 100 characters")
		return nil, false
	case f.definition != "" && f.familyID != "":
		invalid(w, "policy_family_id and definition cannot be used together")
		return nil, false
	}
	for _, p := range s.ws.policies {
		if p.policy.Name == f.name && p.policy.PolicyId != selfID {
			invalid(w, "Cluster Policy with name `%s` already exists", f.name)
			return nil, false
		}
	}
	rules, err := parseDefinition(cmp.Or(f.definition, f.familyOverrides))
	if err != nil {
		invalid(w, "%v", err)
		return nil, false
	}
	return rules, true
}

// apply writes the fields onto a stored policy.
func (f policyFields) apply(p *policyRecord, rules map[string]policyRule) {
	p.policy.Name = f.name
	p.policy.Definition = f.definition
	p.policy.Description = f.description
	p.policy.PolicyFamilyId = f.familyID
	p.policy.PolicyFamilyDefinitionOverrides = f.familyOverrides
	p.policy.MaxClustersPerUser = f.maxClustersPerUser
	p.policy.Libraries = f.libraries
	p.rules = rules
}

// createPolicy answers POST /api/2.0/policies/clusters/create.
func (s *Server) createPolicy(w http.ResponseWriter, r *http.Request) {
	var req compute.CreatePolicy
	if !readJSON(w, r, &req) {
		return
	}
	f := policyFields{req.Name, req.Definition, req.Description, req.PolicyFamilyId,
		req.PolicyFamilyDefinitionOverrides, req.MaxClustersPerUser, req.Libraries}
	s.mu.Lock()
	defer s.mu.Unlock()
	rules, ok := s.validatePolicy(w, f, "")
	if !ok {
		return
	}
	s.ws.policySeq++
	id := s.ws.reservedPolicyID(req.Description)
	if id == "" {
		id = stableHexID("cluster-policy", strconv.Itoa(s.ws.policySeq))
	}
	p := &policyRecord{policy: compute.Policy{
		PolicyId:           id,
		CreatedAtTimestamp: s.now().UnixMilli(),
		CreatorUserName:    s.ws.me.UserName,
	}}
	f.apply(p, rules)
	s.ws.policies = append(s.ws.policies, p)
	writeJSON(w, http.StatusOK, compute.CreatePolicyResponse{PolicyId: p.policy.PolicyId})
}

// editPolicy answers POST /api/2.0/policies/clusters/edit, which replaces
// the policy's fields. Clusters under it keep running as they are.
func (s *Server) editPolicy(w http.ResponseWriter, r *http.Request) {
	var req compute.EditPolicy
	if !readJSON(w, r, &req) {
		return
	}
	if req.PolicyId == "" {
		missingField(w, "policy_id")
		return
	}
	f := policyFields{req.Name, req.Definition, req.Description, req.PolicyFamilyId,
		req.PolicyFamilyDefinitionOverrides, req.MaxClustersPerUser, req.Libraries}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.ws.findPolicy(req.PolicyId)
	if p == nil {
		policyMissing(w, req.PolicyId)
		return
	}
	rules, ok := s.validatePolicy(w, f, req.PolicyId)
	if !ok {
		return
	}
	f.apply(p, rules)
	writeJSON(w, http.StatusOK, struct{}{})
}

// deletePolicy answers POST /api/2.0/policies/clusters/delete. Clusters it
// governed keep their policy_id, as on the real service.
func (s *Server) deletePolicy(w http.ResponseWriter, r *http.Request) {
	var req compute.DeletePolicy
	if !readJSON(w, r, &req) {
		return
	}
	if req.PolicyId == "" {
		missingField(w, "policy_id")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.ws.policies, func(p *policyRecord) bool { return p.policy.PolicyId == req.PolicyId })
	if i < 0 {
		policyMissing(w, req.PolicyId)
		return
	}
	s.ws.policies = slices.Delete(s.ws.policies, i, i+1)
	writeJSON(w, http.StatusOK, struct{}{})
}

// permissions is a policy's access control list in the API's shape.
func (p *policyRecord) permissions() compute.ClusterPolicyPermissions {
	out := compute.ClusterPolicyPermissions{
		ObjectId:   "/cluster-policies/" + p.policy.PolicyId,
		ObjectType: "cluster-policy",
	}
	for _, g := range p.acl {
		out.AccessControlList = append(out.AccessControlList, compute.ClusterPolicyAccessControlResponse{
			GroupName:            g.GroupName,
			UserName:             g.UserName,
			ServicePrincipalName: g.ServicePrincipalName,
			AllPermissions:       []compute.ClusterPolicyPermission{{PermissionLevel: g.PermissionLevel, ForceSendFields: []string{"Inherited"}}},
		})
	}
	return out
}

// principal names who an entry grants to.
func principal(g compute.ClusterPolicyAccessControlRequest) string {
	return g.GroupName + "\x00" + g.UserName + "\x00" + g.ServicePrincipalName
}

// permissionsRequest reads a PUT or PATCH of a policy's permissions and
// checks every entry names one principal and the one level policies have.
func permissionsRequest(w http.ResponseWriter, r *http.Request) ([]compute.ClusterPolicyAccessControlRequest, bool) {
	var req compute.ClusterPolicyPermissionsRequest
	if !readJSON(w, r, &req) {
		return nil, false
	}
	for _, g := range req.AccessControlList {
		named := 0
		for _, n := range []string{g.GroupName, g.UserName, g.ServicePrincipalName} {
			if n != "" {
				named++
			}
		}
		if named != 1 {
			invalid(w, "each access control entry needs exactly one of group_name, user_name, service_principal_name")
			return nil, false
		}
		if g.PermissionLevel != compute.ClusterPolicyPermissionLevelCanUse {
			invalid(w, "Permission level %s is not supported for cluster policies (only CAN_USE)", g.PermissionLevel)
			return nil, false
		}
	}
	return req.AccessControlList, true
}

// permissionsOf runs fn on the policy named in the path under the lock
// and answers with the policy's permissions after it.
func (s *Server) permissionsOf(w http.ResponseWriter, r *http.Request, fn func(*policyRecord)) {
	id := r.PathValue("id")
	s.mu.Lock()
	p := s.ws.findPolicy(id)
	var out compute.ClusterPolicyPermissions
	if p != nil {
		fn(p)
		out = p.permissions()
	}
	s.mu.Unlock()
	if p == nil {
		writeError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "Cluster policy %s does not exist", id)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// getPolicyPermissions answers GET /api/2.0/permissions/cluster-policies/{id}.
func (s *Server) getPolicyPermissions(w http.ResponseWriter, r *http.Request) {
	s.permissionsOf(w, r, func(*policyRecord) {})
}

// setPolicyPermissions answers PUT: the list replaces every explicit grant.
func (s *Server) setPolicyPermissions(w http.ResponseWriter, r *http.Request) {
	acl, ok := permissionsRequest(w, r)
	if !ok || !s.groupsKnown(w, acl) {
		return
	}
	s.permissionsOf(w, r, func(p *policyRecord) { p.acl = slices.Clone(acl) })
}

// updatePolicyPermissions answers PATCH: the list adds to the existing
// grants (a principal already granted keeps one entry).
func (s *Server) updatePolicyPermissions(w http.ResponseWriter, r *http.Request) {
	acl, ok := permissionsRequest(w, r)
	if !ok || !s.groupsKnown(w, acl) {
		return
	}
	s.permissionsOf(w, r, func(p *policyRecord) {
		next := slices.Clone(p.acl)
		for _, g := range acl {
			i := slices.IndexFunc(next, func(e compute.ClusterPolicyAccessControlRequest) bool { return principal(e) == principal(g) })
			if i >= 0 {
				next[i] = g
			} else {
				next = append(next, g)
			}
		}
		p.acl = next
	})
}

// policyPermissionLevels answers GET .../cluster-policies/{id}/permissionLevels.
func (s *Server) policyPermissionLevels(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	p := s.ws.findPolicy(id)
	s.mu.Unlock()
	if p == nil {
		writeError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "Cluster policy %s does not exist", id)
		return
	}
	writeJSON(w, http.StatusOK, compute.GetClusterPolicyPermissionLevelsResponse{
		PermissionLevels: []compute.ClusterPolicyPermissionsDescription{{
			PermissionLevel: compute.ClusterPolicyPermissionLevelCanUse,
			Description:     "Can use the policy to create and edit clusters",
		}},
	})
}
