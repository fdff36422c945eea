package site

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/charts"
	"github.com/novadynamics/stellar-budget/internal/report"
)

// Charts draw the report's own figures; every chart's numbers are also in a
// table next to it on the page, exact and readable with JavaScript off.
// Floats are used for drawing only.

func plotted(d budget.Decimal) float64 { return d.Round(2).Float64() }

// shareOf labels a pie slice with part's share of whole, rounded as every
// percentage is (pct), not by the chart's own rounding.
func shareOf(part, whole budget.Decimal) string {
	p, ok := budget.PercentOf(part.Rat(), whole.Rat())
	return pct(report.Percent{Value: p, Defined: ok})
}

// Colours of the figures that are not one category's spend, each at least
// 3:1 on white like the category palette.
const (
	actualColor   = "#068490"
	forecastColor = "#D8605A"
)

// chartSet is the charts of one kind of page, one typed field per chart, so
// the code that draws them cannot misname one. A layout names a chart with
// the chart function, which fails the render on a name the page does not
// have instead of drawing an empty box.
type chartSet interface {
	// named lists the charts by the names layouts use, in the order an
	// error lists them.
	named() []namedChart
}

type namedChart struct {
	name  string
	chart charts.Chart
}

// chart is how a layout names one of its page's charts:
//
//	{{ template "partials/chart.html" (chart .Charts "budget") }}
//
// An unknown name is an error, which html/template reports with the layout
// file and line.
func chart(set chartSet, name string) (charts.Chart, error) {
	if set == nil {
		return charts.Chart{}, fmt.Errorf("unknown chart %q: this page has no charts", name)
	}
	var names []string
	for _, c := range set.named() {
		if c.name == name {
			return c.chart, nil
		}
		names = append(names, c.name)
	}
	return charts.Chart{}, fmt.Errorf("unknown chart %q: this page's charts are %s", name, strings.Join(names, ", "))
}

// masterCharts are the charts of the master page and the leadership report.
// Without categories only the distribution and the hour profile are drawn;
// the others stay empty.
type masterCharts struct {
	distribution, budget, history, heatDays, heatHours charts.Chart
}

func (m *masterCharts) named() []namedChart {
	return []namedChart{
		{"distribution", m.distribution},
		{"budget", m.budget},
		{"history", m.history},
		{"heatdays", m.heatDays},
		{"heathours", m.heatHours},
	}
}

// categoryCharts are the charts of one category page.
type categoryCharts struct {
	daily, resources, owners, budget charts.Chart
}

func (c *categoryCharts) named() []namedChart {
	return []namedChart{
		{"daily", c.daily},
		{"resources", c.resources},
		{"owners", c.owners},
		{"budget", c.budget},
	}
}

// buildMasterCharts draws the charts of the master page and the leadership
// report.
func buildMasterCharts(r *report.Report) *masterCharts {
	out := &masterCharts{}

	var slices []charts.Slice
	// A category's colour is its position in the division, on every chart.
	for i, c := range r.Categories {
		slices = append(slices, charts.Slice{Name: c.Title, Value: plotted(c.MonthToDate), Color: charts.CategoryColor(i), Share: shareOf(c.MonthToDate, r.Totals.MonthToDate)})
	}
	slices = append(slices, charts.Slice{Name: "Unattributed", Value: plotted(r.Unattributed.MonthToDate.Total), Color: charts.UnattributedColor,
		Share: shareOf(r.Unattributed.MonthToDate.Total, r.Totals.MonthToDate)})
	out.distribution = charts.Pie("chart-distribution", fmt.Sprintf("Cost by category, %s to date", r.Month.Format("January 2006")), slices)

	if len(r.Categories) > 0 {
		var labels []string
		for _, m := range r.Categories[0].History {
			labels = append(labels, m.Month.Format("Jan 2006"))
		}
		var series []charts.Series
		for i, c := range r.Categories {
			s := charts.Series{Name: c.Title, Color: charts.CategoryColor(i)}
			for _, m := range c.History {
				s.Values = append(s.Values, plotted(m.Cost))
			}
			series = append(series, s)
		}
		s := charts.Series{Name: "Unattributed", Color: charts.UnattributedColor}
		for _, m := range r.Categories[0].History {
			s.Values = append(s.Values, plotted(r.Unattributed.ByMonth[m.Month]))
		}
		out.history = charts.StackedBars("chart-history", "Monthly cost by category, last 13 months", labels, append(series, s))

		var names []string
		budgetS := charts.Series{Name: "Budget", Color: charts.BudgetColor}
		actual := charts.Series{Name: "Month to date", Color: actualColor}
		forecast := charts.Series{Name: "Forecast", Color: forecastColor}
		for _, c := range r.Categories {
			names = append(names, c.Title)
			budgetS.Values = append(budgetS.Values, plotted(c.Budget))
			actual.Values = append(actual.Values, plotted(c.MonthToDate))
			forecast.Values = append(forecast.Values, plotted(c.Forecast.Value))
		}
		out.budget = charts.Bars("chart-budget", "Budget, month to date and forecast by category", names, []charts.Series{budgetS, actual, forecast}, true)

		var days []string
		for d := 1; d <= r.DaysElapsed; d++ {
			days = append(days, fmt.Sprint(d))
		}
		var values [][]float64
		for _, c := range r.Categories {
			row := make([]float64, r.DaysElapsed)
			for _, d := range c.MonthDays {
				row[d.Date.Day()-1] = plotted(d.Cost)
			}
			values = append(values, row)
		}
		out.heatDays = charts.Heatmap("chart-heat-days", fmt.Sprintf("Daily cost by category, %s", r.Month.Format("January 2006")), days, names, values)
	}

	hours := make([]string, 24)
	for h := range hours {
		hours[h] = fmt.Sprintf("%02d", h)
	}
	var weekdays []string
	var values [][]float64
	for _, wd := range weekOrder {
		weekdays = append(weekdays, wd.String()[:3])
		row := make([]float64, 24)
		for h := range row {
			row[h] = plotted(r.HourProfile.Cost[wd][h])
		}
		values = append(values, row)
	}
	out.heatHours = charts.Heatmap("chart-heat-hours", "Average cost by hour of day (UTC) and weekday, last 4 weeks", hours, weekdays, values)
	return out
}

// weekOrder lists weekdays Monday first, as a working week reads.
var weekOrder = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

// buildCategoryCharts draws the charts of one category page.
func buildCategoryCharts(r *report.Report, c *report.Category, index int) *categoryCharts {
	color := charts.CategoryColor(index)
	out := &categoryCharts{}

	// The month as a cumulative line against the budget, with the forecast
	// from today to the month end.
	var ts charts.TimeSeries
	last := c.Forecast
	asOfMTD := c.MonthToDate
	for d := 1; d <= r.DaysInMonth; d++ {
		ts.Days = append(ts.Days, fmt.Sprint(d))
		ts.Budget = append(ts.Budget, plotted(c.Budget))
		switch {
		case d <= len(c.MonthDays):
			ts.Actual = append(ts.Actual, plotted(c.MonthDays[d-1].MonthToDate))
		default:
			ts.Actual = append(ts.Actual, math.NaN())
		}
		if d < r.DaysElapsed {
			ts.ForecastLine = append(ts.ForecastLine, math.NaN())
			ts.Low = append(ts.Low, math.NaN())
			ts.High = append(ts.High, math.NaN())
			continue
		}
		frac := float64(d-r.DaysElapsed) / float64(max(r.DaysInMonth-r.DaysElapsed, 1))
		at := func(end budget.Decimal) float64 {
			return plotted(asOfMTD) + frac*(plotted(end)-plotted(asOfMTD))
		}
		ts.ForecastLine = append(ts.ForecastLine, at(last.Value))
		ts.Low = append(ts.Low, at(last.Low))
		ts.High = append(ts.High, at(last.High))
	}
	ts.Color = color
	for _, a := range r.Anomalies {
		if a.Category == c.TagValue && !a.Day.Before(r.Month) && !a.Day.After(r.AsOf) {
			if ts.Flags == nil {
				ts.Flags = map[int]string{}
			}
			ts.Flags[a.Day.Day()-1] = "unusual day"
		}
	}
	out.daily = charts.DailyCost("chart-daily", fmt.Sprintf("%s: cumulative spend in %s against the budget, with the forecast", c.Title, r.Month.Format("January 2006")), ts)

	var slices []charts.Slice
	for i, l := range c.ByResource {
		name := l.ResourceType
		if l.Serverless {
			name += " (serverless)"
		}
		slices = append(slices, charts.Slice{Name: name, Value: plotted(l.Cost), Color: charts.ResourceColor(i), Share: pct(l.Share)})
	}
	out.resources = charts.Pie("chart-resources", "Cost by resource type, month to date", slices)

	var owners []string
	spend := charts.Series{Name: "Month to date", Color: color}
	for _, o := range c.TopOwners {
		name := o.Owner
		if o.Others > 0 {
			name = fmt.Sprintf("%d others", o.Others)
		}
		owners = append(owners, name)
		spend.Values = append(spend.Values, plotted(o.Cost))
	}
	out.owners = charts.Bars("chart-owners", "Top owners, month to date", owners, []charts.Series{spend}, true)

	var months []string
	budgetS := charts.Series{Name: "Budget", Color: charts.BudgetColor}
	actual := charts.Series{Name: "Actual", Color: color}
	for _, m := range c.History {
		months = append(months, m.Month.Format("Jan 2006"))
		budgetS.Values = append(budgetS.Values, plotted(m.Budget))
		actual.Values = append(actual.Values, plotted(m.Cost))
	}
	out.budget = charts.Bars("chart-budget", "Budget and actual by month", months, []charts.Series{budgetS, actual}, false)
	return out
}
