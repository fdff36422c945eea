package emulator

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/databricks/databricks-sdk-go/service/sql"
)

// DefaultChunkRows is how many rows a result chunk holds unless
// Options.ChunkRows says otherwise.
const DefaultChunkRows = 5000

// statementRetention is how long a finished statement's result can be
// fetched, as on Databricks (then it is gone: 404).
const statementRetention = time.Hour

// statement is one execution of the statement execution API.
type statement struct {
	id          string
	warehouseID string
	sql         string // as received, in the Databricks dialect
	params      map[string]param
	rowLimit    int64
	external    bool // disposition EXTERNAL_LINKS: chunks are fetched from links

	// Guarded by Server.mu.
	state     sql.StatementState
	err       *statementError
	names     []string
	types     []string
	rows      [][]*string
	truncated bool
	finished  time.Time

	cancel context.CancelFunc
	done   chan struct{} // closed once the state is final
}

// The JSON of the statement execution API. The SDK's own types cannot
// carry a SQL NULL inside data_array ([][]string), and they leave out zero
// fields such as chunk_index 0 and position 0 that Databricks writes, so
// these mirror them field for field.
type (
	statementResponse struct {
		StatementID string          `json:"statement_id"`
		Status      statementStatus `json:"status"`
		Manifest    *resultManifest `json:"manifest,omitempty"`
		Result      any             `json:"result,omitempty"` // *resultChunk or *linkedChunk

	}
	statementStatus struct {
		State sql.StatementState `json:"state"`
		Error *statementError    `json:"error,omitempty"`
	}
	statementError struct {
		ErrorCode sql.ServiceErrorCode `json:"error_code"`
		Message   string               `json:"message"`
	}
	resultManifest struct {
		Format          sql.Format   `json:"format"`
		Schema          resultSchema `json:"schema"`
		TotalChunkCount int          `json:"total_chunk_count"`
		Chunks          []chunkInfo  `json:"chunks"`
		TotalRowCount   int64        `json:"total_row_count"`
		TotalByteCount  int64        `json:"total_byte_count"`
		Truncated       bool         `json:"truncated"`
	}
	resultSchema struct {
		ColumnCount int          `json:"column_count"`
		Columns     []columnInfo `json:"columns"`
	}
	columnInfo struct {
		Name          string                 `json:"name"`
		TypeText      string                 `json:"type_text"`
		TypeName      sql.ColumnInfoTypeName `json:"type_name"`
		TypePrecision *int                   `json:"type_precision,omitempty"`
		TypeScale     *int                   `json:"type_scale,omitempty"`
		Position      int                    `json:"position"`
	}
	chunkInfo struct {
		ChunkIndex int   `json:"chunk_index"`
		RowOffset  int64 `json:"row_offset"`
		RowCount   int64 `json:"row_count"`
		ByteCount  int64 `json:"byte_count"`
	}
	resultChunk struct {
		ChunkIndex            int         `json:"chunk_index"`
		RowOffset             int64       `json:"row_offset"`
		RowCount              int64       `json:"row_count"`
		ByteCount             int64       `json:"byte_count"`
		DataArray             [][]*string `json:"data_array,omitempty"`
		NextChunkIndex        *int        `json:"next_chunk_index,omitempty"`
		NextChunkInternalLink string      `json:"next_chunk_internal_link,omitempty"`
	}
)

// executeRequest is the body of POST /api/2.0/sql/statements. Parameter
// values are pointers: an absent value is a SQL NULL.
type executeRequest struct {
	Statement     string `json:"statement"`
	WarehouseID   string `json:"warehouse_id"`
	WaitTimeout   string `json:"wait_timeout"`
	OnWaitTimeout string `json:"on_wait_timeout"`
	Disposition   string `json:"disposition"`
	Format        string `json:"format"`
	RowLimit      int64  `json:"row_limit"`
	ByteLimit     int64  `json:"byte_limit"`
	Catalog       string `json:"catalog"`
	Schema        string `json:"schema"`
	Parameters    []struct {
		Name  string  `json:"name"`
		Type  string  `json:"type"`
		Value *string `json:"value"`
	} `json:"parameters"`
}

