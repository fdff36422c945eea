package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/novadynamics/stellar-budget/internal/state"
)

// DefaultTimeout bounds how long a page may take to load and draw its
// charts.
const DefaultTimeout = 30 * time.Second

// Chart is what a page shows for one element with a data-option attribute
// (the ECharts option of a chart, drawn by the page's script into a canvas).
type Chart struct {
	Element  string `json:"element"`  // tag, id or label, and its index among the charts
	Canvases int    `json:"canvases"` // canvas elements inside it
	Drawn    bool   `json:"drawn"`    // a canvas has pixels that differ from a blank canvas of its size
	Problem  string `json:"problem"`  // why a canvas could not be read, if one could not
}

// chartsJS describes every chart of the page. A canvas counts as drawn when
// its PNG differs from that of a new, blank canvas of the same size, which
// works for 2D and WebGL canvases alike and needs no knowledge of the
// charting library.
const chartsJS = `Array.from(document.querySelectorAll('[data-option]'), (el, i) => {
  const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.getAttribute('aria-label') ? ' "' + el.getAttribute('aria-label') + '"' : '') + ' (chart ' + (i + 1) + ')';
  const canvases = Array.from(el.querySelectorAll('canvas'));
  let drawn = false, problem = '';
  for (const c of canvases) {
    if (!c.width || !c.height) continue;
    const blank = document.createElement('canvas');
    blank.width = c.width;
    blank.height = c.height;
    try {
      if (c.toDataURL() !== blank.toDataURL()) { drawn = true; break; }
    } catch (e) {
      problem = String(e);
    }
  }
  return {element: name, canvases: canvases.length, drawn, problem};
})`

// Charts reports the charts of the page that the tab ctx shows.
func Charts(ctx context.Context) ([]Chart, error) {
	charts, err := chromedp.Run(ctx, chromedp.Evaluate[[]Chart](chartsJS))
	if err != nil {
		return nil, fmt.Errorf("read charts: %w", err)
	}
	return charts, nil
}

// settleJS resolves once the canvases of the charts look the same in two
// samples a short time apart, so that a chart's opening animation has ended
// before anyone looks at it or prints it.
const settleJS = `(async () => {
  await document.fonts.ready;
  const look = () => Array.from(document.querySelectorAll('[data-option] canvas'),
    c => { try { return c.width + 'x' + c.height + c.toDataURL(); } catch (e) { return ''; } }).join('|');
  let before = look();
  for (let i = 0; i < 40; i++) {
    await new Promise(r => setTimeout(r, 150));
    const now = look();
    if (now === before) return true;
    before = now;
  }
  return false;
})()`

// WaitLoaded waits until the page of the tab ctx has loaded
// (document.readyState is "complete"), has been sent "beforeprint" (the
// site draws every chart then, not only those on screen), every
// data-option element holds a
// canvas, and the canvases have stopped changing. A page without charts
// is ready once it has loaded. It fails after timeout (DefaultTimeout if
// zero) and then names the charts that were not drawn.
func WaitLoaded(ctx context.Context, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	deadline := time.Now().Add(timeout)
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`document.readyState === "complete"`,
		chromedp.WithPollingTimeout(timeout))); err != nil {
		return fmt.Errorf("wait for the page to load: %w", err)
	}
	// Pages draw a chart when it scrolls near the screen, and all of them
	// before printing: ask for that, then give the screen layout back.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.dispatchEvent(new Event('beforeprint')) && window.dispatchEvent(new Event('afterprint'))`)); err != nil {
		return fmt.Errorf("ask the page to draw its charts: %w", err)
	}
	err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](
		`Array.from(document.querySelectorAll('[data-option]')).every(el => el.querySelector('canvas'))`,
		chromedp.WithPollingTimeout(max(time.Until(deadline), time.Second))))
	if errors.Is(err, chromedp.ErrPollingTimeout) || errors.Is(err, context.DeadlineExceeded) {
		// ctx may be done: ask with a little time of its own.
		reportCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		charts, _ := Charts(reportCtx)
		var missing []string
		for _, c := range charts {
			if c.Canvases == 0 {
				missing = append(missing, c.Element)
			}
		}
		return fmt.Errorf("charts not drawn after %s: no canvas in %s", timeout, strings.Join(missing, ", "))
	}
	if err != nil {
		return fmt.Errorf("wait for the charts: %w", err)
	}
	settleCtx, cancel := context.WithDeadline(ctx, deadline.Add(time.Second))
	defer cancel()
	if _, err := chromedp.Run(settleCtx, chromedp.Evaluate[bool](settleJS, chromedp.EvalAwaitPromise)); err != nil {
		return fmt.Errorf("wait for the charts to settle: %w", err)
	}
	return nil
}

// Paper is a sheet size in inches.
type Paper struct{ Width, Height float64 }

// Paper sizes a report is printed on.
var (
	A4     = Paper{8.27, 11.69}
	Letter = Paper{8.5, 11}
)

type printSettings struct {
	paper   Paper
	timeout time.Duration
}

// PrintOption changes how a page is printed.
type PrintOption func(*printSettings)

// WithPaper prints on paper (A4 by default). A CSS @page size in the page
// wins over it.
func WithPaper(p Paper) PrintOption { return func(s *printSettings) { s.paper = p } }

// WithTimeout bounds the wait for the page and its charts (DefaultTimeout
// by default).
func WithTimeout(d time.Duration) PrintOption { return func(s *printSettings) { s.timeout = d } }

// PrintPDF starts Chromium from execPath, opens url, waits until the page
// has loaded and its charts are drawn, and prints it to out (with
// backgrounds, on A4 unless the page's CSS or an option says otherwise,
// tagged for screen readers). out is replaced atomically: a failed print
// leaves the previous file as it was.
func PrintPDF(ctx context.Context, execPath, url, out string, opts ...PrintOption) error {
	browserCtx, cancel, err := New(ctx, execPath)
	if err != nil {
		return err
	}
	defer cancel()
	return Print(browserCtx, url, out, opts...)
}

// Print is PrintPDF in a browser that runs already: ctx comes from New,
// and the page is opened in a new tab.
func Print(ctx context.Context, url, out string, opts ...PrintOption) error {
	s := printSettings{paper: A4, timeout: DefaultTimeout}
	for _, o := range opts {
		o(&s)
	}
	tab, cancel := chromedp.NewContext(ctx)
	defer cancel()
	resp, err := chromedp.Run(tab, chromedp.NavigateResponse(url))
	if err != nil {
		return fmt.Errorf("print %s: open: %w", url, err)
	}
	if resp.Status != 200 {
		return fmt.Errorf("print %s: the server answered %d %s", url, resp.Status, resp.StatusText)
	}
	if err := WaitLoaded(tab, s.timeout); err != nil {
		return fmt.Errorf("print %s: %w", url, err)
	}
	pdf, err := chromedp.Run(tab, chromedp.PrintToPDF(
		chromedp.PDFPaper(chromedp.PaperSize{Width: s.paper.Width, Height: s.paper.Height}),
		chromedp.PDFPreferCSSPageSize(),
		chromedp.PDFPrintBackground(),
		chromedp.PDFOutlineAndTagged(),
	))
	if err != nil {
		return fmt.Errorf("print %s: %w", url, err)
	}
	if err := writeAtomic(out, pdf); err != nil {
		return fmt.Errorf("print %s: %w", url, err)
	}
	return nil
}

// writeAtomic replaces path with b in one step (internal/state's
// WriteFile), so that readers see the old file or the whole new one.
func writeAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := state.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
