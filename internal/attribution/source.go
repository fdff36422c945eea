package attribution

import "context"

// Source yields the attributed facts of one division: the demo account,
// exported files, or a live Databricks account. Each runs the attribution
// SQL on its engine and hands the rows to a Collector.
type Source interface {
	// Attribute reads usage and attributes it to the categories whose tag
	// values are given. It returns nothing from half-read data.
	Attribute(ctx context.Context, tagValues []string) (Result, error)
}
