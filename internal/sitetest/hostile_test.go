package sitetest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/novadynamics/stellar-budget/internal/billing"
	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/content"
	"github.com/novadynamics/stellar-budget/internal/duckdb"
	"github.com/novadynamics/stellar-budget/internal/pipeline"
	"github.com/novadynamics/stellar-budget/internal/trail"
)

// Tag values that try to run script in a page that does not escape them.
const (
	scriptTag = `<script>alert(1)</script>`
	imgTag    = `"><img src=x onerror=alert(1)>`
)

// hostileCategory is the configured category whose owners are hostile.
const hostileCategory = "DEEP_SPACE_TELEMETRY"

// writeHostileExport writes a small demo export (as CSV, the format most
// exports arrive in) and appends usage on the as-of day whose
// OperationalCategory or Owner tag is hostile. The quantities are large
// so that the hostile owners are among a category's top owners.
func writeHostileExport(t *testing.T, dir string) (usage, prices string) {
	t.Helper()
	div, err := content.Load("../../content")
	if err != nil {
		t.Fatal(err)
	}
	engine, err := duckdb.Open(duckdb.Options{Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close()
	usage, prices, err = pipeline.WriteDemo(t.Context(), engine, pipeline.DemoOptions{
		Division: div, AsOf: asOf, Rows: 3000, Dir: dir, Format: billing.CSV, Log: quietLog(),
	})
	if err != nil {
		t.Fatal(err)
	}
	hostile := []map[string]string{
		{"OperationalCategory": scriptTag, "Owner": "eve@example.test"},
		{"OperationalCategory": imgTag, "Owner": "eve@example.test"},
		{"OperationalCategory": hostileCategory, "Owner": scriptTag},
		{"OperationalCategory": hostileCategory, "Owner": imgTag},
	}
	var buf bytes.Buffer
	w, err := billing.NewUsageWriter(&buf, billing.CSV)
	if err != nil {
		t.Fatal(err)
	}
	end := asOf.Add(10 * time.Hour)
	for i, tags := range hostile {
		err := w.Write(billing.UsageRecord{
			RecordID: "hostile-" + string(rune('a'+i)), AccountID: "acct", WorkspaceID: "1",
			SKUName: "PREMIUM_JOBS_COMPUTE", Cloud: "AWS", UsageStart: end.Add(-time.Hour), UsageEnd: end,
			UsageDate: asOf, CustomTags: tags, UsageUnit: "DBU", UsageQuantity: budget.MustDecimal("5000"),
			RecordType: billing.RecordOriginal, IngestionDate: asOf, OriginProduct: "JOBS", UsageType: "COMPUTE_TIME",
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	_, records, _ := strings.Cut(buf.String(), "\n") // the export has its header already
	f, err := os.OpenFile(usage, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(records); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return usage, prices
}

// hostileTrail is an agent trail whose every text a caller or a workspace
// can write is hostile.
func hostileTrail(t *testing.T, dir string) trail.Store {
	t.Helper()
	store := trail.NewFileStore(dir)
	for i, v := range []string{scriptTag, imgTag} {
		_, _, err := store.Append(t.Context(), trail.Decision{
			Time: asOf.Add(time.Duration(i+1) * time.Hour), Key: fmt.Sprintf("hostile-%d", i), Caller: v, Role: v,
			Tool: trail.ToolScaleCluster, Outcome: trail.Acted, Reason: v, Category: v, Owner: v,
			Before: &trail.Cluster{ID: v, Name: v, State: v, Workers: 2}, After: &trail.Cluster{ID: v, Name: v, State: v, Workers: 1},
			SavingsMonthlyUSD: "10",
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return store
}

// injectionJS finds what a hostile value would leave in the DOM had it
// been parsed as markup: the image, an onerror handler, a script whose
// whole text is the alert.
const injectionJS = `[
  ...Array.from(document.querySelectorAll('img[src="x"]'), el => 'element ' + el.outerHTML),
  ...Array.from(document.querySelectorAll('[onerror]'), el => 'onerror handler on ' + el.outerHTML),
  ...Array.from(document.scripts).filter(s => s.textContent.trim() === 'alert(1)').map(s => 'injected script ' + s.outerHTML),
]`

// tooltipsJS shows the tooltip of every data point of every chart (ECharts
// builds tooltips as HTML, so an unescaped series or category name would
// become markup there) and returns how many it showed.
const tooltipsJS = `(() => {
  if (!window.echarts) return 0;
  let shown = 0;
  for (const el of document.querySelectorAll('[data-option]')) {
    const chart = echarts.getInstanceByDom(el);
    if (!chart) continue;
    const series = [].concat(chart.getOption().series || []);
    series.forEach((s, seriesIndex) => {
      const n = Math.min((s.data || []).length, 60);
      for (let dataIndex = 0; dataIndex < n; dataIndex++) {
        chart.dispatchAction({type: 'showTip', seriesIndex, dataIndex});
        shown++;
      }
    });
    chart.dispatchAction({type: 'hideTip'});
  }
  return shown;
})()`

// chartStringsJS lists the strings in the charts' options (as the page's
// script parses them) that mention the alert of the hostile values.
const chartStringsJS = `(() => {
  const found = [];
  const walk = v => {
    if (typeof v === 'string') { if (v.includes('alert(1)')) found.push(v); }
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  for (const el of document.querySelectorAll('[data-option]')) {
    try { walk(JSON.parse(el.dataset.option)); } catch (e) { found.push('unparsable option in ' + (el.id || el.tagName)); }
  }
  return found;
})()`

// TestHostileValuesInBrowser builds a site from an export whose tags carry
// markup and opens every page: no dialog, no console error, nothing of the
// markup in the DOM (also after every chart tooltip was shown), and the
// values appear as the text they are.
func TestHostileValuesInBrowser(t *testing.T) {
	dir := t.TempDir()
	usage, prices := writeHostileExport(t, dir)
	opts := buildOptions(filepath.Join(dir, "public"))
	opts.Source = pipeline.FilesSource{Usage: []string{usage}, ListPrices: []string{prices}}
	opts.Trail = hostileTrail(t, filepath.Join(dir, "state"))
	s, err := build(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.srv.Close()
	t.Logf("hostile site: %d pages, built in %s", len(s.pages), s.took.Round(time.Millisecond))

	shownOn := map[string][]string{scriptTag: nil, imgTag: nil}
	chartShown := map[string][]string{}
	for _, name := range s.pages {
		t.Run(name, func(t *testing.T) {
			p := open(t, s.url(name))
			tips := eval[int](t, p, tooltipsJS)
			// Let the tooltips render and any injected handler fire.
			eval[bool](t, p, `new Promise(r => requestAnimationFrame(() => setTimeout(() => r(true), 50)))`, chromedp.EvalAwaitPromise)
			for _, found := range eval[[]string](t, p, injectionJS) {
				t.Errorf("%s: hostile markup became DOM: %s", p.url, found)
			}
			for _, str := range eval[[]string](t, p, chartStringsJS) {
				switch {
				case str == scriptTag || str == imgTag:
					chartShown[str] = append(chartShown[str], name)
				case strings.Contains(str, "&lt;") || strings.Contains(str, "&#34;") || strings.Contains(str, "&gt;") || strings.Contains(str, "&#"):
					t.Errorf("%s: a chart shows the escaped form %q; it must get the raw value and draw it as text", p.url, str)
				default:
					t.Logf("%s: chart string %q", p.url, str)
				}
			}
			text := textOf(t, p)
			if strings.Contains(text, "&lt;script") || strings.Contains(text, "&#34;&gt;") {
				t.Errorf("%s: the page shows a hostile value escaped twice", p.url)
			}
			for value := range shownOn {
				if strings.Contains(text, value) {
					shownOn[value] = append(shownOn[value], name)
				}
			}
			p.close(t)
			if tips > 0 {
				t.Logf("showed %d chart tooltips", tips)
			}
		})
	}
	for value, pages := range shownOn {
		if len(pages) == 0 {
			t.Errorf("no page shows the tag value %q as text", value)
			continue
		}
		t.Logf("%q shown as text on %s", value, strings.Join(pages, ", "))
	}
	for _, value := range []string{scriptTag, imgTag} {
		if pages := chartShown[value]; len(pages) > 0 {
			t.Logf("%q drawn as text in charts on %s", value, strings.Join(pages, ", "))
		} else {
			t.Errorf("no chart has the tag value %q among its names", value)
		}
	}
	// The agent trail's text comes from callers and clusters.
	for value, pages := range shownOn {
		if !slices.Contains(pages, "agent/index.html") {
			t.Errorf("agent/index.html does not show %q", value)
		}
	}
	// The hostile owners belong to a configured category; its page must
	// list them.
	catPage := "categories/" + strings.ReplaceAll(strings.ToLower(hostileCategory), "_", "-") + "/index.html"
	for value, pages := range shownOn {
		if !slices.Contains(pages, catPage) {
			t.Errorf("%s does not show the owner %q", catPage, value)
		}
	}
}
