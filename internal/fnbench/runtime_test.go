package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/content"
	"github.com/novadynamics/stellar-budget/internal/fnenv"
	"github.com/novadynamics/stellar-budget/internal/mcpserver"
	"github.com/novadynamics/stellar-budget/internal/snapshot"
)

// functionEnv names the function a re-executed test binary runs, as its
// functions/<name>/main.go would, under aws-lambda-go's real runtime
// client: the cold-start tests start this binary instead of building one.
const functionEnv = "FNBENCH_TEST_FUNCTION"

func TestMain(m *testing.M) {
	switch os.Getenv(functionEnv) {
	case "":
		os.Exit(m.Run())
	case "agent":
		fnenv.Main("agent", fnenv.Agent)
	case "alert-webhook":
		fnenv.Main("alert-webhook", fnenv.AlertWebhook)
	case "mcp":
		fnenv.Main("mcp", mcpserver.FromEnv)
	case "silent":
		select {} // started, never asks for an event
	}
	os.Exit(3)
}

// testFixture writes a snapshot of content/'s categories, each spending
// $200 a day for 90 days through 4 Dec 2026, and reads it as the
// benchmark does.
func testFixture(t *testing.T) fixture {
	t.Helper()
	div, err := content.Load(filepath.Join("..", "..", "content"))
	if err != nil {
		t.Fatal(err)
	}
	last := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	var daily snapshot.Series
	for i := 89; i >= 0; i-- {
		daily.Days = append(daily.Days, snapshot.Day{Date: snapshot.DateOf(last.AddDate(0, 0, -i)), Cost: "200.00"})
	}
	through := snapshot.TimeOf(last.AddDate(0, 0, 1))
	snap := &snapshot.Snapshot{
		SchemaVersion: snapshot.SchemaVersion, GeneratedAt: through, AsOf: snapshot.DateOf(last), DataThrough: through,
		Source:     snapshot.Source{Kind: "demo", Inputs: []string{}, ReadAt: through, LastUsageDate: snapshot.DateOf(last), FreshAgainst: "as_of"},
		Thresholds: []int{75, 90, 100},
		Totals: snapshot.Totals{MonthToDate: "800.00", Attributed: "800.00", Unattributed: "0.00", Budget: "6000.00", Forecast: "6200.00",
			ForecastLow: "6000.00", ForecastHigh: "6400.00", ForecastLow95: "5800.00", ForecastHigh95: "6600.00",
			QuarterToDate: "800.00", QuarterToDateBudget: "6000.00", YearToDate: "800.00", YearToDateBudget: "6000.00", AtRisk: []string{}, Watch: []string{}},
		Owners: []snapshot.Owner{{Owner: "ana@nova.example", MonthToDate: "800.00", Forecast: "6200.00", ForecastLow: "6000.00", ForecastHigh: "6400.00",
			Burn30: "6000.00", Burn30Low: "5800.00", Burn30High: "6200.00", Daily: daily}},
		Unattributed: snapshot.Unattributed{Untagged: "0.00", UnknownValue: "0.00", UnknownValues: []snapshot.UnknownValue{}},
		Unpriced:     []snapshot.SKU{}, Alerts: []snapshot.Alert{}, TagTypos: []snapshot.TagTypo{}, Clusters: []snapshot.Cluster{},
	}
	for _, c := range div.Categories {
		snap.Categories = append(snap.Categories, snapshot.Category{Slug: c.Slug, Title: c.Title, TagValue: c.TagValue, Owners: []string{},
			MonthlyBudget: snapshot.USD(c.MonthlyBudget), MonthToDate: "800.00", Forecast: "6200.00", ForecastLow: "6000.00", ForecastHigh: "6400.00",
			ForecastLow95: "5800.00", ForecastHigh95: "6600.00", ProbabilityOver: "0.10", Status: "on_track",
			OnBreach: snapshot.Breach{Action: c.OnBreach.Action, DryRun: c.OnBreach.DryRun}, Policy: snapshot.Policy{NodeTypes: []string{}},
			Allowances: map[string]snapshot.Money{}, Daily: daily, RecentOwners: []snapshot.OwnerSpend{}})
	}
	path := filepath.Join(t.TempDir(), "snapshot.json")
	if err := snapshot.Write(path, snap); err != nil {
		t.Fatal(err)
	}
	cfg := defaults()
	cfg.snapshot, cfg.content = path, filepath.Join("..", "..", "content")
	fx, err := loadFixture(cfg, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	return fx
}

// self is the test binary run as the named function.
func self(t *testing.T, fx fixture, name string) coldCall {
	t.Helper()
	call, ok := fx.coldCall(name)
	if !ok {
		t.Fatalf("no cold call for %s", name)
	}
	call.env = append(call.env, functionEnv+"="+name, "STELLAR_STATE="+t.TempDir())
	return call
}

// TestColdStartAnswers: each function, started under the runtime API
// stub with only its own environment, gives the real answer its call
// expects, through aws-lambda-go's runtime client and the API Gateway
// proxy adapter.
func TestColdStartAnswers(t *testing.T) {
	fx := testFixture(t)
	for _, name := range []string{"agent", "alert-webhook", "mcp"} {
		t.Run(name, func(t *testing.T) {
			took, resp, err := coldStart(context.Background(), os.Args[0], self(t, fx, name), 30*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if took <= 0 || took > 30*time.Second || resp.StatusCode != http.StatusOK {
				t.Errorf("%s: %d after %s", name, resp.StatusCode, took)
			}
		})
	}
}

func TestColdStartFailures(t *testing.T) {
	fx := testFixture(t)
	cases := []struct {
		name    string
		fn      string
		call    func(coldCall) coldCall
		timeout time.Duration
		want    string
	}{
		{"the function cannot start", "alert-webhook", func(c coldCall) coldCall {
			c.env = withoutVar(withoutVar(c.env, "STELLAR_WEBHOOK_USER"), "STELLAR_WEBHOOK_PASSWORD")
			return c
		}, 30 * time.Second, "exited before answering"},
		{"a wrong answer", "agent", func(c coldCall) coldCall {
			c.check = fixture{asOfJSON: []byte(`"as_of":"1999-01-01"`)}.answers(`"month_end_usd":`)
			return c
		}, 30 * time.Second, "lacks"},
		{"a refusal", "agent", func(c coldCall) coldCall {
			c.event.Headers["Authorization"] = "Bearer not-a-token-of-anyone-0001"
			return c
		}, 30 * time.Second, "answered 401"},
		{"no answer", "agent", func(c coldCall) coldCall {
			c.env = append(withoutVar(c.env, functionEnv), functionEnv+"=silent")
			return c
		}, 300 * time.Millisecond, "no answer within"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := coldStart(context.Background(), os.Args[0], tc.call(self(t, fx, tc.fn)), tc.timeout)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want one saying %q", err, tc.want)
			}
		})
	}
}

