package sitetest

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/novadynamics/stellar-budget/internal/browser"
	"github.com/novadynamics/stellar-budget/internal/netlify"
	"github.com/novadynamics/stellar-budget/internal/pipeline"
	"github.com/novadynamics/stellar-budget/internal/trail"
	sitetemplates "github.com/novadynamics/stellar-budget/site-templates"
)

// The demo site is built for this day, as the pipeline's golden tests do.
var (
	asOf = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	now  = time.Date(2026, 11, 24, 6, 30, 0, 0, time.UTC) // the morning after: the demo has no usage after the clock
)

// pageTimeout bounds one page: load, charts, checks.
const pageTimeout = 30 * time.Second

// shared holds what every test of the binary uses: the demo site, built
// once, and one browser. TestMain tears them down.
var shared struct {
	mu       sync.Mutex
	cleanups []func()

	demoOnce  sync.Once
	demo      *site
	demoErr   error
	demoTrail trail.Store // the trail the demo site's agent page shows

	browserOnce sync.Once
	chromium    string
	browser     context.Context
	browserErr  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	shared.mu.Lock()
	for _, f := range slices.Backward(shared.cleanups) {
		f()
	}
	shared.mu.Unlock()
	os.Exit(code)
}

func atExit(f func()) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	shared.cleanups = append(shared.cleanups, f)
}

// site is a built site served on 127.0.0.1.
type site struct {
	dir   string
	srv   *httptest.Server
	pages []string // the .html files, slash-separated, relative to dir
	took  time.Duration
}

// url is the address of a page; an index.html is asked for by its
// directory, as a reader's link would.
func (s *site) url(page string) string {
	return s.srv.URL + "/" + strings.TrimSuffix(page, "index.html")
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// buildOptions are those of the demo build into out.
func buildOptions(out string) pipeline.BuildOptions {
	return pipeline.BuildOptions{
		Source:     pipeline.DemoSource{},
		ContentDir: "../../content",
		Templates:  sitetemplates.FS,
		OutDir:     out,
		AsOf:       asOf,
		Now:        now,
		PDF:        true, // as `build --pdf`: the report links its PDF
		Log:        quietLog(),
	}
}

// build runs the pipeline and serves the result.
func build(ctx context.Context, opts pipeline.BuildOptions) (*site, error) {
	start := time.Now()
	if _, err := pipeline.Build(ctx, opts); err != nil {
		return nil, fmt.Errorf("build the site: %w", err)
	}
	s := &site{dir: opts.OutDir}
	err := filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".html") {
			rel, _ := filepath.Rel(s.dir, p)
			s.pages = append(s.pages, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if !slices.Contains(s.pages, "index.html") {
		return nil, fmt.Errorf("the built site in %s has no index.html", s.dir)
	}
	deploy, err := deployConfig()
	if err != nil {
		return nil, err
	}
	files := http.FileServer(http.Dir(s.dir))
	// The site is served with the deployed headers, its content security
	// policy among them: a page the policy breaks fails every page test.
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		maps.Copy(w.Header(), deploy.HeadersFor(r.URL.Path))
		files.ServeHTTP(w, r)
	}))
	s.took = time.Since(start)
	return s, nil
}

// deployConfig is the project's netlify.toml.
func deployConfig() (*netlify.Config, error) {
	path := filepath.Join("..", "..", netlify.FileName)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return netlify.Parse(path, data)
}

// demoSite is the demo account's site, built once per test binary.
func demoSite(t *testing.T) *site {
	t.Helper()
	shared.demoOnce.Do(func() {
		dir, err := os.MkdirTemp("", "stellar-budget-sitetest-")
		if err != nil {
			shared.demoErr = err
			return
		}
		atExit(func() { os.RemoveAll(dir) })
		opts := buildOptions(filepath.Join(dir, "public"))
		if opts.Trail, shared.demoErr = demoTrail(context.Background(), opts, filepath.Join(dir, "state")); shared.demoErr != nil {
			return
		}
		shared.demoTrail = opts.Trail
		shared.demo, shared.demoErr = build(context.Background(), opts)
		if shared.demo != nil {
			atExit(shared.demo.srv.Close)
		}
	})
	if shared.demoErr != nil {
		t.Fatal(shared.demoErr)
	}
	t.Logf("demo site: %d pages, built in %s", len(shared.demo.pages), shared.demo.took.Round(time.Millisecond))
	return shared.demo
}

