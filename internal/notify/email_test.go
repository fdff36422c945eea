package notify

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// TestEmailThroughSMTP sends alerts through a real SMTP server on
// loopback in each TLS mode and reads back what it accepted: recipients,
// subject, the text and HTML parts, the figures and the link.
func TestEmailThroughSMTP(t *testing.T) {
	tests := []struct {
		name       string
		mode       TLSMode
		user, pass string
	}{
		{name: "plain", mode: TLSNone},
		{name: "starttls with auth", mode: TLSStartTLS, user: "stellar", pass: "s3cret-pw"},
		{name: "implicit tls with auth", mode: TLSImplicit, user: "stellar", pass: "s3cret-pw"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var opts []smtpOption
			if tc.user != "" {
				opts = append(opts, withAuth(tc.user, tc.pass))
			}
			srv := startSMTP(t, tc.mode, opts...)
			dir := t.TempDir()
			alerts := novAlerts()
			out, rep := deliver(t, emailIntegrations(t, srv, tc.mode), alerts, testOptions(dir))
			if rep.Err() != nil || rep.Sent != 4 {
				t.Fatalf("report %v, problems %v", rep, rep.Err())
			}
			for _, a := range out {
				if a.Status != budget.AlertSent {
					t.Errorf("%s: status %s, want sent", a.Key(), a.Status)
				}
			}
			if tc.user != "" && len(srv.authed) == 0 {
				t.Error("the client did not authenticate")
			}
			msgs := srv.messages()
			if len(msgs) != 4 {
				t.Fatalf("server accepted %d messages, want 4", len(msgs))
			}
			byKey := map[string]received{}
			for _, m := range msgs {
				byKey[m.Key] = m
			}

			m, ok := byKey["threshold/EXPLORATORY_MISSIONS/2026-11/90"]
			if !ok {
				t.Fatalf("no message for the 90 %% threshold; got keys %v", srv.counts())
			}
			wantRcpt := []string{owners[0], owners[1], division} // the owner listed again in upper case comes once
			if !slices.Equal(m.To, wantRcpt) {
				t.Errorf("RCPT TO = %v, want %v", m.To, wantRcpt)
			}
			p := parseMessage(t, m.Data)
			if !slices.Equal(p.To, wantRcpt) {
				t.Errorf("To: = %v, want %v", p.To, wantRcpt)
			}
			if want := "[Stellar Budget] Exploratory Missions reached 90 % of its November 2026 budget"; p.Subject != want {
				t.Errorf("subject %q, want %q", p.Subject, want)
			}
			if m.From != "stellar-budget@novadynamics.test" {
				t.Errorf("MAIL FROM %q", m.From)
			}
			if got := p.Header.Get("Date"); got != "Fri, 20 Nov 2026 06:30:00 +0000" {
				t.Errorf("Date %q, want the injected clock's", got)
			}
			link := "https://budget.novadynamics.test/categories/exploratory-missions/"
			for _, want := range []string{
				"Exploratory Missions reached 90 % of its November 2026 budget.",
				"Month to date on 12 November 2026: $9,050.00",
				"Budget for November 2026:",
				"$10,000.00",
				"Budget used:",
				"90.5 %",
				"$11,200.50 (112.0 % of budget)",
				"job 4411 (nightly-orbit-fit) doubled its runs",
				"Category page: " + link,
			} {
				if !strings.Contains(p.Text, want) {
					t.Errorf("text part lacks %q:\n%s", want, p.Text)
				}
			}
			for _, want := range []string{
				"<strong>Exploratory Missions reached 90 % of its November 2026 budget.</strong>",
				`<a href="` + link + `">Open the Exploratory Missions page</a>`,
				"$9,050.00", "90.5 %", "$11,200.50 (112.0 % of budget)",
			} {
				if !strings.Contains(p.HTML, want) {
					t.Errorf("HTML part lacks %q:\n%s", want, p.HTML)
				}
			}

			a := byKey["anomaly/EXPLORATORY_MISSIONS/2026-11-14"]
			pa := parseMessage(t, a.Data)
			if want := "[Stellar Budget] Exploratory Missions spent unusually much on 14 November 2026 (anomaly)"; pa.Subject != want {
				t.Errorf("anomaly subject %q, want %q", pa.Subject, want)
			}
			for _, want := range []string{"Spent on 14 November 2026:", "$1,830.25", "Expected for the day:", "$310.00"} {
				if !strings.Contains(pa.Text, want) {
					t.Errorf("anomaly text lacks %q:\n%s", want, pa.Text)
				}
			}
			f := byKey["forecast/NAVIGATION_SYSTEMS/2026-11"]
			pf := parseMessage(t, f.Data)
			if want := "[Stellar Budget] Navigation Systems is forecast to reach 100 % of its November 2026 budget"; pf.Subject != want {
				t.Errorf("forecast subject %q, want %q", pf.Subject, want)
			}
			if want := []string{"ethan.brooks@novadynamics.test", division, "CHLOE.DUBOIS@novadynamics.test"}; !slices.Equal(pf.To, want) {
				t.Errorf("forecast To: %v, want %v", pf.To, want)
			}
			if !strings.Contains(pf.Text, "https://budget.novadynamics.test/categories/navigation-systems/") {
				t.Errorf("forecast text has no link:\n%s", pf.Text)
			}
		})
	}
}

