package emulator

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/databricks/databricks-sdk-go/service/iam"
)

// storedRuleSet is one rule set's current version and grant rules.
type storedRuleSet struct {
	version uint64
	rules   []iam.GrantRule
}

// The roles that can be granted on a budget policy.
const (
	roleBudgetPolicyUser    = "roles/budgetPolicy.user"
	roleBudgetPolicyManager = "roles/budgetPolicy.manager"
)

// principalKinds are the prefixes of the principal identifiers a grant
// rule may name.
var principalKinds = []string{"users/", "groups/", "servicePrincipals/"}

// ruleSetRoutes registers the account access-control rule-set API, which
// holds one rule set per resource: the grants (role and principals) on it.
// The emulator serves the rule sets of budget policies, named
// accounts/{account_id}/budgetPolicies/{policy_id}/ruleSets/default, which
// setup writes to let a category's group use its budget policy:
//
//	GET /api/2.0/preview/accounts/{account_id}/access-control/rule-sets?name=...&etag=...
//	PUT /api/2.0/preview/accounts/{account_id}/access-control/rule-sets
//
// (the paths of the SDK's AccountAccessControlAPI). A budget policy that
// never had grants written has an empty rule set. Every rule set version has
// an opaque etag; a PUT replaces the grant rules only when it carries the
// current etag (else 409 RESOURCE_CONFLICT, on which clients re-read and
// retry) and always hands out a new one. GET's etag asks for a version at
// least that fresh; an empty one asks for nothing. A rule set of a budget
// policy the account does not have is 404 RESOURCE_DOES_NOT_EXIST.
func (s *Server) ruleSetRoutes() {
	path := "/api/2.0/preview/accounts/" + s.opts.AccountID + "/access-control/rule-sets"
	s.handle("GET "+path, s.getRuleSet)
	s.handle("PUT "+path, s.updateRuleSet)
}

// ruleSetEtag is the etag of a rule set's version: the version and a
// digest binding it to the rule set's name, so an etag of another rule set
// or a made-up one is recognised as such.
func ruleSetEtag(name string, version uint64) string {
	sum := sha256.Sum256([]byte(name + "\x00" + strconv.FormatUint(version, 10)))
	b := binary.BigEndian.AppendUint64(nil, version)
	return base64.StdEncoding.EncodeToString(append(b, sum[:16]...))
}

// parseRuleSetEtag returns the version an etag of the named rule set
// stands for; ok is false when it is not one of that rule set's etags.
func parseRuleSetEtag(name, etag string) (version uint64, ok bool) {
	b, err := base64.StdEncoding.DecodeString(etag)
	if err != nil || len(b) != 8+16 {
		return 0, false
	}
	version = binary.BigEndian.Uint64(b)
	return version, ruleSetEtag(name, version) == etag
}

// ruleSetPolicy checks a rule set name and returns the id of the budget
// policy it is attached to. It answers the error itself and returns false
// when the name is not that of an existing budget policy's rule set. The
// caller holds s.mu.
func (s *Server) ruleSetPolicy(w http.ResponseWriter, name string) (string, bool) {
	if name == "" {
		missingField(w, "name")
		return "", false
	}
	parts := strings.Split(name, "/")
	n := len(parts)
	if n < 4 || n%2 != 0 || parts[0] != "accounts" || parts[n-2] != "ruleSets" || parts[n-1] != "default" || slices.Contains(parts, "") {
		invalid(w, "Invalid rule set name %q: expected accounts/<account-id>/<resource-type>/<resource-id>/ruleSets/default", name)
		return "", false
	}
	if parts[1] != s.opts.AccountID {
		invalid(w, "Rule set %s does not belong to account %s", name, s.opts.AccountID)
		return "", false
	}
	if n != 6 || parts[2] != "budgetPolicies" {
		writeError(w, http.StatusNotImplemented, "NOT_IMPLEMENTED", "This emulator serves the rule sets of budget policies only, not %s", name)
		return "", false
	}
	if s.acct.findBudgetPolicy(parts[3]) == nil {
		budgetPolicyMissing(w, parts[3])
		return "", false
	}
	return parts[3], true
}

