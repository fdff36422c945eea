package sitetest

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/novadynamics/stellar-budget/internal/charts"
	"github.com/novadynamics/stellar-budget/internal/snapshot"
)

// Issue 17, part 7: on a 390 px phone the status board is readable without
// sideways scrolling, one card per category with its name, status, month
// to date, budget and projection; a category page shows its status above
// the fold on a phone and a laptop; the daily chart's legend names the
// forecast's 80 % range as a range.

// statusLabel is a category's status as the pages name it.
func statusLabel(c snapshot.Category) string { return strings.ReplaceAll(c.Status, "_", " ") }

// boardCategories are the categories as data/snapshot.json has them, and
// so as the pages must show them.
func boardCategories(t *testing.T, siteDir string) []snapshot.Category {
	t.Helper()
	snap, err := snapshot.ReadFile(filepath.Join(siteDir, filepath.FromSlash(snapshot.Path)))
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Categories) == 0 {
		t.Fatal("data/snapshot.json lists no categories")
	}
	return snap.Categories
}

// boardCard is one row of the status board as laid out: its texts and
// where its parts are.
type boardCard struct {
	Name   string            `json:"name"`
	Status string            `json:"status"`
	Cells  map[string]string `json:"cells"` // by data-label
	// Hidden lists the parts of the card (name, status, cells) not drawn
	// inside the screen's width.
	Hidden []string `json:"hidden"`
	// Stacked is true when the figures sit under the name, as a card's
	// do, not beside it, as a table row's do.
	Stacked bool    `json:"stacked"`
	Display string  `json:"display"` // the row's CSS display
	Left    float64 `json:"left"`
	Right   float64 `json:"right"`
}

type boardLayout struct {
	ScrollWidth     float64     `json:"scrollWidth"`
	ClientWidth     float64     `json:"clientWidth"`
	WrapScrollWidth float64     `json:"wrapScrollWidth"`
	WrapClientWidth float64     `json:"wrapClientWidth"`
	HeaderCells     int         `json:"headerCells"` // column headers in the DOM (kept for screen readers)
	Cards           []boardCard `json:"cards"`
}

const measureBoardJS = `(() => {
  const root = document.documentElement;
  const board = document.querySelector('.status-board');
  const wrap = board.querySelector('.table-wrap');
  const vw = root.clientWidth;
  const drawn = el => {
    const r = el.getBoundingClientRect();
    return el.getClientRects().length > 0 && r.width > 0 && r.left >= -1 && r.right <= vw + 1;
  };
  const text = el => el ? el.textContent.replace(/\s+/g, ' ').trim() : '';
  return {
    scrollWidth: root.scrollWidth, clientWidth: vw,
    wrapScrollWidth: wrap.scrollWidth, wrapClientWidth: wrap.clientWidth,
    headerCells: board.querySelectorAll('thead th[scope=col]').length,
    cards: Array.from(board.querySelectorAll('tbody > tr'), tr => {
      const th = tr.querySelector('th[scope=row]');
      const status = tr.querySelector('.status');
      const card = {name: text(th), status: text(status), cells: {}, hidden: [],
        display: getComputedStyle(tr).display, left: tr.getBoundingClientRect().left, right: tr.getBoundingClientRect().right};
      if (!drawn(th)) card.hidden.push('name');
      if (!status || !drawn(status)) card.hidden.push('status');
      for (const td of tr.querySelectorAll('td[data-label]')) {
        const label = td.getAttribute('data-label');
        // The figure without its range: the cell's own first text.
        card.cells[label] = text(td.firstChild && td.firstChild.nodeType === 3 ? {textContent: td.firstChild.textContent} : td);
        if (!drawn(td)) card.hidden.push(label);
      }
      const mtd = tr.querySelector('td[data-label="Month to date"]');
      card.stacked = !!mtd && mtd.getBoundingClientRect().top >= th.getBoundingClientRect().bottom - 1;
      return card;
    }),
  };
})()`

