-- Stellar Budget attribution: the one definition of how billing usage
-- becomes attributed cost. The same text runs on embedded DuckDB and on a
-- Databricks SQL warehouse; only the two source relations differ by engine.
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
--  7. Money: cost = usage_quantity (to 10 decimals) x unit price (to 8
--     decimals), summed as exact DECIMAL with 18 decimals; rounding to cents
--     happens once, where a figure is shown.
--  8. Facts: one row per (usage_date, category, attribution, unknown value,
--     owner, resource type, serverless, workspace, sku, priced); list prices
--     are in USD (the engine rejects others before this runs).
WITH usage AS (
{{.Usage}}
),
list_prices AS (
{{.Prices}}
),
categories (tag_value) AS (
  VALUES {{.Categories}}
),
normalised AS (
  SELECT
    u.*,
    translate(upper(trim(u.tag_category)), ' -', '__') AS tag_normalised,
    coalesce(
      nullif(trim(u.tag_owner), ''),
      nullif(trim(u.run_as), ''),
      nullif(trim(u.owned_by), ''),
      nullif(trim(u.created_by), ''),
      '(unknown)'
    ) AS owner
  FROM usage u
),
priced AS (
  SELECT
    n.*,
    coalesce(p.price_effective_list, p.price_default) AS unit_price
  FROM normalised n
  LEFT JOIN list_prices p
    ON  p.sku_name = n.sku_name
    AND p.cloud = n.cloud
    AND p.usage_unit = n.usage_unit
    AND n.usage_end_time >= p.price_start_time
    AND (p.price_end_time IS NULL OR n.usage_end_time < p.price_end_time)
)
SELECT
  p.usage_date,
  coalesce(c.tag_value, 'UNATTRIBUTED') AS category,
  CASE
    WHEN c.tag_value IS NOT NULL THEN 'attributed'
    WHEN coalesce(p.tag_normalised, '') = '' THEN 'untagged'
    ELSE 'unknown_value'
  END AS attribution,
  CASE
    WHEN c.tag_value IS NULL AND coalesce(p.tag_normalised, '') <> '' THEN trim(p.tag_category)
    ELSE ''
  END AS unknown_value,
  p.owner,
  coalesce(p.billing_origin_product, 'UNKNOWN') AS resource_type,
  coalesce(p.is_serverless, false) AS is_serverless,
  coalesce(p.workspace_id, '') AS workspace_id,
  p.sku_name,
  p.unit_price IS NOT NULL AS priced,
  CAST(sum(p.usage_quantity) AS VARCHAR) AS dbus,
  CAST(coalesce(sum(CAST(p.usage_quantity AS DECIMAL(38, 10)) * CAST(p.unit_price AS DECIMAL(38, 8))), 0) AS VARCHAR) AS cost,
  count(*) AS records
FROM priced p
LEFT JOIN categories c ON c.tag_value = p.tag_normalised
GROUP BY ALL
