// Package charts builds the site's figures as ECharts options (JSON text,
// made with go-echarts' types) for the page to hand to the ECharts script
// served from the site itself; it knows nothing of how the figures are
// computed.
//
// An option is data, never code: it travels in a data-option attribute
// (html/template escapes it), and site-templates/static/js/site.js parses it
// and adds what JSON cannot carry, the number formatters named by the
// top-level "stellarFormat" key. Names from data (owners, tag values) stay
// plain JSON strings; tooltips use ECharts' richText mode, drawn on the
// canvas, so no name is ever parsed as HTML (site.js enforces the mode too).
package charts

import (
	"encoding/json"
	"math"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// Chart is one figure ready for a page.
type Chart struct {
	ID     string // DOM id, unique on the page ("chart-" + name)
	Title  string // accessible name (aria-label) and caption
	Option string // the ECharts option as JSON text; the page puts it in a data-option attribute (html/template escapes it)
	Height int    // px
	Unit   Unit   // how the chart's values read: USD or percent
}

// Slice is one part of a pie.
type Slice struct {
	Name  string
	Value float64
	Color string
	// Share labels the slice, e.g. "22.2 %": the share as the page's table
	// shows it. Empty: ECharts computes it, by its own rounding, which
	// can differ from the table's by a tenth.
	Share string
}

// Series is one named run of values over a chart's labels. Colors, when
// set, colours each bar on its own (one series, a colour per category);
// otherwise the whole series takes Color.
type Series struct {
	Name, Color string
	Values      []float64
	Colors      []string
}

// Unit says how a chart's values are formatted on the page.
type Unit string

const (
	USD     Unit = "usd"     // "$1,234.56" (Intl.NumberFormat currency USD)
	Percent Unit = "percent" // "87.5 %", values already in percent
)

// FormatKey is the top-level option key that tells site.js which number
// format to apply to the tooltip, the value axes, the visual map and the
// mark-line labels. ECharts ignores keys it does not know.
const FormatKey = "stellarFormat"

// Option adjusts one chart.
type Option func(*settings)

type settings struct {
	unit      Unit
	height    int
	markLines []float64
}

// WithUnit sets how the values read; USD unless told.
func WithUnit(u Unit) Option { return func(s *settings) { s.unit = u } }

// WithHeight overrides the chart's height in px.
func WithHeight(px int) Option {
	return func(s *settings) {
		if px > 0 {
			s.height = px
		}
	}
}

// WithMarkLines draws reference lines across the value axis at these values,
// e.g. the 75, 90 and 100 % alert thresholds on a utilisation chart. Bars
// only.
func WithMarkLines(values ...float64) Option {
	return func(s *settings) { s.markLines = append(s.markLines, values...) }
}

func apply(defaultHeight int, options []Option) settings {
	s := settings{unit: USD, height: defaultHeight}
	for _, o := range options {
		o(&s)
	}
	return s
}

// Text and line colours shared by all charts: dark enough on white
// (>= 4.5:1) for text, and lighter for grid lines that carry no meaning.
const (
	textColor     = "#333333"
	axisLineColor = "#6E6E6E"
)

// chartJSON is what every constructor's go-echarts chart offers.
type chartJSON interface {
	Validate()
	JSON() map[string]interface{}
}

// globals are the options every chart shares: no animation (faster first
// paint, the same pixels every time), the category palette as fallback, and
// an accessible description. ECharts' own description lists every data
// dimension of the first ten points (stack sums, category indexes, NaN for
// gaps), which reads as noise; the page's table after each chart has the
// figures, so the description names the chart and points there.
func globals(title string) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithAnimation(false),
		charts.WithAriaOpts(&opts.Aria{Enabled: opts.Bool(true), Label: &opts.AriaLabel{
			Enabled:     opts.Bool(true),
			Description: title + ". " + TableNote,
		}}),
		charts.WithColorsOpts(opts.Colors(palette[:])),
	}
}

// TableNote ends every chart's accessible description.
const TableNote = "The figures are in the table that follows the chart."

// finish renders a chart's option to JSON text through the visitor that adds
// what go-echarts has no field for.
func finish(id, title string, s settings, c interface {
	chartJSON
	Accept(charts.ConfigurationVisitor)
}) Chart {
	c.Accept(visitor{unit: s.unit})
	c.Validate()
	b, err := json.Marshal(c.JSON())
	if err != nil {
		// Every value is a string, a finite number (see value) or a struct of
		// them, so Marshal cannot fail; a failure is a bug here.
		panic("charts: marshal option " + id + ": " + err.Error())
	}
	return Chart{ID: id, Title: title, Option: string(b), Height: s.height, Unit: s.unit}
}