// TestStatusBoardOnAPhone opens the master page on a 390×844 screen: the
// page does not scroll sideways, nor does the board inside it, and every
// category is a card that shows its name, status, month to date, budget
// and projection (as data/snapshot.json has them) inside the screen. On a
// laptop and on paper the board stays a table.
func TestStatusBoardOnAPhone(t *testing.T) {
	s := demoSite(t)
	want := boardCategories(t, s.dir)

	t.Run("390", func(t *testing.T) {
		p := openWith(t, s.url("index.html"), openOptions{width: 390, height: 844})
		l := eval[boardLayout](t, p, measureBoardJS)
		if l.ScrollWidth > l.ClientWidth {
			t.Errorf("the page scrolls sideways: %.0f px wide on a %.0f px screen", l.ScrollWidth, l.ClientWidth)
		}
		if l.WrapScrollWidth > l.WrapClientWidth+1 {
			t.Errorf("the status board scrolls sideways: %.0f px wide in %.0f px", l.WrapScrollWidth, l.WrapClientWidth)
		}
		if l.HeaderCells != 8 {
			t.Errorf("the board has %d column headers in the page, want its 8 (hidden from sight on a phone, there for screen readers)", l.HeaderCells)
		}
		if len(l.Cards) != len(want) {
			t.Fatalf("the board has %d rows, want one per category (%d)", len(l.Cards), len(want))
		}
		for i, c := range want {
			card := l.Cards[i]
			got := map[string]string{"name": card.Name, "status": card.Status,
				"month to date": card.Cells["Month to date"], "budget": card.Cells["Budget"], "projected": card.Cells["Projected"]}
			for field, w := range map[string]string{"name": c.Title, "status": statusLabel(c),
				"month to date": c.MonthToDate.Decimal().USD(), "budget": c.MonthlyBudget.Decimal().USD(), "projected": c.Forecast.Decimal().USD()} {
				if got[field] != w {
					t.Errorf("%s's card: %s %q, want %q", c.Title, field, got[field], w)
				}
			}
			for _, label := range []string{"Projected % of budget", "Chance over"} {
				if !strings.HasSuffix(card.Cells[label], " %") {
					t.Errorf("%s's card: %s %q, want a percentage", c.Title, label, card.Cells[label])
				}
			}
			if len(card.Hidden) > 0 {
				t.Errorf("%s's card: %s not drawn inside the %.0f px screen", c.Title, strings.Join(card.Hidden, ", "), l.ClientWidth)
			}
			if !card.Stacked || card.Right-card.Left < l.WrapClientWidth-2 {
				t.Errorf("%s's row is not a card: figures beside the name (%v), %.0f px of %.0f wide", c.Title, !card.Stacked, card.Right-card.Left, l.WrapClientWidth)
			}
		}
		p.close(t)
	})

	// Wider, and printed, the board is the table it is in the page.
	for _, m := range layoutModes[1:] {
		t.Run(m.name, func(t *testing.T) {
			p := openLayout(t, s.url("index.html"), m)
			l := eval[boardLayout](t, p, measureBoardJS)
			for i, card := range l.Cards {
				if card.Display != "table-row" || card.Stacked {
					t.Errorf("%s at %s: row %d is laid out as %s (stacked %v), want a table row", want[i].Title, m.name, i, card.Display, card.Stacked)
				}
			}
			if l.WrapScrollWidth > l.WrapClientWidth+1 {
				t.Errorf("the status board scrolls sideways at %s: %.0f px wide in %.0f px", m.name, l.WrapScrollWidth, l.WrapClientWidth)
			}
			p.close(t)
		})
	}
}

// statusBox is a category page's status box: where it ends, and its text.
type statusBox struct {
	Found          bool    `json:"found"`
	Top            float64 `json:"top"`
	Bottom         float64 `json:"bottom"`
	InnerHeight    float64 `json:"innerHeight"`
	Status         string  `json:"status"`
	Reason         string  `json:"reason"`
	FiguresByLabel []struct {
		Label string `json:"label"`
		Value string `json:"value"`
	} `json:"figures"`
}

const measureStatusBoxJS = `(() => {
  window.scrollTo(0, 0);
  const box = document.getElementById('status');
  if (!box) return {found: false};
  const r = box.getBoundingClientRect();
  const text = el => el ? el.textContent.replace(/\s+/g, ' ').trim() : '';
  return {found: true, top: r.top, bottom: r.bottom, innerHeight: window.innerHeight,
    status: text(box.querySelector('.status')), reason: text(box.querySelector('.reason')),
    figures: Array.from(box.querySelectorAll('dl > div'), d => ({label: text(d.querySelector('dt')), value: text(d.querySelector('dd'))}))};
})()`

