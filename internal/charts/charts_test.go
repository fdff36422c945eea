package charts

import (
	"bytes"
	"encoding/json"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
	"testing"
)

// Names from data a reader may not trust: they must travel as JSON strings
// and come back unchanged.
var hostile = []string{
	`<script>alert(1)</script>`,
	`"><img src=x onerror=alert(1)>`,
	`{a|b} ' \ </div> & é`,
}

// option is the decoded JSON of a chart, with the parts the tests read.
type option struct {
	Format    string   `json:"stellarFormat"`
	Animation *bool    `json:"animation"`
	Colors    []string `json:"color"`
	Aria      struct {
		Enabled bool `json:"enabled"`
		Label   struct {
			Description string `json:"description"`
		} `json:"label"`
	} `json:"aria"`
	Tooltip struct {
		Trigger    string `json:"trigger"`
		RenderMode string `json:"renderMode"`
	} `json:"tooltip"`
	Legend struct {
		Show bool            `json:"show"`
		Data json.RawMessage `json:"data"`
	} `json:"legend"`
	XAxis     []axis            `json:"xAxis"`
	YAxis     []axis            `json:"yAxis"`
	VisualMap []json.RawMessage `json:"visualMap"`
	Series    []struct {
		Name      string            `json:"name"`
		Type      string            `json:"type"`
		Stack     string            `json:"stack"`
		Data      []json.RawMessage `json:"data"`
		ItemStyle struct {
			Color string `json:"color"`
		} `json:"itemStyle"`
		MarkLine *struct {
			Data []map[string]float64 `json:"data"`
		} `json:"markLine"`
		Encode     map[string]json.RawMessage `json:"encode"`
		Dimensions []string                   `json:"dimensions"`
		Tooltip    *struct {
			Show *bool `json:"show"`
		} `json:"tooltip"`
	} `json:"series"`
}

type axis struct {
	Type string   `json:"type"`
	Data []string `json:"data"`
}

func decode(t *testing.T, c Chart) option {
	t.Helper()
	var o option
	if err := json.Unmarshal([]byte(c.Option), &o); err != nil {
		t.Fatalf("option is not JSON: %v\n%s", err, c.Option)
	}
	var generic map[string]any
	if err := json.Unmarshal([]byte(c.Option), &generic); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"toolbox", "title"} {
		if _, ok := generic[key]; ok {
			t.Errorf("option has a %s; the trimmed ECharts build has none", key)
		}
	}
	return o
}

// datum is one data item: {"value": v} or a bare value.
type datum struct {
	Name      string `json:"name"`
	Value     any    `json:"value"`
	ItemStyle struct {
		Color string `json:"color"`
	} `json:"itemStyle"`
}

func data(t *testing.T, raw []json.RawMessage) []datum {
	t.Helper()
	out := make([]datum, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &out[i]); err != nil {
			t.Fatalf("data item %d %s: %v", i, r, err)
		}
	}
	return out
}

