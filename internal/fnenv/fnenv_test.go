package fnenv

import (
	"context"
	"encoding/base64"
	stdjson "encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/novadynamics/stellar-budget/internal/copilot"
	"github.com/novadynamics/stellar-budget/internal/gate"
	"github.com/novadynamics/stellar-budget/internal/snapshot"
)

const viewer = "viewer-token-0000000001"

// writeSnapshot writes a small valid snapshot: one category and one owner
// spending $100 a day for 100 days through 4 Dec 2026.
func writeSnapshot(t *testing.T) string {
	t.Helper()
	last := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	var days snapshot.Series
	for i := 99; i >= 0; i-- {
		days.Days = append(days.Days, snapshot.Day{Date: snapshot.DateOf(last.AddDate(0, 0, -i)), Cost: "100.00"})
	}
	s := &snapshot.Snapshot{
		SchemaVersion: snapshot.SchemaVersion, GeneratedAt: snapshot.TimeOf(last.AddDate(0, 0, 1)),
		AsOf: snapshot.DateOf(last), DataThrough: snapshot.TimeOf(last.AddDate(0, 0, 1)),
		Source:     snapshot.Source{Kind: "demo", Inputs: []string{}, ReadAt: snapshot.TimeOf(last.AddDate(0, 0, 1)), LastUsageDate: snapshot.DateOf(last), FreshAgainst: "as_of"},
		Thresholds: []int{75, 90, 100},
		Totals: snapshot.Totals{MonthToDate: "400.00", Attributed: "400.00", Unattributed: "0.00", Budget: "3000.00", Forecast: "3100.00",
			ForecastLow: "3000.00", ForecastHigh: "3200.00", ForecastLow95: "2900.00", ForecastHigh95: "3300.00",
			QuarterToDate: "400.00", QuarterToDateBudget: "3000.00", YearToDate: "400.00", YearToDateBudget: "3000.00", AtRisk: []string{}, Watch: []string{"deep-space"}},
		Categories: []snapshot.Category{{Slug: "deep-space", Title: "Deep Space", TagValue: "DEEP_SPACE", Owners: []string{},
			MonthlyBudget: "3000.00", MonthToDate: "400.00", Forecast: "3100.00", ForecastLow: "3000.00", ForecastHigh: "3200.00",
			ForecastLow95: "2900.00", ForecastHigh95: "3300.00", ProbabilityOver: "0.50", Status: "watch",
			OnBreach: snapshot.Breach{Action: "notify", DryRun: true}, Policy: snapshot.Policy{NodeTypes: []string{}},
			Allowances: map[string]snapshot.Money{}, Daily: days, RecentOwners: []snapshot.OwnerSpend{}}},
		Owners: []snapshot.Owner{{Owner: "ana@nova.example", MonthToDate: "400.00", Forecast: "3100.00", ForecastLow: "3000.00", ForecastHigh: "3200.00",
			Burn30: "3000.00", Burn30Low: "2900.00", Burn30High: "3100.00", Daily: days}},
		Unattributed: snapshot.Unattributed{Untagged: "0.00", UnknownValue: "0.00", UnknownValues: []snapshot.UnknownValue{}},
		Unpriced:     []snapshot.SKU{}, Alerts: []snapshot.Alert{}, TagTypos: []snapshot.TagTypo{}, Clusters: []snapshot.Cluster{},
	}
	path := filepath.Join(t.TempDir(), "snapshot.json")
	if err := snapshot.Write(path, s); err != nil {
		t.Fatal(err)
	}
	if _, err := snapshot.ReadFile(path); err != nil {
		t.Fatalf("the test snapshot does not read back: %v", err)
	}
	return path
}

