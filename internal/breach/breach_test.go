package breach

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

var (
	telemetry = budget.Category{
		Slug: "deep-space-telemetry", Title: "Deep Space Telemetry", TagValue: "DEEP_SPACE_TELEMETRY",
		Policy:   budget.Policy{MaxWorkers: 16},
		OnBreach: budget.OnBreach{Action: budget.ActionScaleDown, DryRun: true},
	}
	materials = budget.Category{
		Slug: "materials-science", Title: "Materials Science", TagValue: "MATERIALS_SCIENCE",
		Policy:   budget.Policy{MaxWorkers: 6},
		OnBreach: budget.OnBreach{Action: budget.ActionTerminate},
	}
	division = budget.Division{Categories: []budget.Category{telemetry, materials}}
)

// cluster is a cluster of category tag (none when ""), fixed-size with
// workers, or autoscaling when scale is set; extra tags come in pairs.
func cluster(tag string, state budget.ClusterState, source budget.ClusterSource, workers int, scale *budget.Autoscale, extra ...string) budget.Cluster {
	tags := map[string]string{budget.OwnerTagKey: "ada@novadynamics.test"}
	if tag != "" {
		tags[budget.CategoryTagKey] = tag
	}
	for i := 0; i+1 < len(extra); i += 2 {
		tags[extra[i]] = extra[i+1]
	}
	return budget.Cluster{
		ID: "0714-000000-" + strings.ToLower(string(state)), Name: "c", State: state, Source: source,
		Creator: "ada@novadynamics.test", NodeType: "i3.xlarge", DriverNodeType: "i3.xlarge",
		Workers: workers, Autoscale: scale, Tags: tags,
	}
}

func scale(lo, hi int) *budget.Autoscale { return &budget.Autoscale{Min: lo, Max: hi} }

const (
	running    = budget.ClusterRunning
	terminated = budget.ClusterTerminated
	ui         = budget.ClusterFromUI
	api        = budget.ClusterFromAPI
	job        = budget.ClusterFromJob
	pipeline   = budget.ClusterFromPipeline
	dst        = "DEEP_SPACE_TELEMETRY"
	mat        = "MATERIALS_SCIENCE"
)

// want is the step a case expects: its op, the size or state after, and
// a fragment of its reason. Op "" means no step at all.
type want struct {
	op        Op
	workers   int                 // After.Workers for a Resize
	state     budget.ClusterState // After.State for a Terminate
	reasonHas string
}

func check(t *testing.T, in budget.Cluster, got []Step, w want) {
	t.Helper()
	if w.op == "" {
		if len(got) != 0 {
			t.Fatalf("steps %+v, want none", got)
		}
		return
	}
	if len(got) != 1 {
		t.Fatalf("%d steps, want 1: %+v", len(got), got)
	}
	checkStep(t, in, got[0], w)
}

func checkStep(t *testing.T, in budget.Cluster, s Step, w want) {
	t.Helper()
	if s.Op != w.op || !strings.Contains(s.Reason, w.reasonHas) {
		t.Fatalf("step %s %q, want %s with %q", s.Op, s.Reason, w.op, w.reasonHas)
	}
	if !reflect.DeepEqual(s.Before, in) {
		t.Errorf("before %+v, want the cluster as given %+v", s.Before, in)
	}
	if s.Acts() != (w.op == Resize || w.op == Terminate) {
		t.Errorf("Acts() = %v for %s", s.Acts(), s.Op)
	}
	switch w.op {
	case Resize:
		if s.After.Workers != w.workers || s.After.Autoscale != nil || s.After.State != in.State {
			t.Errorf("after %s (%s), want %d fixed workers, state kept", s.After.Size(), s.After.State, w.workers)
		}
	case Terminate:
		if s.After.State != w.state || s.After.Workers != in.Workers {
			t.Errorf("after %s %s, want %s with its size kept", s.After.State, s.After.Size(), w.state)
		}
	default:
		if !reflect.DeepEqual(s.After, in) {
			t.Errorf("a %s changes the cluster: after %+v", s.Op, s.After)
		}
	}
}

