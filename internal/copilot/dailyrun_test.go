package copilot

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/breach"
	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/notify"
	"github.com/novadynamics/stellar-budget/internal/snapshot"
	"github.com/novadynamics/stellar-budget/internal/trail"
)

// posts records what the daily run posts to Slack.
type posts struct {
	mu    sync.Mutex
	texts []string
}

func (p *posts) Post(_ context.Context, channel, text string) (notify.PostResult, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.texts = append(p.texts, text)
	return notify.PostResult{Channel: channel, TS: "1.0", Via: "chat.postMessage"}, nil
}

var runNow = time.Date(2026, 12, 5, 6, 0, 0, 0, time.UTC)

// shareSnapshot: December 2026 (31 days), data through 4 Dec. DEEP_SPACE's
// $3,100 budget is $3,000 over 30 days; its last three months were ana's
// 60 %, ben's 30 %, cy's 10 %; dee has an allowance of $100 a month; eve
// spent nothing in those months. FRESH had no spend in them at all.
func shareSnapshot() *snapshot.Snapshot {
	last := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	snap := testSnapshot()
	snap.Categories = []snapshot.Category{{
		Slug: "deep-space", Title: "Deep Space", TagValue: "DEEP_SPACE", MonthlyBudget: "3100.00",
		OnBreach:     snapshot.Breach{Action: budget.ActionScaleDown},
		Allowances:   map[string]snapshot.Money{"dee@nova.example": "100.00"},
		RecentOwners: []snapshot.OwnerSpend{{Owner: "ana@nova.example", Cost: "600.00"}, {Owner: "ben@nova.example", Cost: "300.00"}, {Owner: "cy@nova.example", Cost: "100.00"}},
		OwnerDaily: []snapshot.OwnerDaily{
			{Owner: "ana@nova.example", Daily: flat(last, 120, "70.00")}, // 2,100 against 1,800
			{Owner: "ben@nova.example", Daily: flat(last, 120, "20.00")}, // 600 against 900
			{Owner: "cy@nova.example", Daily: flat(last, 120, "10.00")},  // 300 against 300: within
			{Owner: "dee@nova.example", Daily: flat(last, 120, "5.00")},  // 150 against 96.77
			{Owner: "eve@nova.example", Daily: flat(last, 20, "1.00")},   // 30 against nothing
		},
	}, {
		Slug: "fresh", Title: "Fresh", TagValue: "FRESH", MonthlyBudget: "1000.00",
		OnBreach:   snapshot.Breach{Action: budget.ActionNotify, DryRun: true},
		OwnerDaily: []snapshot.OwnerDaily{{Owner: "fay@nova.example", Daily: flat(last, 10, "500.00")}},
	}}
	return snap
}