// TestEmailWithoutBaseURLHasNoLink: no --base-url, no link.
func TestEmailWithoutBaseURLHasNoLink(t *testing.T) {
	cfg := messageConfig()
	cfg.BaseURL = ""
	text, html, err := cfg.bodies(threshold(nov, 90))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text, "http") || strings.Contains(html, "<a ") {
		t.Errorf("a link without a base URL:\n%s\n%s", text, html)
	}
}

// TestEmailErrors checks what the email notifier says of each failure:
// whether it is worth a retry, whether it may have been delivered, and
// that the password never shows.
func TestEmailErrors(t *testing.T) {
	const password = "hunter2-Sup3r-Secret"
	tests := []struct {
		name      string
		srv       func(t *testing.T) SMTPConfig
		retry     bool
		maybe     bool
		errSubstr string
	}{
		{
			name: "temporary 451 is retried",
			srv: func(t *testing.T) SMTPConfig {
				return startSMTP(t, TLSNone, withReject(func(int) error { return tempFail })).config(TLSNone)
			},
			retry: true, errSubstr: "451",
		},
		{
			name: "permanent 550 is not",
			srv: func(t *testing.T) SMTPConfig {
				return startSMTP(t, TLSNone, withReject(func(int) error { return permFail })).config(TLSNone)
			},
			retry: false, errSubstr: "550",
		},
		{
			name: "wrong password is permanent and not printed",
			srv: func(t *testing.T) SMTPConfig {
				c := startSMTP(t, TLSStartTLS, withAuth("stellar", "the-right-one")).config(TLSStartTLS)
				c.Username, c.Password = "stellar", password
				return c
			},
			retry: false, errSubstr: "535",
		},
		{
			name: "connection refused is retried",
			srv: func(t *testing.T) SMTPConfig {
				c := startSMTP(t, TLSNone).config(TLSNone)
				c.Port = closedPort(t)
				return c
			},
			retry: true, errSubstr: "refused",
		},
		{
			name: "starttls required but not offered is retried",
			srv: func(t *testing.T) SMTPConfig {
				c := startSMTP(t, TLSNone).config(TLSStartTLS)
				return c
			},
			retry: true, errSubstr: "STARTTLS",
		},
		{
			name: "answer lost after the data may have been delivered",
			srv: func(t *testing.T) SMTPConfig {
				s := startSMTP(t, TLSNone)
				s.hangUp = func(int) bool { return true }
				return s.config(TLSNone)
			},
			maybe: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := messageConfig()
			cfg.SMTP = tc.srv(t)
			e, err := NewEmail(cfg, clock)
			if err != nil {
				t.Fatal(err)
			}
			retry, err := e.Notify(context.Background(), []budget.Alert{threshold(nov, 90)})
			if err == nil {
				t.Fatal("no error")
			}
			t.Logf("error: %v", err)
			if retry != tc.retry {
				t.Errorf("retry = %v, want %v (%v)", retry, tc.retry, err)
			}
			if got := errors.Is(err, ErrMaybeDelivered); got != tc.maybe {
				t.Errorf("maybe delivered = %v, want %v (%v)", got, tc.maybe, err)
			}
			if !strings.Contains(err.Error(), tc.errSubstr) {
				t.Errorf("error %q lacks %q", err, tc.errSubstr)
			}
			if strings.Contains(err.Error(), password) || strings.Contains(err.Error(), "the-right-one") {
				t.Errorf("error shows a password: %v", err)
			}
		})
	}
}

// TestEmailNoRecipients: an alert nobody can receive fails at once.
func TestEmailNoRecipients(t *testing.T) {
	srv := startSMTP(t, TLSNone)
	cfg := Config{SMTP: srv.config(TLSNone)}
	e, err := NewEmail(cfg, clock)
	if err != nil {
		t.Fatal(err)
	}
	a := threshold(nov, 90)
	a.Owners = nil
	retry, err := e.Notify(context.Background(), []budget.Alert{a})
	if err == nil || retry || !strings.Contains(err.Error(), "no recipients") {
		t.Errorf("Notify = %v, %v; want no retry and a no-recipients error", retry, err)
	}
	if srv.attempts() != 0 {
		t.Errorf("%d messages reached the server", srv.attempts())
	}
}

// TestHeadline covers each kind's sentence.
func TestHeadline(t *testing.T) {
	low := anomalyAlert(time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC))
	low.Value = budget.MustDecimal("12")
	untitled := threshold(oct, 75)
	untitled.Title = ""
	tests := []struct {
		name string
		a    budget.Alert
		want string
	}{
		{"threshold", threshold(nov, 90), "Exploratory Missions reached 90 % of its November 2026 budget"},
		{"forecast", forecastAlert(nov), "Navigation Systems is forecast to reach 100 % of its November 2026 budget"},
		{"anomaly high", anomalyAlert(time.Date(2026, 11, 14, 0, 0, 0, 0, time.UTC)), "Exploratory Missions spent unusually much on 14 November 2026 (anomaly)"},
		{"anomaly low", low, "Exploratory Missions spent unusually little on 3 November 2026 (anomaly)"},
		{"no title", untitled, "EXPLORATORY_MISSIONS reached 75 % of its October 2026 budget"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Headline(tc.a); got != tc.want {
				t.Errorf("Headline = %q, want %q", got, tc.want)
			}
		})
	}
}
