package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/iam"
)

// accountGroup is one of the account's groups and whether it is assigned
// to the workspace (Workspace Assignment API): only an assigned group can
// be granted workspace objects such as cluster policies.
type accountGroup struct {
	id, name string
	assigned bool
}

// workspaceLocalGroups are the groups every workspace has of its own; the
// account does not know them, but workspace permissions may name them.
var workspaceLocalGroups = []string{"admins", "users"}

// platformGroup is the platform team's account group, which the seeded
// admin belongs to (seedUser) and the legacy policy is granted to.
const (
	platformGroup   = "sad-platform"
	platformGroupID = "602381947716205"
)

// SCIM message schemas.
const (
	scimListResponse = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	scimError        = "urn:ietf:params:scim:api:messages:2.0:Error"
	scimGroup        = "urn:ietf:params:scim:schemas:core:2.0:Group"
)

// groupRoutes registers the account's SCIM Groups (list and get) and the
// workspace's permission assignments, which the SDK's GroupsV2 and
// WorkspaceAssignment services call.
func (s *Server) groupRoutes() {
	groups := "/api/2.0/accounts/" + s.opts.AccountID + "/scim/v2/Groups"
	s.handle("GET "+groups, s.listGroups)
	s.handle("GET "+groups+"/{id}", s.getGroup)
	s.handle("GET /api/2.0/accounts/"+s.opts.AccountID+"/workspaces/{workspace_id}/permissionassignments", s.listAssignments)

	s.handleAdmin("GET /emulator/admin/groups", s.adminGroups)
	s.handleAdmin("PUT /emulator/admin/groups/{name}", s.adminPutGroup)
	s.handleAdmin("DELETE /emulator/admin/groups/{name}", s.adminDeleteGroup)
}

// seedGroups gives the account the groups content/ names, each assigned
// to the workspace, and the platform team's group.
func (a *accountState) seedGroups(names []string) {
	a.groups = []*accountGroup{{id: platformGroupID, name: platformGroup, assigned: true}}
	for _, n := range names {
		if n != "" && a.findGroup(n) == nil {
			a.groups = append(a.groups, &accountGroup{id: stableGroupID(n), name: n, assigned: true})
		}
	}
}

// findGroup returns the account group of that name, or nil. Names match
// whatever the case, as SCIM's displayName does (RFC 7643, caseExact false).
func (a *accountState) findGroup(name string) *accountGroup {
	i := slices.IndexFunc(a.groups, func(g *accountGroup) bool { return strings.EqualFold(g.name, name) })
	if i < 0 {
		return nil
	}
	return a.groups[i]
}

// PutGroup adds an account group or changes whether it is assigned to the
// workspace, as an account admin does in the account console, and returns
// its id; the admin endpoint and tests use it.
func (s *Server) PutGroup(name string, assigned bool) (id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.acct.findGroup(name); g != nil {
		g.assigned = assigned
		return g.id
	}
	g := &accountGroup{id: stableGroupID(name), name: name, assigned: assigned}
	s.acct.groups = append(s.acct.groups, g)
	return g.id
}

// DeleteGroup removes an account group; it reports whether there was one.
// Grants already naming it stay, as they do on the service.
func (s *Server) DeleteGroup(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.acct.groups)
	s.acct.groups = slices.DeleteFunc(s.acct.groups, func(g *accountGroup) bool { return strings.EqualFold(g.name, name) })
	return len(s.acct.groups) < n
}

// adminGroup is an account group as the admin endpoints show it.
type adminGroup struct {
	ID       string `json:"id"`
	Name     string `json:"display_name"`
	Assigned bool   `json:"assigned"` // to the workspace
}