// patch edits a finished chart's option as generic JSON, for the keys
// go-echarts has no field (or no field of the right type) for.
func patch(c Chart, edit func(option map[string]any)) Chart {
	var option map[string]any
	if err := json.Unmarshal([]byte(c.Option), &option); err != nil {
		panic("charts: decode option " + c.ID + ": " + err.Error())
	}
	edit(option)
	b, err := json.Marshal(option)
	if err != nil {
		panic("charts: marshal option " + c.ID + ": " + err.Error())
	}
	c.Option = string(b)
	return c
}

// each calls fn for every object in option[key], a list or one object.
func each(option map[string]any, key string, fn func(map[string]any)) {
	switch v := option[key].(type) {
	case []any:
		for _, e := range v {
			if m, ok := e.(map[string]any); ok {
				fn(m)
			}
		}
	case map[string]any:
		fn(v)
	}
}

// spaceWrappedLabels gives the category axes whose labels wrap (see
// categoryLabel) a line height, so that the lines of a wrapped name do not
// print over each other; go-echarts writes lineHeight as a string, which
// ECharts does not read.
func spaceWrappedLabels(option map[string]any) {
	for _, key := range []string{"xAxis", "yAxis"} {
		each(option, key, func(axis map[string]any) {
			if label, ok := axis["axisLabel"].(map[string]any); ok && label["overflow"] == "break" {
				label["lineHeight"] = 14
			}
		})
	}
}

// visitor completes go-echarts' output: the tooltip's render mode and the
// unit marker, without the empty title and toolbox go-echarts always writes
// (neither component is in the trimmed ECharts build; the page has the
// caption).
type visitor struct {
	charts.BaseConfigurationVisitor
	unit Unit
}

type tooltip struct {
	opts.Tooltip
	// RenderMode "richText" draws the tooltip on the canvas: a name from
	// data is text, whatever characters it holds.
	RenderMode string `json:"renderMode"`
	// Confine keeps the tooltip inside the chart on narrow screens.
	Confine bool `json:"confine"`
}

func (visitor) VisitTooltipOpt(t opts.Tooltip) interface{} {
	return tooltip{Tooltip: t, RenderMode: "richText", Confine: true}
}

func (v visitor) Visit(option map[string]interface{}) {
	delete(option, "toolbox")
	delete(option, "title")
	option[FormatKey] = string(v.unit)
}

// value is a number as the option carries it: rounded to cents (the page
// shows no more), and "-" for a gap (NaN or ±Inf), which ECharts leaves
// empty.
func value(v float64) interface{} {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "-"
	}
	return math.Round(v*100) / 100
}

// at returns values[i], or NaN (a gap) past the end.
func at(values []float64, i int) float64 {
	if i < len(values) {
		return values[i]
	}
	return math.NaN()
}

func or(color string, i int) string {
	if color != "" {
		return color
	}
	return CategoryColor(i)
}

// Legends sit under the plot, centred, and wrap to as many rows as the
// width needs (a plain legend, never one that pages). site.js measures
// them once drawn and moves the plot clear of them; the grid's bottom here
// is room for one row, for the first paint.
var (
	axisLabelText = &opts.AxisLabel{Color: textColor, HideOverlap: opts.Bool(true)}
	legendBottom  = opts.Legend{Show: opts.Bool(true), Bottom: "0", Left: "center", Type: "plain", TextStyle: &opts.TextStyle{Color: textColor}}
	legendHidden  = opts.Legend{Show: opts.Bool(false)}
	gridDefault   = opts.Grid{Left: "8", Right: "32", Top: "16", Bottom: "40", ContainLabel: opts.Bool(true)}
)

// categoryLabel is the label of a category axis whose names can be long
// (categories, owners): at most labelWidth px wide (site.js narrows it on
// a narrow chart), wrapped onto more lines rather than cut, so a name is
// never shown as "Orbit…".
func categoryLabel() *opts.AxisLabel {
	return &opts.AxisLabel{Color: textColor, Width: labelWidth, Overflow: "break"}
}

// labelWidth is the widest a category axis label may be, in px.
const labelWidth = 200
