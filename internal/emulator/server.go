package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/databricks/databricks-sdk-go"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// Engine runs DuckDB SQL over the demo account's system tables
// (system.billing.usage and system.billing.list_prices). internal/duckdb
// provides it; the emulator translates the Databricks dialect it receives
// before handing a statement on. Each call runs in the session time zone
// tz (an IANA name): timestamps are instants, read in it.
type Engine interface {
	// Query runs one query and returns its column names, their DuckDB
	// types and every row as text (nil for null), as Databricks' JSON_ARRAY
	// format writes values, instants in UTC (2026-11-23T01:00:00.000Z). It
	// refuses a statement that would change the tables: they are read-only
	// to statements, as on Databricks.
	Query(ctx context.Context, tz, query string) (names, types []string, rows [][]*string, err error)
	// Exec runs one statement that returns no rows, such as the INSERT of
	// a late usage correction or the CREATE TABLE of the agent trail.
	Exec(ctx context.Context, tz, stmt string) error
	// Merge runs one MERGE INTO statement and counts the rows it
	// inserted, updated and deleted.
	Merge(ctx context.Context, tz, stmt string) (inserted, updated, deleted int64, err error)
}

// Options configure an emulator.
type Options struct {
	AsOf     time.Time       // the emulated "today"; the demo account runs to it
	Division budget.Division // categories the seeded workspace's resources are tagged with
	SQL      Engine          // nil: statement execution answers that no SQL engine is attached
	// Token is the workspace's personal access token (PAT); empty picks
	// DefaultToken. Workspace routes and the admin endpoints take it; the
	// account routes refuse it, as Databricks does.
	Token string
	// ClientID and ClientSecret are the OAuth client of the account's
	// service principal; empty picks DefaultClientID and
	// DefaultClientSecret. Its tokens open the account and the workspace.
	ClientID     string
	ClientSecret string
	// TokenTTL is how long an OAuth access token lasts; 0 means
	// DefaultTokenTTL.
	TokenTTL    time.Duration
	AccountID   string // empty: a fixed id
	WorkspaceID string // empty: a fixed numeric id
	Faults      Faults
	// ChunkRows is how many rows a statement result chunk holds; 0 means
	// DefaultChunkRows. Tests set it low to get many chunks.
	ChunkRows int
	// InlineLimit is the largest INLINE result in bytes; 0 means
	// DefaultInlineLimit (25 MiB, the service's). A larger one fails.
	InlineLimit int64
	// LinkLifetime is how long an EXTERNAL_LINKS chunk link can be
	// fetched; 0 means DefaultLinkLifetime.
	LinkLifetime time.Duration
	// SessionTimeZone is the time zone statements run in (an IANA name,
	// as a workspace's spark.sql.session.timeZone); empty is UTC, the
	// service's default.
	SessionTimeZone string
	// TraceTable is the agent trail's Delta table, catalog.schema.table
	// (what STELLAR_TRACE_TABLE names): the one table statements may
	// create and MERGE into. Its catalog and schema exist from the start.
	// Empty: statements write nothing.
	TraceTable string
	Log        *slog.Logger
}

// Server is an emulated Databricks account and workspace.
type Server struct {
	opts Options
	log  *slog.Logger
	mux  *http.ServeMux

	// mu guards opts.Faults (the admin endpoints change them) and the state
	// below, here and in the files that extend Server; base, stop and
	// running guard themselves.
	mu sync.Mutex
	// now is the emulator's clock (tests may replace it).
	now func() time.Time

	// statementFailures counts the statements failed by
	// Faults.StatementFailures, to take their codes in turn.
	statementFailures int
	trail             *trailTable    // the writable trail table; nil when none
	ws                workspaceState // clusters, policies, jobs, pipelines, SCIM Me
	acct              accountState   // budgets and budget policies
	warehouses        []*warehouse
	statements        map[string]*statement

	// tokens are the OAuth access tokens issued (oauth.go).
	tokens map[tokenKey]issuedToken

	// ruleSets are the access-control rule sets written so far, by name
	// (account_rulesets.go).
	ruleSets map[string]*storedRuleSet

	// reservedBudgetPolicies are the ids the seed reserved for setup's
	// budget policies, by name (seed_serverless.go).
	reservedBudgetPolicies map[string]string

	// linkKey signs the external links of results (statements_links.go).
	linkKey []byte
	// zone is Options.SessionTimeZone.
	zone *time.Location

	// base is cancelled by Close: statements still waiting or running stop.
	base context.Context
	stop context.CancelFunc
	// running counts the statements' goroutines, so that Close returns only
	// once none of them can still use the engine or the log.
	running sync.WaitGroup
}

// Default identifiers of the emulated account and workspace.
const (
	DefaultToken       = "dapi-stellar-emulator"
	DefaultAccountID   = "00000000-0000-4000-8000-00000000a5d0"
	DefaultWorkspaceID = "1234567890123456"
)

