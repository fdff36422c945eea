package copilot

import (
	"errors"
	"net/http"
	"time"

	"github.com/novadynamics/stellar-budget/internal/gate"
	"github.com/novadynamics/stellar-budget/internal/webhook"
)

// AlertCredentials authenticate the two kinds of sender: Databricks webhook
// destinations with HTTP Basic (STELLAR_WEBHOOK_USER,
// STELLAR_WEBHOOK_PASSWORD) and the generator with a signature
// (STELLAR_WEBHOOK_SECRET). A kind whose credentials are unset is refused.
type AlertCredentials struct {
	User, Password string
	Secret         []byte
}

// Callers of the webhook, as the trail names them.
var (
	callerDatabricks = gate.Caller{Name: "webhook:databricks-sql-alert", Role: "webhook"}
	callerStellar    = gate.Caller{Name: "webhook:stellar-budget", Role: "webhook"}
)

// AlertHandler is the alert-webhook function: POST an event, checked in gate's
// order (a signed request is the generator's event, any other a
// Databricks SQL alert with Basic credentials), mapped to its category and
// handed to svc.OnBreach. now dates signatures.
func AlertHandler(svc *Service, creds AlertCredentials, now func() time.Time) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := gate.Read(w, r)
		if err != nil {
			gate.Fail(w, err)
			return
		}
		var (
			ev     webhook.Event
			caller gate.Caller
		)
		if sig := r.Header.Get(gate.SignatureHeader); sig != "" {
			if err := gate.VerifySignature(creds.Secret, sig, body, now()); err != nil {
				gate.Fail(w, gate.Refuse(http.StatusUnauthorized, "bad_signature", "%v", err))
				return
			}
			caller = callerStellar
			ev, err = webhook.DecodeStellar(body)
		} else {
			if !gate.Basic(r, creds.User, creds.Password) {
				w.Header().Set("WWW-Authenticate", `Basic realm="stellar-budget alert webhook"`)
				gate.Fail(w, gate.Refuse(http.StatusUnauthorized, "unauthenticated", "send the webhook destination's username and password, or a %s", gate.SignatureHeader))
				return
			}
			caller = callerDatabricks
			ev, err = webhook.DecodeSQLAlert(body)
		}
		switch {
		case errors.Is(err, webhook.ErrLegacy), errors.Is(err, webhook.ErrNotAlert):
			gate.Fail(w, gate.Refuse(http.StatusUnprocessableEntity, "unsupported_event", "%v", err))
			return
		case err != nil:
			gate.Fail(w, gate.Refuse(http.StatusBadRequest, "bad_json", "%v", err))
			return
		}
		snap, err := svc.Snapshot(r.Context())
		if err != nil {
			gate.Fail(w, err)
			return
		}
		var names []webhook.CategoryName
		for _, c := range snap.Categories {
			names = append(names, webhook.CategoryName{TagValue: c.TagValue, Slug: c.Slug})
		}
		tag, err := webhook.Category(ev, names)
		if err != nil {
			gate.Fail(w, gate.Refuse(http.StatusUnprocessableEntity, "no_category", "%v", err))
			return
		}
		res, err := svc.OnBreach(r.Context(), caller, Breach{Key: ev.Key, Category: tag, Triggered: ev.Triggered, Summary: ev.Summary})
		if err != nil {
			gate.Fail(w, err)
			return
		}
		writeResult(w, res)
	})
}
