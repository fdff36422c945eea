package attribution

// Kind is the type a canonical column is cast to.
type Kind int

const (
	KindText Kind = iota
	KindDate
	KindTimestamp
	KindDecimal
	KindBool
	// KindHour is the UTC hour (0-23) of a timestamp.
	KindHour
)

// SQLType is the column's type, spelled so both engines read it: DuckDB
// takes STRING and INT as aliases of VARCHAR and INTEGER.
func (k Kind) SQLType() string {
	switch k {
	case KindDate:
		return "DATE"
	case KindTimestamp:
		return "TIMESTAMP"
	case KindHour:
		return "INT"
	case KindDecimal:
		return "DECIMAL(38,18)"
	case KindBool:
		return "BOOLEAN"
	}
	return "STRING"
}

// Column is one canonical column the attribution SQL reads, and where it
// comes from in system.billing.usage or system.billing.list_prices (and
// their exports): a top-level column, or a key inside a map, struct or
// JSON column.
type Column struct {
	Name     string   // canonical name used by attribution.sql
	Source   string   // system table (export) column
	Path     []string // keys inside Source; empty for a plain column
	Kind     Kind
	Required bool // null or empty is an error
	// Optional: an export may lack the source column altogether (a file
	// written before it was needed); every field of it then reads as null.
	Optional bool
}

// Display names the field the way a user finds it in the table or file.
func (c Column) Display() string {
	s := c.Source
	for _, k := range c.Path {
		s += "." + k
	}
	return s
}

// UsageColumns is what attribution.sql needs of system.billing.usage.
var UsageColumns = []Column{
	{Name: "usage_date", Source: "usage_date", Kind: KindDate, Required: true},
	{Name: "usage_hour", Source: "usage_start_time", Kind: KindHour, Required: true},
	{Name: "usage_end_time", Source: "usage_end_time", Kind: KindTimestamp, Required: true},
	{Name: "workspace_id", Source: "workspace_id", Kind: KindText},
	{Name: "sku_name", Source: "sku_name", Kind: KindText, Required: true},
	{Name: "cloud", Source: "cloud", Kind: KindText, Required: true},
	{Name: "usage_unit", Source: "usage_unit", Kind: KindText, Required: true},
	{Name: "usage_quantity", Source: "usage_quantity", Kind: KindDecimal, Required: true},
	{Name: "billing_origin_product", Source: "billing_origin_product", Kind: KindText},
	{Name: "is_serverless", Source: "product_features", Path: []string{"is_serverless"}, Kind: KindBool},
	{Name: "tag_category", Source: "custom_tags", Path: []string{"OperationalCategory"}, Kind: KindText},
	{Name: "tag_owner", Source: "custom_tags", Path: []string{"Owner"}, Kind: KindText},
	{Name: "run_as", Source: "identity_metadata", Path: []string{"run_as"}, Kind: KindText},
	{Name: "owned_by", Source: "identity_metadata", Path: []string{"owned_by"}, Kind: KindText},
	{Name: "created_by", Source: "identity_metadata", Path: []string{"created_by"}, Kind: KindText},
	// The workload behind the cost (rule 7 of attribution.sql). Serving
	// usage names its endpoint by endpoint_name and endpoint_id; the demo
	// and older exports carry the name only.
	{Name: "job_id", Source: "usage_metadata", Path: []string{"job_id"}, Kind: KindText, Optional: true},
	{Name: "dlt_pipeline_id", Source: "usage_metadata", Path: []string{"dlt_pipeline_id"}, Kind: KindText, Optional: true},
	{Name: "warehouse_id", Source: "usage_metadata", Path: []string{"warehouse_id"}, Kind: KindText, Optional: true},
	{Name: "endpoint_name", Source: "usage_metadata", Path: []string{"endpoint_name"}, Kind: KindText, Optional: true},
	{Name: "endpoint_id", Source: "usage_metadata", Path: []string{"endpoint_id"}, Kind: KindText, Optional: true},
	{Name: "cluster_id", Source: "usage_metadata", Path: []string{"cluster_id"}, Kind: KindText, Optional: true},
}

// PriceColumns is what attribution.sql needs of system.billing.list_prices.
var PriceColumns = []Column{
	{Name: "sku_name", Source: "sku_name", Kind: KindText, Required: true},
	{Name: "cloud", Source: "cloud", Kind: KindText, Required: true},
	{Name: "usage_unit", Source: "usage_unit", Kind: KindText, Required: true},
	{Name: "currency_code", Source: "currency_code", Kind: KindText, Required: true},
	{Name: "price_start_time", Source: "price_start_time", Kind: KindTimestamp, Required: true},
	{Name: "price_end_time", Source: "price_end_time", Kind: KindTimestamp},
	{Name: "price_default", Source: "pricing", Path: []string{"default"}, Kind: KindDecimal, Required: true},
	{Name: "price_effective_list", Source: "pricing", Path: []string{"effective_list", "default"}, Kind: KindDecimal},
}

// SourceColumns lists the table columns that cols read, in first-use order.
func SourceColumns(cols []Column) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range cols {
		if !seen[c.Source] {
			seen[c.Source] = true
			out = append(out, c.Source)
		}
	}
	return out
}

// RequiredSources lists the table columns a file must have: all but those
// whose every field is optional.
func RequiredSources(cols []Column) []string {
	optional := map[string]bool{}
	for _, c := range cols {
		if _, seen := optional[c.Source]; !seen {
			optional[c.Source] = true
		}
		optional[c.Source] = optional[c.Source] && c.Optional
	}
	var out []string
	for _, s := range SourceColumns(cols) {
		if !optional[s] {
			out = append(out, s)
		}
	}
	return out
}

// Nested reports whether a table column holds a map, struct or JSON.
func Nested(cols []Column, source string) bool {
	for _, c := range cols {
		if c.Source == source && len(c.Path) > 0 {
			return true
		}
	}
	return false
}
