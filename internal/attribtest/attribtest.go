// Package attribtest is the attribution written a second time, in plain Go
// from attribution.sql's rules (DESIGN.md section 2), for tests to compare
// an engine's result with. It shares no code with the SQL and links no
// database: the engine tests check DuckDB's facts against it to the 18th
// decimal, and the forecast, anomaly and demo tests attribute the demo
// account with it without an engine.
//
// Tests only: nothing outside a _test.go file imports it.
package attribtest

import (
	"cmp"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/novadynamics/stellar-budget/internal/billing"
	"github.com/novadynamics/stellar-budget/internal/budget"
)

// Oracle attributes usage records one at a time, so a test can stream an
// account of any size through it. The zero value is not usable; call New.
type Oracle struct {
	configured map[string]bool
	prices     map[priceKey][]billing.ListPrice
	// Quantities are summed per fact and unit price and multiplied once
	// at the end, as the SQL does: exact either way, and fast.
	facts map[priced]budget.Decimal
	hours map[hourPriced]budget.Decimal
	rows  int64
	last  time.Time
}

type priceKey struct{ sku, cloud, unit string }

// factKey is a fact's identity, attribution.sql rule 9.
type factKey struct {
	date                         time.Time
	category                     string
	attribution                  budget.Attribution
	unknown, owner               string
	workloadType, workloadID     string
	resourceType, workspace, sku string
	serverless, priced           bool
}

// price is a unit price; ok is false when no price covers the usage.
type price struct {
	unit budget.Decimal
	ok   bool
}

type priced struct {
	fact  factKey
	price price
}

type hourPriced struct {
	date  time.Time
	hour  int
	price price
}

// New returns an oracle for the configured category tag values and the
// list_prices rows.
func New(tagValues []string, prices []billing.ListPrice) *Oracle {
	o := &Oracle{
		configured: map[string]bool{},
		prices:     map[priceKey][]billing.ListPrice{},
		facts:      map[priced]budget.Decimal{},
		hours:      map[hourPriced]budget.Decimal{},
	}
	for _, v := range tagValues {
		o.configured[v] = true
	}
	for _, p := range prices {
		k := priceKey{p.SKUName, p.Cloud, p.UsageUnit}
		o.prices[k] = append(o.prices[k], p)
	}
	return o
}

// Covering returns every price row of the record's SKU, cloud and unit
// whose [price_start_time, price_end_time) holds its usage_end_time (rule
// 2). More than one is a fault in the prices: the SQL's join would count
// the usage once per row.
func (o *Oracle) Covering(r billing.UsageRecord) []billing.ListPrice {
	var out []billing.ListPrice
	for _, p := range o.prices[priceKey{r.SKUName, r.Cloud, r.UsageUnit}] {
		if p.Covers(r.UsageEnd) {
			out = append(out, p)
		}
	}
	return out
}

// Classify gives the record's category (rule 5): the OperationalCategory
// tag normalised and matched against the configured values; else
// UNATTRIBUTED, untagged when the tag is absent or blank, unknown_value
// otherwise, with the trimmed raw value.
func (o *Oracle) Classify(r billing.UsageRecord) (category string, why budget.Attribution, unknown string) {
	raw, tagged := r.CustomTags[budget.CategoryTagKey]
	norm := budget.NormalizeTag(raw)
	switch {
	case o.configured[norm]:
		return norm, budget.Attributed, ""
	case !tagged || norm == "":
		return budget.Unattributed, budget.Untagged, ""
	default:
		return budget.Unattributed, budget.UnknownValue, strings.Trim(raw, " ")
	}
}

// Owner is rule 6: the Owner tag, else run_as, else owned_by, else
// created_by, trimmed, blanks counting as absent; else "(unknown)".
func Owner(r billing.UsageRecord) string {
	for _, o := range []string{r.CustomTags[budget.OwnerTagKey], r.Identity.RunAs, r.Identity.OwnedBy, r.Identity.CreatedBy} {
		if o = strings.Trim(o, " "); o != "" {
			return o
		}
	}
	return budget.UnknownOwner
}

// Workload is rule 7: the first of job_id, dlt_pipeline_id, warehouse_id,
// endpoint_name, cluster_id that is not blank, trimmed. (The SQL also
// reads endpoint_id, which billing.UsageMetadata does not carry.)
func Workload(m billing.UsageMetadata) (typ, id string) {
	for _, w := range []struct{ typ, id string }{
		{"job", m.JobID}, {"pipeline", m.DLTPipelineID}, {"warehouse", m.WarehouseID},
		{"endpoint", m.EndpointName}, {"cluster", m.ClusterID},
	} {
		if id := strings.Trim(w.id, " "); id != "" {
			return w.typ, id
		}
	}
	return "", ""
}

// Add attributes one record. Corrections are records like any other: a
// retraction's negative quantity is summed as it is (rule 4).
func (o *Oracle) Add(r billing.UsageRecord) error {
	var p price
	for _, row := range o.prices[priceKey{r.SKUName, r.Cloud, r.UsageUnit}] {
		if !row.Covers(r.UsageEnd) {
			continue
		}
		if p.ok {
			return fmt.Errorf("attribute %s: more than one price row of %s covers %s", r.RecordID, r.SKUName, r.UsageEnd.Format(time.RFC3339))
		}
		p = price{row.UnitPrice(), true}
	}
	k := factKey{
		date: r.UsageDate.UTC(), owner: Owner(r), resourceType: r.OriginProduct, workspace: r.WorkspaceID,
		sku: r.SKUName, serverless: r.Features.IsServerless, priced: p.ok,
	}
	k.category, k.attribution, k.unknown = o.Classify(r)
	k.workloadType, k.workloadID = Workload(r.Metadata)
	g := priced{k, p}
	o.facts[g] = o.facts[g].Add(r.UsageQuantity)
	h := hourPriced{k.date, r.UsageStart.UTC().Hour(), p}
	o.hours[h] = o.hours[h].Add(r.UsageQuantity)
	o.rows++
	if r.UsageEnd.After(o.last) {
		o.last = r.UsageEnd
	}
	return nil
}

