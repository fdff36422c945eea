// Package webhook reads the two kinds of event the alert webhook accepts
// and turns either into an Event: what happened, to which category, and
// the key that makes a redelivery act once.
//
// # Databricks SQL alerts
//
// The payload of the current Databricks SQL alerts, as documented
// ("SQL alert webhook payload"):
//
//	{"event": "alert_state_change", "url_base": "...",
//	 "alert": {"title", "description",
//	           "alert": {"id", "name", "owner": {"id", "name", "email"}, "created_at",
//	                     "parent", "query_text", "warehouse_id", "custom_summary",
//	                     "custom_description", "evaluations": [{"id", "state",
//	                     "last_evaluated_at", "comparison_operator", ...}]}}}
//
// Fields without values are omitted by Databricks and unknown fields are
// ignored here, as its documentation asks of a receiver. An alert is
// triggered when one of its evaluations has state TRIGGERED. The category
// is the one whose tag_value or slug the alert's name or custom summary
// names (case and separators ignored, whole words). The key is the alert
// id with the latest last_evaluated_at of its evaluations (a new
// evaluation is a new event; a redelivery of one is not), or, when no
// evaluation carries a time, the SHA-256 of the body.
//
// Legacy alerts send a different payload ({"event": "alert_state_change",
// "alert": {"id": 5, "state": "triggered", "query_id": ..., "options":
// ...}}: the alert at the top, no nested "alert"); it is refused with
// ErrLegacy, since it names no evaluation this receiver could trust.
//
// # Stellar Budget's own events
//
// `generator build --notify` with a webhook receiver posts each new alert
// as a StellarEvent, signed with the Stellar-Signature header (package
// gate). It is decoded strictly: it is ours, so an unknown field is a
// mistake to report, not to ignore.
package webhook

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Event sources.
const (
	SourceSQLAlert = "databricks_sql_alert"
	SourceStellar  = "stellar_budget"
)

// StellarEventName is the "event" of the generator's own events.
const StellarEventName = "budget_alert"

// Event is one received event, whatever sent it.
type Event struct {
	Source string
	// Key identifies the event across deliveries.
	Key string
	// Triggered is false for a SQL alert with no TRIGGERED evaluation
	// (it went back to OK, or errored): nothing is done about it.
	Triggered bool
	// Category is the tag_value a Stellar event names; "" for a SQL
	// alert, whose Texts are searched instead.
	Category string
	// Texts name the category: a SQL alert's name and custom summary.
	Texts []string
	// Summary says what happened, in a few words, for the trail.
	Summary string
}

// ErrLegacy is a legacy SQL alert payload.
var ErrLegacy = errors.New("a legacy Databricks SQL alert payload: this receiver reads the payload of the current SQL alerts (alert.alert with evaluations); recreate the alert as a current SQL alert")

// ErrNotAlert is JSON that is no alert event this receiver knows.
var ErrNotAlert = errors.New(`not an alert event: want "event": "alert_state_change"`)

type sqlPayload struct {
	Event   string `json:"event"`
	URLBase string `json:"url_base"`
	Alert   *struct {
		Title       string          `json:"title"`
		Description string          `json:"description"`
		Alert       *sqlAlert       `json:"alert"`
		State       json.RawMessage `json:"state"`    // legacy only
		QueryID     json.RawMessage `json:"query_id"` // legacy only
	} `json:"alert"`
}

type sqlAlert struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Owner *struct {
		Email string `json:"email"`
		Name  string `json:"name"`
	} `json:"owner"`
	QueryText     string          `json:"query_text"`
	WarehouseID   string          `json:"warehouse_id"`
	CustomSummary string          `json:"custom_summary"`
	Evaluations   []sqlEvaluation `json:"evaluations"`
}

type sqlEvaluation struct {
	ID              string `json:"id"`
	State           string `json:"state"`
	LastEvaluatedAt string `json:"last_evaluated_at"`
}

// DecodeSQLAlert reads a Databricks SQL alert webhook payload.
func DecodeSQLAlert(body []byte) (Event, error) {
	var p sqlPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return Event{}, fmt.Errorf("read the SQL alert payload: %w", err)
	}
	if p.Event != "alert_state_change" || p.Alert == nil {
		return Event{}, ErrNotAlert
	}
	a := p.Alert.Alert
	if a == nil {
		if len(p.Alert.State) > 0 || len(p.Alert.QueryID) > 0 {
			return Event{}, ErrLegacy
		}
		return Event{}, fmt.Errorf("read the SQL alert payload: alert.alert is missing")
	}
	if a.ID == "" {
		return Event{}, fmt.Errorf("read the SQL alert payload: alert.alert.id is missing")
	}
	e := Event{Source: SourceSQLAlert}
	var last string
	for _, ev := range a.Evaluations {
		if strings.EqualFold(ev.State, "TRIGGERED") {
			e.Triggered = true
		}
		if ev.LastEvaluatedAt > last {
			last = ev.LastEvaluatedAt
		}
	}
	if last != "" {
		e.Key = "sql-alert/" + a.ID + "/" + last
	} else {
		sum := sha256.Sum256(body)
		e.Key = "sql-alert/" + a.ID + "/sha256:" + hex.EncodeToString(sum[:])
	}
	for _, t := range []string{a.Name, a.CustomSummary} {
		if t != "" {
			e.Texts = append(e.Texts, t)
		}
	}
	state := "not triggered"
	if e.Triggered {
		state = "triggered"
	}
	e.Summary = fmt.Sprintf("SQL alert %q (%s) %s", a.Name, a.ID, state)
	return e, nil
}

// StellarEvent is one of the generator's alerts, as its webhook receiver
// posts it.
type StellarEvent struct {
	Event     string `json:"event"` // StellarEventName
	Key       string `json:"key"`   // budget.Alert.Key
	Category  string `json:"category"`
	Kind      string `json:"kind"`
	Threshold int    `json:"threshold_pct"`
	Time      string `json:"time"` // ISO date it happened in the data
	Value     string `json:"value_usd"`
	Budget    string `json:"budget_usd"`
	Forecast  string `json:"forecast_usd"`
	Reason    string `json:"reason"`
	AsOf      string `json:"as_of"` // RFC 3339: the data the build read
}

// DecodeStellar reads one of the generator's own events strictly.
func DecodeStellar(body []byte) (Event, error) {
	var s StellarEvent
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Event{}, fmt.Errorf("read the Stellar Budget event: %w", err)
	}
	if dec.More() {
		return Event{}, fmt.Errorf("read the Stellar Budget event: more than one JSON value")
	}
	var missing []string
	for name, v := range map[string]string{"event": s.Event, "key": s.Key, "category": s.Category, "kind": s.Kind, "time": s.Time} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return Event{}, fmt.Errorf("read the Stellar Budget event: %s missing", strings.Join(missing, ", "))
	}
	if s.Event != StellarEventName {
		return Event{}, fmt.Errorf("read the Stellar Budget event: event %q, want %q", s.Event, StellarEventName)
	}
	if _, err := time.Parse(time.DateOnly, s.Time); err != nil {
		return Event{}, fmt.Errorf("read the Stellar Budget event: time %q is not a date", s.Time)
	}
	return Event{
		Source:    SourceStellar,
		Key:       "stellar/" + s.Key,
		Triggered: true,
		Category:  s.Category,
		Summary:   fmt.Sprintf("%s alert%s for %s on %s: $%s of $%s", s.Kind, pctText(s.Threshold), s.Category, s.Time, s.Value, s.Budget),
	}, nil
}

func pctText(p int) string {
	if p == 0 {
		return ""
	}
	return fmt.Sprintf(" at %d %%", p)
}