// browserContext is the one browser of the test binary.
func browserContext(t *testing.T) context.Context {
	t.Helper()
	shared.browserOnce.Do(func() {
		shared.chromium, shared.browserErr = browser.Find("")
		if shared.browserErr != nil {
			return
		}
		ctx, cancel, err := browser.New(context.Background(), shared.chromium)
		if err != nil {
			shared.browserErr = err
			return
		}
		shared.browser = ctx
		atExit(cancel)
	})
	if shared.browserErr != nil {
		t.Fatal(shared.browserErr)
	}
	return shared.browser
}

// repoRoot is the directory of go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// artifactDir is where tests keep files for a human to look at:
// $TEST_ARTIFACTS, else test-artifacts/ at the top of the repository.
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(repoRoot(t), "test-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// tab is one page open in the browser, with what it wrote to the console
// and the dialogs it tried to open.
type tab struct {
	ctx      context.Context
	url      string
	mu       sync.Mutex
	problems []string      // console errors, uncaught exceptions, dialogs
	endSeen  chan struct{} // closed when the end marker reached the console
}

// endMarker is written to the console after the checks of a page, so that
// every message before it has been read when it arrives.
const endMarker = "sitetest: end of page"

// open opens pageURL in a new tab of the shared browser and waits until it
// has loaded and drawn its charts. Console errors and dialogs are recorded
// from before the navigation; close reports them.
func open(t *testing.T, pageURL string) *tab {
	t.Helper()
	return openWith(t, pageURL, openOptions{})
}

// openOptions change how open opens a page.
type openOptions struct {
	width, height int64         // the viewport, if not zero
	wait          time.Duration // for the page and its charts; pageTimeout if zero
}

func openWith(t *testing.T, pageURL string, o openOptions) *tab {
	t.Helper()
	if o.wait == 0 {
		o.wait = pageTimeout
	}
	ctx, cancel := chromedp.NewContext(browserContext(t))
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // opens the tab
		t.Fatal(err)
	}
	if o.width > 0 && o.height > 0 {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(o.width, o.height)); err != nil {
			t.Fatal(err)
		}
	}
	p := &tab{ctx: ctx, url: pageURL, endSeen: make(chan struct{})}
	messages := chromedp.Console(ctx)
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleDebug && m.Text == endMarker {
				select {
				case <-p.endSeen: // drained before
				default:
					close(p.endSeen)
				}
				continue
			}
			if isFaviconMiss(m) {
				// The browser asks for /favicon.ico by itself when a page
				// declares no icon; the miss is the site's, not the page's.
				p.report("note: no favicon (the browser's own request for %s failed); add <link rel=\"icon\">", m.URL)
				continue
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				where := m.URL
				if where != "" {
					where = fmt.Sprintf(" (%s:%d)", where, m.Line+1)
				}
				p.report("console %s%s", m, where)
			}
		}
	}()
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			p.report("a JavaScript %s dialog opened: %q (script injection?)", ev.Type, ev.Message)
			// The dialog blocks the page until it is answered.
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()

	navCtx, navCancel := context.WithTimeout(ctx, o.wait)
	defer navCancel()
	resp, err := chromedp.Run(navCtx, chromedp.NavigateResponse(pageURL))
	if err != nil {
		t.Fatalf("open %s: %v", pageURL, err)
	}
	if resp.Status != http.StatusOK {
		t.Fatalf("open %s: status %d", pageURL, resp.Status)
	}
	if err := browser.WaitLoaded(ctx, o.wait); err != nil {
		p.report("%v", err)
	}
	return p
}

// isFaviconMiss tells the browser's own failed request for /favicon.ico.
func isFaviconMiss(m chromedp.ConsoleMessage) bool {
	u, err := url.Parse(m.URL)
	return err == nil && m.Source == "network" && u.Path == "/favicon.ico"
}

func (p *tab) report(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.problems = append(p.problems, fmt.Sprintf(format, args...))
}

// eval runs a JavaScript expression in the page and decodes its value.
func eval[T any](t *testing.T, p *tab, expr string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, pageTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		t.Fatalf("%s: evaluate %.60q: %v", p.url, expr, err)
	}
	return v
}

