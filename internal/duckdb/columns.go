package duckdb

import "github.com/novadynamics/stellar-budget/internal/attribution"

// column is a canonical column of the attribution contract.
type column = attribution.Column

const (
	kindText      = attribution.KindText
	kindDate      = attribution.KindDate
	kindTimestamp = attribution.KindTimestamp
	kindDecimal   = attribution.KindDecimal
	kindBool      = attribution.KindBool
	kindHour      = attribution.KindHour
)

var (
	usageColumns = attribution.UsageColumns
	priceColumns = attribution.PriceColumns
)

// checkType is the type a raw value must cast to, in diagnostics: text
// timestamps parse as TIMESTAMPTZ so that offsets count.
func checkType(k attribution.Kind) string {
	if k == kindTimestamp || k == kindHour {
		return "TIMESTAMPTZ"
	}
	return k.SQLType()
}

// problem is how a bad value of kind k is described to the user.
func problem(k attribution.Kind) string {
	switch k {
	case kindDate:
		return "is not a date (want YYYY-MM-DD)"
	case kindTimestamp, kindHour:
		return "is not a timestamp (want ISO 8601, e.g. 2026-08-01T10:00:00Z)"
	case kindDecimal:
		return "is not a number"
	case kindBool:
		return "is not true or false"
	}
	return "is not text"
}