func TestCharts(t *testing.T) {
	nan := math.NaN()
	owners := []string{"alice@example.com", hostile[0], hostile[1]}
	tests := []struct {
		name       string
		chart      Chart
		format     string
		trigger    string
		types      []string // series types in order
		counts     []int    // data items per series
		colors     []string // series colours in order ("" = not checked)
		stacked    bool
		legend     bool
		valueAxisX bool // horizontal: the value axis is x
		names      []string
	}{
		{
			name: "pie",
			chart: Pie("chart-pie", "Cost by category", []Slice{
				{Name: "Propulsion", Value: 1200.456, Color: CategoryColor(0)},
				{Name: hostile[0], Value: 30, Color: CategoryColor(1)},
				{Name: "Unattributed", Value: 5, Color: UnattributedColor},
			}),
			format: "usd", trigger: "item",
			types: []string{"pie"}, counts: []int{3},
			legend: true, // the legend names the slices; labels give shares
			names:  []string{"Propulsion", hostile[0], "Unattributed"},
		},
		{
			name: "stacked bars",
			chart: StackedBars("chart-history", "Cost by month", []string{"Jan 2026", "Feb 2026", "Mar 2026"}, []Series{
				{Name: "Propulsion", Color: CategoryColor(0), Values: []float64{1, 2, 3}},
				{Name: hostile[1], Color: CategoryColor(1), Values: []float64{4, 5}},
				{Name: "Unattributed", Color: UnattributedColor, Values: []float64{0, 0, 1}},
			}),
			format: "usd", trigger: "axis",
			types: []string{"bar", "bar", "bar"}, counts: []int{3, 3, 3},
			colors:  []string{CategoryColor(0), CategoryColor(1), UnattributedColor},
			stacked: true, legend: true,
			names: []string{"Propulsion", hostile[1], "Unattributed"},
		},
		{
			name: "grouped bars",
			chart: Bars("chart-budget", "Budget vs actual", []string{"Propulsion", hostile[2]}, []Series{
				{Name: "Budget", Color: BudgetColor, Values: []float64{100, 200}},
				{Name: "Actual", Values: []float64{90, 250}},
			}, false),
			format: "usd", trigger: "axis",
			types: []string{"bar", "bar"}, counts: []int{2, 2},
			colors: []string{BudgetColor, CategoryColor(1)},
			legend: true,
			names:  []string{"Budget", "Actual"},
		},
		{
			name: "horizontal bars, top owners",
			chart: Bars("chart-owners", "Top owners", owners, []Series{
				{Name: "Cost", Color: CategoryColor(2), Values: []float64{30, 20, 10}},
			}, true),
			format: "usd", trigger: "axis",
			types: []string{"bar"}, counts: []int{3},
			colors:     []string{CategoryColor(2)},
			valueAxisX: true,
			names:      []string{"Cost"},
		},
		{
			name:   "heatmap",
			chart:  Heatmap("chart-heat", "Cost by category and day", []string{"1", "2", "3"}, []string{"Propulsion", hostile[0]}, [][]float64{{1, 2, 3}, {nan, 5}}),
			format: "usd", trigger: "item",
			types: []string{"heatmap"}, counts: []int{6},
			names: []string{"Cost by category and day"},
		},
		{
			name: "daily cost",
			chart: DailyCost("chart-daily", "Daily cost", TimeSeries{
				Days:         []string{"2026-03-01", "2026-03-02", "2026-03-03"},
				Actual:       []float64{10, 12, nan},
				Budget:       []float64{11, 11, 11},
				ForecastLine: []float64{nan, 12, 13},
				Low:          []float64{nan, 11, 11.5},
				High:         []float64{nan, 13, 14.5},
				Color:        CategoryColor(3),
			}),
			format: "usd", trigger: "axis",
			types:  []string{"line", "line", "line", "line", "line"},
			counts: []int{3, 3, 3, 3, 3},
			colors: []string{CategoryColor(3), CategoryColor(3), BudgetColor, CategoryColor(3), CategoryColor(3)},
			legend: true,
			names:  []string{nameRangeBase, NameRange, NameBudget, NameForecast, NameActual},
		},
		{
			name:   "daily cost, actual only",
			chart:  DailyCost("chart-daily", "Daily cost", TimeSeries{Days: []string{"a", "b"}, Actual: []float64{1, 2}}),
			format: "usd", trigger: "axis",
			types: []string{"line"}, counts: []int{2},
			colors: []string{CategoryColor(0)},
			legend: true,
			names:  []string{NameActual},
		},
		{
			name: "utilisation in percent with thresholds",
			chart: Bars("chart-util", "Utilisation", []string{"Propulsion", "Navigation"}, []Series{
				{Name: "Utilisation", Values: []float64{80, 101.25}, Colors: []string{CategoryColor(0), CategoryColor(1)}},
			}, false, WithUnit(Percent), WithMarkLines(75, 90, 100)),
			format: "percent", trigger: "axis",
			types: []string{"bar"}, counts: []int{2},
			names: []string{"Utilisation"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.chart
			if !strings.HasPrefix(c.ID, "chart-") || c.Title == "" || c.Height <= 0 {
				t.Errorf("chart = {ID %q, Title %q, Height %d}", c.ID, c.Title, c.Height)
			}
			o := decode(t, c)
			if o.Format != tc.format || string(c.Unit) != tc.format {
				t.Errorf("stellarFormat = %q, Unit = %q, want %q", o.Format, c.Unit, tc.format)
			}
			if o.Animation == nil || *o.Animation {
				t.Errorf("animation = %v, want false", o.Animation)
			}
			if !o.Aria.Enabled {
				t.Error("aria not enabled")
			}
			if !strings.HasPrefix(o.Aria.Label.Description, c.Title) || !strings.HasSuffix(o.Aria.Label.Description, TableNote) {
				t.Errorf("aria description %q, want the title and a pointer to the table", o.Aria.Label.Description)
			}
			if o.Tooltip.RenderMode != "richText" || o.Tooltip.Trigger != tc.trigger {
				t.Errorf("tooltip = %+v, want richText, trigger %s", o.Tooltip, tc.trigger)
			}
			if o.Legend.Show != tc.legend {
				t.Errorf("legend shown = %v, want %v", o.Legend.Show, tc.legend)
			}
			if len(o.Series) != len(tc.types) {
				t.Fatalf("%d series, want %d", len(o.Series), len(tc.types))
			}
			for i, s := range o.Series {
				if s.Type != tc.types[i] {
					t.Errorf("series %d type %q, want %q", i, s.Type, tc.types[i])
				}
				if len(s.Data) != tc.counts[i] {
					t.Errorf("series %d has %d data items, want %d", i, len(s.Data), tc.counts[i])
				}
				if i < len(tc.colors) && tc.colors[i] != "" && s.ItemStyle.Color != tc.colors[i] {
					t.Errorf("series %d colour %q, want %q", i, s.ItemStyle.Color, tc.colors[i])
				}
				if s.Name != tc.names[i] && tc.types[i] != "pie" {
					t.Errorf("series %d name %q, want %q", i, s.Name, tc.names[i])
				}
				if tc.stacked && s.Stack == "" {
					t.Errorf("series %d not stacked", i)
				}
			}
			if tc.types[0] == "bar" || tc.types[0] == "line" {
				value, category := o.YAxis, o.XAxis
				if tc.valueAxisX {
					value, category = o.XAxis, o.YAxis
				}
				if len(value) != 1 || value[0].Type != "value" || len(category) != 1 || category[0].Type != "category" {
					t.Errorf("axes x %+v y %+v, want value axis on x: %v", o.XAxis, o.YAxis, tc.valueAxisX)
				}
			}
		})
	}
}

