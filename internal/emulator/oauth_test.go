package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/billing"
	"github.com/databricks/databricks-sdk-go/service/sql"
)

// accountToken gets an account OAuth token for the seeded service
// principal, as a client of the token endpoint does.
func accountToken(t *testing.T, emu *Running) string {
	t.Helper()
	status, body := tokenRequest(t, emu.URL+"/oidc/accounts/"+DefaultAccountID+"/v1/token",
		url.Values{"grant_type": {"client_credentials"}, "scope": {"all-apis"}}, DefaultClientID, DefaultClientSecret)
	if status != http.StatusOK || body["access_token"] == "" {
		t.Fatalf("token: %d %v", status, body)
	}
	return body["access_token"].(string)
}

// tokenRequest posts form to a token endpoint, with HTTP Basic client
// authentication unless id is empty, and decodes the JSON answer.
func tokenRequest(t *testing.T, endpoint string, form url.Values, id, secret string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("token answer: %v", err)
	}
	return resp.StatusCode, body
}

// get sends a GET with a bearer token (none when empty) and decodes
// Databricks' error body.
func get(t *testing.T, u, token string) (int, apiError) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body apiError
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

func TestDiscovery(t *testing.T) {
	env := startObjects(t)
	tests := []struct {
		name, path string
		status     int
		token      string // the token_endpoint it names
	}{
		{"workspace", "/oidc/.well-known/oauth-authorization-server", 200, "/oidc/v1/token"},
		{"account", "/oidc/accounts/" + DefaultAccountID + "/.well-known/oauth-authorization-server", 200, "/oidc/accounts/" + DefaultAccountID + "/v1/token"},
		{"another account", "/oidc/accounts/11111111-0000-4000-8000-000000000000/.well-known/oauth-authorization-server", 404, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Get(env.emu.URL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var meta authServer
			json.NewDecoder(resp.Body).Decode(&meta)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.token == "" {
				return
			}
			base := strings.TrimSuffix(tc.token, "/v1/token")
			if meta.TokenEndpoint != env.emu.URL+tc.token || meta.AuthorizationEndpoint != env.emu.URL+base+"/v1/authorize" || meta.Issuer != env.emu.URL+base {
				t.Errorf("metadata %+v", meta)
			}
		})
	}
}

func TestTokenEndpoint(t *testing.T) {
	env := startObjects(t)
	acct := env.emu.URL + "/oidc/accounts/" + DefaultAccountID + "/v1/token"
	good := url.Values{"grant_type": {"client_credentials"}, "scope": {"all-apis"}}
	with := func(k, v string) url.Values {
		f := url.Values{"grant_type": {"client_credentials"}, "scope": {"all-apis"}}
		f.Set(k, v)
		return f
	}
	tests := []struct {
		name       string
		endpoint   string
		form       url.Values
		id, secret string // HTTP Basic; empty id: none
		status     int
		oauthErr   string
	}{
		{"account token, Basic", acct, good, DefaultClientID, DefaultClientSecret, 200, ""},
		{"workspace token, Basic", env.emu.URL + "/oidc/v1/token", good, DefaultClientID, DefaultClientSecret, 200, ""},
		{"form fields", acct, url.Values{"grant_type": {"client_credentials"}, "scope": {"all-apis"}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}}, "", "", 200, ""},
		{"bad secret", acct, good, DefaultClientID, "dose-wrong", 401, "invalid_client"},
		{"unknown client", acct, good, "someone-else", DefaultClientSecret, 401, "invalid_client"},
		{"no client authentication", acct, good, "", "", 401, "invalid_client"},
		{"another account", env.emu.URL + "/oidc/accounts/11111111-0000-4000-8000-000000000000/v1/token", good, DefaultClientID, DefaultClientSecret, 401, "invalid_client"},
		{"Basic and form both", acct, with("client_secret", DefaultClientSecret), DefaultClientID, DefaultClientSecret, 400, "invalid_request"},
		{"wrong grant", acct, with("grant_type", "password"), DefaultClientID, DefaultClientSecret, 400, "unsupported_grant_type"},
		{"no grant", acct, url.Values{"scope": {"all-apis"}}, DefaultClientID, DefaultClientSecret, 400, "invalid_request"},
		{"other scope", acct, with("scope", "sql"), DefaultClientID, DefaultClientSecret, 400, "invalid_scope"},
		{"no scope", acct, url.Values{"grant_type": {"client_credentials"}}, DefaultClientID, DefaultClientSecret, 400, "invalid_scope"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := tokenRequest(t, tc.endpoint, tc.form, tc.id, tc.secret)
			if status != tc.status || (tc.oauthErr != "" && body["error"] != tc.oauthErr) {
				t.Fatalf("%d %v, want %d %s", status, body, tc.status, tc.oauthErr)
			}
			if tc.oauthErr != "" {
				if body["error_description"] == "" {
					t.Errorf("no error_description: %v", body)
				}
				return
			}
			if body["token_type"] != "Bearer" || body["scope"] != "all-apis" || body["expires_in"] != float64(3600) || body["access_token"] == "" {
				t.Errorf("answer %v", body)
			}
		})
	}
}

