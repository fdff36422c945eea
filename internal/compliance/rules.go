package compliance

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/databricks/databricks-sdk-go/service/billing"
	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/jobs"
	"github.com/databricks/databricks-sdk-go/service/pipelines"
	"github.com/databricks/databricks-sdk-go/service/sql"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/setup"
)

// Tag keys the rules require besides budget.CategoryTagKey and
// budget.OwnerTagKey.
const (
	TeamTagKey        = "Team"
	CostCenterTagKey  = "CostCenter"
	EnvironmentTagKey = "Environment"
)

// RequiredTags are the fixed tag values every resource must carry.
type RequiredTags struct {
	Team         string
	CostCenter   string
	Environments []string // allowed Environment values
}

// DefaultRequiredTags are the division's (DESIGN.md section 6).
var DefaultRequiredTags = RequiredTags{Team: "SAD", CostCenter: "ND-Analytics", Environments: []string{"DEV", "PROD"}}

// Inventory is what a workspace holds that the rules judge, and the
// account's budget policies serverless work is judged by.
type Inventory struct {
	Clusters   []compute.ClusterDetails
	Jobs       []jobs.BaseJob // with their tasks and job clusters
	Warehouses []sql.EndpointInfo
	Pipelines  []pipelines.GetPipelineResponse // with their spec
	// ClusterPolicies give the tags a policy fixes on the compute of the
	// job and pipeline clusters that use it.
	ClusterPolicies []compute.Policy
	// BudgetPolicies are the account's: a category's is the one named as
	// setup names it (setup.BudgetPolicyName).
	BudgetPolicies []billing.BudgetPolicy
}

// Serverless reports whether the inventory holds serverless jobs or
// pipelines: work judged by its budget policy, which the account holds.
func (inv Inventory) Serverless() bool {
	for _, j := range inv.Jobs {
		if j.Settings != nil && serverlessJob(*j.Settings) {
			return true
		}
	}
	for _, p := range inv.Pipelines {
		if p.Spec != nil && p.Spec.Serverless {
			return true
		}
	}
	return false
}

// Options are what Evaluate judges against and how it links.
type Options struct {
	Division budget.Division
	// Host is the workspace URL the links point into; WorkspaceID, when
	// set and not part of the host name, is added as ?o=<id>, as the
	// Databricks UI needs on hosts that serve several workspaces.
	Host        string
	WorkspaceID string
	Tags        RequiredTags // zero: DefaultRequiredTags
	Now         time.Time    // when the check ran
	// MinCompliancePct is the share of compliant resources the check
	// must reach to pass, 0..100.
	MinCompliancePct float64
}

// Evaluate judges every resource of inv and returns the report, without
// the spend share or the audit result: callers add them from
// governance.TaggedSpendOf and VerifyAudit.
func Evaluate(inv Inventory, opts Options) *Report {
	if opts.Tags.Team == "" && opts.Tags.CostCenter == "" && len(opts.Tags.Environments) == 0 {
		opts.Tags = DefaultRequiredTags
	}
	j := judge{opts: opts, policyTags: map[string]map[string]string{}, budgetPolicies: map[string]billing.BudgetPolicy{}, categoryPolicy: map[string]string{}}
	for _, p := range inv.ClusterPolicies {
		j.policyTags[p.PolicyId] = fixedTags(cmp.Or(p.Definition, p.PolicyFamilyDefinitionOverrides))
	}
	byName := map[string]string{}
	for _, p := range inv.BudgetPolicies {
		j.budgetPolicies[p.PolicyId] = p
		byName[p.PolicyName] = p.PolicyId
	}
	for _, c := range opts.Division.Categories {
		if id, ok := byName[setup.BudgetPolicyName(opts.Tags.Team, c.Slug)]; ok {
			j.categoryPolicy[c.TagValue] = id
		}
	}
	for _, c := range inv.Clusters {
		j.cluster(c)
	}
	for _, job := range inv.Jobs {
		j.job(job)
	}
	for _, w := range inv.Warehouses {
		j.warehouse(w)
	}
	for _, p := range inv.Pipelines {
		j.pipeline(p)
	}
	return j.report()
}

