package emulator

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/iam"
	"github.com/databricks/databricks-sdk-go/service/jobs"
	"github.com/databricks/databricks-sdk-go/service/pipelines"
)

// workspaceState is the emulated workspace's objects. The SDK's own model
// types hold them, so every answer has the real JSON shape. Slices keep
// creation order, which is the order lists fall back to.
type workspaceState struct {
	me        iam.User
	clusters  []*clusterRecord
	policies  []*policyRecord
	jobs      []*jobs.Job
	pipelines []*pipelines.GetPipelineResponse
	// policySeq numbers the cluster policies created through the API, so
	// their ids are the same on every run.
	policySeq int
	// reservedPolicies are the ids the seed reserved for setup's
	// pipelines policies, by the key their description starts with
	// (seed_serverless.go).
	reservedPolicies map[string]string
}

// workspaceRoutes registers the workspace object APIs (clusters, cluster
// policies and their permissions, jobs, pipelines, SCIM Me).
func (s *Server) workspaceRoutes() {
	s.handle("GET /api/2.0/preview/scim/v2/Me", s.scimMe)

	s.handle("GET /api/2.1/clusters/list", s.listClusters)
	s.handle("GET /api/2.1/clusters/get", s.getCluster)
	s.handle("POST /api/2.1/clusters/edit", s.editCluster)
	s.handle("POST /api/2.1/clusters/resize", s.resizeCluster)
	s.handle("POST /api/2.1/clusters/delete", s.deleteCluster)

	s.handle("GET /api/2.0/policies/clusters/list", s.listPolicies)
	s.handle("GET /api/2.0/policies/clusters/get", s.getPolicy)
	s.handle("POST /api/2.0/policies/clusters/create", s.createPolicy)
	s.handle("POST /api/2.0/policies/clusters/edit", s.editPolicy)
	s.handle("POST /api/2.0/policies/clusters/delete", s.deletePolicy)
	s.handle("GET /api/2.0/permissions/cluster-policies/{id}", s.getPolicyPermissions)
	s.handle("PUT /api/2.0/permissions/cluster-policies/{id}", s.setPolicyPermissions)
	s.handle("PATCH /api/2.0/permissions/cluster-policies/{id}", s.updatePolicyPermissions)
	s.handle("GET /api/2.0/permissions/cluster-policies/{id}/permissionLevels", s.policyPermissionLevels)

	s.handle("GET /api/2.2/jobs/list", s.listJobs)
	s.handle("GET /api/2.2/jobs/get", s.getJob)

	s.handle("GET /api/2.0/pipelines", s.listPipelines)
	s.handle("GET /api/2.0/pipelines/{id}", s.getPipeline)
}

// scimMe answers with the current user. Like the real workspace it names
// the workspace in X-Databricks-Org-Id, which the SDK's CurrentWorkspaceID
// reads.
func (s *Server) scimMe(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	me := s.ws.me
	s.mu.Unlock()
	w.Header().Set("X-Databricks-Org-Id", s.opts.WorkspaceID)
	writeJSON(w, http.StatusOK, me)
}

// page is one page of a list answered with opaque offset tokens.
type page struct {
	from, to   int    // the slice [from:to) of the full list
	next, prev string // tokens; "" at either end
}

// paginate cuts a list of n items into the page that token and size ask
// for. A token is the offset, encoded so that clients treat it as opaque;
// one that does not decode is answered 400, as the real APIs do.
func paginate(n, size int, token string) (page, bool) {
	from := 0
	if token != "" {
		raw, err := base64.RawURLEncoding.DecodeString(token)
		rest, ok := strings.CutPrefix(string(raw), "offset:")
		if err != nil || !ok {
			return page{}, false
		}
		from, err = strconv.Atoi(rest)
		if err != nil || from < 0 || from > n {
			return page{}, false
		}
	}
	p := page{from: from, to: min(from+size, n)}
	if p.to < n {
		p.next = pageToken(p.to)
	}
	if from > 0 {
		p.prev = pageToken(max(from-size, 0))
	}
	return p, true
}

func pageToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(offset)))
}

// pageSize reads a page-size parameter, def when absent; it answers the
// error itself and returns false when it is not a number in [1, max].
func pageSize(w http.ResponseWriter, q url.Values, name string, def, max int) (int, bool) {
	v := q.Get(name)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		invalid(w, "%s must be a number between 1 and %d", name, max)
		return 0, false
	}
	return n, true
}

// badPageToken answers a page token that was not issued by this server.
func badPageToken(w http.ResponseWriter) {
	invalid(w, "Invalid page token")
}

// findCluster returns the cluster with id, or nil.
func (ws *workspaceState) findCluster(id string) *clusterRecord {
	for _, c := range ws.clusters {
		if c.details.ClusterId == id {
			return c
		}
	}
	return nil
}

// findPolicy returns the cluster policy with id, or nil.
func (ws *workspaceState) findPolicy(id string) *policyRecord {
	for _, p := range ws.policies {
		if p.policy.PolicyId == id {
			return p
		}
	}
	return nil
}

// clusterSpec is the part of a cluster a user sets (what edit replaces and
// what a policy judges).
func clusterSpec(d compute.ClusterDetails) *compute.ClusterSpec {
	return &compute.ClusterSpec{
		ClusterName:            d.ClusterName,
		SparkVersion:           d.SparkVersion,
		NodeTypeId:             d.NodeTypeId,
		DriverNodeTypeId:       d.DriverNodeTypeId,
		NumWorkers:             d.NumWorkers,
		Autoscale:              d.Autoscale,
		AutoterminationMinutes: d.AutoterminationMinutes,
		CustomTags:             d.CustomTags,
		PolicyId:               d.PolicyId,
		SingleUserName:         d.SingleUserName,
		DataSecurityMode:       d.DataSecurityMode,
		SparkConf:              d.SparkConf,
		SparkEnvVars:           d.SparkEnvVars,
		RuntimeEngine:          d.RuntimeEngine,
		AwsAttributes:          d.AwsAttributes,
		InstancePoolId:         d.InstancePoolId,
		ForceSendFields:        zeroFields(d.Autoscale),
	}
}

// zeroFields lists the numeric fields the real API sends even at zero:
// autotermination_minutes (0 means never), and num_workers unless the
// cluster autoscales.
func zeroFields(autoscale *compute.AutoScale) []string {
	if autoscale != nil {
		return []string{"AutoterminationMinutes"}
	}
	return []string{"AutoterminationMinutes", "NumWorkers"}
}
