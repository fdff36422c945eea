package emulator

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/iam"
	"github.com/databricks/databricks-sdk-go/service/jobs"
	"github.com/databricks/databricks-sdk-go/service/pipelines"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/demo"
)

// The seeded workspace (seedWorkspace) is the division's, built from
// Options.Division so that it matches content/:
//
//   - three cluster policies a workspace already has before setup runs:
//     Personal Compute and Job Compute (policy families) and SAD Legacy
//     All-Purpose (the platform team's old policy, which fixes Team only);
//   - for every category: a nightly ETL job on a job cluster and a weekly
//     reprocess job on a task cluster (jobs policy, tags complete), the
//     clusters their runs left (cluster_source JOB, TERMINATED; RUNNING
//     for every third category), a Delta Live Tables pipeline (RUNNING for
//     every third category from the second, with its PIPELINE cluster),
//     and, where the category may have all-purpose compute, an interactive
//     cluster;
//   - rule-breakers, each breaking one rule where it can: all-purpose
//     clusters with tags missing (scratch-<owner>), a misspelt category
//     value (-analysis), the category in a spelling only normalisation
//     matches (-notebooks), no policy (-api-sandbox), autotermination off
//     (-always-on) or over the category's limit (-long-idle), too many
//     workers (-bigdata), a node type outside the category's list
//     (-gpu-trial), Environment STAGING and no Owner (-staging), spread
//     over the categories allowed all-purpose compute; interactive
//     clusters (-adhoc, RUNNING) in the first two categories that are not; jobs
//     without tags or policy, with too many workers, with a disallowed
//     node type, and one running on an all-purpose cluster; pipelines
//     with an untagged cluster without policy and with too many workers;
//   - serverless jobs and pipelines, and a classic pipeline on a
//     category's pipelines policy (seed_serverless.go);
//   - one cluster no budget action may touch: a compliant, RUNNING,
//     autoscaling all-purpose cluster tagged StellarBudget=exempt
//     (-mission-critical) in the first category allowed all-purpose
//     compute.
//
// So a breach action finds, in most categories, clusters of each kind to
// act on or to leave: RUNNING and TERMINATED, fixed-size and autoscaling,
// all-purpose, job and pipeline clusters, and the exempt one.
//
// A category may have all-purpose compute when its policy allows it; when
// no category of the division says so (content without
// allow_all_purpose), the PRD's two, exploratory-missions and
// exoplanet-research, may. Ids derive from category slugs and roles, so
// they are the same on every start; times count back from Options.AsOf.

// Tag keys and fixed values the division's resources carry.
const (
	teamTagKey        = "Team"
	costCenterTagKey  = "CostCenter"
	environmentTagKey = "Environment"
	teamValue         = "SAD"
	costCenterValue   = "ND-Analytics"
	seedSparkVersion  = "15.4.x-scala2.12"
)

// Names of the cluster policies the workspace has before setup.
const (
	personalComputePolicy = "Personal Compute"
	jobComputePolicy      = "Job Compute"
	legacyPolicy          = "SAD Legacy All-Purpose"
)

// allPurposeSlugs are the categories the PRD allows interactive compute
// when the division's content does not say.
var allPurposeSlugs = []string{"exploratory-missions", "exoplanet-research"}

// seedUser is the current user (SCIM Me): the platform admin who runs
// setup.
func seedUser() iam.User {
	const id, name = "7301845529164920", "stellar.admin@novadynamics.test"
	group := func(name, id string) iam.ComplexValue {
		return iam.ComplexValue{Display: name, Value: id, Ref: "Groups/" + id, Type: "direct"}
	}
	return iam.User{
		Id:          id,
		UserName:    name,
		DisplayName: "Stellar Admin",
		Active:      true,
		Name:        &iam.Name{GivenName: "Stellar", FamilyName: "Admin"},
		Emails:      []iam.ComplexValue{{Value: name, Type: "work", Primary: true}},
		Groups:      []iam.ComplexValue{group("admins", "310564820174953"), group("sad-platform", "602381947716205"), group("users", "118240569310874")},
		Entitlements: []iam.ComplexValue{
			{Value: "workspace-access"}, {Value: "databricks-sql-access"}, {Value: "allow-cluster-create"},
		},
		Schemas: []iam.UserSchema{iam.UserSchemaUrnIetfParamsScimSchemasCore20User, iam.UserSchemaUrnIetfParamsScimSchemasExtensionWorkspace20User},
	}
}

