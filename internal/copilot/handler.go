package copilot

import (
	"errors"
	"net/http"

	"github.com/novadynamics/stellar-budget/internal/gate"
)

// ReplayedHeader is set on an answer given again for a retried request id.
const ReplayedHeader = "Stellar-Replayed"

// Handler is the agent function: POST {"tool", "request_id", "arguments"}
// with the caller's Identity or bearer token, checked in gate's order.
func Handler(svc *Service, tokens gate.Tokens) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := gate.Read(w, r)
		if err != nil {
			gate.Fail(w, err)
			return
		}
		caller, err := gate.Authenticate(r, tokens)
		if err != nil {
			gate.Fail(w, err)
			return
		}
		var req Request
		if err := gate.Decode(body, &req); err != nil {
			gate.Fail(w, err)
			return
		}
		res, err := svc.Call(r.Context(), caller, req)
		if err != nil {
			var p *gate.Problem
			if !errors.As(err, &p) {
				svc.log().Error("agent call failed", "tool", req.Tool, "caller", caller.Name, "err", err)
			}
			gate.Fail(w, err)
			return
		}
		writeResult(w, res)
	})
}

// writeResult writes a call's answer, marked when it is given again.
func writeResult(w http.ResponseWriter, res Result) {
	if res.Replayed {
		w.Header().Set(ReplayedHeader, "true")
	}
	status := res.Status
	if status == 0 {
		status = http.StatusOK
	}
	gate.WriteJSON(w, status, res.Body)
}
