package emulator

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/jobs"
	"github.com/databricks/databricks-sdk-go/service/pipelines"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

func TestWorkspaceMe(t *testing.T) {
	env := startObjects(t)
	ctx := context.Background()
	me, err := env.w.CurrentUser.Me(ctx)
	if err != nil {
		t.Fatalf("me: %v", err)
	}
	if me.UserName != "stellar.admin@novadynamics.test" || me.DisplayName == "" || len(me.Emails) == 0 || len(me.Groups) == 0 {
		t.Errorf("me = %+v", me)
	}
	id, err := env.w.CurrentWorkspaceID(ctx)
	if err != nil || strconv.FormatInt(id, 10) != DefaultWorkspaceID {
		t.Errorf("current workspace id = %d, %v; want %s", id, err, DefaultWorkspaceID)
	}
}

func TestWorkspaceClustersListAndGet(t *testing.T) {
	env := startObjects(t)
	ctx := context.Background()
	all, err := env.w.Clusters.ListAll(ctx, compute.ListClustersRequest{})
	if err != nil {
		t.Fatalf("list clusters: %v", err)
	}
	if len(all) != len(env.emu.ws.clusters) || len(all) <= 20 {
		t.Fatalf("listed %d clusters, seeded %d (more than one default page of 20 expected)", len(all), len(env.emu.ws.clusters))
	}
	for i := 1; i < len(all); i++ {
		if stateRank[all[i-1].State] > stateRank[all[i].State] {
			t.Fatalf("default order puts %s before %s", all[i-1].State, all[i].State)
		}
	}
	paged, err := env.w.Clusters.ListAll(ctx, compute.ListClustersRequest{PageSize: 7})
	if err != nil || len(paged) != len(all) {
		t.Fatalf("paged list: %d clusters, %v; want %d", len(paged), err, len(all))
	}

	tests := []struct {
		name   string
		filter compute.ListClustersFilterBy
		keep   func(compute.ClusterDetails) bool
	}{
		{"job clusters", compute.ListClustersFilterBy{ClusterSources: []compute.ClusterSource{compute.ClusterSourceJob}},
			func(c compute.ClusterDetails) bool { return c.ClusterSource == compute.ClusterSourceJob }},
		{"interactive running", compute.ListClustersFilterBy{
			ClusterSources: []compute.ClusterSource{compute.ClusterSourceUi, compute.ClusterSourceApi},
			ClusterStates:  []compute.State{compute.StateRunning},
		}, func(c compute.ClusterDetails) bool {
			return (c.ClusterSource == compute.ClusterSourceUi || c.ClusterSource == compute.ClusterSourceApi) && c.State == compute.StateRunning
		}},
		{"by policy", compute.ListClustersFilterBy{PolicyId: stableHexID("seed-policy", jobComputePolicy)},
			func(c compute.ClusterDetails) bool { return c.PolicyId == stableHexID("seed-policy", jobComputePolicy) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := env.w.Clusters.ListAll(ctx, compute.ListClustersRequest{FilterBy: &tc.filter})
			if err != nil {
				t.Fatalf("list: %v", err)
			}
			want := slices.DeleteFunc(slices.Clone(all), func(c compute.ClusterDetails) bool { return !tc.keep(c) })
			if len(got) == 0 || len(got) != len(want) {
				t.Errorf("filter kept %d clusters, want %d (non-zero)", len(got), len(want))
			}
		})
	}

	c := clusterNamed(t, all, "exoplanet-research-interactive")
	got, err := env.w.Clusters.GetByClusterId(ctx, c.ClusterId)
	if err != nil {
		t.Fatalf("get cluster: %v", err)
	}
	if got.ClusterName != c.ClusterName || got.CustomTags[budget.CategoryTagKey] != "EXOPLANET_RESEARCH" ||
		got.CreatorUserName == "" || got.SingleUserName == "" || got.SparkVersion == "" || got.DefaultTags["ClusterId"] != c.ClusterId ||
		got.Spec == nil || got.Spec.AutoterminationMinutes != got.AutoterminationMinutes {
		t.Errorf("get = %+v", got)
	}
	if _, err := env.w.Clusters.GetByClusterId(ctx, "0101-000000-nothere"); !errors.Is(err, apierr.ErrResourceDoesNotExist) {
		t.Errorf("get unknown cluster: %v, want ErrResourceDoesNotExist", err)
	}
}

