package content

import (
	"fmt"
	"strings"
)

// Error is one problem in the content directory, located as precisely as the
// input allows, so the message can be read like a compiler's:
//
//	content/categories/deep-space-telemetry.md:4: monthly_budget_usd: "42OO" is not a number (want ...)
//
// Load joins every Error it finds with errors.Join; use errors.As to get one.
type Error struct {
	File  string // path of the file: Load's dir joined with its name
	Line  int    // 1-based line in File; 0 when the problem is not on one line
	Field string // front matter field, dotted when nested (policy.max_workers); "" for whole-file problems
	Msg   string // what is wrong and how to fix it
	Err   error  // underlying cause, such as a read error; may be nil
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	// Messages may quote user text; keep every error on one line.
	b.WriteString(strings.ReplaceAll(e.Msg, "\n", `\n`))
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }
