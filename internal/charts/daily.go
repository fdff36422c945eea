package charts

import (
	"maps"
	"math"
	"slices"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// TimeSeries is a category's daily cost with what it is measured against.
// A nil slice leaves its line out; NaN marks a day without a value (the
// days after the as-of date have no actual, the days before it no forecast).
type TimeSeries struct {
	Days         []string  // x-axis labels, e.g. "2026-03-14"
	Actual       []float64 // cost per day
	Budget       []float64 // the daily budget (monthly budget / days in that month)
	ForecastLine []float64 // expected cost per day
	Low, High    []float64 // the forecast's interval, drawn as a band
	Color        string    // the category's colour; CategoryColor(0) if empty
	// Flags are the indexes of days to flag on the actual line (unusual
	// days), each with its label.
	Flags map[int]string
}

// Series names of DailyCost, shown in its legend and tooltip.
const (
	NameActual       = "Actual"
	NameBudget       = "Budget"
	NameForecast     = "Forecast"
	NameForecastLow  = "Forecast low"
	NameForecastHigh = "Forecast high"
)

// DailyCost draws a category's daily cost as a line, the budget as a dashed
// dark line, the forecast as a dashed line in the category's colour, and its
// interval as a shaded band.
//
// The band is two stacked series: "Forecast low", an invisible line at Low,
// and "Forecast high", High − Low stacked on it with the area filled. Each
// point of the upper one is [day, High − Low, High] with the tooltip reading
// the third value, so the tooltip shows High, not the band's width.
func DailyCost(id, title string, ts TimeSeries, options ...Option) Chart {
	s := apply(340, options)
	color := or(ts.Color, 0)
	n := len(ts.Days)
	legend := []string{NameActual}
	c := charts.NewLine()
	c.SetGlobalOptions(append(globals(title),
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "axis"}),
		charts.WithGridOpts(gridDefault),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", AxisLabel: &opts.AxisLabel{Color: textColor, HideOverlap: opts.Bool(true)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", AxisLabel: axisLabelText}),
	)...)
	c.SetXAxis(ts.Days)
	if ts.Low != nil && ts.High != nil {
		low := make([]opts.LineData, n)
		high := make([]opts.LineData, n)
		for i := range n {
			l, h := at(ts.Low, i), at(ts.High, i)
			if math.IsNaN(l) || math.IsNaN(h) || math.IsInf(l, 0) || math.IsInf(h, 0) {
				low[i] = opts.LineData{Value: "-"}
				high[i] = opts.LineData{Value: []interface{}{i, "-", "-"}}
				continue
			}
			low[i] = opts.LineData{Value: value(l)}
			high[i] = opts.LineData{Value: []interface{}{i, value(h - l), value(h)}}
		}
		band := []charts.SeriesOpts{
			charts.WithLineChartOpts(opts.LineChart{Stack: "interval", Symbol: "none", ShowSymbol: opts.Bool(false)}),
			charts.WithLineStyleOpts(opts.LineStyle{Opacity: opts.Float(0)}),
		}
		c.AddSeries(NameForecastLow, low, append(band,
			charts.WithItemStyleOpts(opts.ItemStyle{Color: color}))...)
		c.AddSeries(NameForecastHigh, high, append(band,
			charts.WithItemStyleOpts(opts.ItemStyle{Color: color}),
			charts.WithAreaStyleOpts(opts.AreaStyle{Color: color, Opacity: opts.Float(0.18)}),
			charts.WithEncodeOpts(opts.Encode{X: 0, Y: 1, Tooltip: []int{2}}))...)
		legend = append(legend, NameForecastHigh)
	}
	line := func(name string, values []float64, color, dash string, width float32, extra ...charts.SeriesOpts) {
		data := make([]opts.LineData, n)
		for i := range n {
			data[i] = opts.LineData{Value: value(at(values, i))}
		}
		c.AddSeries(name, data, append([]charts.SeriesOpts{
			charts.WithLineChartOpts(opts.LineChart{Symbol: "circle", SymbolSize: 4, ShowSymbol: opts.Bool(false)}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: color}),
			charts.WithLineStyleOpts(opts.LineStyle{Color: color, Type: dash, Width: width}),
		}, extra...)...)
	}
	if ts.Budget != nil {
		line(NameBudget, ts.Budget, BudgetColor, "dashed", 1.5)
		legend = append(legend, NameBudget)
	}
	if ts.ForecastLine != nil {
		line(NameForecast, ts.ForecastLine, color, "dotted", 2)
		legend = append(legend, NameForecast)
	}
	var flags []charts.SeriesOpts
	for _, i := range slices.Sorted(maps.Keys(ts.Flags)) {
		if v := at(ts.Actual, i); i < n && !math.IsNaN(v) {
			flags = append(flags, charts.WithMarkPointNameCoordItemOpts(opts.MarkPointNameCoordItem{
				Name: ts.Flags[i], Coordinate: []interface{}{ts.Days[i], value(v)}, Symbol: "pin", SymbolSize: 36,
				ItemStyle: &opts.ItemStyle{Color: BudgetColor},
			}))
		}
	}
	line(NameActual, ts.Actual, color, "solid", 2, flags...)

	withData := legendBottom
	withData.Data = legend
	c.SetGlobalOptions(charts.WithLegendOpts(withData))
	return finish(id, title, s, c)
}
