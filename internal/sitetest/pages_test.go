package sitetest

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestPagesInBrowser opens every page of the demo site: no console error,
// no uncaught exception, no dialog; every chart drawn; every link,
// stylesheet, script and download answers 200.
func TestPagesInBrowser(t *testing.T) {
	s := demoSite(t)
	for _, name := range s.pages {
		t.Run(name, func(t *testing.T) {
			t.Parallel() // two tabs at a time (-parallel is GOMAXPROCS)
			start := time.Now()
			p := open(t, s.url(name))
			charts, problems := chartProblems(t, p)
			problems = append(problems, referenceProblems(t, s.srv, p)...)
			problems = append(problems, p.drain(t)...)
			for _, problem := range problems {
				t.Errorf("%s: %s", p.url, problem)
			}
			t.Logf("%d charts, %s", charts, time.Since(start).Round(time.Millisecond))
		})
	}
}

// TestMasterScreenshot keeps a full-page screenshot of the master page as
// a test artefact, for a human to look at.
func TestMasterScreenshot(t *testing.T) {
	s := demoSite(t)
	p := openWith(t, s.url("index.html"), openOptions{width: 1280, height: 800})
	png, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	p.close(t)
	if len(png) < 1000 {
		t.Fatalf("screenshot has %d bytes", len(png))
	}
	t.Logf("screenshot of the master page: %s", writeArtifact(t, "master.png", png))
}
