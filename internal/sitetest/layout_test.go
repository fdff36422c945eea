package sitetest

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	sitetemplates "github.com/novadynamics/stellar-budget/site-templates"
)

// Issue 11, part 8: at 1366 px no table scrolls sideways but a wide data
// table (more than wideTable columns), whose first column then stays in
// view; at 390 px a table fits or keeps its first column in view; printed,
// no table is wider than the page; legends never overlap the plot.

// wideTable is the most columns a table may have and still be required to
// fit a 1366 px screen.
const wideTable = 12

// printWidth is the text width of an A4 page in CSS px: 210 mm less the
// 12 mm side margins of site.css's @page rule, at 96 px to the inch.
const printWidth = 703

// A layoutMode is a screen or paper the pages are laid out for.
type layoutMode struct {
	name          string
	width, height int64
	print         bool
}

var layoutModes = []layoutMode{
	{name: "390", width: 390, height: 844},
	{name: "1366", width: 1366, height: 768},
	{name: "print", width: printWidth, height: 1123, print: true},
}

// tableLayout is one rendered table as measureLayoutJS measures it.
type tableLayout struct {
	Name        string  `json:"name"`
	Columns     int     `json:"columns"`
	Left        float64 `json:"left"`
	Right       float64 `json:"right"`
	Width       float64 `json:"width"`
	ClientWidth float64 `json:"clientWidth"` // of its scroll box (or the page)
	ScrollWidth float64 `json:"scrollWidth"`
	Scrolls     bool    `json:"scrolls"`
	// FirstColumn lists why the first column is not in view once the
	// table is scrolled to its far end; nil if the table does not scroll.
	FirstColumn []string `json:"firstColumn"`
}

// chartLayout is one drawn chart: its size, how many legends (and visual
// maps) and plot parts (grid, axes, series) were found, and the overlaps.
type chartLayout struct {
	Name     string   `json:"name"`
	Width    float64  `json:"width"`
	Height   float64  `json:"height"`
	Legends  int      `json:"legends"`
	Plots    int      `json:"plots"`
	Problems []string `json:"problems"`
}

type pageLayout struct {
	Viewport    float64       `json:"viewport"`
	PageWidth   float64       `json:"pageWidth"`
	Overflowing []string      `json:"overflowing"`
	Tables      []tableLayout `json:"tables"`
	Charts      []chartLayout `json:"charts"`
}