// judge collects the resources and findings of one evaluation.
type judge struct {
	opts Options
	// policyTags are the tags each cluster policy fixes, by policy id.
	policyTags map[string]map[string]string
	// budgetPolicies are the account's by id; categoryPolicy the id of
	// each category's, by tag_value.
	budgetPolicies map[string]billing.BudgetPolicy
	categoryPolicy map[string]string

	checked   map[string][2]int // kind -> {total, compliant}
	findings  []Finding
	resources int
	compliant int
}

// record adds one judged resource and its findings.
func (j *judge) record(r Resource, vs []violation) {
	if j.checked == nil {
		j.checked = map[string][2]int{}
	}
	c := j.checked[r.Kind]
	c[0]++
	j.resources++
	if len(vs) == 0 {
		c[1]++
		j.compliant++
	}
	j.checked[r.Kind] = c
	for _, v := range vs {
		j.findings = append(j.findings, Finding{Resource: r, Rule: v.rule, Explanation: v.text})
	}
}

func (j *judge) report() *Report {
	slices.SortStableFunc(j.findings, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(slices.Index(Kinds, a.Kind), slices.Index(Kinds, b.Kind)),
			cmp.Compare(a.Name, b.Name),
			cmp.Compare(a.ID, b.ID),
			cmp.Compare(ruleOrder[a.Rule], ruleOrder[b.Rule]),
		)
	})
	r := &Report{
		Schema:           SchemaVersion,
		CheckedAt:        j.opts.Now.UTC(),
		Workspace:        j.opts.Host,
		MinCompliancePct: j.opts.MinCompliancePct,
		Passed:           meets(j.compliant, j.resources, j.opts.MinCompliancePct),
		Resources:        countsOf(j.resources, j.compliant),
		ByKind:           make([]KindCounts, 0, len(Kinds)),
		Findings:         j.findings,
	}
	if r.Findings == nil {
		r.Findings = []Finding{} // JSON: [] rather than null
	}
	for _, k := range Kinds {
		c := j.checked[k]
		r.ByKind = append(r.ByKind, KindCounts{Kind: k, Counts: countsOf(c[0], c[1])})
	}
	return r
}

// violation is a rule broken, with its explanation.
type violation struct {
	rule Rule
	text string
}

// link is the resource's page in the workspace UI: path under the host,
// with ?o=<workspace id> where the host does not name the workspace.
func (j *judge) link(path string) string {
	host := strings.TrimRight(j.opts.Host, "/")
	if host == "" {
		return ""
	}
	u, err := url.Parse(host + "/" + path)
	if err != nil {
		return host + "/" + path
	}
	if id := j.opts.WorkspaceID; id != "" && !strings.Contains(u.Hostname(), id) {
		u.RawQuery = url.Values{"o": {id}}.Encode()
	}
	return u.String()
}

// category is the configured category an OperationalCategory value
// normalises to.
func (j *judge) category(tags map[string]string) (budget.Category, bool) {
	v, ok := tags[budget.CategoryTagKey]
	if !ok {
		return budget.Category{}, false
	}
	return j.opts.Division.CategoryByTag(budget.NormalizeTag(v))
}

// resource fills the common fields of a checked resource.
func (j *judge) resource(kind, id, name string, tags map[string]string, creator string) Resource {
	r := Resource{Kind: kind, ID: id, Name: name, Category: unattributed, Owner: budget.UnknownOwner}
	if c, ok := j.category(tags); ok {
		r.Category, r.CategorySlug = c.TagValue, c.Slug
	}
	if o := strings.TrimSpace(tags[budget.OwnerTagKey]); o != "" {
		r.Owner = o
	} else if creator != "" {
		r.Owner = creator
	}
	return r
}

