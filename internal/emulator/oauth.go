package emulator

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The seeded service principal's OAuth client, as the account console
// gives one (an application id and a "dose..." secret), and the lifetime
// of the access tokens it gets: an hour, as on Databricks.
const (
	DefaultClientID     = "c0ffee00-5e1f-4b0d-9e7a-00000000a5d0"
	DefaultClientSecret = "dose-stellar-emulator-secret"
	DefaultTokenTTL     = time.Hour
)

// oauthScope is the one scope the token endpoints grant: every API, which
// is what the SDK asks for.
const oauthScope = "all-apis"

// issuedToken is an access token the token endpoints gave out. Account
// tokens (from /oidc/accounts/{account_id}/v1/token) open the account
// APIs and the workspace; workspace tokens (from /oidc/v1/token) the
// workspace only.
type issuedToken struct {
	account bool
	expires time.Time
}

// tokenKey is how an issued token is held: its digest, so that neither a
// map lookup nor a memory dump holds the token itself.
type tokenKey [sha256.Size]byte

func keyOf(token string) tokenKey { return sha256.Sum256([]byte(token)) }

// keepExpired is how long an expired token is remembered, so that it is
// answered "Token is expired." rather than as a token never issued.
const keepExpired = 24 * time.Hour

// oauthRoutes registers OAuth machine-to-machine: the authorization-server
// metadata (RFC 8414) of the workspace and of the account, and their token
// endpoints (the client credentials grant of RFC 6749, section 4.4). None
// of them takes a bearer token, and no fault touches them.
func (s *Server) oauthRoutes() {
	s.mux.HandleFunc("GET /oidc/.well-known/oauth-authorization-server", s.discovery(false))
	s.mux.HandleFunc("GET /oidc/accounts/{account}/.well-known/oauth-authorization-server", s.discovery(true))
	s.mux.HandleFunc("POST /oidc/v1/token", s.token(false))
	s.mux.HandleFunc("POST /oidc/accounts/{account}/v1/token", s.token(true))
	// Anything else under /oidc/ (the authorization endpoint of the
	// user-to-machine flow among them) is not served.
	s.mux.HandleFunc("/oidc/", s.notFound)
}

// authServer is the authorization-server metadata, the fields the SDK
// reads and those a client needs to choose how to authenticate.
type authServer struct {
	Issuer                 string   `json:"issuer"`
	AuthorizationEndpoint  string   `json:"authorization_endpoint"`
	TokenEndpoint          string   `json:"token_endpoint"`
	GrantTypes             []string `json:"grant_types_supported"`
	ResponseTypes          []string `json:"response_types_supported"`
	TokenEndpointAuthTypes []string `json:"token_endpoint_auth_methods_supported"`
	Scopes                 []string `json:"scopes_supported"`
}

// discovery answers the metadata of the workspace's or the account's
// authorization server, with this host's URLs.
func (s *Server) discovery(account bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		issuer := "http://" + r.Host + "/oidc"
		if account {
			if r.PathValue("account") != s.opts.AccountID {
				s.notFound(w, r)
				return
			}
			issuer += "/accounts/" + s.opts.AccountID
		}
		writeJSON(w, http.StatusOK, authServer{
			Issuer:                 issuer,
			AuthorizationEndpoint:  issuer + "/v1/authorize",
			TokenEndpoint:          issuer + "/v1/token",
			GrantTypes:             []string{"client_credentials"},
			ResponseTypes:          []string{"code"},
			TokenEndpointAuthTypes: []string{"client_secret_basic", "client_secret_post"},
			Scopes:                 []string{oauthScope},
		})
	}
}

// tokenResponse is a successful token answer (RFC 6749, section 5.1).
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	Scope       string `json:"scope"`
}

