package duckdb

import (
	"bufio"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"github.com/novadynamics/stellar-budget/internal/attribution"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/novadynamics/stellar-budget/internal/billing"
)

// table is one of the two system tables read from exports.
type table struct {
	name string // for messages: "usage", "list prices"
	cols []column
}

var (
	usageTable = table{name: "usage", cols: usageColumns}
	priceTable = table{name: "list prices", cols: priceColumns}
)

// relation is a set of export files of one format and shape that one DuckDB
// table function reads, with the DuckDB type of each source column.
type relation struct {
	files  []inputFile
	format billing.Format
	types  map[string]string // lower-case source column -> DuckDB type
	header []string          // CSV only: the header, in file order
	absent map[string]bool   // struct paths (column.display()) the files lack
}

// sqlString quotes s as a SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// sqlIdent quotes s as a SQL identifier.
func sqlIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func fileList(files []inputFile) string {
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = sqlString(f.path)
	}
	return "[" + strings.Join(names, ", ") + "]"
}

// from is the table function call that reads the relation's files.
func (r relation) from(t table) string {
	switch r.format {
	case billing.CSV:
		// The header is read in Go and the columns given explicitly, so the
		// sniffer can never mistake a broken line for the header.
		cols := make([]string, len(r.header))
		for i, h := range r.header {
			cols[i] = sqlString(h) + ": 'VARCHAR'"
		}
		return fmt.Sprintf("read_csv(%s, auto_detect = false, header = true, delim = ',', quote = '\"', escape = '\"', columns = {%s})",
			fileList(r.files), strings.Join(cols, ", "))
	case billing.JSONL:
		var cols []string
		for _, s := range attribution.SourceColumns(t.cols) {
			typ := "VARCHAR"
			if attribution.Nested(t.cols, s) {
				typ = "JSON"
			}
			cols = append(cols, sqlString(s)+": '"+typ+"'")
		}
		return fmt.Sprintf("read_json(%s, format = 'newline_delimited', columns = {%s})",
			fileList(r.files), strings.Join(cols, ", "))
	default:
		return fmt.Sprintf("read_parquet(%s, union_by_name = true)", fileList(r.files))
	}
}

// raw is the expression for a column's value before its cast. In guarded
// form, JSON text that does not parse yields null instead of an error, so
// diagnostics can name the record.
func (r relation) raw(c column, guarded bool) string {
	src := sqlIdent(c.Source)
	if len(c.Path) == 0 {
		return src
	}
	if r.absent[c.Display()] {
		return "NULL"
	}
	typ := strings.ToUpper(r.types[strings.ToLower(c.Source)])
	switch {
	case strings.HasPrefix(typ, "MAP"):
		expr := src
		for _, k := range c.Path {
			expr += "[" + sqlString(k) + "]"
		}
		return expr
	case strings.HasPrefix(typ, "STRUCT"):
		expr := src
		for _, k := range c.Path {
			expr += "." + sqlIdent(k)
		}
		return expr
	default:
		path := "$"
		for _, k := range c.Path {
			path += "." + `"` + k + `"`
		}
		expr := fmt.Sprintf("json_extract_string(%s, %s)", src, sqlString(path))
		if guarded {
			return fmt.Sprintf("CASE WHEN json_valid(%s) THEN %s END", src, expr)
		}
		return expr
	}
}

// jsonText reports whether a nested source column arrives as JSON text.
func (r relation) jsonText(source string) bool {
	typ := strings.ToUpper(r.types[strings.ToLower(source)])
	return typ == "VARCHAR" || typ == "JSON"
}

// timestamp reads a time as a UTC TIMESTAMP. Text parses as TIMESTAMPTZ,
// so an offset counts, and leaves through the epoch: converting between the
// two timestamp types costs a time zone lookup a row, reading the epoch
// does not. A column already of type TIMESTAMP is taken as it is (UTC, as
// Databricks writes it).
func (r relation) timestamp(c column) string {
	raw := r.raw(c, false)
	if len(c.Path) == 0 && strings.EqualFold(r.types[strings.ToLower(c.Source)], "TIMESTAMP") {
		return raw
	}
	return fmt.Sprintf("make_timestamp(epoch_us(CAST(%s AS TIMESTAMPTZ)))", raw)
}

// projection is the canonical SELECT over the relation. A required value
// that is missing stops the query; diagnose then finds the record.
func (r relation) projection(t table) string {
	exprs := make([]string, len(t.cols))
	for i, c := range t.cols {
		var e string
		switch c.Kind {
		case kindTimestamp:
			e = r.timestamp(c)
		case kindHour:
			e = fmt.Sprintf("CAST(hour(%s) AS INTEGER)", r.timestamp(c))
		default:
			e = fmt.Sprintf("CAST(%s AS %s)", r.raw(c, false), c.Kind.SQLType())
		}
		if c.Required {
			e = fmt.Sprintf("coalesce(%s, error(%s))", e, sqlString(c.Display()+" is empty"))
		}
		exprs[i] = e + " AS " + sqlIdent(c.Name)
	}
	return "SELECT " + strings.Join(exprs, ", ") + " FROM " + r.from(t)
}

// canonical is the UNION ALL of the projections of all relations.
func canonical(t table, rels []relation) string {
	parts := make([]string, len(rels))
	for i, r := range rels {
		parts[i] = r.projection(t)
	}
	return strings.Join(parts, "\nUNION ALL\n")
}