// statementRoutes registers the statement execution API.
func (s *Server) statementRoutes() {
	s.handle("POST /api/2.0/sql/statements", s.executeStatement)
	s.handle("POST /api/2.0/sql/statements/{$}", s.executeStatement) // the Python SDK's spelling
	s.handle("GET /api/2.0/sql/statements/{id}", s.getStatement)
	s.handle("GET /api/2.0/sql/statements/{id}/result/chunks/{n}", s.getChunk)
	s.handle("POST /api/2.0/sql/statements/{id}/cancel", s.cancelStatement)
}

func (s *Server) executeStatement(w http.ResponseWriter, r *http.Request) {
	var req executeRequest
	if !readJSON(w, r, &req) {
		return
	}
	wait, ok := parseWaitTimeout(w, req.WaitTimeout)
	if !ok {
		return
	}
	switch {
	case req.Statement == "":
		invalid(w, "statement is required.")
		return
	case req.WarehouseID == "":
		invalid(w, "warehouse_id is required.")
		return
	case req.OnWaitTimeout != "" && req.OnWaitTimeout != "CONTINUE" && req.OnWaitTimeout != "CANCEL":
		invalid(w, "on_wait_timeout %q is not one of CONTINUE, CANCEL.", req.OnWaitTimeout)
		return
	case req.Disposition != "" && req.Disposition != "INLINE" && req.Disposition != "EXTERNAL_LINKS":
		invalid(w, "disposition %q is not one of INLINE, EXTERNAL_LINKS.", req.Disposition)
		return
	case (req.Format == "ARROW_STREAM" || req.Format == "CSV") && req.Disposition != "EXTERNAL_LINKS":
		invalid(w, "The %s format is not supported with the INLINE disposition: use JSON_ARRAY.", req.Format)
		return
	case req.Format == "ARROW_STREAM" || req.Format == "CSV":
		invalid(w, "The %s format is not supported by the emulator: use JSON_ARRAY with EXTERNAL_LINKS.", req.Format)
		return
	case req.Format != "" && req.Format != "JSON_ARRAY":
		invalid(w, "format %q is not one of JSON_ARRAY, ARROW_STREAM, CSV.", req.Format)
		return
	case req.RowLimit < 0:
		invalid(w, "row_limit must be 0 or more.")
		return
	case s.opts.SQL == nil:
		writeError(w, http.StatusNotImplemented, "NOT_IMPLEMENTED", "This emulator was started without a SQL engine: statement execution is unavailable.")
		return
	}
	params := map[string]param{}
	for _, p := range req.Parameters {
		params[p.Name] = param{value: p.Value, typ: p.Type}
	}

	s.mu.Lock()
	if s.base.Err() != nil {
		// Close has begun: it waits for the statements it knows of only.
		s.mu.Unlock()
		writeError(w, http.StatusServiceUnavailable, "TEMPORARILY_UNAVAILABLE", "The emulator is shutting down.")
		return
	}
	wh := s.findWarehouse(req.WarehouseID)
	if wh == nil {
		s.mu.Unlock()
		writeWarehouseMissing(w, req.WarehouseID)
		return
	}
	s.start(wh) // a stopped warehouse starts for the statement, as on Databricks
	wh.lastActivity = s.now()
	s.expireStatements()
	ctx, cancel := context.WithCancel(s.base)
	st := &statement{
		id: newStatementID(), warehouseID: wh.info.Id, sql: req.Statement, params: params,
		rowLimit: req.RowLimit, external: req.Disposition == "EXTERNAL_LINKS", state: sql.StatementStatePending, cancel: cancel, done: make(chan struct{}),
	}
	s.statements[st.id] = st
	s.running.Go(func() { s.run(ctx, st) })
	s.mu.Unlock()
	s.log.Info("statement accepted", "statement_id", st.id, "warehouse_id", st.warehouseID)

	if wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-st.done:
		case <-t.C:
			if req.OnWaitTimeout == "CANCEL" {
				st.cancel()
				<-st.done
			}
		case <-r.Context().Done():
		}
		t.Stop()
	}
	s.writeStatement(w, r, st)
}