// seeder builds the seeded workspace.
type seeder struct {
	ws   *workspaceState
	day  time.Time // the emulated today, midnight UTC
	cats []budget.Category
	// allowed lists the indexes of categories that may have all-purpose
	// compute.
	allowed []int
	ids     map[string]bool // ids handed out, to catch a collision
	err     error
	// ids of the policies the seeded resources use
	jobPolicy, pipelinePolicy, allPurposePolicy string
	// reservedBudgetPolicies is Server.reservedBudgetPolicies, filled here.
	reservedBudgetPolicies map[string]string
	// serverlessJobs are the demo account's serverless job ids by
	// category tag_value (demo.ServerlessJobs).
	serverlessJobs map[string]string
}

// seedWorkspace fills the workspace from the division.
func (s *Server) seedWorkspace() error {
	day := s.opts.AsOf
	if day.IsZero() {
		day = s.now()
	}
	y, m, d := day.UTC().Date()
	sd := &seeder{
		ws:   &s.ws,
		day:  time.Date(y, m, d, 0, 0, 0, 0, time.UTC),
		cats: s.opts.Division.Categories,
		ids:  map[string]bool{},
		// The seeded serverless jobs are the demo account's, so their
		// spend is in the usage the statements read.
		serverlessJobs: demo.ServerlessJobs(s.opts.Division),
	}
	configured := slices.ContainsFunc(sd.cats, func(c budget.Category) bool { return c.Policy.AllowAllPurpose })
	for i, c := range sd.cats {
		if c.Policy.AllowAllPurpose || !configured && slices.Contains(allPurposeSlugs, slugOf(c)) {
			sd.allowed = append(sd.allowed, i)
		}
	}
	s.ws = workspaceState{me: seedUser(), reservedPolicies: map[string]string{}}
	s.reservedBudgetPolicies = map[string]string{}
	sd.reservedBudgetPolicies = s.reservedBudgetPolicies
	sd.policies()
	for i := range sd.cats {
		sd.category(i)
	}
	sd.breakers()
	sd.exempt()
	sd.serverless()
	sd.classicPipeline()
	if sd.err != nil {
		return fmt.Errorf("seed workspace: %w", sd.err)
	}
	return nil
}

func slugOf(c budget.Category) string {
	return cmp.Or(c.Slug, strings.ReplaceAll(strings.ToLower(c.TagValue), "_", "-"))
}

// claim records an id, failing the seed on a collision.
func (sd *seeder) claim(id string) {
	if sd.ids[id] && sd.err == nil {
		sd.err = fmt.Errorf("id %s derived twice", id)
	}
	sd.ids[id] = true
}

// ms is the seeded day plus d, in epoch milliseconds.
func (sd *seeder) ms(d time.Duration) int64 { return sd.day.Add(d).UnixMilli() }