// tagRules judges the tags every billed resource must carry: one finding
// for the tags missing, one for the tags with a wrong value.
func (j *judge) tagRules(tags map[string]string) []violation {
	var missing, wrong []string
	want := j.opts.Tags
	// check judges one tag: missing says what to set, wrong what is off.
	check := func(key, missingText, wrongText string, ok func(string) bool) {
		switch v, set := tags[key]; {
		case !set || strings.TrimSpace(v) == "":
			missing = append(missing, fmt.Sprintf("%s (%s)", key, missingText))
		case !ok(v):
			wrong = append(wrong, fmt.Sprintf("tag %s is %q (%s)", key, v, wrongText))
		}
	}
	exactly := func(key, value string) {
		check(key, "want "+value, "want "+value, func(v string) bool { return v == value })
	}
	check(budget.CategoryTagKey, "its spend is unattributed", "no configured category: its spend is unattributed",
		func(string) bool { _, ok := j.category(tags); return ok })
	exactly(TeamTagKey, want.Team)
	exactly(CostCenterTagKey, want.CostCenter)
	envs := "want " + strings.Join(want.Environments, " or ")
	check(EnvironmentTagKey, envs, envs, func(v string) bool { return slices.Contains(want.Environments, v) })
	check(budget.OwnerTagKey, "want the e-mail of the person responsible", "", func(string) bool { return true })
	var vs []violation
	switch len(missing) {
	case 0:
	case 1:
		vs = append(vs, violation{RuleMissingTag, "missing tag " + missing[0]})
	default:
		vs = append(vs, violation{RuleMissingTag, "missing tags " + strings.Join(missing, ", ")})
	}
	if len(wrong) > 0 {
		vs = append(vs, violation{RuleWrongTag, strings.Join(wrong, "; ")})
	}
	return vs
}

// computeSpec is the part of a cluster's settings the compute rules read,
// whichever API it comes from.
type computeSpec struct {
	policyID        string
	numWorkers      int
	maxWorkers      int // autoscale.max_workers; 0 without autoscale
	nodeType        string
	driverNodeType  string
	autoterminate   int
	allPurpose      bool // an interactive cluster: autotermination and allow_all_purpose apply
	autoscaleConfig bool
}

// computeRules judges a cluster's settings against its category's policy.
// Without a category only the rules that need no limits are judged.
func computeRules(s computeSpec, cat budget.Category, attributed bool) []violation {
	var vs []violation
	if s.policyID == "" {
		vs = append(vs, violation{RuleNoPolicy, "no cluster policy: it is not bound by the category's tags and limits"})
	}
	if s.allPurpose {
		limit := cat.Policy.AutoterminationMinutes
		switch {
		case s.autoterminate == 0:
			vs = append(vs, violation{RuleAutoterminationOff, "autotermination is off: it runs, and costs, until someone stops it"})
		case attributed && limit > 0 && s.autoterminate > limit:
			vs = append(vs, violation{RuleAutoterminationOverLimit, fmt.Sprintf("autotermination after %d minutes idle (the category allows at most %d)", s.autoterminate, limit)})
		}
	}
	if !attributed {
		return vs
	}
	workers, what := s.numWorkers, "workers"
	if s.autoscaleConfig {
		workers, what = s.maxWorkers, "workers at most (autoscale)"
	}
	if limit := cat.Policy.MaxWorkers; limit > 0 && workers > limit {
		vs = append(vs, violation{RuleTooManyWorkers, fmt.Sprintf("%d %s (the category allows at most %d)", workers, what, limit)})
	}
	if allowed := cat.Policy.NodeTypes; len(allowed) > 0 {
		notAllowed := func(role, node string) {
			vs = append(vs, violation{RuleNodeTypeNotAllowed, fmt.Sprintf("%s %s is not allowed (the category allows %s)", role, node, strings.Join(allowed, ", "))})
		}
		// A node type set by an instance pool is not in the settings: the
		// pool's own policy governs it.
		if s.nodeType != "" && !slices.Contains(allowed, s.nodeType) {
			notAllowed("node type", s.nodeType)
		}
		if d := s.driverNodeType; d != "" && d != s.nodeType && !slices.Contains(allowed, d) {
			notAllowed("driver node type", d)
		}
	}
	if s.allPurpose && !cat.Policy.AllowAllPurpose {
		vs = append(vs, violation{RuleAllPurposeNotAllowed, fmt.Sprintf("all-purpose compute in %s, which is allowed jobs compute only", cat.Title)})
	}
	return vs
}

