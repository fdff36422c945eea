package charts

import (
	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// Pie shows parts of a whole, e.g. cost by category. Slices keep their
// colours (a slice without one takes the palette's colour of its position).
// The legend under the pie names them, in the order they go round; each
// slice is labelled with its share (Slice.Share when given), which stays
// short at any width (names beside the slices were cut to "Orbit…" on a
// narrow chart). The tooltip gives name and value.
func Pie(id, title string, slices []Slice, options ...Option) Chart {
	s := apply(340, options)
	c := charts.NewPie()
	c.SetGlobalOptions(append(globals(title),
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "item"}),
		charts.WithLegendOpts(legendBottom),
	)...)
	data := make([]opts.PieData, len(slices))
	for i, sl := range slices {
		data[i] = opts.PieData{
			Name:      sl.Name,
			Value:     value(sl.Value),
			ItemStyle: &opts.ItemStyle{Color: or(sl.Color, i), BorderColor: "#ffffff", BorderWidth: 1},
		}
		if sl.Share != "" {
			data[i].Label = &opts.Label{Formatter: sl.Share}
		}
	}
	c.AddSeries(title, data,
		charts.WithPieChartOpts(opts.PieChart{Radius: "55%", Center: []string{"50%", "45%"}}),
		charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Color: textColor, Formatter: "{d} %"}),
		charts.WithLabelLayoutOpts(opts.LabelLayout{HideOverlap: opts.Bool(true)}),
	)
	// Shares to one decimal ("22.2 %") on short label lines; go-echarts
	// has no field for either.
	return patch(finish(id, title, s, c), func(option map[string]any) {
		each(option, "series", func(series map[string]any) {
			series["percentPrecision"] = 1
			series["labelLine"] = map[string]any{"show": true, "length": 8, "length2": 6}
		})
	})
}

// StackedBars shows series stacked on each label, e.g. 13 months of cost
// by category, with a legend.
func StackedBars(id, title string, labels []string, series []Series, options ...Option) Chart {
	s := apply(360, options)
	c := barChart(title, labels, series, false, true, s)
	c.MultiSeries.SetSeriesOptions(charts.WithBarChartOpts(opts.BarChart{Stack: "total"}))
	return finish(id, title, s, c)
}

// Bars shows series side by side on each label (budget vs actual), or one
// series with a colour per bar (Series.Colors). Horizontal bars list the
// labels top to bottom in the given order, for rankings such as top owners.
// WithMarkLines draws thresholds across the value axis.
func Bars(id, title string, labels []string, series []Series, horizontal bool, options ...Option) Chart {
	height := 320
	if horizontal {
		// A band per label, wide enough for its bars side by side and for
		// a name wrapped onto two lines.
		height = max(160, 64+max(32, 24+8*len(series))*len(labels))
	}
	s := apply(height, options)
	c := barChart(title, labels, series, horizontal, len(series) > 1, s)
	return patch(finish(id, title, s, c), spaceWrappedLabels)
}

func barChart(title string, labels []string, series []Series, horizontal, withLegend bool, s settings) *charts.Bar {
	c := charts.NewBar()
	legend := legendHidden
	if withLegend {
		legend = legendBottom
	}
	category := opts.XAxis{Type: "category", AxisLabel: &opts.AxisLabel{Color: textColor, HideOverlap: opts.Bool(true)}, AxisLine: &opts.AxisLine{LineStyle: &opts.LineStyle{Color: axisLineColor}}}
	values := opts.YAxis{Type: "value", AxisLabel: axisLabelText}
	grid := gridDefault
	if len(s.markLines) > 0 && !horizontal {
		grid.Right = "56" // room for the lines' labels at their right ends
	}
	global := append(globals(title),
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "axis", AxisPointer: &opts.AxisPointer{Type: "shadow"}}),
		charts.WithLegendOpts(legend),
		charts.WithGridOpts(grid),
	)
	if horizontal {
		global = append(global,
			charts.WithXAxisOpts(opts.XAxis{Type: "value", AxisLabel: axisLabelText}),
			charts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true),
				AxisLabel: categoryLabel(),
				AxisLine:  &opts.AxisLine{LineStyle: &opts.LineStyle{Color: axisLineColor}}}),
		)
		c.XYReversal()
	} else {
		global = append(global, charts.WithXAxisOpts(category), charts.WithYAxisOpts(values))
	}
	c.SetGlobalOptions(global...)
	c.SetXAxis(labels)
	for i, sr := range series {
		data := make([]opts.BarData, len(labels))
		for j := range labels {
			data[j] = opts.BarData{Value: value(at(sr.Values, j))}
			if j < len(sr.Colors) && sr.Colors[j] != "" {
				data[j].ItemStyle = &opts.ItemStyle{Color: sr.Colors[j]}
			}
		}
		seriesOpts := []charts.SeriesOpts{charts.WithItemStyleOpts(opts.ItemStyle{Color: or(sr.Color, i)})}
		if i == 0 && len(s.markLines) > 0 {
			seriesOpts = append(seriesOpts, markLines(s.markLines, horizontal)...)
		}
		c.AddSeries(sr.Name, data, seriesOpts...)
	}
	return c
}