func TestWorkspaceClusterResize(t *testing.T) {
	env := startObjects(t)
	ctx := context.Background()
	all, err := env.w.Clusters.ListAll(ctx, compute.ListClustersRequest{})
	if err != nil {
		t.Fatalf("list clusters: %v", err)
	}
	terminated := clusterNamed(t, all, "exoplanet-research-long-idle")
	running := clusterNamed(t, all, "exploratory-missions-bigdata")

	_, err = env.w.Clusters.Resize(ctx, compute.ResizeCluster{ClusterId: terminated.ClusterId, NumWorkers: 2})
	var apiErr *apierr.APIError
	if !errors.Is(err, apierr.ErrInvalidState) || !errors.As(err, &apiErr) || !strings.Contains(apiErr.Message, "unexpected state Terminated") {
		t.Errorf("resize terminated cluster: %v, want INVALID_STATE", err)
	}

	if _, err := env.w.Clusters.Resize(ctx, compute.ResizeCluster{ClusterId: running.ClusterId, NumWorkers: 4}); err != nil {
		t.Fatalf("resize running cluster: %v", err)
	}
	got, err := env.w.Clusters.GetByClusterId(ctx, running.ClusterId)
	if err != nil || got.State != compute.StateResizing || got.NumWorkers != 4 {
		t.Fatalf("after resize: %v %v workers %d, %v", got.State, got.StateMessage, got.NumWorkers, err)
	}
	if _, err := env.w.Clusters.Resize(ctx, compute.ResizeCluster{ClusterId: running.ClusterId, NumWorkers: 2}); !errors.Is(err, apierr.ErrInvalidState) {
		t.Errorf("resize while resizing: %v, want INVALID_STATE", err)
	}
	env.clock.advance(transitionTime)
	got, err = env.w.Clusters.GetByClusterId(ctx, running.ClusterId)
	if err != nil || got.State != compute.StateRunning {
		t.Fatalf("after the transition: %v, %v; want RUNNING", got.State, err)
	}
	if _, err := env.w.Clusters.Resize(ctx, compute.ResizeCluster{ClusterId: running.ClusterId, Autoscale: &compute.AutoScale{MinWorkers: 1, MaxWorkers: 3}}); err != nil {
		t.Fatalf("resize to autoscale: %v", err)
	}
	got, _ = env.w.Clusters.GetByClusterId(ctx, running.ClusterId)
	if got.Autoscale == nil || got.Autoscale.MaxWorkers != 3 || got.NumWorkers != 0 {
		t.Errorf("after autoscale resize: autoscale %+v, workers %d", got.Autoscale, got.NumWorkers)
	}
	if _, err := env.w.Clusters.Resize(ctx, compute.ResizeCluster{ClusterId: "0101-000000-nothere", NumWorkers: 1}); !errors.Is(err, apierr.ErrBadRequest) {
		t.Errorf("resize unknown cluster: %v", err)
	}
}

