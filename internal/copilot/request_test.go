package copilot

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/novadynamics/stellar-budget/internal/gate"
)

func status(err error) int {
	var p *gate.Problem
	if errors.As(err, &p) {
		return p.Status
	}
	if err != nil {
		return -1
	}
	return 0
}

func TestRoleFor(t *testing.T) {
	for tool, want := range map[string]gate.Role{ToolPredictCost: gate.Viewer, ToolScaleCluster: gate.Operator, ToolSlackAlert: gate.Operator} {
		if got, ok := RoleFor(tool); !ok || got != want {
			t.Errorf("RoleFor(%s) = %s, %v", tool, got, ok)
		}
	}
	if _, ok := RoleFor("drop_tables"); ok {
		t.Error("an unknown tool has a role")
	}
}

func TestRequestCheck(t *testing.T) {
	cases := []struct {
		name string
		req  Request
		want int
	}{
		{"ok", Request{ToolPredictCost, "r-1", json.RawMessage(`{}`)}, 0},
		{"unknown tool", Request{"drop", "r-1", json.RawMessage(`{}`)}, 422},
		{"no id", Request{ToolPredictCost, " ", json.RawMessage(`{}`)}, 422},
		{"long id", Request{ToolPredictCost, strings.Repeat("x", MaxRequestID+1), json.RawMessage(`{}`)}, 422},
		{"no arguments", Request{ToolPredictCost, "r-1", nil}, 400},
		{"null arguments", Request{ToolPredictCost, "r-1", json.RawMessage(`null`)}, 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := status(tc.req.Check()); got != tc.want {
				t.Errorf("Check = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestDecodeArguments(t *testing.T) {
	cases := []struct {
		name, tool, args string
		want             int
	}{
		{"owner", ToolPredictCost, `{"owner":"ana.ruiz@nova.example","horizon_days":30}`, 0},
		{"category with what-if", ToolPredictCost, `{"category":"deep-space","horizon_days":7,"what_if":{"cluster_id":"c-1","terminate":true}}`, 0},
		{"both", ToolPredictCost, `{"owner":"a@b.example","category":"X","horizon_days":3}`, 422},
		{"neither", ToolPredictCost, `{"horizon_days":3}`, 422},
		{"not an email", ToolPredictCost, `{"owner":"ana","horizon_days":3}`, 422},
		{"horizon 0", ToolPredictCost, `{"owner":"a@b.example","horizon_days":0}`, 422},
		{"horizon 91", ToolPredictCost, `{"owner":"a@b.example","horizon_days":91}`, 422},
		{"horizon text", ToolPredictCost, `{"owner":"a@b.example","horizon_days":"30"}`, 400},
		{"unknown field", ToolPredictCost, `{"owner":"a@b.example","horizon_days":3,"budget":1}`, 400},
		{"what-if both", ToolPredictCost, `{"owner":"a@b.example","horizon_days":3,"what_if":{"cluster_id":"c","workers":2,"terminate":true}}`, 422},
		{"scale", ToolScaleCluster, `{"cluster_id":"c-1","workers":2}`, 0},
		{"terminate", ToolScaleCluster, `{"cluster_id":"c-1","terminate":true}`, 0},
		{"zero workers", ToolScaleCluster, `{"cluster_id":"c-1","workers":0}`, 422},
		{"no change", ToolScaleCluster, `{"cluster_id":"c-1"}`, 422},
		{"terminate false", ToolScaleCluster, `{"cluster_id":"c-1","terminate":false}`, 422},
		{"no cluster", ToolScaleCluster, `{"workers":2}`, 422},
		{"slack", ToolSlackAlert, `{"channel":"#finops","text":"hello"}`, 0},
		{"slack empty", ToolSlackAlert, `{"channel":"#finops","text":"  "}`, 422},
		{"slack channel", ToolSlackAlert, `{"channel":"fin ops","text":"x"}`, 422},
		{"slack long", ToolSlackAlert, `{"channel":"#f","text":"` + strings.Repeat("x", MaxSlackText+1) + `"}`, 422},
		{"not an object", ToolSlackAlert, `[1]`, 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			switch tc.tool {
			case ToolPredictCost:
				_, err = DecodePredict(json.RawMessage(tc.args))
			case ToolScaleCluster:
				_, err = DecodeScale(json.RawMessage(tc.args))
			case ToolSlackAlert:
				_, err = DecodeSlack(json.RawMessage(tc.args))
			}
			if got := status(err); got != tc.want {
				t.Errorf("status %d (%v), want %d", got, err, tc.want)
			}
		})
	}
}

func FuzzDecodeArguments(f *testing.F) {
	f.Add([]byte(`{"owner":"a@b.example","horizon_days":30,"what_if":{"cluster_id":"c","workers":2}}`))
	f.Add([]byte(`{"cluster_id":"c-1","terminate":true}`))
	f.Add([]byte(`{"channel":"#x","text":"y"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, decode := range []func(json.RawMessage) error{
			func(r json.RawMessage) error { _, err := DecodePredict(r); return err },
			func(r json.RawMessage) error { _, err := DecodeScale(r); return err },
			func(r json.RawMessage) error { _, err := DecodeSlack(r); return err },
		} {
			if s := status(decode(data)); s != 0 && s != 400 && s != 422 {
				t.Fatalf("status %d for %q", s, data)
			}
		}
		p, err := DecodePredict(data)
		if err == nil && (p.HorizonDays < 1 || p.HorizonDays > MaxHorizonDays || (p.Owner == "") == (p.Category == "")) {
			t.Fatalf("accepted %+v", p)
		}
	})
}