// ruleSetVersion is the rule set's current version: 0 until it is first
// written. The caller holds s.mu.
func (s *Server) ruleSetVersion(name string) uint64 {
	if rs := s.ruleSets[name]; rs != nil {
		return rs.version
	}
	return 0
}

// ruleSetResponse is the rule set's current version as the API returns
// it. The caller holds s.mu.
func (s *Server) ruleSetResponse(name string) iam.RuleSetResponse {
	out := iam.RuleSetResponse{Name: name, Etag: ruleSetEtag(name, s.ruleSetVersion(name))}
	if rs := s.ruleSets[name]; rs != nil {
		out.GrantRules = cloneGrantRules(rs.rules)
	}
	return out
}

func cloneGrantRules(rules []iam.GrantRule) []iam.GrantRule {
	out := make([]iam.GrantRule, len(rules))
	for i, r := range rules {
		out[i] = iam.GrantRule{Role: r.Role, Principals: slices.Clone(r.Principals)}
	}
	return out
}

// getRuleSet answers GET .../access-control/rule-sets?name=...&etag=....
// The current version is always at least as fresh as a known etag, so
// etag only has to be one of the rule set's.
func (s *Server) getRuleSet(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	name, etag := q.Get("name"), q.Get("etag")
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.ruleSetPolicy(w, name); !ok {
		return
	}
	if etag != "" {
		if v, ok := parseRuleSetEtag(name, etag); !ok || v > s.ruleSetVersion(name) {
			invalid(w, "Invalid etag %q for rule set %s", etag, name)
			return
		}
	}
	writeJSON(w, http.StatusOK, s.ruleSetResponse(name))
}

// updateRuleSet answers PUT .../access-control/rule-sets: the body's
// rule_set replaces the grant rules when its etag is the current one.
func (s *Server) updateRuleSet(w http.ResponseWriter, r *http.Request) {
	var req iam.UpdateRuleSetRequest
	if !readJSON(w, r, &req) {
		return
	}
	if req.RuleSet.Name != req.Name {
		invalid(w, "rule_set.name %q does not match name %q", req.RuleSet.Name, req.Name)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	policyID, ok := s.ruleSetPolicy(w, req.Name)
	if !ok {
		return
	}
	for _, g := range req.RuleSet.GrantRules {
		if g.Role != roleBudgetPolicyUser && g.Role != roleBudgetPolicyManager {
			invalid(w, "Role %q cannot be granted on budget policy %s: use %s or %s", g.Role, policyID, roleBudgetPolicyUser, roleBudgetPolicyManager)
			return
		}
		for _, p := range g.Principals {
			if !validPrincipal(p) {
				invalid(w, "Invalid principal %q: expected users/<user-name>, groups/<group-name> or servicePrincipals/<application-id>", p)
				return
			}
			if group, ok := strings.CutPrefix(p, "groups/"); ok && s.acct.findGroup(group) == nil {
				writeError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "Principal %s not found in account.", p)
				return
			}
		}
	}
	if req.RuleSet.Etag == "" {
		missingField(w, "rule_set.etag")
		return
	}
	cur := s.ruleSetVersion(req.Name)
	v, ok := parseRuleSetEtag(req.Name, req.RuleSet.Etag)
	switch {
	case !ok || v > cur:
		invalid(w, "Invalid etag %q for rule set %s", req.RuleSet.Etag, req.Name)
		return
	case v < cur:
		writeError(w, http.StatusConflict, "RESOURCE_CONFLICT",
			"Conflict with another change to rule set %s: etag %s is not the latest; read the rule set again and retry", req.Name, req.RuleSet.Etag)
		return
	}
	if s.ruleSets == nil {
		s.ruleSets = map[string]*storedRuleSet{}
	}
	s.ruleSets[req.Name] = &storedRuleSet{version: cur + 1, rules: cloneGrantRules(req.RuleSet.GrantRules)}
	writeJSON(w, http.StatusOK, s.ruleSetResponse(req.Name))
}

// validPrincipal reports whether p is a principal identifier of a known
// kind, e.g. groups/sad-exoplanet-research.
func validPrincipal(p string) bool {
	for _, kind := range principalKinds {
		if id, ok := strings.CutPrefix(p, kind); ok {
			return id != ""
		}
	}
	return false
}
