package emulator

import (
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/databricks/databricks-sdk-go/service/compute"
)

// transitionTime is how long a cluster stays RESIZING, RESTARTING or
// TERMINATING: long enough that a client sees the intermediate state, as
// it does on the real service, and short enough for the SDK's wait helpers.
const transitionTime = time.Second

// clusterRecord is one cluster and the state change it is going through.
type clusterRecord struct {
	details compute.ClusterDetails
	// settleAt is when the current transitional state ends and settleTo
	// begins; zero when the cluster is in a stable state.
	settleAt time.Time
	settleTo compute.State
}

// begin puts the cluster into a transitional state that becomes to after
// transitionTime.
func (c *clusterRecord) begin(now time.Time, during, to compute.State) {
	c.details.State = during
	c.details.StateMessage = ""
	c.settleAt = now.Add(transitionTime)
	c.settleTo = to
}

// settle completes the state changes that are due by now. The emulator
// moves clusters on lazily, whenever one is read or changed.
func (ws *workspaceState) settle(now time.Time) {
	for _, c := range ws.clusters {
		if c.settleAt.IsZero() || now.Before(c.settleAt) {
			continue
		}
		c.details.State = c.settleTo
		if c.settleTo == compute.StateTerminated {
			c.details.TerminatedTime = c.settleAt.UnixMilli()
			c.details.StateMessage = "Termination requested by " + ws.me.UserName
		}
		c.settleAt = time.Time{}
	}
}

// view is the cluster as the API shows it.
func (c *clusterRecord) view() compute.ClusterDetails {
	d := c.details
	d.Spec = clusterSpec(d)
	d.ForceSendFields = zeroFields(d.Autoscale)
	return d
}

// stateRank orders clusters the way the list's default sort does: live
// clusters first.
var stateRank = map[compute.State]int{
	compute.StateRunning:     0,
	compute.StateResizing:    1,
	compute.StateRestarting:  2,
	compute.StatePending:     3,
	compute.StateTerminating: 4,
	compute.StateTerminated:  5,
	compute.StateError:       6,
	compute.StateUnknown:     7,
}

// listClusters answers GET /api/2.1/clusters/list: filter_by.cluster_sources,
// filter_by.cluster_states, filter_by.policy_id and filter_by.is_pinned,
// sort_by.field (DEFAULT: state, then name; CLUSTER_NAME) and
// sort_by.direction, page_size (default 20, at most 100) and page_token.
func (s *Server) listClusters(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	size, ok := pageSize(w, q, "page_size", 20, 100)
	if !ok {
		return
	}
	sources, states := q["filter_by.cluster_sources"], q["filter_by.cluster_states"]
	policyID, pinnedOnly := q.Get("filter_by.policy_id"), q.Get("filter_by.is_pinned") == "true"
	byName := q.Get("sort_by.field") == string(compute.ListClustersSortByFieldClusterName)
	descending := q.Get("sort_by.direction") == string(compute.ListClustersSortByDirectionDesc)

	s.mu.Lock()
	s.ws.settle(s.now())
	var list []compute.ClusterDetails
	for _, c := range s.ws.clusters {
		d := c.view()
		switch {
		case len(sources) > 0 && !slices.Contains(sources, string(d.ClusterSource)),
			len(states) > 0 && !slices.Contains(states, string(d.State)),
			policyID != "" && d.PolicyId != policyID,
			pinnedOnly: // nothing is pinned in the emulator
			continue
		}
		list = append(list, d)
	}
	s.mu.Unlock()

	slices.SortStableFunc(list, func(a, b compute.ClusterDetails) int {
		c := 0
		if !byName {
			c = cmp.Compare(stateRank[a.State], stateRank[b.State])
		}
		if c == 0 {
			c = cmp.Compare(strings.ToLower(a.ClusterName), strings.ToLower(b.ClusterName))
		}
		if descending {
			c = -c
		}
		return c
	})
	p, ok := paginate(len(list), size, q.Get("page_token"))
	if !ok {
		badPageToken(w)
		return
	}
	writeJSON(w, http.StatusOK, compute.ListClustersResponse{Clusters: list[p.from:p.to], NextPageToken: p.next, PrevPageToken: p.prev})
}

// clusterMissing answers for a cluster id that does not exist, with the
// real message (the SDK maps it to ErrResourceDoesNotExist).
func clusterMissing(w http.ResponseWriter, id string) {
	invalid(w, "Cluster %s does not exist", id)
}