func TestPieSlices(t *testing.T) {
	slices := []Slice{{Name: "a", Value: 1.005}, {Name: "b", Value: 2, Color: "#123456"}}
	o := decode(t, Pie("chart-p", "P", slices))
	got := data(t, o.Series[0].Data)
	if got[0].ItemStyle.Color != CategoryColor(0) || got[1].ItemStyle.Color != "#123456" {
		t.Errorf("slice colours %q %q", got[0].ItemStyle.Color, got[1].ItemStyle.Color)
	}
	if got[1].Value != 2.0 {
		t.Errorf("value %v", got[1].Value)
	}
}

// TestPieShares: a slice given its share is labelled with it as written,
// not with ECharts' own rounding; one without keeps the series' "{d} %".
func TestPieShares(t *testing.T) {
	o := decode(t, Pie("chart-p", "P", []Slice{{Name: "a", Value: 1, Share: "33.4 %"}, {Name: "b", Value: 2}}))
	type labelled struct {
		Label *struct {
			Formatter string `json:"formatter"`
		} `json:"label"`
	}
	var items []labelled
	for _, raw := range o.Series[0].Data {
		var item labelled
		if err := json.Unmarshal(raw, &item); err != nil {
			t.Fatal(err)
		}
		items = append(items, item)
	}
	if items[0].Label == nil || items[0].Label.Formatter != "33.4 %" || items[1].Label != nil {
		t.Errorf("labels %+v, %+v; want 33.4 %% on the first slice only", items[0].Label, items[1].Label)
	}
}

func TestBarsPerBarColours(t *testing.T) {
	colors := []string{CategoryColor(0), CategoryColor(1), UnattributedColor}
	o := decode(t, Bars("chart-b", "B", []string{"x", "y", "z"}, []Series{{Name: "Cost", Values: []float64{1, 2, 3}, Colors: colors}}, false))
	for i, d := range data(t, o.Series[0].Data) {
		if d.ItemStyle.Color != colors[i] {
			t.Errorf("bar %d colour %q, want %q", i, d.ItemStyle.Color, colors[i])
		}
	}
}

func TestMarkLines(t *testing.T) {
	for _, horizontal := range []bool{false, true} {
		o := decode(t, Bars("chart-u", "U", []string{"a"}, []Series{{Name: "U", Values: []float64{80}}}, horizontal, WithUnit(Percent), WithMarkLines(75, 90, 100)))
		ml := o.Series[0].MarkLine
		if ml == nil || len(ml.Data) != 3 {
			t.Fatalf("horizontal %v: markLine %+v, want 3 lines", horizontal, ml)
		}
		key := "yAxis"
		if horizontal {
			key = "xAxis"
		}
		for i, want := range []float64{75, 90, 100} {
			if got, ok := ml.Data[i][key]; !ok || got != want {
				t.Errorf("horizontal %v: line %d = %v, want %s %v", horizontal, i, ml.Data[i], key, want)
			}
		}
	}
}

