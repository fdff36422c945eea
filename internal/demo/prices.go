package demo

import (
	"time"

	"github.com/novadynamics/stellar-budget/internal/billing"
	"github.com/novadynamics/stellar-budget/internal/budget"
)

// Fixed identities of the demo account.
const (
	accountID = "7c4e2a51-0d3b-4f8e-9a61-2b5d8c0f1e77"
	cloud     = "AWS"
	currency  = "USD"
	dbu       = "DBU"
)

// SKUs the demo bills. SKUUnpriced has no list price row on purpose.
const (
	SKUAllPurpose       = "PREMIUM_ALL_PURPOSE_COMPUTE"
	SKUAllPurposePhoton = "PREMIUM_ALL_PURPOSE_COMPUTE_(PHOTON)"
	SKUJobs             = "PREMIUM_JOBS_COMPUTE"
	SKUJobsPhoton       = "PREMIUM_JOBS_COMPUTE_(PHOTON)"
	SKUJobsServerless   = "PREMIUM_JOBS_SERVERLESS_COMPUTE_US_EAST_N_VIRGINIA"
	SKUSQLPro           = "PREMIUM_SQL_PRO_COMPUTE_US_EAST_N_VIRGINIA"
	SKUServerlessSQL    = "PREMIUM_SERVERLESS_SQL_COMPUTE_US_EAST_N_VIRGINIA"
	SKUDLTAdvanced      = "PREMIUM_DLT_ADVANCED_COMPUTE"
	SKUModelServing     = "PREMIUM_SERVERLESS_REAL_TIME_INFERENCE_US_EAST_N_VIRGINIA"
	SKUUnpriced         = "PREMIUM_SERVERLESS_REAL_TIME_INFERENCE_GPU_US_EAST_N_VIRGINIA"
)

// unpricedRate is the USD per DBU the generator assumes for SKUUnpriced when
// it turns a spend target into a quantity; no price row says so.
const unpricedRate = 0.10

// priceRow is one list price in the generator's terms.
type priceRow struct {
	sku               string
	start, end        time.Time // end zero = open
	list, promotional string    // promotional "" = none
	noEffectiveList   bool      // only pricing.default, to exercise the fallback
}

func priceRows(c calendar) []priceRow {
	return []priceRow{
		{sku: SKUAllPurpose, start: c.priceStart, list: "0.55"},
		{sku: SKUAllPurposePhoton, start: c.priceStart, list: "0.55"},
		{sku: SKUJobs, start: c.priceStart, end: c.priceChange, list: "0.15"},
		{sku: SKUJobs, start: c.priceChange, list: "0.16"},
		{sku: SKUJobsPhoton, start: c.priceStart, list: "0.15"},
		{sku: SKUJobsServerless, start: c.priceStart, list: "0.35"},
		{sku: SKUSQLPro, start: c.priceStart, list: "0.55"},
		{sku: SKUServerlessSQL, start: c.priceStart, end: c.promoStart, list: "0.70"},
		{sku: SKUServerlessSQL, start: c.promoStart, list: "0.70", promotional: "0.52"},
		{sku: SKUDLTAdvanced, start: c.priceStart, list: "0.36", noEffectiveList: true},
		{sku: SKUModelServing, start: c.priceStart, list: "0.07"},
	}
}

// ListPrices returns the demo account's system.billing.list_prices: one open
// row per SKU from two years before the as-of month, except that
// PREMIUM_JOBS_COMPUTE changes price and serverless SQL gets a promotion (see
// the package documentation). SKUUnpriced has no row.
func ListPrices(cfg Config) []billing.ListPrice {
	rows := priceRows(newCalendar(cfg.AsOf))
	out := make([]billing.ListPrice, 0, len(rows))
	for _, r := range rows {
		p := billing.ListPrice{
			PriceStart:   r.start,
			AccountID:    accountID,
			SKUName:      r.sku,
			Cloud:        cloud,
			CurrencyCode: currency,
			UsageUnit:    dbu,
			Default:      budget.MustDecimal(r.list),
		}
		if !r.end.IsZero() {
			end := r.end
			p.PriceEnd = &end
		}
		effective := p.Default
		if r.promotional != "" {
			promo := budget.MustDecimal(r.promotional)
			p.Promotional, effective = &promo, promo
		}
		if !r.noEffectiveList {
			p.EffectiveList = &effective
		}
		out = append(out, p)
	}
	return out
}

// priceSpan is the USD per DBU a SKU costs from start on.
type priceSpan struct {
	start time.Time
	usd   float64
}

// priceSpans returns, per SKU, the prices the generator divides spend
// targets by, in start order, following the same rule as the attribution
// (effective_list, else default, for the row covering usage_end_time).
func priceSpans(c calendar) map[string][]priceSpan {
	spans := map[string][]priceSpan{SKUUnpriced: {{start: c.start, usd: unpricedRate}}}
	for _, p := range ListPrices(Config{AsOf: c.asOf}) {
		spans[p.SKUName] = append(spans[p.SKUName], priceSpan{start: p.PriceStart, usd: p.UnitPrice().Float64()})
	}
	return spans
}

// priceAt returns the price of usage that ended at t.
func priceAt(spans []priceSpan, t time.Time) float64 {
	usd := spans[0].usd
	for _, s := range spans[1:] {
		if !t.Before(s.start) {
			usd = s.usd
		}
	}
	return usd
}