// policies adds the policies a workspace has before setup.
func (sd *seeder) policies() {
	add := func(name, family, definition, group string, age time.Duration) string {
		id := stableHexID("seed-policy", name)
		sd.claim(id)
		rules, err := parseDefinition(definition)
		if err != nil && sd.err == nil {
			sd.err = fmt.Errorf("policy %s: %w", name, err)
		}
		sd.ws.policies = append(sd.ws.policies, &policyRecord{
			policy: compute.Policy{
				PolicyId: id, Name: name, Definition: definition, PolicyFamilyId: family,
				CreatedAtTimestamp: sd.ms(-age), CreatorUserName: sd.ws.me.UserName,
			},
			rules: rules,
			acl:   []compute.ClusterPolicyAccessControlRequest{{GroupName: group, PermissionLevel: compute.ClusterPolicyPermissionLevelCanUse}},
		})
		return id
	}
	day := 24 * time.Hour
	add(personalComputePolicy, "personal-vm",
		`{"num_workers":{"type":"fixed","value":0,"hidden":true},"cluster_type":{"type":"fixed","value":"all-purpose"},"autotermination_minutes":{"type":"fixed","value":4320,"hidden":true}}`,
		"users", 700*day)
	sd.jobPolicy = add(jobComputePolicy, "job-cluster",
		`{"cluster_type":{"type":"fixed","value":"job"},"spark_version":{"type":"unlimited","defaultValue":"auto:latest-lts"}}`,
		"users", 700*day)
	sd.allPurposePolicy = add(legacyPolicy, "",
		`{"cluster_type":{"type":"allowlist","values":["all-purpose","dlt"]},"custom_tags.Team":{"type":"fixed","value":"SAD"},"autotermination_minutes":{"type":"range","maxValue":600,"defaultValue":120}}`,
		"sad-platform", 400*day)
	sd.pipelinePolicy = sd.allPurposePolicy
}

// owner is a category's k-th owner, cycling; the admin when it has none.
func (sd *seeder) owner(c budget.Category, k int) string {
	if len(c.Owners) == 0 {
		return sd.ws.me.UserName
	}
	return c.Owners[k%len(c.Owners)]
}

// tags are the tags a compliant resource of the category carries.
func tags(c budget.Category, env, owner string) map[string]string {
	return map[string]string{
		budget.CategoryTagKey: c.TagValue,
		teamTagKey:            teamValue,
		costCenterTagKey:      costCenterValue,
		environmentTagKey:     env,
		budget.OwnerTagKey:    owner,
	}
}

// with is tags with key set to value, or removed when value is "".
func with(t map[string]string, key, value string) map[string]string {
	out := maps.Clone(t)
	if value == "" {
		delete(out, key)
	} else {
		out[key] = value
	}
	return out
}

// limits are a category's policy limits, with defaults where its content
// sets none.
func limits(c budget.Category) (node string, maxWorkers, autotermination int) {
	node = "i3.xlarge"
	if len(c.Policy.NodeTypes) > 0 {
		node = c.Policy.NodeTypes[0]
	}
	return node, cmp.Or(c.Policy.MaxWorkers, 8), cmp.Or(c.Policy.AutoterminationMinutes, 60)
}

// clusterSeed is what varies between seeded clusters.
type clusterSeed struct {
	key       string // stable key the id derives from
	name      string
	source    compute.ClusterSource
	state     compute.State
	owner     string
	tags      map[string]string
	policyID  string
	nodeType  string
	workers   int
	autoscale *compute.AutoScale
	autoterm  int
	job       *jobs.Job // JOB clusters: the job whose run it served
}