// relations groups a table's files into relations, checking on the way that
// each file has every column the table needs.
func relations(ctx context.Context, db *sql.DB, t table, files []inputFile) ([]relation, error) {
	var out []relation
	byKey := map[string]int{}
	for _, f := range files {
		rel, err := inspect(ctx, db, t, f)
		if err != nil {
			return nil, err
		}
		key := string(f.format) + "\x00" + strings.Join(rel.header, ",") + "\x00" + typeKey(rel.types)
		for k := range rel.absent {
			key += "\x00" + k
		}
		if i, ok := byKey[key]; ok {
			out[i].files = append(out[i].files, f)
			continue
		}
		byKey[key] = len(out)
		out = append(out, rel)
	}
	return out, nil
}

func typeKey(types map[string]string) string {
	keys := make([]string, 0, len(types))
	for k, v := range types {
		keys = append(keys, k+"="+v)
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

// inspect reads a file's columns and their types and checks that every
// column the table needs is there.
func inspect(ctx context.Context, db *sql.DB, t table, f inputFile) (relation, error) {
	rel := relation{files: []inputFile{f}, format: f.format, types: map[string]string{}, absent: map[string]bool{}}
	switch f.format {
	case billing.CSV:
		header, err := csvHeader(f.path)
		if err != nil {
			return rel, fmt.Errorf("%s %s line 1: %w", t.name, f.path, err)
		}
		rel.header = header
		for _, h := range header {
			rel.types[strings.ToLower(h)] = "VARCHAR"
		}
	default:
		var query string
		if f.format == billing.JSONL {
			query = fmt.Sprintf("DESCRIBE SELECT * FROM read_json(%s, format = 'newline_delimited')", sqlString(f.path))
		} else {
			query = fmt.Sprintf("DESCRIBE SELECT * FROM read_parquet(%s)", sqlString(f.path))
		}
		rows, err := db.QueryContext(ctx, query)
		if err != nil {
			return rel, fmt.Errorf("%s %s: %w", t.name, f.path, readError(err))
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			return rel, fmt.Errorf("%s %s: %w", t.name, f.path, err)
		}
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return rel, fmt.Errorf("%s %s: %w", t.name, f.path, err)
			}
			rel.types[strings.ToLower(vals[0].String)] = vals[1].String
		}
		if err := rows.Err(); err != nil {
			return rel, fmt.Errorf("%s %s: %w", t.name, f.path, readError(err))
		}
	}
	var missing []string
	for _, s := range attribution.RequiredSources(t.cols) {
		if _, ok := rel.types[s]; !ok {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		if other := otherTable(t); hasAll(rel.types, attribution.RequiredSources(other.cols)) {
			return rel, fmt.Errorf("%s %s: this is a %s export, not a %s export (a directory or glob given to --usage or --list-prices takes every export file in it)",
				t.name, f.path, other.name, t.name)
		}
		return rel, fmt.Errorf("%s %s: missing column %s (a %s export needs %s)",
			t.name, f.path, strings.Join(missing, ", "), t.name, strings.Join(attribution.RequiredSources(t.cols), ", "))
	}
	// An optional column the file lacks reads as null. JSON Lines declare
	// their columns, so a key absent from every record is null already.
	if f.format != billing.JSONL {
		for _, c := range t.cols {
			if _, ok := rel.types[c.Source]; !ok && c.Optional {
				rel.absent[c.Display()] = true
			}
		}
	}
	if f.format == billing.JSONL {
		// from() reads JSON Lines with declared types, whatever the sample
		// suggested: nested columns as JSON text, the others as VARCHAR.
		for _, s := range attribution.SourceColumns(t.cols) {
			rel.types[s] = "VARCHAR"
			if attribution.Nested(t.cols, s) {
				rel.types[s] = "JSON"
			}
		}
	}
	// A struct column may lack an optional field (effective_list, say):
	// find out by binding, and read such a field as null.
	for _, c := range t.cols {
		if len(c.Path) == 0 || !strings.HasPrefix(strings.ToUpper(rel.types[c.Source]), "STRUCT") {
			continue
		}
		probe := fmt.Sprintf("DESCRIBE SELECT %s FROM %s", rel.raw(c, false), rel.from(t))
		rows, err := db.QueryContext(ctx, probe)
		if err != nil {
			if c.Required {
				return rel, fmt.Errorf("%s %s: missing field %s", t.name, f.path, c.Display())
			}
			rel.absent[c.Display()] = true
			continue
		}
		rows.Close()
	}
	return rel, nil
}

// otherTable is the table a file given for t may really hold.
func otherTable(t table) table {
	if t.name == usageTable.name {
		return priceTable
	}
	return usageTable
}

func hasAll(types map[string]string, columns []string) bool {
	for _, c := range columns {
		if _, ok := types[c]; !ok {
			return false
		}
	}
	return true
}

// csvHeader reads the first record of a CSV file.
func csvHeader(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := decompressed(path, f)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	for i, h := range header {
		if strings.TrimSpace(h) == "" {
			return nil, fmt.Errorf("header column %d has no name", i+1)
		}
	}
	return header, nil
}

// decompressed returns a reader of the file's text, unzipping .gz files.
func decompressed(path string, f io.Reader) (io.Reader, error) {
	r := bufio.NewReaderSize(f, 1<<16)
	if !strings.HasSuffix(strings.ToLower(path), ".gz") {
		return r, nil
	}
	return gzip.NewReader(r)
}
