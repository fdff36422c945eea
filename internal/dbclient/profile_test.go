package dbclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/config"
	"github.com/databricks/databricks-sdk-go/service/billing"
)

// TestNamedProfileInHome: a profile of ~/.databrickscfg (a temporary
// HOME) is read alone or the run is refused, naming the variables the SDK
// would have mixed in, never their values; it never yields a client on a
// host the profile does not name.
func TestNamedProfileInHome(t *testing.T) {
	tests := []struct {
		name    string
		profile string            // Options.Profile
		env     map[string]string // exported besides the profile
		want    string            // "" : the profile's account client works
	}{
		{name: "the account profile alone", profile: "ACCT"},
		{name: "with tuning and the warehouse", profile: "ACCT",
			env: map[string]string{"DATABRICKS_WAREHOUSE_ID": "abc", "DATABRICKS_DEBUG_HEADERS": "false"}},
		{name: "by DATABRICKS_CONFIG_PROFILE", env: map[string]string{"DATABRICKS_CONFIG_PROFILE": "ACCT"}},
		{name: "the workspace host still exported", profile: "ACCT",
			env:  map[string]string{"DATABRICKS_HOST": "http://127.0.0.1:9"},
			want: "profile ACCT is named, and DATABRICKS_HOST is set too (unset them, or name no profile)"},
		{name: "DATABRICKS_CONFIG_PROFILE with the workspace's variables",
			env:  map[string]string{"DATABRICKS_CONFIG_PROFILE": "ACCT", "DATABRICKS_HOST": "http://127.0.0.1:9", "DATABRICKS_TOKEN": secret, "DATABRICKS_WORKSPACE_ID": "42"},
			want: "profile ACCT is named, and DATABRICKS_HOST, DATABRICKS_TOKEN, DATABRICKS_WORKSPACE_ID are set too"},
		{name: "a credential not spelt DATABRICKS_", profile: "ACCT",
			env:  map[string]string{"ARM_CLIENT_SECRET": secret, "ARM_CLIENT_ID": "app"},
			want: "ARM_CLIENT_ID, ARM_CLIENT_SECRET are set too"},
		{name: "the unified-host switch", profile: "ACCT",
			env:  map[string]string{"DATABRICKS_EXPERIMENTAL_IS_UNIFIED_HOST": "false"},
			want: "DATABRICKS_EXPERIMENTAL_IS_UNIFIED_HOST is set too"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			emu, env := startEmulator(t)
			home := t.TempDir()
			t.Setenv("HOME", home)
			t.Setenv("DATABRICKS_CONFIG_FILE", "") // the SDK's default: ~/.databrickscfg
			text := fmt.Sprintf("[ACCT]\nhost = %s\nclient_id = %s\nclient_secret = %s\naccount_id = %s\nexperimental_is_unified_host = true\n",
				env["DATABRICKS_HOST"], env["DATABRICKS_CLIENT_ID"], env["DATABRICKS_CLIENT_SECRET"], env["DATABRICKS_ACCOUNT_ID"])
			if err := os.WriteFile(filepath.Join(home, ".databrickscfg"), []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			a, err := Account(Options{Profile: tc.profile})
			if tc.want != "" {
				checkErr(t, "account", err, tc.want, true)
				if err != nil && strings.Contains(err.Error(), "127.0.0.1:9") {
					t.Errorf("the refusal shows a variable's value: %v", err)
				}
				_, err = Workspace(Options{Profile: tc.profile})
				checkErr(t, "workspace", err, tc.want, true)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.Config.Host != emu.URL || a.Config.AccountID != env["DATABRICKS_ACCOUNT_ID"] {
				t.Errorf("account client on %s, account %s: want the profile's %s", a.Config.Host, a.Config.AccountID, emu.URL)
			}
			if _, err := a.Budgets.ListAll(context.Background(), billing.ListBudgetConfigurationsRequest{}); err != nil {
				t.Errorf("the profile's account client: %v", err)
			}
		})
	}
}

func TestLoopbackHTTP(t *testing.T) {
	tests := []struct {
		host string
		want bool
	}{
		{"http://127.0.0.1:8765", true},
		{"http://127.3.4.5", true},
		{"http://[::1]:8765", true},
		{"http://localhost:8765", true},
		{"https://127.0.0.1:8765", false},
		{"https://dbc-1234.cloud.databricks.com", false},
		{"http://10.0.0.7:8765", false},
		{"http://localhost.example.com", false},
		{"http://[::2]", false},
		{"127.0.0.1:8765", false},
		{"", false},
	}
	for _, tc := range tests {
		if got := loopbackHTTP(tc.host); got != tc.want {
			t.Errorf("loopbackHTTP(%q) = %v, want %v", tc.host, got, tc.want)
		}
	}
}

// TestUnifiedHostOnLoopbackOnly: the unified-host switch, from the
// environment or a profile, is honoured beside the emulator's http://
// loopback host and ignored beside any other, with one warning naming
// who set it. No request is made: building a client contacts no host.
func TestUnifiedHostOnLoopbackOnly(t *testing.T) {
	tests := []struct {
		name      string
		host      string
		inProfile bool   // the switch and host come from a profile
		warning   string // "" : honoured, nothing said
	}{
		{name: "beside https, from the environment", host: "https://dbc-1234.cloud.databricks.com",
			warning: "DATABRICKS_EXPERIMENTAL_IS_UNIFIED_HOST ignored: unified host mode is for an http:// loopback host (the emulator) only; https://dbc-1234.cloud.databricks.com is used as a workspace or account host"},
		{name: "beside plain http off loopback", host: "http://10.0.0.7:8765",
			warning: "DATABRICKS_EXPERIMENTAL_IS_UNIFIED_HOST ignored"},
		{name: "beside https, from a profile", host: "https://dbc-1234.cloud.databricks.com", inProfile: true,
			warning: "experimental_is_unified_host of profile P in "},
		{name: "beside http://127.0.0.1", host: "http://127.0.0.1:8765"},
		{name: "beside http://127.0.0.1, from a profile", host: "http://127.0.0.1:8765", inProfile: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			var opts Options
			if tc.inProfile {
				path := filepath.Join(t.TempDir(), "databrickscfg")
				text := fmt.Sprintf("[P]\nhost = %s\ntoken = %s\naccount_id = acct\nexperimental_is_unified_host = true\n", tc.host, secret)
				if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
					t.Fatal(err)
				}
				t.Setenv("DATABRICKS_CONFIG_FILE", path)
				opts.Profile = "P"
			} else {
				t.Setenv("DATABRICKS_HOST", tc.host)
				t.Setenv("DATABRICKS_TOKEN", secret)
				t.Setenv("DATABRICKS_ACCOUNT_ID", "acct")
				t.Setenv("DATABRICKS_EXPERIMENTAL_IS_UNIFIED_HOST", "true")
			}
			var logs bytes.Buffer
			opts.Log = slog.New(slog.NewTextHandler(&logs, nil))
			// With the switch honoured a workspace client needs a
			// workspace id, which none of these has.
			w, wErr := Workspace(opts)
			_, aErr := Account(opts)
			if tc.warning == "" {
				if !errors.Is(wErr, databricks.ErrWorkspaceIDRequired) {
					t.Errorf("workspace client: %v, want the unified host's missing workspace id", wErr)
				}
				if aErr != nil {
					t.Errorf("account client on the unified host: %v", aErr)
				}
				if logs.Len() > 0 {
					t.Errorf("honoured, yet said:\n%s", logs.String())
				}
				return
			}
			if wErr != nil {
				t.Fatalf("workspace client: %v", wErr)
			}
			if w.Config.HostType() != config.WorkspaceHost {
				t.Errorf("host type %v, want a workspace host", w.Config.HostType())
			}
			if aErr == nil || !strings.Contains(aErr.Error(), "is a workspace host") {
				t.Errorf("account client: %v, want a workspace host refused", aErr)
			}
			lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], "level=WARN") || !strings.Contains(lines[0], tc.warning) {
				t.Errorf("logged %q, want one warning containing %q", logs.String(), tc.warning)
			}
			if strings.Contains(logs.String(), "0123456789abcdef") {
				t.Errorf("the warning shows a secret: %s", logs.String())
			}
		})
	}
}
