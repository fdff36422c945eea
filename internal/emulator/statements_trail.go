package emulator

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// EngineTrailCatalog is the DuckDB catalog that holds the agent trail's
// table (Options.TraceTable). DuckDB reserves names Unity Catalog uses
// ("main", "system"), so the translator renames the trail table's catalog,
// and only in that table's three-part name.
const EngineTrailCatalog = "databricks_trail"

// DefaultTraceTable is the agent trail's table the emulator command
// serves unless told otherwise.
const DefaultTraceTable = "main.stellar.agent_trail"

// trailTable is the one table statements may create and MERGE into.
type trailTable struct {
	name  string    // catalog.schema.table as configured
	parts [3]string // its parts, lower case: Unity Catalog names ignore case
	// appendOnly is set when the table was created with
	// TBLPROPERTIES ('delta.appendOnly' = 'true'); guarded by Server.mu.
	appendOnly bool
}

var trailPart = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// parseTrailTable reads catalog.schema.table.
func parseTrailTable(name string) (*trailTable, error) {
	parts := strings.Split(name, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("trace table %q: want catalog.schema.table", name)
	}
	t := &trailTable{name: name}
	for i, p := range parts {
		if !trailPart.MatchString(p) {
			return nil, fmt.Errorf("trace table %q: %q is not a plain name (letters, digits, _)", name, p)
		}
		t.parts[i] = strings.ToLower(p)
	}
	if t.parts[0] == "system" {
		return nil, fmt.Errorf("trace table %q: the system catalog is read-only", name)
	}
	return t, nil
}

// at reports whether toks[i] opens the table's three-part name.
func (t *trailTable) at(toks []token, i int) bool {
	if p := prevSolid(toks, i); p >= 0 && toks[p].is(".") {
		return false
	}
	parts, _ := qualifiedName(toks, i)
	return len(parts) == 3 && strings.EqualFold(parts[0], t.parts[0]) &&
		strings.EqualFold(parts[1], t.parts[1]) && strings.EqualFold(parts[2], t.parts[2])
}

// qualifiedName reads the dotted name starting at toks[i] and returns its
// parts and the index after it; no parts when toks[i] is not a name.
func qualifiedName(toks []token, i int) ([]string, int) {
	var parts []string
	for i < len(toks) {
		name, ok := toks[i].ident()
		if !ok {
			break
		}
		parts = append(parts, name)
		i++
		dot := skipSpace(toks, i)
		next := skipSpace(toks, dot+1)
		if dot >= len(toks) || !toks[dot].is(".") || next >= len(toks) {
			break
		}
		i = next
	}
	return parts, i
}

// trailWriteKind is a statement that writes the trail table.
type trailWriteKind int

const (
	notTrailWrite trailWriteKind = iota
	createTrail                  // CREATE TABLE [IF NOT EXISTS] <trail> (...)
	mergeTrail                   // MERGE INTO <trail> ...
)

// trailWrite tells whether toks create or MERGE into the trail table.
// Every other statement goes to the engine's Query, which refuses writes.
func (s *Server) trailWrite(toks []token) trailWriteKind {
	if s.trail == nil {
		return notTrailWrite
	}
	i := skipSpace(toks, 0)
	word := func() bool { return i < len(toks) && toks[i].kind == tokWord }
	kind := notTrailWrite
	switch {
	case word() && toks[i].is("create"):
		i = skipSpace(toks, i+1)
		if !word() || !toks[i].is("table") {
			return notTrailWrite
		}
		i = skipSpace(toks, i+1)
		if word() && toks[i].is("if") {
			for _, w := range []string{"if", "not", "exists"} {
				if !word() || !toks[i].is(w) {
					return notTrailWrite
				}
				i = skipSpace(toks, i+1)
			}
		}
		kind = createTrail
	case word() && toks[i].is("merge"):
		i = skipSpace(toks, i+1)
		if !word() || !toks[i].is("into") {
			return notTrailWrite
		}
		i = skipSpace(toks, i+1)
		kind = mergeTrail
	default:
		return notTrailWrite
	}
	if i >= len(toks) || !s.trail.at(toks, i) {
		return notTrailWrite
	}
	return kind
}

// writeVerbs open the statements that change tables or grants.
var writeVerbs = []string{"alter", "copy", "create", "delete", "drop", "grant", "insert", "merge", "optimize", "replace", "revoke", "truncate", "update", "vacuum"}

// isWrite reports whether toks are a statement that changes something.
func isWrite(toks []token) bool {
	i := skipSpace(toks, 0)
	if i >= len(toks) || toks[i].kind != tokWord {
		return false
	}
	for _, v := range writeVerbs {
		if toks[i].is(v) {
			return true
		}
	}
	return false
}

// writeRefused is the answer to a write other than the trail table's: the
// principal may read the system tables and write that table only.
func (s *Server) writeRefused() *SQLError {
	also := ""
	if s.trail != nil {
		also = " (only the agent trail's table " + s.trail.name + " takes CREATE TABLE and MERGE INTO)"
	}
	return &SQLError{Class: "INSUFFICIENT_PERMISSIONS",
		Message: "Insufficient privileges: the tables are read-only to this principal" + also + ". SQLSTATE: 42501"}
}

