package notify

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// TLSMode is how the SMTP connection is encrypted (SMTP_TLS).
type TLSMode string

const (
	TLSNone     TLSMode = "none"     // plain text; go-mail then refuses PLAIN and LOGIN authentication
	TLSStartTLS TLSMode = "starttls" // plain connection upgraded with STARTTLS, which the server must offer
	TLSImplicit TLSMode = "tls"      // TLS from the first byte ("SMTPS")
)

// Channels: the names deliveries are recorded under in the ledger.
const (
	ChannelEmail = "email"
	ChannelSlack = "slack"
)

// Config is what the notifiers need, filled in main: SMTP and Slack from
// the environment (ConfigFromEnv), the rest from the content and flags.
type Config struct {
	SMTP  SMTPConfig  // zero Host: no email
	Slack SlackConfig // zero WebhookURL: no Slack
	Hook  HookConfig  // zero URL: no alert webhook
	// Recipients are the division's alert recipients (content/_index.md),
	// who receive every email besides the category's owners.
	Recipients []string
	// BaseURL is where the site is published (--base-url); messages link
	// to <BaseURL>/categories/<slug>/. Empty: no links.
	BaseURL string
	// Slugs maps a category's tag_value (budget.Alert.Category) to the
	// slug of its page (budget.Category.Slug); see SlugsOf. A category
	// without a slug gets no link.
	Slugs map[string]string
	// AsOf is the build's as-of date: messages write dates of its year
	// without the year ("1 Dec"). Zero: every date carries its year.
	AsOf time.Time
	// Current maps a category's tag_value to its figures as the build
	// reads them, so a message gives today's figure beside the one an
	// alert fired at. A category without one gets the alert's figures
	// only.
	Current map[string]Current
}

// SMTPConfig is the SMTP server email goes through.
type SMTPConfig struct {
	Host     string  // SMTP_HOST
	Port     int     // SMTP_PORT; 0: 587 for starttls, 465 for tls, 25 for none
	From     string  // SMTP_FROM, the sender address
	Username string  // SMTP_USERNAME; empty: no authentication
	Password string  // SMTP_PASSWORD; never printed
	TLS      TLSMode // SMTP_TLS; empty: starttls
	// TLSConfig verifies the server; nil: the system's roots and Host as
	// the server name. Tests pass their own CA.
	TLSConfig *tls.Config
	Timeout   time.Duration // per connection and command; 0: 30 s
}

// SlackConfig is the Slack incoming webhook alerts are posted to.
type SlackConfig struct {
	WebhookURL string       // SLACK_WEBHOOK_URL; a secret, never printed
	Client     *http.Client // nil: a client with a 30 s timeout
}

// ErrNotConfigured: --notify was asked for but neither SMTP nor Slack is
// configured. Nothing is sent and the ledger is not touched.
var ErrNotConfigured = errors.New("notify: no notifier configured: set SMTP_HOST and SMTP_FROM for email, SLACK_WEBHOOK_URL for Slack, or STELLAR_ALERT_WEBHOOK_URL and STELLAR_WEBHOOK_SECRET for the alert webhook")

// ConfigFromEnv reads the SMTP and Slack settings with getenv (main passes
// os.Getenv): SMTP_HOST, SMTP_PORT, SMTP_FROM, SMTP_USERNAME,
// SMTP_PASSWORD, SMTP_TLS (none, starttls or tls; default starttls) and
// SLACK_WEBHOOK_URL, STELLAR_ALERT_WEBHOOK_URL and STELLAR_WEBHOOK_SECRET
// (the alert webhook and the secret its posts are signed with). Unset variables leave their notifier unconfigured;
// set ones must be valid. Without SMTP_HOST there is no email, whatever the
// other SMTP_ variables say. Errors name the variable, never a secret's
// value.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var cfg Config
	var errs []error
	env := func(name string) string { return strings.TrimSpace(getenv(name)) }

	s := &cfg.SMTP
	s.Host = env("SMTP_HOST")
	s.From = env("SMTP_FROM")
	s.Username = env("SMTP_USERNAME")
	s.Password = getenv("SMTP_PASSWORD") // spaces may belong to it
	s.TLS = TLSMode(strings.ToLower(env("SMTP_TLS")))
	if p := env("SMTP_PORT"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			errs = append(errs, fmt.Errorf("SMTP_PORT %q is not a port number (1-65535)", p))
		}
		s.Port = n
	}
	if s.Host == "" {
		cfg.SMTP = SMTPConfig{} // no email, whatever else is set
	} else if err := s.validate(); err != nil {
		errs = append(errs, err)
	}

	cfg.Slack.WebhookURL = env("SLACK_WEBHOOK_URL")
	if cfg.Slack.WebhookURL != "" {
		if err := cfg.Slack.validate(); err != nil {
			errs = append(errs, err)
		}
	}
	cfg.Hook.URL = env("STELLAR_ALERT_WEBHOOK_URL")
	if cfg.Hook.URL != "" {
		cfg.Hook.Secret = []byte(getenv("STELLAR_WEBHOOK_SECRET"))
		if err := cfg.Hook.validate(); err != nil {
			errs = append(errs, err)
		}
	}
	return cfg, errors.Join(errs...)
}

