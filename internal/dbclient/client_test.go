package dbclient

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/config"
	"github.com/databricks/databricks-sdk-go/service/billing"

	"github.com/novadynamics/stellar-budget/internal/content"
	"github.com/novadynamics/stellar-budget/internal/emulator"
)

// secret is a token no error may show.
const secret = "dapi-0123456789abcdef-secret"

// startEmulator runs the emulator with the shipped content on loopback,
// clears every variable the SDK reads, and returns the emulator's
// environment (what `generator emulator` prints) to set as a case needs.
func startEmulator(t *testing.T) (*emulator.Running, map[string]string) {
	t.Helper()
	div, err := content.Load(filepath.Join("..", "..", "content"))
	if err != nil {
		t.Fatal(err)
	}
	emu, err := emulator.Start("127.0.0.1:0", emulator.Options{
		AsOf: time.Date(2026, 7, 14, 0, 0, 0, 0, time.UTC), Division: div, Token: secret, ClientSecret: "dose-" + secret,
		Log: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	clearEnv(t)
	env := map[string]string{}
	for _, kv := range emu.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	return emu, env
}

// clearEnv clears every variable the SDK reads, and points it at no
// configuration file, until the test ends.
func clearEnv(t *testing.T) {
	t.Helper()
	for _, a := range config.ConfigAttributes {
		for _, v := range a.EnvVars {
			t.Setenv(v, "")
		}
	}
	// Nothing from the machine's own ~/.databrickscfg.
	t.Setenv("DATABRICKS_CONFIG_FILE", filepath.Join(t.TempDir(), "none.cfg"))
	t.Setenv("DATABRICKS_RATE_LIMIT", "1000")
}

// profileFile writes an SDK configuration file with the profile
// "emulator", holding everything the environment would, and makes it the
// SDK's file.
func profileFile(t *testing.T, env map[string]string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "databrickscfg")
	text := fmt.Sprintf("[emulator]\nhost = %s\nclient_id = %s\nclient_secret = %s\naccount_id = %s\nworkspace_id = %s\nexperimental_is_unified_host = true\n",
		env["DATABRICKS_HOST"], env["DATABRICKS_CLIENT_ID"], env["DATABRICKS_CLIENT_SECRET"], env["DATABRICKS_ACCOUNT_ID"], env["DATABRICKS_WORKSPACE_ID"])
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DATABRICKS_CONFIG_FILE", path)
}

func TestClients(t *testing.T) {
	all := []string{"DATABRICKS_HOST", "DATABRICKS_CLIENT_ID", "DATABRICKS_CLIENT_SECRET", "DATABRICKS_ACCOUNT_ID", "DATABRICKS_WORKSPACE_ID", "DATABRICKS_EXPERIMENTAL_IS_UNIFIED_HOST", "DATABRICKS_WAREHOUSE_ID"}
	tests := []struct {
		name    string
		envKeys []string          // the emulator's variables to set
		extra   map[string]string // more variables
		profile bool              // write the emulator profile
		opts    Options
		// wantWS and wantAcct are fragments of the workspace and the
		// account client's errors; "" means the client works.
		wantWS, wantAcct string
		mixed            bool // both errors are ErrMixedConfig
		workspaceOnly    bool // the account client is not this case's subject
	}{
		{name: "the environment", envKeys: all},
		{name: "a profile alone", profile: true, opts: Options{Profile: "emulator"}},
		{name: "a profile by DATABRICKS_CONFIG_PROFILE", profile: true, extra: map[string]string{"DATABRICKS_CONFIG_PROFILE": "emulator"}},
		{name: "a profile with tuning variables and the warehouse", profile: true, opts: Options{Profile: "emulator"},
			extra: map[string]string{"DATABRICKS_RATE_LIMIT": "50", "DATABRICKS_DEBUG_TRUNCATE_BYTES": "10", "DATABRICKS_WAREHOUSE_ID": "abc"}},
		{name: "a profile mixed with the host", profile: true, opts: Options{Profile: "emulator"}, envKeys: []string{"DATABRICKS_HOST"},
			wantWS:   "workspace configuration: a named profile mixed with DATABRICKS_* variables: profile emulator is named, and DATABRICKS_HOST is set too (unset them, or name no profile)",
			wantAcct: "account configuration: a named profile mixed with DATABRICKS_* variables: profile emulator is named, and DATABRICKS_HOST is set too", mixed: true},
		{name: "a profile mixed with credentials", profile: true, opts: Options{Profile: "emulator"},
			extra:  map[string]string{"DATABRICKS_TOKEN": secret, "DATABRICKS_CLIENT_SECRET": secret, "DATABRICKS_CLIENT_ID": "sp"},
			wantWS: "DATABRICKS_CLIENT_ID, DATABRICKS_CLIENT_SECRET, DATABRICKS_TOKEN are set too", wantAcct: "DATABRICKS_TOKEN are set too", mixed: true},
		{name: "DATABRICKS_CONFIG_PROFILE mixed with the environment", profile: true, envKeys: all, extra: map[string]string{"DATABRICKS_CONFIG_PROFILE": "emulator"},
			wantWS:   "profile emulator is named, and DATABRICKS_ACCOUNT_ID, DATABRICKS_CLIENT_ID, DATABRICKS_CLIENT_SECRET, DATABRICKS_EXPERIMENTAL_IS_UNIFIED_HOST, DATABRICKS_HOST, DATABRICKS_WORKSPACE_ID are set too",
			wantAcct: "profile emulator is named", mixed: true},
		{name: "an unknown profile", profile: true, opts: Options{Profile: "nope"},
			wantWS: "workspace configuration: resolve: ", wantAcct: "has no nope profile configured"},
		{name: "nothing configured",
			wantWS:   "workspace configuration: no host: set DATABRICKS_HOST and DATABRICKS_TOKEN",
			wantAcct: "account configuration: no host (set DATABRICKS_HOST to https://accounts.cloud.databricks.com"},
		{name: "a unified host without the workspace id", envKeys: []string{"DATABRICKS_HOST", "DATABRICKS_CLIENT_ID", "DATABRICKS_CLIENT_SECRET", "DATABRICKS_ACCOUNT_ID", "DATABRICKS_EXPERIMENTAL_IS_UNIFIED_HOST"},
			wantWS: "workspace configuration: no workspace id (a unified host needs DATABRICKS_WORKSPACE_ID"},
		{name: "no account id", envKeys: []string{"DATABRICKS_HOST", "DATABRICKS_CLIENT_ID", "DATABRICKS_CLIENT_SECRET", "DATABRICKS_WORKSPACE_ID"},
			wantAcct: "account configuration: no account id (set DATABRICKS_ACCOUNT_ID"},
		{name: "a workspace host for the account", envKeys: []string{"DATABRICKS_HOST", "DATABRICKS_CLIENT_ID", "DATABRICKS_CLIENT_SECRET", "DATABRICKS_ACCOUNT_ID", "DATABRICKS_WORKSPACE_ID"},
			wantAcct: "is a workspace host (the account API is at https://accounts.cloud.databricks.com)"},
		{name: "the account console for a workspace", extra: map[string]string{"DATABRICKS_HOST": "https://accounts.cloud.databricks.com", "DATABRICKS_TOKEN": secret, "DATABRICKS_ACCOUNT_ID": "a"},
			wantWS: `workspace configuration: host "https://accounts.cloud.databricks.com" is an account host`, workspaceOnly: true},
		{name: "two credentials in the environment", envKeys: all,
			extra:  map[string]string{"DATABRICKS_TOKEN": secret},
			wantWS: "more than one authorization method configured: oauth and pat", wantAcct: "more than one authorization method configured"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			emu, env := startEmulator(t)
			for _, k := range tc.envKeys {
				t.Setenv(k, env[k])
			}
			for k, v := range tc.extra {
				t.Setenv(k, v)
			}
			if tc.profile {
				profileFile(t, env)
			}
			ctx := context.Background()
			w, err := Workspace(tc.opts)
			checkErr(t, "workspace", err, tc.wantWS, tc.mixed)
			if err == nil && tc.wantWS == "" {
				if w.Config.Host != emu.URL {
					t.Errorf("workspace host %q, want %q", w.Config.Host, emu.URL)
				}
				if me, err := w.CurrentUser.Me(ctx); err != nil || me.UserName == "" {
					t.Errorf("the workspace client does not reach the emulator: %v", err)
				}
			}
			if tc.workspaceOnly {
				return
			}
			a, err := Account(tc.opts)
			checkErr(t, "account", err, tc.wantAcct, tc.mixed)
			if err == nil && tc.wantAcct == "" {
				if a.Config.AccountID != emulator.DefaultAccountID {
					t.Errorf("account id %q, want %q", a.Config.AccountID, emulator.DefaultAccountID)
				}
				if _, err := a.Budgets.ListAll(ctx, billing.ListBudgetConfigurationsRequest{}); err != nil {
					t.Errorf("the account client does not reach the emulator: %v", err)
				}
			}
		})
	}
}