// measureLayoutJS measures the page as laid out now.
//
// Tables: every rendered table, its column count, and its scroll box (the
// nearest ancestor that clips sideways): scrollWidth against clientWidth.
// A table that scrolls is scrolled to its far end, and the first cell of
// its first, middle and last rows must then lie inside the visible part
// of the box and be what the browser hits at that point (on top, not
// covered by the cells scrolled under it).
//
// Charts: for every ECharts instance, the rectangles ECharts laid out,
// read from its component and series views (ECharts has no public call
// for them; the view's zrender group knows its bounding rect): each
// legend and visual map must lie inside the chart and overlap none of the
// plot's parts, the grid, the axes with their labels, and every series
// (a pie with its labels).
//
// The page: its scrollWidth; if wider than the screen, the deepest
// elements whose removal narrows it.
const measureLayoutJS = `(async () => {
  const frame = () => new Promise(r => requestAnimationFrame(() => setTimeout(r, 30)));
  const vw = document.documentElement.clientWidth;
  const out = {viewport: vw, pageWidth: document.documentElement.scrollWidth, tables: [], charts: []};
  const visible = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const nameOf = (el, fallback) => {
    const cap = el.querySelector(':scope > caption');
    const text = (cap ? cap.textContent : (el.getAttribute('aria-label') || el.id || fallback)).replace(/\s+/g, ' ').trim();
    return text.length > 70 ? text.slice(0, 67) + '...' : text;
  };
  const scroller = el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') return p;
    }
    return null;
  };
  // What widens the page: the deepest elements whose removal narrows it.
  out.overflowing = [];
  if (out.pageWidth > vw + 1) {
    const probe = (root, depth) => {
      for (const el of root.children) {
        const display = el.style.display;
        el.style.display = 'none';
        const w = document.documentElement.scrollWidth;
        el.style.display = display;
        if (w < out.pageWidth) {
          const before = out.overflowing.length;
          if (depth < 12) probe(el, depth + 1);
          if (out.overflowing.length === before) {
            out.overflowing.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' ' + JSON.stringify((el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 60)));
          }
        }
      }
    };
    probe(document.body, 0);
  }
  const tables = Array.from(document.querySelectorAll('table')).filter(visible);
  for (const [i, table] of tables.entries()) {
    let columns = 0;
    for (const row of table.rows) {
      let n = 0;
      for (const cell of row.cells) n += cell.colSpan || 1;
      columns = Math.max(columns, n);
    }
    const box = scroller(table);
    const r = table.getBoundingClientRect();
    const t = {name: nameOf(table, 'table ' + (i + 1)), columns, left: r.left, right: r.right, width: r.width,
      clientWidth: box ? box.clientWidth : vw, scrollWidth: box ? box.scrollWidth : r.width, scrolls: false,
      firstColumn: null};
    t.scrolls = !!box && box.scrollWidth > box.clientWidth + 1;
    if (t.scrolls) {
      // Scroll the table to its far end and look at the first cell of
      // its first, middle and last rows: inside the visible part of the
      // scroll box, and on top there (what elementFromPoint hits).
      box.scrollLeft = box.scrollWidth;
      const rows = Array.from(table.rows);
      const sample = [...new Set([rows[0], rows[Math.floor(rows.length / 2)], rows[rows.length - 1]])];
      const problems = [];
      for (const row of sample) {
        const cell = row.cells[0];
        if (!cell) continue;
        const before = cell.getBoundingClientRect();
        window.scrollTo(0, window.scrollY + before.top - window.innerHeight / 2);
        await frame();
        const c = cell.getBoundingClientRect(), b = box.getBoundingClientRect();
        const label = JSON.stringify(cell.textContent.trim().slice(0, 30));
        if (b.left < -1 || b.right > vw + 1) {
          problems.push('its scroll box (' + Math.round(b.left) + '..' + Math.round(b.right) + ' px) is itself off the screen');
          break;
        }
        if (c.left < b.left - 1 || c.right > b.right + 1 || c.width < 1) {
          problems.push('first cell ' + label + ' at ' + Math.round(c.left) + '..' + Math.round(c.right) + ' px, outside the visible ' + Math.round(b.left) + '..' + Math.round(b.right));
          break;
        }
        const x = c.left + Math.min(8, c.width / 2), y = c.top + c.height / 2;
        const hit = document.elementFromPoint(x, y);
        if (!hit || !(hit === cell || cell.contains(hit))) {
          problems.push('first cell ' + label + ' is covered by ' + (hit ? hit.tagName.toLowerCase() + ' ' + JSON.stringify((hit.textContent || '').trim().slice(0, 20)) : 'nothing'));
        }
        if (problems.length) break; // one row says it
      }
      box.scrollLeft = 0;
      t.firstColumn = problems;
    }
    out.tables.push(t);
  }
  // Charts: every ECharts instance, measured from what ECharts laid out.
  const rectOf = view => {
    if (!view || !view.group) return null;
    const g = view.group;
    const r = g.getBoundingRect().clone();
    r.applyTransform(g.getLocalTransform());
    return r.width > 0 && r.height > 0 ? {x: r.x, y: r.y, width: r.width, height: r.height} : null;
  };
  const overlap = (a, b) => Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x) > 0.5 &&
    Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y) > 0.5;
  const fmt = r => '[' + [r.x, r.y, r.x + r.width, r.y + r.height].map(Math.round).join(', ') + ']';
  for (const el of document.querySelectorAll('[_echarts_instance_]')) {
    if (!visible(el)) continue;
    const chart = window.echarts && echarts.getInstanceByDom(el);
    const c = {name: el.id || el.getAttribute('aria-label') || 'chart', problems: [], legends: 0, plots: 0};
    out.charts.push(c);
    if (!chart) { c.problems.push('no ECharts instance'); continue; }
    const model = chart.getModel();
    const w = chart.getWidth(), h = chart.getHeight();
    c.width = w; c.height = h;
    const legends = [], plots = [];
    for (const key of ['legend', 'visualMap']) {
      model.eachComponent(key, m => {
        if (m.get('show') === false) return;
        const r = rectOf(chart.getViewOfComponentModel(m));
        if (r) legends.push({what: key, r});
      });
    }
    model.eachComponent('grid', g => {
      const cs = g.coordinateSystem;
      if (cs && cs.getRect) { const r = cs.getRect(); plots.push({what: 'grid', r: {x: r.x, y: r.y, width: r.width, height: r.height}}); }
    });
    for (const key of ['xAxis', 'yAxis']) {
      model.eachComponent(key, a => { const r = rectOf(chart.getViewOfComponentModel(a)); if (r) plots.push({what: key + ' labels', r}); });
    }
    // Series outside a grid (a pie, with its labels); those in a grid
    // are inside its rect.
    model.eachSeries(s => {
      if (s.coordinateSystem && s.coordinateSystem.type === 'cartesian2d') return;
      const r = rectOf(chart.getViewOfSeriesModel(s));
      if (r) plots.push({what: s.subType + ' series', r});
    });
    c.legends = legends.length; c.plots = plots.length;
    for (const l of legends) {
      if (l.r.x < -0.5 || l.r.y < -0.5 || l.r.x + l.r.width > w + 0.5 || l.r.y + l.r.height > h + 0.5) {
        c.problems.push(l.what + ' ' + fmt(l.r) + ' reaches outside the chart (' + w + '×' + h + ')');
      }
      for (const p of plots) {
        if (overlap(l.r, p.r)) c.problems.push(l.what + ' ' + fmt(l.r) + ' overlaps the ' + p.what + ' ' + fmt(p.r));
      }
    }
    const canvas = el.querySelector('canvas');
    if (canvas) {
      const cr = canvas.getBoundingClientRect(), er = el.getBoundingClientRect();
      if (cr.right > er.right + 1 || cr.bottom > er.bottom + 1) {
        c.problems.push('canvas ' + Math.round(cr.width) + '×' + Math.round(cr.height) + ' px overflows its box ' + Math.round(er.width) + '×' + Math.round(er.height));
      }
    }
  }
  window.scrollTo(0, 0);
  return out;
})()`

