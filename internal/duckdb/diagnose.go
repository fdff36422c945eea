package duckdb

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"github.com/novadynamics/stellar-budget/internal/attribution"
	"os"
	"strings"

	"github.com/novadynamics/stellar-budget/internal/billing"
)

// diagnose runs when a query over a table's exports failed: it checks the
// files one by one, in file order, and returns the first bad record as a
// lineError naming file, line and field. It returns nil when it finds
// nothing, and the caller reports the query's own error.
//
// It runs on its own single-threaded database so that row_number() follows
// the order of the records in the file; it is only ever on the error path.
func diagnose(ctx context.Context, t table, rels []relation) error {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return fmt.Errorf("open diagnostics database: %w", err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("open diagnostics database: %w", err)
	}
	defer conn.Close()
	for _, stmt := range []string{"SET threads = 1", "SET preserve_insertion_order = true", "SET TimeZone = 'UTC'"} {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("set up diagnostics database: %w", err)
		}
	}
	for _, rel := range rels {
		for _, f := range rel.files {
			one := rel
			one.files = []inputFile{f}
			if err := checkFile(ctx, conn, t, one); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkQuery finds the first record of a one-file relation with a problem.
func checkQuery(t table, r relation) string {
	var raws, problems []string
	for _, s := range attribution.SourceColumns(t.cols) {
		if attribution.Nested(t.cols, s) && r.jsonText(s) {
			src := sqlIdent(s)
			raws = append(raws, fmt.Sprintf("%s AS %s", src, sqlIdent("json_"+s)))
			problems = append(problems, fmt.Sprintf(
				"CASE WHEN %[1]s IS NOT NULL AND NOT json_valid(%[1]s) THEN %[2]s || left(CAST(%[1]s AS VARCHAR), 60) END",
				sqlIdent("json_"+s), sqlString(s+" is not valid JSON: ")))
		}
	}
	for i, c := range t.cols {
		name := sqlIdent(fmt.Sprintf("raw_%d", i))
		raws = append(raws, fmt.Sprintf("%s AS %s", r.raw(c, true), name))
		var cases []string
		if c.Required {
			cases = append(cases, fmt.Sprintf("WHEN %s IS NULL THEN %s", name, sqlString(c.Display()+" is empty")))
		}
		if c.Kind != kindText {
			cases = append(cases, fmt.Sprintf("WHEN %[1]s IS NOT NULL AND TRY_CAST(%[1]s AS %[2]s) IS NULL THEN %[3]s || left(CAST(%[1]s AS VARCHAR), 60) || %[4]s",
				name, checkType(c.Kind), sqlString(c.Display()+` "`), sqlString(`" `+problem(c.Kind))))
		}
		if len(cases) > 0 {
			problems = append(problems, "CASE "+strings.Join(cases, " ")+" END")
		}
	}
	return fmt.Sprintf(`SELECT rn, problem FROM (
  SELECT rn, coalesce(%s) AS problem FROM (
    SELECT row_number() OVER () AS rn, %s FROM %s
  )
) WHERE problem IS NOT NULL ORDER BY rn LIMIT 1`,
		strings.Join(problems, ", "), strings.Join(raws, ", "), r.from(t))
}

func checkFile(ctx context.Context, conn *sql.Conn, t table, r relation) error {
	f := r.files[0]
	var rn int64
	var problem string
	err := conn.QueryRowContext(ctx, checkQuery(t, r)).Scan(&rn, &problem)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("%s %s: %w", t.name, f.path, readError(err))
	}
	return &lineError{table: t.name, path: f.path, where: recordPlace(f, rn), msg: problem}
}

// recordPlace says where the n-th record (from 1) of a file is, as a line
// for text files and a row for Parquet. It reads the file again, so a CSV
// cell holding a line break still gives the right line.
func recordPlace(f inputFile, n int64) string {
	if f.format == billing.Parquet {
		return fmt.Sprintf("row %d", n)
	}
	line, err := recordLine(f, n)
	if err != nil {
		return fmt.Sprintf("record %d", n)
	}
	return fmt.Sprintf("line %d", line)
}

func recordLine(f inputFile, n int64) (int, error) {
	file, err := os.Open(f.path)
	if err != nil {
		return 0, err
	}
	defer file.Close()
	r, err := decompressed(f.path, file)
	if err != nil {
		return 0, err
	}
	if f.format == billing.CSV {
		cr := csv.NewReader(r)
		cr.FieldsPerRecord = -1
		cr.ReuseRecord = true
		cr.LazyQuotes = true
		for i := int64(0); i <= n; i++ { // the header is record 0
			if _, err := cr.Read(); err != nil {
				return 0, err
			}
		}
		line, _ := cr.FieldPos(0)
		return line, nil
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	line, seen := 0, int64(0)
	for sc.Scan() {
		line++
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		if seen++; seen == n {
			return line, nil
		}
	}
	return 0, fmt.Errorf("record %d not found", n)
}