// parseWaitTimeout reads wait_timeout: "0s" (answer at once) or 5 to 50
// seconds; empty means the API's default of 10s.
func parseWaitTimeout(w http.ResponseWriter, v string) (time.Duration, bool) {
	if v == "" {
		return 10 * time.Second, true
	}
	n, err := strconv.Atoi(v[:max(0, len(v)-1)])
	if err != nil || v[len(v)-1] != 's' || n != 0 && (n < 5 || n > 50) {
		invalid(w, "wait_timeout %q must be 0s or between 5s and 50s.", v)
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}

// newStatementID returns a random UUID, the form of Databricks' ids.
func newStatementID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// expireStatements forgets statements finished longer ago than
// statementRetention; the caller holds s.mu.
func (s *Server) expireStatements() {
	now := s.now()
	for id, st := range s.statements {
		if !st.finished.IsZero() && now.Sub(st.finished) > statementRetention {
			delete(s.statements, id)
		}
	}
}

// activeStatements counts the statements still pending or running on a
// warehouse; the caller holds s.mu.
func (s *Server) activeStatements(warehouseID string) int {
	n := 0
	for _, st := range s.statements {
		if st.warehouseID == warehouseID && st.finished.IsZero() {
			n++
		}
	}
	return n
}

// run waits for the warehouse, then runs the statement on the engine. It
// alone moves the statement on, so it records exactly one final state.
func (s *Server) run(ctx context.Context, st *statement) {
	defer close(st.done)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		s.mu.Lock()
		wh := s.findWarehouse(st.warehouseID) // never nil: warehouses are not deleted
		if wh.info.State == sql.StateStopped {
			s.start(wh) // stopped while the statement waited
		}
		running := wh.info.State == sql.StateRunning
		if running {
			st.state = sql.StatementStateRunning
		}
		s.mu.Unlock()
		if running {
			break
		}
		select {
		case <-ctx.Done():
			s.finish(st, sql.StatementStateCanceled, nil, nil)
			return
		case <-tick.C:
		}
	}

	if serr := s.takeStatementFailure(); serr != nil {
		s.finish(st, sql.StatementStateFailed, serr, nil)
		return
	}
	res, err := s.execute(ctx, st)
	switch {
	case ctx.Err() != nil:
		s.finish(st, sql.StatementStateCanceled, nil, nil)
	case err != nil:
		s.finish(st, sql.StatementStateFailed, statementErrorOf(err, st.sql), nil)
	default:
		s.finish(st, sql.StatementStateSucceeded, nil, res)
	}
}

// queryResult is what the engine answered.
type queryResult struct {
	names, types []string
	rows         [][]*string
}

// execute translates the statement and runs it: a write of the trail
// table on its own path, every other statement as a query.
func (s *Server) execute(ctx context.Context, st *statement) (*queryResult, error) {
	d := s.dialect(st.params)
	if toks, err := tokenize(st.sql); err == nil {
		if kind := s.trailWrite(toks); kind != notTrailWrite {
			return s.executeTrailWrite(ctx, d, st.sql, kind)
		}
		if isWrite(toks) {
			return nil, s.writeRefused()
		}
	}
	q, err := d.translate(st.sql)
	if err != nil {
		return nil, err
	}
	names, types, rows, err := s.opts.SQL.Query(ctx, s.zone.String(), q)
	if err != nil {
		return nil, err
	}
	if err := s.inSession(types, rows); err != nil {
		return nil, err
	}
	return &queryResult{names: names, types: types, rows: rows}, nil
}