func measureLayout(t *testing.T, p *tab) pageLayout {
	t.Helper()
	return eval[pageLayout](t, p, measureLayoutJS, chromedp.EvalAwaitPromise)
}

// problems are the rules of issue 11 broken by the page in mode m.
func (l pageLayout) problems(m layoutMode) []string {
	var out []string
	if l.PageWidth > l.Viewport+1 {
		widest := l.Overflowing[:min(len(l.Overflowing), 4)]
		out = append(out, fmt.Sprintf("the page is %.0f px wide on a %.0f px screen; it is widened by %s", l.PageWidth, l.Viewport, strings.Join(widest, ", ")))
	}
	for _, tb := range l.Tables {
		switch {
		case m.print:
			if tb.Right > float64(printWidth)+1 || tb.Scrolls {
				out = append(out, fmt.Sprintf("table %q is %.0f px wide (to %.0f px); the printed page has %d", tb.Name, max(tb.Width, tb.ScrollWidth), tb.Right, printWidth))
			}
		case !tb.Scrolls:
		case m.width >= 1366 && tb.Columns <= wideTable:
			out = append(out, fmt.Sprintf("table %q (%d columns) scrolls sideways: %.0f px wide in %.0f px", tb.Name, tb.Columns, tb.ScrollWidth, tb.ClientWidth))
		default:
			for _, why := range tb.FirstColumn {
				out = append(out, fmt.Sprintf("table %q (%d columns, %.0f px wide in %.0f px) scrolls and loses its first column: %s", tb.Name, tb.Columns, tb.ScrollWidth, tb.ClientWidth, why))
			}
		}
	}
	for _, c := range l.Charts {
		for _, why := range c.Problems {
			out = append(out, fmt.Sprintf("chart %s (%.0f×%.0f px): %s", c.Name, c.Width, c.Height, why))
		}
	}
	return out
}

// summary is one line of figures for the log.
func (l pageLayout) summary() string {
	fit, sticky := 0, 0
	var widths []string
	for _, tb := range l.Tables {
		if tb.Scrolls {
			sticky++
			widths = append(widths, fmt.Sprintf("%d cols %.0f/%.0f", tb.Columns, tb.ScrollWidth, tb.ClientWidth))
		} else {
			fit++
		}
	}
	legends := 0
	for _, c := range l.Charts {
		legends += c.Legends
	}
	s := fmt.Sprintf("page %.0f px on %.0f; %d tables fit, %d scroll", l.PageWidth, l.Viewport, fit, sticky)
	if len(widths) > 0 {
		s += " (" + strings.Join(widths, ", ") + " px)"
	}
	return s + fmt.Sprintf("; %d charts, %d legends clear of the plot", len(l.Charts), legends)
}

// openLayout opens a page for mode m: a viewport of its width, and for
// print the print media type, once the page's script has redrawn the
// charts for it (site.js listens to the print media query).
func openLayout(t *testing.T, pageURL string, m layoutMode) *tab {
	t.Helper()
	p := openWith(t, pageURL, openOptions{width: m.width, height: m.height})
	if m.print {
		if _, err := chromedp.Call(p.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
			t.Fatalf("%s: emulate print media: %v", p.url, err)
		}
		ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
		defer cancel()
		err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`matchMedia('print').matches &&
  Array.from(document.querySelectorAll('[_echarts_instance_]')).every(el =>
    !el.getClientRects().length || Math.abs(echarts.getInstanceByDom(el).getWidth() - el.clientWidth) < 1)`))
		if err != nil {
			t.Errorf("%s: the charts were not redrawn for the printed width in 10s: %v", p.url, err)
		}
	}
	return p
}

