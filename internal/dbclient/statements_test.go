package dbclient

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go/service/sql"
)

func failed(code sql.ServiceErrorCode) *sql.StatementStatus {
	return &sql.StatementStatus{State: sql.StatementStateFailed, Error: &sql.ServiceError{ErrorCode: code, Message: string(code)}}
}

func TestTransientFailure(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status *sql.StatementStatus
		want   bool
	}{
		{"temporarily unavailable", failed(sql.ServiceErrorCodeTemporarilyUnavailable), true},
		{"workspace temporarily unavailable", failed(sql.ServiceErrorCodeWorkspaceTemporarilyUnavailable), true},
		{"under maintenance", failed(sql.ServiceErrorCodeServiceUnderMaintenance), true},
		{"bad request", failed(sql.ServiceErrorCodeBadRequest), false},
		{"internal error", failed(sql.ServiceErrorCodeInternalError), false},
		{"succeeded", &sql.StatementStatus{State: sql.StatementStateSucceeded}, false},
		{"failed without an error", &sql.StatementStatus{State: sql.StatementStateFailed}, false},
		{"no status", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, got := TransientFailure(tc.status); got != tc.want {
				t.Errorf("TransientFailure = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestResubmitBounded: a statement that keeps failing for the moment is
// submitted ResubmitAttempts times in all; one that gets through, or fails
// for good, is not submitted again.
func TestResubmitBounded(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	for _, tc := range []struct {
		name      string
		outcomes  []*sql.StatementStatus
		wantCalls int
	}{
		{"always transient", nil, ResubmitAttempts},
		{"through on the third", []*sql.StatementStatus{failed(sql.ServiceErrorCodeTemporarilyUnavailable), failed(sql.ServiceErrorCodeServiceUnderMaintenance), {State: sql.StatementStateSucceeded}}, 3},
		{"fails for good", []*sql.StatementStatus{failed(sql.ServiceErrorCodeTemporarilyUnavailable), failed(sql.ServiceErrorCodeBadRequest)}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			got, err := Resubmit(context.Background(), quiet, "step", time.Microsecond, func() (*sql.StatementStatus, error) {
				calls++
				if tc.outcomes == nil {
					return failed(sql.ServiceErrorCodeTemporarilyUnavailable), errors.New("failed")
				}
				s := tc.outcomes[calls-1]
				if s.State == sql.StatementStateFailed {
					return s, errors.New("failed")
				}
				return s, nil
			}, func(s *sql.StatementStatus, _ error) (sql.ServiceErrorCode, bool) { return TransientFailure(s) })
			if calls != tc.wantCalls || (got.State == sql.StatementStateSucceeded) != (err == nil) {
				t.Errorf("%d submissions (want %d), last %v, err %v", calls, tc.wantCalls, got.State, err)
			}
		})
	}
}
