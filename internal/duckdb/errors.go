package duckdb

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

var (
	csvLineError  = regexp.MustCompile(`CSV Error on Line: (\d+)`)
	malformedJSON = regexp.MustCompile(`Malformed JSON in file "[^"]*", at byte (\d+) in line (\d+): ([^\n]*)`)
)

// lineError is bad input located in a file.
type lineError struct {
	table string
	path  string
	where string // "line 12" or "row 12"
	msg   string
}

// oneLine keeps values echoed from a file on the error's single line.
var oneLine = strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", `\t`)

func (e *lineError) Error() string {
	return fmt.Sprintf("%s %s %s: %s", e.table, e.path, e.where, oneLine.Replace(e.msg))
}

// readError turns DuckDB's multi-line reader errors into one line that says
// where and what; other errors pass through.
func readError(err error) error {
	msg := err.Error()
	if m := csvLineError.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("line %s: %s", m[1], csvReason(msg))
	}
	if m := malformedJSON.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("line %s: malformed JSON at byte %s: %s", m[2], m[1], strings.TrimSuffix(strings.TrimSpace(m[3]), "."))
	}
	first, _, _ := strings.Cut(msg, "\n")
	return errors.New(strings.TrimSpace(first))
}

// csvReason picks the explanation out of DuckDB's CSV error report, which
// follows the echoed line.
func csvReason(msg string) string {
	lines := strings.Split(msg, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "Original Line:") {
			continue
		}
		for _, next := range lines[i+1:] {
			next = strings.TrimSpace(next)
			if next == "" || strings.HasPrefix(next, "Possible fixes") {
				continue
			}
			if strings.HasPrefix(next, "Expected Number of Columns:") {
				var want, got int
				if _, err := fmt.Sscanf(next, "Expected Number of Columns: %d Found: %d", &want, &got); err == nil {
					return fmt.Sprintf("expected %d columns, found %d", want, got)
				}
			}
			return strings.TrimSuffix(next, ".")
		}
	}
	return "malformed CSV"
}
