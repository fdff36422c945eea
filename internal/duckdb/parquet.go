package duckdb

import (
	"context"
	"fmt"
	"strings"

	"github.com/novadynamics/stellar-budget/internal/billing"
)

// Parquet exports carry the system tables' own types, as a notebook's
// df.write.parquet would: custom_tags a map, the metadata columns structs,
// quantities and prices decimal(38,18), times timestamps.
var (
	usageParquetColumns = []string{
		"record_id", "account_id", "workspace_id", "sku_name", "cloud",
		"CAST(usage_start_time AS TIMESTAMP) AS usage_start_time",
		"CAST(usage_end_time AS TIMESTAMP) AS usage_end_time",
		"CAST(usage_date AS DATE) AS usage_date",
		"CAST(CAST(custom_tags AS JSON) AS MAP(VARCHAR, VARCHAR)) AS custom_tags",
		"usage_unit",
		"CAST(usage_quantity AS DECIMAL(38, 18)) AS usage_quantity",
		`json_transform(usage_metadata, '{"cluster_id":"VARCHAR","job_id":"VARCHAR","warehouse_id":"VARCHAR","dlt_pipeline_id":"VARCHAR","node_type":"VARCHAR","job_run_id":"VARCHAR","notebook_id":"VARCHAR","endpoint_name":"VARCHAR"}') AS usage_metadata`,
		`json_transform(identity_metadata, '{"run_as":"VARCHAR","owned_by":"VARCHAR","created_by":"VARCHAR"}') AS identity_metadata`,
		"record_type",
		"CAST(ingestion_date AS DATE) AS ingestion_date",
		"billing_origin_product",
		`json_transform(product_features, '{"is_serverless":"BOOLEAN","is_photon":"BOOLEAN","jobs_tier":"VARCHAR","sql_tier":"VARCHAR","dlt_tier":"VARCHAR"}') AS product_features`,
		"usage_type",
	}
	priceParquetColumns = []string{
		"CAST(price_start_time AS TIMESTAMP) AS price_start_time",
		"CAST(price_end_time AS TIMESTAMP) AS price_end_time",
		"account_id", "sku_name", "cloud", "currency_code", "usage_unit",
		`json_transform(pricing, '{"default":"DECIMAL(38,18)","promotional":{"default":"DECIMAL(38,18)"},"effective_list":{"default":"DECIMAL(38,18)"}}') AS pricing`,
	}
)

// Table names a system table for ConvertToParquet.
type Table int

const (
	UsageTable Table = iota
	ListPricesTable
)

// ConvertToParquet rewrites a CSV export (as billing writes it) as a typed
// Parquet export, streaming through DuckDB so size does not matter.
func (e *Engine) ConvertToParquet(ctx context.Context, t Table, csvPath, parquetPath string) error {
	cols := usageParquetColumns
	if t == ListPricesTable {
		cols = priceParquetColumns
	}
	header, err := csvHeader(csvPath)
	if err != nil {
		return fmt.Errorf("convert %s to parquet: %w", csvPath, err)
	}
	rel := relation{files: []inputFile{{path: csvPath, format: billing.CSV}}, format: billing.CSV, header: header}
	query := fmt.Sprintf("COPY (SELECT %s FROM %s) TO %s (FORMAT parquet, COMPRESSION zstd)",
		strings.Join(cols, ", "), rel.from(table{}), sqlString(parquetPath))
	if _, err := e.db.ExecContext(ctx, query); err != nil {
		return fmt.Errorf("convert %s to parquet: %w", csvPath, readError(err))
	}
	return nil
}
