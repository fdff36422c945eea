package billing

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
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

// nullable maps "" to JSON null.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

type usageMetadataJSON struct {
	ClusterID     *string `json:"cluster_id"`
	JobID         *string `json:"job_id"`
	WarehouseID   *string `json:"warehouse_id"`
	DLTPipelineID *string `json:"dlt_pipeline_id"`
	NodeType      *string `json:"node_type"`
	JobRunID      *string `json:"job_run_id"`
	NotebookID    *string `json:"notebook_id"`
	EndpointName  *string `json:"endpoint_name"`
}

type identityJSON struct {
	RunAs     *string `json:"run_as"`
	OwnedBy   *string `json:"owned_by"`
	CreatedBy *string `json:"created_by"`
}

type featuresJSON struct {
	IsServerless bool    `json:"is_serverless"`
	IsPhoton     bool    `json:"is_photon"`
	JobsTier     *string `json:"jobs_tier"`
	SQLTier      *string `json:"sql_tier"`
	DLTTier      *string `json:"dlt_tier"`
}

type priceValueJSON struct {
	Default string `json:"default"`
}

type pricingJSON struct {
	Default       string          `json:"default"`
	Promotional   *priceValueJSON `json:"promotional"`
	EffectiveList *priceValueJSON `json:"effective_list,omitempty"`
}

// usageJSON is a usage record with its complex columns as nested objects,
// in UsageColumns order.
type usageJSON struct {
	RecordID      string            `json:"record_id"`
	AccountID     string            `json:"account_id"`
	WorkspaceID   string            `json:"workspace_id"`
	SKUName       string            `json:"sku_name"`
	Cloud         string            `json:"cloud"`
	UsageStart    string            `json:"usage_start_time"`
	UsageEnd      string            `json:"usage_end_time"`
	UsageDate     string            `json:"usage_date"`
	CustomTags    map[string]string `json:"custom_tags"`
	UsageUnit     string            `json:"usage_unit"`
	UsageQuantity string            `json:"usage_quantity"`
	Metadata      usageMetadataJSON `json:"usage_metadata"`
	Identity      identityJSON      `json:"identity_metadata"`
	RecordType    string            `json:"record_type"`
	IngestionDate string            `json:"ingestion_date"`
	OriginProduct string            `json:"billing_origin_product"`
	Features      featuresJSON      `json:"product_features"`
	UsageType     string            `json:"usage_type"`
}

func (r UsageRecord) toJSON() usageJSON {
	m := r.Metadata
	return usageJSON{
		RecordID:      r.RecordID,
		AccountID:     r.AccountID,
		WorkspaceID:   r.WorkspaceID,
		SKUName:       r.SKUName,
		Cloud:         r.Cloud,
		UsageStart:    r.UsageStart.UTC().Format(timeLayout),
		UsageEnd:      r.UsageEnd.UTC().Format(timeLayout),
		UsageDate:     r.UsageDate.Format(dateLayout),
		CustomTags:    r.CustomTags,
		UsageUnit:     r.UsageUnit,
		UsageQuantity: r.UsageQuantity.String(),
		Metadata: usageMetadataJSON{
			ClusterID: nullable(m.ClusterID), JobID: nullable(m.JobID),
			WarehouseID: nullable(m.WarehouseID), DLTPipelineID: nullable(m.DLTPipelineID),
			NodeType: nullable(m.NodeType), JobRunID: nullable(m.JobRunID),
			NotebookID: nullable(m.NotebookID), EndpointName: nullable(m.EndpointName),
		},
		Identity: identityJSON{
			RunAs: nullable(r.Identity.RunAs), OwnedBy: nullable(r.Identity.OwnedBy),
			CreatedBy: nullable(r.Identity.CreatedBy),
		},
		RecordType:    r.RecordType,
		IngestionDate: r.IngestionDate.Format(dateLayout),
		OriginProduct: r.OriginProduct,
		Features: featuresJSON{
			IsServerless: r.Features.IsServerless, IsPhoton: r.Features.IsPhoton,
			JobsTier: nullable(r.Features.JobsTier), SQLTier: nullable(r.Features.SQLTier),
			DLTTier: nullable(r.Features.DLTTier),
		},
		UsageType: r.UsageType,
	}
}

type listPriceJSON struct {
	PriceStart   string      `json:"price_start_time"`
	PriceEnd     *string     `json:"price_end_time"`
	AccountID    string      `json:"account_id"`
	SKUName      string      `json:"sku_name"`
	Cloud        string      `json:"cloud"`
	CurrencyCode string      `json:"currency_code"`
	UsageUnit    string      `json:"usage_unit"`
	Pricing      pricingJSON `json:"pricing"`
}