// TestLayout lays every page of the demo site out at 390 px, at 1366 px and
// for A4 paper and measures its tables and charts (see measureLayoutJS).
// Full-page screenshots of the master page, the report and one category
// page in each mode are kept as test artefacts.
func TestLayout(t *testing.T) {
	s := demoSite(t)
	shots := map[string]string{"index.html": "master", "report/index.html": "report", "categories/propulsion-analytics/index.html": "category"}
	for _, m := range layoutModes {
		t.Run(m.name, func(t *testing.T) {
			for _, name := range s.pages {
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					p := openLayout(t, s.url(name), m)
					l := measureLayout(t, p)
					for _, problem := range l.problems(m) {
						t.Errorf("%s at %s: %s", name, m.name, problem)
					}
					t.Logf("%s at %s: %s", name, m.name, l.summary())
					if name == "index.html" {
						// The measurement found what it measures: a
						// check that sees no legend or table passes by
						// accident.
						measured := 0
						for _, c := range l.Charts {
							if c.Legends > 0 && c.Plots > 0 {
								measured++
							}
						}
						if len(l.Tables) < 5 || measured < 3 {
							t.Errorf("index.html at %s: measured %d tables and %d charts with legend and plot; the measurement is broken", m.name, len(l.Tables), measured)
						}
					}
					if shot, ok := shots[name]; ok {
						png, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
						if err != nil {
							t.Fatal(err)
						}
						t.Logf("screenshot: %s", writeArtifact(t, "layout-"+m.name+"-"+shot+".png", png))
					}
					p.close(t)
				})
			}
		})
	}
}

// badLayout is a page with one of every layout problem TestLayout must
// catch, and a chart drawn straight with ECharts (no site.js to make room
// for its legend).
var badLayout = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>bad layout</title><link rel="icon" href="data:,">
<style>body { margin: 16px; font: 16px sans-serif; } .wrap { overflow-x: auto; } th, td { white-space: nowrap; padding: 4px 12px; }</style>
<script src="echarts.min.js"></script></head><body><main>
<div class="wrap"><table><caption>Eight columns</caption><tr><th>Name</th>` + strings.Repeat(`<td>a cell that does not wrap at all</td>`, 7) + `</tr></table></div>
<div class="wrap"><table><caption>Twenty columns</caption>` + strings.Repeat(`<tr><th>Row name</th>`+strings.Repeat(`<td>$12,345.67</td>`, 19)+`</tr>`, 3) + `</table></div>
<table><caption>No scroll box</caption><tr><th>Name</th>` + strings.Repeat(`<td>$1,234,567.89</td>`, 9) + `</tr></table>
<div id="chart-crowded" style="width: 100%; height: 240px"></div>
<script>
const names = ['Deep Space Telemetry', 'Exoplanet Research', 'Exploratory Missions', 'Materials Science', 'Navigation Systems', 'Orbital Mechanics', 'Propulsion Analytics', 'Unattributed'];
const chart = echarts.init(document.getElementById('chart-crowded'));
chart.setOption({animation: false, legend: {bottom: 0}, grid: {left: 40, right: 10, top: 10, bottom: 24},
  xAxis: {type: 'category', data: ['Jan', 'Feb', 'Mar']}, yAxis: {type: 'value'},
  series: names.map(name => ({name, type: 'bar', stack: 'all', data: [1, 2, 3]}))});
</script></main></body></html>`

// TestLayoutChecksCatchProblems runs the layout measurement on badLayout:
// each rule must report its problem, so that a rule that passes on the
// site is known to be able to fail.
func TestLayoutChecksCatchProblems(t *testing.T) {
	echartsJS, err := fs.ReadFile(sitetemplates.FS, "static/js/echarts.min.js")
	if err != nil {
		t.Fatal(err)
	}
	srv := serveFiles(t, map[string]string{"/bad.html": badLayout, "/echarts.min.js": string(echartsJS)})
	want := map[string][]string{
		"390":   {"the page is", `table "Twenty columns" (20 columns`, "loses its first column", "chart chart-crowded", "legend", "overlaps the"},
		"1366":  {`table "Eight columns" (8 columns) scrolls sideways`, `table "Twenty columns" (20 columns`, "loses its first column", "overlaps the"},
		"print": {`table "No scroll box" is`, "the printed page has 703", `table "Eight columns" is`, "overlaps the"},
	}
	for _, m := range layoutModes {
		t.Run(m.name, func(t *testing.T) {
			p := openLayout(t, srv.URL+"/bad.html", m)
			problems := strings.Join(measureLayout(t, p).problems(m), "\n")
			for _, w := range want[m.name] {
				if !strings.Contains(problems, w) {
					t.Errorf("no problem mentions %q; got:\n%s", w, problems)
				}
			}
			t.Logf("problems found:\n%s", problems)
			p.close(t)
		})
	}
}
