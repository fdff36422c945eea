// Package alerting decides which alerts a division's spend raises: a pure
// function of the daily spend, the budgets and the anomalies found, for
// every month the site shows, whether or not a build delivers them
// (package notify does that, and package ledger remembers it).
//
// Rules, per category:
//
//  1. threshold: the first day of a month on which the month's cumulative
//     spend reached a configured threshold of the budget in force that
//     month (spend×100 ≥ threshold×budget, spend > 0); once per month and
//     threshold. A later retraction that takes the spend back below does
//     not undo it: the alert was raised that day.
//  2. forecast: the first day of a month on which the month-end forecast
//     made from the data through that day reached 100 % of the budget;
//     once per month. A last day the data holds only in part is forecast
//     as package forecast's MonthEndPartial says.
//  3. anomaly: a day whose spend was far outside its expected range (see
//     package anomaly); once per day.
//
// Time is the day it happened in the data. Alerts come ordered by time,
// then category in configuration order, then kind and threshold, with
// Status AlertNotSent: delivery fills it in.
package alerting

import (
	"cmp"
	"math/big"
	"slices"
	"sync"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/forecast"
)

// Bucket is one category's configuration and its daily spend, rounded
// the way every page shows it.
type Bucket struct {
	Category budget.Category
	Daily    budget.Daily
}

// Anomaly is an unusual day, as package anomaly found it.
type Anomaly struct {
	Category string // tag_value
	Day      time.Time
	Actual   budget.Decimal
	Expected budget.Decimal
	Reason   string // its top contributor, in a few words
}

// Input is everything the alerts depend on.
type Input struct {
	Buckets    []Bucket
	Thresholds []int       // percent of budget, ascending
	Months     []time.Time // first days of the months shown, oldest first
	Current    time.Time   // first day of the report's month: budgets are in force as of it
	DataDay    time.Time   // the last day with data; nothing after it is judged
	// PartialDay says the data ends partway through DataDay: its forecast
	// leaves the day out of the model and counts its spend so far
	// (forecast.Model.MonthEndPartial), so an export cut at any hour raises
	// no forecast alert that the whole day would not.
	PartialDay bool
	Anomalies  []Anomaly
	// Memo keeps the forecast rule's forecasts between builds; nil keeps
	// none.
	Memo *Memo
}

// Evaluate returns every alert the input raises (see the package rules).
func Evaluate(in Input) []budget.Alert {
	order := map[string]int{}
	perBucket := make([][]budget.Alert, len(in.Buckets))
	var wg sync.WaitGroup
	for i, b := range in.Buckets {
		order[b.Category.TagValue] = i
		// The forecast rule fits a model a day: categories in parallel.
		wg.Add(1)
		go func() {
			defer wg.Done()
			perBucket[i] = append(thresholdAlerts(b, in), forecastAlerts(b, in)...)
		}()
	}
	wg.Wait()
	var out []budget.Alert
	for _, a := range perBucket {
		out = append(out, a...)
	}
	for _, an := range in.Anomalies {
		i, ok := order[an.Category]
		if !ok || an.Day.After(in.DataDay) || len(in.Months) == 0 || an.Day.Before(in.Months[0]) {
			continue
		}
		c := in.Buckets[i].Category
		month := monthOf(an.Day)
		out = append(out, budget.Alert{
			Category: c.TagValue, Title: c.Title, Kind: budget.AlertAnomaly, Month: month, Time: an.Day,
			Value: an.Actual, Expected: an.Expected, Budget: c.BudgetFor(month, in.Current),
			Reason: an.Reason, Owners: c.Owners, Status: budget.AlertNotSent,
		})
	}
	kindOrder := map[string]int{budget.AlertThreshold: 0, budget.AlertForecast: 1, budget.AlertAnomaly: 2}
	slices.SortStableFunc(out, func(a, b budget.Alert) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(order[a.Category], order[b.Category]),
			cmp.Compare(kindOrder[a.Kind], kindOrder[b.Kind]), cmp.Compare(a.Threshold, b.Threshold))
	})
	return out
}

