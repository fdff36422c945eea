package setup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/service/billing"

	"github.com/novadynamics/stellar-budget/internal/emulator"
)

// authLog records, in front of the emulator, the access tokens its token
// endpoints issue and the bearer token of every account API request.
type authLog struct {
	mu      sync.Mutex
	issued  map[string]bool
	account []string // bearer tokens of account API requests, in order
}

// recordingProxy is a loopback reverse proxy to emu that fills an authLog.
func recordingProxy(t *testing.T, emu *emulator.Running) (*httptest.Server, *authLog) {
	t.Helper()
	target, err := url.Parse(emu.URL)
	if err != nil {
		t.Fatal(err)
	}
	log := &authLog{issued: map[string]bool{}}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(resp *http.Response) error {
		if !strings.HasSuffix(resp.Request.URL.Path, "/v1/token") || resp.StatusCode != http.StatusOK {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.Unmarshal(body, &tok); err != nil {
			return err
		}
		log.mu.Lock()
		log.issued[tok.AccessToken] = true
		log.mu.Unlock()
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/accounts/") && strings.HasPrefix(r.URL.Path, "/api/") {
			log.mu.Lock()
			log.account = append(log.account, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
			log.mu.Unlock()
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, log
}

// TestApplyAsServicePrincipal: setup with the service principal's OAuth
// client (what the emulator's export lines give) plans and applies, and
// every account call carries a bearer token the token endpoint issued.
func TestApplyAsServicePrincipal(t *testing.T) {
	div, emu, acct := start(t)
	proxy, log := recordingProxy(t, emu)
	t.Setenv("DATABRICKS_HOST", proxy.URL)
	if os.Getenv("DATABRICKS_TOKEN") != "" || os.Getenv("DATABRICKS_CLIENT_SECRET") == "" {
		t.Fatal("the emulator's environment is not OAuth")
	}
	c, actor := connect(t)
	p := plan(t, c, div, Options{AsOf: asOf})
	res := apply(t, c, p, filepath.Join(t.TempDir(), "audit.jsonl"), actor)
	if len(res.Applied) == 0 {
		t.Fatal("nothing applied")
	}
	budgets, err := acct.Budgets.ListAll(context.Background(), billing.ListBudgetConfigurationsRequest{})
	if err != nil || len(budgets) < 2 {
		t.Fatalf("budgets after apply: %d, %v", len(budgets), err)
	}

	log.mu.Lock()
	defer log.mu.Unlock()
	if len(log.issued) == 0 || len(log.account) == 0 {
		t.Fatalf("%d tokens issued, %d account calls; want both", len(log.issued), len(log.account))
	}
	for i, tok := range log.account {
		if !log.issued[tok] {
			t.Fatalf("account call %d carried a token the token endpoint did not issue", i)
		}
	}
}

// TestAccountPATMessage: a personal access token for the account stops
// setup before any call with one line saying the account needs OAuth and
// how to get it, from the environment or a profile; a PAT that reaches
// the account anyway (a client built apart) gets the service's refusal
// with the same hint.
func TestAccountPATMessage(t *testing.T) {
	const how = "they need OAuth: a service principal's DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET (client_id and client_secret in a profile; the service principal needs the account admin role), or your own login with databricks auth login --host "
	tests := []struct {
		name    string
		profile bool
		want    string
	}{
		{"DATABRICKS_TOKEN", false, "account configuration: the account APIs take no personal access token (DATABRICKS_TOKEN or the token of the DEFAULT profile is one); " + how},
		{"a profile with a token", true, "account configuration: the account APIs take no personal access token (the token of profile acct is one); " + how},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, emu, _ := start(t)
			t.Setenv("DATABRICKS_CLIENT_ID", "")
			t.Setenv("DATABRICKS_CLIENT_SECRET", "")
			t.Setenv("DATABRICKS_TOKEN", emu.PAT())
			opts := ConnectOptions{}
			if tc.profile {
				cfg := filepath.Join(t.TempDir(), "databrickscfg")
				text := "[acct]\nhost = " + emu.URL + "\ntoken = " + emu.PAT() + "\naccount_id = " + emulator.DefaultAccountID +
					"\nworkspace_id = " + emulator.DefaultWorkspaceID + "\nexperimental_is_unified_host = true\n"
				if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
					t.Fatal(err)
				}
				for _, k := range []string{"DATABRICKS_HOST", "DATABRICKS_TOKEN", "DATABRICKS_ACCOUNT_ID", "DATABRICKS_WORKSPACE_ID", "DATABRICKS_EXPERIMENTAL_IS_UNIFIED_HOST"} {
					t.Setenv(k, "")
				}
				t.Setenv("DATABRICKS_CONFIG_FILE", cfg)
				opts.AccountProfile, opts.WorkspaceProfile = "acct", "acct"
			}
			_, err := Connect(opts)
			if !errors.Is(err, ErrAccountNeedsOAuth) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %v, want one line containing %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), "--account-id "+emulator.DefaultAccountID) || strings.Contains(err.Error(), emu.PAT()) {
				t.Errorf("error %q: want the account id, not the token", err)
			}
		})
	}

	t.Run("the service's refusal", func(t *testing.T) {
		_, emu, _ := start(t)
		t.Setenv("DATABRICKS_CLIENT_ID", "")
		t.Setenv("DATABRICKS_CLIENT_SECRET", "")
		a, err := databricks.NewAccountClient(&databricks.Config{
			Host: emu.URL, Token: emu.PAT(), AccountID: emulator.DefaultAccountID, WorkspaceID: emulator.DefaultWorkspaceID,
			Experimental_IsUnifiedHost: true, ConfigFile: os.DevNull,
		})
		if err != nil {
			t.Fatal(err)
		}
		w, err := databricks.NewWorkspaceClient(emu.Config())
		if err != nil {
			t.Fatal(err)
		}
		_, err = Preflight(context.Background(), ClientsFrom(a, w))
		want := "account: authentication failed (a personal access token cannot call the account APIs; use OAuth, see the README): list budgets: Credential was not sent or was of an unsupported type for this API."
		if err == nil || err.Error() != want {
			t.Errorf("error %v, want %q", err, want)
		}
	})
}