func TestValuesAndGaps(t *testing.T) {
	o := decode(t, StackedBars("chart-s", "S", []string{"a", "b", "c", "d"}, []Series{{Name: "s", Values: []float64{1.234, math.NaN(), math.Inf(1)}}}))
	got := data(t, o.Series[0].Data)
	want := []any{1.23, "-", "-", "-"} // rounded to cents; NaN, Inf and missing are gaps
	for i := range want {
		if got[i].Value != want[i] {
			t.Errorf("value %d = %#v, want %#v", i, got[i].Value, want[i])
		}
	}
}

func TestHeatmapCells(t *testing.T) {
	c := Heatmap("chart-h", "H", []string{"0h", "1h"}, []string{"Mon", "Tue", "Wed"}, [][]float64{{1, 2}, {3, math.NaN()}})
	o := decode(t, c)
	if len(o.XAxis[0].Data) != 2 || len(o.YAxis[0].Data) != 3 {
		t.Fatalf("axes %+v %+v", o.XAxis, o.YAxis)
	}
	cells := data(t, o.Series[0].Data)
	if len(cells) != 6 {
		t.Fatalf("%d cells, want 6", len(cells))
	}
	if cells[3].Name != "Tue, 1h" {
		t.Errorf("cell 3 is named %q, want the row and column labels", cells[3].Name)
	}
	// values[y][x] becomes [x, y, value]; a NaN or a missing row is a gap.
	want := map[[2]float64]any{{0, 0}: 1.0, {1, 0}: 2.0, {0, 1}: 3.0, {1, 1}: "-", {0, 2}: "-", {1, 2}: "-"}
	for _, cell := range cells {
		v := cell.Value.([]any)
		key := [2]float64{v[0].(float64), v[1].(float64)}
		if v[2] != want[key] {
			t.Errorf("cell %v = %#v, want %#v", key, v[2], want[key])
		}
	}
	var vm struct {
		Max     float64 `json:"max"`
		InRange struct {
			Color []string `json:"color"`
		} `json:"inRange"`
	}
	if len(o.VisualMap) != 1 || json.Unmarshal(o.VisualMap[0], &vm) != nil || vm.Max != 3 || len(vm.InRange.Color) == 0 {
		t.Errorf("visualMap %s, want max 3 and a colour scale", o.VisualMap)
	}
}

// The forecast band's upper series stacks High − Low on Low; its legend
// entry and tooltip name it as one range, and the tooltip reads its two
// ends by name, not the band's width.
func TestDailyCostBand(t *testing.T) {
	c := DailyCost("chart-d", "D", TimeSeries{
		Days:   []string{"a", "b"},
		Actual: []float64{1, math.NaN()},
		Low:    []float64{math.NaN(), 10},
		High:   []float64{math.NaN(), 14.5},
	})
	o := decode(t, c)
	low, high := o.Series[0], o.Series[1]
	if high.Name != NameRange || low.Stack == "" || low.Stack != high.Stack {
		t.Fatalf("band series %q/%q stacks %q/%q", low.Name, high.Name, low.Stack, high.Stack)
	}
	if low.Tooltip == nil || low.Tooltip.Show == nil || *low.Tooltip.Show {
		t.Errorf("the band's base is in the tooltip: %+v", low.Tooltip)
	}
	if string(high.Encode["tooltip"]) != "[3,2]" || string(high.Encode["y"]) != "1" {
		t.Errorf("encode %v, want the tooltip to read Low, then High", high.Encode)
	}
	if len(high.Dimensions) != 4 || high.Dimensions[3] != RangeFrom || high.Dimensions[2] != RangeTo {
		t.Errorf("dimensions %q, want Low named %q and High %q", high.Dimensions, RangeFrom, RangeTo)
	}
	l, h := data(t, low.Data), data(t, high.Data)
	if l[0].Value != "-" || l[1].Value != 10.0 {
		t.Errorf("low %v", l)
	}
	if got := h[1].Value.([]any); got[1] != 4.5 || got[2] != 14.5 || got[3] != 10.0 {
		t.Errorf("high item %v, want [1, 4.5, 14.5, 10]", got)
	}
	if got := h[0].Value.([]any); got[1] != "-" || got[3] != "-" {
		t.Errorf("high item %v, want a gap", got)
	}
	var legend []string
	if err := json.Unmarshal(o.Legend.Data, &legend); err != nil || strings.Join(legend, ",") != "Actual,80 % range" {
		t.Errorf("legend %s, want Actual and one entry for the 80 %% range (the band's base has none)", o.Legend.Data)
	}
	for _, name := range legend {
		if strings.Contains(strings.ToLower(name), "low") || strings.Contains(strings.ToLower(name), "high") {
			t.Errorf("legend entry %q names an end of the range, not the range", name)
		}
	}
}

