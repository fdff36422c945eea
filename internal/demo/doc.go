// Package demo generates the built-in synthetic Databricks account: rows of
// system.billing.usage and system.billing.list_prices for a division's
// categories, deterministic (seeded PCG, no clock, no map order: the same
// Config gives the same records on every machine) and streamed, so memory
// stays flat for any row count.
//
// # Time
//
// Usage is hourly (usage_start_time on the hour, usage_end_time an hour
// later, usage_date the date of the start, UTC) from the first day of the
// month Months() (13) months before the as-of month through the whole as-of
// date. UTC is treated as the division's working time zone: interactive
// ALL_PURPOSE clusters run in weekday office hours (rarely at weekends),
// classic JOBS nightly 01:00-05:00 and a Photon job every six hours,
// serverless jobs on office-hour triggers and a six-hourly schedule, the SQL
// Pro warehouse 07:00-20:00 on weekdays, serverless SQL in bursts in office
// hours, DLT continuously (first category) or triggered every four hours,
// and MODEL_SERVING endpoints from 06:00 to 23:00, busier in office hours.
// Weekends are therefore much quieter than weekdays.
//
// # Spend
//
// Each category spends a fraction of its MonthlyBudget: 70-80 % at today's
// level, grown linearly from 82 % of that level in the first month, with a
// few percent of noise, so typical months land at 56-82 % of budget. A
// category's spend is split between its workloads by fixed shares and within
// a month in proportion to hourly activity; record quantities are the spend
// divided by the list price that applies (effective_list, else default, of
// the row covering usage_end_time), in micro-DBUs.
//
//   - Over budget: EXPLORATORY_MISSIONS if configured, else the last
//     category. In the as-of month its month-to-date spend runs at 120 % of
//     budget (MTD = 1.2 × budget × elapsed days / days in month, on any
//     as-of date, day 1 included), so it is past 90 % of budget from the
//     23rd of a 30-day month on. Its previous month ends at 86 %. Every other
//     category runs below 85 % in the as-of month.
//   - Spike: the second category (the first when the second is over budget).
//     On the first weekday on or after the 22nd of the previous month — 8 to
//     40 days before any as-of date — a forgotten ALL_PURPOSE cluster
//     (node_type r5d.4xlarge, development workspace) bills all 24 hours,
//     5.5 average days of the category's spend: that day is about six
//     times a normal day. That month otherwise
//     runs at 68 %, so the spike pushes it to about 80 % (past 75 %).
//
// # Prices
//
// One open row per SKU, all starting two years before the as-of month, in
// AWS, USD and DBU, except:
//
//   - PREMIUM_JOBS_COMPUTE costs 0.15 until, and 0.16 from, the first day of
//     the month 8 months before the as-of month (two rows whose windows meet).
//   - PREMIUM_SERVERLESS_SQL_COMPUTE_US_EAST_N_VIRGINIA costs 0.70 until the
//     15th of the month 3 months before the as-of month; from then on its
//     row has pricing.default 0.70, promotional 0.52 and effective_list 0.52.
//   - PREMIUM_DLT_ADVANCED_COMPUTE (0.36) has pricing.default only, no
//     effective_list, so the fallback rule decides its cost.
//   - SKUUnpriced, a GPU model serving SKU, has no row at all (see below).
//
// # Traps
//
// Category positions below are indexes into Division.Categories, taken
// modulo the number of categories.
//
//   - Corrections: 2 % of the hours of every category's nightly classic job,
//     up to 5 days before the as-of date, are emitted as three consecutive
//     records with the same keys: an ORIGINAL overstated by 25 % (ingested the
//     next day), its RETRACTION and the RESTATEMENT (both ingested 4 days
//     after the usage).
//   - Untagged, about 3 % of all spend: an interactive "scratch" cluster
//     whose tags lack OperationalCategory, and a serverless SQL warehouse
//     with no tags at all (custom_tags null, owner from owned_by).
//   - Unknown values, about 1.5 %: "SANDBOX" (interactive), "TBD" (a nightly
//     job) and "Navigation Sys" (serverless SQL) match no category.
//   - Values only normalisation matches: category 0's interactive clusters
//     write "deep space telemetry", category 1's nightly jobs
//     "Propulsion-Analytics", category 2's SQL Pro warehouse
//     " orbital_mechanics " (derived from each category's tag_value).
//   - No Owner tag: category 1's serverless jobs (owner from run_as),
//     category 2's serverless SQL (owned_by), category 3's Photon clusters
//     (created_by), and category 0's model serving endpoint, which has no
//     identity either: its owner is unknown.
//   - Unpriced: from the first of the month 3 months before the as-of month,
//     a GPU model serving endpoint on SKUUnpriced, tagged with the last
//     category (the first when the last is over budget), with about 1 % of
//     the division's budget worth of DBUs at a notional 0.10 USD/DBU. The
//     category's priced spend does not include it.
//
// # Shape
//
// Every category has 3-6 owners of its own (first.last@novadynamics.test;
// the configured Owners are alert recipients and are not used) and up to
// nine workloads across four workspaces (production analytics, production
// ML, development, BI). Tags are Team=SAD, CostCenter=ND-Analytics,
// Environment DEV (interactive) or PROD, Project, OperationalCategory and,
// usually, Owner. usage_metadata carries cluster_id and node_type for
// clusters, job_id, job_run_id (and cluster_id job-<job>-run-<run> on
// classic compute) for jobs, warehouse_id, dlt_pipeline_id or endpoint_name;
// identity_metadata names the owner as created_by (clusters), run_as (jobs)
// or owned_by (warehouses, pipelines). product_features.is_serverless and
// is_photon follow the SKU.
//
// Records come hour by hour. A record's CustomTags map is shared with the
// other records of the same workload and owner: consumers must treat it as
// read-only.
//
// # Size
//
// Config.Rows = 0 gives the natural size, about 220,000 records for the
// seven-category example division. Rows = N gives exactly N records over the
// same months and spend: every hour's share of rows is in proportion to its
// natural records (more or fewer clusters and jobs per hour), an hour too
// small to get a row passes its spend to its workload's next row, and a
// corrected hour borrows the two extra rows it needs from later hours. All
// traps are present from about 25,000 rows up.
package demo