// checkErr fails unless err is nil when want is "", or else a one-line
// error containing want, without the secret, and ErrMixedConfig when
// mixed.
func checkErr(t *testing.T, client string, err error, want string, mixed bool) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Errorf("%s client: %v", client, err)
		}
		return
	}
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("%s client error %v, want one containing %q", client, err, want)
		return
	}
	t.Logf("%s client: %v", client, err)
	if strings.ContainsAny(err.Error(), "\r\n") {
		t.Errorf("%s client error spans lines: %q", client, err)
	}
	if strings.Contains(err.Error(), "0123456789abcdef") {
		t.Errorf("%s client error shows a secret: %q", client, err)
	}
	if errors.Is(err, ErrMixedConfig) != mixed {
		t.Errorf("%s client error %v: errors.Is(ErrMixedConfig) = %v, want %v", client, err, !mixed, mixed)
	}
}

// TestSDKConfigUsedAsIs: Options.SDK wins over a profile and the
// environment, and the mixing rule does not apply to it.
func TestSDKConfigUsedAsIs(t *testing.T) {
	emu, _ := startEmulator(t)
	t.Setenv("DATABRICKS_HOST", "http://127.0.0.1:1")
	w, err := Workspace(Options{Profile: "ignored", SDK: emu.Config()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.CurrentUser.Me(context.Background()); err != nil || w.Config.Host != emu.URL {
		t.Errorf("host %s: %v", w.Config.Host, err)
	}
}

// TestCleanMasksSecrets: a secret of the configuration or of the
// environment is masked wherever an SDK message quotes it.
func TestCleanMasksSecrets(t *testing.T) {
	t.Setenv("DATABRICKS_CLIENT_SECRET", "env-secret-value")
	cfg := &databricks.Config{Token: "cfg-token-value"}
	sdkErr := errors.New("cannot use cfg-token-value\n or env-secret-value here")
	got := clean(cfg, sdkErr)
	if got.Error() != "cannot use *** or *** here" {
		t.Errorf("cleaned = %q", got)
	}
	if !errors.Is(got, sdkErr) {
		t.Error("the cleaned error lost the SDK error")
	}
}