func (p ListPrice) toJSON() listPriceJSON {
	out := listPriceJSON{
		PriceStart:   p.PriceStart.UTC().Format(timeLayout),
		AccountID:    p.AccountID,
		SKUName:      p.SKUName,
		Cloud:        p.Cloud,
		CurrencyCode: p.CurrencyCode,
		UsageUnit:    p.UsageUnit,
		Pricing:      pricingJSON{Default: p.Default.String()},
	}
	if p.PriceEnd != nil {
		out.PriceEnd = nullable(p.PriceEnd.UTC().Format(timeLayout))
	}
	if p.Promotional != nil {
		out.Pricing.Promotional = &priceValueJSON{Default: p.Promotional.String()}
	}
	if p.EffectiveList != nil {
		out.Pricing.EffectiveList = &priceValueJSON{Default: p.EffectiveList.String()}
	}
	return out
}

// UsageWriter streams usage records to an export file.
type UsageWriter interface {
	Write(UsageRecord) error
	// Close flushes buffered output; it does not close the underlying writer.
	Close() error
}

// NewUsageWriter returns a writer for CSV or JSON Lines. Parquet is written
// by the attribution package, which owns the DuckDB engine.
func NewUsageWriter(w io.Writer, f Format) (UsageWriter, error) {
	switch f {
	case CSV:
		cw := csv.NewWriter(w)
		if err := cw.Write(UsageColumns); err != nil {
			return nil, fmt.Errorf("write usage header: %w", err)
		}
		return &csvUsageWriter{w: cw, row: make([]string, len(UsageColumns))}, nil
	case JSONL:
		bw := bufio.NewWriterSize(w, 1<<16)
		return &jsonlUsageWriter{bw: bw, enc: json.NewEncoder(bw)}, nil
	}
	return nil, fmt.Errorf("usage writer: unsupported format %q", f)
}

type csvUsageWriter struct {
	w   *csv.Writer
	row []string
}

func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

func (c *csvUsageWriter) Write(r UsageRecord) error {
	j := r.toJSON()
	tags := ""
	if j.CustomTags != nil {
		var err error
		if tags, err = jsonText(j.CustomTags); err != nil {
			return fmt.Errorf("write usage %s: %w", r.RecordID, err)
		}
	}
	meta, err := jsonText(j.Metadata)
	if err != nil {
		return fmt.Errorf("write usage %s: %w", r.RecordID, err)
	}
	ident, err := jsonText(j.Identity)
	if err != nil {
		return fmt.Errorf("write usage %s: %w", r.RecordID, err)
	}
	feat, err := jsonText(j.Features)
	if err != nil {
		return fmt.Errorf("write usage %s: %w", r.RecordID, err)
	}
	copy(c.row, []string{
		j.RecordID, j.AccountID, j.WorkspaceID, j.SKUName, j.Cloud,
		j.UsageStart, j.UsageEnd, j.UsageDate, tags,
		j.UsageUnit, j.UsageQuantity, meta, ident,
		j.RecordType, j.IngestionDate, j.OriginProduct, feat, j.UsageType,
	})
	return c.w.Write(c.row)
}

func (c *csvUsageWriter) Close() error {
	c.w.Flush()
	return c.w.Error()
}

type jsonlUsageWriter struct {
	bw  *bufio.Writer
	enc *json.Encoder
}

func (j *jsonlUsageWriter) Write(r UsageRecord) error {
	return j.enc.Encode(r.toJSON())
}

func (j *jsonlUsageWriter) Close() error { return j.bw.Flush() }

// WriteListPrices writes a whole price list in CSV or JSON Lines.
func WriteListPrices(w io.Writer, f Format, prices []ListPrice) error {
	switch f {
	case CSV:
		cw := csv.NewWriter(w)
		if err := cw.Write(ListPriceColumns); err != nil {
			return fmt.Errorf("write list prices: %w", err)
		}
		for _, p := range prices {
			j := p.toJSON()
			end := ""
			if j.PriceEnd != nil {
				end = *j.PriceEnd
			}
			pricing, err := jsonText(j.Pricing)
			if err != nil {
				return fmt.Errorf("write list price %s: %w", p.SKUName, err)
			}
			if err := cw.Write([]string{j.PriceStart, end, j.AccountID, j.SKUName, j.Cloud, j.CurrencyCode, j.UsageUnit, pricing}); err != nil {
				return fmt.Errorf("write list price %s: %w", p.SKUName, err)
			}
		}
		cw.Flush()
		return cw.Error()
	case JSONL:
		enc := json.NewEncoder(w)
		for _, p := range prices {
			if err := enc.Encode(p.toJSON()); err != nil {
				return fmt.Errorf("write list price %s: %w", p.SKUName, err)
			}
		}
		return nil
	}
	return fmt.Errorf("list price writer: unsupported format %q", f)
}

// Date returns t's calendar date at UTC midnight.
func Date(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
