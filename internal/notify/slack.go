package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// maxSlackAlerts is the most alerts in one post: a section each, with
// the headline's and today's, well under Slack's 50 blocks.
const maxSlackAlerts = 10

// Slack posts alerts to an incoming webhook, one post per category with
// its alerts in the order they happened.
type Slack struct {
	cfg    Config
	client *http.Client
}

var _ Notifier = (*Slack)(nil)

// NewSlack returns the Slack notifier of cfg.Slack.
func NewSlack(cfg Config) (*Slack, error) {
	if err := cfg.Slack.validate(); err != nil {
		return nil, fmt.Errorf("notify: slack: %w", err)
	}
	client := cfg.Slack.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	return &Slack{cfg: cfg, client: client}, nil
}

// Notify posts the alerts of each category in one message; the pipeline
// gives it one category at a time (Integration.Group), so a retry never
// repeats a post that got through. 429 and 5xx answers and network
// errors before the request was sent are worth a retry; other 4xx answers
// are not; a request sent whose answer never came wraps ErrMaybeDelivered.
func (s *Slack) Notify(ctx context.Context, alerts []budget.Alert) (bool, error) {
	for _, g := range groups(alerts, ByCategory) {
		if retry, err := s.post(ctx, s.message(g)); err != nil {
			return retry, err
		}
	}
	return false, nil
}

// post sends one message and classifies its failure.
func (s *Slack) post(ctx context.Context, msg *slack.WebhookMessage) (bool, error) {
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				wrote.Store(true)
			}
		},
	})
	err := slack.PostWebhookCustomHTTPContext(ctx, s.cfg.Slack.WebhookURL, s.client, msg)
	if err == nil {
		return false, nil
	}
	return s.classify(err, wrote.Load())
}

// classify turns a webhook error into one without the URL (the webhook's
// path is its secret) and says whether it is worth a retry.
func (s *Slack) classify(err error, wrote bool) (bool, error) {
	var rl *slack.RateLimitedError
	var sc slack.StatusCodeError
	var ue *url.Error
	switch {
	case errors.As(err, &rl):
		return true, rateLimited{rl.RetryAfter}
	case errors.As(err, &sc):
		e := fmt.Errorf("slack webhook answered %s", s.redact(sc.Status))
		if sc.Code == http.StatusTooManyRequests || sc.Code >= 500 {
			return true, e
		}
		if sc.Code == http.StatusNotFound || sc.Code == http.StatusForbidden || sc.Code == http.StatusGone {
			e = fmt.Errorf("%w: check SLACK_WEBHOOK_URL", e)
		}
		return false, e
	case errors.As(err, &ue):
		cause := s.redact(ue.Err.Error())
		if wrote {
			return false, fmt.Errorf("post to the slack webhook: %s: the request was sent and its answer lost, so %w", cause, ErrMaybeDelivered)
		}
		return true, fmt.Errorf("post to the slack webhook: %s", cause)
	}
	return true, fmt.Errorf("post to the slack webhook: %s", s.redact(err.Error()))
}

func (s *Slack) redact(msg string) string {
	u := s.cfg.Slack.WebhookURL
	msg = strings.ReplaceAll(msg, u, "[webhook]")
	if p, err := url.Parse(u); err == nil && len(p.Path) > 1 {
		msg = strings.ReplaceAll(msg, p.Path, "[webhook]")
	}
	return msg
}

// rateLimited is Slack's 429 with the wait it asked for.
type rateLimited struct{ after time.Duration }

func (e rateLimited) Error() string {
	return fmt.Sprintf("slack webhook rate limit, retry after %s", e.after)
}

// RetryAfter is the wait Slack asked for; RetryStage honours it.
func (e rateLimited) RetryAfter() time.Duration { return e.after }

// message is one post of alerts of one category: the headline (a link to
// the category page when there is one), a section per alert in the order
// they happened (its block ID the alert's key), the category's figures as
// of the build, and the headline again as the plain-text fallback for
// notifications.
func (s *Slack) message(alerts []budget.Alert) *slack.WebhookMessage {
	m := s.cfg.compose(alerts)
	section := func(text string, opts ...slack.SectionBlockOption) slack.Block {
		return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil, opts...)
	}
	head := escapeMrkdwn(m.Headline)
	if m.Link != "" {
		head = "<" + m.Link + "|" + head + ">"
	}
	blocks := []slack.Block{section("*" + head + "*")}
	for _, it := range m.Items {
		text := escapeMrkdwn(it.Sentence) + "."
		if it.Reason != "" {
			text += "\nReason: " + escapeMrkdwn(it.Reason)
		}
		blocks = append(blocks, section(text, slack.SectionBlockOptionBlockID(it.Key)))
	}
	if len(m.Today) > 0 {
		var b strings.Builder
		b.WriteString("*" + escapeMrkdwn(m.AsOf) + "*")
		for _, f := range m.Today {
			fmt.Fprintf(&b, "\n%s: %s", escapeMrkdwn(f.Label), escapeMrkdwn(f.Value))
		}
		blocks = append(blocks, section(b.String()))
	}
	return &slack.WebhookMessage{Text: m.Headline, Blocks: &slack.Blocks{BlockSet: blocks}}
}

// escapeMrkdwn escapes the three characters Slack's markup reserves.
func escapeMrkdwn(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