// Rows is the number of records added.
func (o *Oracle) Rows() int64 { return o.rows }

// LastUsage is the latest usage_end_time added.
func (o *Oracle) LastUsage() time.Time { return o.last }

// Facts returns the facts, one per identity, ordered by date and then by
// the identity's fields. DBUs include unpriced usage; Cost is exact.
func (o *Oracle) Facts() ([]budget.Fact, error) {
	dbus, costs := map[factKey]budget.Decimal{}, map[factKey]*big.Rat{}
	for g, q := range o.facts {
		dbus[g.fact] = dbus[g.fact].Add(q)
		if costs[g.fact] == nil {
			costs[g.fact] = new(big.Rat)
		}
		if g.price.ok {
			costs[g.fact].Add(costs[g.fact], new(big.Rat).Mul(q.Rat(), g.price.unit.Rat()))
		}
	}
	out := make([]budget.Fact, 0, len(dbus))
	for k, q := range dbus {
		cost, err := exact(costs[k])
		if err != nil {
			return nil, fmt.Errorf("cost of %s %s %s: %w", k.date.Format(time.DateOnly), k.category, k.sku, err)
		}
		out = append(out, budget.Fact{
			Date: k.date, Category: k.category, Attribution: k.attribution, TagValue: k.unknown, Owner: k.owner,
			WorkloadType: k.workloadType, WorkloadID: k.workloadID, ResourceType: k.resourceType,
			Serverless: k.serverless, Workspace: k.workspace, SKU: k.sku, Priced: k.priced, DBUs: q, Cost: cost,
		})
	}
	slices.SortFunc(out, budget.CompareFacts)
	return out, nil
}

// Hourly returns the cost per usage_date and UTC hour of usage_start_time,
// whatever the category, in order; an hour of unpriced usage only costs 0.
func (o *Oracle) Hourly() ([]budget.HourCost, error) {
	type hour struct {
		date time.Time
		hour int
	}
	costs := map[hour]*big.Rat{}
	for h, q := range o.hours {
		k := hour{h.date, h.hour}
		if costs[k] == nil {
			costs[k] = new(big.Rat)
		}
		if h.price.ok {
			costs[k].Add(costs[k], new(big.Rat).Mul(q.Rat(), h.price.unit.Rat()))
		}
	}
	out := make([]budget.HourCost, 0, len(costs))
	for k, c := range costs {
		cost, err := exact(c)
		if err != nil {
			return nil, fmt.Errorf("cost of %s hour %d: %w", k.date.Format(time.DateOnly), k.hour, err)
		}
		out = append(out, budget.HourCost{Date: k.date, Hour: k.hour, Cost: cost})
	}
	slices.SortFunc(out, func(a, b budget.HourCost) int { return cmp.Or(a.Date.Compare(b.Date), cmp.Compare(a.Hour, b.Hour)) })
	return out, nil
}

// exact converts r to a Decimal, or fails if 18 decimals cannot hold it
// (the SQL's DECIMAL(38, 18) could not either).
func exact(r *big.Rat) (budget.Decimal, error) {
	d, err := budget.ParseDecimal(r.FloatString(18))
	if err != nil {
		return budget.Decimal{}, err
	}
	if d.Rat().Cmp(r) != 0 {
		return budget.Decimal{}, fmt.Errorf("%s has more than 18 decimals", r.RatString())
	}
	return d, nil
}

// DailyOptions choose what a daily series sums and how it rounds.
type DailyOptions struct {
	// Keep selects the facts summed; nil keeps every one.
	Keep func(budget.Fact) bool
	// Cents rounds each day's exact sum to the cent, half away from zero,
	// as a day is shown; otherwise days are exact.
	Cents bool
}

// Daily sums the cost of facts per usage_date for days days from start
// (UTC midnight); a day without facts is 0, facts outside are left out.
func Daily(facts []budget.Fact, start time.Time, days int, opt DailyOptions) []budget.Decimal {
	out := make([]budget.Decimal, days)
	for _, f := range facts {
		i := int(f.Date.Sub(start).Hours() / 24)
		if i < 0 || i >= days || opt.Keep != nil && !opt.Keep(f) {
			continue
		}
		out[i] = out[i].Add(f.Cost)
	}
	if opt.Cents {
		for i := range out {
			out[i] = out[i].Round(2)
		}
	}
	return out
}

// Cents rounds x to the cent, half away from zero, and writes it with two
// decimals; computed on the rational, independently of budget.Decimal, so
// a test can check the product's rounding with it.
func Cents(x *big.Rat) string {
	scaled := new(big.Rat).Mul(x, big.NewRat(100, 1))
	n := new(big.Int).Quo(scaled.Num(), scaled.Denom())
	rem := new(big.Rat).Sub(scaled, new(big.Rat).SetInt(n))
	half := big.NewRat(1, 2)
	if rem.Cmp(half) >= 0 {
		n.Add(n, big.NewInt(1))
	} else if rem.Cmp(new(big.Rat).Neg(half)) <= 0 {
		n.Sub(n, big.NewInt(1))
	}
	return new(big.Rat).SetFrac(n, big.NewInt(100)).FloatString(2)
}
