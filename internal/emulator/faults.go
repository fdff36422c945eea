package emulator

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/databricks/databricks-sdk-go/service/sql"
)

// Faults are the failures the emulator injects, so a client's retries and
// error paths can be tried without a real outage. They are set by the
// command's flags (Options.Faults) and changed at run time through
// /emulator/admin/faults. A request fault answers the next Count requests
// whose path starts with PathPrefix (every path when empty), after the
// token check; each answer uses up one.
type Faults struct {
	// TooManyRequests answers 429 TOO_MANY_REQUESTS with a Retry-After
	// header; the SDK retries these.
	TooManyRequests RequestFault `json:"too_many_requests"`
	// RetryAfter is the Retry-After of the 429 answers (whole seconds,
	// at least 1).
	RetryAfter Duration `json:"retry_after"`
	// Unavailable answers 503 TEMPORARILY_UNAVAILABLE; the SDK retries these.
	Unavailable RequestFault `json:"unavailable"`
	// InternalErrors answers 500 INTERNAL_ERROR, which the Go SDK (v0.118.0)
	// does not retry: with PathPrefix "/api/2.0/sql/statements/" it makes a
	// result pull fail midway.
	InternalErrors RequestFault `json:"internal_errors"`
	// Delay holds every API request this long before it is answered.
	Delay Duration `json:"delay"`
	// ExpiredToken answers every API request (not the admin endpoints) as
	// Databricks answers an expired token.
	ExpiredToken bool `json:"expired_token"`
	// WarehouseStartDelay is how long a starting SQL warehouse stays
	// STARTING before it is RUNNING.
	WarehouseStartDelay Duration `json:"warehouse_start_delay"`
	// WarehouseNeverStarts keeps a starting warehouse STARTING for good (a
	// capacity shortage); statements on it stay PENDING.
	WarehouseNeverStarts bool `json:"warehouse_never_starts"`
	// StatementFailures ends the next Count statements FAILED with a
	// transient error, as the service does in an outage:
	// TEMPORARILY_UNAVAILABLE, WORKSPACE_TEMPORARILY_UNAVAILABLE and
	// SERVICE_UNDER_MAINTENANCE in turn. A client resubmits these.
	StatementFailures CountFault `json:"statement_failures"`
}

// CountFault is a number of things to fail.
type CountFault struct {
	Count int `json:"count"`
}

// transientCodes are the error codes a statement the service could not
// run for the moment ends with, in the order StatementFailures uses them.
var transientCodes = []sql.ServiceErrorCode{
	sql.ServiceErrorCodeTemporarilyUnavailable,
	sql.ServiceErrorCodeWorkspaceTemporarilyUnavailable,
	sql.ServiceErrorCodeServiceUnderMaintenance,
}

// takeStatementFailure reports the error a statement fails with under
// StatementFailures, using one up; nil when none is due.
func (s *Server) takeStatementFailure() *statementError {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opts.Faults.StatementFailures.Count <= 0 {
		return nil
	}
	s.opts.Faults.StatementFailures.Count--
	code := transientCodes[s.statementFailures%len(transientCodes)]
	s.statementFailures++
	return &statementError{ErrorCode: code, Message: fmt.Sprintf("%s: the service could not run the statement now; try again later.", code)}
}

// RequestFault is a number of requests to fail, optionally only those under
// a path prefix.
type RequestFault struct {
	Count      int    `json:"count"`
	PathPrefix string `json:"path_prefix,omitempty"`
}

// take reports whether a request to path is failed, using one up.
func (f *RequestFault) take(path string) bool {
	if f.Count <= 0 || !strings.HasPrefix(path, f.PathPrefix) {
		return false
	}
	f.Count--
	return true
}

// Duration is a time.Duration written in JSON as Go's duration text
// ("1.5s", "250ms"); a JSON number is read as seconds.
type Duration time.Duration

// String is Go's duration text, so that logged faults read "2s", not a
// count of nanoseconds.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON implements json.Marshaler.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON implements json.Unmarshaler.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var seconds float64
	if err := json.Unmarshal(b, &seconds); err == nil {
		*d = Duration(seconds * float64(time.Second))
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration: want text like \"2s\" or a number of seconds, got %s", b)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: %w", s, err)
	}
	*d = Duration(v)
	return nil
}

// validate rejects settings the emulator cannot honour.
func (f Faults) validate() error {
	for name, n := range map[string]int{"too_many_requests": f.TooManyRequests.Count, "unavailable": f.Unavailable.Count, "internal_errors": f.InternalErrors.Count, "statement_failures": f.StatementFailures.Count} {
		if n < 0 {
			return fmt.Errorf("%s.count %d: want 0 or more", name, n)
		}
	}
	for name, d := range map[string]Duration{"retry_after": f.RetryAfter, "delay": f.Delay, "warehouse_start_delay": f.WarehouseStartDelay} {
		if d < 0 {
			return fmt.Errorf("%s %s: want 0 or more", name, time.Duration(d))
		}
	}
	return nil
}

// faults returns a copy of the faults in force.
func (s *Server) faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts.Faults
}
