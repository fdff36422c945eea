package attribution

import (
	"cmp"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// ResultColumn is one column of the attribution SQL's result, with the
// type both engines give it, in Databricks' spelling.
type ResultColumn struct {
	Name string
	Type string
}

// ResultColumns are the attribution SQL's result columns in order. Tests
// hold each engine to these types; the Databricks source reads only these.
var ResultColumns = []ResultColumn{
	{"grain", "STRING"},
	{"usage_date", "DATE"},
	{"usage_hour", "INT"},
	{"category", "STRING"},
	{"attribution", "STRING"},
	{"unknown_value", "STRING"},
	{"owner", "STRING"},
	{"workload_type", "STRING"},
	{"workload_id", "STRING"},
	{"resource_type", "STRING"},
	{"is_serverless", "BOOLEAN"},
	{"workspace_id", "STRING"},
	{"sku_name", "STRING"},
	{"priced", "BOOLEAN"},
	{"dbus", "DECIMAL(38,18)"},
	{"cost", "DECIMAL(38,18)"},
	{"records", "BIGINT"},
	{"last_usage_end", "TIMESTAMP"},
	{"detail_from", "DATE"},
}

// The grains of the result rows (column grain; attribution.sql rule 9).
const (
	GrainMonth  = "month"
	GrainDay    = "day"
	GrainDetail = "detail"
	GrainHour   = "hour"
)

// Result is what a source produced: attributed facts at their grains, the
// time-of-day rows, and how much it read.
type Result struct {
	Facts  budget.Facts
	Hourly []budget.HourCost
	Rows   int64    // usage records read
	Inputs []string // what was read, for the site's data-source line
	// LastUsage is the latest usage_end_time read: how far the data reaches.
	LastUsage time.Time
}

// Collector turns result rows, each value as text (nil for null) in
// ResultColumns order, into a Result. Both engines hand their rows to it,
// so facts are read one way.
type Collector struct {
	res            Result
	hourIndex      map[budget.HourCost]int // keyed with a zero Cost
	haveDetailFrom bool
	detailRecords  int64
}

// Add reads one result row.
func (c *Collector) Add(row []*string) error {
	if len(row) != len(ResultColumns) {
		return fmt.Errorf("attribution result: %d columns, want %d", len(row), len(ResultColumns))
	}
	text := func(i int) string {
		if row[i] == nil {
			return ""
		}
		return *row[i]
	}
	var r rowReader
	grain := text(0)
	date := r.date(text, 1)
	if last := r.timestamp(text, 17); last.After(c.res.LastUsage) {
		c.res.LastUsage = last
	}
	if err := c.detailFrom(&r, text); err != nil {
		return err
	}
	cost := r.decimal(text, 15)
	if grain == GrainHour {
		hour := r.integer(text, 2)
		if r.err != nil {
			return r.err
		}
		// Priced and unpriced usage of an hour arrive as two rows.
		k := budget.HourCost{Date: date, Hour: int(hour)}
		if c.hourIndex == nil {
			c.hourIndex = map[budget.HourCost]int{}
		}
		if i, ok := c.hourIndex[k]; ok {
			c.res.Hourly[i].Cost = c.res.Hourly[i].Cost.Add(cost)
			return nil
		}
		c.hourIndex[k] = len(c.res.Hourly)
		k.Cost = cost
		c.res.Hourly = append(c.res.Hourly, k)
		return nil
	}
	f := budget.Fact{
		Date: date, Category: text(3), Attribution: budget.Attribution(text(4)),
		TagValue: text(5), Owner: text(6), WorkloadType: text(7), WorkloadID: text(8),
		ResourceType: text(9), Serverless: r.boolean(text, 10),
		Workspace: text(11), SKU: text(12), Priced: r.boolean(text, 13),
		DBUs: r.decimal(text, 14), Cost: cost,
	}
	records := r.integer(text, 16)
	if r.err != nil {
		return r.err
	}
	switch grain {
	case GrainMonth:
		c.res.Facts.Months = append(c.res.Facts.Months, f)
		// Every record is in exactly one month row.
		c.res.Rows += records
	case GrainDay:
		c.res.Facts.Days = append(c.res.Facts.Days, f)
	case GrainDetail:
		c.res.Facts.Detail = append(c.res.Facts.Detail, f)
		c.detailRecords += records
	default:
		return fmt.Errorf("attribution result: grain %q is not month, day, detail or hour", grain)
	}
	return nil
}

// detailFrom reads the row's detail_from, which every row must share.
func (c *Collector) detailFrom(r *rowReader, text func(int) string) error {
	from := r.date(text, 18)
	if r.err != nil {
		return r.err
	}
	if !c.haveDetailFrom {
		c.haveDetailFrom = true
		c.res.Facts.DetailFrom = from
		return nil
	}
	if !from.Equal(c.res.Facts.DetailFrom) {
		return fmt.Errorf("attribution result: detail_from %s, and %s on an earlier row", text(18), c.res.Facts.DetailFrom.Format(time.DateOnly))
	}
	return nil
}

// DetailRecords is how many usage records the detail rows read: all of
// them when the detail grain covers every day.
func (c *Collector) DetailRecords() int64 { return c.detailRecords }

// Result returns what was read, each grain in budget.CompareFacts order
// with one fact per identity (rows of several reads summed), the hours in
// order: the same whatever order the engine returned its rows in.
func (c *Collector) Result() Result {
	c.res.Facts.Months = budget.Merged(c.res.Facts.Months)
	c.res.Facts.Days = budget.Merged(c.res.Facts.Days)
	c.res.Facts.Detail = budget.Merged(c.res.Facts.Detail)
	slices.SortFunc(c.res.Hourly, func(a, b budget.HourCost) int {
		return cmp.Or(a.Date.Compare(b.Date), cmp.Compare(a.Hour, b.Hour))
	})
	return c.res
}

// rowReader parses values of a row, keeping the first error.
type rowReader struct{ err error }

func (r *rowReader) fail(i int, v, want string) {
	if r.err == nil {
		r.err = fmt.Errorf("attribution result: %s %q is not %s", ResultColumns[i].Name, v, want)
	}
}

func (r *rowReader) boolean(text func(int) string, i int) bool {
	switch v := text(i); strings.ToLower(v) {
	case "true":
		return true
	case "false", "":
		return false
	default:
		r.fail(i, v, "true or false")
		return false
	}
}

func (r *rowReader) date(text func(int) string, i int) time.Time {
	v := text(i)
	d, err := time.Parse(time.DateOnly, v)
	if err != nil {
		r.fail(i, v, "a date")
	}
	return d
}

// timestamp reads DuckDB's "2006-01-02 15:04:05[.fff]" and Databricks'
// ISO 8601 with a zone; a time without one is UTC. Null is the zero time.
func (r *rowReader) timestamp(text func(int) string, i int) time.Time {
	v := text(i)
	if v == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC()
		}
	}
	r.fail(i, v, "a timestamp")
	return time.Time{}
}

func (r *rowReader) decimal(text func(int) string, i int) budget.Decimal {
	v := text(i)
	if v == "" {
		return budget.Decimal{}
	}
	plain := v
	if strings.ContainsAny(v, "eE") {
		// Java's BigDecimal, behind Databricks' JSON, writes small values
		// and a zero of scale 18 as e.g. 0E-18 or 1.5E-7.
		x, ok := new(big.Rat).SetString(v)
		if !ok {
			r.fail(i, v, "a number")
			return budget.Decimal{}
		}
		plain = x.FloatString(18)
	}
	d, err := budget.ParseDecimal(plain)
	if err != nil {
		r.fail(i, v, "a number")
	}
	return d
}

func (r *rowReader) integer(text func(int) string, i int) int64 {
	v := text(i)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		r.fail(i, v, "an integer")
	}
	return n
}
