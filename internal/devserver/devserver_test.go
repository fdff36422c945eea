package devserver

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const (
	indexPage    = "<!doctype html>\n<html><head><title>Overview</title></head><body><h1>v1</h1></body></html>\n"
	categoryPage = "<!doctype html><html><body><p>telemetry</p></BODY></html>"
)

// writeFiles writes name -> content under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// newSite makes a built site in a temporary directory and returns its path.
func newSite(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "public")
	writeFiles(t, dir, map[string]string{
		"index.html": indexPage,
		"categories/deep-space-telemetry/index.html": categoryPage,
		"css/site.css":              "body { color: #222; }\n</body>\n",
		"data/snapshot.json":        `{"categories":[]}`,
		"downloads/cost_by_day.csv": "date,category\n2026-03-01,X\n",
		"fragment.html":             "<p>no body tag</p>",
		"empty/readme.txt":          "a directory without index.html",
	})
	return dir
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func TestHandler(t *testing.T) {
	site := newSite(t)
	ts := httptest.NewServer(New(Options{Dir: site}).Handler())
	defer ts.Close()
	client := ts.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	tests := []struct {
		name       string
		method     string
		path       string
		status     int
		ctype      string // prefix
		body       string // exact, when not ""
		contains   []string
		notContain []string
		location   string
	}{
		{
			name: "root serves index.html with the script", path: "/",
			status: 200, ctype: "text/html",
			body: strings.Replace(indexPage, "</body>", injectTag+"</body>", 1),
		},
		{
			name: "directory index", path: "/categories/deep-space-telemetry/",
			status: 200, ctype: "text/html",
			body: strings.Replace(categoryPage, "</BODY>", injectTag+"</BODY>", 1),
		},
		{
			name: "directory without slash redirects", path: "/categories/deep-space-telemetry?x=1",
			status: 301, location: "/categories/deep-space-telemetry/?x=1",
		},
		{
			name: "page without body tag gets the script at the end", path: "/fragment.html",
			status: 200, ctype: "text/html", body: "<p>no body tag</p>" + injectTag,
		},
		{
			name: "stylesheet is served as is", path: "/css/site.css",
			status: 200, ctype: "text/css", body: "body { color: #222; }\n</body>\n",
		},
		{
			name: "json", path: "/data/snapshot.json",
			status: 200, ctype: "application/json", body: `{"categories":[]}`,
		},
		{
			name: "csv", path: "/downloads/cost_by_day.csv",
			status: 200, ctype: "text/csv", notContain: []string{"livereload"},
		},
		{
			name: "missing file", path: "/nope.html",
			status: 404, notContain: []string{"livereload"},
		},
		{
			name: "directory without index.html", path: "/empty/",
			status: 404,
		},
		{
			name: "parent directory is cleaned away", path: "/../../etc/passwd",
			status: 307, location: "/etc/passwd",
		},
		{
			name: "encoded parent directory is out of reach", path: "/%2e%2e/%2e%2e/etc/passwd",
			status: 404,
		},
		{
			name: "live-reload script", path: "/__stellar/livereload.js",
			status: 200, ctype: "text/javascript",
			contains:   []string{`new EventSource("/__stellar/events")`, "textContent", `"reload"`},
			notContain: []string{"innerHTML ="},
		},
		{
			name: "HEAD of a page", method: http.MethodHead, path: "/",
			status: 200, ctype: "text/html", body: "",
		},
		{
			name: "POST is not allowed", method: http.MethodPost, path: "/",
			status: 405,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = http.MethodGet
			}
			req, err := http.NewRequest(method, ts.URL+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			body := string(b)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d (body %q)", resp.StatusCode, tc.status, body)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tc.ctype) {
				t.Errorf("Content-Type %q, want %q", ct, tc.ctype)
			}
			if tc.body != "" && body != tc.body {
				t.Errorf("body\n got: %q\nwant: %q", body, tc.body)
			}
			if tc.body == "" && method == http.MethodHead && body != "" {
				t.Errorf("HEAD returned a body %q", body)
			}
			for _, s := range tc.contains {
				if !strings.Contains(body, s) {
					t.Errorf("body does not contain %q", s)
				}
			}
			for _, s := range tc.notContain {
				if strings.Contains(body, s) {
					t.Errorf("body contains %q", s)
				}
			}
			if loc := resp.Header.Get("Location"); loc != tc.location {
				t.Errorf("Location %q, want %q", loc, tc.location)
			}
		})
	}
}

