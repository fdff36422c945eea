package snapshot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// The values of a snapshot are JSON strings in one canonical form each, so
// no reader meets float rounding and Read can tell a damaged value from a
// real one. Each type's check says what it accepts.

// Money is an amount in USD with exactly 2 decimals: "1234.50", "-0.25".
type Money string

// Quantity is a number with exactly 6 decimals: DBUs, hourly rates.
type Quantity string

// Percent is a percentage with exactly 1 decimal, rounded half up: "87.5".
type Percent string

// Probability is a chance from "0.00" to "1.00".
type Probability string

// Date is an ISO calendar date, "2026-11-23"; "" where the schema says
// there may be none.
type Date string

// Time is an RFC 3339 time in UTC, "2026-11-24T06:30:00Z"; "" where the
// schema says there may be none.
type Time string

// USD writes d as Money, rounded half away from zero.
func USD(d budget.Decimal) Money { return Money(d.StringFixed(2)) }

// QuantityOf writes d as a Quantity, rounded half away from zero.
func QuantityOf(d budget.Decimal) Quantity { return Quantity(d.StringFixed(6)) }

// DateOf writes t's UTC date; "" for the zero time.
func DateOf(t time.Time) Date {
	if t.IsZero() {
		return ""
	}
	return Date(t.UTC().Format(time.DateOnly))
}

// TimeOf writes t in UTC; "" for the zero time.
func TimeOf(t time.Time) Time {
	if t.IsZero() {
		return ""
	}
	return Time(t.UTC().Format(time.RFC3339))
}

// Decimal is the amount; zero when m is not valid Money (Read never
// returns such a value).
func (m Money) Decimal() budget.Decimal { return fixedValue(string(m), 2) }

// Decimal is the quantity; zero when q is not a valid Quantity.
func (q Quantity) Decimal() budget.Decimal { return fixedValue(string(q), 6) }

// Decimal is the percentage; zero when p is not a valid Percent.
func (p Percent) Decimal() budget.Decimal { return fixedValue(string(p), 1) }

// Float64 is the chance, 0..1; zero when p is not a valid Probability.
func (p Probability) Float64() float64 {
	f, err := strconv.ParseFloat(string(p), 64)
	if err != nil || p.check() != nil {
		return 0
	}
	return f
}

// Time is the date at UTC midnight; zero when d is "" or not a date.
func (d Date) Time() time.Time {
	t, err := time.Parse(time.DateOnly, string(d))
	if err != nil {
		return time.Time{}
	}
	return t
}

// Time is the time; zero when t is "" or not an RFC 3339 time.
func (t Time) Time() time.Time {
	v, err := time.Parse(time.RFC3339, string(t))
	if err != nil {
		return time.Time{}
	}
	return v.UTC()
}

func (m Money) check() error {
	return checkFixed(string(m), 2, "an amount with 2 decimals, e.g. 1234.50")
}
func (q Quantity) check() error {
	return checkFixed(string(q), 6, "a number with 6 decimals, e.g. 12.500000")
}
func (p Percent) check() error {
	return checkFixed(string(p), 1, "a percentage with 1 decimal, e.g. 87.5")
}

func (p Probability) check() error {
	if err := checkFixed(string(p), 2, "a probability from 0.00 to 1.00"); err != nil {
		return err
	}
	if v := fixedValue(string(p), 2); v.Sign() < 0 || v.Cmp(budget.DecimalFromInt(1)) > 0 {
		return fmt.Errorf("%q is out of range (want a probability from 0.00 to 1.00)", string(p))
	}
	return nil
}

func (d Date) check() error {
	if d == "" {
		return nil
	}
	if t, err := time.Parse(time.DateOnly, string(d)); err != nil || t.Format(time.DateOnly) != string(d) {
		return fmt.Errorf("%q is not a date (want YYYY-MM-DD)", string(d))
	}
	return nil
}

func (t Time) check() error {
	if t == "" {
		return nil
	}
	v, err := time.Parse(time.RFC3339, string(t))
	if err != nil || v.UTC().Format(time.RFC3339) != string(t) {
		return fmt.Errorf("%q is not a UTC time (want RFC 3339, e.g. 2026-11-24T06:30:00Z)", string(t))
	}
	return nil
}

// checkFixed accepts s only in the form StringFixed(places) writes, so a
// value has one spelling ("1.50", never "1.5", "+1.50" or "-0.00").
func checkFixed(s string, places int, want string) error {
	d, err := budget.ParseDecimal(s)
	if err != nil || d.StringFixed(places) != s {
		return fmt.Errorf("%q is not %s", s, want)
	}
	return nil
}

func fixedValue(s string, places int) budget.Decimal {
	if checkFixed(s, places, "") != nil {
		return budget.Decimal{}
	}
	return budget.MustDecimal(s)
}

// Days are a series' days, oldest first. In JSON they are one object
// from date to amount, {"2026-11-01": "123.45", ...}, so an indented file
// keeps a day to a line.
type Days []Day

// MarshalJSON writes the days in their order; nil days as null, as a nil
// slice is.
func (d Days) MarshalJSON() ([]byte, error) {
	if d == nil {
		return []byte("null"), nil
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, day := range d {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(string(day.Date))
		v, _ := json.Marshal(string(day.Cost))
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads the days in the order written, every key kept (a
// map would keep one of a date given twice, silently); Read checks that
// they are consecutive.
func (d *Days) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = nil
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("days are %s, not an object of date to amount", kindOf(b))
	}
	out := Days{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("days: %w", err)
		}
		date, _ := tok.(string) // the keys of a valid object are strings
		var cost string
		if err := dec.Decode(&cost); err != nil {
			return fmt.Errorf("days: the amount of %q is not a string", date)
		}
		out = append(out, Day{Date: Date(date), Cost: Money(cost)})
	}
	*d = out
	return nil
}

// kindOf names the JSON value b starts, for errors.
func kindOf(b []byte) string {
	switch bytes.TrimSpace(b)[0] {
	case '[':
		return "a list"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	default:
		return "a number"
	}
}
