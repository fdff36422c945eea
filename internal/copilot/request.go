package copilot

import (
	"encoding/json"
	"net/http"
	"net/mail"
	"strings"

	"github.com/novadynamics/stellar-budget/internal/gate"
)

// Tool names.
const (
	ToolPredictCost  = "predict_cost"
	ToolScaleCluster = "scale_cluster"
	ToolSlackAlert   = "slack_alert"
)

// Tools are the copilot's tools in the order they are listed.
var Tools = []string{ToolPredictCost, ToolScaleCluster, ToolSlackAlert}

// RoleFor is the role a tool needs: viewers may ask, operators may act.
// ok is false for a tool that does not exist.
func RoleFor(tool string) (gate.Role, bool) {
	switch tool {
	case ToolPredictCost:
		return gate.Viewer, true
	case ToolScaleCluster, ToolSlackAlert:
		return gate.Operator, true
	}
	return "", false
}

// Request is one call of a tool: {"tool", "request_id", "arguments"}.
// Arguments stay raw until the caller's role allows the tool.
type Request struct {
	Tool      string          `json:"tool"`
	RequestID string          `json:"request_id"`
	Arguments json.RawMessage `json:"arguments"`
}

// MaxRequestID bounds a request id: it is the once-only key.
const MaxRequestID = 128

// Check validates the envelope: a known tool and a request id.
func (r Request) Check() error {
	if _, ok := RoleFor(r.Tool); !ok {
		return gate.Refuse(http.StatusUnprocessableEntity, "unknown_tool", "tool %q is not one of %s", gate.Clip(r.Tool, 40), strings.Join(Tools, ", "))
	}
	if strings.TrimSpace(r.RequestID) == "" || len(r.RequestID) > MaxRequestID {
		return gate.Refuse(http.StatusUnprocessableEntity, "bad_request_id", "request_id must be 1 to %d characters; it makes a retried call act once", MaxRequestID)
	}
	if len(r.Arguments) == 0 || string(r.Arguments) == "null" {
		return gate.Refuse(http.StatusBadRequest, "bad_json", "arguments: an object is required")
	}
	return nil
}

// WhatIf is a change predict_cost weighs: a cluster resized to Workers
// or terminated.
type WhatIf struct {
	ClusterID string `json:"cluster_id"`
	Workers   *int   `json:"workers,omitempty"`
	Terminate bool   `json:"terminate,omitempty"`
}

// PredictArgs are predict_cost's arguments: an owner or a category, a
// horizon of 1 to 90 days, and an optional what-if.
type PredictArgs struct {
	Owner       string  `json:"owner,omitempty"`
	Category    string  `json:"category,omitempty"` // tag_value or slug
	HorizonDays int     `json:"horizon_days"`
	WhatIf      *WhatIf `json:"what_if,omitempty"`
}

// MaxHorizonDays is the longest predict_cost horizon.
const MaxHorizonDays = 90

// ScaleArgs are scale_cluster's arguments: a target size or terminate.
type ScaleArgs struct {
	ClusterID string `json:"cluster_id"`
	Workers   *int   `json:"workers,omitempty"`
	Terminate bool   `json:"terminate,omitempty"`
}

// SlackArgs are slack_alert's arguments.
type SlackArgs struct {
	Channel string `json:"channel"`
	Text    string `json:"text"`
}

// MaxSlackText bounds a message: Slack truncates a text over 40,000
// characters; a copilot message is a few lines.
const MaxSlackText = 4000

func unprocessable(code, format string, args ...any) error {
	return gate.Refuse(http.StatusUnprocessableEntity, code, format, args...)
}

// DecodePredict reads and checks predict_cost's arguments.
func DecodePredict(raw json.RawMessage) (PredictArgs, error) {
	var a PredictArgs
	if err := gate.Decode(raw, &a); err != nil {
		return a, err
	}
	switch {
	case (a.Owner == "") == (a.Category == ""):
		return a, unprocessable("bad_arguments", "give exactly one of owner and category")
	case a.Owner != "" && !isEmail(a.Owner):
		return a, unprocessable("bad_arguments", "owner %q is not an email address", gate.Clip(a.Owner, 80))
	case a.HorizonDays < 1 || a.HorizonDays > MaxHorizonDays:
		return a, unprocessable("bad_arguments", "horizon_days %d is outside 1-%d", a.HorizonDays, MaxHorizonDays)
	}
	if w := a.WhatIf; w != nil {
		if err := checkChange("what_if.", w.ClusterID, w.Workers, w.Terminate); err != nil {
			return a, err
		}
	}
	return a, nil
}

// DecodeScale reads and checks scale_cluster's arguments.
func DecodeScale(raw json.RawMessage) (ScaleArgs, error) {
	var a ScaleArgs
	if err := gate.Decode(raw, &a); err != nil {
		return a, err
	}
	return a, checkChange("", a.ClusterID, a.Workers, a.Terminate)
}

// DecodeSlack reads and checks slack_alert's arguments.
func DecodeSlack(raw json.RawMessage) (SlackArgs, error) {
	var a SlackArgs
	if err := gate.Decode(raw, &a); err != nil {
		return a, err
	}
	switch {
	case strings.TrimSpace(a.Channel) == "" || len(a.Channel) > 80 || strings.ContainsAny(a.Channel, " \t\n"):
		return a, unprocessable("bad_arguments", "channel must be a Slack channel name such as #finops or a channel id")
	case strings.TrimSpace(a.Text) == "":
		return a, unprocessable("bad_arguments", "text is empty")
	case len(a.Text) > MaxSlackText:
		return a, unprocessable("bad_arguments", "text is over %d characters", MaxSlackText)
	}
	return a, nil
}

// checkChange checks a cluster change: a cluster id and exactly one of a
// worker count (at least 1; the category's limit is checked against the
// cluster) and terminate.
func checkChange(prefix, id string, workers *int, terminate bool) error {
	switch {
	case strings.TrimSpace(id) == "" || len(id) > 100:
		return unprocessable("bad_arguments", "%scluster_id is required", prefix)
	case (workers == nil) == !terminate:
		return unprocessable("bad_arguments", "give exactly one of %sworkers and %sterminate: true", prefix, prefix)
	case workers != nil && *workers < 1:
		return unprocessable("bad_arguments", "%sworkers %d is below 1; to stop the cluster, terminate it", prefix, *workers)
	}
	return nil
}

func isEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}
