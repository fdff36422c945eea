package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/databricks/databricks-sdk-go/service/billing"
	"github.com/databricks/databricks-sdk-go/service/compute"
)

// budgetPolicyRecord is a budget policy and who created it (the list can
// filter on its creator; the policy itself does not show it).
type budgetPolicyRecord struct {
	policy        billing.BudgetPolicy
	creatorName   string
	creatorUserID string
}

// maxPolicyTags is how many custom tags a budget policy may carry.
const maxPolicyTags = 20

// findBudgetPolicy returns the budget policy with id, or nil.
func (a *accountState) findBudgetPolicy(id string) *budgetPolicyRecord {
	i := slices.IndexFunc(a.policies, func(p *budgetPolicyRecord) bool { return p.policy.PolicyId == id })
	if i < 0 {
		return nil
	}
	return a.policies[i]
}

func budgetPolicyMissing(w http.ResponseWriter, id string) {
	writeError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "Budget policy %s does not exist", id)
}

// checkBudgetPolicy validates a policy's name and tags; selfID is the
// policy being updated ("" on create), which may keep its own name. It
// answers the error itself and returns false when the policy is not valid.
func (s *Server) checkBudgetPolicy(w http.ResponseWriter, p billing.BudgetPolicy, selfID string) bool {
	if strings.TrimSpace(p.PolicyName) == "" {
		missingField(w, "policy_name")
		return false
	}
	if strings.HasPrefix(p.PolicyName, "databricks:") {
		invalid(w, "policy_name must not start with the reserved prefix databricks:")
		return false
	}
	if len(p.CustomTags) > maxPolicyTags {
		invalid(w, "a budget policy carries at most %d custom tags", maxPolicyTags)
		return false
	}
	seen := map[string]bool{}
	for _, t := range p.CustomTags {
		if t.Key == "" || seen[t.Key] {
			invalid(w, "custom tag keys must be non-empty and unique, got %q", t.Key)
			return false
		}
		seen[t.Key] = true
	}
	for _, other := range s.acct.policies {
		if other.policy.PolicyName == p.PolicyName && other.policy.PolicyId != selfID {
			writeError(w, http.StatusConflict, "RESOURCE_ALREADY_EXISTS", "A budget policy named %q already exists", p.PolicyName)
			return false
		}
	}
	return true
}

// cleanPolicy keeps what a stored policy holds, without the request's
// bookkeeping.
func cleanPolicy(id string, p billing.BudgetPolicy) billing.BudgetPolicy {
	tags := make([]compute.CustomPolicyTag, len(p.CustomTags))
	for i, t := range p.CustomTags {
		tags[i] = compute.CustomPolicyTag{Key: t.Key, Value: t.Value}
	}
	return billing.BudgetPolicy{
		PolicyId:            id,
		PolicyName:          p.PolicyName,
		CustomTags:          tags,
		BindingWorkspaceIds: slices.Clone(p.BindingWorkspaceIds),
	}
}

// listBudgetPolicies answers GET .../budget-policies, sorted by name
// (sort_spec.field=POLICY_NAME, sort_spec.descending), filtered on
// filter_by.policy_name (exact), filter_by.creator_user_name and
// filter_by.creator_user_id, paged by page_size (default 100; more than
// 1000 counts as 1000) and page_token.
func (s *Server) listBudgetPolicies(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	size := 100
	if v := q.Get("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			invalid(w, "page_size must be a positive number")
			return
		}
		size = min(n, 1000)
	}
	name, creator, creatorID := q.Get("filter_by.policy_name"), q.Get("filter_by.creator_user_name"), q.Get("filter_by.creator_user_id")

	s.mu.Lock()
	var list []billing.BudgetPolicy
	for _, p := range s.acct.policies {
		switch {
		case name != "" && p.policy.PolicyName != name,
			creator != "" && p.creatorName != creator,
			creatorID != "" && p.creatorUserID != creatorID:
			continue
		}
		list = append(list, p.policy)
	}
	s.mu.Unlock()

	slices.SortStableFunc(list, func(a, b billing.BudgetPolicy) int { return strings.Compare(a.PolicyName, b.PolicyName) })
	if q.Get("sort_spec.descending") == "true" {
		slices.Reverse(list)
	}
	p, ok := paginate(len(list), size, q.Get("page_token"))
	if !ok {
		badPageToken(w)
		return
	}
	writeJSON(w, http.StatusOK, billing.ListBudgetPoliciesResponse{Policies: list[p.from:p.to], NextPageToken: p.next, PreviousPageToken: p.prev})
}

