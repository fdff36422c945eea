package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/gate"
	alertevent "github.com/novadynamics/stellar-budget/internal/webhook"
)

// ChannelWebhook is the channel alert webhook deliveries are recorded under.
const ChannelWebhook = "webhook"

// HookConfig is the alert webhook (functions/alert-webhook, or any
// receiver of the same events) each new alert is posted to.
type HookConfig struct {
	URL    string       // STELLAR_ALERT_WEBHOOK_URL
	Secret []byte       // STELLAR_WEBHOOK_SECRET: signs each post; never printed
	Client *http.Client // nil: a client with a 30 s timeout
}

func (h HookConfig) validate() error {
	var errs []error
	u, err := url.Parse(h.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		errs = append(errs, errors.New("STELLAR_ALERT_WEBHOOK_URL is not an http(s) URL"))
	}
	if len(h.Secret) < 16 {
		errs = append(errs, errors.New("STELLAR_WEBHOOK_SECRET must be set, at least 16 characters, to sign alert webhook posts"))
	}
	return errors.Join(errs...)
}

// String says whether a webhook is set, never its secret.
func (h HookConfig) String() string {
	if h.URL == "" {
		return "alert webhook (not configured)"
	}
	return "alert webhook " + h.URL
}

// GoString is String, so %#v does not print the secret either.
func (h HookConfig) GoString() string { return h.String() }

// LogValue is String, for slog.
func (h HookConfig) LogValue() slog.Value { return slog.StringValue(h.String()) }

// Hook posts each alert as one signed alertevent.StellarEvent, so the
// receiver acts on each once (its key is the alert's).
type Hook struct {
	cfg    HookConfig
	client *http.Client
	now    func() time.Time
	asOf   string
}

var _ Notifier = (*Hook)(nil)

// NewHook returns the alert webhook notifier of cfg.Hook; now signs the
// posts.
func NewHook(cfg Config, now func() time.Time) (*Hook, error) {
	if err := cfg.Hook.validate(); err != nil {
		return nil, fmt.Errorf("notify: alert webhook: %w", err)
	}
	client := cfg.Hook.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	h := &Hook{cfg: cfg.Hook, client: client, now: now}
	if !cfg.AsOf.IsZero() {
		h.asOf = cfg.AsOf.UTC().Format(time.RFC3339)
	}
	return h, nil
}

// EventOf is the event an alert is posted as.
func EventOf(a budget.Alert, asOf string) alertevent.StellarEvent {
	e := alertevent.StellarEvent{
		Event: alertevent.StellarEventName, Key: a.Key(), Category: a.Category, Kind: a.Kind,
		Threshold: a.Threshold, Time: a.Time.Format(time.DateOnly),
		Value: a.Value.StringFixed(2), Budget: a.Budget.StringFixed(2), Reason: a.Reason, AsOf: asOf,
	}
	if !a.Forecast.IsZero() {
		e.Forecast = a.Forecast.StringFixed(2)
	}
	return e
}

// Notify posts the alerts one by one. 429, 5xx and network errors before
// the request was sent are worth a retry; other answers are not; a request
// sent whose answer never came wraps ErrMaybeDelivered (the receiver is
// idempotent per key, so an operator's resend is safe).
func (h *Hook) Notify(ctx context.Context, alerts []budget.Alert) (bool, error) {
	for _, a := range alerts {
		if retry, err := h.post(ctx, EventOf(a, h.asOf)); err != nil {
			return retry, fmt.Errorf("alert %s: %w", a.Key(), err)
		}
	}
	return false, nil
}

func (h *Hook) post(ctx context.Context, ev alertevent.StellarEvent) (bool, error) {
	body, err := json.Marshal(ev)
	if err != nil {
		return false, fmt.Errorf("encode the event: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return false, fmt.Errorf("post to the alert webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(gate.SignatureHeader, gate.Sign(h.cfg.Secret, h.now(), body))
	var wrote atomic.Bool
	req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) { wrote.Store(i.Err == nil) },
	}))
	resp, err := h.client.Do(req)
	if err != nil {
		if wrote.Load() {
			return false, fmt.Errorf("post to the alert webhook: the request was sent and its answer lost, so %w", ErrMaybeDelivered)
		}
		return true, fmt.Errorf("post to the alert webhook: %w", errors.Unwrap(err))
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch {
	case resp.StatusCode < 300:
		return false, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return true, fmt.Errorf("the alert webhook answered %s", resp.Status)
	}
	return false, fmt.Errorf("the alert webhook answered %s: %s", resp.Status, bytes.TrimSpace(msg))
}