// executeTrailWrite runs a CREATE TABLE of, or a MERGE into, the trail
// table, as a warehouse whose principal may create and modify that table
// runs it: CREATE TABLE answers no rows, MERGE one row of
// num_affected_rows, num_updated_rows, num_deleted_rows and
// num_inserted_rows, as Delta reports them.
func (s *Server) executeTrailWrite(ctx context.Context, d *dialect, src string, kind trailWriteKind) (*queryResult, error) {
	toks, err := tokenize(src)
	if err != nil {
		return nil, err
	}
	if kind == createTrail {
		return s.createTrail(ctx, d, toks)
	}
	s.mu.Lock()
	appendOnly := s.trail.appendOnly
	s.mu.Unlock()
	if appendOnly && mergeModifies(toks) {
		return nil, &SQLError{Class: "DELTA_CANNOT_MODIFY_APPEND_ONLY",
			Message: "This table is configured to only allow appends. If you would like to permit updates or deletes, use 'ALTER TABLE <table_name> SET TBLPROPERTIES (delta.appendOnly=false)'. SQLSTATE: 42809"}
	}
	q, err := d.translate(src)
	if err != nil {
		return nil, err
	}
	inserted, updated, deleted, err := s.opts.SQL.Merge(ctx, s.zone.String(), q)
	if err != nil {
		return nil, err
	}
	row := make([]*string, 4)
	for i, n := range []int64{inserted + updated + deleted, updated, deleted, inserted} {
		v := strconv.FormatInt(n, 10)
		row[i] = &v
	}
	return &queryResult{
		names: []string{"num_affected_rows", "num_updated_rows", "num_deleted_rows", "num_inserted_rows"},
		types: []string{"BIGINT", "BIGINT", "BIGINT", "BIGINT"},
		rows:  [][]*string{row},
	}, nil
}

// createTrail creates the trail table. The Delta clauses DuckDB does not
// know are taken out first: USING DELTA, COMMENT '...' (on the table or a
// column) and TBLPROPERTIES (...), whose 'delta.appendOnly' = 'true' the
// emulator then enforces on MERGE.
func (s *Server) createTrail(ctx context.Context, d *dialect, toks []token) (*queryResult, error) {
	var kept []token
	appendOnly := false
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.is(";"):
			kept = append(kept, toks[i:]...) // translate's one-statement check sees the rest
			i = len(toks)
		case t.is("using"):
			i = skipSpace(toks, i+1) // the format: DELTA
		case t.is("comment"):
			i = skipSpace(toks, i+1) // its string
		case t.is("tblproperties"):
			open := skipSpace(toks, i+1)
			if open >= len(toks) || !toks[open].is("(") {
				return nil, syntaxError("Syntax error at or near 'TBLPROPERTIES': a list of properties is expected.")
			}
			end, args, err := callArgs(toks, open)
			if err != nil {
				return nil, err
			}
			for _, a := range args {
				if key, value, ok := property(a); ok && strings.EqualFold(key, "delta.appendOnly") {
					appendOnly = strings.EqualFold(value, "true")
				}
			}
			i = end - 1
		default:
			kept = append(kept, t)
		}
	}
	var b strings.Builder
	for _, t := range kept {
		b.WriteString(t.text)
	}
	q, err := d.translate(b.String())
	if err != nil {
		return nil, err
	}
	if err := s.opts.SQL.Exec(ctx, s.zone.String(), q); err != nil {
		return nil, err
	}
	if appendOnly {
		s.mu.Lock()
		s.trail.appendOnly = true
		s.mu.Unlock()
	}
	return &queryResult{}, nil
}

// property reads 'key' = 'value' (the key may also be a dotted name).
func property(toks []token) (string, string, bool) {
	var key strings.Builder
	i := skipSpace(toks, 0)
	for ; i < len(toks) && !toks[i].is("="); i++ {
		if toks[i].kind == tokString {
			key.WriteString(toks[i].value)
		} else if toks[i].kind != tokSpace {
			key.WriteString(toks[i].text)
		}
	}
	v := skipSpace(toks, i+1)
	if i >= len(toks) || v >= len(toks) {
		return "", "", false
	}
	value := toks[v].text
	if toks[v].kind == tokString {
		value = toks[v].value
	}
	return key.String(), value, true
}

// mergeModifies reports whether a MERGE has a clause that updates or
// deletes target rows: WHEN MATCHED, or WHEN NOT MATCHED BY SOURCE.
func mergeModifies(toks []token) bool {
	for i := range toks {
		if !toks[i].is("when") {
			continue
		}
		j := skipSpace(toks, i+1)
		if j < len(toks) && toks[j].is("matched") {
			return true
		}
		if j < len(toks) && toks[j].is("not") {
			j = skipSpace(toks, j+1) // MATCHED
			j = skipSpace(toks, j+1)
			if j < len(toks) && toks[j].is("by") {
				k := skipSpace(toks, j+1)
				if k < len(toks) && toks[k].is("source") {
					return true
				}
			}
		}
	}
	return false
}

// attachTrail gives the engine the trail table's catalog and schema, as a
// workspace admin would have created them before setup creates the table.
func (s *Server) attachTrail(ctx context.Context) error {
	for _, stmt := range []string{
		"ATTACH IF NOT EXISTS ':memory:' AS " + EngineTrailCatalog,
		"CREATE SCHEMA IF NOT EXISTS " + EngineTrailCatalog + "." + duckIdent(s.trail.parts[1]),
	} {
		if err := s.opts.SQL.Exec(ctx, s.zone.String(), stmt); err != nil {
			return fmt.Errorf("trace table %s: %w", s.trail.name, err)
		}
	}
	return nil
}
