package emulator

import (
	"context"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/jobs"
	"github.com/databricks/databricks-sdk-go/service/pipelines"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// objectsDivision is the shipped division's shape: seven categories, two
// of them allowed all-purpose compute.
func objectsDivision() budget.Division {
	cat := func(slug, title, tag string, owners []string, maxWorkers, autoterm int, nodes []string, allPurpose bool) budget.Category {
		return budget.Category{
			Slug: slug, Title: title, TagValue: tag, Owners: owners, Group: "sad-" + slug,
			Policy: budget.Policy{MaxWorkers: maxWorkers, AutoterminationMinutes: autoterm, NodeTypes: nodes, AllowAllPurpose: allPurpose},
		}
	}
	return budget.Division{Name: "Stellar Analytics Division", Categories: []budget.Category{
		cat("deep-space-telemetry", "Deep Space Telemetry", "DEEP_SPACE_TELEMETRY", []string{"amara.okafor@novadynamics.test", "jonas.lindqvist@novadynamics.test"}, 16, 30, []string{"i3.xlarge", "i3.2xlarge"}, false),
		cat("propulsion-analytics", "Propulsion Analytics", "PROPULSION_ANALYTICS", []string{"li.wei@novadynamics.test"}, 10, 30, []string{"m5d.2xlarge"}, false),
		cat("orbital-mechanics", "Orbital Mechanics", "ORBITAL_MECHANICS", []string{"ana.souza@novadynamics.test"}, 8, 20, []string{"c5d.4xlarge"}, false),
		cat("materials-science", "Materials Science", "MATERIALS_SCIENCE", []string{"oluwaseun.adeyemi@novadynamics.test"}, 6, 20, []string{"i3.xlarge", "m5d.4xlarge"}, false),
		cat("exploratory-missions", "Exploratory Missions", "EXPLORATORY_MISSIONS", []string{"chloe.dubois@novadynamics.test", "samir.haddad@novadynamics.test"}, 8, 60, []string{"i3.xlarge", "r5d.2xlarge"}, true),
		cat("navigation-systems", "Navigation Systems", "NAVIGATION_SYSTEMS", []string{"kenji.sato@novadynamics.test"}, 8, 30, []string{"c5d.2xlarge"}, false),
		cat("exoplanet-research", "Exoplanet Research", "EXOPLANET_RESEARCH", []string{"priya.raman@novadynamics.test", "tomasz.kowalczyk@novadynamics.test"}, 20, 60, []string{"g5.2xlarge", "r5d.2xlarge"}, true),
	}}
}

// objectsClock is a settable clock for the emulator.
type objectsClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *objectsClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *objectsClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// objectsEnv is a running emulator with the SDK's clients pointed at it in
// unified-host mode.
type objectsEnv struct {
	emu   *Running
	w     *databricks.WorkspaceClient
	a     *databricks.AccountClient
	clock *objectsClock
}

var objectsAsOf = time.Date(2026, 7, 15, 0, 0, 0, 0, time.UTC)

// startObjects starts an emulator on loopback with the test division and a
// clock the test moves, and stops it when the test ends.
func startObjects(t *testing.T) objectsEnv {
	t.Helper()
	emu, err := Start("127.0.0.1:0", Options{AsOf: objectsAsOf, Division: objectsDivision()})
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(func() { emu.Close() })
	clock := &objectsClock{t: objectsAsOf.Add(10 * time.Hour)}
	emu.mu.Lock()
	emu.now = clock.now
	emu.mu.Unlock()
	cfg := func() *databricks.Config {
		return &databricks.Config{
			Host: emu.URL, ClientID: DefaultClientID, ClientSecret: DefaultClientSecret,
			AccountID: DefaultAccountID, WorkspaceID: DefaultWorkspaceID,
			Experimental_IsUnifiedHost: true, ConfigFile: os.DevNull,
		}
	}
	w, err := databricks.NewWorkspaceClient(cfg())
	if err != nil {
		t.Fatalf("workspace client: %v", err)
	}
	a, err := databricks.NewAccountClient(cfg())
	if err != nil {
		t.Fatalf("account client: %v", err)
	}
	return objectsEnv{emu: emu, w: w, a: a, clock: clock}
}

// clusterNamed returns the listed cluster with name, failing the test
// when there is none.
func clusterNamed(t *testing.T, list []compute.ClusterDetails, name string) compute.ClusterDetails {
	t.Helper()
	i := slices.IndexFunc(list, func(c compute.ClusterDetails) bool { return c.ClusterName == name })
	if i < 0 {
		t.Fatalf("no cluster named %s", name)
	}
	return list[i]
}

func TestSeedRuleBreakersExist(t *testing.T) {
	env := startObjects(t)
	ctx := context.Background()
	clusters, err := env.w.Clusters.ListAll(ctx, compute.ListClustersRequest{})
	if err != nil {
		t.Fatalf("list clusters: %v", err)
	}
	legacy := stableHexID("seed-policy", legacyPolicy)
	complete := func(c compute.ClusterDetails) bool {
		for _, k := range []string{budget.CategoryTagKey, teamTagKey, costCenterTagKey, environmentTagKey, budget.OwnerTagKey} {
			if c.CustomTags[k] == "" {
				return false
			}
		}
		return true
	}
	tests := []struct {
		name    string
		cluster string
		looks   func(c compute.ClusterDetails) bool // as seeded
	}{
		{"tags missing", "scratch-chloe-dubois", func(c compute.ClusterDetails) bool {
			_, ok := c.CustomTags[budget.CategoryTagKey]
			return !ok && c.CustomTags[teamTagKey] == "" && c.CustomTags[budget.OwnerTagKey] != ""
		}},
		{"misspelt category", "exoplanet-research-analysis", func(c compute.ClusterDetails) bool {
			v := c.CustomTags[budget.CategoryTagKey]
			_, known := objectsDivision().CategoryByTag(budget.NormalizeTag(v))
			return v != "" && !known
		}},
		{"spelling variant", "exploratory-missions-notebooks", func(c compute.ClusterDetails) bool {
			v := c.CustomTags[budget.CategoryTagKey]
			return v != "EXPLORATORY_MISSIONS" && budget.NormalizeTag(v) == "EXPLORATORY_MISSIONS"
		}},
		{"no policy", "exoplanet-research-api-sandbox", func(c compute.ClusterDetails) bool {
			return c.PolicyId == "" && c.ClusterSource == compute.ClusterSourceApi && complete(c)
		}},
		{"autotermination off", "exploratory-missions-always-on", func(c compute.ClusterDetails) bool {
			return c.AutoterminationMinutes == 0 && c.State == compute.StateRunning
		}},
		{"autotermination over limit", "exoplanet-research-long-idle", func(c compute.ClusterDetails) bool {
			return c.AutoterminationMinutes > 60
		}},
		{"too many workers", "exploratory-missions-bigdata", func(c compute.ClusterDetails) bool {
			return c.NumWorkers > 8 && c.State == compute.StateRunning
		}},
		{"node type outside the list", "exoplanet-research-gpu-trial", func(c compute.ClusterDetails) bool {
			return c.NodeTypeId != "g5.2xlarge" && c.NodeTypeId != "r5d.2xlarge"
		}},
		{"bad environment, no owner", "exploratory-missions-staging", func(c compute.ClusterDetails) bool {
			_, owner := c.CustomTags[budget.OwnerTagKey]
			return c.CustomTags[environmentTagKey] == "STAGING" && !owner
		}},
		{"all-purpose where not allowed", "deep-space-telemetry-adhoc", func(c compute.ClusterDetails) bool {
			return c.ClusterSource == compute.ClusterSourceUi && c.CustomTags[budget.CategoryTagKey] == "DEEP_SPACE_TELEMETRY" &&
				complete(c) && c.PolicyId == legacy && c.AutoterminationMinutes == 30
		}},
		{"compliant interactive", "exploratory-missions-interactive", func(c compute.ClusterDetails) bool {
			return complete(c) && c.PolicyId == legacy && c.AutoterminationMinutes == 60 && c.Autoscale != nil && c.Autoscale.MaxWorkers <= 8
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := clusterNamed(t, clusters, tc.cluster)
			if !tc.looks(c) {
				t.Errorf("cluster %s does not look as seeded: %+v", tc.cluster, c)
			}
		})
	}

	states := map[compute.State]int{}
	sources := map[compute.ClusterSource]int{}
	for _, c := range clusters {
		states[c.State]++
		sources[c.ClusterSource]++
	}
	if states[compute.StateRunning] == 0 || states[compute.StateTerminated] == 0 {
		t.Errorf("states = %v, want RUNNING and TERMINATED clusters", states)
	}
	for _, src := range []compute.ClusterSource{compute.ClusterSourceUi, compute.ClusterSourceApi, compute.ClusterSourceJob, compute.ClusterSourcePipeline} {
		if sources[src] == 0 {
			t.Errorf("no cluster from %s: %v", src, sources)
		}
	}

	all, err := env.w.Jobs.ListAll(ctx, jobs.ListJobsRequest{ExpandTasks: true})
	if err != nil {
		t.Fatalf("list jobs: %v", err)
	}
	jobNamed := func(name string) jobs.BaseJob {
		i := slices.IndexFunc(all, func(j jobs.BaseJob) bool { return j.Settings.Name == name })
		if i < 0 {
			t.Fatalf("no job named %s", name)
		}
		return all[i]
	}
	if j := jobNamed("Propulsion Analytics ad-hoc backfill"); len(j.Settings.Tags) != 0 || len(j.Settings.JobClusters[0].NewCluster.CustomTags) != 0 || j.Settings.JobClusters[0].NewCluster.PolicyId != "" {
		t.Errorf("backfill job has tags or a policy: %+v", j.Settings)
	}
	if j := jobNamed("Orbital Mechanics full-archive reprocess"); j.Settings.JobClusters[0].NewCluster.NumWorkers <= 8 {
		t.Errorf("archive job has %d workers, want more than the category's 8", j.Settings.JobClusters[0].NewCluster.NumWorkers)
	}
	if j := jobNamed("Materials Science GPU feature extraction"); slices.Contains([]string{"i3.xlarge", "m5d.4xlarge"}, j.Settings.Tasks[0].NewCluster.NodeTypeId) {
		t.Errorf("feature job runs on an allowed node type %s", j.Settings.Tasks[0].NewCluster.NodeTypeId)
	}
	adhoc := clusterNamed(t, clusters, "deep-space-telemetry-adhoc")
	if j := jobNamed("Deep Space Telemetry report refresh"); j.Settings.Tasks[0].ExistingClusterId != adhoc.ClusterId {
		t.Errorf("report job runs on %q, want the adhoc all-purpose cluster %s", j.Settings.Tasks[0].ExistingClusterId, adhoc.ClusterId)
	}

	ps, err := env.w.Pipelines.ListPipelinesAll(ctx, pipelines.ListPipelinesRequest{Filter: "name LIKE '%(legacy)'"})
	if err != nil || len(ps) != 1 {
		t.Fatalf("legacy pipelines = %v, %v; want one", ps, err)
	}
	legacyDLT, err := env.w.Pipelines.Get(ctx, pipelines.GetPipelineRequest{PipelineId: ps[0].PipelineId})
	if err != nil {
		t.Fatalf("get pipeline: %v", err)
	}
	if c := legacyDLT.Spec.Clusters[0]; len(c.CustomTags) != 0 || c.PolicyId != "" || len(legacyDLT.Spec.Tags) != 0 {
		t.Errorf("legacy pipeline cluster has tags or a policy: %+v", c)
	}
}

func TestSeedIsDeterministic(t *testing.T) {
	ids := func(asOf time.Time) []string {
		s, err := New(Options{AsOf: asOf, Division: objectsDivision()})
		if err != nil {
			t.Fatalf("new emulator: %v", err)
		}
		var out []string
		for _, c := range s.ws.clusters {
			out = append(out, c.details.ClusterId+" "+c.details.ClusterName)
		}
		for _, p := range s.ws.policies {
			out = append(out, p.policy.PolicyId)
		}
		for _, j := range s.ws.jobs {
			out = append(out, j.Settings.Name)
		}
		for _, p := range s.ws.pipelines {
			out = append(out, p.PipelineId)
		}
		for _, b := range s.acct.budgets {
			out = append(out, b.BudgetConfigurationId)
		}
		return out
	}
	first, again, later := ids(objectsAsOf), ids(objectsAsOf), ids(objectsAsOf.AddDate(0, 1, 0))
	if !slices.Equal(first, again) || !slices.Equal(first, later) {
		t.Errorf("seeded ids differ between starts:\n%v\n%v\n%v", first, again, later)
	}
	if len(first) < 40 {
		t.Errorf("only %d seeded objects", len(first))
	}
}

// TestSeedAutoterminationZeroIsSent checks the raw JSON: the real API
// sends autotermination_minutes 0 (never), which an SDK type would omit.
func TestSeedAutoterminationZeroIsSent(t *testing.T) {
	env := startObjects(t)
	clusters, err := env.w.Clusters.ListAll(context.Background(), compute.ListClustersRequest{})
	if err != nil {
		t.Fatalf("list clusters: %v", err)
	}
	id := clusterNamed(t, clusters, "exploratory-missions-always-on").ClusterId
	req, err := http.NewRequest(http.MethodGet, env.emu.URL+"/api/2.1/clusters/get?cluster_id="+id, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+DefaultToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("get cluster: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), `"autotermination_minutes":0`) {
		t.Errorf("body lacks autotermination_minutes 0: %s", body)
	}
}