// token answers the client credentials grant of the seeded service
// principal. The client authenticates with HTTP Basic (client_secret_basic,
// what the Go SDK sends) or with client_id and client_secret form fields
// (client_secret_post), never both.
func (s *Server) token(account bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/x-www-form-urlencoded" {
			oauthError(w, http.StatusBadRequest, "invalid_request", "The request must be application/x-www-form-urlencoded.")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			oauthError(w, http.StatusBadRequest, "invalid_request", "The request body could not be parsed.")
			return
		}
		id, secret, basic := basicClient(r)
		if basic && (r.PostForm.Has("client_secret") || r.PostForm.Has("client_id")) {
			oauthError(w, http.StatusBadRequest, "invalid_request", "Use one client authentication method, not both.")
			return
		}
		if !basic {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		if !s.knownClient(id, secret) || (account && r.PathValue("account") != s.opts.AccountID) {
			if basic {
				w.Header().Set("WWW-Authenticate", `Basic realm="oidc"`)
			}
			oauthError(w, http.StatusUnauthorized, "invalid_client", "Client authentication failed.")
			return
		}
		switch grant := r.PostForm.Get("grant_type"); grant {
		case "client_credentials":
		case "":
			oauthError(w, http.StatusBadRequest, "invalid_request", "Missing grant_type.")
			return
		default:
			oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "Grant type "+grant+" is not supported for this client.")
			return
		}
		if !allAPIs(r.PostForm.Get("scope")) {
			oauthError(w, http.StatusBadRequest, "invalid_scope", "The scope must be "+oauthScope+".")
			return
		}
		tok, ttl := s.issue(account)
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Pragma", "no-cache")
		writeJSON(w, http.StatusOK, tokenResponse{AccessToken: tok, TokenType: "Bearer", ExpiresIn: int(ttl / time.Second), Scope: oauthScope})
		s.log.Debug("token issued", "account", account)
	}
}

// allAPIs reports whether a token request's scope is all-apis (once or
// more, and nothing else).
func allAPIs(scope string) bool {
	scopes := strings.Fields(scope)
	for _, sc := range scopes {
		if sc != oauthScope {
			return false
		}
	}
	return len(scopes) > 0
}

// basicClient reads client_secret_basic credentials: HTTP Basic whose user
// and password are the form-urlencoded client id and secret (RFC 6749,
// section 2.3.1).
func basicClient(r *http.Request) (id, secret string, ok bool) {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return "", "", false
	}
	if u, err := url.QueryUnescape(user); err == nil {
		user = u
	}
	if p, err := url.QueryUnescape(pass); err == nil {
		pass = p
	}
	return user, pass, true
}

// knownClient reports whether id and secret are the seeded service
// principal's, in constant time.
func (s *Server) knownClient(id, secret string) bool {
	idOK := subtle.ConstantTimeCompare([]byte(id), []byte(s.opts.ClientID))
	secretOK := subtle.ConstantTimeCompare([]byte(secret), []byte(s.opts.ClientSecret))
	return idOK&secretOK == 1
}

// issue makes a new access token, forgetting those long expired.
func (s *Server) issue(account bool) (string, time.Duration) {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	tok := base64.RawURLEncoding.EncodeToString(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for k, t := range s.tokens {
		if now.Sub(t.expires) > keepExpired {
			delete(s.tokens, k)
		}
	}
	s.tokens[keyOf(tok)] = issuedToken{account: account, expires: now.Add(s.opts.TokenTTL)}
	return tok, s.opts.TokenTTL
}

// oauthError answers as an OAuth authorization server does (RFC 6749,
// section 5.2), not with Databricks' API error shape.
func oauthError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}

// isAccountRoute reports whether p is an account API path, which takes an
// account OAuth token only: /api/{version}/accounts/... and
// /api/{version}/preview/accounts/....
func isAccountRoute(p string) bool {
	rest, ok := strings.CutPrefix(p, "/api/")
	if !ok {
		return false
	}
	_, rest, _ = strings.Cut(rest, "/")
	rest = strings.TrimPrefix(rest, "preview/")
	return rest == "accounts" || strings.HasPrefix(rest, "accounts/")
}