func agentLambda(t *testing.T) func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	t.Helper()
	vars := map[string]string{
		"STELLAR_AGENT_TOKENS": "viewer:" + viewer + ",operator:operator-token-00000001",
		"STELLAR_SNAPSHOT":     writeSnapshot(t),
		"STELLAR_STATE":        t.TempDir(),
	}
	h, err := Agent(Env{Getenv: func(k string) string { return vars[k] }, Now: func() time.Time { return time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	return Lambda(h)
}

func event(body string, headers map[string]string) events.APIGatewayProxyRequest {
	return events.APIGatewayProxyRequest{
		HTTPMethod: http.MethodPost, Path: "/.netlify/functions/agent", Headers: headers, Body: body,
		RequestContext: events.APIGatewayProxyRequestContext{HTTPMethod: http.MethodPost, Path: "/.netlify/functions/agent"},
	}
}

func identity(user string) context.Context {
	lc := &lambdacontext.LambdaContext{}
	lc.ClientContext.Custom = map[string]string{"netlify": base64.StdEncoding.EncodeToString([]byte(`{"user":` + user + `}`))}
	return lambdacontext.NewContext(context.Background(), lc)
}

func TestAgentOverAPIGatewayEvents(t *testing.T) {
	fn := agentLambda(t)
	predict := `{"tool":"predict_cost","request_id":"p-1","arguments":{"owner":"ana@nova.example","horizon_days":30}}`
	scale := `{"tool":"scale_cluster","request_id":"s-1","arguments":{"cluster_id":"c-1","workers":1}}`
	json := map[string]string{"Content-Type": "application/json"}
	bearer := map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + viewer}
	cases := []struct {
		name    string
		ctx     context.Context
		body    string
		headers map[string]string
		want    int
	}{
		{"bearer viewer predicts", context.Background(), predict, bearer, 200},
		{"no credentials", context.Background(), predict, json, 401},
		{"identity viewer predicts", identity(`{"email":"bo@nova.example","app_metadata":{"roles":["viewer"]}}`), predict, json, 200},
		{"identity viewer may not act", identity(`{"email":"bo@nova.example","app_metadata":{"roles":["viewer"]}}`), scale, json, 403},
		{"identity operator without Databricks", identity(`{"email":"cy@nova.example","app_metadata":{"roles":["operator"]}}`), scale, json, 503},
		{"identity without a role", identity(`{"email":"dy@nova.example","app_metadata":{}}`), predict, json, 403},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := fn(tc.ctx, event(tc.body, tc.headers))
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.want, resp.Body)
			}
			if tc.want == 200 {
				var a copilot.Answer
				if err := jsonUnmarshal(resp.Body, &a); err != nil || a.Prediction == nil || a.AsOf != "2026-12-04" || a.Prediction.Horizon != "3000.00" {
					t.Errorf("answer %s (%v)", resp.Body, err)
				}
			}
		})
	}
}

func jsonUnmarshal(s string, v any) error { return stdjson.Unmarshal([]byte(s), v) }

func TestAgentRefusesBadConfig(t *testing.T) {
	for name, vars := range map[string]map[string]string{
		"short token":    {"STELLAR_AGENT_TOKENS": "viewer:short"},
		"bad slack hook": {"SLACK_WEBHOOK_URL": "not a url"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Agent(Env{Getenv: func(k string) string { return vars[k] }, Now: time.Now})
			if err == nil || strings.Contains(err.Error(), "short") && strings.Contains(err.Error(), "viewer:short") {
				t.Fatalf("Agent = %v", err)
			}
		})
	}
}

func TestAlertWebhookOverAPIGatewayEvents(t *testing.T) {
	const secret = "whsec-0123456789abcdef"
	vars := map[string]string{"STELLAR_WEBHOOK_SECRET": secret, "STELLAR_SNAPSHOT": writeSnapshot(t), "STELLAR_STATE": t.TempDir()}
	now := time.Now()
	h, err := AlertWebhook(Env{Getenv: func(k string) string { return vars[k] }, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	fn := Lambda(h)
	body := `{"event":"budget_alert","key":"threshold/DEEP_SPACE/2026-12/90","category":"DEEP_SPACE","kind":"threshold","threshold_pct":90,"time":"2026-12-03","value_usd":"2700.00","budget_usd":"3000.00","forecast_usd":"","reason":"","as_of":""}`
	sig := gate.Sign([]byte(secret), now, []byte(body))
	resp, err := fn(context.Background(), event(body, map[string]string{"Content-Type": "application/json", gate.SignatureHeader: sig}))
	if err != nil || resp.StatusCode != 200 || !strings.Contains(resp.Body, `"outcome":"noop"`) {
		t.Fatalf("signed event: %d %s (%v)", resp.StatusCode, resp.Body, err)
	}
	resp, _ = fn(context.Background(), event(body, map[string]string{"Content-Type": "application/json"}))
	if resp.StatusCode != 401 {
		t.Errorf("unsigned, no Basic: %d, want 401", resp.StatusCode)
	}
	for name, bad := range map[string]map[string]string{
		"nothing":      {},
		"user only":    {"STELLAR_WEBHOOK_USER": "databricks"},
		"short secret": {"STELLAR_WEBHOOK_SECRET": "short"},
	} {
		if _, err := AlertWebhook(Env{Getenv: func(k string) string { return bad[k] }, Now: time.Now}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
