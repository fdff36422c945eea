package dbclient

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/databricks/databricks-sdk-go/service/sql"
)

// transientCodes are the error codes of a statement the service could not
// run for the moment (an outage, maintenance): it ended FAILED without
// running, and the same statement may succeed when submitted again. The
// SDK retries transient HTTP answers (429, 503), not a statement that
// ended FAILED, so every caller of the Statement Execution API resubmits
// these itself (Resubmit).
var transientCodes = []sql.ServiceErrorCode{
	sql.ServiceErrorCodeTemporarilyUnavailable,
	sql.ServiceErrorCodeWorkspaceTemporarilyUnavailable,
	sql.ServiceErrorCodeServiceUnderMaintenance,
}

// TransientFailure reports whether a statement that ended FAILED with
// status may succeed when submitted again, and its code.
func TransientFailure(status *sql.StatementStatus) (sql.ServiceErrorCode, bool) {
	if status == nil || status.State != sql.StatementStateFailed || status.Error == nil {
		return "", false
	}
	return status.Error.ErrorCode, slices.Contains(transientCodes, status.Error.ErrorCode)
}

// Resubmission bounds: at most ResubmitAttempts submissions of one
// statement in all, the waits between them doubling from ResubmitBackoff
// (1 s, 2 s, 4 s, 8 s: 15 s at most before the last).
const (
	ResubmitAttempts = 5
	ResubmitBackoff  = time.Second
)

// Resubmit runs submit, a statement's submission through to its end, again
// while it ends in a transient failure (transient says so, with the code),
// at most ResubmitAttempts times in all, waiting backoff, then twice that,
// between them. It logs each resubmission and returns the last outcome.
func Resubmit[T any](ctx context.Context, log *slog.Logger, step string, backoff time.Duration, submit func() (T, error), transient func(T, error) (sql.ServiceErrorCode, bool)) (T, error) {
	wait := backoff
	for attempt := 1; ; attempt++ {
		v, err := submit()
		code, again := transient(v, err)
		if !again || attempt >= ResubmitAttempts {
			return v, err
		}
		log.Warn("statement failed for the moment; resubmitting", "step", step, "code", code, "attempt", attempt, "of", ResubmitAttempts, "after", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return v, err
		case <-t.C:
		}
		wait *= 2
	}
}