func TestWorkspaceClusterDelete(t *testing.T) {
	env := startObjects(t)
	ctx := context.Background()
	all, err := env.w.Clusters.ListAll(ctx, compute.ListClustersRequest{})
	if err != nil {
		t.Fatalf("list clusters: %v", err)
	}
	c := clusterNamed(t, all, "exploratory-missions-always-on")
	if err := env.w.Clusters.DeleteByClusterId(ctx, c.ClusterId); err != nil {
		t.Fatalf("delete: %v", err)
	}
	got, err := env.w.Clusters.GetByClusterId(ctx, c.ClusterId)
	if err != nil || got.State != compute.StateTerminating {
		t.Fatalf("after delete: %v, %v; want TERMINATING", got.State, err)
	}
	env.clock.advance(transitionTime)
	after, err := env.w.Clusters.ListAll(ctx, compute.ListClustersRequest{})
	if err != nil {
		t.Fatalf("list clusters: %v", err)
	}
	got2 := clusterNamed(t, after, c.ClusterName)
	if got2.State != compute.StateTerminated || got2.TerminationReason == nil || got2.TerminationReason.Code != compute.TerminationReasonCodeUserRequest || got2.TerminatedTime == 0 {
		t.Errorf("terminated cluster = %v %+v at %d", got2.State, got2.TerminationReason, got2.TerminatedTime)
	}
	if err := env.w.Clusters.DeleteByClusterId(ctx, c.ClusterId); err != nil {
		t.Errorf("deleting a terminated cluster again: %v", err)
	}
}

func TestWorkspaceClusterEditUnderPolicy(t *testing.T) {
	env := startObjects(t)
	ctx := context.Background()
	all, err := env.w.Clusters.ListAll(ctx, compute.ListClustersRequest{})
	if err != nil {
		t.Fatalf("list clusters: %v", err)
	}
	c := clusterNamed(t, all, "exploratory-missions-interactive")
	policy, err := env.w.ClusterPolicies.Create(ctx, compute.CreatePolicy{
		Name: "SAD Exploratory Missions all-purpose",
		Definition: `{"custom_tags.Team":{"type":"fixed","value":"SAD"},"custom_tags.Owner":{"type":"unlimited","isOptional":false},` +
			`"autoscale.max_workers":{"type":"range","maxValue":8},"autotermination_minutes":{"type":"fixed","value":60}}`,
	})
	if err != nil {
		t.Fatalf("create policy: %v", err)
	}
	edit := func(maxWorkers int, tags map[string]string) error {
		_, err := env.w.Clusters.Edit(ctx, compute.EditCluster{
			ClusterId: c.ClusterId, ClusterName: c.ClusterName, SparkVersion: c.SparkVersion, NodeTypeId: c.NodeTypeId,
			Autoscale: &compute.AutoScale{MinWorkers: 1, MaxWorkers: maxWorkers}, CustomTags: tags, PolicyId: policy.PolicyId,
		})
		return err
	}
	tests := []struct {
		name    string
		workers int
		tags    map[string]string
		wantErr string
	}{
		{"too many workers", 12, map[string]string{"Owner": "samir.haddad@novadynamics.test"}, "autoscale.max_workers"},
		{"owner missing", 4, map[string]string{"Environment": "DEV"}, "custom_tags.Owner"},
		{"complies", 6, map[string]string{"Owner": "samir.haddad@novadynamics.test"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := edit(tc.workers, tc.tags)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("edit: %v", err)
				}
				return
			}
			if !errors.Is(err, apierr.ErrInvalidParameterValue) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("edit: %v, want a violation of %s", err, tc.wantErr)
			}
		})
	}
	got, err := env.w.Clusters.GetByClusterId(ctx, c.ClusterId)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.State != compute.StateRestarting || got.CustomTags["Team"] != "SAD" || got.AutoterminationMinutes != 60 || got.PolicyId != policy.PolicyId {
		t.Errorf("after edit: state %s, tags %v, autotermination %d, policy %s", got.State, got.CustomTags, got.AutoterminationMinutes, got.PolicyId)
	}
	if _, ok := got.CustomTags[budget.CategoryTagKey]; ok {
		t.Errorf("edit kept tags the request left out: %v", got.CustomTags)
	}
	if _, err := env.w.Clusters.Resize(ctx, compute.ResizeCluster{ClusterId: c.ClusterId, NumWorkers: 2}); !errors.Is(err, apierr.ErrInvalidState) {
		t.Errorf("resize while restarting: %v, want INVALID_STATE", err)
	}
	env.clock.advance(transitionTime)
	if _, err := env.w.Clusters.Resize(ctx, compute.ResizeCluster{ClusterId: c.ClusterId, Autoscale: &compute.AutoScale{MinWorkers: 1, MaxWorkers: 20}}); !errors.Is(err, apierr.ErrInvalidParameterValue) {
		t.Errorf("resize beyond the policy: %v, want INVALID_PARAMETER_VALUE", err)
	}

	job := slices.IndexFunc(all, func(c compute.ClusterDetails) bool { return c.ClusterSource == compute.ClusterSourceJob })
	_, err = env.w.Clusters.Edit(ctx, compute.EditCluster{ClusterId: all[job].ClusterId, SparkVersion: seedSparkVersion, NumWorkers: 1})
	if !errors.Is(err, apierr.ErrInvalidParameterValue) {
		t.Errorf("edit a job cluster: %v, want INVALID_PARAMETER_VALUE", err)
	}
}

