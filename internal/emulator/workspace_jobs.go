package emulator

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/databricks/databricks-sdk-go/service/jobs"
	"github.com/databricks/databricks-sdk-go/service/pipelines"
)

// listJobs answers GET /api/2.2/jobs/list: limit (default 20, at most 100),
// page_token or the older offset, name (exact, case-insensitive) and
// expand_tasks. As on the real service, the tasks and job clusters of each
// job come only with expand_tasks=true.
func (s *Server) listJobs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, ok := pageSize(w, q, "limit", 20, 100)
	if !ok {
		return
	}
	offset := 0
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			invalid(w, "offset must be a number of at least 0")
			return
		}
		offset = n
	}
	name, expand := q.Get("name"), q.Get("expand_tasks") == "true"

	s.mu.Lock()
	var list []jobs.BaseJob
	for _, j := range s.ws.jobs {
		if name != "" && !strings.EqualFold(j.Settings.Name, name) {
			continue
		}
		settings := *j.Settings
		if !expand {
			settings.Tasks, settings.JobClusters = nil, nil
		}
		list = append(list, jobs.BaseJob{
			JobId:                   j.JobId,
			CreatedTime:             j.CreatedTime,
			CreatorUserName:         j.CreatorUserName,
			EffectiveBudgetPolicyId: j.EffectiveBudgetPolicyId,
			Settings:                &settings,
		})
	}
	s.mu.Unlock()

	token := q.Get("page_token")
	if token == "" && offset > 0 {
		token = pageToken(min(offset, len(list)))
	}
	p, ok := paginate(len(list), limit, token)
	if !ok {
		badPageToken(w)
		return
	}
	writeJSON(w, http.StatusOK, jobs.ListJobsResponse{
		Jobs: list[p.from:p.to], HasMore: p.next != "", NextPageToken: p.next, PrevPageToken: p.prev,
	})
}

// getJob answers GET /api/2.2/jobs/get?job_id=, with the real message for
// an unknown job (the SDK maps it to ErrResourceDoesNotExist).
func (s *Server) getJob(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query().Get("job_id")
	if v == "" {
		missingField(w, "job_id")
		return
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		invalid(w, "job_id %q is not a number", v)
		return
	}
	s.mu.Lock()
	i := slices.IndexFunc(s.ws.jobs, func(j *jobs.Job) bool { return j.JobId == id })
	var job jobs.Job
	if i >= 0 {
		job = *s.ws.jobs[i]
	}
	s.mu.Unlock()
	if i < 0 {
		invalid(w, "Job %d does not exist.", id)
		return
	}
	writeJSON(w, http.StatusOK, job)
}

// pipelineFilter matches the one filter form the emulator understands of
// the real service's: name LIKE 'pattern' (% and _ wildcards).
var pipelineFilter = regexp.MustCompile(`^(?i:name\s+like)\s+'((?:[^']|'')*)'$`)

// likeMatcher turns a SQL LIKE pattern into a case-insensitive regexp.
func likeMatcher(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?is)^")
	for _, r := range strings.ReplaceAll(pattern, "''", "'") {
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// listPipelines answers GET /api/2.0/pipelines: max_results (default 25,
// more than 100 is an error), page_token, filter (name LIKE '...') and
// order_by ("name asc|desc", "id asc|desc").
func (s *Server) listPipelines(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	size, ok := pageSize(w, q, "max_results", 25, 100)
	if !ok {
		return
	}
	var match *regexp.Regexp
	if f := strings.TrimSpace(q.Get("filter")); f != "" {
		m := pipelineFilter.FindStringSubmatch(f)
		if m == nil {
			invalid(w, "Unsupported filter %q: the emulator supports name LIKE '<pattern>'", f)
			return
		}
		match = likeMatcher(m[1])
	}

	s.mu.Lock()
	var list []pipelines.PipelineStateInfo
	for _, p := range s.ws.pipelines {
		if match != nil && !match.MatchString(p.Name) {
			continue
		}
		list = append(list, pipelines.PipelineStateInfo{
			PipelineId:      p.PipelineId,
			Name:            p.Name,
			State:           p.State,
			ClusterId:       p.ClusterId,
			CreatorUserName: p.CreatorUserName,
			RunAsUserName:   p.RunAsUserName,
			Health:          pipelines.PipelineStateInfoHealth(p.Health),
			LatestUpdates:   p.LatestUpdates,
		})
	}
	s.mu.Unlock()

	for _, order := range slices.Backward(q["order_by"]) {
		field, dir, _ := strings.Cut(strings.ToLower(strings.TrimSpace(order)), " ")
		key := func(p pipelines.PipelineStateInfo) string { return p.PipelineId }
		if field == "name" {
			key = func(p pipelines.PipelineStateInfo) string { return strings.ToLower(p.Name) }
		}
		slices.SortStableFunc(list, func(a, b pipelines.PipelineStateInfo) int {
			c := strings.Compare(key(a), key(b))
			if strings.TrimSpace(dir) == "desc" {
				c = -c
			}
			return c
		})
	}
	p, ok := paginate(len(list), size, q.Get("page_token"))
	if !ok {
		badPageToken(w)
		return
	}
	writeJSON(w, http.StatusOK, pipelines.ListPipelinesResponse{Statuses: list[p.from:p.to], NextPageToken: p.next})
}

// getPipeline answers GET /api/2.0/pipelines/{id}.
func (s *Server) getPipeline(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	i := slices.IndexFunc(s.ws.pipelines, func(p *pipelines.GetPipelineResponse) bool { return p.PipelineId == id })
	var p pipelines.GetPipelineResponse
	if i >= 0 {
		p = *s.ws.pipelines[i]
	}
	s.mu.Unlock()
	if i < 0 {
		writeError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "The specified pipeline %s was not found.", id)
		return
	}
	writeJSON(w, http.StatusOK, p)
}