// settledCluster brings the clusters' states up to now and returns the one
// with id, or answers that it does not exist and returns nil; the caller
// holds s.mu.
func (s *Server) settledCluster(w http.ResponseWriter, id string, now time.Time) *clusterRecord {
	s.ws.settle(now)
	c := s.ws.findCluster(id)
	if c == nil {
		clusterMissing(w, id)
	}
	return c
}

// missingField answers a request that lacks a required field.
func missingField(w http.ResponseWriter, name string) {
	invalid(w, "Missing required field: %s", name)
}

// unexpectedState answers an operation the cluster's state does not allow,
// the way the real service words it ("... in unexpected state Terminated.").
func unexpectedState(w http.ResponseWriter, d compute.ClusterDetails) {
	state := string(d.State)
	writeError(w, http.StatusBadRequest, "INVALID_STATE", "Cluster %s is in unexpected state %s.",
		d.ClusterId, state[:1]+strings.ToLower(state[1:]))
}

// getCluster answers GET /api/2.1/clusters/get?cluster_id=.
func (s *Server) getCluster(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("cluster_id")
	if id == "" {
		missingField(w, "cluster_id")
		return
	}
	s.mu.Lock()
	s.ws.settle(s.now())
	c := s.ws.findCluster(id)
	var d compute.ClusterDetails
	if c != nil {
		d = c.view()
	}
	s.mu.Unlock()
	if c == nil {
		clusterMissing(w, id)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// editCluster answers POST /api/2.1/clusters/edit: the request replaces the
// cluster's whole specification. A RUNNING cluster restarts to take it, a
// TERMINATED one keeps it for its next start, any other state is refused;
// clusters that jobs and pipelines create cannot be edited. A cluster under
// a policy must comply with it.
func (s *Server) editCluster(w http.ResponseWriter, r *http.Request) {
	var req compute.EditCluster
	if !readJSON(w, r, &req) {
		return
	}
	switch {
	case req.ClusterId == "":
		missingField(w, "cluster_id")
		return
	case req.SparkVersion == "":
		missingField(w, "spark_version")
		return
	}
	if msg := checkSize(sizeOf(req.NumWorkers, req.ForceSendFields, req.Autoscale), req.AutoterminationMinutes); msg != "" {
		invalid(w, "%s", msg)
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	c := s.settledCluster(w, req.ClusterId, now)
	if c == nil {
		return
	}
	if src := c.details.ClusterSource; src != compute.ClusterSourceUi && src != compute.ClusterSourceApi {
		invalid(w, "Cluster %s was created by %s and cannot be edited", req.ClusterId, src)
		return
	}
	if st := c.details.State; st != compute.StateRunning && st != compute.StateTerminated {
		unexpectedState(w, c.details)
		return
	}
	next := c.details
	next.ClusterName = req.ClusterName
	next.SparkVersion = req.SparkVersion
	next.NodeTypeId = req.NodeTypeId
	next.DriverNodeTypeId = cmp.Or(req.DriverNodeTypeId, req.NodeTypeId)
	next.NumWorkers = req.NumWorkers
	next.Autoscale = req.Autoscale
	next.AutoterminationMinutes = req.AutoterminationMinutes
	next.CustomTags = maps.Clone(req.CustomTags)
	next.PolicyId = req.PolicyId
	next.SingleUserName = req.SingleUserName
	next.DataSecurityMode = req.DataSecurityMode
	next.SparkConf = req.SparkConf
	next.SparkEnvVars = req.SparkEnvVars
	next.RuntimeEngine = req.RuntimeEngine
	next.AwsAttributes = req.AwsAttributes
	next.InstancePoolId = req.InstancePoolId
	next.DefaultTags = maps.Clone(next.DefaultTags)
	if next.DefaultTags == nil {
		next.DefaultTags = map[string]string{}
	}
	next.DefaultTags["ClusterName"] = next.ClusterName
	if next.Autoscale != nil {
		next.NumWorkers = 0
	}
	if next.PolicyId != "" {
		p := s.ws.findPolicy(next.PolicyId)
		if p == nil {
			invalid(w, "Cluster policy %s does not exist", next.PolicyId)
			return
		}
		if problem := p.enforce(&next); problem != "" {
			invalid(w, "%s", problem)
			return
		}
	}
	c.details = next
	if next.State == compute.StateRunning {
		c.details.LastRestartedTime = now.UnixMilli()
		c.begin(now, compute.StateRestarting, compute.StateRunning)
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

// size is a request's num_workers, whether it was sent, and its autoscale.
type size struct {
	numWorkers int
	sent       bool // num_workers was in the request, even as 0
	autoscale  *compute.AutoScale
}

// sizeOf reads the size fields of a request: the SDK types record a
// num_workers of 0 sent explicitly in ForceSendFields.
func sizeOf(numWorkers int, force []string, autoscale *compute.AutoScale) size {
	return size{numWorkers: numWorkers, sent: numWorkers != 0 || slices.Contains(force, "NumWorkers"), autoscale: autoscale}
}

// checkSize validates worker counts and autotermination as the Clusters
// API documents them: num_workers and autoscale are one or the other,
// and an autoscale range needs max_workers strictly greater than
// min_workers.
func checkSize(sz size, autoterminationMinutes int) string {
	switch a := sz.autoscale; {
	case sz.sent && a != nil:
		return "Only one of num_workers or autoscale may be specified"
	case sz.numWorkers < 0:
		return "num_workers must be at least 0"
	case a != nil && (a.MinWorkers < 0 || a.MaxWorkers <= a.MinWorkers):
		return fmt.Sprintf("autoscale needs 0 <= min_workers < max_workers, got min_workers %d and max_workers %d", a.MinWorkers, a.MaxWorkers)
	case autoterminationMinutes != 0 && (autoterminationMinutes < 10 || autoterminationMinutes > 10000):
		return "autotermination_minutes must be 0 (never) or between 10 and 10000"
	}
	return ""
}

// resizeCluster answers POST /api/2.1/clusters/resize: num_workers or
// autoscale (not both), only while the cluster is RUNNING (anything else,
// RESIZING included, is INVALID_STATE, as on the real service); within
// the cluster's policy. num_workers makes an autoscaling cluster a
// fixed-size one, autoscale a fixed-size one autoscaling. The cluster is
// RESIZING, with its new size already in its details (the API shows the
// size asked for, not the workers up so far), and RUNNING again after
// transitionTime.
func (s *Server) resizeCluster(w http.ResponseWriter, r *http.Request) {
	var req compute.ResizeCluster
	if !readJSON(w, r, &req) {
		return
	}
	if req.ClusterId == "" {
		missingField(w, "cluster_id")
		return
	}
	sz := sizeOf(req.NumWorkers, req.ForceSendFields, req.Autoscale)
	if !sz.sent && sz.autoscale == nil {
		invalid(w, "Either num_workers or autoscale must be specified")
		return
	}
	if msg := checkSize(sz, 0); msg != "" {
		invalid(w, "%s", msg)
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	c := s.settledCluster(w, req.ClusterId, now)
	if c == nil {
		return
	}
	if c.details.State != compute.StateRunning {
		unexpectedState(w, c.details)
		return
	}
	next := c.details
	next.NumWorkers, next.Autoscale = req.NumWorkers, req.Autoscale
	if next.Autoscale != nil {
		next.NumWorkers = 0
	}
	if p := s.ws.findPolicy(next.PolicyId); p != nil {
		if problem := p.judgeWorkers(next); problem != "" {
			invalid(w, "%s", problem)
			return
		}
	}
	c.details = next
	c.begin(now, compute.StateResizing, compute.StateRunning)
	writeJSON(w, http.StatusOK, struct{}{})
}

// deleteCluster answers POST /api/2.1/clusters/delete, which terminates
// the cluster: TERMINATING, then TERMINATED. The cluster stays listed, as
// terminated clusters do; deleting a terminated cluster changes nothing.
func (s *Server) deleteCluster(w http.ResponseWriter, r *http.Request) {
	var req compute.DeleteCluster
	if !readJSON(w, r, &req) {
		return
	}
	if req.ClusterId == "" {
		missingField(w, "cluster_id")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	c := s.settledCluster(w, req.ClusterId, now)
	if c == nil {
		return
	}
	if st := c.details.State; st != compute.StateTerminating && st != compute.StateTerminated {
		c.details.TerminationReason = &compute.TerminationReason{
			Code:       compute.TerminationReasonCodeUserRequest,
			Type:       compute.TerminationReasonTypeSuccess,
			Parameters: map[string]string{"username": s.ws.me.UserName},
		}
		c.begin(now, compute.StateTerminating, compute.StateTerminated)
	}
	writeJSON(w, http.StatusOK, struct{}{})
}
