package trail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/databricks/databricks-sdk-go/service/sql"

	"github.com/novadynamics/stellar-budget/internal/dbclient"
	"github.com/novadynamics/stellar-budget/internal/hashchain"
)

// EnvTable is the environment variable that names the trail's table.
const EnvTable = "STELLAR_TRACE_TABLE"

// Column is a column of the trail's table.
type Column struct {
	Name    string
	Type    string // Databricks type text: BIGINT, STRING, TIMESTAMP
	NotNull bool
	Comment string
}

// Columns are the trail table's columns, in order: an Entry's members,
// each typed; the JSON members (arguments, the clusters, answer) are
// STRING columns holding their JSON text, and an absent member is NULL.
var Columns = []Column{
	{"seq", "BIGINT", true, "position in the trail, from 1: the previous entry's + 1"},
	{"time", "TIMESTAMP", true, "when the decision was made (UTC, milliseconds)"},
	{"key", "STRING", true, "once-only key: the event id or request id answered; unique"},
	{"caller", "STRING", true, "who asked"},
	{"role", "STRING", true, "the caller's role: viewer, operator, webhook, schedule"},
	{"tool", "STRING", true, "alert-webhook, predict_cost, scale_cluster, slack_alert or agent-run"},
	{"outcome", "STRING", true, "acted, dry_run, refused, failed or noop"},
	{"arguments", "STRING", false, "the request's arguments, JSON"},
	{"reason", "STRING", false, "why"},
	{"category", "STRING", false, "the category's tag value"},
	{"owner", "STRING", false, "the owner concerned"},
	{"cluster_before", "STRING", false, "the cluster before, JSON"},
	{"cluster_after", "STRING", false, "the cluster after (or as it would be, dry-run), JSON"},
	{"savings_hourly_usd", "STRING", false, "estimated saving per hour, USD, a decimal"},
	{"savings_monthly_usd", "STRING", false, "estimated saving over the rest of the month, USD, a decimal"},
	{"data_as_of", "TIMESTAMP", false, "as-of of the data the decision used"},
	{"answer", "STRING", false, "the answer given, JSON; a redelivery gets it again"},
	{"prev_hash", "STRING", true, "hash of the entry at seq - 1; empty for the first"},
	{"hash", "STRING", true, "SHA-256 of the entry's canonical JSON without hash"},
}

// DefaultMaxAttempts bounds how often Append tries again after another
// writer took the seq it wanted.
const DefaultMaxAttempts = 50

// ErrNoTable is what Lookup, Append, Entries and Verify return, wrapped,
// when the trail's table does not exist.
var ErrNoTable = errors.New("the agent trail's table does not exist: create it with `generator setup --apply` (with " + EnvTable + " set)")

// TableOptions configure a TableStore.
type TableOptions struct {
	// Name is the table, catalog.schema.table (STELLAR_TRACE_TABLE): plain
	// names of letters, digits and _.
	Name        string
	WarehouseID string             // the SQL warehouse that runs the statements
	Statements  StatementExecution // the workspace client's StatementExecution
	// MaxAttempts bounds the appends lost to other writers; 0 is
	// DefaultMaxAttempts.
	MaxAttempts int
	// ResubmitBackoff is the first wait before a statement that failed
	// for the moment is submitted again; 0 is dbclient.ResubmitBackoff.
	ResubmitBackoff time.Duration
	Log             *slog.Logger // nil: slog.Default()
}

// TableStore keeps the trail in a Delta table through the Statement
// Execution API, for writers with no lasting disk. Each entry is one row
// carrying seq (the head's + 1), prev_hash and its key, and is inserted by
// one MERGE that inserts it only when neither its key nor its seq is in
// the table yet, so of concurrent writers exactly one takes each seq and
// a key is inserted once. A writer whose MERGE inserted nothing reads the
// key: found, the entry is returned with inserted=false; otherwise another writer took the seq, and it reads the head again and
// retries, a bounded number of times with jittered backoff. A MERGE that
// Databricks refuses as a concurrent append ([DELTA_CONCURRENT_APPEND])
// is retried the same way. A MERGE whose answer was lost (a network
// error) is judged by the key: the entry there counts as this writer's
// when it hashes as the one tried, which two writers of the same decision
// in the same millisecond would share. The table is created append-only
// ('delta.appendOnly' = 'true'): Delta itself refuses updates and deletes.
type TableStore struct {
	name        string // as configured
	quoted      string // `catalog`.`schema`.`table`
	warehouseID string
	api         StatementExecution
	maxAttempts int
	// resubmitBackoff is the first wait before resubmitting a statement
	// that failed for the moment (dbclient.Resubmit).
	resubmitBackoff time.Duration
	log             *slog.Logger
}

