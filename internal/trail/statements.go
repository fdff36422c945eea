package trail

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/databricks/databricks-sdk-go/service/sql"

	"github.com/novadynamics/stellar-budget/internal/dbclient"
)

// StatementExecution is the part of the SDK's Statement Execution API the
// table store uses; a WorkspaceClient's StatementExecution is one.
type StatementExecution interface {
	ExecuteStatement(ctx context.Context, request sql.ExecuteStatementRequest) (*sql.StatementResponse, error)
	GetStatement(ctx context.Context, request sql.GetStatementRequest) (*sql.StatementResponse, error)
	GetStatementResultChunkN(ctx context.Context, request sql.GetStatementResultChunkNRequest) (*sql.ResultData, error)
	CancelExecution(ctx context.Context, request sql.CancelExecutionRequest) error
}

var _ StatementExecution = (sql.StatementExecutionInterface)(nil)

// StatementError is a statement the warehouse ran and failed, with
// Databricks' message (led by its error class, e.g.
// "[TABLE_OR_VIEW_NOT_FOUND] ...").
type StatementError struct {
	Step    string
	Message string
	status  *sql.StatementStatus
}

func (e *StatementError) Error() string { return e.Step + ": " + e.Message }

// Class is the Databricks error class leading the message, or "".
func (e *StatementError) Class() string {
	if !strings.HasPrefix(e.Message, "[") {
		return ""
	}
	class, _, ok := strings.Cut(e.Message[1:], "]")
	if !ok {
		return ""
	}
	return class
}

// result is a succeeded statement's columns and rows, as JSON_ARRAY text.
type result struct {
	columns []sql.ColumnInfo
	rows    [][]string
}

// column is the index of the column named name, or -1.
func (r *result) column(name string) int {
	for i, c := range r.columns {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}

// Polling a statement the warehouse has not finished within the submit's
// wait.
const (
	firstPoll = 100 * time.Millisecond
	maxPoll   = 2 * time.Second
)

// run executes one statement on the warehouse and reads its whole INLINE
// result. It waits as long as ctx allows, and cancels the statement when
// ctx ends first. step names the statement in errors.
func (s *TableStore) run(ctx context.Context, step, statement string, params []sql.StatementParameterListItem) (*result, error) {
	return dbclient.Resubmit(ctx, s.log, step, s.resubmitBackoff, func() (*result, error) {
		return s.runOnce(ctx, step, statement, params)
	}, func(_ *result, err error) (sql.ServiceErrorCode, bool) {
		var se *StatementError
		if !errors.As(err, &se) {
			return "", false
		}
		return dbclient.TransientFailure(se.status)
	})
}

// runOnce submits the statement once and reads its result. A FAILED
// statement is a *StatementError; one the service could not run for the
// moment, run resubmits (a FAILED statement changed nothing, so a MERGE
// resubmitted inserts at most once).
func (s *TableStore) runOnce(ctx context.Context, step, statement string, params []sql.StatementParameterListItem) (*result, error) {
	resp, err := s.api.ExecuteStatement(ctx, sql.ExecuteStatementRequest{
		WarehouseId: s.warehouseID, Statement: statement, Parameters: params,
		Disposition: sql.DispositionInline, Format: sql.FormatJsonArray,
		WaitTimeout: "10s", OnWaitTimeout: sql.ExecuteStatementRequestOnWaitTimeoutContinue,
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", step, err)
	}
	wait := firstPoll
	for {
		state := sql.StatementState("")
		if resp.Status != nil {
			state = resp.Status.State
		}
		switch state {
		case sql.StatementStateSucceeded:
			return s.read(ctx, step, resp)
		case sql.StatementStateFailed:
			msg := "failed without a message"
			if resp.Status.Error != nil {
				msg = resp.Status.Error.Message
			}
			return nil, &StatementError{Step: step, Message: msg, status: resp.Status}
		case sql.StatementStatePending, sql.StatementStateRunning:
		default:
			return nil, fmt.Errorf("%s: statement %s ended %s", step, resp.StatementId, state)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			s.cancel(ctx, resp.StatementId)
			return nil, fmt.Errorf("%s: statement %s still %s: %w", step, resp.StatementId, state, ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, maxPoll)
		if resp, err = s.api.GetStatement(ctx, sql.GetStatementRequest{StatementId: resp.StatementId}); err != nil {
			return nil, fmt.Errorf("%s: %w", step, err)
		}
	}
}

// cancel stops a statement this store gave up on; ctx may have ended, so
// it has its own short deadline.
func (s *TableStore) cancel(ctx context.Context, id string) {
	ctx, done := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer done()
	if err := s.api.CancelExecution(ctx, sql.CancelExecutionRequest{StatementId: id}); err != nil {
		s.log.Warn("cancel statement", "statement_id", id, "err", err)
	}
}

// read collects every chunk of a succeeded statement's result.
func (s *TableStore) read(ctx context.Context, step string, resp *sql.StatementResponse) (*result, error) {
	r := &result{}
	m := resp.Manifest
	if m == nil {
		return nil, fmt.Errorf("%s: statement %s succeeded without a manifest", step, resp.StatementId)
	}
	if m.Truncated {
		return nil, fmt.Errorf("%s: the warehouse truncated the result", step)
	}
	if m.Schema != nil {
		r.columns = m.Schema.Columns
	}
	for data := resp.Result; data != nil; {
		for _, row := range data.DataArray {
			if len(row) != len(r.columns) {
				return nil, fmt.Errorf("%s: a row of %d values in a result of %d columns", step, len(row), len(r.columns))
			}
			r.rows = append(r.rows, row)
		}
		next := data.NextChunkIndex
		if next == 0 {
			break
		}
		chunk, err := s.api.GetStatementResultChunkN(ctx, sql.GetStatementResultChunkNRequest{StatementId: resp.StatementId, ChunkIndex: next})
		if err != nil {
			return nil, fmt.Errorf("%s: result chunk %d: %w", step, next, err)
		}
		data = chunk
	}
	if m.TotalRowCount > 0 && int64(len(r.rows)) != m.TotalRowCount {
		return nil, fmt.Errorf("%s: read %d of %d result rows", step, len(r.rows), m.TotalRowCount)
	}
	return r, nil
}

// stringParam binds a STRING; an empty one is sent as the empty string
// (the SDK leaves an empty value out, which is NULL).
func stringParam(name, value string) sql.StatementParameterListItem {
	return sql.StatementParameterListItem{Name: name, Type: "STRING", Value: value, ForceSendFields: []string{"Value"}}
}

// optionalParam binds a STRING that is NULL when empty.
func optionalParam(name, value string) sql.StatementParameterListItem {
	return sql.StatementParameterListItem{Name: name, Type: "STRING", Value: value}
}

// timestampParam binds a TIMESTAMP, NULL when zero, written in UTC with
// its zone so the session's time zone cannot shift it.
func timestampParam(name string, t time.Time) sql.StatementParameterListItem {
	p := sql.StatementParameterListItem{Name: name, Type: "TIMESTAMP"}
	if !t.IsZero() {
		p.Value = t.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	return p
}

func bigintParam(name string, n int64) sql.StatementParameterListItem {
	return sql.StatementParameterListItem{Name: name, Type: "BIGINT", Value: fmt.Sprint(n), ForceSendFields: []string{"Value"}}
}
