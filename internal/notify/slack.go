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

// maxSlackAlerts is the most alerts in one post: a section and a divider
// each, well under Slack's 50 blocks.
const maxSlackAlerts = 10

// Slack posts alerts to an incoming webhook, several to a post.
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

// Notify posts the alerts in one message. 429 and 5xx answers and network
// errors before the request was sent are worth a retry; other 4xx answers
// are not; a request sent whose answer never came wraps ErrMaybeDelivered.
func (s *Slack) Notify(ctx context.Context, alerts []budget.Alert) (bool, error) {
	if len(alerts) == 0 {
		return false, nil
	}
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				wrote.Store(true)
			}
		},
	})
	err := slack.PostWebhookCustomHTTPContext(ctx, s.cfg.Slack.WebhookURL, s.client, s.message(alerts))
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

// message is one post: a section per alert, with a divider between, and
// a plain-text fallback for notifications.
func (s *Slack) message(alerts []budget.Alert) *slack.WebhookMessage {
	var blocks []slack.Block
	heads := make([]string, len(alerts))
	for i, a := range alerts {
		heads[i] = Headline(a)
		if i > 0 {
			blocks = append(blocks, slack.NewDividerBlock())
		}
		blocks = append(blocks, slack.NewSectionBlock(
			slack.NewTextBlockObject(slack.MarkdownType, s.mrkdwn(a), false, false), nil, nil))
	}
	text := heads[0]
	if len(alerts) > 1 {
		text = fmt.Sprintf("%d budget alerts: %s", len(alerts), strings.Join(heads, "; "))
	}
	return &slack.WebhookMessage{Text: text, Blocks: &slack.Blocks{BlockSet: blocks}}
}

// mrkdwn is one alert in Slack's markup: the headline (a link to the
// category page when there is one) and its figures.
func (s *Slack) mrkdwn(a budget.Alert) string {
	var b strings.Builder
	head := escapeMrkdwn(Headline(a))
	if link := s.cfg.link(a); link != "" {
		head = "<" + link + "|" + head + ">"
	}
	b.WriteString("*" + head + "*")
	for _, f := range figures(a) {
		fmt.Fprintf(&b, "\n%s: %s", escapeMrkdwn(f.Label), escapeMrkdwn(f.Value))
	}
	return b.String()
}

// escapeMrkdwn escapes the three characters Slack's markup reserves.
func escapeMrkdwn(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
