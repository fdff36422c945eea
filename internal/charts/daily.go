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

// Series names of DailyCost, shown in its legend and tooltip. The
// forecast's interval is one band with one name, NameRange; the page's
// forecast figures label the interval the same way.
const (
	NameActual   = "Actual"
	NameBudget   = "Budget"
	NameForecast = "Forecast"
	NameRange    = "80 % range"
	// nameRangeBase is the band's invisible lower edge: in no legend and
	// no tooltip.
	nameRangeBase = "80 % range base"
)

// The band's tooltip names its two ends.
const (
	RangeFrom = "from"
	RangeTo   = "to"
)

// DailyCost draws a category's daily cost as a line, the budget as a dashed
// dark line, the forecast as a dashed line in the category's colour, and its
// interval (TimeSeries.Low to High, the forecast's 80 % interval) as a
// shaded band named NameRange.
//
// The band is two stacked series: an invisible line at Low, left out of
// the legend and the tooltip, and NameRange, High − Low stacked on it with
// the area filled. Each point of the upper one is [day, High − Low, High,
// Low]; its dimensions are named, so the tooltip reads the band's two ends
// as "80 % range: from Low, to High", not the band's width.
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
				high[i] = opts.LineData{Value: []interface{}{i, "-", "-", "-"}}
				continue
			}
			low[i] = opts.LineData{Value: value(l)}
			high[i] = opts.LineData{Value: []interface{}{i, value(h - l), value(h), value(l)}}
		}
		band := []charts.SeriesOpts{
			charts.WithLineChartOpts(opts.LineChart{Stack: "interval", Symbol: "none", ShowSymbol: opts.Bool(false)}),
			charts.WithLineStyleOpts(opts.LineStyle{Opacity: opts.Float(0)}),
		}
		c.AddSeries(nameRangeBase, low, append(band,
			charts.WithItemStyleOpts(opts.ItemStyle{Color: color}))...)
		c.AddSeries(NameRange, high, append(band,
			charts.WithItemStyleOpts(opts.ItemStyle{Color: color}),
			charts.WithAreaStyleOpts(opts.AreaStyle{Color: color, Opacity: opts.Float(0.18)}),
			charts.WithEncodeOpts(opts.Encode{X: 0, Y: 1, Tooltip: []int{3, 2}}))...)
		legend = append(legend, NameRange)
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
	return patch(finish(id, title, s, c), rangeTooltip)
}

// rangeTooltip names the band's dimensions, for the tooltip to read its
// ends by name, and keeps its invisible base out of the tooltip; go-echarts
// has no field for either.
func rangeTooltip(option map[string]any) {
	each(option, "series", func(series map[string]any) {
		switch series["name"] {
		case nameRangeBase:
			series["tooltip"] = map[string]any{"show": false}
		case NameRange:
			series["dimensions"] = []string{"day", "width", RangeTo, RangeFrom}
		}
	})
}
