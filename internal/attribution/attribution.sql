-- Stellar Budget attribution: the one definition of how billing usage
-- becomes attributed cost. The same text runs on embedded DuckDB and on a
-- Databricks SQL warehouse; only the two source relations differ by engine.
-- Every product and sum is cast explicitly so both engines give the result
-- the same types (result.go): Databricks keeps at most 6 decimals of a
-- product of two DECIMAL(38,x), so the factors are narrowed to widths whose
-- exact product fits in DECIMAL(38,18) on both.
--
-- Order of operations:
--  1. usage and list_prices are the canonical relations of
--     system.billing.usage and system.billing.list_prices (one row per usage
--     record / price row; see columns.go for the columns).
--  2. Price: a usage row takes the list price of the same sku_name, cloud and
--     usage_unit whose [price_start_time, price_end_time) contains its
--     usage_end_time (a null price_end_time is open). The unit price is
--     pricing.effective_list.default, else pricing.default.
--  3. A usage row with no such price is unpriced: priced = false, cost 0,
--     still counted in DBUs and reported with its SKU; never silently zero.
--  4. Corrections: RETRACTION rows (negative quantity) and RESTATEMENT rows
--     are summed as they are, with the ORIGINAL rows.
--  5. Category: the OperationalCategory tag, trimmed of spaces, upper-cased,
--     with ' ' and '-' read as '_', matched against the configured
--     tag_values. Anything else is UNATTRIBUTED: "untagged" when the tag is
--     absent or empty, "unknown_value" otherwise (the trimmed raw value is
--     kept so it can be listed).
--  6. Owner: the Owner tag, else identity_metadata.run_as, else owned_by,
--     else created_by, else '(unknown)'; empty strings count as absent.
--  7. Workload: the job, pipeline, SQL warehouse, serving endpoint or
--     cluster behind the cost, from usage_metadata, the first of: job_id
--     (workload_type 'job', for every job run, serverless or classic: a
--     classic run's cluster_id names an ephemeral job cluster, the job is
--     what a reader can act on), dlt_pipeline_id ('pipeline'), warehouse_id
--     ('warehouse'), endpoint_name else endpoint_id ('endpoint', model
--     serving), cluster_id ('cluster'). Ids are trimmed of spaces and empty
--     ones count as absent; usage naming none of them has workload_type ''
--     and workload_id ''. The workspace is workspace_id, '' when null.
--  8. Money: cost = usage_quantity x unit price, exact DECIMAL with 18
--     decimals (quantities, summed per unit price, to 10 decimals and at most
--     9 integer digits; prices to 8); rounding to cents happens once, where a
--     figure is shown.
--  9. Facts, at the grain each output needs (result column grain), all
--     from one pass over the usage (grouping sets of one scan):
--     'month': one row per (calendar month, category, attribution, unknown
--       value, owner, workload type, workload id, resource type,
--       serverless, workspace, sku, priced); usage_date is the month's
--       first day.
--     'day': one row per (usage_date, category, attribution, unknown
--       value, owner, priced); the workload, resource type, workspace and
--       sku columns are '' and serverless is false.
--     'detail': the full breakdown of 'month' per usage_date, for the days
--       from detail_from on only. detail_from is the caller's (the embedded
--       engine asks for the latest usage_date first when a build names no
--       as-of: budget.DetailStart of it); every row carries it.
--     'hour': cost per usage_date and UTC hour of usage_start_time
--       (usage_hour) for the time-of-day view.
--     List prices are in USD (the engine rejects others before this runs).
--     Every row carries the latest usage_end_time of its group, so the
--     caller knows how far the data reaches.
WITH usage AS (
{{.Usage}}
),
list_prices AS (
{{.Prices}}
),
-- Rule 9: the first day of the detail grain.
detail_start AS (
  SELECT DATE '{{.DetailFrom}}' AS detail_from
),
categories AS (
  SELECT tag_value FROM (VALUES {{.Categories}}) AS configured (tag_value)
),
-- Rule 7, the part that needs each record: the usage_metadata field that
-- names its workload. Only that field's value goes on, untrimmed, so a
-- classic job run's per-run cluster_id never splits a group.
workload_named AS (
  SELECT
    *,
    CASE
      WHEN trim(job_id) <> '' THEN 'job_id'
      WHEN trim(dlt_pipeline_id) <> '' THEN 'dlt_pipeline_id'
      WHEN trim(warehouse_id) <> '' THEN 'warehouse_id'
      WHEN trim(endpoint_name) <> '' THEN 'endpoint_name'
      WHEN trim(endpoint_id) <> '' THEN 'endpoint_id'
      WHEN trim(cluster_id) <> '' THEN 'cluster_id'
    END AS workload_field
  FROM usage
),
-- Rules 2-4: price each record; corrections are rows like any other.
priced AS (
  SELECT
    u.usage_date, u.usage_hour,
    make_date(year(u.usage_date), month(u.usage_date), 1) AS usage_month,
    -- Null before the detail grain: those records fall in one group per
    -- breakdown, dropped below, instead of one per day.
    CASE WHEN u.usage_date >= d.detail_from THEN u.usage_date END AS detail_date,
    u.tag_category, u.tag_owner, u.run_as, u.owned_by, u.created_by,
    u.workload_field,
    CASE u.workload_field
      WHEN 'job_id' THEN u.job_id
      WHEN 'dlt_pipeline_id' THEN u.dlt_pipeline_id
      WHEN 'warehouse_id' THEN u.warehouse_id
      WHEN 'endpoint_name' THEN u.endpoint_name
      WHEN 'endpoint_id' THEN u.endpoint_id
      WHEN 'cluster_id' THEN u.cluster_id
    END AS workload_raw,
    u.billing_origin_product, u.is_serverless, u.workspace_id, u.sku_name,
    u.usage_quantity, u.usage_end_time,
    coalesce(p.price_effective_list, p.price_default) AS unit_price
  FROM workload_named u
  CROSS JOIN detail_start d
  LEFT JOIN list_prices p
    ON  p.sku_name = u.sku_name
    AND p.cloud = u.cloud
    AND p.usage_unit = u.usage_unit
    AND u.usage_end_time >= p.price_start_time
    AND u.usage_end_time < coalesce(p.price_end_time, TIMESTAMP '9999-12-31 00:00:00')
),
-- Sum per raw tag, identity and workload values and per unit price before
-- rules 5-8: normalising and multiplying once per group gives the same
-- exact result as doing it on every record, at a fraction of the cost.
grouped AS (
  SELECT
    CASE
      WHEN GROUPING(usage_month) = 0 THEN 'month'
      WHEN GROUPING(detail_date) = 0 THEN 'detail'
      WHEN GROUPING(usage_hour) = 0 THEN 'hour'
      ELSE 'day'
    END AS grain,
    coalesce(usage_month, detail_date, usage_date) AS fact_date,
    usage_hour, tag_category, tag_owner, run_as, owned_by, created_by,
    workload_field, workload_raw,
    billing_origin_product, is_serverless, workspace_id, sku_name, unit_price,
    CAST(sum(usage_quantity) AS DECIMAL(38, 18)) AS dbus,
    CAST(count(*) AS BIGINT) AS records,
    max(usage_end_time) AS last_usage_end
  FROM priced
  GROUP BY GROUPING SETS (
    (usage_month, tag_category, tag_owner, run_as, owned_by, created_by,
     workload_field, workload_raw,
     billing_origin_product, is_serverless, workspace_id, sku_name, unit_price),
    (usage_date, tag_category, tag_owner, run_as, owned_by, created_by, unit_price),
    (detail_date, tag_category, tag_owner, run_as, owned_by, created_by,
     workload_field, workload_raw,
     billing_origin_product, is_serverless, workspace_id, sku_name, unit_price),
    -- The time-of-day view: cost by date and hour, whatever the category.
    (usage_date, usage_hour, unit_price)
  )
),
-- Rules 5, 6 and 7.
attributed AS (
  SELECT
    g.*,
    translate(upper(trim(g.tag_category)), ' -', '__') AS tag_normalised,
    coalesce(
      nullif(trim(g.tag_owner), ''),
      nullif(trim(g.run_as), ''),
      nullif(trim(g.owned_by), ''),
      nullif(trim(g.created_by), ''),
      '(unknown)'
    ) AS owner
  FROM grouped g
  -- The detail of the days before detail_from.
  WHERE g.fact_date IS NOT NULL
),
labelled AS (
  SELECT
    a.grain,
    a.fact_date AS usage_date,
    a.usage_hour,
    coalesce(c.tag_value, 'UNATTRIBUTED') AS category,
    CASE
      WHEN c.tag_value IS NOT NULL THEN 'attributed'
      WHEN coalesce(a.tag_normalised, '') = '' THEN 'untagged'
      ELSE 'unknown_value'
    END AS attribution,
    CASE
      WHEN c.tag_value IS NULL AND coalesce(a.tag_normalised, '') <> '' THEN trim(a.tag_category)
      ELSE ''
    END AS unknown_value,
    a.owner,
    CASE a.workload_field
      WHEN 'job_id' THEN 'job'
      WHEN 'dlt_pipeline_id' THEN 'pipeline'
      WHEN 'warehouse_id' THEN 'warehouse'
      WHEN 'endpoint_name' THEN 'endpoint'
      WHEN 'endpoint_id' THEN 'endpoint'
      WHEN 'cluster_id' THEN 'cluster'
      ELSE ''
    END AS workload_type,
    coalesce(trim(a.workload_raw), '') AS workload_id,
    CASE
      WHEN a.grain IN ('day', 'hour') THEN ''
      ELSE coalesce(a.billing_origin_product, 'UNKNOWN')
    END AS resource_type,
    coalesce(a.is_serverless, false) AS is_serverless,
    coalesce(a.workspace_id, '') AS workspace_id,
    coalesce(a.sku_name, '') AS sku_name,
    a.unit_price IS NOT NULL AS priced,
    a.dbus,
    CAST(CAST(a.dbus AS DECIMAL(19, 10)) * CAST(a.unit_price AS DECIMAL(18, 8)) AS DECIMAL(38, 18)) AS cost,
    a.records,
    a.last_usage_end
  FROM attributed a
  LEFT JOIN categories c ON c.tag_value = a.tag_normalised
)
-- Rules 8 and 9: the grains (the hourly rows' category and workload
-- columns are those of a row without tags or metadata, and unused).
SELECT
  l.grain,
  usage_date, usage_hour, category, attribution, unknown_value, owner,
  workload_type, workload_id, resource_type, is_serverless, workspace_id, sku_name, priced,
  CAST(sum(dbus) AS DECIMAL(38, 18)) AS dbus,
  CAST(coalesce(sum(cost), 0) AS DECIMAL(38, 18)) AS cost,
  CAST(sum(records) AS BIGINT) AS records,
  max(last_usage_end) AS last_usage_end,
  d.detail_from
FROM labelled l
CROSS JOIN detail_start d
GROUP BY ALL
