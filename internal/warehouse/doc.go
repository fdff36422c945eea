// Package warehouse is the databricks source: it runs the attribution SQL
// (internal/attribution) on a Databricks SQL warehouse through the SDK's
// Statement Execution API, over system.billing.usage and
// system.billing.list_prices, and brings back only the aggregated rows, at
// the grain of the other sources. It links neither DuckDB nor cgo.
//
// # Incremental pulls
//
// Grains. The cache is kept per usage day, and a month row of a pull that
// re-reads some days of a month covers those days alone, so it cannot be
// kept. Every statement therefore asks for the detail grain of every day
// (detail_from 1970-01-01, which also keeps the query text and the cache's
// fingerprint the same whatever the as-of), the month rows are dropped
// when the pull arrives, and a build rolls its months up from the cached
// detail (budget.RollUp) and cuts the detail at its own start. The
// warehouse does the aggregation either way; what comes back is as large
// as the detail, which the other sources need not fetch.
//
// The result rows are cached per usage day in the state directory
// (databricks/aggregates.json.gz), with the watermark (the latest
// ingestion_date the table had), the span of days the cache holds
// complete, and a fingerprint of the attribution query and the
// categories. Each build reads the current watermark first, then
// re-aggregates in one statement every whole usage day of the cached span
// and the report window that a row ingested on or after the cached
// watermark touches (on or after: rows of the watermark day may still
// arrive), plus any day of the window the cache never held (more than a
// month of those are pulled a month a statement instead), and replaces
// those days in the cache. A correction ingested weeks after its usage day
// is picked up that way. Days before the window are dropped, so the cache
// stays the size of the window. Without a usable cache (none, one that does
// not read back whole, another fingerprint or host, or a window apart from
// the cached days) every day of the window is pulled, one statement per
// calendar month, which keeps each result a month at most. The cache is
// written atomically and only after a complete pull, so a failed build
// leaves it as it was; --offline builds from it alone. The rows are kept
// as the warehouse sent them and read by the same attribution.Collector,
// so a build from the cache gives the facts of a build from the warehouse.
//
// # Results
//
// Statements ask for EXTERNAL_LINKS: an INLINE result over 25 MiB fails
// its statement on the service, and a month of a large account passes
// that. Each chunk's link is a presigned cloud storage URL, fetched with a
// plain HTTP client and no Databricks credentials (storage refuses a
// request that carries them; the URL is itself the credential and never
// logged); a link refused with 403, expired behind slow chunks, is asked
// for again through the chunk's API, a few times at most.
//
// # Failures
//
// Authentication, permission, missing system tables, a warehouse that is
// missing or does not start within the start timeout each give one line
// naming the cause and what to do (the Err* sentinels). The SDK retries
// 429 and 503 answers; this package also retries 500, 502 and 504 on
// every call it makes, a few times with backoff.
//
// Hours and days are UTC whatever the warehouse's session time zone (a
// workspace may set one other than UTC): usage_hour is the hour of
// convert_timezone('UTC', usage_start_time), the cut of an as-of is a
// TIMESTAMP literal with its offset, usage_date is the table's own DATE,
// and timestamps come back with their offset.
package warehouse
