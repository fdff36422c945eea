package forecast

import (
	"sync"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/billing"
	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/content"
	"github.com/novadynamics/stellar-budget/internal/demo"
)

// divisionSeries names the series of the whole division's spend (every
// priced record, attributed or not) among the demo's series.
const divisionSeries = "DIVISION"

var demoCache sync.Map // as-of date (time.Time) -> *demoEntry

type demoEntry struct {
	once   sync.Once
	series map[string]Series
	err    error
}

// demoSeries returns the demo account's daily list cost per category, plus
// the division total, from its first usage date through asOf, computed as
// the attribution does: the price row covering usage_end_time (effective
// list, else default), cost = quantity × price, the category by normalised
// OperationalCategory tag. Results are cached per as-of date for the test
// binary.
func demoSeries(t testing.TB, asOf time.Time) map[string]Series {
	t.Helper()
	v, _ := demoCache.LoadOrStore(asOf, &demoEntry{})
	e := v.(*demoEntry)
	e.once.Do(func() { e.series, e.err = loadDemo(asOf) })
	if e.err != nil {
		t.Fatal(e.err)
	}
	return e.series
}

func loadDemo(asOf time.Time) (map[string]Series, error) {
	div, err := content.Load("../../content")
	if err != nil {
		return nil, err
	}
	cfg := demo.Config{Division: div, Through: asOf.AddDate(0, 0, 1)}
	prices := map[string][]billing.ListPrice{}
	for _, p := range demo.ListPrices(cfg) {
		k := p.SKUName + "|" + p.Cloud + "|" + p.UsageUnit
		prices[k] = append(prices[k], p)
	}
	start := time.Date(asOf.Year(), asOf.Month()-time.Month(demo.Months()), 1, 0, 0, 0, 0, time.UTC)
	days := int(asOf.Sub(start).Hours()/24) + 1
	sums := map[string][]float64{}
	add := func(name string, day int, cost float64) {
		s, ok := sums[name]
		if !ok {
			s = make([]float64, days)
			sums[name] = s
		}
		s[day] += cost
	}
	err = demo.Usage(cfg, func(r billing.UsageRecord) error {
		price, ok := 0.0, false
		for _, p := range prices[r.SKUName+"|"+r.Cloud+"|"+r.UsageUnit] {
			if p.Covers(r.UsageEnd) {
				price, ok = p.UnitPrice().Float64(), true
				break
			}
		}
		if !ok {
			return nil // unpriced: no list cost
		}
		cost := r.UsageQuantity.Float64() * price
		day := int(r.UsageDate.Sub(start).Hours() / 24)
		category := budget.Unattributed
		if v := r.CustomTags[budget.CategoryTagKey]; v != "" {
			if c, ok := div.CategoryByTag(budget.NormalizeTag(v)); ok {
				category = c.TagValue
			}
		}
		if category != budget.Unattributed {
			add(category, day, cost)
		}
		add(divisionSeries, day, cost)
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := map[string]Series{}
	for name, v := range sums {
		out[name] = Series{Start: start, Values: v}
	}
	return out, nil
}
