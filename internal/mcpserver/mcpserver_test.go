package mcpserver

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/novadynamics/stellar-budget/internal/copilot"
	"github.com/novadynamics/stellar-budget/internal/gate"
	"github.com/novadynamics/stellar-budget/internal/snapshot"
	"github.com/novadynamics/stellar-budget/internal/trail"
)

const (
	viewer   = "viewer-token-0000000001"
	operator = "operator-token-00000001"
)

func testSnapshot() *snapshot.Snapshot {
	last := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	var days snapshot.Series
	for i := 59; i >= 0; i-- {
		days.Days = append(days.Days, snapshot.Day{Date: snapshot.DateOf(last.AddDate(0, 0, -i)), Cost: "50.00"})
	}
	return &snapshot.Snapshot{SchemaVersion: snapshot.SchemaVersion, AsOf: snapshot.DateOf(last), DataThrough: snapshot.TimeOf(last.AddDate(0, 0, 1)),
		Categories: []snapshot.Category{{Slug: "deep-space", Title: "Deep Space", TagValue: "DEEP_SPACE", MonthlyBudget: "1500.00", Daily: days,
			OnBreach: snapshot.Breach{Action: "scale_down", DryRun: true}}}}
}

type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

func serve(t *testing.T) *httptest.Server {
	t.Helper()
	tokens, err := gate.ParseTokens("viewer:" + viewer + ",operator:" + operator)
	if err != nil {
		t.Fatal(err)
	}
	svc := &copilot.Service{
		Snapshot: func(context.Context) (*snapshot.Snapshot, error) { return testSnapshot(), nil },
		Trail:    trail.NewFileStore(t.TempDir()),
		Now:      func() time.Time { return time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC) },
	}
	srv := httptest.NewServer(Handler(svc, tokens))
	t.Cleanup(srv.Close)
	return srv
}

func connect(t *testing.T, srv *httptest.Server, token string) (*mcp.ClientSession, error) {
	t.Helper()
	client := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "0"}, nil)
	return client.Connect(context.Background(), &mcp.StreamableClientTransport{
		Endpoint: srv.URL, HTTPClient: &http.Client{Transport: bearer{token}}, MaxRetries: -1, DisableStandaloneSSE: true,
	}, nil)
}

func text(r *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range r.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

func TestToolsOverMCP(t *testing.T) {
	srv := serve(t)
	cs, err := connect(t, srv, viewer)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	ctx := context.Background()
	list, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range list.Tools {
		names = append(names, tool.Name)
		if tool.InputSchema == nil || tool.Description == "" {
			t.Errorf("tool %s has no schema or description", tool.Name)
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"predict_cost", "scale_cluster", "slack_alert"}) {
		t.Fatalf("tools %v", names)
	}

	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "predict_cost", Arguments: map[string]any{"category": "deep-space", "horizon_days": 30}})
	if err != nil {
		t.Fatal(err)
	}
	var a copilot.Answer
	if err := json.Unmarshal([]byte(text(res)), &a); res.IsError || err != nil || a.Prediction == nil || a.AsOf != "2026-12-04" || a.Prediction.Horizon != "1500.00" {
		t.Fatalf("predict_cost: %v %s (%v)", res.IsError, text(res), err)
	}

	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "scale_cluster", Arguments: map[string]any{"cluster_id": "c-1", "workers": 1}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.IsError || !strings.Contains(text(res), "needs the operator role") {
		t.Errorf("a viewer's scale_cluster: error %v, %q", res.IsError, text(res))
	}

	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "predict_cost", Arguments: map[string]any{"owner": "x@y.example", "category": "deep-space", "horizon_days": 3}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.IsError || !strings.Contains(text(res), "exactly one of owner and category") {
		t.Errorf("bad arguments: error %v, %q", res.IsError, text(res))
	}
}

func TestOperatorReachesTheGuards(t *testing.T) {
	srv := serve(t)
	cs, err := connect(t, srv, operator)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "scale_cluster", Arguments: map[string]any{"cluster_id": "c-1", "terminate": true, "request_id": "m-1"}})
	if err != nil {
		t.Fatal(err)
	}
	// No Databricks behind this server: the operator passes the role
	// check and is told what is missing.
	if !res.IsError || !strings.Contains(text(res), "Databricks is not configured") {
		t.Errorf("operator scale_cluster: error %v, %q", res.IsError, text(res))
	}
}

func TestUnknownTokenIs401(t *testing.T) {
	srv := serve(t)
	for _, token := range []string{"", "operator-token-00000002"} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("token %q: status %d, want 401", token, resp.StatusCode)
		}
	}
	if _, err := connect(t, srv, "operator-token-00000002"); err == nil {
		t.Error("the SDK client connected with an unknown token")
	}
}