func TestPlanScaleDown(t *testing.T) {
	tests := []struct {
		name string
		in   budget.Cluster
		want want
	}{
		{"fixed size halved", cluster(dst, running, ui, 8, nil), want{op: Resize, workers: 4, reasonHas: "8 workers to 4 workers"}},
		{"odd size rounded down", cluster(dst, running, ui, 5, nil), want{op: Resize, workers: 2, reasonHas: "halved"}},
		{"three to one", cluster(dst, running, api, 3, nil), want{op: Resize, workers: 1}},
		{"two to one", cluster(dst, running, ui, 2, nil), want{op: Resize, workers: 1}},
		{"one worker stays", cluster(dst, running, ui, 1, nil), want{op: Skip, reasonHas: "1 worker: already the smallest"}},
		{"single node is never scaled up", cluster(dst, running, ui, 0, nil), want{op: Skip, reasonHas: "0 workers: already the smallest"}},
		{"autoscaling to its minimum", cluster(dst, running, ui, 0, scale(2, 8)), want{op: Resize, workers: 2, reasonHas: "autoscaling 2-8 workers to 2 workers"}},
		{"autoscaling from zero: never below 1", cluster(dst, running, ui, 0, scale(0, 4)), want{op: Resize, workers: 1, reasonHas: "minimum"}},
		{"a running job's cluster is resized", cluster(dst, running, job, 4, nil), want{op: Resize, workers: 2}},
		{"a pipeline's cluster is left to its pipeline", cluster(dst, running, pipeline, 4, nil), want{op: Skip, reasonHas: "its pipeline sizes"}},
		{"terminated", cluster(dst, terminated, ui, 8, nil), want{op: Skip, reasonHas: "TERMINATED, not RUNNING: only a running cluster is resized"}},
		{"resizing", cluster(dst, budget.ClusterResizing, ui, 8, nil), want{op: Skip, reasonHas: "RESIZING, not RUNNING"}},
		{"pending", cluster(dst, budget.ClusterPending, ui, 8, nil), want{op: Skip, reasonHas: "PENDING, not RUNNING"}},
		{"exempt", cluster(dst, running, ui, 8, nil, budget.ExemptTagKey, "exempt"), want{op: Skip, reasonHas: "StellarBudget=exempt"}},
		{"exempt in another case", cluster(dst, running, ui, 8, nil, budget.ExemptTagKey, " Exempt"), want{op: Skip, reasonHas: "never acted on"}},
		{"another StellarBudget value is no exemption", cluster(dst, running, ui, 8, nil, budget.ExemptTagKey, "review"), want{op: Resize, workers: 4}},
		{"spelling variant of the tag", cluster("deep space-telemetry ", running, ui, 6, nil), want{op: Resize, workers: 3}},
		{"another category's cluster", cluster(mat, running, ui, 8, nil), want{}},
		{"a misspelt category is not this one", cluster("DEEP_SAPCE_TELEMETRY", running, ui, 8, nil), want{}},
		{"untagged", cluster("", running, ui, 8, nil), want{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Plan(telemetry, []budget.Cluster{tc.in})
			if err != nil {
				t.Fatal(err)
			}
			check(t, tc.in, got, tc.want)
		})
	}
}