// cluster adds a cluster and returns its id.
func (sd *seeder) cluster(cs clusterSeed) string {
	id := stableClusterID(cs.key)
	sd.claim(id)
	n := time.Duration(len(sd.ws.clusters))
	d := compute.ClusterDetails{
		ClusterId:              id,
		ClusterName:            cs.name,
		ClusterSource:          cs.source,
		State:                  cs.state,
		CreatorUserName:        cs.owner,
		SparkVersion:           seedSparkVersion,
		NodeTypeId:             cs.nodeType,
		DriverNodeTypeId:       cs.nodeType,
		NumWorkers:             cs.workers,
		Autoscale:              cs.autoscale,
		AutoterminationMinutes: cs.autoterm,
		CustomTags:             cs.tags,
		PolicyId:               cs.policyID,
		DataSecurityMode:       compute.DataSecurityModeSingleUser,
		SingleUserName:         cs.owner,
		DefaultTags:            map[string]string{"Vendor": "Databricks", "Creator": cs.owner, "ClusterName": cs.name, "ClusterId": id},
	}
	if cs.job != nil {
		run := stableJobID(cs.key + "/run")
		d.ClusterName = fmt.Sprintf("job-%d-run-%d", cs.job.JobId, run)
		d.DefaultTags["ClusterName"] = d.ClusterName
		d.DefaultTags["JobId"] = strconv.FormatInt(cs.job.JobId, 10)
		d.DefaultTags["RunName"] = cs.job.Settings.Name
	}
	if cs.state == compute.StateRunning {
		d.StartTime = sd.ms(-3*time.Hour - n*7*time.Minute)
		d.LastRestartedTime = d.StartTime
	} else {
		d.StartTime = sd.ms(-36*time.Hour - n*41*time.Minute)
		d.TerminatedTime = d.StartTime + (2*time.Hour + n*13*time.Minute).Milliseconds()
		d.TerminationReason = &compute.TerminationReason{
			Code: compute.TerminationReasonCodeInactivity, Type: compute.TerminationReasonTypeSuccess,
			Parameters: map[string]string{"inactivity_duration_min": strconv.Itoa(cmp.Or(cs.autoterm, 120))},
		}
		d.StateMessage = fmt.Sprintf("Inactive cluster terminated (inactive for %d minutes).", cmp.Or(cs.autoterm, 120))
		if cs.source == compute.ClusterSourceJob {
			d.TerminationReason = &compute.TerminationReason{Code: compute.TerminationReasonCodeJobFinished, Type: compute.TerminationReasonTypeSuccess}
			d.StateMessage = "Job finished"
		}
	}
	sd.ws.clusters = append(sd.ws.clusters, &clusterRecord{details: d})
	return id
}

// jobCluster is a job's cluster settings.
func jobCluster(node string, workers int, autoscale *compute.AutoScale, t map[string]string, policyID string) compute.ClusterSpec {
	var force []string // job clusters have no autotermination to send
	if autoscale == nil {
		force = []string{"NumWorkers"}
	}
	return compute.ClusterSpec{
		SparkVersion:     seedSparkVersion,
		NodeTypeId:       node,
		NumWorkers:       workers,
		Autoscale:        autoscale,
		CustomTags:       t,
		PolicyId:         policyID,
		DataSecurityMode: compute.DataSecurityModeSingleUser,
		ForceSendFields:  force,
	}
}

// job adds a job that runs its tasks on one job cluster, or on each
// task's own cluster when main is nil, or on an existing cluster, or
// (none of them) on serverless compute.
func (sd *seeder) job(key, name, owner string, jobTags map[string]string, main *compute.ClusterSpec, taskCluster *compute.ClusterSpec, existingCluster string) *jobs.Job {
	return sd.jobWithID(stableJobID(key), key, name, owner, jobTags, main, taskCluster, existingCluster)
}