var _ Store = (*TableStore)(nil)

var tablePart = regexp.MustCompile(`^[A-Za-z0-9_]{1,255}$`)

// ParseTable checks a catalog.schema.table name and returns it quoted for
// SQL.
func ParseTable(name string) (string, error) {
	parts := strings.Split(name, ".")
	if len(parts) != 3 {
		return "", fmt.Errorf("%s %q: want catalog.schema.table", EnvTable, name)
	}
	for _, p := range parts {
		if !tablePart.MatchString(p) {
			return "", fmt.Errorf("%s %q: %q is not a plain name (letters, digits and _)", EnvTable, name, p)
		}
	}
	if strings.EqualFold(parts[0], "system") {
		return "", fmt.Errorf("%s %q: the system catalog is read-only", EnvTable, name)
	}
	return "`" + strings.Join(parts, "`.`") + "`", nil
}

// NewTableStore checks opts and returns the store; it runs no statement.
func NewTableStore(opts TableOptions) (*TableStore, error) {
	quoted, err := ParseTable(opts.Name)
	if err != nil {
		return nil, err
	}
	switch {
	case opts.WarehouseID == "":
		return nil, fmt.Errorf("agent trail table %s: no SQL warehouse (set DATABRICKS_WAREHOUSE_ID or --warehouse-id)", opts.Name)
	case opts.Statements == nil:
		return nil, fmt.Errorf("agent trail table %s: no statement execution client", opts.Name)
	}
	s := &TableStore{name: opts.Name, quoted: quoted, warehouseID: opts.WarehouseID, api: opts.Statements,
		maxAttempts: opts.MaxAttempts, resubmitBackoff: opts.ResubmitBackoff, log: opts.Log}
	if s.maxAttempts <= 0 {
		s.maxAttempts = DefaultMaxAttempts
	}
	if s.resubmitBackoff <= 0 {
		s.resubmitBackoff = dbclient.ResubmitBackoff
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s, nil
}

// Location is the table's name.
func (s *TableStore) Location() string { return s.name }

// CreateStatement is the CREATE TABLE IF NOT EXISTS of the trail's table.
func (s *TableStore) CreateStatement() string {
	var b strings.Builder
	b.WriteString("CREATE TABLE IF NOT EXISTS " + s.quoted + " (\n")
	for i, c := range Columns {
		b.WriteString("  " + c.Name + " " + c.Type)
		if c.NotNull {
			b.WriteString(" NOT NULL")
		}
		b.WriteString(" COMMENT " + sqlString(c.Comment))
		if i < len(Columns)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString(") USING DELTA\nCOMMENT 'Stellar Budget agent trail: every decision of the functions and agent run, hash-chained'\n")
	b.WriteString("TBLPROPERTIES ('delta.appendOnly' = 'true')")
	return b.String()
}

// sqlString writes s as a Databricks string literal.
func sqlString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"
}

// Create creates the table unless it exists.
func (s *TableStore) Create(ctx context.Context) error {
	_, err := s.run(ctx, "create agent trail table "+s.name, s.CreateStatement(), nil)
	return err
}

// Describe returns the table's columns as the warehouse reports them
// (name and type text), or exists=false when there is no table.
func (s *TableStore) Describe(ctx context.Context) (cols []Column, exists bool, err error) {
	r, err := s.run(ctx, "read agent trail table "+s.name, "SELECT * FROM "+s.quoted+" LIMIT 0", nil)
	if isNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	for _, c := range r.columns {
		cols = append(cols, Column{Name: c.Name, Type: c.TypeText})
	}
	return cols, true, nil
}

func isNotFound(err error) bool {
	var se *StatementError
	return errors.As(err, &se) && se.Class() == "TABLE_OR_VIEW_NOT_FOUND"
}

// query runs a statement that reads the table, saying so when there is
// none.
func (s *TableStore) query(ctx context.Context, step, statement string, params ...sql.StatementParameterListItem) (*result, error) {
	r, err := s.run(ctx, step, statement, params)
	if isNotFound(err) {
		return nil, fmt.Errorf("%s: %w", step, ErrNoTable)
	}
	return r, err
}

func (s *TableStore) selectList() string {
	names := make([]string, len(Columns))
	for i, c := range Columns {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

// Lookup reads the row with key.
func (s *TableStore) Lookup(ctx context.Context, key string) (Entry, bool, error) {
	r, err := s.query(ctx, "look up "+key+" in agent trail "+s.name,
		"SELECT "+s.selectList()+" FROM "+s.quoted+" WHERE key = :key ORDER BY seq", stringParam("key", key))
	if err != nil {
		return Entry{}, false, err
	}
	if err := s.checkColumns(r); err != nil {
		return Entry{}, false, err
	}
	switch len(r.rows) {
	case 0:
		return Entry{}, false, nil
	case 1:
	default:
		return Entry{}, false, &BrokenError{Log: "agent trail", Path: s.name, Reason: fmt.Sprintf("key %q is in %d rows: rows were copied in", key, len(r.rows))}
	}
	e, _, err := decodeRow(r.rows[0])
	if err != nil {
		return Entry{}, false, &BrokenError{Log: "agent trail", Path: s.name, Reason: fmt.Sprintf("the row of key %q: %v", key, err)}
	}
	return e, true, nil
}

// Append inserts d with one MERGE per attempt; see TableStore.
func (s *TableStore) Append(ctx context.Context, d Decision) (Entry, bool, error) {
	d, err := normalize(d)
	if err != nil {
		return Entry{}, false, fmt.Errorf("append to agent trail: %w", err)
	}
	if e, ok, err := s.Lookup(ctx, d.Key); err != nil || ok {
		return e, false, err
	}
	for attempt := 1; attempt <= s.maxAttempts; attempt++ {
		seq, prev, err := s.head(ctx)
		if err != nil {
			return Entry{}, false, err
		}
		e, _, err := seal(d, seq+1, prev)
		if err != nil {
			return Entry{}, false, err
		}
		n, err := s.merge(ctx, e)
		var se *StatementError
		if err != nil && !(errors.As(err, &se) && strings.HasPrefix(se.Class(), "DELTA_CONCURRENT")) {
			// The MERGE may have run with its answer lost: the key says.
			if got, ok, lerr := s.Lookup(ctx, d.Key); lerr == nil && ok {
				return got, got.Hash == e.Hash, nil
			}
			return Entry{}, false, err
		}
		if n == 1 {
			return e, true, nil
		}
		got, ok, err := s.Lookup(ctx, d.Key)
		if err != nil {
			return Entry{}, false, err
		}
		if ok {
			// This MERGE inserted nothing: another writer's entry holds
			// the key, even when it hashes as this one would (two
			// deliveries decided alike in the same millisecond).
			return got, false, nil
		}
		s.log.Debug("agent trail: another writer took the seq; retrying", "table", s.name, "seq", e.Seq, "attempt", attempt)
		if err := backoff(ctx, attempt); err != nil {
			return Entry{}, false, fmt.Errorf("append %s to agent trail %s: %w", d.Key, s.name, err)
		}
	}
	return Entry{}, false, fmt.Errorf("append %s to agent trail %s: other writers took the next seq %d times in a row; try again", d.Key, s.name, s.maxAttempts)
}

// backoff waits a random time that grows with the attempt, so writers that
// collided spread out.
func backoff(ctx context.Context, attempt int) error {
	ceiling := min(10*time.Millisecond<<min(attempt, 7), time.Second)
	t := time.NewTimer(rand.N(ceiling))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// head reads the last seq and hash; 0 and "" for an empty table.
func (s *TableStore) head(ctx context.Context) (int64, string, error) {
	r, err := s.query(ctx, "read the head of agent trail "+s.name, "SELECT seq, hash FROM "+s.quoted+" ORDER BY seq DESC LIMIT 1")
	if err != nil {
		return 0, "", err
	}
	if len(r.rows) == 0 {
		return 0, "", nil
	}
	seq, err := strconv.ParseInt(r.rows[0][0], 10, 64)
	if err != nil {
		return 0, "", fmt.Errorf("read the head of agent trail %s: seq %q", s.name, r.rows[0][0])
	}
	return seq, r.rows[0][1], nil
}

// merge inserts e unless its key or its seq is taken, and returns how many
// rows it inserted (num_inserted_rows).
func (s *TableStore) merge(ctx context.Context, e Entry) (int64, error) {
	values, params, err := rowParams(e)
	if err != nil {
		return 0, err
	}
	stmt := "MERGE INTO " + s.quoted + " AS t\nUSING (SELECT :seq AS seq, :key AS key) AS s\nON t.key = s.key OR t.seq = s.seq\n" +
		"WHEN NOT MATCHED THEN INSERT (" + s.selectList() + ")\nVALUES (" + values + ")"
	r, err := s.query(ctx, "append "+e.Key+" to agent trail "+s.name, stmt, params...)
	if err != nil {
		return 0, err
	}
	i := r.column("num_inserted_rows")
	if i < 0 || len(r.rows) != 1 {
		return 0, fmt.Errorf("append %s to agent trail %s: the MERGE answered no num_inserted_rows", e.Key, s.name)
	}
	n, err := strconv.ParseInt(r.rows[0][i], 10, 64)
	if err != nil || n < 0 || n > 1 {
		return 0, fmt.Errorf("append %s to agent trail %s: num_inserted_rows %q", e.Key, s.name, r.rows[0][i])
	}
	return n, nil
}

// rowParams binds e's columns: the VALUES list and its parameters.
func rowParams(e Entry) (string, []sql.StatementParameterListItem, error) {
	js := func(v any) (string, error) {
		switch x := v.(type) {
		case json.RawMessage:
			if len(x) == 0 {
				return "", nil
			}
		case *Cluster:
			if x == nil {
				return "", nil
			}
		}
		b, err := json.Marshal(v)
		return string(b), err
	}
	var texts [4]string
	for i, v := range []any{e.Arguments, e.Before, e.After, e.Answer} {
		var err error
		if texts[i], err = js(v); err != nil {
			return "", nil, fmt.Errorf("encode trail entry %s: %w", e.Key, err)
		}
	}
	params := []sql.StatementParameterListItem{
		bigintParam("seq", e.Seq), timestampParam("time", e.Time), stringParam("key", e.Key),
		stringParam("caller", e.Caller), stringParam("role", e.Role), stringParam("tool", e.Tool), stringParam("outcome", string(e.Outcome)),
		optionalParam("arguments", texts[0]), optionalParam("reason", e.Reason), optionalParam("category", e.Category), optionalParam("owner", e.Owner),
		optionalParam("cluster_before", texts[1]), optionalParam("cluster_after", texts[2]),
		optionalParam("savings_hourly_usd", e.SavingsHourlyUSD), optionalParam("savings_monthly_usd", e.SavingsMonthlyUSD),
		timestampParam("data_as_of", e.DataAsOf), optionalParam("answer", texts[3]),
		stringParam("prev_hash", e.PrevHash), stringParam("hash", e.Hash),
	}
	marks := make([]string, len(params))
	for i, p := range params {
		marks[i] = ":" + p.Name
	}
	return strings.Join(marks, ", "), params, nil
}

// decodeRow rebuilds an entry from its row, in Columns order, and returns
// it with the hash its content has. The row's JSON text is kept as it is,
// so an edited cell changes the hash.
func decodeRow(row []string) (Entry, string, error) {
	if len(row) != len(Columns) {
		return Entry{}, "", fmt.Errorf("%d values, want %d", len(row), len(Columns))
	}
	seq, err := strconv.ParseInt(row[0], 10, 64)
	if err != nil {
		return Entry{}, "", fmt.Errorf("seq %q is not a number", row[0])
	}
	at, err := parseTimestamp(row[1])
	if err != nil || at.IsZero() {
		return Entry{}, "", fmt.Errorf("time %q: not a timestamp", row[1])
	}
	asOf, err := parseTimestamp(row[15])
	if err != nil {
		return Entry{}, "", fmt.Errorf("data_as_of %q: not a timestamp", row[15])
	}
	// The entry as a JSON object, absent members left out as Entry leaves
	// them out; DecodeEntry then reads it as strictly as a line of the
	// file, and the hash is of its canonical form, whatever the order.
	text := func(s string) json.RawMessage {
		v, _ := json.Marshal(s) // a Go string always encodes
		return v
	}
	obj := map[string]json.RawMessage{
		"seq":  json.RawMessage(strconv.FormatInt(seq, 10)),
		"time": text(at.Format(time.RFC3339Nano)),
	}
	if !asOf.IsZero() {
		obj["data_as_of"] = text(asOf.Format(time.RFC3339Nano))
	}
	for i, c := range Columns {
		v := row[i]
		switch {
		case c.Name == "seq" || c.Name == "time" || c.Name == "data_as_of":
		case c.Name == "arguments" || c.Name == "cluster_before" || c.Name == "cluster_after" || c.Name == "answer":
			if v == "" {
				continue
			}
			if !json.Valid([]byte(v)) {
				return Entry{}, "", fmt.Errorf("%s is not JSON", c.Name)
			}
			obj[c.Name] = json.RawMessage(v)
		case v == "" && !c.NotNull:
		default:
			obj[c.Name] = text(v)
		}
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return Entry{}, "", err
	}
	e, err := DecodeEntry(b)
	if err != nil {
		return Entry{}, "", err
	}
	sum, err := hashchain.Hash(b)
	if err != nil {
		return Entry{}, "", err
	}
	return e, sum, nil
}

// parseTimestamp reads a TIMESTAMP as the Statement Execution API writes
// it (ISO 8601 with a zone, "2026-07-15T09:30:00.123Z"), or as Spark
// casts one to text in a UTC session ("2026-07-15 09:30:00.123"); "" is
// zero.
func parseTimestamp(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a timestamp", s)
}

// checkColumns holds a result to Columns, by name and order.
func (s *TableStore) checkColumns(r *result) error {
	if len(r.columns) != len(Columns) {
		return fmt.Errorf("agent trail %s: %d columns, want %d", s.name, len(r.columns), len(Columns))
	}
	for i, c := range r.columns {
		if !strings.EqualFold(c.Name, Columns[i].Name) {
			return fmt.Errorf("agent trail %s: column %d is %s, want %s", s.name, i+1, c.Name, Columns[i].Name)
		}
	}
	return nil
}

// Entries reads every row in seq order and checks the chain and the keys.
func (s *TableStore) Entries(ctx context.Context) ([]Entry, error) {
	entries, _, err := s.verified(ctx)
	return entries, err
}

// Verify checks the chain, the keys and the expected head.
func (s *TableStore) Verify(ctx context.Context, expectHead string) (Head, error) {
	_, hashes, err := s.verified(ctx)
	if err != nil {
		return Head{}, err
	}
	head := Head{Entries: len(hashes)}
	if len(hashes) > 0 {
		head.Hash = hashes[len(hashes)-1]
	}
	head, reason := hashchain.Expect(head, hashes, expectHead, "trail")
	if reason != "" {
		return head, &BrokenError{Log: "agent trail", Path: s.name, Reason: reason}
	}
	return head, nil
}

func (s *TableStore) verified(ctx context.Context) ([]Entry, []string, error) {
	r, err := s.query(ctx, "read agent trail "+s.name, "SELECT "+s.selectList()+" FROM "+s.quoted+" ORDER BY seq")
	if err != nil {
		return nil, nil, err
	}
	if err := s.checkColumns(r); err != nil {
		return nil, nil, err
	}
	c := hashchain.Checker{Unit: "row"}
	entries := make([]Entry, 0, len(r.rows))
	hashes := make([]string, 0, len(r.rows))
	for i, row := range r.rows {
		broken := func(reason string) error {
			return &BrokenError{Log: "agent trail", Path: s.name, Line: i + 1, Unit: "row", Reason: reason}
		}
		e, sum, err := decodeRow(row)
		if err != nil {
			return nil, nil, broken(fmt.Sprintf("%v: the row was edited", err))
		}
		if reason := c.Next(e.link(), sum); reason != "" {
			return nil, nil, broken(reason)
		}
		entries = append(entries, e)
		hashes = append(hashes, sum)
	}
	if err := uniqueKeys("agent trail", s.name, "row", entries); err != nil {
		return nil, nil, err
	}
	return entries, hashes, nil
}