func TestPlanTerminate(t *testing.T) {
	tests := []struct {
		name string
		in   budget.Cluster
		want want
	}{
		{"running UI cluster", cluster(mat, running, ui, 4, nil), want{op: Terminate, state: terminated, reasonHas: "running all-purpose"}},
		{"running API cluster", cluster(mat, running, api, 0, scale(1, 6)), want{op: Terminate, state: terminated}},
		{"a job's cluster ends with its run", cluster(mat, running, job, 4, nil), want{op: Skip, reasonHas: "source JOB): it ends with its run"}},
		{"a pipeline's cluster", cluster(mat, running, pipeline, 4, nil), want{op: Skip, reasonHas: "source PIPELINE"}},
		{"another source", cluster(mat, running, "SQL", 4, nil), want{op: Skip, reasonHas: `source "SQL"`}},
		{"already terminated", cluster(mat, terminated, ui, 4, nil), want{op: Skip, reasonHas: "only a running cluster is terminated"}},
		{"terminating", cluster(mat, budget.ClusterTerminating, ui, 4, nil), want{op: Skip, reasonHas: "TERMINATING, not RUNNING"}},
		{"restarting", cluster(mat, budget.ClusterRestarting, ui, 4, nil), want{op: Skip, reasonHas: "RESTARTING"}},
		{"no state", cluster(mat, "", ui, 4, nil), want{op: Skip, reasonHas: "in no known state"}},
		{"exempt", cluster(mat, running, ui, 4, nil, budget.ExemptTagKey, "EXEMPT"), want{op: Skip, reasonHas: "exempt"}},
		{"another category's cluster", cluster(dst, running, ui, 4, nil), want{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Plan(materials, []budget.Cluster{tc.in})
			if err != nil {
				t.Fatal(err)
			}
			check(t, tc.in, got, tc.want)
		})
	}
}

func TestPlanActions(t *testing.T) {
	mixed := []budget.Cluster{
		cluster(mat, running, ui, 4, nil),
		cluster(dst, running, ui, 8, nil),
		cluster(mat, terminated, ui, 2, nil),
		cluster(mat, running, job, 2, nil),
	}
	mixed[0].ID, mixed[1].ID, mixed[2].ID, mixed[3].ID = "a", "b", "c", "d"
	tests := []struct {
		name    string
		action  string
		wantOps []Op
		wantIDs []string
		wantErr error
	}{
		{"notify touches no cluster", budget.ActionNotify, nil, nil, nil},
		{"terminate: one step per cluster of the category, in order", budget.ActionTerminate, []Op{Terminate, Skip, Skip}, []string{"a", "c", "d"}, nil},
		{"scale_down over the same clusters", budget.ActionScaleDown, []Op{Resize, Skip, Resize}, []string{"a", "c", "d"}, nil},
		{"an unknown action is an error", "shutdown", nil, nil, ErrUnknownAction},
		{"no action is an error", "", nil, nil, ErrUnknownAction},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cat := materials
			cat.OnBreach.Action = tc.action
			steps, err := Plan(cat, mixed)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			var ops []Op
			var ids []string
			for _, s := range steps {
				ops, ids = append(ops, s.Op), append(ids, s.Before.ID)
			}
			if !reflect.DeepEqual(ops, tc.wantOps) || !reflect.DeepEqual(ids, tc.wantIDs) {
				t.Errorf("steps %v on %v, want %v on %v", ops, ids, tc.wantOps, tc.wantIDs)
			}
		})
	}
}

