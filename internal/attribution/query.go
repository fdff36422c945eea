// Package attribution is the contract of how billing usage becomes
// attributed cost: the one attribution SQL (attribution.sql), the canonical
// columns it reads of the two system tables, the columns and types of its
// result, and the Source interface the demo, files and databricks sources
// implement. It has no engine: the embedded DuckDB engine (internal/duckdb)
// and the Databricks SQL warehouse (internal/warehouse) run the same text,
// so this package links neither DuckDB nor cgo.
package attribution

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"strings"
	"text/template"
	"time"
)

//go:embed attribution.sql
var attributionSQL string

var attributionTemplate = template.Must(template.New("attribution.sql").Parse(attributionSQL))

// Digest identifies the attribution SQL: results kept by an earlier build
// (the files cache) are of the same text only when it is the same.
func Digest() string {
	sum := sha256.Sum256([]byte(attributionSQL))
	return hex.EncodeToString(sum[:])
}

// Query fills the attribution SQL with an engine's two source relations
// (SELECTs giving UsageColumns and PriceColumns by Name), the configured
// category tag values and the first day of the detail grain (zero: the
// SQL derives it from the latest usage day, as budget.DetailStart).
func Query(usage, prices string, tagValues []string, detailFrom time.Time) (string, error) {
	if len(tagValues) == 0 {
		return "", fmt.Errorf("attribution query: no categories configured")
	}
	values := make([]string, len(tagValues))
	for i, v := range tagValues {
		values[i] = "(" + Literal(v) + ")"
	}
	var b strings.Builder
	if detailFrom.IsZero() {
		return "", fmt.Errorf("attribution query: no first day of the detail grain")
	}
	err := attributionTemplate.Execute(&b, map[string]string{
		"Usage":      usage,
		"Prices":     prices,
		"Categories": strings.Join(values, ", "),
		"DetailFrom": detailFrom.UTC().Format(time.DateOnly),
	})
	if err != nil {
		return "", fmt.Errorf("attribution query: %w", err)
	}
	return b.String(), nil
}

// Literal quotes s as a SQL string literal that both engines read the same
// way. The engines disagree on escapes (Databricks reads a backslash as
// one, DuckDB does not), so a quote or backslash is written as chr(n)
// joined by concat instead of being escaped.
func Literal(s string) string {
	if !strings.ContainsAny(s, `'\`) {
		return "'" + s + "'"
	}
	var parts []string
	start := 0
	for i, r := range s {
		if r != '\'' && r != '\\' {
			continue
		}
		if i > start {
			parts = append(parts, "'"+s[start:i]+"'")
		}
		parts = append(parts, fmt.Sprintf("chr(%d)", r))
		start = i + 1
	}
	if start < len(s) {
		parts = append(parts, "'"+s[start:]+"'")
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "concat(" + strings.Join(parts, ", ") + ")"
}