func TestRunJudgesShares(t *testing.T) {
	store := trail.NewFileStore(t.TempDir())
	snap := shareSnapshot()
	svc := &Service{Snapshot: func(context.Context) (*snapshot.Snapshot, error) { return snap, nil }, Trail: store, Now: func() time.Time { return runNow }}
	rep, err := svc.Run(context.Background(), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ owner, burn, basis, pct, share, share30, overBy string }
	want := []row{ // furthest over first
		{"ana@nova.example", "2100.00", BasisShare, "60.0", "1860.00", "1800.00", "300.00"},
		{"dee@nova.example", "150.00", BasisAllowance, "", "100.00", "96.77", "53.23"},
		{"eve@nova.example", "30.00", BasisShare, "0.0", "0.00", "0.00", "30.00"},
		{"ben@nova.example", "600.00", BasisShare, "30.0", "930.00", "900.00", ""},
		{"cy@nova.example", "300.00", BasisShare, "10.0", "310.00", "300.00", ""},
		{"fay@nova.example", "15000.00", BasisNone, "", "0.00", "0.00", ""},
	}
	if len(rep.Owners) != len(want) || rep.Judged != 6 || rep.Over != 3 {
		t.Fatalf("judged %d, over %d: %+v", rep.Judged, rep.Over, rep.Owners)
	}
	for i, w := range want {
		b := rep.Owners[i]
		if got := (row{b.Owner, b.Burn30, b.Basis, b.SharePct, b.Share, b.Share30, b.OverBy}); got != w {
			t.Errorf("owner %d = %+v, want %+v", i, got, w)
		}
		wantOutcome := trail.Noop
		if w.overBy != "" {
			wantOutcome = trail.DryRun // not --apply
		}
		if b.Outcome != wantOutcome {
			t.Errorf("%s: outcome %s, want %s (%s)", b.Owner, b.Outcome, wantOutcome, b.Reason)
		}
	}
	if r := rep.Owners[5].Reason; !strings.Contains(r, "not judged") {
		t.Errorf("fay's reason %q", r)
	}
	entries, err := store.Entries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	prefix := "agent-run/dry-run/2026-12-05T06:00:00.000Z"
	var keys []string
	for _, e := range entries {
		keys = append(keys, e.Key)
		if e.Tool != trail.ToolAgentRun || e.Caller != RunCaller || e.Role != RunRole {
			t.Errorf("entry %s: tool %s caller %s role %s", e.Key, e.Tool, e.Caller, e.Role)
		}
	}
	wantKeys := []string{prefix + "/DEEP_SPACE/ana@nova.example", prefix + "/DEEP_SPACE/dee@nova.example", prefix + "/DEEP_SPACE/eve@nova.example", prefix}
	if !slices.Equal(keys, wantKeys) {
		t.Errorf("trail keys %q, want %q", keys, wantKeys)
	}
	var summary RunReport
	if err := json.Unmarshal(entries[len(entries)-1].Answer, &summary); err != nil || summary.Judged != 6 || len(summary.Owners) != 6 {
		t.Errorf("the run's entry holds %+v (%v)", summary, err)
	}
	// A dry run is traced each time it is made.
	svc.Now = func() time.Time { return runNow.Add(time.Minute) }
	if _, err := svc.Run(context.Background(), RunOptions{}); err != nil {
		t.Fatal(err)
	}
	if entries, _ = store.Entries(context.Background()); len(entries) != 8 {
		t.Errorf("two dry runs left %d entries, want 8", len(entries))
	}
}

// runCase picks, from the emulator's clusters, an owner of each kind:
// one whose running clusters scale_down resizes, the owner of the exempt
// cluster, and one whose category stays dry-run.
type runCase struct {
	cat, owner string
	steps      []breach.Step
}

func pickOwners(t *testing.T, div budget.Division, all []budget.Cluster) (live, exempt, dry runCase) {
	t.Helper()
	var cases []runCase
	for _, c := range div.Categories {
		scale := c
		scale.OnBreach.Action = budget.ActionScaleDown
		seen := map[string]bool{}
		for _, cl := range all {
			owner := cl.Owner()
			if !breach.InCategory(cl, c) || seen[owner] || owner == "" {
				continue
			}
			seen[owner] = true
			steps, err := breach.Plan(scale, ownedBy(all, owner))
			if err != nil {
				t.Fatal(err)
			}
			cases = append(cases, runCase{cat: c.TagValue, owner: owner, steps: steps})
		}
	}
	acting := func(rc runCase) int { return len(actingSteps(rc.steps)) }
	for _, rc := range cases {
		for _, st := range rc.steps {
			if st.Before.Exempt() && exempt.cat == "" {
				exempt = rc
			}
		}
	}
	for _, rc := range cases {
		switch {
		case rc.cat == exempt.cat || acting(rc) == 0:
		case live.cat == "" || acting(rc) > acting(live):
			live = rc
		}
	}
	for _, rc := range cases {
		if rc.cat != exempt.cat && rc.cat != live.cat && acting(rc) > 0 {
			dry = rc
		}
	}
	if live.cat == "" || exempt.cat == "" || dry.cat == "" {
		t.Fatalf("the emulator's clusters give no live (%v), exempt (%v) or dry-run (%v) owner", live, exempt, dry)
	}
	return live, exempt, dry
}