// TestCategoryStatusAboveTheFold opens every category page on a 390×844
// phone and a 1366×768 laptop: the status box (status, why, month to
// date against budget, projection, chance over) lies wholly in the first
// screen, and says what data/snapshot.json says.
func TestCategoryStatusAboveTheFold(t *testing.T) {
	s := demoSite(t)
	percent := regexp.MustCompile(`^\d{1,4}\.\d %$`)
	for _, m := range layoutModes[:2] {
		t.Run(m.name, func(t *testing.T) {
			for _, c := range boardCategories(t, s.dir) {
				t.Run(c.Slug, func(t *testing.T) {
					t.Parallel()
					p := openWith(t, s.url("categories/"+c.Slug+"/index.html"), openOptions{width: m.width, height: m.height})
					box := eval[statusBox](t, p, measureStatusBoxJS)
					if !box.Found {
						t.Fatal("the page has no #status box")
					}
					if box.Top < 0 || box.Bottom > box.InnerHeight {
						t.Errorf("the status box spans %.0f..%.0f px; the first screen ends at %.0f", box.Top, box.Bottom, box.InnerHeight)
					}
					figures := map[string]string{}
					for _, f := range box.FiguresByLabel {
						figures[f.Label] = f.Value
					}
					for label, w := range map[string]string{
						"Month to date":       c.MonthToDate.Decimal().USD(),
						"Budget":              c.MonthlyBudget.Decimal().USD(),
						"Projected month end": c.Forecast.Decimal().USD(),
					} {
						if figures[label] != w {
							t.Errorf("status box: %s %q, want %q", label, figures[label], w)
						}
					}
					if !percent.MatchString(figures["Chance over budget"]) || !percent.MatchString(figures["Projected % of budget"]) {
						t.Errorf("status box: chance over %q, projected %% of budget %q; want percentages", figures["Chance over budget"], figures["Projected % of budget"])
					}
					if box.Status != statusLabel(c) {
						t.Errorf("status box: status %q, want %q", box.Status, statusLabel(c))
					}
					if c.Driver == "" || box.Reason != "Why: "+c.Driver {
						t.Errorf("status box: reason %q, want %q", box.Reason, "Why: "+c.Driver)
					}
					p.close(t)
				})
			}
		})
	}
}

// TestDailyChartNamesTheRange reads the daily chart of a category page as
// ECharts drew it: its legend has one entry for the forecast's interval,
// named as the 80 % range it is, and the page's forecast figures beside it
// label the interval the same way.
func TestDailyChartNamesTheRange(t *testing.T) {
	s := demoSite(t)
	c := boardCategories(t, s.dir)[0]
	p := open(t, s.url("categories/"+c.Slug+"/index.html"))
	// Charts are drawn as they come near the screen.
	eval[chromedp.Void](t, p, `document.getElementById('chart-daily').scrollIntoView()`)
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`!!echarts.getInstanceByDom(document.getElementById('chart-daily'))`)); err != nil {
		t.Fatalf("the daily chart was not drawn in 10s: %v", err)
	}
	legend := eval[[]string](t, p, `echarts.getInstanceByDom(document.getElementById('chart-daily')).getOption().legend[0].data.map(String)`)
	if !strings.Contains(strings.Join(legend, "|"), charts.NameRange) {
		t.Errorf("the daily chart's legend %q has no %q", legend, charts.NameRange)
	}
	for _, entry := range legend {
		if l := strings.ToLower(entry); strings.Contains(l, "low") || strings.Contains(l, "high") {
			t.Errorf("legend entry %q names an end of the range, not the range", entry)
		}
	}
	facts := eval[string](t, p, `Array.from(document.querySelectorAll('dl.facts dt'), dt => dt.textContent.trim()).join('|')`)
	if !strings.Contains("|"+facts+"|", "|"+charts.NameRange+"|") {
		t.Errorf("the forecast figures (%s) do not label the interval %q as the legend does", facts, charts.NameRange)
	}
	t.Logf("legend %q; forecast figures %s", legend, facts)
	p.close(t)
}