// drain waits until every console message of the page so far has been
// read and returns the console errors, exceptions and dialogs; notes (a
// missing favicon) are logged.
func (p *tab) drain(t *testing.T) []string {
	t.Helper()
	eval[chromedp.Void](t, p, fmt.Sprintf("console.debug(%q)", endMarker))
	select {
	case <-p.endSeen:
	case <-time.After(5 * time.Second):
		t.Errorf("%s: the console end marker never arrived", p.url)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var problems []string
	for _, msg := range p.problems {
		if strings.HasPrefix(msg, "note: ") {
			t.Logf("%s: %s", p.url, msg)
			continue
		}
		problems = append(problems, msg)
	}
	return problems
}

// close fails the test for every console error, exception and dialog the
// page had.
func (p *tab) close(t *testing.T) {
	t.Helper()
	for _, msg := range p.drain(t) {
		t.Errorf("%s: %s", p.url, msg)
	}
}

// reference is a URL a page refers to.
type reference struct {
	Tag  string `json:"tag"`
	Attr string `json:"attr"` // as written
	URL  string `json:"url"`  // resolved against the page
	// Target is set for a same-page #fragment: whether an element has that id.
	Target *bool `json:"target"`
}

const referencesJS = `Array.from(document.querySelectorAll('a[href], area[href], link[href], script[src], img[src], source[src], iframe[src]'), el => {
  const attr = el.getAttribute(el.hasAttribute('href') ? 'href' : 'src');
  let url = '';
  try { url = new URL(attr, document.baseURI).href; } catch (e) {}
  let target = null;
  if (attr.startsWith('#')) {
    const id = decodeURIComponent(attr.slice(1));
    target = id === '' || id === 'top' || !!document.getElementById(id) || document.getElementsByName(id).length > 0;
  }
  return {tag: el.tagName.toLowerCase(), attr, url, target};
})`

// linkChecker fetches each local URL once per test binary.
type linkChecker struct {
	mu   sync.Mutex
	seen map[string]string // url -> problem, "" if fine
}

var links = linkChecker{seen: map[string]string{}}

// check returns what is wrong with a local URL: not an HTTP 200 (after
// redirects, as a browser follows them).
func (c *linkChecker) check(client *http.Client, u string) string {
	c.mu.Lock()
	problem, ok := c.seen[u]
	c.mu.Unlock()
	if ok {
		return problem
	}
	resp, err := client.Get(u)
	switch {
	case err != nil:
		problem = err.Error()
	case resp.StatusCode != http.StatusOK:
		problem = resp.Status
	}
	if resp != nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	c.mu.Lock()
	c.seen[u] = problem
	c.mu.Unlock()
	return problem
}

// referenceProblems lists every link, stylesheet, script or image of the
// page that does not resolve on the site's server. Links to other hosts
// are logged, not followed (the tests have no internet); resources from
// other hosts are problems, because the site must work offline.
func referenceProblems(t *testing.T, srv *httptest.Server, p *tab) []string {
	t.Helper()
	base, _ := url.Parse(srv.URL)
	var problems []string
	for _, ref := range eval[[]reference](t, p, referencesJS) {
		u, err := url.Parse(ref.URL)
		if err != nil || ref.URL == "" {
			problems = append(problems, fmt.Sprintf("<%s> %q is not a valid URL", ref.Tag, ref.Attr))
			continue
		}
		switch {
		case u.Scheme == "mailto" || u.Scheme == "tel" || u.Scheme == "data":
			continue
		case ref.Target != nil:
			if !*ref.Target {
				problems = append(problems, fmt.Sprintf("<%s href=%q> points at no element of the page", ref.Tag, ref.Attr))
			}
			continue
		case u.Scheme != "http" && u.Scheme != "https":
			problems = append(problems, fmt.Sprintf("<%s> %q has scheme %q", ref.Tag, ref.Attr, u.Scheme))
			continue
		case u.Host != base.Host:
			if ref.Tag == "a" || ref.Tag == "area" {
				t.Logf("%s: external link %s not followed", p.url, ref.URL)
			} else {
				problems = append(problems, fmt.Sprintf("<%s> loads %s from another host; the site must be self-contained", ref.Tag, ref.URL))
			}
			continue
		}
		u.Fragment = ""
		if problem := links.check(srv.Client(), u.String()); problem != "" {
			problems = append(problems, fmt.Sprintf("<%s> %q (%s): %s", ref.Tag, ref.Attr, u.Path, problem))
		}
	}
	return problems
}

// chartProblems lists every chart of the page without drawn pixels, and
// counts the charts.
func chartProblems(t *testing.T, p *tab) (charts int, problems []string) {
	t.Helper()
	all, err := browser.Charts(p.ctx)
	if err != nil {
		t.Fatalf("%s: %v", p.url, err)
	}
	for _, c := range all {
		switch {
		case c.Canvases == 0:
			problems = append(problems, c.Element+" has no canvas")
		case !c.Drawn:
			problems = append(problems, fmt.Sprintf("%s has %d blank canvas(es) %s", c.Element, c.Canvases, c.Problem))
		}
	}
	return len(all), problems
}

// writeArtifact keeps b as name in the artefact directory.
func writeArtifact(t *testing.T, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(artifactDir(t), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// textOf is the page's text as a reader sees it.
func textOf(t *testing.T, p *tab) string {
	t.Helper()
	return eval[string](t, p, `document.body.innerText`)
}