// adminGroups answers GET /emulator/admin/groups: every account group.
func (s *Server) adminGroups(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	out := make([]adminGroup, len(s.acct.groups))
	for i, g := range s.acct.groups {
		out[i] = adminGroup{ID: g.id, Name: g.name, Assigned: g.assigned}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// adminPutGroup answers PUT /emulator/admin/groups/{name} with
// {"assigned": bool}: the group exists from then on, assigned to the
// workspace or not.
func (s *Server) adminPutGroup(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Assigned *bool `json:"assigned"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	if req.Assigned == nil {
		missingField(w, "assigned")
		return
	}
	name := r.PathValue("name")
	id := s.PutGroup(name, *req.Assigned)
	s.log.Info("account group set", "group", name, "assigned", *req.Assigned)
	writeJSON(w, http.StatusOK, adminGroup{ID: id, Name: name, Assigned: *req.Assigned})
}

// adminDeleteGroup answers DELETE /emulator/admin/groups/{name}.
func (s *Server) adminDeleteGroup(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !s.DeleteGroup(name) {
		writeError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "Group %s does not exist", name)
		return
	}
	s.log.Info("account group removed", "group", name)
	writeJSON(w, http.StatusOK, struct{}{})
}

// scimGroupBody is a group as the SCIM API writes it.
type scimGroupBody struct {
	Schemas []string `json:"schemas"`
	iam.AccountGroup
}

func (s *Server) groupBody(g *accountGroup) scimGroupBody {
	return scimGroupBody{Schemas: []string{scimGroup}, AccountGroup: iam.AccountGroup{
		AccountId: s.opts.AccountID, Id: g.id, DisplayName: g.name,
		Meta: &iam.ResourceMeta{ResourceType: "Group"},
	}}
}

// scimListBody is a page of a SCIM list.
type scimListBody struct {
	Schemas      []string        `json:"schemas"`
	TotalResults int             `json:"totalResults"`
	StartIndex   int             `json:"startIndex"`
	ItemsPerPage int             `json:"itemsPerPage"`
	Resources    []scimGroupBody `json:"Resources"`
}

// writeSCIMError answers in the SCIM error shape (RFC 7644, 3.12), which
// the account SCIM endpoints use instead of Databricks' error_code.
func writeSCIMError(w http.ResponseWriter, status int, scimType, format string, args ...any) {
	body := map[string]any{"schemas": []string{scimError}, "status": strconv.Itoa(status), "detail": fmt.Sprintf(format, args...)}
	if scimType != "" {
		body["scimType"] = scimType
	}
	writeJSON(w, status, body)
}

// scimMaxCount is the most groups one page holds, and the page size when
// the request names none.
const scimMaxCount = 10000

// listGroups answers GET .../scim/v2/Groups with filter (one comparison,
// see parseSCIMFilter), startIndex (from 1) and count. An index past the
// end gives an empty page, which is how the SDK's iterator stops.
func (s *Server) listGroups(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var match func(*accountGroup) bool
	if f := q.Get("filter"); f != "" {
		filter, err := parseSCIMFilter(f)
		if err != nil {
			writeSCIMError(w, http.StatusBadRequest, "invalidFilter", "Invalid filter %q: %v", f, err)
			return
		}
		match = filter.matches
	}
	start, count := 1, scimMaxCount
	for name, v := range map[string]*int{"startIndex": &start, "count": &count} {
		if raw := q.Get(name); raw != "" {
			n, err := strconv.Atoi(raw)
			if err != nil || n < 0 {
				writeSCIMError(w, http.StatusBadRequest, "invalidValue", "%s must be a non-negative integer, got %q", name, raw)
				return
			}
			*v = n
		}
	}
	start, count = max(start, 1), min(count, scimMaxCount)
	s.mu.Lock()
	var found []scimGroupBody
	for _, g := range s.acct.groups {
		if match == nil || match(g) {
			found = append(found, s.groupBody(g))
		}
	}
	s.mu.Unlock()
	out := scimListBody{Schemas: []string{scimListResponse}, TotalResults: len(found), StartIndex: start, Resources: []scimGroupBody{}}
	if from := start - 1; from < len(found) {
		out.Resources = found[from:min(from+count, len(found))]
	}
	out.ItemsPerPage = len(out.Resources)
	writeJSON(w, http.StatusOK, out)
}

// getGroup answers GET .../scim/v2/Groups/{id}.
func (s *Server) getGroup(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	i := slices.IndexFunc(s.acct.groups, func(g *accountGroup) bool { return g.id == id })
	var body scimGroupBody
	if i >= 0 {
		body = s.groupBody(s.acct.groups[i])
	}
	s.mu.Unlock()
	if i < 0 {
		writeSCIMError(w, http.StatusNotFound, "", "Group with id %s not found.", id)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// listAssignments answers GET .../workspaces/{workspace_id}/permissionassignments:
// the admin user (ADMIN) and every assigned group (USER).
func (s *Server) listAssignments(w http.ResponseWriter, r *http.Request) {
	if ws := r.PathValue("workspace_id"); ws != s.opts.WorkspaceID {
		writeError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "Workspace %s does not exist in account %s.", ws, s.opts.AccountID)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	me := s.ws.me
	meID, _ := strconv.ParseInt(me.Id, 10, 64)
	out := iam.PermissionAssignments{PermissionAssignments: []iam.PermissionAssignment{{
		Principal:   &iam.PrincipalOutput{PrincipalId: meID, UserName: me.UserName, DisplayName: me.DisplayName},
		Permissions: []iam.WorkspacePermission{iam.WorkspacePermissionAdmin},
	}}}
	for _, g := range s.acct.groups {
		if !g.assigned {
			continue
		}
		id, _ := strconv.ParseInt(g.id, 10, 64)
		out.PermissionAssignments = append(out.PermissionAssignments, iam.PermissionAssignment{
			Principal:   &iam.PrincipalOutput{PrincipalId: id, GroupName: g.name, DisplayName: g.name},
			Permissions: []iam.WorkspacePermission{iam.WorkspacePermissionUser},
		})
	}
	writeJSON(w, http.StatusOK, out)
}

// workspaceGroupKnown reports whether workspace permissions may name the
// group: one of the workspace's own, or an account group assigned to the
// workspace. The caller holds s.mu.
func (s *Server) workspaceGroupKnown(name string) bool {
	if slices.Contains(workspaceLocalGroups, name) {
		return true
	}
	g := s.acct.findGroup(name)
	return g != nil && g.assigned
}

// unknownPrincipal answers a workspace permissions request naming a group
// the workspace does not know, as the Permissions API does (see doc.go).
func unknownPrincipal(w http.ResponseWriter, group string) {
	writeError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "Principal: GroupName(%s) does not exist", group)
}

// scimFilter is one comparison of a SCIM filter: attr op "value".
type scimFilter struct {
	attr, op, value string
}

// scimFilterAttrs are the group attributes a filter may compare, by their
// lower-case name (SCIM attribute names are case-insensitive).
var scimFilterAttrs = map[string]string{"displayname": "displayName", "id": "id", "externalid": "externalId"}

// parseSCIMFilter reads a filter of one comparison, such as
// displayName eq "sad-deep-space": an attribute of scimFilterAttrs, one of
// the operators eq, ne, co and sw, and a JSON string. The SDK documents
// "simple expressions" only; and, or, not and grouping are refused.
func parseSCIMFilter(s string) (scimFilter, error) {
	attr, rest, _ := strings.Cut(strings.TrimSpace(s), " ")
	op, value, _ := strings.Cut(strings.TrimLeft(rest, " "), " ")
	name, ok := scimFilterAttrs[strings.ToLower(attr)]
	if !ok {
		return scimFilter{}, fmt.Errorf("attribute %q: want displayName, id or externalId", attr)
	}
	op = strings.ToLower(op)
	if !slices.Contains([]string{"eq", "ne", "co", "sw"}, op) {
		return scimFilter{}, fmt.Errorf("operator %q: want eq, ne, co or sw", op)
	}
	var v string
	if err := json.Unmarshal([]byte(strings.TrimSpace(value)), &v); err != nil {
		return scimFilter{}, errors.New(`want one comparison with a quoted value, such as displayName eq "name"`)
	}
	return scimFilter{attr: name, op: op, value: v}, nil
}

// matches compares the group's attribute with the value, ignoring case
// as SCIM does for these attributes.
func (f scimFilter) matches(g *accountGroup) bool {
	var have string
	switch f.attr {
	case "displayName":
		have = g.name
	case "id":
		have = g.id
	}
	have, want := strings.ToLower(have), strings.ToLower(f.value)
	switch f.op {
	case "eq":
		return have == want
	case "ne":
		return have != want
	case "co":
		return strings.Contains(have, want)
	default: // sw
		return strings.HasPrefix(have, want)
	}
}

// groupsKnown checks that every group an access control list names is
// known to the workspace; it answers the error itself and returns false
// when one is not.
func (s *Server) groupsKnown(w http.ResponseWriter, acl []compute.ClusterPolicyAccessControlRequest) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range acl {
		if g.GroupName != "" && !s.workspaceGroupKnown(g.GroupName) {
			unknownPrincipal(w, g.GroupName)
			return false
		}
	}
	return true
}