// Configured reports whether at least one notifier is configured.
func (c Config) Configured() bool {
	return c.SMTP.Host != "" || c.Slack.WebhookURL != "" || c.Hook.URL != ""
}

// validate checks the SMTP settings and fills the defaults of TLS and Port.
func (s *SMTPConfig) validate() error {
	var errs []error
	if s.Host == "" {
		errs = append(errs, errors.New("SMTP_HOST is not set"))
	}
	if s.From == "" {
		errs = append(errs, errors.New("SMTP_FROM is not set: email needs a sender address"))
	} else if _, err := mail.ParseAddress(s.From); err != nil {
		errs = append(errs, fmt.Errorf("SMTP_FROM %q is not an email address", s.From))
	}
	if s.Password != "" && s.Username == "" {
		errs = append(errs, errors.New("SMTP_PASSWORD is set but SMTP_USERNAME is not"))
	}
	switch s.TLS {
	case "":
		s.TLS = TLSStartTLS
	case TLSNone, TLSStartTLS, TLSImplicit:
	default:
		errs = append(errs, fmt.Errorf("SMTP_TLS %q is not one of none, starttls, tls", string(s.TLS)))
	}
	if s.Port == 0 {
		switch s.TLS {
		case TLSImplicit:
			s.Port = 465
		case TLSNone:
			s.Port = 25
		default:
			s.Port = 587
		}
	}
	if s.Port < 1 || s.Port > 65535 {
		errs = append(errs, fmt.Errorf("SMTP port %d is not a port number (1-65535)", s.Port))
	}
	return errors.Join(errs...)
}

func (s SlackConfig) validate() error {
	u, err := url.Parse(s.WebhookURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("SLACK_WEBHOOK_URL is not an http(s) URL")
	}
	return nil
}

// String describes the SMTP settings without the password.
func (s SMTPConfig) String() string {
	if s.Host == "" {
		return "smtp (not configured)"
	}
	user := ""
	if s.Username != "" {
		user = s.Username + "@"
	}
	return fmt.Sprintf("smtp://%s%s:%d (%s) from %s", user, s.Host, s.Port, s.TLS, s.From)
}

// GoString is String, so %#v does not print the password either.
func (s SMTPConfig) GoString() string { return s.String() }

// LogValue is String, for slog.
func (s SMTPConfig) LogValue() slog.Value { return slog.StringValue(s.String()) }

// String says whether a webhook is set, never which.
func (s SlackConfig) String() string {
	if s.WebhookURL == "" {
		return "slack (not configured)"
	}
	return "slack incoming webhook (set)"
}

// GoString is String, so %#v does not print the webhook either.
func (s SlackConfig) GoString() string { return s.String() }

// LogValue is String, for slog.
func (s SlackConfig) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Integrations returns the configured notifiers, email first, each with
// the batching the pipeline uses for it: one email per category with all
// its alerts due (four connections at once), one Slack post per category
// with up to ten of its alerts, one alert webhook post per alert (two at
// once). now dates the emails. With neither
// configured it returns ErrNotConfigured.
func Integrations(cfg Config, now func() time.Time) ([]Integration, error) {
	if !cfg.Configured() {
		return nil, ErrNotConfigured
	}
	if cfg.BaseURL != "" {
		u, err := url.Parse(cfg.BaseURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("notify: base URL %q is not an absolute http(s) URL", cfg.BaseURL)
		}
	}
	var out []Integration
	if cfg.SMTP.Host != "" {
		e, err := NewEmail(cfg, now)
		if err != nil {
			return nil, err
		}
		out = append(out, Integration{Name: ChannelEmail, Notifier: e, Group: ByCategory, Parallel: 4})
	}
	if cfg.Slack.WebhookURL != "" {
		s, err := NewSlack(cfg)
		if err != nil {
			return nil, err
		}
		out = append(out, Integration{Name: ChannelSlack, Notifier: s, Group: ByCategory, Batch: maxSlackAlerts, Parallel: 1})
	}
	if cfg.Hook.URL != "" {
		h, err := NewHook(cfg, now)
		if err != nil {
			return nil, err
		}
		out = append(out, Integration{Name: ChannelWebhook, Notifier: h, Batch: 1, Parallel: 2})
	}
	return out, nil
}
