package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// sizeLimit is the most a function binary may weigh, as .ci/run counts
// DESIGN.md's 30 MB.
const sizeLimit = 30 << 20

// function is one folder under functions/: its Netlify binary's size and
// its cold starts.
type function struct {
	name  string
	size  int64           // linux/amd64, stripped
	cold  []time.Duration // one per start; none when no call is known
	first string          // what the first answer said
}

// functions builds every folder under functions/ as Netlify does, and
// cold-starts those it knows a call for.
func functions(ctx context.Context, fx fixture, dir string, cfg config, log *slog.Logger) ([]function, error) {
	entries, err := os.ReadDir("functions")
	if err != nil {
		return nil, fmt.Errorf("list the functions (run from the repository root): %w", err)
	}
	var out []function
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		fn := function{name: e.Name()}
		log.Info("building the function as Netlify does", "function", fn.name)
		netlify := filepath.Join(dir, "linux-amd64", fn.name)
		if err := build(ctx, fn.name, netlify, "linux", "amd64"); err != nil {
			return nil, err
		}
		info, err := os.Stat(netlify)
		if err != nil {
			return nil, fmt.Errorf("function %s: %w", fn.name, err)
		}
		fn.size = info.Size()
		call, ok := fx.coldCall(fn.name)
		if !ok {
			log.Warn("no call known for this function: size only", "function", fn.name)
			out = append(out, fn)
			continue
		}
		local := netlify
		if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
			local = filepath.Join(dir, "host", fn.name)
			if err := build(ctx, fn.name, local, runtime.GOOS, runtime.GOARCH); err != nil {
				return nil, err
			}
		}
		for i := range cfg.coldRuns {
			state := filepath.Join(dir, "cold", fmt.Sprintf("%s-%d", fn.name, i))
			c := call
			c.env = append(slices.Clone(call.env), "STELLAR_STATE="+state)
			took, resp, err := coldStart(ctx, local, c, cfg.coldTimeout)
			if err != nil {
				return nil, fmt.Errorf("cold start of %s: %w", fn.name, err)
			}
			log.Info("cold start", "function", fn.name, "run", i+1, "ms", took.Milliseconds())
			fn.cold = append(fn.cold, took)
			fn.first = fmt.Sprintf("%d, as of %s", resp.StatusCode, fx.snap.AsOf)
		}
		out = append(out, fn)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no function under functions/")
	}
	return out, nil
}

// build compiles ./functions/name as Netlify builds a Go function.
func build(ctx context.Context, name, out, goos, goarch string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-ldflags", "-s -w", "-o", out, "./functions/"+name)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build function %s for %s/%s: %w: %s", name, goos, goarch, err, clip(b))
	}
	return nil
}

// coldCall is the first call a cold function answers, with the
// environment it needs and the check that its answer is a real one.
func (fx fixture) coldCall(name string) (coldCall, bool) {
	cat := fx.snap.Categories[0]
	env := []string{"STELLAR_SNAPSHOT=" + fx.path}
	event := func(body string, headers map[string]string) events.APIGatewayProxyRequest {
		headers["Content-Type"] = "application/json"
		return events.APIGatewayProxyRequest{
			HTTPMethod: http.MethodPost, Path: "/.netlify/functions/" + name, Headers: headers, Body: body,
			RequestContext: events.APIGatewayProxyRequestContext{RequestID: "fnbench-cold", HTTPMethod: http.MethodPost, Path: "/.netlify/functions/" + name},
		}
	}
	bearer := map[string]string{"Authorization": "Bearer " + viewerToken}
	switch name {
	case "agent":
		args, _ := json.Marshal(map[string]any{"category": cat.Slug, "horizon_days": 30})
		return coldCall{
			env:   append(env, "STELLAR_AGENT_TOKENS="+agentTokens),
			event: event(string(request("predict_cost", "cold-1", args)), bearer),
			check: fx.answers(`"month_end_usd":`),
		}, true
	case "alert-webhook":
		const user, password = "databricks", "fnbench-webhook-password-01"
		alert, _ := json.Marshal(map[string]any{"event": "alert_state_change", "alert": map[string]any{"alert": map[string]any{
			"id": "fnbench-cold", "name": cat.TagValue + " daily spend",
			"evaluations": []map[string]any{{"id": "e1", "state": "OK", "last_evaluated_at": fx.snap.DataThrough}},
		}}})
		basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
		return coldCall{
			env:   append(env, "STELLAR_WEBHOOK_USER="+user, "STELLAR_WEBHOOK_PASSWORD="+password),
			event: event(string(alert), map[string]string{"Authorization": basic}),
			check: fx.answers(`"outcome":"noop"`),
		}, true
	case "mcp":
		args, _ := json.Marshal(map[string]any{"category": cat.Slug, "horizon_days": 30})
		rpc, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": map[string]any{"name": "predict_cost", "arguments": json.RawMessage(args)}})
		bearer["Accept"] = "application/json, text/event-stream"
		return coldCall{
			env:   append(env, "STELLAR_AGENT_TOKENS="+agentTokens),
			event: event(string(rpc), bearer),
			check: fx.mcpAnswers,
		}, true
	}
	return coldCall{}, false
}

// answers checks a function's proxy response: 200 with the snapshot's
// as-of and want.
func (fx fixture) answers(want string) func(events.APIGatewayProxyResponse) error {
	check := fx.wants(want)
	return func(r events.APIGatewayProxyResponse) error { return check(r.StatusCode, []byte(r.Body)) }
}

// mcpAnswers checks a tools/call answer: 200, a result that is no tool
// error, its prediction of the snapshot's as-of.
func (fx fixture) mcpAnswers(r events.APIGatewayProxyResponse) error {
	if r.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", r.StatusCode)
	}
	var rpc struct {
		Result *struct {
			IsError bool `json:"isError"`
			Content []struct {
				Text string `json:"text"`
			} `json:"content"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(r.Body), &rpc); err != nil {
		return fmt.Errorf("not a JSON-RPC answer: %w", err)
	}
	if rpc.Result == nil || rpc.Result.IsError || len(rpc.Result.Content) == 0 {
		return fmt.Errorf("no tool result")
	}
	text := rpc.Result.Content[0].Text
	if !strings.Contains(text, string(fx.asOfJSON)) || !strings.Contains(text, `"month_end_usd":`) {
		return fmt.Errorf("the tool result is no prediction as of %s", fx.snap.AsOf)
	}
	return nil
}
