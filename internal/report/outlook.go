package report

import (
	"slices"
	"strings"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/forecast"
)

// Forecasts come from package forecast (its model and why it was chosen are
// in its documentation). This file turns a bucket's daily spend into the
// model's series and its results into the report's exact, rounded figures.

// TopOwnerOutlooks is how many owners the pages list by their outlook
// (Report.TopOwners); the
// snapshot has them all.
const TopOwnerOutlooks = 15

// BurnDays is the horizon of an owner's burn forecast.
const BurnDays = 30

// OwnerOutlook is one owner's month across the division and what they are
// predicted to spend next.
type OwnerOutlook struct {
	Owner       string
	MonthToDate budget.Decimal
	Forecast    Forecast // month end
	// Burn is the spend predicted over the BurnDays days after the last
	// whole data day (a partial last day is the first of them), with its 80 % interval.
	Burn Forecast
	// Series is the owner's recent spend day by day across the division
	// (see Series), rounded on its own as every bucket's days are.
	Series Series
}

// fromResult turns a model result into a Forecast. The point forecast is
// rounded to cents and the interval kept around it, so a rounding never
// puts the value outside its own range.
func fromResult(r forecast.Result) Forecast {
	f := Forecast{
		Value:                 budget.CentsOf(r.Value),
		Low:                   budget.CentsOf(r.Low80),
		High:                  budget.CentsOf(r.High80),
		Low95:                 budget.CentsOf(r.Low95),
		High95:                budget.CentsOf(r.High95),
		ProbabilityOverBudget: r.ProbabilityOverBudget,
		Method:                r.Method,
	}
	f.Low, f.Low95 = minDecimal(f.Low, f.Value), minDecimal(f.Low95, f.Low)
	f.High, f.High95 = maxDecimal(f.High, f.Value), maxDecimal(f.High95, f.High)
	return f
}

func minDecimal(a, b budget.Decimal) budget.Decimal {
	if a.Cmp(b) < 0 {
		return a
	}
	return b
}

func maxDecimal(a, b budget.Decimal) budget.Decimal {
	if a.Cmp(b) > 0 {
		return a
	}
	return b
}

// monthForecast forecasts the as-of month's total of a bucket from its
// daily spend through the last data day. With no data day in the month
// yet there is nothing to project from: the forecast is the month to date
// (zero), said so by its method. The probability of ending over the budget
// is judged against the exact month to date (see forecast.Limit).
func monthForecast(days budget.Daily, p period, monthBudget budget.Decimal) Forecast {
	mtd := days.Sum(p.month, p.asOf).Cost
	m, ok := p.modelOf(days)
	if !ok || p.dataDays == 0 {
		return Forecast{Value: mtd, Low: mtd, High: mtd, Low95: mtd, High95: mtd, Method: ForecastNoData}
	}
	return fromResult(m.monthEnd(forecast.Against(monthBudget, mtd)))
}

// fitted is a bucket's forecasting model with the partial day after it.
type fitted struct {
	*forecast.Model
	partial    bool
	partialUSD float64 // what the partial day spent so far
}

// monthEnd forecasts the month of the last data day.
func (m fitted) monthEnd(limit forecast.Limit) forecast.Result {
	if m.partial {
		return m.MonthEndPartial(limit, m.partialUSD)
	}
	return m.MonthEnd(limit)
}

// modelOf fits the forecasting model on a bucket's days through the last
// whole data day. When the data ends partway through its last day, that
// day is left out of the model and its spend so far enters the month-end
// forecast as forecast.Model.MonthEndPartial says: the day counts as the
// larger of that spend and the model's expectation for the whole day, so
// an export cut at any hour forecasts what the same export cut at the
// midnight before does, unless the day already spent more. ok is false
// when no day of spend lies up to the last data day.
func (p period) modelOf(days budget.Daily) (fitted, bool) {
	through := p.lastComplete()
	if series, ok := forecast.SeriesOf(days, through); ok {
		m := fitted{Model: forecast.Fit(series, through), partial: p.partial}
		if p.partial {
			m.partialUSD = days[p.dataDay].Cost.Float64()
		}
		return m, true
	}
	// Nothing before the partial day: it is all there is to project from.
	series, ok := forecast.SeriesOf(days, p.dataDay)
	if !ok {
		return fitted{}, false
	}
	return fitted{Model: forecast.Fit(series, p.dataDay)}, true
}

// TopOwners are the owners the pages list by their outlook: the
// TopOwnerOutlooks largest by month to date.
func (r *Report) TopOwners() []OwnerOutlook {
	return r.Owners[:min(len(r.Owners), TopOwnerOutlooks)]
}

// ownerOutlooks forecasts every owner's month end and next BurnDays days,
// across the division, from their daily spend; month to date descending.
func ownerOutlooks(facts []budget.Fact, p period) []OwnerOutlook {
	byOwner := map[string]budget.Daily{}
	for _, f := range facts {
		if byOwner[f.Owner] == nil {
			byOwner[f.Owner] = budget.Daily{}
		}
		byOwner[f.Owner].AddFact(f)
	}
	var out []OwnerOutlook
	for owner, days := range byOwner {
		days.RoundCents()
		o := OwnerOutlook{Owner: owner, MonthToDate: days.Sum(p.month, p.asOf).Cost}
		model, ok := p.modelOf(days)
		if !ok || p.dataDays == 0 {
			continue // no spend up to the last data day, or none this month to project
		}
		o.Forecast = fromResult(model.monthEnd(forecast.Limit{})) // owners have no budget
		o.Burn = fromResult(model.Burn(BurnDays))
		o.Series = p.seriesOf(days)
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b OwnerOutlook) int {
		if c := b.MonthToDate.Cmp(a.MonthToDate); c != 0 {
			return c
		}
		return strings.Compare(a.Owner, b.Owner)
	})
	return out
}

// forecastQuality backtests the model on each category's history and the
// division's, the figures the site publishes with the forecasts.
func forecastQuality(cats []Category, daily map[string]budget.Daily, division budget.Daily, p period) forecast.Report {
	series := map[string]forecast.Series{}
	through := p.lastComplete() // a partial day is no day's outcome
	for _, c := range cats {
		if s, ok := forecast.SeriesOf(daily[c.TagValue], through); ok {
			series[c.TagValue] = s
		}
	}
	if s, ok := forecast.SeriesOf(division, through); ok {
		series["division"] = s
	}
	return forecast.Backtest(series, nil)
}

// divisionDays sums every bucket's (rounded) days.
func divisionDays(daily map[string]budget.Daily) budget.Daily {
	out := budget.Daily{}
	for _, days := range daily {
		for d, s := range days {
			out[d] = out[d].Plus(s)
		}
	}
	return out
}