func TestWorkspaceClusterPolicies(t *testing.T) {
	env := startObjects(t)
	ctx := context.Background()
	seeded, err := env.w.ClusterPolicies.ListAll(ctx, compute.ListClusterPoliciesRequest{})
	if err != nil || len(seeded) != 3 {
		t.Fatalf("seeded policies: %d, %v; want 3", len(seeded), err)
	}
	def := `{"custom_tags.OperationalCategory":{"type":"fixed","value":"NAVIGATION_SYSTEMS"},"cluster_type":{"type":"fixed","value":"job"}}`
	created, err := env.w.ClusterPolicies.Create(ctx, compute.CreatePolicy{Name: "SAD Navigation Systems jobs", Definition: def})
	if err != nil {
		t.Fatalf("create: %v", err)
	}

	bad := []struct {
		name string
		req  compute.CreatePolicy
	}{
		{"definition not JSON", compute.CreatePolicy{Name: "broken", Definition: `{"num_workers":`}},
		{"unknown rule type", compute.CreatePolicy{Name: "broken", Definition: `{"num_workers":{"type":"maximum","value":3}}`}},
		{"duplicate name", compute.CreatePolicy{Name: "SAD Navigation Systems jobs", Definition: "{}"}},
		{"no name", compute.CreatePolicy{Definition: "{}"}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := env.w.ClusterPolicies.Create(ctx, tc.req); !errors.Is(err, apierr.ErrInvalidParameterValue) {
				t.Errorf("create: %v, want INVALID_PARAMETER_VALUE", err)
			}
		})
	}

	got, err := env.w.ClusterPolicies.GetByPolicyId(ctx, created.PolicyId)
	if err != nil || got.Definition != def || got.CreatorUserName == "" || got.CreatedAtTimestamp == 0 {
		t.Fatalf("get = %+v, %v", got, err)
	}
	edited := strings.Replace(def, `"job"`, `"all-purpose"`, 1)
	if err := env.w.ClusterPolicies.Edit(ctx, compute.EditPolicy{PolicyId: created.PolicyId, Name: "SAD Navigation Systems all-purpose", Definition: edited}); err != nil {
		t.Fatalf("edit: %v", err)
	}
	got, _ = env.w.ClusterPolicies.GetByPolicyId(ctx, created.PolicyId)
	if got.Name != "SAD Navigation Systems all-purpose" || got.Definition != edited {
		t.Errorf("after edit: %+v", got)
	}

	grant := func(group string) compute.ClusterPolicyAccessControlRequest {
		return compute.ClusterPolicyAccessControlRequest{GroupName: group, PermissionLevel: compute.ClusterPolicyPermissionLevelCanUse}
	}
	groups := func(p *compute.ClusterPolicyPermissions) []string {
		var out []string
		for _, a := range p.AccessControlList {
			out = append(out, a.GroupName)
		}
		return out
	}
	perms, err := env.w.ClusterPolicies.SetPermissions(ctx, compute.ClusterPolicyPermissionsRequest{
		ClusterPolicyId: created.PolicyId, AccessControlList: []compute.ClusterPolicyAccessControlRequest{grant("sad-platform")},
	})
	if err != nil || !slices.Equal(groups(perms), []string{"sad-platform"}) {
		t.Fatalf("set permissions: %v, %v", groups(perms), err)
	}
	perms, err = env.w.ClusterPolicies.UpdatePermissions(ctx, compute.ClusterPolicyPermissionsRequest{
		ClusterPolicyId: created.PolicyId, AccessControlList: []compute.ClusterPolicyAccessControlRequest{grant("sad-navigation-systems"), grant("sad-platform")},
	})
	if err != nil || !slices.Equal(groups(perms), []string{"sad-platform", "sad-navigation-systems"}) {
		t.Fatalf("PATCH permissions: %v, %v; want the new group added to the existing grant", groups(perms), err)
	}
	perms, err = env.w.ClusterPolicies.GetPermissions(ctx, compute.GetClusterPolicyPermissionsRequest{ClusterPolicyId: created.PolicyId})
	if err != nil || perms.ObjectId != "/cluster-policies/"+created.PolicyId || perms.AccessControlList[1].AllPermissions[0].PermissionLevel != compute.ClusterPolicyPermissionLevelCanUse {
		t.Fatalf("get permissions: %+v, %v", perms, err)
	}
	levels, err := env.w.ClusterPolicies.GetPermissionLevels(ctx, compute.GetClusterPolicyPermissionLevelsRequest{ClusterPolicyId: created.PolicyId})
	if err != nil || len(levels.PermissionLevels) != 1 || levels.PermissionLevels[0].PermissionLevel != compute.ClusterPolicyPermissionLevelCanUse {
		t.Errorf("permission levels: %+v, %v", levels, err)
	}
	_, err = env.w.ClusterPolicies.UpdatePermissions(ctx, compute.ClusterPolicyPermissionsRequest{
		ClusterPolicyId: created.PolicyId, AccessControlList: []compute.ClusterPolicyAccessControlRequest{{GroupName: "x", PermissionLevel: "CAN_MANAGE"}},
	})
	if !errors.Is(err, apierr.ErrInvalidParameterValue) {
		t.Errorf("grant CAN_MANAGE: %v, want INVALID_PARAMETER_VALUE", err)
	}

	if err := env.w.ClusterPolicies.DeleteByPolicyId(ctx, created.PolicyId); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := env.w.ClusterPolicies.GetByPolicyId(ctx, created.PolicyId); !errors.Is(err, apierr.ErrNotFound) {
		t.Errorf("get deleted policy: %v, want not found", err)
	}
	if _, err := env.w.ClusterPolicies.GetPermissions(ctx, compute.GetClusterPolicyPermissionsRequest{ClusterPolicyId: created.PolicyId}); !errors.Is(err, apierr.ErrNotFound) {
		t.Errorf("permissions of deleted policy: %v, want not found", err)
	}
	after, _ := env.w.ClusterPolicies.ListAll(ctx, compute.ListClusterPoliciesRequest{})
	if len(after) != len(seeded) {
		t.Errorf("%d policies after delete, want %d", len(after), len(seeded))
	}
}

