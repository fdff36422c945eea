package emulator

import (
	"regexp"
	"strings"
)

// DuckDB's errors that have a Databricks error class of their own.
var (
	reMissingTable  = regexp.MustCompile(`Table with name "?([^"!\s]+)"? does not exist`)
	reTableExists   = regexp.MustCompile(`Table with name "?([^"!\s]+)"? already exists`)
	reMissingColumn = regexp.MustCompile(`Referenced column "([^"]+)" not found`)
	reMissingFunc   = regexp.MustCompile(`(?:Scalar|Aggregate|Table) Function with name "?([^"!\s]+)"? does not exist`)
	reSyntax        = regexp.MustCompile(`syntax error at or near "([^"]*)"`)
	reErrorKind     = regexp.MustCompile(`^[A-Za-z ]+ Error: `)
)

// engineError turns a DuckDB error into the error Databricks gives for the
// same mistake in the statement it received.
func engineError(err error, databricksSQL string) *SQLError {
	msg, _, _ := strings.Cut(err.Error(), "\n") // DuckDB adds hints and the position on later lines
	msg = strings.ReplaceAll(msg, EngineSystemCatalog, "system")
	if m := reMissingTable.FindStringSubmatch(msg); m != nil {
		return &SQLError{Class: "TABLE_OR_VIEW_NOT_FOUND",
			Message: "The table or view " + writtenName(databricksSQL, m[1]) + " cannot be found. Verify the spelling and correctness of the schema and catalog. SQLSTATE: 42P01"}
	}
	if m := reTableExists.FindStringSubmatch(msg); m != nil {
		return &SQLError{Class: "TABLE_OR_VIEW_ALREADY_EXISTS",
			Message: "Cannot create table or view " + writtenName(databricksSQL, m[1]) + " because it already exists. Choose a different name, drop or replace the existing object, or add the IF NOT EXISTS clause to tolerate pre-existing objects. SQLSTATE: 42P07"}
	}
	if m := reMissingColumn.FindStringSubmatch(msg); m != nil {
		return &SQLError{Class: "UNRESOLVED_COLUMN.WITHOUT_SUGGESTION",
			Message: "A column, variable, or function parameter with name `" + m[1] + "` cannot be resolved. SQLSTATE: 42703"}
	}
	if m := reMissingFunc.FindStringSubmatch(msg); m != nil {
		return &SQLError{Class: "UNRESOLVED_ROUTINE",
			Message: "Cannot resolve routine `" + m[1] + "` on search path [`system`.`builtin`, `system`.`session`]. SQLSTATE: 42883"}
	}
	if m := reSyntax.FindStringSubmatch(msg); m != nil {
		return syntaxError("Syntax error at or near '%s'.", m[1])
	}
	kind := reErrorKind.FindString(msg)
	text := strings.TrimPrefix(msg, kind)
	switch strings.TrimSuffix(kind, " Error: ") {
	case "Conversion":
		return &SQLError{Class: "CAST_INVALID_INPUT", Message: text + " SQLSTATE: 22018"}
	case "Out of Range":
		return &SQLError{Class: "ARITHMETIC_OVERFLOW", Message: text + " SQLSTATE: 22003"}
	case "Out of Memory":
		return &SQLError{Class: "OUT_OF_MEMORY", Message: text}
	case "INTERNAL", "FATAL":
		return &SQLError{Class: "INTERNAL_ERROR", Message: text}
	case "Binder":
		return &SQLError{Class: "DATATYPE_MISMATCH", Message: text + " SQLSTATE: 42K09"}
	case "Permission":
		// A statement that would change the read-only system tables or
		// reach a file: Databricks refuses both for want of privileges.
		return &SQLError{Class: "INSUFFICIENT_PERMISSIONS", Message: "Insufficient privileges: " + text + " SQLSTATE: 42501"}
	}
	return &SQLError{Message: text}
}

// writtenName finds how the statement wrote the table DuckDB could not
// find (DuckDB names it without its catalog) and quotes it the way
// Databricks' messages do: `system`.`billing`.`usagex`.
func writtenName(databricksSQL, duckName string) string {
	last := duckName
	if i := strings.LastIndexByte(duckName, '.'); i >= 0 {
		last = duckName[i+1:]
	}
	toks, err := tokenize(databricksSQL)
	if err == nil {
		for i := 0; i < len(toks); i++ {
			var parts []string
			j := i
			for {
				name, ok := toks[j].ident()
				if !ok {
					break
				}
				parts = append(parts, name)
				dot := skipSpace(toks, j+1)
				next := skipSpace(toks, dot+1)
				if dot >= len(toks) || !toks[dot].is(".") || next >= len(toks) {
					break
				}
				j = next
			}
			if len(parts) > 0 && strings.EqualFold(parts[len(parts)-1], last) {
				return "`" + strings.Join(parts, "`.`") + "`"
			}
			i = j
		}
	}
	return "`" + strings.ReplaceAll(duckName, ".", "`.`") + "`"
}