// TestServeFileOutOfReach calls the file handler directly, without the
// ServeMux that would clean the path first.
func TestServeFileOutOfReach(t *testing.T) {
	outside := t.TempDir()
	writeFiles(t, outside, map[string]string{"secret.txt": "secret"})
	site := newSite(t)
	if err := os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(site, "link.txt")); err != nil {
		t.Fatal(err)
	}
	s := New(Options{Dir: site})
	for _, path := range []string{"/../../etc/passwd", "../secret.txt", "/link.txt"} {
		t.Run(path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.URL.Path = path
			s.serveFile(rec, req)
			if rec.Code != 404 || strings.Contains(rec.Body.String(), "secret") {
				t.Errorf("GET %s = %d %q, want 404", path, rec.Code, rec.Body)
			}
		})
	}
}

func TestHandlerCustom404(t *testing.T) {
	site := newSite(t)
	writeFiles(t, site, map[string]string{"404.html": "<html><body>lost in space</body></html>"})
	ts := httptest.NewServer(New(Options{Dir: site}).Handler())
	defer ts.Close()
	resp, body := get(t, ts.URL+"/missing/")
	if resp.StatusCode != 404 || !strings.Contains(body, "lost in space") || !strings.Contains(body, injectTag) {
		t.Errorf("got %d %q, want the site's 404.html with the script", resp.StatusCode, body)
	}
}

// TestHandlerFollowsReplacedDir swaps the site directory the way
// site.Publish does; the next request must see the new site.
func TestHandlerFollowsReplacedDir(t *testing.T) {
	site := newSite(t)
	ts := httptest.NewServer(New(Options{Dir: site}).Handler())
	defer ts.Close()
	if _, body := get(t, ts.URL+"/"); !strings.Contains(body, "v1") {
		t.Fatalf("first site: %q", body)
	}
	publish(t, site, "v2")
	if _, body := get(t, ts.URL+"/"); !strings.Contains(body, "v2") {
		t.Errorf("after the swap: %q, want v2", body)
	}
}

// TestHandlerWaitsForSwap removes the site and brings it back shortly
// after, as happens between the two renames of a publish.
func TestHandlerWaitsForSwap(t *testing.T) {
	site := newSite(t)
	ts := httptest.NewServer(New(Options{Dir: site}).Handler())
	defer ts.Close()
	aside := site + ".old"
	if err := os.Rename(site, aside); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(30 * time.Millisecond)
		os.Rename(aside, site)
	}()
	if resp, body := get(t, ts.URL+"/"); resp.StatusCode != 200 || !strings.Contains(body, "v1") {
		t.Errorf("during the swap: %d %q", resp.StatusCode, body)
	}
}

func TestHandlerNoSite(t *testing.T) {
	ts := httptest.NewServer(New(Options{Dir: filepath.Join(t.TempDir(), "public")}).Handler())
	defer ts.Close()
	if resp, body := get(t, ts.URL+"/"); resp.StatusCode != 404 || !strings.Contains(body, "build it first") {
		t.Errorf("no site: %d %q", resp.StatusCode, body)
	}
}

// publish replaces site with a new one whose index says version, through a
// staging directory and two renames, with site.Publish's names.
func publish(t *testing.T, site, version string) {
	t.Helper()
	parent, base := filepath.Split(site)
	staging := filepath.Join(parent, "."+base+".staging-"+version)
	writeFiles(t, staging, map[string]string{"index.html": strings.Replace(indexPage, "v1", version, 1)})
	old := filepath.Join(parent, "."+base+".old-"+version)
	if err := os.Rename(site, old); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(staging, site); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(old); err != nil {
		t.Fatal(err)
	}
}

