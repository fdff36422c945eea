package emulator

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Databricks' answers to a request without a usable token. A missing or
// malformed Authorization header is 401; a token the workspace does not
// know is 403 "Invalid access token." (error_code "403", as the real
// service writes it); an expired one is 401 "Token is expired.". The
// account routes answer anything but an account OAuth token (a personal
// access token above all) with the first: the account plane takes no PAT,
// and says so in those words (github.com/databricks/cli pull request 5341
// quotes it for a PAT that reached the account plane).
const (
	msgNoCredential = "Credential was not sent or was of an unsupported type for this API."
	msgInvalidToken = "Invalid access token."
	msgExpiredToken = "Token is expired."
)

// middleware wraps an API handler: the per-request delay, the bearer token,
// X-Databricks-Org-Id, then the request faults.
func (s *Server) middleware(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := s.faults()
		if f.Delay > 0 {
			t := time.NewTimer(time.Duration(f.Delay))
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		if !s.authorized(w, r) {
			return
		}
		if f.ExpiredToken {
			writeError(w, http.StatusUnauthorized, "UNAUTHENTICATED", msgExpiredToken)
			return
		}
		if org := r.Header.Get("X-Databricks-Org-Id"); org != "" && org != s.opts.WorkspaceID {
			// The SDK sends the header in unified-host mode only; other
			// clients use the host as a plain workspace host and omit it.
			writeError(w, http.StatusForbidden, "PERMISSION_DENIED", "X-Databricks-Org-Id %s is not this workspace (%s).", org, s.opts.WorkspaceID)
			return
		}
		if s.injectFault(w, r) {
			return
		}
		s.log.Debug("request", "method", r.Method, "path", r.URL.Path)
		h(w, r)
	})
}

// handleAdmin registers an emulator admin endpoint: token checked, but
// none of the faults, so they can always be switched off again.
func (s *Server) handleAdmin(pattern string, h http.HandlerFunc) {
	s.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.authorized(w, r) {
			h(w, r)
		}
	}))
}

// authorized checks the bearer token, answering as Databricks does when it
// is missing or wrong. An account route takes an unexpired account OAuth
// token; every other path (workspace routes, the admin endpoints) the PAT
// or any unexpired OAuth token of the service principal. The token is
// never logged.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		writeError(w, http.StatusUnauthorized, "UNAUTHENTICATED", msgNoCredential)
		return false
	}
	pat := subtle.ConstantTimeCompare([]byte(token), []byte(s.opts.Token)) == 1
	s.mu.Lock()
	issued, known := s.tokens[keyOf(token)]
	expired := known && !s.now().Before(issued.expires)
	s.mu.Unlock()
	account := isAccountRoute(r.URL.Path)
	switch {
	case account && !(known && issued.account):
		writeError(w, http.StatusUnauthorized, "UNAUTHENTICATED", msgNoCredential)
		return false
	case !account && pat:
		return true
	case !known:
		writeError(w, http.StatusForbidden, "403", msgInvalidToken)
		return false
	case expired:
		writeError(w, http.StatusUnauthorized, "UNAUTHENTICATED", msgExpiredToken)
		return false
	}
	return true
}

// injectFault answers the request with a request fault if one is due.
func (s *Server) injectFault(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	f := &s.opts.Faults
	throttle := f.TooManyRequests.take(r.URL.Path)
	unavailable := !throttle && f.Unavailable.take(r.URL.Path)
	internal := !throttle && !unavailable && f.InternalErrors.take(r.URL.Path)
	retryAfter := time.Duration(f.RetryAfter)
	s.mu.Unlock()
	switch {
	case throttle:
		secs := max(1, int((retryAfter+time.Second-1)/time.Second))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeError(w, http.StatusTooManyRequests, "TOO_MANY_REQUESTS", "Too many requests. Please wait a moment and try again.")
	case unavailable:
		writeError(w, http.StatusServiceUnavailable, "TEMPORARILY_UNAVAILABLE", "The service is temporarily unavailable. Please try again later.")
	case internal:
		writeError(w, http.StatusInternalServerError, "INTERNAL_ERROR", "Internal error (injected by the emulator).")
	default:
		return false
	}
	s.log.Info("injected fault", "method", r.Method, "path", r.URL.Path)
	return true
}

// notFound answers a path the emulator does not serve, as Databricks does.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, "ENDPOINT_NOT_FOUND", "No API found for '%s %s'", r.Method, r.URL.Path)
}