func TestRunAppliesOnceADay(t *testing.T) {
	div, clusters := startWorkspace(t)
	ctx := context.Background()
	all, err := clusters.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	live, exempt, dry := pickOwners(t, div, all)
	last := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	snap := testSnapshot()
	snap.Categories = nil
	for _, c := range div.Categories {
		sc := snapshot.Category{Slug: c.Slug, Title: c.Title, TagValue: c.TagValue, MonthlyBudget: "3100.00",
			OnBreach: snapshot.Breach{Action: budget.ActionScaleDown, DryRun: c.TagValue == dry.cat}}
		for _, rc := range []runCase{live, exempt, dry} {
			if rc.cat == c.TagValue { // half the spend, $1,500 a month; $100 a day is over it
				sc.RecentOwners = []snapshot.OwnerSpend{{Owner: rc.owner, Cost: "500.00"}, {Owner: "other@nova.example", Cost: "500.00"}}
				sc.OwnerDaily = []snapshot.OwnerDaily{{Owner: rc.owner, Daily: flat(last, 120, "100.00")}}
			}
		}
		snap.Categories = append(snap.Categories, sc)
	}
	store := trail.NewFileStore(t.TempDir())
	slack := &posts{}
	svc := &Service{Snapshot: func(context.Context) (*snapshot.Snapshot, error) { return snap, nil },
		Clusters: clusters, Slack: slack, Trail: store, Now: func() time.Time { return runNow }}
	rep, err := svc.Run(ctx, RunOptions{Apply: true, Channel: "#budget"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Over != 3 || len(rep.Problems) != 0 || rep.Replayed {
		t.Fatalf("over %d, problems %q: %+v", rep.Over, rep.Problems, rep)
	}
	acted := len(actingSteps(live.steps)) + len(actingSteps(exempt.steps))
	if got := clusters.acts.Load(); got != int64(acted) {
		t.Errorf("%d clusters changed, want %d (the live owner's and the exempt owner's other clusters)", got, acted)
	}
	for _, rc := range []runCase{live, exempt, dry} {
		for _, st := range rc.steps {
			now, err := clusters.Get(ctx, st.Before.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := st.Before
			if st.Acts() && rc.cat != dry.cat {
				want = st.After
			}
			if now.Workers != want.Workers || (now.Autoscale == nil) != (want.Autoscale == nil) {
				t.Errorf("%s (%s, %s): now %s, want %s", st.Before.ID, rc.cat, st.Op, now.Size(), want.Size())
			}
		}
	}
	if len(slack.texts) != 3 {
		t.Errorf("%d posts, want one for each owner over their share", len(slack.texts))
	}
	for _, text := range slack.texts {
		if !strings.Contains(text, "over the next 30 days") || !strings.Contains(text, "Data through 2026-12-05T00:00:00Z") {
			t.Errorf("post %q", text)
		}
	}
	entries, err := store.Entries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e, ok, err := store.Lookup(ctx, "agent-run/2026-12-05/"+live.cat+"/"+live.owner)
	if err != nil || !ok || e.Outcome != trail.Acted || e.Owner != live.owner {
		t.Errorf("the live owner's entry: %s %s %q (%v %v)", e.Key, e.Outcome, e.Reason, ok, err)
	}
	if e, ok, _ := store.Lookup(ctx, "agent-run/2026-12-05/"+dry.cat+"/"+dry.owner); !ok || !strings.Contains(e.Reason, "would scale down") {
		t.Errorf("the dry-run owner's entry: %s %s %q", e.Key, e.Outcome, e.Reason)
	}

	// The same day again: the first report, nothing done, nothing traced.
	again, err := svc.Run(ctx, RunOptions{Apply: true, Channel: "#budget"})
	if err != nil || !again.Replayed || again.Over != 3 {
		t.Fatalf("second run: %+v %v", again, err)
	}
	after, _ := store.Entries(ctx)
	if clusters.acts.Load() != int64(acted) || len(slack.texts) != 3 || len(after) != len(entries) {
		t.Errorf("the second run acted %d, posted %d, traced %d more", clusters.acts.Load()-int64(acted), len(slack.texts)-3, len(after)-len(entries))
	}
	if _, err := store.Verify(ctx, ""); err != nil {
		t.Error(err)
	}
}