func TestMount(t *testing.T) {
	s := New(Options{Dir: newSite(t)})
	s.Mount("/.netlify/functions/agent", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "agent saw "+r.URL.Path)
	}))
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	tests := []struct{ name, path, want string }{
		{"the function", "/.netlify/functions/agent", "agent saw /.netlify/functions/agent"},
		{"below the function", "/.netlify/functions/agent/run", "agent saw /.netlify/functions/agent/run"},
		{"the site is still there", "/css/site.css", "body { color: #222; }\n</body>\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, body := get(t, ts.URL+tc.path); body != tc.want {
				t.Errorf("GET %s = %q, want %q", tc.path, body, tc.want)
			}
		})
	}
	for _, prefix := range []string{"/__stellar/events", "/", ""} {
		t.Run("mount "+prefix+" panics", func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Mount(%q) did not panic", prefix)
				}
			}()
			s.Mount(prefix, http.NotFoundHandler())
		})
	}
}

func TestCheckAddr(t *testing.T) {
	tests := []struct {
		addr        string
		allowRemote bool
		refused     bool
	}{
		{"127.0.0.1:8888", false, false},
		{"127.0.0.2:0", false, false},
		{"localhost:8888", false, false},
		{"[::1]:8888", false, false},
		{"0.0.0.0:8888", false, true},
		{":8888", false, true},
		{"[::]:8888", false, true},
		{"192.168.1.20:8888", false, true},
		{"example.com:80", false, true},
		{"0.0.0.0:8888", true, false},
		{"192.168.1.20:8888", true, false},
	}
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			err := checkAddr(tc.addr, tc.allowRemote)
			if refused := errors.Is(err, ErrNotLoopback); refused != tc.refused {
				t.Errorf("checkAddr(%q, %v) = %v, refused %v", tc.addr, tc.allowRemote, err, tc.refused)
			}
		})
	}
	if err := checkAddr("no-port", false); err == nil || errors.Is(err, ErrNotLoopback) {
		t.Errorf("checkAddr without a port = %v, want a syntax error", err)
	}
}

func TestListenAndServeRefusesRemote(t *testing.T) {
	s := New(Options{Dir: t.TempDir(), Addr: "0.0.0.0:0"})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.ListenAndServe(ctx); !errors.Is(err, ErrNotLoopback) {
		t.Errorf("ListenAndServe on 0.0.0.0 = %v, want ErrNotLoopback", err)
	}
}

func TestListenAndServeStops(t *testing.T) {
	// Find a free port, then let ListenAndServe take it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := New(Options{Dir: newSite(t), Addr: addr, Watch: []string{t.TempDir()}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.ListenAndServe(ctx) }()
	var events <-chan event
	for deadline := time.Now().Add(2 * time.Second); ; {
		if events, err = trySubscribe("http://" + addr); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ListenAndServe = %v, want nil after ctx ends", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ListenAndServe did not stop with an open event stream")
	}
	for range events {
		// drained: the stream ended
	}
}