// ephemeralSources are the cluster sources judged through their owner.
var ephemeralSources = []compute.ClusterSource{compute.ClusterSourceJob, compute.ClusterSourcePipeline, compute.ClusterSourcePipelineMaintenance}

// cluster judges an all-purpose cluster.
func (j *judge) cluster(c compute.ClusterDetails) {
	if slices.Contains(ephemeralSources, c.ClusterSource) {
		return
	}
	r := j.resource(KindCluster, c.ClusterId, c.ClusterName, c.CustomTags, c.CreatorUserName)
	r.Link = j.link("compute/clusters/" + c.ClusterId)
	cat, attributed := j.category(c.CustomTags)
	vs := j.tagRules(c.CustomTags)
	vs = append(vs, computeRules(clusterSpec(c), cat, attributed)...)
	j.record(r, vs)
}

func clusterSpec(c compute.ClusterDetails) computeSpec {
	s := computeSpec{
		policyID: c.PolicyId, numWorkers: c.NumWorkers, nodeType: c.NodeTypeId, driverNodeType: c.DriverNodeTypeId, autoterminate: c.AutoterminationMinutes, allPurpose: true,
	}
	if c.Autoscale != nil {
		s.autoscaleConfig, s.maxWorkers = true, c.Autoscale.MaxWorkers
	}
	return s
}

func specOf(c compute.ClusterSpec) computeSpec {
	s := computeSpec{
		policyID: c.PolicyId, numWorkers: c.NumWorkers, nodeType: c.NodeTypeId, driverNodeType: c.DriverNodeTypeId, autoterminate: c.AutoterminationMinutes,
	}
	if c.Autoscale != nil {
		s.autoscaleConfig, s.maxWorkers = true, c.Autoscale.MaxWorkers
	}
	return s
}

// unit is one cluster a job or a pipeline runs on, with its effective tags.
type unit struct {
	what string // "job cluster etl", "task ingest", "cluster default"
	spec computeSpec
	tags map[string]string
}

