package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/textproto"
	"strings"
	"time"

	mail "github.com/wneessen/go-mail"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// AlertHeader carries the keys of the alerts an email tells of, comma
// separated in the order the body lists them, so a mailbox rule or a test
// can tell alerts apart.
const AlertHeader = "X-Stellar-Budget-Alert"

// Email sends one message per category over SMTP, to the category's owners
// and the division's recipients, with a text and an HTML part: its alerts
// in the order they happened, each with the figure it fired at and today's.
type Email struct {
	cfg Config
	now func() time.Time
}

var _ Notifier = (*Email)(nil)

// NewEmail returns the email notifier of cfg.SMTP; now dates the messages.
func NewEmail(cfg Config, now func() time.Time) (*Email, error) {
	if err := cfg.SMTP.validate(); err != nil {
		return nil, fmt.Errorf("notify: email: %w", err)
	}
	if now == nil {
		return nil, errors.New("notify: email: no clock")
	}
	return &Email{cfg: cfg, now: now}, nil
}

// Notify sends the alerts of each category as one message, all over one
// connection. It succeeds only when every message was accepted; the
// pipeline gives it one category at a time (Integration.Group), so a retry
// never repeats a message that got through. Temporary answers (4xx) and
// lost connections are worth a retry; permanent ones (5xx) and messages
// that cannot be built are not; a connection lost after the whole message
// was sent and before the server answered wraps ErrMaybeDelivered.
func (e *Email) Notify(ctx context.Context, alerts []budget.Alert) (bool, error) {
	var msgs []*mail.Msg
	for _, g := range groups(alerts, ByCategory) {
		m, err := e.message(g)
		if err != nil {
			return false, fmt.Errorf("email %s: %w", strings.Join(keys(g), ", "), err)
		}
		msgs = append(msgs, m)
	}
	client, err := e.client()
	if err != nil {
		return false, fmt.Errorf("email: %w", e.redact(err))
	}
	err = client.DialAndSendWithContext(ctx, msgs...)
	if err == nil || allDelivered(msgs) { // a failed QUIT or RSET after the message was accepted is no failure
		return false, nil
	}
	retry, maybe := classifySMTP(err)
	err = fmt.Errorf("email through %s:%d: %w", e.cfg.SMTP.Host, e.cfg.SMTP.Port, e.redact(err))
	if maybe {
		return false, fmt.Errorf("%w: the server had the whole message and its answer was lost, so %w", err, ErrMaybeDelivered)
	}
	return retry, err
}

func allDelivered(msgs []*mail.Msg) bool {
	for _, m := range msgs {
		if !m.IsDelivered() {
			return false
		}
	}
	return len(msgs) > 0
}

// classifySMTP says whether a failed send is worth another try, or may
// have been delivered. A server's answer decides when there is one: 4xx
// retry, 5xx not. Without one: a message that could not be built is not
// worth retrying; the answer to the end of the data lost means the server
// may have accepted it; anything else (refused or dropped connection,
// timeout, TLS handshake) is retried, within the try limit.
func classifySMTP(err error) (retry, maybeDelivered bool) {
	var se *mail.SendError
	if errors.As(err, &se) {
		switch code := se.ErrorCode(); {
		case code >= 500:
			return false, false
		case code >= 400:
			return true, false
		}
		switch se.Reason {
		case mail.ErrSMTPDataClose:
			return false, true
		case mail.ErrGetSender, mail.ErrGetRcpts, mail.ErrNoUnencoded:
			return false, false
		}
		return true, false
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code < 500, false
	}
	return true, false
}

// redact removes the password from an error's text. The error is
// rewrapped only when it contained it, so nothing below can print it.
func (e *Email) redact(err error) error {
	return redact(err, e.cfg.SMTP.Password)
}

func redact(err error, secrets ...string) error {
	msg := err.Error()
	found := false
	for _, s := range secrets {
		if s != "" && strings.Contains(msg, s) {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
			found = true
		}
	}
	if !found {
		return err
	}
	return errors.New(msg)
}

func (e *Email) client() (*mail.Client, error) {
	s := e.cfg.SMTP
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	opts := []mail.Option{mail.WithTimeout(timeout)}
	switch s.TLS {
	case TLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case TLSImplicit:
		opts = append(opts, mail.WithSSL())
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if s.TLSConfig != nil {
		tc := s.TLSConfig.Clone()
		if tc.ServerName == "" {
			tc.ServerName = s.Host
		}
		opts = append(opts, mail.WithTLSConfig(tc))
	}
	if s.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(s.Username), mail.WithPassword(s.Password))
	}
	opts = append(opts, mail.WithPort(s.Port))
	return mail.NewClient(s.Host, opts...)
}