func TestEventFormat(t *testing.T) {
	tests := []struct {
		name string
		e    event
		want string
	}{
		{"one line", event{"reload", "reload"}, "event: reload\ndata: reload\n\n"},
		{"lines", event{"error", "a\nb\r\nc\rd"}, "event: error\ndata: a\ndata: b\ndata: c d\n\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.e.format(); got != tc.want {
				t.Errorf("format = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestIsEditorTemp(t *testing.T) {
	tests := []struct {
		name string
		temp bool
	}{
		{"report.md~", true},
		{".report.md.swp", true},
		{".report.md.swx", true},
		{"4913", true},
		{".#report.md", true},
		{"#report.md#", true},
		{"report.md", false},
		{"deep-space-telemetry.md", false},
		{"49130", false},
		{"#", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := isEditorTemp(tc.name); got != tc.temp {
				t.Errorf("isEditorTemp(%q) = %v, want %v", tc.name, got, tc.temp)
			}
		})
	}
}

// liveServer runs a Server on 127.0.0.1 for the duration of the test.
type liveServer struct {
	url      string
	rebuilds atomic.Int32
	fail     atomic.Pointer[error] // the error the next rebuilds return
}

// startLive serves a new site, watching a new source directory; each
// rebuild publishes a site whose index says "v<n>".
func startLive(t *testing.T, debounce time.Duration) (l *liveServer, site, src string) {
	t.Helper()
	site, src = newSite(t), t.TempDir()
	writeFiles(t, src, map[string]string{"report.md": "# Report\n"})
	l = &liveServer{}
	s := New(Options{
		Dir:      site,
		Watch:    []string{src},
		Debounce: debounce,
		Rebuild: func(ctx context.Context) error {
			n := l.rebuilds.Add(1)
			if err := l.fail.Load(); err != nil {
				return *err
			}
			publish(t, site, "v"+string(rune('0'+n+1)))
			return nil
		},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l.url = "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Serve did not stop")
		}
	})
	return l, site, src
}

// subscribe connects to the event stream and returns its events once the
// server said hello, so the watcher is running.
func subscribe(t *testing.T, url string) <-chan event {
	t.Helper()
	events, err := trySubscribe(url)
	if err != nil {
		t.Fatal(err)
	}
	return events
}

