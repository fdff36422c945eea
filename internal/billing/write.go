package billing

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
)

// Format is an export file format.
type Format string

const (
	CSV     Format = "csv"
	JSONL   Format = "jsonl"
	Parquet Format = "parquet"
)

// ParseFormat checks a --format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case CSV, JSONL, Parquet:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q (want csv, jsonl or parquet)", s)
}

const timeLayout = "2006-01-02T15:04:05.000Z"
const dateLayout = "2006-01-02"

// UsageColumns is the column order of written usage exports.
var UsageColumns = []string{
	"record_id", "account_id", "workspace_id", "sku_name", "cloud",
	"usage_start_time", "usage_end_time", "usage_date", "custom_tags",
	"usage_unit", "usage_quantity", "usage_metadata", "identity_metadata",
	"record_type", "ingestion_date", "billing_origin_product",
	"product_features", "usage_type",
}

// ListPriceColumns is the column order of written list price exports.
var ListPriceColumns = []string{
	"price_start_time", "price_end_time", "account_id", "sku_name", "cloud",
	"currency_code", "usage_unit", "pricing",
}

// encoder writes one row of an export into a reused buffer, as a CSV line
// or a JSON Lines object; the columns are given in order, each once.
type encoder struct {
	format  Format
	line    []byte
	scratch []byte
	keys    []string
	n       int
}

func (e *encoder) begin() {
	e.line, e.n = e.line[:0], 0
	if e.format == JSONL {
		e.line = append(e.line, '{')
	}
}

func (e *encoder) end() []byte {
	if e.format == JSONL {
		e.line = append(e.line, '}')
	}
	return append(e.line, '\n')
}

func (e *encoder) next(name string) {
	if e.format == JSONL {
		e.line = field(e.line, name, e.n == 0)
	} else if e.n > 0 {
		e.line = append(e.line, ',')
	}
	e.n++
}

// text writes a string column; "" is written as null when nullable.
func (e *encoder) text(name, v string, nullable bool) {
	e.next(name)
	switch {
	case e.format == CSV:
		e.line = appendCSVField(e.line, []byte(v))
	case nullable && v == "":
		e.line = append(e.line, "null"...)
	default:
		e.line = appendJSONString(e.line, v)
	}
}

// nested writes a map or struct column whose JSON was built in e.scratch;
// CSV holds it as JSON text, and null as an empty cell.
func (e *encoder) nested(name string) {
	e.next(name)
	if e.format == JSONL {
		e.line = append(e.line, e.scratch...)
		return
	}
	if string(e.scratch) != "null" {
		e.line = appendCSVField(e.line, e.scratch)
	}
}

func (e *encoder) usage(r UsageRecord) []byte {
	e.begin()
	e.text("record_id", r.RecordID, false)
	e.text("account_id", r.AccountID, false)
	e.text("workspace_id", r.WorkspaceID, false)
	e.text("sku_name", r.SKUName, false)
	e.text("cloud", r.Cloud, false)
	e.text("usage_start_time", string(appendTime(e.scratch[:0], r.UsageStart)), false)
	e.text("usage_end_time", string(appendTime(e.scratch[:0], r.UsageEnd)), false)
	e.text("usage_date", string(appendDate(e.scratch[:0], r.UsageDate)), false)
	e.scratch = appendTags(e.scratch[:0], r.CustomTags, &e.keys)
	e.nested("custom_tags")
	e.text("usage_unit", r.UsageUnit, false)
	e.text("usage_quantity", r.UsageQuantity.String(), false)
	e.scratch = appendMetadata(e.scratch[:0], r.Metadata)
	e.nested("usage_metadata")
	e.scratch = appendIdentity(e.scratch[:0], r.Identity)
	e.nested("identity_metadata")
	e.text("record_type", r.RecordType, false)
	e.text("ingestion_date", string(appendDate(e.scratch[:0], r.IngestionDate)), false)
	e.text("billing_origin_product", r.OriginProduct, false)
	e.scratch = appendFeatures(e.scratch[:0], r.Features)
	e.nested("product_features")
	e.text("usage_type", r.UsageType, false)
	return e.end()
}

func (e *encoder) listPrice(p ListPrice) []byte {
	e.begin()
	e.text("price_start_time", string(appendTime(e.scratch[:0], p.PriceStart)), false)
	end := ""
	if p.PriceEnd != nil {
		end = string(appendTime(e.scratch[:0], *p.PriceEnd))
	}
	e.text("price_end_time", end, true)
	e.text("account_id", p.AccountID, false)
	e.text("sku_name", p.SKUName, false)
	e.text("cloud", p.Cloud, false)
	e.text("currency_code", p.CurrencyCode, false)
	e.text("usage_unit", p.UsageUnit, false)
	e.scratch = appendPricing(e.scratch[:0], p)
	e.nested("pricing")
	return e.end()
}

func (e *encoder) header(columns []string) []byte {
	return append([]byte(strings.Join(columns, ",")), '\n')
}

func newEncoder(f Format) (*encoder, error) {
	if f != CSV && f != JSONL {
		return nil, fmt.Errorf("unsupported export format %q for this writer", f)
	}
	return &encoder{format: f}, nil
}

// UsageWriter streams usage records to an export file.
type UsageWriter struct {
	w   *bufio.Writer
	enc *encoder
}

// NewUsageWriter returns a writer for CSV or JSON Lines. Parquet is written
// by the attribution package, which owns the DuckDB engine.
func NewUsageWriter(w io.Writer, f Format) (*UsageWriter, error) {
	enc, err := newEncoder(f)
	if err != nil {
		return nil, fmt.Errorf("usage writer: %w", err)
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	if f == CSV {
		if _, err := bw.Write(enc.header(UsageColumns)); err != nil {
			return nil, fmt.Errorf("write usage header: %w", err)
		}
	}
	return &UsageWriter{w: bw, enc: enc}, nil
}

// Write writes one record.
func (u *UsageWriter) Write(r UsageRecord) error {
	_, err := u.w.Write(u.enc.usage(r))
	return err
}

// Close flushes buffered output; it does not close the underlying writer.
func (u *UsageWriter) Close() error { return u.w.Flush() }

// WriteListPrices writes a whole price list in CSV or JSON Lines.
func WriteListPrices(w io.Writer, f Format, prices []ListPrice) error {
	enc, err := newEncoder(f)
	if err != nil {
		return fmt.Errorf("list price writer: %w", err)
	}
	bw := bufio.NewWriter(w)
	if f == CSV {
		bw.Write(enc.header(ListPriceColumns))
	}
	for _, p := range prices {
		bw.Write(enc.listPrice(p))
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write list prices: %w", err)
	}
	return nil
}

// Date returns t's calendar date at UTC midnight.
func Date(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