// Names from data are data: the JSON carries them unchanged (ECharts draws
// them as text) and html/template escapes them in the data-option
// attribute, so none reaches the page as markup.
func TestHostileNames(t *testing.T) {
	page := template.Must(template.New("").Parse(`<div id="{{.ID}}" aria-label="{{.Title}}" data-option="{{.Option}}"></div>`))
	for _, name := range hostile {
		t.Run(name, func(t *testing.T) {
			charts := []Chart{
				Pie("chart-p", name, []Slice{{Name: name, Value: 1}}),
				StackedBars("chart-s", name, []string{name}, []Series{{Name: name, Values: []float64{1}}}),
				Bars("chart-b", name, []string{name}, []Series{{Name: name, Values: []float64{1}}}, true),
				Heatmap("chart-h", name, []string{name}, []string{name}, [][]float64{{1}}),
				DailyCost("chart-d", name, TimeSeries{Days: []string{name}, Actual: []float64{1}}),
			}
			for _, c := range charts {
				var strs []string
				var v any
				if err := json.Unmarshal([]byte(c.Option), &v); err != nil {
					t.Fatal(err)
				}
				collect(v, &strs)
				if n := count(strs, name); n < 1 {
					t.Errorf("%s: name found %d times in the decoded option, want it as data", c.ID, n)
				}
				var buf bytes.Buffer
				if err := page.Execute(&buf, c); err != nil {
					t.Fatal(err)
				}
				// The attribute ends at the first quote after it starts, and
				// unescapes to the option exactly: no markup got out of it.
				page := buf.String()
				_, attr, ok := strings.Cut(page, `data-option="`)
				attr, rest, ok2 := strings.Cut(attr, `"`)
				if !ok || !ok2 || rest != "></div>" {
					t.Errorf("%s: data-option attribute does not end where it should: %s", c.ID, page)
					continue
				}
				if strings.ContainsAny(attr, "<>") {
					t.Errorf("%s: attribute holds < or >: %s", c.ID, attr)
				}
				if got := html.UnescapeString(attr); got != c.Option {
					t.Errorf("%s: attribute unescapes to\n%s\nwant\n%s", c.ID, got, c.Option)
				}
			}
		})
	}
}

func collect(v any, out *[]string) {
	switch v := v.(type) {
	case string:
		*out = append(*out, v)
	case []any:
		for _, e := range v {
			collect(e, out)
		}
	case map[string]any:
		for _, e := range v {
			collect(e, out)
		}
	}
}

func count(strs []string, s string) int {
	n := 0
	for _, x := range strs {
		if x == s {
			n++
		}
	}
	return n
}

// The option is data only: no asset host (go-echarts defaults to a CDN for
// its own page rendering) and no JavaScript.
func TestNoCDNNoCode(t *testing.T) {
	all := []Chart{
		Pie("chart-p", "P", []Slice{{Name: "a", Value: 1}}),
		StackedBars("chart-s", "S", []string{"a"}, []Series{{Name: "a", Values: []float64{1}}}),
		Bars("chart-b", "B", []string{"a"}, []Series{{Name: "a", Values: []float64{1}}}, false, WithMarkLines(1)),
		Heatmap("chart-h", "H", []string{"a"}, []string{"b"}, [][]float64{{1}}),
		DailyCost("chart-d", "D", TimeSeries{Days: []string{"a"}, Actual: []float64{1}, Budget: []float64{1}, ForecastLine: []float64{1}, Low: []float64{1}, High: []float64{1}}),
	}
	for _, c := range all {
		for _, bad := range []string{"http", "//", "function", "=>", "__f__", "assets"} {
			if strings.Contains(c.Option, bad) {
				t.Errorf("%s: option contains %q: %s", c.ID, bad, c.Option)
			}
		}
	}
}