// thresholdAlerts walks each month day by day (rule 1).
func thresholdAlerts(b Bucket, in Input) []budget.Alert {
	var out []budget.Alert
	c := b.Category
	for _, m := range in.Months {
		monthBudget := c.BudgetFor(m, in.Current)
		crossed := map[int]bool{}
		var cumulative budget.Decimal
		for d := m; d.Before(m.AddDate(0, 1, 0)) && !d.After(in.DataDay); d = d.AddDate(0, 0, 1) {
			cumulative = cumulative.Add(b.Daily[d].Cost)
			for _, th := range in.Thresholds {
				if crossed[th] || !Reached(cumulative, monthBudget, th) {
					continue
				}
				crossed[th] = true
				out = append(out, budget.Alert{
					Category: c.TagValue, Title: c.Title, Kind: budget.AlertThreshold, Month: m, Time: d,
					Threshold: th, Value: cumulative, Budget: monthBudget, Owners: c.Owners, Status: budget.AlertNotSent,
				})
			}
		}
	}
	return out
}

// forecastAlerts finds, for each month, the first day whose month-end
// forecast reached the budget (rule 2).
func forecastAlerts(b Bucket, in Input) []budget.Alert {
	series, ok := forecast.SeriesOf(b.Daily, in.DataDay)
	if !ok {
		return nil
	}
	var out []budget.Alert
	c := b.Category
	var keys []string
	if in.Memo != nil {
		keys = prefixKeys(series)
	}
	for _, m := range in.Months {
		monthBudget := c.BudgetFor(m, in.Current)
		limit := monthBudget.Float64()
		for d := m; d.Before(m.AddDate(0, 1, 0)) && !d.After(in.DataDay); d = d.AddDate(0, 0, 1) {
			if d.Before(series.Start) {
				continue
			}
			var point float64
			if partial := in.PartialDay && d.Equal(in.DataDay); partial || in.Memo == nil {
				point = monthEnd(series, d, partial).Value
			} else {
				point = in.Memo.monthEndValue(series, d, keys[int(d.Sub(series.Start).Hours()/24)])
			}
			if point < limit {
				continue
			}
			value := budget.CentsOf(point)
			out = append(out, budget.Alert{
				Category: c.TagValue, Title: c.Title, Kind: budget.AlertForecast, Month: m, Time: d,
				Threshold: 100, Value: value, Forecast: value, Budget: monthBudget,
				Owners: c.Owners, Status: budget.AlertNotSent,
			})
			break
		}
	}
	return out
}

// monthEnd is the month-end forecast from the data through day d (its
// point alone: no probability is asked); a partial day is left out of the
// model and its spend so far added.
func monthEnd(series forecast.Series, d time.Time, partial bool) forecast.Result {
	if !partial {
		return forecast.MonthEnd(series, d, forecast.Limit{})
	}
	spent := series.Values[int(d.Sub(series.Start).Hours()/24)]
	return forecast.Fit(series, d.AddDate(0, 0, -1)).MonthEndPartial(forecast.Limit{}, spent)
}

// Reached reports whether spend has reached threshold % of a budget,
// compared exactly. Spend of zero or less reaches nothing, so a zero
// budget is breached by the first positive cent.
func Reached(spend, monthlyBudget budget.Decimal, threshold int) bool {
	if spend.Sign() <= 0 {
		return false
	}
	lhs := new(big.Rat).Mul(spend.Rat(), big.NewRat(100, 1))
	rhs := new(big.Rat).Mul(monthlyBudget.Rat(), big.NewRat(int64(threshold), 1))
	return lhs.Cmp(rhs) >= 0
}

func monthOf(t time.Time) time.Time {
	y, m, _ := t.UTC().Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
}
