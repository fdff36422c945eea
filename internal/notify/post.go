package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// Poster posts one message to a Slack channel for the budget copilot's
// slack_alert tool.
type Poster interface {
	Post(ctx context.Context, channel, text string) (PostResult, error)
}

// PostResult says where a message went.
type PostResult struct {
	Channel string // the channel Slack posted to ("" through a webhook: it decides)
	TS      string // the message's timestamp, its id in the channel
	Via     string // "chat.postMessage" or "incoming webhook"
}

// PostConfig is how the copilot reaches Slack: a bot token (SLACK_BOT_TOKEN,
// chat.postMessage to the channel asked for), else the incoming webhook
// alerts use (SLACK_WEBHOOK_URL), which posts to the channel it was made
// for whatever the call names.
type PostConfig struct {
	BotToken   string       // a secret, never printed
	WebhookURL string       // a secret, never printed
	APIURL     string       // Slack's Web API; "" for https://slack.com/api/ (tests point it at loopback)
	Client     *http.Client // nil: a client with a 30 s timeout
}

// ErrNoSlack: neither a bot token nor a webhook is set.
var ErrNoSlack = errors.New("slack is not configured: set SLACK_BOT_TOKEN (posts to the channel asked for) or SLACK_WEBHOOK_URL")

// NewPoster returns the poster of cfg.
func NewPoster(cfg PostConfig) (Poster, error) {
	client := cfg.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	switch {
	case cfg.BotToken != "":
		opts := []slack.Option{slack.OptionHTTPClient(client)}
		if cfg.APIURL != "" {
			opts = append(opts, slack.OptionAPIURL(strings.TrimSuffix(cfg.APIURL, "/")+"/"))
		}
		return botPoster{api: slack.New(cfg.BotToken, opts...), token: cfg.BotToken}, nil
	case cfg.WebhookURL != "":
		if err := (SlackConfig{WebhookURL: cfg.WebhookURL}).validate(); err != nil {
			return nil, err
		}
		s := &Slack{cfg: Config{Slack: SlackConfig{WebhookURL: cfg.WebhookURL}}, client: client}
		return hookPoster{s}, nil
	}
	return nil, ErrNoSlack
}

type botPoster struct {
	api   *slack.Client
	token string
}

func (b botPoster) Post(ctx context.Context, channel, text string) (PostResult, error) {
	ch, ts, err := b.api.PostMessageContext(ctx, channel, slack.MsgOptionText(text, false), slack.MsgOptionDisableLinkUnfurl())
	if err != nil {
		return PostResult{}, fmt.Errorf("post to slack channel %s: %s", channel, strings.ReplaceAll(err.Error(), b.token, "[token]"))
	}
	return PostResult{Channel: ch, TS: ts, Via: "chat.postMessage"}, nil
}

type hookPoster struct{ s *Slack }

func (h hookPoster) Post(ctx context.Context, channel, text string) (PostResult, error) {
	if _, err := h.s.post(ctx, &slack.WebhookMessage{Text: text, Channel: channel}); err != nil {
		return PostResult{}, err
	}
	return PostResult{Via: "incoming webhook"}, nil
}