func TestWorkspaceJobs(t *testing.T) {
	env := startObjects(t)
	ctx := context.Background()
	brief, err := env.w.Jobs.ListAll(ctx, jobs.ListJobsRequest{Limit: 5})
	if err != nil {
		t.Fatalf("list jobs: %v", err)
	}
	if len(brief) != len(env.emu.ws.jobs) || len(brief) <= 5 {
		t.Fatalf("listed %d jobs in pages of 5, seeded %d", len(brief), len(env.emu.ws.jobs))
	}
	if len(brief[0].Settings.Tasks) != 0 || brief[0].Settings.Name == "" {
		t.Errorf("list without expand_tasks: %+v", brief[0].Settings)
	}
	expanded, err := env.w.Jobs.ListAll(ctx, jobs.ListJobsRequest{ExpandTasks: true})
	if err != nil {
		t.Fatalf("list jobs: %v", err)
	}
	etl := expanded[slices.IndexFunc(expanded, func(j jobs.BaseJob) bool { return j.Settings.Name == "Deep Space Telemetry nightly ETL" })]
	nc := etl.Settings.JobClusters[0].NewCluster
	if nc.CustomTags[budget.CategoryTagKey] != "DEEP_SPACE_TELEMETRY" || nc.PolicyId == "" || nc.NumWorkers == 0 || nc.NodeTypeId != "i3.xlarge" ||
		etl.Settings.Tags["Team"] != "SAD" || etl.CreatorUserName == "" {
		t.Errorf("etl job = %+v, cluster %+v", etl, nc)
	}

	job, err := env.w.Jobs.GetByJobId(ctx, etl.JobId)
	if err != nil || job.RunAsUserName != "amara.okafor@novadynamics.test" || len(job.Settings.Tasks) != 2 {
		t.Errorf("get job = %+v, %v", job, err)
	}
	named, err := env.w.Jobs.ListAll(ctx, jobs.ListJobsRequest{Name: "deep space telemetry NIGHTLY etl"})
	if err != nil || len(named) != 1 || named[0].JobId != etl.JobId {
		t.Errorf("list by name = %v, %v", named, err)
	}
	if _, err := env.w.Jobs.GetByJobId(ctx, 1); !errors.Is(err, apierr.ErrResourceDoesNotExist) {
		t.Errorf("get unknown job: %v, want ErrResourceDoesNotExist", err)
	}
}