// recipients are who the email of alerts goes to: the category's owners,
// then the division's recipients, each address once.
func (c Config) recipients(alerts []budget.Alert) []string {
	var all []string
	for _, a := range alerts {
		all = append(all, a.Owners...)
	}
	var out []string
	seen := map[string]bool{}
	for _, r := range append(all, c.Recipients...) {
		r = strings.TrimSpace(r)
		if r == "" || seen[strings.ToLower(r)] {
			continue
		}
		seen[strings.ToLower(r)] = true
		out = append(out, r)
	}
	return out
}

// message is the email of alerts of one category.
func (e *Email) message(alerts []budget.Alert) (*mail.Msg, error) {
	to := e.cfg.recipients(alerts)
	if len(to) == 0 {
		return nil, fmt.Errorf("no recipients: the category %s has no owners and the division no recipients (content/)", alerts[0].Category)
	}
	msg := e.cfg.compose(alerts)
	m := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := m.From(e.cfg.SMTP.From); err != nil {
		return nil, fmt.Errorf("sender %q: %w", e.cfg.SMTP.From, err)
	}
	if err := m.To(to...); err != nil {
		return nil, fmt.Errorf("recipients: %w", err)
	}
	m.Subject(subjectPrefix + msg.Headline)
	m.SetDateWithValue(e.now())
	m.SetMessageID()
	m.SetUserAgent("Stellar Budget")
	m.SetGenHeader(mail.Header(AlertHeader), msg.Keys...)
	text, html, err := msg.bodies()
	if err != nil {
		return nil, err
	}
	m.SetBodyString(mail.TypeTextPlain, text)
	m.AddAlternativeString(mail.TypeTextHTML, html)
	return m, nil
}

// bodies renders the text and HTML parts of the email.
func (m message) bodies() (text, html string, err error) {
	foot := "Sent once by Stellar Budget to the category's owners and the division's alert recipients. "
	if len(m.Keys) == 1 {
		foot += "Alert " + m.Keys[0] + "."
	} else {
		foot += "Alerts " + strings.Join(m.Keys, ", ") + "."
	}

	var t strings.Builder
	t.WriteString(m.Headline + ".\n")
	for i, it := range m.Items {
		line, indent := it.Sentence+".", ""
		if len(m.Items) > 1 {
			line, indent = fmt.Sprintf("%d. %s", i+1, line), "   "
		}
		t.WriteString("\n" + line + "\n")
		if it.Reason != "" {
			t.WriteString(indent + "Reason: " + it.Reason + "\n")
		}
	}
	if len(m.Today) > 0 {
		t.WriteString("\n" + m.AsOf + ":\n")
		width := 0
		for _, f := range m.Today {
			width = max(width, len(f.Label)+1)
		}
		for _, f := range m.Today {
			fmt.Fprintf(&t, "%-*s %s\n", width, f.Label+":", f.Value)
		}
	}
	if m.Link != "" {
		fmt.Fprintf(&t, "\nCategory page: %s\n", m.Link)
	}
	t.WriteString("\n-- \n" + foot + "\n")

	var h bytes.Buffer
	err = htmlBody.Execute(&h, struct {
		message
		Foot string
	}{m, foot})
	if err != nil {
		return "", "", fmt.Errorf("render email: %w", err)
	}
	return t.String(), h.String(), nil
}

var htmlBody = htmltemplate.Must(htmltemplate.New("alert").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{.Headline}}</title></head>
<body style="font-family:system-ui,sans-serif;color:#1b1f24">
<p style="font-size:1.1em"><strong>{{.Headline}}.</strong></p>
{{- if eq (len .Items) 1}}
{{- with index .Items 0}}
<p>{{.Sentence}}.</p>
{{- with .Reason}}
<p style="color:#555">Reason: {{.}}</p>
{{- end}}
{{- end}}
{{- else}}
<ol>
{{- range .Items}}
<li><p>{{.Sentence}}.</p>{{with .Reason}}<p style="color:#555">Reason: {{.}}</p>{{end}}</li>
{{- end}}
</ol>
{{- end}}
{{- with .Today}}
<table style="border-collapse:collapse">
<caption style="text-align:left;font-weight:bold;padding:8px 0 4px">{{$.AsOf}}</caption>
{{- range .}}
<tr><th style="text-align:left;padding:2px 16px 2px 0;font-weight:normal;color:#555">{{.Label}}</th><td style="padding:2px 0">{{.Value}}</td></tr>
{{- end}}
</table>
{{- end}}
{{- with .Link}}
<p><a href="{{.}}">Open the {{$.Title}} page</a></p>
{{- end}}
<p style="color:#777;font-size:0.85em">{{.Foot}}</p>
</body></html>
`))
