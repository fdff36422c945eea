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

// TestEmailThroughSMTP sends alerts of two categories through a real SMTP
// server on loopback in each TLS mode and reads back what it accepted: one
// message per category, its recipients, subject, the text and HTML parts,
// the figures and the link.
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
			if len(msgs) != 2 {
				t.Fatalf("server accepted %d messages, want one per category", len(msgs))
			}
			byCategory := map[string]received{}
			for _, m := range msgs {
				byCategory[strings.Split(m.Keys[0], "/")[1]] = m
			}

			m, ok := byCategory[exploratory]
			if !ok {
				t.Fatalf("no message for %s; got keys %v", exploratory, srv.counts())
			}
			wantKeys := []string{"threshold/EXPLORATORY_MISSIONS/2026-11/50", "threshold/EXPLORATORY_MISSIONS/2026-11/90", "anomaly/EXPLORATORY_MISSIONS/2026-11-14"}
			if !slices.Equal(m.Keys, wantKeys) {
				t.Errorf("%s: %v, want %v", AlertHeader, m.Keys, wantKeys)
			}
			wantRcpt := []string{owners[0], owners[1], division} // the owner listed again in upper case comes once
			if !slices.Equal(m.To, wantRcpt) {
				t.Errorf("RCPT TO = %v, want %v", m.To, wantRcpt)
			}
			p := parseMessage(t, m.Data)
			if !slices.Equal(p.To, wantRcpt) {
				t.Errorf("To: = %v, want %v", p.To, wantRcpt)
			}
			if want := "[Stellar Budget] Exploratory Missions reached 90 % of its November budget (and 2 more alerts)"; p.Subject != want {
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
				"Exploratory Missions reached 90 % of its November budget (and 2 more alerts).\n",
				"\n1. Exploratory Missions reached 50 % of its budget on 8 Nov at $5,050.00 month to date; today $9,420.10, 94.2 % of its $10,000.00 budget.\n",
				"\n   Reason: job 4411 (nightly-orbit-fit) doubled its runs\n",
				"\n3. Exploratory Missions spent $1,830.25 on 14 Nov, against $310.00 expected.\n",
				"\nAs of 20 Nov:\n",
				"\nProjected month end: $11,873.35 (118.7 % of budget)\n",
				"\nCategory page: " + link + "\n",
			} {
				if !strings.Contains(p.Text, want) {
					t.Errorf("text part lacks %q:\n%s", want, p.Text)
				}
			}
			for _, want := range []string{
				"<strong>Exploratory Missions reached 90 % of its November budget (and 2 more alerts).</strong>",
				"<li><p>Exploratory Missions reached 90 % of its budget on 12 Nov at $9,050.00 month to date; today $9,420.10, 94.2 % of its $10,000.00 budget.</p>",
				`<a href="` + link + `">Open the Exploratory Missions page</a>`,
				"As of 20 Nov</caption>",
				"$11,873.35 (118.7 % of budget)",
			} {
				if !strings.Contains(p.HTML, want) {
					t.Errorf("HTML part lacks %q:\n%s", want, p.HTML)
				}
			}

			f := byCategory[navigation]
			pf := parseMessage(t, f.Data)
			if want := "[Stellar Budget] Navigation Systems is forecast to reach 100 % of its November budget"; pf.Subject != want {
				t.Errorf("forecast subject %q, want %q", pf.Subject, want)
			}
			if want := []string{"ethan.brooks@novadynamics.test", division, "CHLOE.DUBOIS@novadynamics.test"}; !slices.Equal(pf.To, want) {
				t.Errorf("forecast To: %v, want %v", pf.To, want)
			}
			for _, want := range []string{
				"\nNavigation Systems first projected over budget on 10 Nov at $5,400.00, 108.0 % of its $5,000.00 budget.\n",
				"https://budget.novadynamics.test/categories/navigation-systems/",
			} {
				if !strings.Contains(pf.Text, want) {
					t.Errorf("forecast text lacks %q:\n%s", want, pf.Text)
				}
			}
			if strings.Contains(pf.Text, "As of") {
				t.Errorf("a category without current figures has today's:\n%s", pf.Text)
			}
		})
	}
}

// TestEmailWithoutBaseURLHasNoLink: no --base-url, no link.
func TestEmailWithoutBaseURLHasNoLink(t *testing.T) {
	cfg := messageConfig()
	cfg.BaseURL = ""
	text, html, err := cfg.compose([]budget.Alert{threshold(nov, 90)}).bodies()
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

// TestHeadline covers each kind's sentence, and the year shown only
// outside the as-of year.
func TestHeadline(t *testing.T) {
	low := anomalyAlert(time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC))
	low.Value = budget.MustDecimal("12")
	untitled := threshold(oct, 75)
	untitled.Title = ""
	tests := []struct {
		name string
		a    budget.Alert
		asOf time.Time
		want string
	}{
		{"threshold", threshold(nov, 90), asOf, "Exploratory Missions reached 90 % of its November budget"},
		{"forecast", forecastAlert(nov), asOf, "Navigation Systems is forecast to reach 100 % of its November budget"},
		{"anomaly high", anomalyAlert(time.Date(2026, 11, 14, 0, 0, 0, 0, time.UTC)), asOf, "Exploratory Missions spent unusually much on 14 Nov (anomaly)"},
		{"anomaly low", low, asOf, "Exploratory Missions spent unusually little on 3 Nov (anomaly)"},
		{"no title", untitled, asOf, "EXPLORATORY_MISSIONS reached 75 % of its October budget"},
		{"threshold of another year", threshold(month(2025, 12), 90), asOf, "Exploratory Missions reached 90 % of its December 2025 budget"},
		{"anomaly of another year", anomalyAlert(time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)), month(2026, 1), "Exploratory Missions spent unusually much on 31 Dec 2025 (anomaly)"},
		{"no as-of date", threshold(nov, 90), time.Time{}, "Exploratory Missions reached 90 % of its November 2026 budget"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Headline(tc.a, tc.asOf); got != tc.want {
				t.Errorf("Headline = %q, want %q", got, tc.want)
			}
		})
	}
}
