package browser

import (
	"bytes"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium finds the browser or fails: CI installs it, so a missing one is
// a broken setup, not a reason to skip.
func chromium(t *testing.T) string {
	t.Helper()
	p, err := Find("")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// serve serves pages (path -> HTML) on 127.0.0.1.
func serve(t *testing.T, pages map[string]string) *httptest.Server {
	t.Helper()
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(body))
	}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.Listener = l
	ts.Start()
	t.Cleanup(ts.Close)
	return ts
}

// drawLater draws into the canvas of #id after a delay, as a chart library
// does after the page has loaded.
const drawLater = `<script>
setTimeout(() => {
  const c = document.createElement('canvas'); c.width = 200; c.height = 100;
  document.getElementById('sales').appendChild(c);
  const g = c.getContext('2d'); g.fillStyle = '#336'; g.fillRect(10, 10, 120, 60);
}, 300);
</script>`

const reportPage = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Report</title>
<style>@page { size: A4; } body { background: #eef; }</style></head>
<body><h1>Leadership report</h1><p>Month to date $38,422.81 of $59,000.00.</p>
<div id="sales" data-option="{}" aria-label="Sales"></div>` + drawLater + `</body></html>`

func TestFind(t *testing.T) {
	t.Run("bogus explicit path", func(t *testing.T) {
		_, err := Find("/nonexistent/chromium")
		if !errors.Is(err, ErrNoChromium) {
			t.Fatalf("err = %v, want ErrNoChromium", err)
		}
		for _, want := range []string{"/nonexistent/chromium", "sudo apt-get install -y chromium", "CHROMIUM"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
	})
	t.Run("bogus CHROMIUM", func(t *testing.T) {
		t.Setenv("CHROMIUM", "/nonexistent/chrome")
		if _, err := Find(""); !errors.Is(err, ErrNoChromium) {
			t.Fatalf("err = %v, want ErrNoChromium", err)
		}
	})
	t.Run("explicit wins over CHROMIUM", func(t *testing.T) {
		t.Setenv("CHROMIUM", "/nonexistent/chrome")
		self, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		if got, err := Find(self); err != nil || got != self {
			t.Fatalf("Find(%q) = %q, %v", self, got, err)
		}
	})
	t.Run("first candidate on PATH", func(t *testing.T) {
		dir := t.TempDir()
		fake := filepath.Join(dir, "chromium-browser")
		if err := os.WriteFile(fake, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		t.Setenv("PATH", dir)
		got, err := find("", "", []string{"/nonexistent/chromium", "chromium", "chromium-browser", "google-chrome"})
		if err != nil || got != fake {
			t.Fatalf("find = %q, %v; want %q", got, err, fake)
		}
	})
	t.Run("nothing there", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		_, err := find("", "", []string{"/nonexistent/chromium", "chromium"})
		if !errors.Is(err, ErrNoChromium) || !strings.Contains(err.Error(), "sudo apt-get install -y chromium") {
			t.Fatalf("err = %v, want ErrNoChromium saying how to install it", err)
		}
	})
}

func TestPrintPDF(t *testing.T) {
	exec := chromium(t)
	ts := serve(t, map[string]string{"/report/": reportPage})
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // to see that the profile directory goes away
	outDir := t.TempDir()
	out := filepath.Join(outDir, "report.pdf")
	if err := os.WriteFile(out, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	if err := PrintPDF(t.Context(), exec, ts.URL+"/report/", out); err != nil {
		t.Fatal(err)
	}
	t.Logf("printed in %s", time.Since(start).Round(time.Millisecond))
	pdf, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF")) || len(pdf) < 1000 {
		t.Errorf("report.pdf is not a PDF (%d bytes, starts %q)", len(pdf), pdf[:min(len(pdf), 8)])
	}
	if left, _ := filepath.Glob(filepath.Join(outDir, ".*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "stellar-budget-chromium-*")); len(left) > 0 {
		t.Errorf("profile directories left: %v", left)
	}

	t.Run("a missing page leaves the old file", func(t *testing.T) {
		err := PrintPDF(t.Context(), exec, ts.URL+"/nothing-here/", out)
		if err == nil || !strings.Contains(err.Error(), "404") {
			t.Fatalf("err = %v, want a 404", err)
		}
		if b, _ := os.ReadFile(out); !bytes.Equal(b, pdf) {
			t.Error("report.pdf changed")
		}
	})
	t.Run("from a file URL", func(t *testing.T) {
		dir := t.TempDir()
		page := filepath.Join(dir, "index.html")
		if err := os.WriteFile(page, []byte(reportPage), 0o644); err != nil {
			t.Fatal(err)
		}
		fileOut := filepath.Join(dir, "report.pdf")
		if err := PrintPDF(t.Context(), exec, "file://"+page, fileOut); err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(fileOut); err != nil || !bytes.HasPrefix(b, []byte("%PDF")) {
			t.Errorf("report.pdf from a file URL: %v", err)
		}
	})
	t.Run("no browser", func(t *testing.T) {
		if err := PrintPDF(t.Context(), "", ts.URL+"/report/", out); !errors.Is(err, ErrNoChromium) {
			t.Fatalf("err = %v, want ErrNoChromium", err)
		}
	})
}

// TestCharts checks the detection of drawn charts on a tiny page: one
// drawn canvas, one blank canvas, one chart with no canvas at all.
func TestCharts(t *testing.T) {
	ts := serve(t, map[string]string{
		"/charts": `<!DOCTYPE html><html lang="en"><head><title>c</title></head><body>
<div id="drawn" data-option="{}"><canvas width="50" height="50"></canvas></div>
<div id="blank" data-option="{}"><canvas width="50" height="50"></canvas></div>
<div id="empty" data-option="{}"></div>
<div id="zero" data-option="{}"><canvas width="0" height="0"></canvas></div>
<script>
const g = document.querySelector('#drawn canvas').getContext('2d');
g.fillStyle = 'red'; g.fillRect(5, 5, 3, 3);
document.querySelector('#blank canvas').getContext('2d');
</script></body></html>`,
		"/late": reportPage,
	})
	ctx, cancel, err := New(t.Context(), chromium(t))
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/charts")); err != nil {
		t.Fatal(err)
	}
	charts, err := Charts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []Chart{
		{Element: "div#drawn (chart 1)", Canvases: 1, Drawn: true},
		{Element: "div#blank (chart 2)", Canvases: 1},
		{Element: "div#empty (chart 3)"},
		{Element: "div#zero (chart 4)", Canvases: 1},
	}
	if len(charts) != len(want) {
		t.Fatalf("charts = %+v, want %+v", charts, want)
	}
	for i := range want {
		if charts[i] != want[i] {
			t.Errorf("chart %d = %+v, want %+v", i, charts[i], want[i])
		}
	}

	err = WaitLoaded(ctx, time.Second)
	if err == nil || !strings.Contains(err.Error(), "div#empty (chart 3)") {
		t.Errorf("WaitLoaded = %v, want an error naming div#empty", err)
	}

	// A chart drawn after the load event is waited for.
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/late")); err != nil {
		t.Fatal(err)
	}
	if err := WaitLoaded(ctx, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	charts, err = Charts(ctx)
	if err != nil || len(charts) != 1 || !charts[0].Drawn {
		t.Errorf("late chart = %+v, %v; want one drawn chart", charts, err)
	}
}

// TestOnlyLoopback: a request to any other host never leaves the machine.
func TestOnlyLoopback(t *testing.T) {
	ctx, cancel, err := New(t.Context(), chromium(t))
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	_, err = chromedp.Run(ctx, chromedp.NavigateResponse("http://example.com/"))
	if err == nil {
		t.Fatal("navigation to example.com succeeded")
	}
	t.Logf("example.com: %v", err)
}