func TestWorkspacePipelines(t *testing.T) {
	env := startObjects(t)
	ctx := context.Background()
	all, err := env.w.Pipelines.ListPipelinesAll(ctx, pipelines.ListPipelinesRequest{MaxResults: 3})
	if err != nil {
		t.Fatalf("list pipelines: %v", err)
	}
	if len(all) != len(env.emu.ws.pipelines) || len(all) <= 3 {
		t.Fatalf("listed %d pipelines in pages of 3, seeded %d", len(all), len(env.emu.ws.pipelines))
	}
	running := slices.IndexFunc(all, func(p pipelines.PipelineStateInfo) bool { return p.State == pipelines.PipelineStateRunning })
	if running < 0 || all[running].ClusterId == "" {
		t.Fatalf("no running pipeline with a cluster: %+v", all)
	}
	cluster, err := env.w.Clusters.GetByClusterId(ctx, all[running].ClusterId)
	if err != nil || cluster.ClusterSource != compute.ClusterSourcePipeline {
		t.Errorf("running pipeline's cluster = %+v, %v", cluster, err)
	}

	found, err := env.w.Pipelines.ListPipelinesAll(ctx, pipelines.ListPipelinesRequest{Filter: "name LIKE 'Orbital%'"})
	if err != nil || len(found) != 1 {
		t.Fatalf("filtered list = %+v, %v", found, err)
	}
	p, err := env.w.Pipelines.GetByPipelineId(ctx, found[0].PipelineId)
	if err != nil {
		t.Fatalf("get pipeline: %v", err)
	}
	if p.Name != found[0].Name || p.Spec == nil || len(p.Spec.Clusters) != 1 ||
		p.Spec.Clusters[0].CustomTags[budget.CategoryTagKey] != "ORBITAL_MECHANICS" || p.Spec.Clusters[0].PolicyId == "" || p.CreatorUserName == "" ||
		p.Spec.Tags[budget.CategoryTagKey] != "ORBITAL_MECHANICS" {
		t.Errorf("pipeline = %+v", p)
	}
	if _, err := env.w.Pipelines.GetByPipelineId(ctx, "00000000-0000-0000-0000-000000000000"); !errors.Is(err, apierr.ErrNotFound) {
		t.Errorf("get unknown pipeline: %v, want not found", err)
	}
	if _, err := env.w.Pipelines.ListPipelinesAll(ctx, pipelines.ListPipelinesRequest{Filter: "notebook = 'x'"}); !errors.Is(err, apierr.ErrInvalidParameterValue) {
		t.Errorf("unsupported filter: %v, want INVALID_PARAMETER_VALUE", err)
	}
}
