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
// Spend is a fixed scenario in USD, keyed by tag value (usualSpend in
// scenario.go); budgets play no part, so changing a budget in content/
// moves a category's utilisation and never its spend. A category's usual
// month at today's level is:
//
//	DEEP_SPACE_TELEMETRY   9,000 USD   (shipped budget 12,500: 72 %)
//	PROPULSION_ANALYTICS   7,600 USD   ( 9,800: 78 %)
//	ORBITAL_MECHANICS      4,600 USD   ( 6,400: 72 %)
//	MATERIALS_SCIENCE      2,800 USD   ( 3,600: 78 %)
//	EXPLORATORY_MISSIONS   3,900 USD   ( 5,200: 75 %)
//	NAVIGATION_SYSTEMS     5,700 USD   ( 7,300: 78 %)
//	EXOPLANET_RESEARCH    10,650 USD   (14,200: 75 %)
//
// 44,250 USD a month together. A tag the scenario does not know (an added
// or renamed category) spends a modest 2,000-5,000 USD a month, in steps of
// 100 chosen by a hash of its normalised tag value, so the same tag always
// spends the same wherever it sits in the division. Months grow linearly from 82 % of the usual month in
// the first month to 100 % a year later, with a few percent of noise drawn
// per tag, so with the shipped budgets typical months land at 57-80 % of
// budget. A category's spend is split between its workloads by fixed shares
// and within a month in proportion to hourly activity; record quantities are
// the spend divided by the list price that applies (effective_list, else
// default, of the row covering usage_end_time), in micro-DBUs.
//
// Parts are cast by tag value; without the tag, or when it already plays
// the over-budget part, a part goes by position in Division.Categories.
//
//   - Over budget: EXPLORATORY_MISSIONS, else the last category. In the
//     as-of month its spend runs at 1.6 times its usual month (6,240 USD a
//     month, pro rata to the as-of date, day 1 included: 120 % of the shipped
//     5,200 budget, past 90 % from the 23rd of a 30-day month on). Its
//     previous month spends 1.15 times its usual month (4,485 USD, 86 %).
//     Whether a category cast by position ends over budget depends on its
//     budget: against the shipped budgets any known category would, at
//     115-125 %. Every other category stays at its usual level, below 85 %
//     of the shipped budgets.
//   - Spike: EXOPLANET_RESEARCH, else the second category (the first when
//     the second is over budget). On the first weekday on or after the 22nd
//     of the previous month (8 to 40 days before any as-of date) a forgotten
//     ALL_PURPOSE cluster (node_type r5d.4xlarge, development workspace)
//     bills all 24 hours, 5.5 average days of the category's spend that
//     month: that day is about six times a normal day. That month otherwise
//     runs at 0.9 times the usual month (9,585 USD, 67.5 % of the shipped
//     budget), so the spike pushes it to about 80 % (past 75 %).
//   - Unpriced: PROPULSION_ANALYTICS, else the last category (the first when
//     the last is over budget); see Traps.
//
// The unattributed buckets and the unpriced endpoint are shares of the
// configured categories' usual months together, following the same growth:
// adding a category grows them, changing a budget does not.
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
//   - Values only normalisation matches: category 0's interactive clusters,
//     category 1's nightly jobs and category 2's SQL Pro warehouse write their
//     tag_value the way people mistype it; with the shipped content/, whose
//     categories load in file name order, "deep space telemetry",
//     "Exoplanet-Research" and " exploratory_missions ".
//   - No Owner tag: category 1's serverless jobs (owner from run_as),
//     category 2's serverless SQL (owned_by), category 3's Photon clusters
//     (created_by), and category 0's model serving endpoint, which has no
//     identity either: its owner is unknown.
//   - Unpriced: from the first of the month 3 months before the as-of month,
//     a GPU model serving endpoint on SKUUnpriced, tagged with the unpriced
//     category (see Spend), with 1 % of the categories' usual spend worth of
//     DBUs at a notional 0.10 USD/DBU (up to 4,425 DBUs a month for the
//     example division). The category's priced spend does not include it.
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