func TestDecide(t *testing.T) {
	tests := []struct {
		name    string
		in      budget.Cluster
		req     Request
		wantCat string // the category's slug; "" for none
		want    want
	}{
		{"resize within the policy", cluster(dst, running, ui, 8, nil), Request{Workers: 4}, "deep-space-telemetry",
			want{op: Resize, workers: 4, reasonHas: "scale_cluster: size asked for (8 workers to 4 workers)"}},
		{"up to the policy's limit", cluster(dst, running, ui, 8, nil), Request{Workers: 16}, "deep-space-telemetry", want{op: Resize, workers: 16}},
		{"above the policy's limit", cluster(dst, running, ui, 8, nil), Request{Workers: 17}, "deep-space-telemetry",
			want{op: Refuse, reasonHas: "17 workers is above Deep Space Telemetry's limit of 16"}},
		{"no limit when the policy sets none", cluster("OPEN", running, ui, 8, nil), Request{Workers: 40}, "open", want{op: Resize, workers: 40}},
		{"autoscaling to a fixed size", cluster(dst, running, ui, 0, scale(2, 8)), Request{Workers: 3}, "deep-space-telemetry", want{op: Resize, workers: 3}},
		{"the size it has", cluster(dst, running, ui, 4, nil), Request{Workers: 4}, "deep-space-telemetry", want{op: Skip, reasonHas: "already has 4 workers"}},
		{"a job's cluster may be resized", cluster(dst, running, job, 4, nil), Request{Workers: 2}, "deep-space-telemetry", want{op: Resize, workers: 2}},
		{"a pipeline's cluster may not", cluster(dst, running, pipeline, 4, nil), Request{Workers: 2}, "deep-space-telemetry", want{op: Refuse, reasonHas: "source PIPELINE"}},
		{"terminate a running all-purpose cluster", cluster(mat, running, api, 2, nil), Request{Terminate: true}, "materials-science",
			want{op: Terminate, state: terminated, reasonHas: "termination asked for"}},
		{"terminate a job's cluster", cluster(mat, running, job, 2, nil), Request{Terminate: true}, "materials-science", want{op: Refuse, reasonHas: "ends with its run"}},
		{"terminate a terminated cluster", cluster(mat, terminated, ui, 2, nil), Request{Terminate: true}, "materials-science",
			want{op: Refuse, reasonHas: "TERMINATED, not RUNNING: only a running cluster is terminated"}},
		{"resize a terminated cluster", cluster(dst, terminated, ui, 8, nil), Request{Workers: 2}, "deep-space-telemetry",
			want{op: Refuse, reasonHas: "only a running cluster is resized"}},
		{"resize while resizing", cluster(dst, budget.ClusterResizing, ui, 8, nil), Request{Workers: 2}, "deep-space-telemetry", want{op: Refuse, reasonHas: "RESIZING"}},
		{"exempt", cluster(dst, running, ui, 8, nil, budget.ExemptTagKey, "exempt"), Request{Workers: 2}, "", want{op: Refuse, reasonHas: "StellarBudget=exempt"}},
		{"exempt, terminate", cluster(mat, running, ui, 8, nil, budget.ExemptTagKey, "exempt"), Request{Terminate: true}, "", want{op: Refuse, reasonHas: "exempt"}},
		{"untagged", cluster("", running, ui, 8, nil), Request{Workers: 2}, "", want{op: Refuse, reasonHas: "carries no OperationalCategory tag"}},
		{"blank tag", cluster(" ", running, ui, 8, nil), Request{Workers: 2}, "", want{op: Refuse, reasonHas: "carries no OperationalCategory tag"}},
		{"unknown category", cluster("SANDBOX", running, ui, 8, nil), Request{Terminate: true}, "", want{op: Refuse, reasonHas: `its OperationalCategory "SANDBOX" is not a configured category`}},
		{"spelling variant", cluster("materials science", running, ui, 4, nil), Request{Workers: 2}, "materials-science", want{op: Resize, workers: 2}},
		{"zero workers", cluster(dst, running, ui, 8, nil), Request{}, "", want{op: Refuse, reasonHas: "0 workers is below 1"}},
		{"negative workers", cluster(dst, running, ui, 8, nil), Request{Workers: -2}, "", want{op: Refuse, reasonHas: "-2 workers is below 1"}},
		{"both workers and termination", cluster(dst, running, ui, 8, nil), Request{Workers: 2, Terminate: true}, "", want{op: Refuse, reasonHas: "ask for one"}},
	}
	div := division
	div.Categories = append(div.Categories, budget.Category{Slug: "open", Title: "Open", TagValue: "OPEN"})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cat, step := Decide(div, tc.in, tc.req)
			if cat.Slug != tc.wantCat {
				t.Errorf("category %q, want %q", cat.Slug, tc.wantCat)
			}
			checkStep(t, tc.in, step, tc.want)
		})
	}
}
