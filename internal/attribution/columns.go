package attribution

// kind is the type a canonical column is cast to.
type kind int

const (
	kindText kind = iota
	kindDate
	kindTimestamp
	kindDecimal
	kindBool
	// kindHour is the UTC hour (0-23) of a timestamp.
	kindHour
)

// checkType is the type a raw value must cast to, in diagnostics: text
// timestamps parse as TIMESTAMPTZ so that offsets count.
func (k kind) checkType() string {
	if k == kindTimestamp || k == kindHour {
		return "TIMESTAMPTZ"
	}
	return k.sqlType()
}

func (k kind) sqlType() string {
	switch k {
	case kindDate:
		return "DATE"
	case kindTimestamp:
		return "TIMESTAMP"
	case kindHour:
		return "INTEGER"
	case kindDecimal:
		return "DECIMAL(38,18)"
	case kindBool:
		return "BOOLEAN"
	}
	return "VARCHAR"
}

// problem is how a bad value is described to the user.
func (k kind) problem() string {
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

// column is one canonical column the attribution SQL reads, and where it
// comes from in an export: a top-level column, or a key inside a map,
// struct or JSON column.
type column struct {
	name     string   // canonical name used by attribution.sql
	source   string   // export column
	path     []string // keys inside source; empty for a plain column
	kind     kind
	required bool // null or empty is an error
	// optional: an export may lack the source column altogether (a file
	// written before it was needed); every field of it then reads as null.
	optional bool
}

// display names the field the way a user finds it in the file.
func (c column) display() string {
	s := c.source
	for _, k := range c.path {
		s += "." + k
	}
	return s
}

// usageColumns is what attribution.sql needs of system.billing.usage.
var usageColumns = []column{
	{name: "usage_date", source: "usage_date", kind: kindDate, required: true},
	{name: "usage_hour", source: "usage_start_time", kind: kindHour, required: true},
	{name: "usage_end_time", source: "usage_end_time", kind: kindTimestamp, required: true},
	{name: "workspace_id", source: "workspace_id", kind: kindText},
	{name: "sku_name", source: "sku_name", kind: kindText, required: true},
	{name: "cloud", source: "cloud", kind: kindText, required: true},
	{name: "usage_unit", source: "usage_unit", kind: kindText, required: true},
	{name: "usage_quantity", source: "usage_quantity", kind: kindDecimal, required: true},
	{name: "billing_origin_product", source: "billing_origin_product", kind: kindText},
	{name: "is_serverless", source: "product_features", path: []string{"is_serverless"}, kind: kindBool},
	{name: "tag_category", source: "custom_tags", path: []string{"OperationalCategory"}, kind: kindText},
	{name: "tag_owner", source: "custom_tags", path: []string{"Owner"}, kind: kindText},
	{name: "run_as", source: "identity_metadata", path: []string{"run_as"}, kind: kindText},
	{name: "owned_by", source: "identity_metadata", path: []string{"owned_by"}, kind: kindText},
	{name: "created_by", source: "identity_metadata", path: []string{"created_by"}, kind: kindText},
	// The workload behind the cost (rule 7 of attribution.sql). Serving
	// usage names its endpoint by endpoint_name and endpoint_id; the demo
	// and older exports carry the name only.
	{name: "job_id", source: "usage_metadata", path: []string{"job_id"}, kind: kindText, optional: true},
	{name: "dlt_pipeline_id", source: "usage_metadata", path: []string{"dlt_pipeline_id"}, kind: kindText, optional: true},
	{name: "warehouse_id", source: "usage_metadata", path: []string{"warehouse_id"}, kind: kindText, optional: true},
	{name: "endpoint_name", source: "usage_metadata", path: []string{"endpoint_name"}, kind: kindText, optional: true},
	{name: "endpoint_id", source: "usage_metadata", path: []string{"endpoint_id"}, kind: kindText, optional: true},
	{name: "cluster_id", source: "usage_metadata", path: []string{"cluster_id"}, kind: kindText, optional: true},
}

// priceColumns is what attribution.sql needs of system.billing.list_prices.
var priceColumns = []column{
	{name: "sku_name", source: "sku_name", kind: kindText, required: true},
	{name: "cloud", source: "cloud", kind: kindText, required: true},
	{name: "usage_unit", source: "usage_unit", kind: kindText, required: true},
	{name: "currency_code", source: "currency_code", kind: kindText, required: true},
	{name: "price_start_time", source: "price_start_time", kind: kindTimestamp, required: true},
	{name: "price_end_time", source: "price_end_time", kind: kindTimestamp},
	{name: "price_default", source: "pricing", path: []string{"default"}, kind: kindDecimal, required: true},
	{name: "price_effective_list", source: "pricing", path: []string{"effective_list", "default"}, kind: kindDecimal},
}

// sourceColumns lists the export columns a table's canonical columns read.
func sourceColumns(cols []column) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range cols {
		if !seen[c.source] {
			seen[c.source] = true
			out = append(out, c.source)
		}
	}
	return out
}

// requiredSources lists the export columns a file must have: all but those
// whose every field is optional.
func requiredSources(cols []column) []string {
	optional := map[string]bool{}
	for _, c := range cols {
		if _, seen := optional[c.source]; !seen {
			optional[c.source] = true
		}
		optional[c.source] = optional[c.source] && c.optional
	}
	var out []string
	for _, s := range sourceColumns(cols) {
		if !optional[s] {
			out = append(out, s)
		}
	}
	return out
}

// nested reports whether an export column holds a map, struct or JSON.
func nested(cols []column, source string) bool {
	for _, c := range cols {
		if c.source == source && len(c.path) > 0 {
			return true
		}
	}
	return false
}