// New builds an emulator with its seeded workspace and account.
func New(opts Options) (*Server, error) {
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	if opts.ClientID == "" {
		opts.ClientID = DefaultClientID
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = DefaultClientSecret
	}
	if opts.TokenTTL == 0 {
		opts.TokenTTL = DefaultTokenTTL
	}
	if opts.AccountID == "" {
		opts.AccountID = DefaultAccountID
	}
	if opts.WorkspaceID == "" {
		opts.WorkspaceID = DefaultWorkspaceID
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if err := opts.Faults.validate(); err != nil {
		return nil, fmt.Errorf("emulator faults: %w", err)
	}
	zone, err := SessionZone(opts.SessionTimeZone)
	if err != nil {
		return nil, fmt.Errorf("emulator: %w", err)
	}
	s := &Server{opts: opts, log: opts.Log, mux: http.NewServeMux(), now: time.Now, statements: map[string]*statement{}, linkKey: newLinkKey(), zone: zone, tokens: map[tokenKey]issuedToken{}}
	if opts.TraceTable != "" {
		t, err := parseTrailTable(opts.TraceTable)
		if err != nil {
			return nil, fmt.Errorf("emulator: %w", err)
		}
		s.trail = t
	}
	s.base, s.stop = context.WithCancel(context.Background())
	if s.trail != nil && opts.SQL != nil {
		if err := s.attachTrail(s.base); err != nil {
			s.stop()
			return nil, fmt.Errorf("emulator: %w", err)
		}
	}
	if err := s.seed(); err != nil {
		s.stop()
		return nil, fmt.Errorf("seed emulator: %w", err)
	}
	s.routes()
	return s, nil
}

// Close cancels the statements still waiting or running and waits until
// they have stopped, so that the caller may close the Engine after it.
func (s *Server) Close() {
	s.mu.Lock()
	s.stop() // under mu: executeStatement starts no statement after this
	s.mu.Unlock()
	s.running.Wait()
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// Running is an emulator listening on loopback.
type Running struct {
	*Server
	URL      string // http://127.0.0.1:PORT
	listener net.Listener
	http     *http.Server
}

// Start listens on addr (e.g. "127.0.0.1:0") and serves until Close.
func Start(addr string, opts Options) (*Running, error) {
	s, err := New(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("emulator listen %s: %w", addr, err)
	}
	r := &Running{Server: s, URL: "http://" + ln.Addr().String(), listener: ln, http: &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}}
	go r.http.Serve(ln)
	return r, nil
}

// Close stops the server and the statements still running.
func (r *Running) Close() error {
	err := r.http.Close()
	r.Server.Close()
	return err
}

// Env is the environment that points the generator and the SDK at the
// emulator, as NAME=value pairs in the order the CLI prints them: the
// service principal's OAuth client, since the account APIs take no
// personal access token (PAT gives the workspace's).
func (r *Running) Env() []string {
	return []string{
		"DATABRICKS_HOST=" + r.URL,
		"DATABRICKS_CLIENT_ID=" + r.opts.ClientID,
		"DATABRICKS_CLIENT_SECRET=" + r.opts.ClientSecret,
		"DATABRICKS_ACCOUNT_ID=" + r.opts.AccountID,
		"DATABRICKS_WORKSPACE_ID=" + r.opts.WorkspaceID,
		"DATABRICKS_WAREHOUSE_ID=" + r.DefaultWarehouseID(),
		"DATABRICKS_EXPERIMENTAL_IS_UNIFIED_HOST=true",
	}
}

// PAT is the workspace's personal access token, which workspace routes
// take besides the service principal's OAuth tokens.
func (r *Running) PAT() string { return r.opts.Token }

// Config is the SDK configuration that Env gives, for SDK clients in this
// process (tests, tools): the unified host, OAuth machine-to-machine as
// the service principal, and no ~/.databrickscfg of whoever runs them.
func (r *Running) Config() *databricks.Config {
	return &databricks.Config{
		Host: r.URL, ClientID: r.opts.ClientID, ClientSecret: r.opts.ClientSecret,
		AccountID: r.opts.AccountID, WorkspaceID: r.opts.WorkspaceID,
		Experimental_IsUnifiedHost: true,
		ConfigFile:                 os.DevNull,
	}
}

// apiError is Databricks' error body.
type apiError struct {
	ErrorCode string `json:"error_code"`
	Message   string `json:"message"`
}

// writeError answers with Databricks' error shape.
func writeError(w http.ResponseWriter, status int, code, format string, args ...any) {
	writeJSON(w, status, apiError{ErrorCode: code, Message: fmt.Sprintf(format, args...)})
}

// invalid answers 400 INVALID_PARAMETER_VALUE, Databricks' answer to most
// requests it refuses.
func invalid(w http.ResponseWriter, format string, args ...any) {
	writeError(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", format, args...)
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// readJSON decodes a request body into v, answering 400 when it does not
// parse; it reports whether the handler may go on.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<20)).Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "MALFORMED_REQUEST", "could not parse request body: %v", err)
		return false
	}
	return true
}

// accountPath is the prefix of the account API paths.
func (s *Server) accountPath(rest string) string {
	return "/api/2.1/accounts/" + s.opts.AccountID + "/" + strings.TrimPrefix(rest, "/")
}
