package warehouse

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/novadynamics/stellar-budget/internal/attribution"
)

// The system tables the source reads.
const (
	usageTable  = "system.billing.usage"
	pricesTable = "system.billing.list_prices"
)

// mapColumns are the usage columns that are MAP<STRING, STRING> (read with
// a subscript); every other nested column is a struct (read with dots).
var mapColumns = map[string]bool{"custom_tags": true}

// reserved are the keys of the system tables that Databricks SQL reads as
// keywords unless quoted.
var reserved = map[string]bool{"default": true}

var plainIdent = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ident quotes a column or field name with backticks where it needs them.
func ident(name string) string {
	if plainIdent.MatchString(name) && !reserved[strings.ToLower(name)] {
		return name
	}
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// column renders one canonical column as a Databricks expression with an
// explicit cast, so the relation has the same types as the DuckDB one.
func column(c attribution.Column) string {
	expr := ident(c.Source)
	switch {
	case c.Kind == attribution.KindHour:
		// hour() reads the session time zone, which a workspace may set
		// to other than UTC: the hour is asked for in UTC.
		expr = "hour(convert_timezone('UTC', " + expr + "))"
	case len(c.Path) > 0 && mapColumns[c.Source]:
		for _, k := range c.Path {
			expr += "[" + attribution.Literal(k) + "]"
		}
	default:
		for _, k := range c.Path {
			expr += "." + ident(k)
		}
	}
	return "CAST(" + expr + " AS " + c.Kind.SQLType() + ") AS " + c.Name
}

// selectColumns is a SELECT of cols from table, one column a line.
func selectColumns(cols []attribution.Column, table string) string {
	exprs := make([]string, len(cols))
	for i, c := range cols {
		exprs[i] = "    " + column(c)
	}
	return "  SELECT\n" + strings.Join(exprs, ",\n") + "\n  FROM " + table
}

// dateLiteral is a DATE literal.
func dateLiteral(d time.Time) string {
	return "DATE '" + d.Format(time.DateOnly) + "'"
}

// pull says which usage days a statement re-aggregates: every day of
// [From, To], or, when Since is set, only the days of it touched by rows
// ingested on or after Since, plus the days outside [Have, HaveTo] (days of
// the window the cache has never held).
type pull struct {
	From, To     time.Time
	Since        time.Time
	Have, HaveTo time.Time
	// Through leaves out usage that ends after it (zero: none). Its
	// TIMESTAMP literal carries its offset: one without is read in the
	// session time zone.
	Through time.Time
}

// where is the usage relation's filter for p.
func (p pull) where() string {
	w := "  WHERE usage_date BETWEEN " + dateLiteral(p.From) + " AND " + dateLiteral(p.To)
	if !p.Through.IsZero() {
		w += " AND usage_end_time <= TIMESTAMP '" + p.Through.UTC().Format("2006-01-02 15:04:05") + "+00:00'"
	}
	if p.Since.IsZero() {
		return w
	}
	// >= and not >: rows of the watermark day may still arrive after it
	// was read.
	touched := "usage_date IN (SELECT usage_date FROM " + usageTable + " WHERE ingestion_date >= " + dateLiteral(p.Since) + ")"
	var missing []string
	if p.From.Before(p.Have) {
		missing = append(missing, "usage_date < "+dateLiteral(p.Have))
	}
	if p.To.After(p.HaveTo) {
		missing = append(missing, "usage_date > "+dateLiteral(p.HaveTo))
	}
	if len(missing) == 0 {
		return w + "\n    AND " + touched
	}
	return w + "\n    AND (" + touched + " OR " + strings.Join(missing, " OR ") + ")"
}

// usageRelation is system.billing.usage as attribution.UsageColumns,
// filtered to the days p pulls.
func usageRelation(p pull) string {
	return selectColumns(attribution.UsageColumns, usageTable) + "\n" + p.where()
}

// priceRelation is system.billing.list_prices as attribution.PriceColumns.
// Prices in another currency are left out, so the usage they would price
// shows as unpriced instead of being added to USD.
func priceRelation() string {
	return selectColumns(attribution.PriceColumns, pricesTable) + "\n  WHERE currency_code = 'USD'"
}

// allDetail is the detail_from of every statement: the cache keeps result
// rows per usage day and a pull replaces some days of a month, so a month
// row could not be kept up to date; the warehouse returns the detail of
// every day and the source rolls the months up from it (Source.result).
var allDetail = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

// attributionStatement is the attribution SQL over the days p pulls.
func attributionStatement(p pull, tagValues []string) (string, error) {
	return attribution.Query(usageRelation(p), priceRelation(), tagValues, allDetail)
}

// watermarkStatement reads the latest ingestion_date of the usage table.
const watermarkStatement = "SELECT CAST(max(ingestion_date) AS DATE) AS max_ingestion_date FROM " + usageTable

// cacheFormat changes when the cache file or what it holds changes shape.
const cacheFormat = 2

// fingerprint identifies what cached rows were computed by: the attribution
// SQL and its relations (without the day filter) and the categories. A
// change in any of them makes the cache useless.
func fingerprint(tagValues []string) (string, error) {
	q, err := attribution.Query(selectColumns(attribution.UsageColumns, usageTable), priceRelation(), tagValues, allDetail)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "stellar-budget warehouse cache %d\n%s", cacheFormat, q)
	return hex.EncodeToString(h.Sum(nil)), nil
}
