// Package demo generates the built-in synthetic Databricks account: rows of
// system.billing.usage and system.billing.list_prices for a division's
// categories, deterministic (seeded PCG, no clock, no map order: the same
// Config gives the same records on every machine) and streamed, so memory
// stays flat for any row count.
//
// # One account, read at a time
//
// The demo is one account whose every day is fixed by the calendar: a
// day's usage, its spend, its traps and its prices are the same whenever
// the account is read. Config.Through is the instant it is read at (UTC,
// truncated down to the hour): the usage hours that have ended by then
// (usage_end_time <= Through) and the records ingested before it exist,
// nothing later. The whole of a day d is Through = d + 24h; Through = d +
// 8h holds the hours 00:00-08:00 of d, and no record of a later hour.
//
// Only the edges of a read depend on Through. Usage starts on the first
// day of the month Months() (13) months before the month of the last usage
// day (the day of Through less a nanosecond), and every month's spend is
// set for the whole calendar month and spread over its hours before the
// read is cut, so a day reads the same in a read that ends on it, a week
// later or a year later (as long as it is in the window). Random draws are
// seeded per calendar month, and record_id and job_run_id come from the
// hour, the workload and the resource, so a record has the same id in
// every read that holds it. What does change with Through is which late
// records have arrived (see Corrections).
//
// # Time
//
// Usage is hourly (usage_start_time on the hour, usage_end_time an hour
// later, usage_date the date of the start, UTC). UTC is treated as the
// division's working time zone: interactive ALL_PURPOSE clusters run in
// weekday office hours (rarely at weekends), classic JOBS nightly
// 01:00-05:00 and a Photon job every six hours, serverless jobs on
// office-hour triggers and a six-hourly schedule, the SQL Pro warehouse
// 07:00-20:00 on weekdays, serverless SQL in bursts in office hours, DLT
// continuously (DEEP_SPACE_TELEMETRY) or triggered every four hours, and
// MODEL_SERVING endpoints from 06:00 to 23:00, busier in office hours.
// Weekends are therefore much quieter than weekdays.
//
// # Categories
//
// The scenario has seven categories of its own, and the account writes
// their tag values as the scenario spells them, whatever content/ says
// (scenarios in scenario.go). The account holds each of the seven that a
// content/ category names, exactly (after budget.NormalizeTag) or by a near
// miss (budget.NearTag): content/ that mistypes EXPLORATORY_MISSIONS as
// EXPLORATORY_MISIONS gets the very same account, whose EXPLORATORY_MISSIONS
// spend is then an unknown value beside a category with none, as real data
// would show. A scenario category content/ does not name is left out, so a
// small division stays small. A content/ category whose tag_value is
// neither a scenario tag nor a near miss of one is added under its own tag
// value with a modest generic spend (see Spend).
//
// # Spend
//
// Spend is a fixed scenario in USD, keyed by tag value; budgets play no
// part, so changing a budget in content/ moves a category's utilisation
// and never its spend. A category's usual month at today's level is:
//
//	DEEP_SPACE_TELEMETRY   9,000 USD   (shipped budget 12,500: 72 %)
//	PROPULSION_ANALYTICS   7,600 USD   ( 9,800: 78 %)
//	ORBITAL_MECHANICS      4,600 USD   ( 6,400: 72 %)
//	MATERIALS_SCIENCE      2,800 USD   ( 3,600: 78 %)
//	EXPLORATORY_MISSIONS   3,900 USD   ( 5,200: 75 %)
//	NAVIGATION_SYSTEMS     5,700 USD   ( 7,300: 78 %)
//	EXOPLANET_RESEARCH    10,650 USD   (14,200: 75 %)
//
// 44,250 USD a month together. A category the scenario does not know
// spends a modest 2,000-5,000 USD a month, in steps of 100 chosen by a hash
// of its normalised tag value, so the same tag always spends the same
// wherever it sits in the division.
//
// The division grows on the calendar: months up to October 2025 run at
// 82 % of today's level, the level rises linearly to 100 % in October 2026
// and stays there, so a read far in the future shows a division at
// today's level. Each category's month also gets a few percent of noise
// (97-103 %) drawn for its tag and calendar month. With the shipped
// budgets typical months land at 57-80 % of budget. A category's spend is
// split between its workloads by fixed shares and within a month in
// proportion to hourly activity; record quantities are the spend divided
// by the list price that applies (effective_list, else default, of the row
// covering usage_end_time), in micro-DBUs.
//
// Parts are cast by scenario tag; a part whose category the account does
// not hold falls back by position in the account's categories (the
// division's order), keeping the parts apart where it can:
//
//   - Over budget: EXPLORATORY_MISSIONS, else the last category not cast
//     as the spike or the unpriced one. Every month, without the growth, it
//     spends 1.6 times its usual month: 6,240 USD (6,050-6,430 with the
//     noise), 116-124 % of the shipped 5,200 budget. Its month to date
//     passes 75 % of that budget around the 19th, 90 % around the 23rd and
//     100 % around the 26th. Whether a category cast by position ends over
//     budget depends on its budget: against the shipped budgets any known
//     category would, at 115-125 %.
//   - Spike: EXOPLANET_RESEARCH, else the first category not over budget.
//     On the 10th of every month a forgotten ALL_PURPOSE cluster (node_type
//     r5d.4xlarge, development workspace, the same cluster every month)
//     bills all 24 hours, 5.5 average days of the category's month: that
//     day is six to seven times a normal day. The category's month
//     otherwise runs at 0.87 times its usual, so with the spike it spends
//     about 10,940 USD at today's level, 77 % of the shipped budget.
//   - Unpriced: PROPULSION_ANALYTICS, else the first category not over
//     budget; see Traps.
//
// Every other category stays at its usual level grown by the trend. The
// unattributed buckets and the unpriced endpoint are shares of the
// account's categories' usual months together, following the same growth:
// adding a category grows them, changing a budget does not.
//
// # Prices
//
// One open row per SKU from two years before the first usage month, in
// AWS, USD and DBU, except:
//
//   - PREMIUM_JOBS_COMPUTE changes price on the first day of every quarter:
//     0.15 in January-March and July-September, 0.16 in April-June and
//     October-December (one row per quarter, the windows meeting).
//   - PREMIUM_SERVERLESS_SQL_COMPUTE_US_EAST_N_VIRGINIA costs 0.70, and is
//     on promotion from the 15th of each quarter's second month (15
//     February, 15 May, 15 August, 15 November) to the quarter's end: that
//     row has pricing.default 0.70, promotional 0.52 and effective_list
//     0.52.
//   - PREMIUM_DLT_ADVANCED_COMPUTE (0.36) has pricing.default only, no
//     effective_list, so the fallback rule decides its cost.
//   - SKUUnpriced, a GPU model serving SKU, has no row at all (see below).
//
// A row that starts after Through does not exist yet; each SKU's last row
// is open (price_end_time null).
//
// # Traps
//
// Each trap on a workload is cast by scenario tag like the parts; when the
// account does not hold that category it goes to the category at the
// position given, modulo the number of categories.
//
//   - Corrections: the nightly classic job's four runs (01:00-04:00) of
//     every category on the 5th of every month are restated: one record of
//     each hour is an ORIGINAL overstated by 25 %, ingested on the 5th, and
//     its RETRACTION and RESTATEMENT follow with the same keys, ingested
//     on the 9th. Every other record is ingested on its usage date. A
//     record exists once its ingestion date has begun (ingestion_date <
//     Through), as in a real export: read as of the 5th to the 8th, the 5th
//     holds the overstated originals alone (its categories' day about 2-3 %
//     high), and from 00:00 on the 9th the corrections are there. So a day
//     is final as soon as it is over, except the 5th, which is final once
//     the 9th has begun: any day more than four days old is final.
//   - Untagged, about 3 % of all spend: an interactive "scratch" cluster
//     whose tags lack OperationalCategory, and a serverless SQL warehouse
//     with no tags at all (custom_tags null, owner from owned_by).
//   - Unknown values, about 1.5 %: "SANDBOX" (interactive), "TBD" (a nightly
//     job) and "Navigation Sys" (serverless SQL) match no category.
//   - Values only normalisation matches: DEEP_SPACE_TELEMETRY's interactive
//     clusters write "deep space telemetry" (else category 0's, in that
//     style), EXOPLANET_RESEARCH's nightly jobs "Exoplanet-Research" (else
//     category 1's) and EXPLORATORY_MISSIONS's SQL Pro warehouse
//     " exploratory_missions " (else category 2's).
//   - No Owner tag: EXOPLANET_RESEARCH's serverless jobs (owner from run_as;
//     else category 1's), EXPLORATORY_MISSIONS's serverless SQL (owned_by;
//     else category 2's), MATERIALS_SCIENCE's Photon clusters (created_by;
//     else category 3's), and DEEP_SPACE_TELEMETRY's model serving endpoint
//     (else category 0's), which has no identity either: its owner is
//     unknown. The workload a trap is cast on always exists.
//   - Unpriced: throughout the account, a GPU model serving endpoint (on the
//     model serving schedule) on SKUUnpriced, tagged with the unpriced category (see Spend), with
//     1 % of the categories' usual spend worth of DBUs at a notional 0.10
//     USD/DBU (up to 4,425 DBUs a month for the example division). The
//     category's priced spend does not include it.
//
// # Shape
//
// Every category has 3-6 owners of its own (first.last@novadynamics.test;
// the configured Owners are alert recipients and are not used), the same
// whichever other categories the division holds, and up to nine workloads
// across four workspaces (production analytics, production ML,
// development, BI). DEEP_SPACE_TELEMETRY, MATERIALS_SCIENCE and
// PROPULSION_ANALYTICS serve models; EXOPLANET_RESEARCH, MATERIALS_SCIENCE
// and ORBITAL_MECHANICS run their production jobs and pipelines in the ML
// workspace; a category the scenario does not know gets its mix from a
// hash of its tag. Tags are Team=SAD, CostCenter=ND-Analytics, Environment
// DEV (interactive) or PROD, Project, OperationalCategory and, usually,
// Owner. usage_metadata carries cluster_id and node_type for clusters
// (node types from the content/ category's policy), job_id, job_run_id (and
// cluster_id job-<job>-run-<run> on classic compute) for jobs,
// warehouse_id, dlt_pipeline_id or endpoint_name; identity_metadata names
// the owner as created_by (clusters), run_as (jobs) or owned_by
// (warehouses, pipelines). product_features.is_serverless and is_photon
// follow the SKU.
//
// Records come hour by hour. A record's CustomTags map is shared with the
// other records of the same workload and owner: consumers must treat it as
// read-only.
//
// # Size
//
// Config.Rows = 0 gives the natural size, about 225,000 records for the
// seven-category example division read as of a month's 23rd. Rows = N gives
// exactly N records over the same hours and spend: every hour's share of
// rows is in proportion to its natural records (more or fewer clusters and
// jobs per hour), an hour too small to get a row passes its spend to its
// workload's next row, and a corrected hour borrows the two extra rows it
// needs from later hours. Since the rows are spread over the read's
// window, only the natural size keeps every day's records independent of
// Through; with Rows = N a day's spend can move by those carries. All
// traps are present from about 25,000 rows up.
package demo