func withoutVar(env []string, name string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// TestRuntimeAPI: the stub speaks the runtime API as aws-lambda-go's
// client expects it: one event with its id and deadline, a held second
// "next", 202 for the answer, the answer and errors recorded.
func TestRuntimeAPI(t *testing.T) {
	clock := time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
	api, err := startRuntimeAPI([]byte(`{"path":"/x"}`), "req-1", func() time.Time { return clock })
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	base := "http://" + api.addr + "/2018-06-01/runtime/"

	resp, err := http.Get(base + "invocation/next")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	deadline, _ := strconv.ParseInt(resp.Header.Get(headerDeadline), 10, 64)
	if resp.StatusCode != 200 || string(body) != `{"path":"/x"}` || resp.Header.Get(headerID) != "req-1" || deadline != clock.Add(30*time.Second).UnixMilli() {
		t.Fatalf("next: %d %s, headers %v", resp.StatusCode, body, resp.Header)
	}

	held := make(chan error, 1)
	go func() {
		r, err := http.Get(base + "invocation/next")
		if err == nil {
			r.Body.Close()
		}
		held <- err
	}()

	post := func(path, body string) int {
		r, err := http.Post(base+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r.StatusCode
	}
	cases := []struct {
		name, path string
		status     int
		failed     bool
	}{
		{"another request's answer", "invocation/req-2/response", http.StatusBadRequest, false},
		{"the answer", "invocation/req-1/response", http.StatusAccepted, false},
		{"an error", "invocation/req-1/error", http.StatusAccepted, true},
		{"an init error", "init/error", http.StatusAccepted, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := post(tc.path, `{"statusCode":200}`); got != tc.status {
				t.Fatalf("POST %s: %d, want %d", tc.path, got, tc.status)
			}
			select {
			case inv := <-api.answers:
				if tc.status != http.StatusAccepted || inv.failed != tc.failed || string(inv.body) != `{"statusCode":200}` || !inv.at.Equal(clock) {
					t.Errorf("recorded %+v", inv)
				}
			default:
				if tc.status == http.StatusAccepted {
					t.Error("nothing recorded")
				}
			}
		})
	}

	select {
	case err := <-held:
		t.Fatalf("a second next returned (%v) while the stub runs", err)
	case <-time.After(100 * time.Millisecond):
	}
	api.Close()
	select {
	case <-held:
	case <-time.After(5 * time.Second):
		t.Fatal("a held next outlived the stub")
	}
}

// TestColdCallsAreKnown: every function under functions/ has a call the
// benchmark cold-starts it with, so a new one is not silently left out.
func TestColdCallsAreKnown(t *testing.T) {
	fx := testFixture(t)
	entries, err := os.ReadDir(filepath.Join("..", "..", "functions"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if _, ok := fx.coldCall(e.Name()); e.IsDir() && !ok {
			t.Errorf("functions/%s: no cold call in coldCall", e.Name())
		}
	}
}