// overlay is base's tags with over's on top: what the billed compute carries.
func overlay(base, over map[string]string) map[string]string {
	out := make(map[string]string, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

// units judges the clusters of a job or pipeline: each against its own
// effective tags and category, the same finding on several clusters said
// once with the clusters it concerns. Without clusters (serverless) only
// the resource's own tags are judged.
func (j *judge) units(own map[string]string, us []unit) []violation {
	if len(us) == 0 {
		return j.tagRules(own)
	}
	var order []violation
	where := map[violation][]string{}
	for _, u := range us {
		cat, attributed := j.category(u.tags)
		vs := j.tagRules(u.tags)
		vs = append(vs, computeRules(u.spec, cat, attributed)...)
		for _, v := range vs {
			if _, seen := where[v]; !seen {
				order = append(order, v)
			}
			where[v] = append(where[v], u.what)
		}
	}
	out := make([]violation, 0, len(order))
	for _, v := range order {
		if len(us) > 1 {
			v.text = fmt.Sprintf("%s (%s)", v.text, strings.Join(where[v], ", "))
		}
		out = append(out, v)
	}
	return out
}

// resourceTags are the tags that name a job's or pipeline's category and
// owner: its own, else those of its first cluster that has a category.
func (j *judge) resourceTags(own map[string]string, us []unit) map[string]string {
	if _, ok := j.category(own); ok {
		return own
	}
	for _, u := range us {
		if _, ok := j.category(u.tags); ok {
			return u.tags
		}
	}
	if len(us) > 0 {
		return us[0].tags
	}
	return own
}

// job judges a job through the clusters its tasks run on.
func (j *judge) job(job jobs.BaseJob) {
	var settings jobs.JobSettings
	if job.Settings != nil {
		settings = *job.Settings
	}
	id := strconv.FormatInt(job.JobId, 10)
	var us []unit
	for _, c := range settings.JobClusters {
		us = append(us, unit{what: "job cluster " + c.JobClusterKey, spec: specOf(c.NewCluster), tags: j.withPolicy(c.NewCluster.PolicyId, overlay(settings.Tags, c.NewCluster.CustomTags))})
	}
	var existing []string              // all-purpose clusters tasks run on, in order
	onCluster := map[string][]string{} // cluster id -> its tasks
	var visit func(t jobs.Task)
	visit = func(t jobs.Task) {
		if t.NewCluster != nil {
			us = append(us, unit{what: "task " + t.TaskKey, spec: specOf(*t.NewCluster), tags: j.withPolicy(t.NewCluster.PolicyId, overlay(settings.Tags, t.NewCluster.CustomTags))})
		}
		if id := t.ExistingClusterId; id != "" {
			if _, seen := onCluster[id]; !seen {
				existing = append(existing, id)
			}
			onCluster[id] = append(onCluster[id], t.TaskKey)
		}
		if t.ForEachTask != nil {
			visit(t.ForEachTask.Task)
		}
	}
	for _, t := range settings.Tasks {
		visit(t)
	}
	tags := j.resourceTags(settings.Tags, us)
	r := j.resource(KindJob, id, settings.Name, tags, job.CreatorUserName)
	r.Link = j.link("jobs/" + id)
	vs := j.units(settings.Tags, us)
	if cat, ok := j.category(tags); ok && !cat.Policy.AllowAllPurpose {
		for _, id := range existing {
			tasks := onCluster[id]
			runs := fmt.Sprintf("task %s runs", tasks[0])
			if len(tasks) > 1 {
				runs = fmt.Sprintf("tasks %s run", strings.Join(tasks, ", "))
			}
			vs = append(vs, violation{RuleAllPurposeNotAllowed, fmt.Sprintf("%s on all-purpose cluster %s; %s is allowed jobs compute only", runs, id, cat.Title)})
		}
	}
	if serverlessJob(settings) {
		vs = append(vs, j.budgetPolicy(tags, job.EffectiveBudgetPolicyId)...)
	}
	j.record(r, vs)
}

// warehouse judges a SQL warehouse: its tags, and that it stops when idle.
func (j *judge) warehouse(w sql.EndpointInfo) {
	tags := map[string]string{}
	if w.Tags != nil {
		for _, t := range w.Tags.CustomTags {
			tags[t.Key] = t.Value
		}
	}
	r := j.resource(KindWarehouse, w.Id, w.Name, tags, w.CreatorName)
	r.Link = j.link("sql/warehouses/" + w.Id)
	vs := j.tagRules(tags)
	if w.AutoStopMins == 0 {
		vs = append(vs, violation{RuleAutoterminationOff, "auto stop is off: it runs, and costs, until someone stops it"})
	}
	j.record(r, vs)
}

// pipeline judges a pipeline through its clusters; a classic pipeline
// without cluster settings runs on a default cluster with no policy.
func (j *judge) pipeline(p pipelines.GetPipelineResponse) {
	var spec pipelines.PipelineSpec
	if p.Spec != nil {
		spec = *p.Spec
	}
	name := cmp.Or(p.Name, spec.Name)
	var us []unit
	for _, c := range spec.Clusters {
		s := computeSpec{policyID: c.PolicyId, numWorkers: c.NumWorkers, nodeType: c.NodeTypeId, driverNodeType: c.DriverNodeTypeId}
		if c.Autoscale != nil {
			s.autoscaleConfig, s.maxWorkers = true, c.Autoscale.MaxWorkers
		}
		us = append(us, unit{what: "cluster " + cmp.Or(c.Label, "default"), spec: s, tags: j.withPolicy(c.PolicyId, overlay(spec.Tags, c.CustomTags))})
	}
	if len(us) == 0 && !spec.Serverless {
		us = append(us, unit{what: "cluster default", tags: overlay(spec.Tags, nil)})
	}
	tags := j.resourceTags(spec.Tags, us)
	r := j.resource(KindPipeline, p.PipelineId, name, tags, p.CreatorUserName)
	r.Link = j.link("pipelines/" + p.PipelineId)
	vs := j.units(spec.Tags, us)
	if spec.Serverless {
		vs = append(vs, j.budgetPolicy(tags, p.EffectiveBudgetPolicyId)...)
	}
	j.record(r, vs)
}

// withPolicy is tags with those the cluster policy fixes on top: the
// policy sets them on the compute whatever the spec says (it refuses a
// spec that contradicts them, and fills them in with
// apply_policy_default_values).
func (j *judge) withPolicy(policyID string, tags map[string]string) map[string]string {
	fixed := j.policyTags[policyID]
	if len(fixed) == 0 {
		return tags
	}
	return overlay(tags, fixed)
}

// fixedTags are the custom tags a policy definition fixes. A definition
// that does not parse fixes none.
func fixedTags(definition string) map[string]string {
	var rules map[string]struct {
		Type  string `json:"type"`
		Value any    `json:"value"`
	}
	if json.Unmarshal([]byte(definition), &rules) != nil {
		return nil
	}
	out := map[string]string{}
	for attr, r := range rules {
		if k, ok := strings.CutPrefix(attr, "custom_tags."); ok && r.Type == "fixed" && r.Value != nil {
			out[k] = fmt.Sprint(r.Value)
		}
	}
	return out
}

// serverlessJob reports whether some task of the job runs on serverless
// compute: a notebook, Python script or wheel task, or one with a
// serverless environment, that names no cluster (a notebook task on a SQL
// warehouse is billed as the warehouse).
func serverlessJob(s jobs.JobSettings) bool {
	var serverless func(t jobs.Task) bool
	serverless = func(t jobs.Task) bool {
		if t.ForEachTask != nil {
			return serverless(t.ForEachTask.Task)
		}
		if t.NewCluster != nil || t.JobClusterKey != "" || t.ExistingClusterId != "" {
			return false
		}
		return t.NotebookTask != nil && t.NotebookTask.WarehouseId == "" || t.SparkPythonTask != nil || t.PythonWheelTask != nil || t.EnvironmentKey != ""
	}
	return slices.ContainsFunc(s.Tasks, serverless)
}

// budgetPolicy judges serverless work by its effective budget policy,
// whose tags its usage carries: it must be its category's (the one setup
// creates). Work without a category is left to the tag rules.
func (j *judge) budgetPolicy(tags map[string]string, effective string) []violation {
	cat, ok := j.category(tags)
	if !ok {
		return nil
	}
	name := setup.BudgetPolicyName(j.opts.Tags.Team, cat.Slug)
	want, exists := j.categoryPolicy[cat.TagValue]
	var text string
	switch {
	case exists && effective == want:
		return nil
	case !exists:
		text = fmt.Sprintf("serverless, and %s has no budget policy to tag its spend (setup creates %s)", cat.Title, name)
	case effective == "":
		text = fmt.Sprintf("serverless without a budget policy: its spend carries no OperationalCategory (want %s)", name)
	default:
		text = j.otherPolicy(effective, name)
	}
	return []violation{{RuleWrongBudgetPolicy, text}}
}

// otherPolicy explains serverless work on a budget policy that is not
// its category's, want.
func (j *judge) otherPolicy(id, want string) string {
	p, ok := j.budgetPolicies[id]
	if !ok {
		return fmt.Sprintf("serverless on budget policy %s, which the account does not have (want %s)", id, want)
	}
	for _, c := range j.opts.Division.Categories {
		if j.categoryPolicy[c.TagValue] == id {
			return fmt.Sprintf("serverless on the budget policy of %s (%s): its spend is attributed to %s (want %s)", c.Title, p.PolicyName, c.TagValue, want)
		}
	}
	for _, t := range p.CustomTags {
		if t.Key == budget.CategoryTagKey {
			return fmt.Sprintf("serverless on budget policy %s: its spend is tagged %s %q (want %s)", p.PolicyName, t.Key, t.Value, want)
		}
	}
	return fmt.Sprintf("serverless on budget policy %s: its spend carries no OperationalCategory (want %s)", p.PolicyName, want)
}