// markLines are dashed reference lines across the value axis, labelled with
// their value (site.js formats the label in the chart's unit).
func markLines(at []float64, horizontal bool) []charts.SeriesOpts {
	out := []charts.SeriesOpts{charts.WithMarkLineStyleOpts(opts.MarkLineStyle{
		Symbol:    []string{"none", "none"},
		Label:     &opts.Label{Show: opts.Bool(true), Position: "end", Color: textColor},
		LineStyle: &opts.LineStyle{Color: BudgetColor, Type: "dashed", Width: 1},
	})}
	for _, v := range at {
		if horizontal {
			out = append(out, charts.WithMarkLineNameXAxisItemOpts(opts.MarkLineNameXAxisItem{XAxis: value(v)}))
		} else {
			out = append(out, charts.WithMarkLineNameYAxisItemOpts(opts.MarkLineNameYAxisItem{YAxis: value(v)}))
		}
	}
	return out
}

// Heatmap shows values[y][x] as colour on a grid of xLabels × yLabels,
// e.g. cost by category × day of month. A NaN cell is left empty. The
// colour scale runs from zero to the largest value, light to dark blue
// (one hue, readable without colour vision), and is shown under the grid.
func Heatmap(id, title string, xLabels, yLabels []string, values [][]float64, options ...Option) Chart {
	// 30 px a row: room for a name wrapped onto two lines.
	s := apply(max(200, 112+30*len(yLabels)), options)
	top := 0.01 // a scale from 0 to 0 would draw nothing
	data := make([]opts.HeatMapData, 0, len(xLabels)*len(yLabels))
	for y := range yLabels {
		var row []float64
		if y < len(values) {
			row = values[y]
		}
		for x := range xLabels {
			v := at(row, x)
			if v > top {
				top = v
			}
			// The name heads the cell's tooltip: both labels, as the tooltip
			// would otherwise show only the column.
			data = append(data, opts.HeatMapData{Name: yLabels[y] + ", " + xLabels[x], Value: [3]interface{}{x, y, value(v)}})
		}
	}
	c := charts.NewHeatMap()
	c.SetGlobalOptions(append(globals(title),
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "item"}),
		charts.WithLegendOpts(legendHidden),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "16", Top: "8", Bottom: "64", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Data: xLabels, SplitArea: &opts.SplitArea{Show: opts.Bool(true)}, AxisLabel: &opts.AxisLabel{Color: textColor, HideOverlap: opts.Bool(true)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: yLabels, SplitArea: &opts.SplitArea{Show: opts.Bool(true)}, AxisLabel: categoryLabel()}),
		charts.WithVisualMapOpts(opts.VisualMap{
			Type: "continuous", Calculable: opts.Bool(true), Orient: "horizontal", Left: "center", Bottom: "0",
			Min: 0, Max: float32(top),
			InRange:   &opts.VisualMapInRange{Color: heatScale},
			TextStyle: &opts.TextStyle{Color: textColor},
		}),
	)...)
	c.AddSeries(title, data, charts.WithItemStyleOpts(opts.ItemStyle{BorderColor: "#ffffff", BorderWidth: 1}))
	return patch(finish(id, title, s, c), spaceWrappedLabels)
}

// heatScale is ColorBrewer's single-hue Blues, light to dark.
var heatScale = []string{"#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b"}
