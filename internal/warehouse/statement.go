package warehouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/sql"

	"github.com/novadynamics/stellar-budget/internal/attribution"
	"github.com/novadynamics/stellar-budget/internal/dbclient"
)

// executor runs statements on one SQL warehouse through the Statement
// Execution API: results as JSON_ARRAY through EXTERNAL_LINKS (INLINE
// fails a statement whose result passes 25 MiB, which a large account's
// month does), polled to a terminal state, every chunk read.
type executor struct {
	api         sql.StatementExecutionInterface
	warehouseID string
	// links downloads the chunks external links point to. It sends no
	// Databricks credentials: the links are presigned cloud storage URLs,
	// which refuse a request that carries any.
	links *http.Client
	// startTimeout is how long a statement may stay PENDING (the warehouse
	// starting or queueing) before it is canceled.
	startTimeout time.Duration
	poll         time.Duration // first wait between polls; doubles to maxPoll
	retry        retryPolicy
	log          *slog.Logger
}

const maxPoll = 5 * time.Second

// query runs statement and hands each result row to add. want, when set,
// is the result's columns and types, checked against the manifest before
// any row is read, and the width of every row, so add may index it. step
// names the statement in progress lines and errors.
func (x *executor) query(ctx context.Context, step, statement string, want []attribution.ResultColumn, add func([]string) error) error {
	start := time.Now()
	resp, err := dbclient.Resubmit(ctx, x.log, step, x.retry.backoff, func() (*sql.StatementResponse, error) {
		return x.run(ctx, step, statement)
	}, func(resp *sql.StatementResponse, _ error) (sql.ServiceErrorCode, bool) {
		if resp == nil {
			return "", false
		}
		return dbclient.TransientFailure(resp.Status)
	})
	if err != nil {
		return err
	}
	rows, err := x.read(ctx, step, resp, want, add)
	if err != nil {
		return err
	}
	x.log.Info("statement done", "step", step, "rows", rows, "chunks", resp.Manifest.TotalChunkCount, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// run submits statement and waits for its end: the response, and an error
// for every end but success. A statement this gives up on is canceled.
func (x *executor) run(ctx context.Context, step, statement string) (*sql.StatementResponse, error) {
	start := time.Now()
	resp, err := retryCall(ctx, x.retry, x.log, step+": submit", func() (*sql.StatementResponse, error) {
		return x.api.ExecuteStatement(ctx, sql.ExecuteStatementRequest{
			WarehouseId:   x.warehouseID,
			Statement:     statement,
			Disposition:   sql.DispositionExternalLinks,
			Format:        sql.FormatJsonArray,
			WaitTimeout:   x.waitTimeout(),
			OnWaitTimeout: sql.ExecuteStatementRequestOnWaitTimeoutContinue,
		})
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", step, err)
	}
	id := resp.StatementId
	x.log.Info("statement submitted", "step", step, "statement_id", id, "state", state(resp))
	resp, err = x.await(ctx, step, resp, start)
	if err != nil {
		if s := state(resp); id != "" && (s == sql.StatementStatePending || s == sql.StatementStateRunning) {
			x.cancel(ctx, id)
		}
	}
	return resp, err
}

// waitTimeout is how long ExecuteStatement waits before answering: 10s,
// unless the warehouse may not take that long to start, then at once
// (the API takes 0 or 5s to 50s).
func (x *executor) waitTimeout() string {
	if x.startTimeout < 10*time.Second {
		return "0s"
	}
	return "10s"
}

func state(resp *sql.StatementResponse) sql.StatementState {
	if resp == nil || resp.Status == nil {
		return ""
	}
	return resp.Status.State
}

// await polls the statement until it succeeds, and turns every other end
// into an error. It returns the last response it saw either way, so the
// caller knows whether the statement is still going.
func (x *executor) await(ctx context.Context, step string, resp *sql.StatementResponse, submitted time.Time) (*sql.StatementResponse, error) {
	id := resp.StatementId
	var reported time.Time // last "waiting" line
	wait := x.poll
	last := state(resp)
	for {
		switch s := state(resp); s {
		case sql.StatementStateSucceeded:
			return resp, nil
		case sql.StatementStateFailed:
			return resp, statementError(step, resp.Status.Error)
		case sql.StatementStateCanceled, sql.StatementStateClosed:
			return resp, fmt.Errorf("%s: statement %s was %s on the warehouse", step, id, strings.ToLower(string(s)))
		case sql.StatementStatePending:
			if time.Since(submitted) > x.startTimeout {
				return resp, fmt.Errorf("%w: %s did not start within %s (statement still PENDING); raise --warehouse-timeout or check the warehouse in the workspace",
					ErrWarehouseTimeout, x.warehouseID, x.startTimeout)
			}
		case sql.StatementStateRunning:
		default:
			return resp, fmt.Errorf("%s: statement %s in unexpected state %q", step, id, s)
		}
		if s := state(resp); s != last {
			x.log.Info("statement "+strings.ToLower(string(s)), "step", step, "statement_id", id)
			last = s
		} else if s == sql.StatementStatePending && time.Since(reported) >= 30*time.Second {
			x.log.Info("waiting for the SQL warehouse to start", "step", step, "warehouse", x.warehouseID, "waited", time.Since(submitted).Round(time.Second), "timeout", x.startTimeout)
			reported = time.Now()
		}
		if err := sleep(ctx, wait); err != nil {
			return resp, fmt.Errorf("%s: %w", step, err)
		}
		wait = min(2*wait, maxPoll)
		next, err := retryCall(ctx, x.retry, x.log, step+": poll", func() (*sql.StatementResponse, error) {
			return x.api.GetStatement(ctx, sql.GetStatementRequest{StatementId: id})
		})
		if err != nil {
			return resp, fmt.Errorf("%s: %w", step, err)
		}
		resp = next
	}
}

// cancel asks the warehouse to stop a statement this source gave up on.
// It runs after ctx may have ended, so it has its own short deadline.
func (x *executor) cancel(ctx context.Context, id string) {
	ctx, done := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer done()
	if err := x.api.CancelExecution(ctx, sql.CancelExecutionRequest{StatementId: id}); err != nil {
		x.log.Warn("cancel statement", "statement_id", id, "err", oneLine(err.Error()))
	}
}

// read checks the manifest and hands every row of every chunk to add.
func (x *executor) read(ctx context.Context, step string, resp *sql.StatementResponse, want []attribution.ResultColumn, add func([]string) error) (int64, error) {
	m := resp.Manifest
	if m == nil {
		return 0, fmt.Errorf("%s: statement %s succeeded without a result manifest", step, resp.StatementId)
	}
	if m.Truncated {
		return 0, fmt.Errorf("%s: the warehouse truncated the result (over the byte_limit of external links, 100 GiB by default); pull fewer days", step)
	}
	if want != nil {
		if err := checkColumns(m.Schema, want); err != nil {
			return 0, fmt.Errorf("%s: %w", step, err)
		}
	}
	var rows int64
	chunks := 0
	for data := resp.Result; data != nil; {
		index, next := chunkPosition(data)
		values, err := x.chunkRows(ctx, step, resp.StatementId, data)
		if err != nil {
			return 0, err
		}
		for _, r := range values {
			if want != nil && len(r) != len(want) {
				return 0, fmt.Errorf("%s: row %d has %d columns, the result %d", step, rows+1, len(r), len(want))
			}
			if err := add(r); err != nil {
				return 0, fmt.Errorf("%s: row %d: %w", step, rows+1, err)
			}
			rows++
		}
		chunks++
		if next == 0 {
			break
		}
		x.log.Debug("fetching result chunk", "step", step, "chunk", next+1, "of", m.TotalChunkCount, "rows_so_far", rows)
		chunk, err := x.chunk(ctx, step, resp.StatementId, next)
		if err != nil {
			return 0, err
		}
		if got, _ := chunkPosition(chunk); got != next {
			return 0, fmt.Errorf("%s: asked for result chunk %d, got %d (after chunk %d)", step, next, got, index)
		}
		data = chunk
	}
	if m.TotalChunkCount > 0 && chunks != m.TotalChunkCount {
		return 0, fmt.Errorf("%s: read %d of %d result chunks", step, chunks, m.TotalChunkCount)
	}
	if m.TotalRowCount > 0 && rows != m.TotalRowCount {
		return 0, fmt.Errorf("%s: read %d of %d result rows", step, rows, m.TotalRowCount)
	}
	return rows, nil
}

// checkColumns holds the result schema to the attribution contract: the
// same names, in order, with the same types.
func checkColumns(schema *sql.ResultSchema, want []attribution.ResultColumn) error {
	var got []sql.ColumnInfo
	if schema != nil {
		got = schema.Columns
	}
	if len(got) != len(want) {
		return fmt.Errorf("result has %d columns, the attribution contract %d: %s", len(got), len(want), describe(got))
	}
	for i, w := range want {
		g := got[i]
		if g.Name != w.Name || normalType(g.TypeText) != normalType(w.Type) {
			return fmt.Errorf("result column %d is %s %s, the attribution contract wants %s %s",
				i+1, g.Name, g.TypeText, w.Name, w.Type)
		}
	}
	return nil
}

func describe(cols []sql.ColumnInfo) string {
	s := make([]string, len(cols))
	for i, c := range cols {
		s[i] = c.Name + " " + c.TypeText
	}
	return strings.Join(s, ", ")
}

// normalType spells a type the one way: upper case, no spaces.
func normalType(t string) string {
	return strings.ToUpper(strings.ReplaceAll(t, " ", ""))
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retryPolicy retries what the SDK does not: it already retries 429 and
// 503 (for its retry timeout), not 500, 502 or 504, which a warehouse's
// gateway answers now and then. Reading a statement's status or a chunk
// again is harmless, and so is running a SELECT again.
type retryPolicy struct {
	attempts int           // in all, the first included
	backoff  time.Duration // first wait; doubles
}

// retriable leaves 429 and 503 to the SDK: retrying them here as well
// would multiply its retry timeout by the attempts.
func (p retryPolicy) retriable(err error) bool {
	var api *apierr.APIError
	if !errors.As(err, &api) {
		return false
	}
	switch api.StatusCode {
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// retryCall calls call until it succeeds, fails for good or p's attempts
// are spent.
func retryCall[T any](ctx context.Context, p retryPolicy, log *slog.Logger, what string, call func() (T, error)) (T, error) {
	wait := p.backoff
	for attempt := 1; ; attempt++ {
		v, err := call()
		if err == nil || !p.retriable(err) {
			return v, err
		}
		if attempt >= p.attempts {
			return v, fmt.Errorf("%w (gave up after %d attempts)", err, attempt)
		}
		log.Warn("retrying", "call", what, "attempt", attempt, "of", p.attempts, "after", wait, "err", oneLine(err.Error()))
		if err := sleep(ctx, wait); err != nil {
			return v, err
		}
		wait *= 2
	}
}