// TestAccountRoutesTakeOAuthOnly: a PAT, a workspace OAuth token or a token
// never issued is refused on every account route, as the service refuses a
// PAT; the account token opens the account and the workspace.
func TestAccountRoutesTakeOAuthOnly(t *testing.T) {
	env := startObjects(t)
	status, body := tokenRequest(t, env.emu.URL+"/oidc/v1/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"all-apis"}}, DefaultClientID, DefaultClientSecret)
	if status != 200 {
		t.Fatalf("workspace token: %d %v", status, body)
	}
	wsToken := body["access_token"].(string)
	acctToken := accountToken(t, env.emu)
	paths := []string{
		"/api/2.1/accounts/" + DefaultAccountID + "/budgets",
		"/api/2.1/accounts/" + DefaultAccountID + "/budget-policies",
		"/api/2.0/preview/accounts/" + DefaultAccountID + "/access-control/rule-sets?name=x",
		"/api/2.0/accounts/" + DefaultAccountID + "/scim/v2/Groups",
		"/api/2.0/accounts/" + DefaultAccountID + "/workspaces", // not served: refused all the same
	}
	for _, p := range paths {
		for _, tok := range []struct{ name, token string }{{"PAT", DefaultToken}, {"workspace OAuth token", wsToken}, {"unknown token", "eyJ-never-issued"}, {"no token", ""}} {
			t.Run(tok.name+" "+p, func(t *testing.T) {
				status, body := get(t, env.emu.URL+p, tok.token)
				if status != http.StatusUnauthorized || body.ErrorCode != "UNAUTHENTICATED" || body.Message != msgNoCredential {
					t.Errorf("%d %+v, want 401 UNAUTHENTICATED %q", status, body, msgNoCredential)
				}
			})
		}
	}
	if status, body := get(t, env.emu.URL+paths[0], acctToken); status != 200 {
		t.Errorf("account token on the account: %d %+v", status, body)
	}
	for _, tok := range []string{DefaultToken, wsToken, acctToken} {
		if status, body := get(t, env.emu.URL+"/api/2.0/sql/warehouses", tok); status != 200 {
			t.Errorf("workspace route: %d %+v", status, body)
		}
		if status, body := get(t, env.emu.URL+"/emulator/admin/faults", tok); status != 200 {
			t.Errorf("admin: %d %+v", status, body)
		}
	}

	t.Run("a PAT through the SDK's account client", func(t *testing.T) {
		a, err := databricks.NewAccountClient(&databricks.Config{
			Host: env.emu.URL, Token: DefaultToken, AccountID: DefaultAccountID, WorkspaceID: DefaultWorkspaceID,
			Experimental_IsUnifiedHost: true, ConfigFile: os.DevNull,
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = a.Budgets.ListAll(context.Background(), billing.ListBudgetConfigurationsRequest{})
		if !errors.Is(err, apierr.ErrUnauthenticated) || !strings.Contains(err.Error(), msgNoCredential) {
			t.Errorf("%v, want 401 %q", err, msgNoCredential)
		}
	})
}

// TestOAuthThroughTheSDK: the SDK's oauth-m2m finds the token endpoints
// through discovery and its tokens open what they should: in unified-host
// mode (the account's endpoints, for both clients) and on a plain
// workspace host (the workspace's).
func TestOAuthThroughTheSDK(t *testing.T) {
	env := startObjects(t)
	ctx := context.Background()
	unified := func() *databricks.Config {
		return &databricks.Config{
			Host: env.emu.URL, ClientID: DefaultClientID, ClientSecret: DefaultClientSecret,
			AccountID: DefaultAccountID, WorkspaceID: DefaultWorkspaceID, Experimental_IsUnifiedHost: true, ConfigFile: os.DevNull,
		}
	}
	a, err := databricks.NewAccountClient(unified())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Budgets.ListAll(ctx, billing.ListBudgetConfigurationsRequest{}); err != nil {
		t.Errorf("account client: %v", err)
	}
	if a.Config.AuthType != "oauth-m2m" {
		t.Errorf("auth type %q, want oauth-m2m", a.Config.AuthType)
	}
	w, err := databricks.NewWorkspaceClient(unified())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Warehouses.ListAll(ctx, sql.ListWarehousesRequest{}); err != nil {
		t.Errorf("workspace client, unified host: %v", err)
	}
	plain, err := databricks.NewWorkspaceClient(&databricks.Config{Host: env.emu.URL, ClientID: DefaultClientID, ClientSecret: DefaultClientSecret, ConfigFile: os.DevNull})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plain.Warehouses.ListAll(ctx, sql.ListWarehousesRequest{}); err != nil {
		t.Errorf("workspace client, plain host: %v", err)
	}

	t.Run("bad secret", func(t *testing.T) {
		// The SDK's default auth tries oauth-m2m, finds the token refused
		// and goes on to the next method; named, it says why.
		for _, authType := range []string{"", "oauth-m2m"} {
			cfg := unified()
			cfg.ClientSecret, cfg.AuthType = "dose-wrong", authType
			a, err := databricks.NewAccountClient(cfg)
			if err == nil {
				_, err = a.Budgets.ListAll(ctx, billing.ListBudgetConfigurationsRequest{})
			}
			want := "invalid_client"
			if authType == "" {
				want = "cannot configure default credentials"
			}
			if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "dose-wrong") {
				t.Errorf("auth type %q: %v, want %s without the secret", authType, err, want)
			}
		}
	})
}

// TestExpiredOAuthToken: a token past its lifetime is answered as the
// service answers an expired token, on the account and the workspace; a
// new one works again.
func TestExpiredOAuthToken(t *testing.T) {
	env := startObjects(t)
	tok := accountToken(t, env.emu)
	budgets := env.emu.URL + "/api/2.1/accounts/" + DefaultAccountID + "/budgets"
	if status, body := get(t, budgets, tok); status != 200 {
		t.Fatalf("fresh token: %d %+v", status, body)
	}
	if _, err := env.a.Budgets.ListAll(context.Background(), billing.ListBudgetConfigurationsRequest{}); err != nil {
		t.Fatalf("SDK with a fresh token: %v", err)
	}
	env.clock.advance(DefaultTokenTTL)
	for _, u := range []string{budgets, env.emu.URL + "/api/2.0/sql/warehouses"} {
		if status, body := get(t, u, tok); status != http.StatusUnauthorized || body.ErrorCode != "UNAUTHENTICATED" || body.Message != msgExpiredToken {
			t.Errorf("expired token on %s: %d %+v, want 401 %q", u, status, body, msgExpiredToken)
		}
	}

	// The SDK keeps its token until its own clock says it expires: one the
	// service holds expired fails the call, as it would on Databricks.
	_, err := env.a.Budgets.ListAll(context.Background(), billing.ListBudgetConfigurationsRequest{})
	if !errors.Is(err, apierr.ErrUnauthenticated) || !strings.Contains(err.Error(), msgExpiredToken) {
		t.Errorf("SDK with an expired token: %v, want 401 %q", err, msgExpiredToken)
	}
	if status, body := get(t, budgets, accountToken(t, env.emu)); status != 200 {
		t.Errorf("new token: %d %+v", status, body)
	}
}

// TestShortLivedTokensRenew: with a lifetime of seconds the SDK gets a new
// token when the old one ends, and calls keep working.
func TestShortLivedTokensRenew(t *testing.T) {
	emu, err := Start("127.0.0.1:0", Options{AsOf: objectsAsOf, Division: objectsDivision(), TokenTTL: 2 * time.Second, Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	a, err := databricks.NewAccountClient(emu.Config())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 3 {
		if _, err := a.Budgets.ListAll(ctx, billing.ListBudgetConfigurationsRequest{}); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		time.Sleep(1500 * time.Millisecond)
	}
	emu.mu.Lock()
	issued := len(emu.tokens)
	emu.mu.Unlock()
	if issued < 2 {
		t.Errorf("%d tokens issued over 4.5s of 2s tokens, want a renewal", issued)
	}
}
