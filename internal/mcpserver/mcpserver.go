// Package mcpserver serves the budget copilot's three tools over the Model
// Context Protocol (github.com/modelcontextprotocol/go-sdk, streamable
// HTTP, stateless) for AI assistants, at /.netlify/functions/mcp.
//
// The tools, their roles, guards and trail are the agent function's
// (package copilot): a call becomes a copilot.Request and goes through
// Service.Call. Every request is authenticated before the protocol reads
// it (an unknown or missing token is HTTP 401, as the agent answers);
// tools/list shows all three tools to every authenticated caller, and the
// role is checked when a tool is called: a viewer's call of an acting tool
// is a tool error, not a protocol error, so an assistant reads why.
//
// Each tool's input schema is the agent's arguments with one optional
// property more, request_id: a retried call with the same request_id gets
// the first answer and acts no more; without one, every call is new.
package mcpserver

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/novadynamics/stellar-budget/internal/copilot"
	"github.com/novadynamics/stellar-budget/internal/fnenv"
	"github.com/novadynamics/stellar-budget/internal/gate"
)

// Version is the server's version in the protocol's handshake.
const Version = "1.0.0"

var tools = []*mcp.Tool{
	{
		Name:        copilot.ToolPredictCost,
		Description: "Predict an owner's or a category's month-end spend and the spend of the next horizon_days days (USD, list price, with 80 % ranges), optionally with a what-if: a cluster resized to N workers or terminated now. Viewers and operators.",
		InputSchema: json.RawMessage(`{"type":"object","additionalProperties":false,
			"properties":{
				"owner":{"type":"string","format":"email","description":"an owner's email; give owner or category"},
				"category":{"type":"string","description":"a category's tag_value or slug; give owner or category"},
				"horizon_days":{"type":"integer","minimum":1,"maximum":90},
				"what_if":{"type":"object","additionalProperties":false,"required":["cluster_id"],"properties":{
					"cluster_id":{"type":"string"},"workers":{"type":"integer","minimum":1},"terminate":{"type":"boolean","const":true}}},
				"request_id":{"type":"string","maxLength":128}},
			"required":["horizon_days"]}`),
	},
	{
		Name:        copilot.ToolScaleCluster,
		Description: "Resize a running cluster to N workers, or terminate it, within its category's rules (policy max_workers; never a cluster tagged StellarBudget=exempt); dry-run when the category says so. Operators only; every decision is recorded in the trail.",
		InputSchema: json.RawMessage(`{"type":"object","additionalProperties":false,
			"properties":{
				"cluster_id":{"type":"string"},"workers":{"type":"integer","minimum":1},"terminate":{"type":"boolean","const":true},
				"request_id":{"type":"string","maxLength":128}},
			"required":["cluster_id"]}`),
	},
	{
		Name:        copilot.ToolSlackAlert,
		Description: "Post a short message to a Slack channel. Operators only; recorded in the trail.",
		InputSchema: json.RawMessage(`{"type":"object","additionalProperties":false,
			"properties":{
				"channel":{"type":"string"},"text":{"type":"string","maxLength":4000},
				"request_id":{"type":"string","maxLength":128}},
			"required":["channel","text"]}`),
	},
}

// FromEnv builds the mcp function from its environment (package fnenv),
// kept here so that the other functions do not link the protocol's SDK.
func FromEnv(e fnenv.Env) (http.Handler, error) {
	svc, tokens, err := fnenv.Service(e, true)
	if err != nil {
		return nil, fmt.Errorf("mcp function: %w", err)
	}
	return Handler(svc, tokens), nil
}

// Handler serves the tools for svc to the callers tokens (or Netlify
// Identity) name.
func Handler(svc *copilot.Service, tokens gate.Tokens) http.Handler {
	streamable := mcp.NewStreamableHTTPHandler(func(r *http.Request) *mcp.Server {
		caller, _ := r.Context().Value(callerKey{}).(gate.Caller)
		return server(svc, caller)
	}, &mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true, MaxRequestBodyBytes: gate.MaxBody})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		caller, err := gate.Authenticate(r, tokens)
		if err != nil {
			gate.Fail(w, err)
			return
		}
		streamable.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, caller)))
	})
}

type callerKey struct{}

// server is one request's MCP server, its tools bound to the caller.
func server(svc *copilot.Service, caller gate.Caller) *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "stellar-budget", Title: "Stellar Budget copilot", Version: Version}, nil)
	for _, t := range tools {
		s.AddTool(t, func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return call(ctx, svc, caller, t.Name, req.Params.Arguments), nil
		})
	}
	return s
}

// call runs one tool through the copilot; a refusal or failure is a tool
// error whose text is the problem's message.
func call(ctx context.Context, svc *copilot.Service, caller gate.Caller, tool string, raw json.RawMessage) *mcp.CallToolResult {
	args := map[string]json.RawMessage{}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &args); err != nil {
			return toolError("arguments: " + err.Error())
		}
	}
	id := rand.Text()
	if v, ok := args["request_id"]; ok {
		if err := json.Unmarshal(v, &id); err != nil {
			return toolError("request_id: a string is expected")
		}
		delete(args, "request_id")
	}
	rest, err := json.Marshal(args)
	if err != nil {
		return toolError(err.Error())
	}
	res, err := svc.Call(ctx, caller, copilot.Request{Tool: tool, RequestID: id, Arguments: rest})
	if err != nil {
		var p *gate.Problem
		if errors.As(err, &p) {
			return toolError(p.Message)
		}
		return toolError("the tool failed; its log has the cause")
	}
	if res.Status >= 300 {
		return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: string(res.Body)}}}
	}
	return &mcp.CallToolResult{
		Content:           []mcp.Content{&mcp.TextContent{Text: string(res.Body)}},
		StructuredContent: res.Body,
	}
}

func toolError(msg string) *mcp.CallToolResult {
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: msg}}}
}