// jobWithID is job with a given job id.
func (sd *seeder) jobWithID(id int64, key, name, owner string, jobTags map[string]string, main *compute.ClusterSpec, taskCluster *compute.ClusterSpec, existingCluster string) *jobs.Job {
	sd.claim(strconv.FormatInt(id, 10))
	path := "/Repos/sad/" + key
	settings := jobs.JobSettings{
		Name:               name,
		Tags:               jobTags,
		Format:             jobs.FormatMultiTask,
		MaxConcurrentRuns:  1,
		TimeoutSeconds:     4 * 3600,
		EmailNotifications: &jobs.JobEmailNotifications{OnFailure: []string{owner}},
		RunAs:              &jobs.JobRunAs{UserName: owner},
		Schedule: &jobs.CronSchedule{
			QuartzCronExpression: fmt.Sprintf("0 %d 2 * * ?", len(sd.ws.jobs)%60),
			TimezoneId:           "UTC",
			PauseStatus:          jobs.PauseStatusUnpaused,
		},
	}
	task := func(k string, deps ...string) jobs.Task {
		t := jobs.Task{TaskKey: k, NotebookTask: &jobs.NotebookTask{NotebookPath: path + "/" + k, Source: jobs.SourceWorkspace}}
		for _, d := range deps {
			t.DependsOn = append(t.DependsOn, jobs.TaskDependency{TaskKey: d})
		}
		switch {
		case main != nil:
			t.JobClusterKey = "main"
		case taskCluster != nil:
			c := *taskCluster
			t.NewCluster = &c
		default:
			t.ExistingClusterId = existingCluster
		}
		return t
	}
	settings.Tasks = []jobs.Task{task("ingest"), task("publish", "ingest")}
	if main != nil {
		settings.JobClusters = []jobs.JobCluster{{JobClusterKey: "main", NewCluster: *main}}
	}
	j := &jobs.Job{
		JobId:           id,
		CreatedTime:     sd.ms(-time.Duration(90-len(sd.ws.jobs)) * 24 * time.Hour),
		CreatorUserName: owner,
		RunAsUserName:   owner,
		Settings:        &settings,
	}
	sd.ws.jobs = append(sd.ws.jobs, j)
	return j
}

// pipeline adds a Delta Live Tables pipeline with one cluster; a running
// one also gets its PIPELINE cluster in the cluster list.
func (sd *seeder) pipeline(key, name, owner string, c budget.Category, cluster pipelines.PipelineCluster, running bool) *pipelines.GetPipelineResponse {
	id := stableUUID("pipeline", key)
	sd.claim(id)
	state, update := pipelines.PipelineStateIdle, pipelines.UpdateStateInfoStateCompleted
	updated := sd.day.Add(-20 * time.Hour)
	p := &pipelines.GetPipelineResponse{
		PipelineId:      id,
		Name:            name,
		CreatorUserName: owner,
		RunAsUserName:   owner,
		Health:          pipelines.GetPipelineResponseHealthHealthy,
		LastModified:    sd.ms(-30 * 24 * time.Hour),
		Spec: &pipelines.PipelineSpec{
			Id:        id,
			Name:      name,
			Catalog:   "sad",
			Schema:    strings.ReplaceAll(slugOf(c), "-", "_"),
			Channel:   "CURRENT",
			Edition:   "ADVANCED",
			Photon:    true,
			Clusters:  []pipelines.PipelineCluster{cluster},
			Tags:      pipelineTags(cluster.CustomTags),
			Libraries: []pipelines.PipelineLibrary{{Notebook: &pipelines.NotebookLibrary{Path: "/Repos/sad/" + key + "/pipeline"}}},
		},
	}
	if running {
		state, update = pipelines.PipelineStateRunning, pipelines.UpdateStateInfoStateRunning
		updated = sd.day.Add(-2 * time.Hour)
		var autoscale *compute.AutoScale
		if a := cluster.Autoscale; a != nil {
			autoscale = &compute.AutoScale{MinWorkers: a.MinWorkers, MaxWorkers: a.MaxWorkers}
		}
		p.ClusterId = sd.cluster(clusterSeed{
			key: key + "/execution", name: "dlt-execution-" + id, source: compute.ClusterSourcePipeline,
			state: compute.StateRunning, owner: owner, tags: cluster.CustomTags, policyID: cluster.PolicyId,
			nodeType: cluster.NodeTypeId, workers: cluster.NumWorkers, autoscale: autoscale,
		})
	}
	p.State = state
	p.LatestUpdates = []pipelines.UpdateStateInfo{{UpdateId: stableUUID("pipeline-update", key), State: update, CreationTime: updated.Format(time.RFC3339)}}
	sd.ws.pipelines = append(sd.ws.pipelines, p)
	return p
}