func trySubscribe(url string) (<-chan event, error) {
	resp, err := http.Get(url + eventsPath)
	if err != nil {
		return nil, err
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		resp.Body.Close()
		return nil, errors.New("event stream has Content-Type " + ct)
	}
	events := make(chan event, 16)
	go func() {
		defer close(events)
		defer resp.Body.Close()
		var e event
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if e.name != "" {
					events <- e
				}
				e = event{}
			case strings.HasPrefix(line, "event: "):
				e.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				if e.data != "" {
					e.data += "\n"
				}
				e.data += strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	select {
	case e := <-events:
		if e.name != "hello" {
			return nil, errors.New("first event is " + e.name + ", want hello")
		}
	case <-time.After(5 * time.Second):
		return nil, errors.New("no hello")
	}
	return events, nil
}

// next waits for the next event.
func next(t *testing.T, events <-chan event) event {
	t.Helper()
	select {
	case e, ok := <-events:
		if !ok {
			t.Fatal("event stream closed")
		}
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s")
	}
	return event{}
}

// quiet checks that no event arrives for d.
func quiet(t *testing.T, events <-chan event, d time.Duration) {
	t.Helper()
	select {
	case e := <-events:
		t.Errorf("unexpected event %+v", e)
	case <-time.After(d):
	}
}

func TestReloadAfterChange(t *testing.T) {
	l, _, src := startLive(t, 30*time.Millisecond)
	events := subscribe(t, l.url)
	writeFiles(t, src, map[string]string{"report.md": "# Report\n\nMore.\n"})
	if e := next(t, events); e.name != "reload" {
		t.Fatalf("event %+v, want reload", e)
	}
	if n := l.rebuilds.Load(); n != 1 {
		t.Errorf("%d rebuilds, want 1", n)
	}
	if _, body := get(t, l.url+"/"); !strings.Contains(body, "v2") {
		t.Errorf("after the rebuild / = %q, want v2", body)
	}
}

func TestRebuildError(t *testing.T) {
	l, _, src := startLive(t, 30*time.Millisecond)
	events := subscribe(t, l.url)
	fail := errors.New("content/report.md:3: unknown placeholder \"mtd\"\ncontent/_index.md:1: <script>")
	l.fail.Store(&fail)
	writeFiles(t, src, map[string]string{"report.md": "{{< mtd >}}\n"})

	e := next(t, events)
	want := `content/report.md:3: unknown placeholder "mtd" | content/_index.md:1: <script>`
	if e.name != "error" || e.data != want {
		t.Fatalf("event %+v, want error %q", e, want)
	}
	if _, body := get(t, l.url+"/"); !strings.Contains(body, "v1") {
		t.Errorf("after a failed rebuild / = %q, want the last good site (v1)", body)
	}
	// A page loaded now learns about the error on connect.
	late := subscribe(t, l.url)
	if e := next(t, late); e.name != "error" || e.data != want {
		t.Errorf("new page got %+v, want the error", e)
	}

	l.fail.Store(nil)
	writeFiles(t, src, map[string]string{"report.md": "fixed\n"})
	for _, ch := range []<-chan event{events, late} {
		if e := next(t, ch); e.name != "reload" {
			t.Errorf("after the fix: %+v, want reload", e)
		}
	}
	// And a page loaded after the fix sees no error.
	fresh := subscribe(t, l.url)
	quiet(t, fresh, 100*time.Millisecond)
}

func TestDebounce(t *testing.T) {
	const debounce = 300 * time.Millisecond
	l, _, src := startLive(t, debounce)
	events := subscribe(t, l.url)
	for i := range 5 {
		writeFiles(t, src, map[string]string{"report.md": strings.Repeat("x", i+1)})
		time.Sleep(10 * time.Millisecond)
	}
	if e := next(t, events); e.name != "reload" {
		t.Fatalf("event %+v, want reload", e)
	}
	quiet(t, events, 3*debounce)
	if n := l.rebuilds.Load(); n != 1 {
		t.Errorf("five quick writes made %d rebuilds, want 1", n)
	}
}

func TestEditorTempFilesIgnored(t *testing.T) {
	const debounce = 30 * time.Millisecond
	for _, name := range []string{"report.md~", ".report.md.swp", "4913", ".#report.md", "#report.md#"} {
		t.Run(name, func(t *testing.T) {
			l, _, src := startLive(t, debounce)
			events := subscribe(t, l.url)
			writeFiles(t, src, map[string]string{name: "temp"})
			os.Remove(filepath.Join(src, name))
			quiet(t, events, 8*debounce)
			if n := l.rebuilds.Load(); n != 0 {
				t.Errorf("%d rebuilds for %s, want 0", n, name)
			}
		})
	}
}

func TestNewSubdirectoryWatched(t *testing.T) {
	l, _, src := startLive(t, 30*time.Millisecond)
	events := subscribe(t, l.url)
	if err := os.MkdirAll(filepath.Join(src, "categories"), 0o755); err != nil {
		t.Fatal(err)
	}
	if e := next(t, events); e.name != "reload" {
		t.Fatalf("new directory: %+v, want reload", e)
	}
	writeFiles(t, src, map[string]string{"categories/deep-space-telemetry.md": "---\ntitle: x\n---\n"})
	if e := next(t, events); e.name != "reload" {
		t.Fatalf("file in the new directory: %+v, want reload", e)
	}
	if n := l.rebuilds.Load(); n != 2 {
		t.Errorf("%d rebuilds, want 2", n)
	}
}

func TestOutputInsideWatchedDirIgnored(t *testing.T) {
	root := t.TempDir()
	site := filepath.Join(root, "public")
	writeFiles(t, site, map[string]string{"index.html": indexPage})
	writeFiles(t, root, map[string]string{"content/report.md": "x"})
	var rebuilds atomic.Int32
	s := New(Options{Dir: site, Watch: []string{root}, Debounce: 30 * time.Millisecond,
		Rebuild: func(context.Context) error {
			rebuilds.Add(1)
			publish(t, site, "v2")
			return nil
		}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()

	events := subscribe(t, "http://"+ln.Addr().String())
	writeFiles(t, root, map[string]string{"content/report.md": "y"})
	if e := next(t, events); e.name != "reload" {
		t.Fatalf("event %+v, want reload", e)
	}
	// The rebuild's own writes to public/ and its staging directory must
	// not start another rebuild.
	quiet(t, events, 300*time.Millisecond)
	if n := rebuilds.Load(); n != 1 {
		t.Errorf("%d rebuilds, want 1", n)
	}
}
