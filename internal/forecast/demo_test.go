package forecast

import (
	"sync"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/attribtest"
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

// demoSeries returns the demo account's daily list cost per configured
// category, plus the division total (every priced record, attributed or
// not), from its first usage date through asOf, attributed by the pure-Go
// oracle: the days are exact sums, as float64. A category without priced
// usage has no series. Results are cached per as-of date for the test
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
	oracle := attribtest.New(div.TagValues(), demo.ListPrices(cfg))
	if err := demo.Usage(cfg, oracle.Add); err != nil {
		return nil, err
	}
	facts, err := oracle.Facts()
	if err != nil {
		return nil, err
	}
	start := time.Date(asOf.Year(), asOf.Month()-time.Month(demo.Months()), 1, 0, 0, 0, 0, time.UTC)
	days := int(asOf.Sub(start).Hours()/24) + 1
	series := func(keep func(budget.Fact) bool) Series {
		s := Series{Start: start, Values: make([]float64, days)}
		for i, d := range attribtest.Daily(facts, start, days, attribtest.DailyOptions{Keep: keep}) {
			s.Values[i] = d.Float64()
		}
		return s
	}
	out := map[string]Series{divisionSeries: series(func(f budget.Fact) bool { return f.Priced })}
	for _, f := range facts {
		if _, done := out[f.Category]; !done && f.Priced && f.Category != budget.Unattributed {
			category := f.Category
			out[category] = series(func(f budget.Fact) bool { return f.Priced && f.Category == category })
		}
	}
	return out, nil
}