// dialect is the translator with the emulated clock.
func (s *Server) dialect(params map[string]param) *dialect {
	s.mu.Lock()
	now := s.now().UTC()
	s.mu.Unlock()
	today := now.Truncate(24 * time.Hour)
	if !s.opts.AsOf.IsZero() {
		today = time.Date(s.opts.AsOf.Year(), s.opts.AsOf.Month(), s.opts.AsOf.Day(), 0, 0, 0, 0, time.UTC)
	}
	clock := today.Add(now.Sub(now.Truncate(24 * time.Hour)))
	// current_date is the clock's date where the session is.
	y, m, d := clock.In(s.zone).Date()
	return &dialect{today: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), now: clock, zone: s.zone, params: params, trail: s.trail}
}

// finish records the statement's final state and result.
func (s *Server) finish(st *statement, state sql.StatementState, serr *statementError, res *queryResult) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if res != nil {
		if st.rowLimit > 0 && int64(len(res.rows)) > st.rowLimit {
			res.rows, st.truncated = res.rows[:st.rowLimit], true
		}
		if serr = s.overInlineLimit(st, res.rows); serr != nil {
			state, res, st.truncated = sql.StatementStateFailed, nil, false
		}
	}
	st.state, st.err, st.finished = state, serr, s.now()
	if res != nil {
		st.names, st.types, st.rows = res.names, res.types, res.rows
	}
	if wh := s.findWarehouse(st.warehouseID); wh != nil {
		wh.lastActivity = st.finished
	}
	st.cancel()
	attrs := []any{"statement_id", st.id, "state", state}
	if serr != nil {
		attrs = append(attrs, "error", serr.Message)
	}
	if res != nil {
		attrs = append(attrs, "rows", len(st.rows))
	}
	if st.external {
		attrs = append(attrs, "disposition", sql.DispositionExternalLinks)
	}
	s.log.Info("statement finished", attrs...)
}

// lookup finds a statement or answers 404.
func (s *Server) lookup(w http.ResponseWriter, id string) *statement {
	s.mu.Lock()
	s.expireStatements()
	st := s.statements[id]
	s.mu.Unlock()
	if st == nil {
		writeError(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "Statement %s does not exist or its result has expired.", id)
	}
	return st
}

func (s *Server) getStatement(w http.ResponseWriter, r *http.Request) {
	if st := s.lookup(w, r.PathValue("id")); st != nil {
		s.writeStatement(w, r, st)
	}
}

func (s *Server) cancelStatement(w http.ResponseWriter, r *http.Request) {
	if st := s.lookup(w, r.PathValue("id")); st != nil {
		st.cancel() // run notices and records CANCELED, unless already final
		writeJSON(w, http.StatusOK, struct{}{})
	}
}