func TestOptions(t *testing.T) {
	c := Bars("chart-b", "B", []string{"a"}, nil, false, WithHeight(500))
	if c.Height != 500 {
		t.Errorf("height %d, want 500", c.Height)
	}
	if h := Bars("chart-b", "B", make([]string, 20), nil, true).Height; h < 20*20 {
		t.Errorf("horizontal bars with 20 labels are %d px high, want room for each", h)
	}
	if h := Heatmap("chart-h", "H", nil, make([]string, 24), nil).Height; h < 24*20 {
		t.Errorf("heatmap with 24 rows is %d px high", h)
	}
}

func TestCategoryColor(t *testing.T) {
	seen := map[string]bool{}
	for i := range len(palette) {
		c := CategoryColor(i)
		if seen[c] {
			t.Errorf("colour %d %s repeats", i, c)
		}
		seen[c] = true
		if c == UnattributedColor {
			t.Errorf("category %d is grey", i)
		}
		if r := contrast(c, "#FFFFFF"); r < 3 {
			t.Errorf("colour %d %s has %.2f:1 contrast on white, want >= 3", i, c, r)
		}
	}
	if CategoryColor(len(palette)) != CategoryColor(0) || CategoryColor(-1) != UnattributedColor {
		t.Error("palette does not cycle, or a negative index is not grey")
	}
	for _, c := range []string{UnattributedColor, BudgetColor, textColor} {
		if r := contrast(c, "#FFFFFF"); r < 4.5 {
			t.Errorf("%s has %.2f:1 contrast on white, want >= 4.5", c, r)
		}
	}
}

// contrast is WCAG 2's contrast ratio of two #RRGGBB colours.
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(hex string) float64 {
	var c [3]float64
	for i := range c {
		n, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		v := float64(n) / 255
		if v <= 0.03928 {
			c[i] = v / 12.92
		} else {
			c[i] = math.Pow((v+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*c[0] + 0.7152*c[1] + 0.0722*c[2]
}

// Long names on a category axis wrap (with a line height ECharts reads, a
// number) instead of being cut, and pies name their slices in a legend and
// label them with shares to one decimal.
func TestLabels(t *testing.T) {
	type label struct {
		Width      float64 `json:"width"`
		Overflow   string  `json:"overflow"`
		LineHeight any     `json:"lineHeight"`
	}
	var bars struct {
		YAxis []struct {
			AxisLabel label `json:"axisLabel"`
		} `json:"yAxis"`
	}
	owners := Bars("chart-owners", "Top owners", []string{"someone.with.a.long.name@example.com"}, []Series{{Name: "Cost", Values: []float64{1}}}, true)
	heat := Heatmap("chart-h", "H", []string{"1"}, []string{"Deep Space Telemetry"}, [][]float64{{1}})
	for _, c := range []Chart{owners, heat} {
		if err := json.Unmarshal([]byte(c.Option), &bars); err != nil {
			t.Fatal(err)
		}
		if len(bars.YAxis) != 1 {
			t.Fatalf("%s: %d y axes", c.ID, len(bars.YAxis))
		}
		l := bars.YAxis[0].AxisLabel
		if l.Overflow != "break" || l.Width != labelWidth || l.LineHeight != 14.0 {
			t.Errorf("%s: category label %+v, want width %d, overflow break, line height 14 (a number)", c.ID, l, labelWidth)
		}
	}

	var pie struct {
		Legend struct {
			Show   bool   `json:"show"`
			Bottom string `json:"bottom"`
		} `json:"legend"`
		Series []struct {
			PercentPrecision int `json:"percentPrecision"`
			Label            struct {
				Formatter string `json:"formatter"`
			} `json:"label"`
		} `json:"series"`
	}
	if err := json.Unmarshal([]byte(Pie("chart-p", "P", []Slice{{Name: "Orbital Mechanics", Value: 1}}).Option), &pie); err != nil {
		t.Fatal(err)
	}
	if !pie.Legend.Show || pie.Legend.Bottom != "0" || len(pie.Series) != 1 || pie.Series[0].PercentPrecision != 1 || pie.Series[0].Label.Formatter != "{d} %" {
		t.Errorf("pie legend %+v, series %+v; want a legend at the bottom and shares to one decimal", pie.Legend, pie.Series)
	}
}
