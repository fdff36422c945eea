package sitetest

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/novadynamics/stellar-budget/internal/charts"
)

// chartColoursJS lists, per chart, the colours its series and data items
// are drawn in, as ECharts holds them (a heat map's scale is one hue and
// is left out).
const chartColoursJS = `Array.from(document.querySelectorAll('[_echarts_instance_]'), el => {
  const chart = echarts.getInstanceByDom(el);
  const colours = new Set();
  const add = c => { if (typeof c === 'string' && /^#[0-9a-f]{6}$/i.test(c)) colours.add(c.toUpperCase()); };
  for (const s of [].concat((chart && chart.getOption().series) || [])) {
    if (s.type === 'heatmap') continue;
    add(s.itemStyle && s.itemStyle.color);
    for (const d of s.data || []) add(d && d.itemStyle && d.itemStyle.color);
  }
  return {chart: el.id, colours: Array.from(colours)};
})`

type chartColours struct {
	Chart   string   `json:"chart"`
	Colours []string `json:"colours"`
}

// minColourDistance is issue 11's "clearly distinct": CIEDE2000 of 15 or
// more (internal/charts holds its palettes to the same).
const minColourDistance = 15

// TestPageColours reads the colours every chart of every page is drawn in
// and holds every two different colours on one page at
// minColourDistance or more: two categories, a category and the
// unattributed grey or the budget's dark grey, a resource type and the
// category whose page it is on, the master page's month-to-date and
// forecast bars and the categories around them. One colour used by two
// charts means one thing and is not compared with itself.
func TestPageColours(t *testing.T) {
	s := demoSite(t)
	overall := math.Inf(1)
	for _, name := range s.pages {
		t.Run(name, func(t *testing.T) {
			p := open(t, s.url(name))
			perChart := eval[[]chartColours](t, p, chartColoursJS)
			p.close(t)
			where := map[string][]string{}
			for _, c := range perChart {
				for _, colour := range c.Colours {
					where[colour] = append(where[colour], c.Chart)
				}
			}
			var colours []string
			for c := range where {
				colours = append(colours, c)
			}
			slices.Sort(colours)
			if len(perChart) > 0 && len(colours) < 2 {
				t.Fatalf("%d charts but %d colours found; the colours are not read", len(perChart), len(colours))
			}
			least, pair := math.Inf(1), ""
			for i, a := range colours {
				for _, b := range colours[i+1:] {
					d, err := charts.ColorDistance(a, b)
					if err != nil {
						t.Fatal(err)
					}
					if d < minColourDistance {
						t.Errorf("%s (%s) and %s (%s) are %.1f apart (CIEDE2000), want >= %d", a, strings.Join(where[a], ", "), b, strings.Join(where[b], ", "), d, minColourDistance)
					}
					if d < least {
						least, pair = d, a+" and "+b
					}
				}
			}
			overall = min(overall, least)
			t.Logf("%d charts, %d colours; closest %s: %.2f", len(perChart), len(colours), pair, least)
		})
	}
	t.Logf("closest two colours on any page: %s", fmt.Sprintf("%.2f", overall))
}