// getBudgetPolicy answers GET .../budget-policies/{id}.
func (s *Server) getBudgetPolicy(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	p := s.acct.findBudgetPolicy(id)
	var out billing.BudgetPolicy
	if p != nil {
		out = p.policy
	}
	s.mu.Unlock()
	if p == nil {
		budgetPolicyMissing(w, id)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// createBudgetPolicy answers POST .../budget-policies. A request_id seen
// before returns the policy that request created (while it exists), so a
// retried create never makes a second policy.
func (s *Server) createBudgetPolicy(w http.ResponseWriter, r *http.Request) {
	var req billing.CreateBudgetPolicyRequest
	if !readJSON(w, r, &req) {
		return
	}
	if req.Policy == nil {
		missingField(w, "policy")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.acct.requestIDs[req.RequestId]; ok && req.RequestId != "" {
		if p := s.acct.findBudgetPolicy(id); p != nil {
			writeJSON(w, http.StatusOK, p.policy)
			return
		}
	}
	if !s.checkBudgetPolicy(w, *req.Policy, "") {
		return
	}
	id := s.acct.newID("budget-policy")
	if r, ok := s.reservedBudgetPolicies[req.Policy.PolicyName]; ok && s.acct.findBudgetPolicy(r) == nil {
		id = r // seed_serverless.go: a seeded workload already names it
	}
	p := &budgetPolicyRecord{
		policy:        cleanPolicy(id, *req.Policy),
		creatorName:   s.ws.me.UserName,
		creatorUserID: s.ws.me.Id,
	}
	s.acct.policies = append(s.acct.policies, p)
	if req.RequestId != "" {
		s.acct.requestIDs[req.RequestId] = p.policy.PolicyId
	}
	writeJSON(w, http.StatusOK, p.policy)
}

// updateBudgetPolicy answers PATCH .../budget-policies/{id}: the body is
// the policy, and the fields it carries (policy_name, custom_tags,
// binding_workspace_ids) replace the stored ones. The SDK's limit_config
// query parameter has no fields in this version and is ignored.
func (s *Server) updateBudgetPolicy(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	var present map[string]json.RawMessage
	var in billing.BudgetPolicy
	if err == nil {
		err = json.Unmarshal(body, &present)
	}
	if err == nil {
		err = json.Unmarshal(body, &in)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "MALFORMED_REQUEST", "could not parse request body: %v", err)
		return
	}
	if in.PolicyId != "" && in.PolicyId != id {
		invalid(w, "policy_id %s in the body does not match %s in the path", in.PolicyId, id)
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.acct.findBudgetPolicy(id)
	if p == nil {
		budgetPolicyMissing(w, id)
		return
	}
	next := p.policy
	if _, ok := present["policy_name"]; ok {
		next.PolicyName = in.PolicyName
	}
	if _, ok := present["custom_tags"]; ok {
		next.CustomTags = in.CustomTags
	}
	if _, ok := present["binding_workspace_ids"]; ok {
		next.BindingWorkspaceIds = in.BindingWorkspaceIds
	}
	if !s.checkBudgetPolicy(w, next, id) {
		return
	}
	p.policy = cleanPolicy(id, next)
	writeJSON(w, http.StatusOK, p.policy)
}

// deleteBudgetPolicy answers DELETE .../budget-policies/{id}.
func (s *Server) deleteBudgetPolicy(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.acct.policies, func(p *budgetPolicyRecord) bool { return p.policy.PolicyId == id })
	if i < 0 {
		budgetPolicyMissing(w, id)
		return
	}
	s.acct.policies = slices.Delete(s.acct.policies, i, i+1)
	writeJSON(w, http.StatusOK, struct{}{})
}