func (s *Server) getChunk(w http.ResponseWriter, r *http.Request) {
	st := s.lookup(w, r.PathValue("id"))
	if st == nil {
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	// The chunk is taken under the lock and written after it: a client that
	// reads a large chunk slowly must not hold up every other request.
	s.mu.Lock()
	state, total := st.state, s.chunkCount(len(st.rows))
	var c any
	if state == sql.StatementStateSucceeded && err == nil && n >= 0 && n < max(total, 1) {
		c = s.result(st, n, r)
	}
	s.mu.Unlock()
	switch {
	case state != sql.StatementStateSucceeded:
		invalid(w, "Statement %s has no result: it is %s.", st.id, state)
	case c == nil:
		invalid(w, "chunk_index %s is out of range: the result has %d chunks.", r.PathValue("n"), total)
	default:
		writeJSON(w, http.StatusOK, c)
	}
}

// writeStatement answers with the statement as it stands, with its first
// result chunk once it succeeded.
func (s *Server) writeStatement(w http.ResponseWriter, r *http.Request, st *statement) {
	s.mu.Lock()
	resp := statementResponse{StatementID: st.id, Status: statementStatus{State: st.state, Error: st.err}}
	if st.state == sql.StatementStateSucceeded {
		resp.Manifest = s.manifest(st)
		resp.Result = s.result(st, 0, r)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
}

// result is chunk n as the statement's disposition gives it: the rows
// inline, or a link to them; the caller holds s.mu.
func (s *Server) result(st *statement, n int, r *http.Request) any {
	if st.external {
		return s.linkedChunk(st, n, r)
	}
	return s.chunk(st, n)
}

// overInlineLimit is the error an INLINE result larger than the limit
// fails its statement with, as the service aborts it (no result, and no
// manifest.truncated: that flag is for row_limit and byte_limit); nil when
// the result may be served. The service measures its internal
// representation, the emulator the JSON of the rows.
func (s *Server) overInlineLimit(st *statement, rows [][]*string) *statementError {
	limit := s.opts.InlineLimit
	if limit <= 0 {
		limit = DefaultInlineLimit
	}
	if st.external || byteCount(rows) <= limit {
		return nil
	}
	return &statementError{ErrorCode: sql.ServiceErrorCodeBadRequest, Message: fmt.Sprintf(
		"Inline byte limit exceeded. Statements executed with disposition=INLINE can have a result size of at most %d bytes. "+
			"Please execute the statement with disposition=EXTERNAL_LINKS if you want to download the full result.", limit)}
}

func (s *Server) chunkRows() int {
	if s.opts.ChunkRows > 0 {
		return s.opts.ChunkRows
	}
	return DefaultChunkRows
}

// chunkCount is how many chunks rows make; an empty result has none.
func (s *Server) chunkCount(rows int) int {
	return (rows + s.chunkRows() - 1) / s.chunkRows()
}

// chunk is result chunk n; the caller holds s.mu.
func (s *Server) chunk(st *statement, n int) *resultChunk {
	size := s.chunkRows()
	from := min(n*size, len(st.rows))
	to := min(from+size, len(st.rows))
	c := &resultChunk{ChunkIndex: n, RowOffset: int64(from), RowCount: int64(to - from), DataArray: st.rows[from:to]}
	c.ByteCount = byteCount(c.DataArray)
	if next := n + 1; next < s.chunkCount(len(st.rows)) {
		c.NextChunkIndex = &next
		c.NextChunkInternalLink = fmt.Sprintf("/api/2.0/sql/statements/%s/result/chunks/%d", st.id, next)
	}
	return c
}

// manifest describes a succeeded statement's result; the caller holds s.mu.
func (s *Server) manifest(st *statement) *resultManifest {
	m := &resultManifest{
		Format:          sql.FormatJsonArray,
		Schema:          resultSchema{ColumnCount: len(st.names), Columns: make([]columnInfo, len(st.names))},
		TotalChunkCount: s.chunkCount(len(st.rows)),
		Chunks:          []chunkInfo{},
		TotalRowCount:   int64(len(st.rows)),
		Truncated:       st.truncated,
	}
	for i, name := range st.names {
		m.Schema.Columns[i] = columnOf(name, st.types[i], i)
	}
	for n := range m.TotalChunkCount {
		c := s.chunk(st, n)
		m.Chunks = append(m.Chunks, chunkInfo{ChunkIndex: n, RowOffset: c.RowOffset, RowCount: c.RowCount, ByteCount: c.ByteCount})
		m.TotalByteCount += c.ByteCount
	}
	return m
}

// byteCount is the size of rows as JSON.
func byteCount(rows [][]*string) int64 {
	if len(rows) == 0 {
		return 0
	}
	b, _ := json.Marshal(rows) // strings and nulls always marshal
	return int64(len(b))
}

// statementErrorOf turns an engine or translation error into the error
// Databricks reports in a FAILED statement's status.
func statementErrorOf(err error, databricksSQL string) *statementError {
	var sqlErr *SQLError
	if !errors.As(err, &sqlErr) {
		sqlErr = engineError(err, databricksSQL)
	}
	code := sql.ServiceErrorCodeBadRequest
	if sqlErr.Class == "INTERNAL_ERROR" {
		code = sql.ServiceErrorCodeInternalError
	}
	if sqlErr.Class == "OUT_OF_MEMORY" {
		code = sql.ServiceErrorCodeResourceExhausted
	}
	return &statementError{ErrorCode: code, Message: sqlErr.Error()}
}
