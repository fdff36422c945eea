package notify

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestConfigFromEnv(t *testing.T) {
	const secretPW = "pa55-w0rd-Zz"
	const hook = "https://hooks.slack.com/services/T000/B000/SecretHookToken"
	tests := []struct {
		name    string
		env     map[string]string
		want    SMTPConfig
		slack   bool
		wantErr []string // substrings of the error; none: no error
	}{
		{name: "nothing set", env: nil},
		{
			name: "starttls by default, on 587",
			env:  map[string]string{"SMTP_HOST": "smtp.novadynamics.test", "SMTP_FROM": "budget@novadynamics.test"},
			want: SMTPConfig{Host: "smtp.novadynamics.test", Port: 587, From: "budget@novadynamics.test", TLS: TLSStartTLS},
		},
		{
			name: "implicit tls on 465 with auth",
			env: map[string]string{"SMTP_HOST": "smtp.novadynamics.test", "SMTP_FROM": "budget@novadynamics.test",
				"SMTP_TLS": "TLS", "SMTP_USERNAME": "budget", "SMTP_PASSWORD": secretPW},
			want: SMTPConfig{Host: "smtp.novadynamics.test", Port: 465, From: "budget@novadynamics.test", TLS: TLSImplicit, Username: "budget", Password: secretPW},
		},
		{
			name: "none on 25, port given",
			env:  map[string]string{"SMTP_HOST": "relay", "SMTP_FROM": "budget@novadynamics.test", "SMTP_TLS": "none", "SMTP_PORT": "2525"},
			want: SMTPConfig{Host: "relay", Port: 2525, From: "budget@novadynamics.test", TLS: TLSNone},
		},
		{
			name:  "slack only",
			env:   map[string]string{"SLACK_WEBHOOK_URL": hook},
			slack: true,
		},
		{
			name: "no host: no email, whatever else is set",
			env:  map[string]string{"SMTP_FROM": "budget@novadynamics.test", "SMTP_PASSWORD": secretPW},
		},
		{
			name:    "bad values are named, secrets are not",
			env:     map[string]string{"SMTP_HOST": "smtp", "SMTP_PORT": "smtp", "SMTP_TLS": "ssl", "SMTP_PASSWORD": secretPW, "SLACK_WEBHOOK_URL": "hooks.slack.com/services/SecretHookToken"},
			wantErr: []string{`SMTP_PORT "smtp"`, `SMTP_TLS "ssl"`, "SMTP_FROM is not set", "SMTP_PASSWORD is set but SMTP_USERNAME is not", "SLACK_WEBHOOK_URL is not an http(s) URL"},
		},
		{
			name:    "sender must be an address",
			env:     map[string]string{"SMTP_HOST": "smtp", "SMTP_FROM": "budget"},
			wantErr: []string{`SMTP_FROM "budget" is not an email address`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ConfigFromEnv(func(k string) string { return tc.env[k] })
			if len(tc.wantErr) > 0 {
				if err == nil {
					t.Fatal("no error")
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error lacks %q:\n%v", w, err)
					}
				}
				if strings.Contains(err.Error(), secretPW) || strings.Contains(err.Error(), "SecretHookToken") {
					t.Errorf("error shows a secret:\n%v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.SMTP != tc.want {
				t.Errorf("SMTP = %+v, want %+v", cfg.SMTP, tc.want)
			}
			if got := cfg.Slack.WebhookURL != ""; got != tc.slack {
				t.Errorf("slack configured = %v, want %v", got, tc.slack)
			}
			if got := cfg.Configured(); got != (tc.want.Host != "" || tc.slack) {
				t.Errorf("Configured = %v", got)
			}
		})
	}
}

// TestConfigPrintsNoSecret: %v, %+v, %#v and slog of a Config show neither
// the password nor the webhook.
func TestConfigPrintsNoSecret(t *testing.T) {
	cfg := Config{
		SMTP:  SMTPConfig{Host: "smtp.novadynamics.test", Port: 587, From: "b@novadynamics.test", Username: "budget", Password: "pa55-w0rd-Zz", TLS: TLSStartTLS},
		Slack: SlackConfig{WebhookURL: "https://hooks.slack.com/services/T000/B000/SecretHookToken"},
	}
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("notify", "smtp", cfg.SMTP, "slack", cfg.Slack)
	for _, s := range []string{
		fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg),
		fmt.Sprint(cfg.SMTP), fmt.Sprint(cfg.Slack), logged.String(),
	} {
		if strings.Contains(s, "pa55-w0rd-Zz") || strings.Contains(s, "SecretHookToken") {
			t.Errorf("printed a secret: %s", s)
		}
	}
	if got := cfg.SMTP.String(); got != "smtp://budget@smtp.novadynamics.test:587 (starttls) from b@novadynamics.test" {
		t.Errorf("String = %q", got)
	}
}
