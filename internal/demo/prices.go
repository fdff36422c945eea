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

// Prices that change on the calendar: PREMIUM_JOBS_COMPUTE steps between
// two list prices on the first day of every quarter, and serverless SQL is
// on promotion from the 15th of each quarter's second month to the end of
// the quarter.
const (
	jobsOddQuarter  = "0.15" // January-March and July-September
	jobsEvenQuarter = "0.16" // April-June and October-December
	sqlList         = "0.70"
	sqlPromotional  = "0.52"
)

func priceRows(c calendar) []priceRow {
	start := c.priceStart()
	rows := []priceRow{
		{sku: SKUAllPurpose, start: start, list: "0.55"},
		{sku: SKUAllPurposePhoton, start: start, list: "0.55"},
	}
	rows = append(rows, steps(c, priceRow{sku: SKUJobs}, func(q time.Time) []priceRow {
		list := jobsOddQuarter
		if q.Month() == time.April || q.Month() == time.October {
			list = jobsEvenQuarter
		}
		return []priceRow{{start: q, list: list}}
	})...)
	rows = append(rows,
		priceRow{sku: SKUJobsPhoton, start: start, list: "0.15"},
		priceRow{sku: SKUJobsServerless, start: start, list: "0.35"},
		priceRow{sku: SKUSQLPro, start: start, list: "0.55"},
	)
	rows = append(rows, steps(c, priceRow{sku: SKUServerlessSQL}, func(q time.Time) []priceRow {
		return []priceRow{
			{start: q, list: sqlList},
			{start: q.AddDate(0, 1, promoDayOfMonth-1), list: sqlList, promotional: sqlPromotional},
		}
	})...)
	return append(rows,
		priceRow{sku: SKUDLTAdvanced, start: start, list: "0.36", noEffectiveList: true},
		priceRow{sku: SKUModelServing, start: start, list: "0.07"},
	)
}

// steps returns the rows of a price that changes on the calendar: quarter
// gives the rows that start in quarter q, in time order. The first row
// starts with the price list and takes the price in force at the first
// usage hour; rows that start after through do not exist yet, and the last
// row is open.
func steps(c calendar, sku priceRow, quarter func(q time.Time) []priceRow) []priceRow {
	var rows []priceRow
	for q := quarterOf(c.start); !q.After(c.through); q = q.AddDate(0, 3, 0) {
		for _, r := range quarter(q) {
			r.sku = sku.sku
			switch {
			case r.start.After(c.through):
				return rows
			case len(rows) == 0 || !r.start.After(c.start):
				r.start = c.priceStart()
				rows = append(rows[:0], r)
			default:
				rows[len(rows)-1].end = r.start
				rows = append(rows, r)
			}
		}
	}
	return rows
}

// ListPrices returns the demo account's system.billing.list_prices as read
// at cfg.Through: one open row per SKU from two years before the first
// usage month, except that PREMIUM_JOBS_COMPUTE changes price every quarter
// and serverless SQL is on promotion in part of every quarter (see the
// package documentation). Rows that start after cfg.Through do not exist
// yet. SKUUnpriced has no row.
func ListPrices(cfg Config) []billing.ListPrice {
	rows := priceRows(newCalendar(cfg.Through))
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
	for _, p := range ListPrices(Config{Through: c.through}) {
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