// pipelineTags are the pipeline-level tags of a pipeline whose cluster
// carries t: the category and the fixed tags (the pipeline forwards them
// to its clusters), none when the cluster has none.
func pipelineTags(t map[string]string) map[string]string {
	out := map[string]string{}
	for _, k := range []string{budget.CategoryTagKey, teamTagKey, costCenterTagKey} {
		if v, ok := t[k]; ok {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// pipelineCluster is a pipeline's default cluster.
func pipelineCluster(node string, maxWorkers int, t map[string]string, policyID string) pipelines.PipelineCluster {
	return pipelines.PipelineCluster{
		Label:      "default",
		NodeTypeId: node,
		Autoscale:  &pipelines.PipelineClusterAutoscale{MinWorkers: 1, MaxWorkers: maxWorkers, Mode: pipelines.PipelineClusterAutoscaleModeEnhanced},
		CustomTags: t,
		PolicyId:   policyID,
	}
}

// category adds category i's compliant resources.
func (sd *seeder) category(i int) {
	c := sd.cats[i]
	slug := slugOf(c)
	node, maxWorkers, autoterm := limits(c)
	first, second := sd.owner(c, 0), sd.owner(c, 1)
	prod := tags(c, "PROD", first)

	etlCluster := jobCluster(node, min(2, maxWorkers), nil, prod, sd.jobPolicy)
	etl := sd.job(slug+"/etl", c.Title+" nightly ETL", first, prod, &etlCluster, nil, "")
	sd.cluster(clusterSeed{key: slug + "/etl/run", source: compute.ClusterSourceJob, state: compute.StateTerminated,
		owner: first, tags: prod, policyID: sd.jobPolicy, nodeType: node, workers: etlCluster.NumWorkers, job: etl})

	reprocessTags := tags(c, "PROD", second)
	scale := &compute.AutoScale{MinWorkers: 1, MaxWorkers: maxWorkers}
	taskCluster := jobCluster(node, 0, scale, reprocessTags, sd.jobPolicy)
	reprocess := sd.job(slug+"/reprocess", c.Title+" weekly reprocess", second, reprocessTags, nil, &taskCluster, "")
	if i%3 == 0 {
		sd.cluster(clusterSeed{key: slug + "/reprocess/run", source: compute.ClusterSourceJob, state: compute.StateRunning,
			owner: second, tags: reprocessTags, policyID: sd.jobPolicy, nodeType: node, autoscale: scale, job: reprocess})
	}

	if k := slices.Index(sd.allowed, i); k >= 0 {
		state := compute.StateRunning
		if k%2 == 1 {
			state = compute.StateTerminated
		}
		sd.cluster(clusterSeed{key: slug + "/interactive", name: slug + "-interactive", source: compute.ClusterSourceUi,
			state: state, owner: second, tags: tags(c, "DEV", second), policyID: sd.allPurposePolicy, nodeType: node,
			autoscale: &compute.AutoScale{MinWorkers: 1, MaxWorkers: min(4, maxWorkers)}, autoterm: autoterm})
	}

	sd.pipeline(slug+"/dlt", c.Title+" curated tables", first, c,
		pipelineCluster(node, min(4, maxWorkers), prod, sd.pipelinePolicy), i%3 == 1)
}

// misspell swaps two neighbouring letters of the value's last word, a
// typo normalisation does not undo.
func misspell(tag string) string {
	start := strings.LastIndex(tag, "_") + 1
	b := []byte(tag)
	for p := start + 1; p+1 < len(b); p++ {
		if b[p] != b[p+1] {
			b[p], b[p+1] = b[p+1], b[p]
			return string(b)
		}
	}
	return tag + "S"
}

// spellingVariant writes the value as people type it: lower case, spaces.
func spellingVariant(tag string) string {
	return strings.ToLower(strings.ReplaceAll(tag, "_", " "))
}

// outsideNodeType is a node type the category does not allow.
func outsideNodeType(c budget.Category) string {
	for _, n := range []string{"p3.8xlarge", "x1e.32xlarge", "g5.12xlarge"} {
		if !slices.Contains(c.Policy.NodeTypes, n) {
			return n
		}
	}
	return "z1d.12xlarge"
}

// breakers adds the rule-breakers.
func (sd *seeder) breakers() {
	n := len(sd.cats)
	if n == 0 {
		return
	}
	hosts := sd.allowed
	if len(hosts) == 0 {
		hosts = make([]int, n)
		for i := range hosts {
			hosts[i] = i
		}
	}
	// The all-purpose rule-breakers, each on a category that may have
	// all-purpose compute, so that it breaks only its own rule.
	allPurpose := []func(c budget.Category, cs *clusterSeed){
		func(c budget.Category, cs *clusterSeed) {
			cs.name = "scratch-" + strings.ReplaceAll(strings.Split(cs.owner, "@")[0], ".", "-")
			cs.tags = map[string]string{budget.OwnerTagKey: cs.owner}
		},
		func(c budget.Category, cs *clusterSeed) {
			cs.name, cs.state = slugOf(c)+"-analysis", compute.StateTerminated
			cs.tags = with(cs.tags, budget.CategoryTagKey, misspell(c.TagValue))
		},
		func(c budget.Category, cs *clusterSeed) {
			cs.name = slugOf(c) + "-notebooks"
			cs.tags = with(cs.tags, budget.CategoryTagKey, spellingVariant(c.TagValue))
		},
		func(c budget.Category, cs *clusterSeed) {
			cs.name, cs.source, cs.policyID = slugOf(c)+"-api-sandbox", compute.ClusterSourceApi, ""
		},
		func(c budget.Category, cs *clusterSeed) {
			cs.name, cs.autoterm = slugOf(c)+"-always-on", 0
		},
		func(c budget.Category, cs *clusterSeed) {
			cs.name, cs.state = slugOf(c)+"-long-idle", compute.StateTerminated
			cs.autoterm = min(cs.autoterm*4, 10000)
		},
		func(c budget.Category, cs *clusterSeed) {
			_, maxWorkers, _ := limits(c)
			cs.name, cs.workers = slugOf(c)+"-bigdata", maxWorkers+8
		},
		func(c budget.Category, cs *clusterSeed) {
			cs.name, cs.state, cs.nodeType = slugOf(c)+"-gpu-trial", compute.StateTerminated, outsideNodeType(c)
		},
		func(c budget.Category, cs *clusterSeed) {
			cs.name, cs.state = slugOf(c)+"-staging", compute.StateTerminated
			cs.tags = with(with(cs.tags, environmentTagKey, "STAGING"), budget.OwnerTagKey, "")
		},
	}
	for k, breakRule := range allPurpose {
		c := sd.cats[hosts[k%len(hosts)]]
		node, _, autoterm := limits(c)
		owner := sd.owner(c, k+2)
		cs := clusterSeed{source: compute.ClusterSourceUi, state: compute.StateRunning, owner: owner,
			tags: tags(c, "DEV", owner), policyID: sd.allPurposePolicy, nodeType: node, workers: 2, autoterm: autoterm}
		breakRule(c, &cs)
		cs.key = slugOf(c) + "/breaker/" + strconv.Itoa(k)
		sd.cluster(cs)
	}

	// Interactive compute in the first two categories not allowed it.
	var adhoc string
	for i, c := range sd.cats {
		if slices.Contains(sd.allowed, i) {
			continue
		}
		node, maxWorkers, autoterm := limits(c)
		owner := sd.owner(c, 1)
		id := sd.cluster(clusterSeed{key: slugOf(c) + "/adhoc", name: slugOf(c) + "-adhoc", source: compute.ClusterSourceUi,
			state: compute.StateRunning, owner: owner, tags: tags(c, "DEV", owner), policyID: sd.allPurposePolicy, nodeType: node,
			workers: min(2, maxWorkers), autoterm: autoterm})
		if adhoc != "" {
			break
		}
		adhoc = id
		// A job of the same category that runs on it, instead of on a job
		// cluster.
		sd.job(slugOf(c)+"/report", c.Title+" report refresh", owner, tags(c, "PROD", owner), nil, nil, id)
	}

	// Jobs and pipelines breaking the rules, from the second category on.
	cat := func(k int) budget.Category { return sd.cats[(k+1)%n] }
	{
		c := cat(0)
		node, maxWorkers, _ := limits(c)
		bare := jobCluster(node, min(2, maxWorkers), nil, nil, "")
		sd.job(slugOf(c)+"/backfill", c.Title+" ad-hoc backfill", sd.owner(c, 1), nil, &bare, nil, "")
	}
	{
		c := cat(1)
		node, maxWorkers, _ := limits(c)
		owner := sd.owner(c, 0)
		big := jobCluster(node, maxWorkers+8, nil, tags(c, "PROD", owner), sd.jobPolicy)
		j := sd.job(slugOf(c)+"/archive", c.Title+" full-archive reprocess", owner, tags(c, "PROD", owner), &big, nil, "")
		sd.cluster(clusterSeed{key: slugOf(c) + "/archive/run", source: compute.ClusterSourceJob, state: compute.StateRunning,
			owner: owner, tags: big.CustomTags, policyID: sd.jobPolicy, nodeType: node, workers: big.NumWorkers, job: j})
	}
	{
		c := cat(2)
		_, maxWorkers, _ := limits(c)
		owner := sd.owner(c, 1)
		gpu := jobCluster(outsideNodeType(c), min(2, maxWorkers), nil, tags(c, "PROD", owner), sd.jobPolicy)
		sd.job(slugOf(c)+"/features", c.Title+" GPU feature extraction", owner, tags(c, "PROD", owner), nil, &gpu, "")
	}
	{
		c := cat(3)
		node, maxWorkers, _ := limits(c)
		sd.pipeline(slugOf(c)+"/legacy-dlt", c.Title+" raw ingest (legacy)", sd.owner(c, 1), c,
			pipelineCluster(node, min(2, maxWorkers), nil, ""), false)
	}
	{
		c := cat(4)
		node, maxWorkers, _ := limits(c)
		owner := sd.owner(c, 0)
		sd.pipeline(slugOf(c)+"/backfill-dlt", c.Title+" backfill pipeline", owner, c,
			pipelineCluster(node, maxWorkers+12, tags(c, "PROD", owner), sd.pipelinePolicy), false)
	}
}

// exempt adds the cluster tagged StellarBudget=exempt to the first
// category allowed all-purpose compute (the first category when none is):
// it breaks no rule, so only the exemption keeps the budget's actions off
// it.
func (sd *seeder) exempt() {
	if len(sd.cats) == 0 {
		return
	}
	c := sd.cats[0]
	if len(sd.allowed) > 0 {
		c = sd.cats[sd.allowed[0]]
	}
	node, maxWorkers, autoterm := limits(c)
	owner := sd.owner(c, 0)
	sd.cluster(clusterSeed{key: slugOf(c) + "/exempt", name: slugOf(c) + "-mission-critical", source: compute.ClusterSourceUi,
		state: compute.StateRunning, owner: owner, tags: with(tags(c, "PROD", owner), budget.ExemptTagKey, budget.ExemptTagValue),
		policyID: sd.allPurposePolicy, nodeType: node, autoscale: &compute.AutoScale{MinWorkers: 2, MaxWorkers: max(3, min(6, maxWorkers))},
		autoterm: autoterm})
}
