package sitetest

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// badSite is a tiny site with one of every problem the page checks must
// catch.
var badSite = map[string]string{
	"/bad.html": `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>bad</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="missing.css"></head>
<body><main>
<h1>Bad page</h1>
<a href="gone.html">a dead link</a> <a href="good.html#part">a good link</a> <a href="#nowhere">a dead anchor</a>
<a href="mailto:ops@example.test">mail</a>
<img src="logo.png">
<div id="nochart" data-option="{}"></div>
<div id="blankchart" data-option="{}"><canvas width="40" height="40"></canvas></div>
<div id="goodchart" data-option="{}"><canvas width="40" height="40"></canvas></div>
<p>"><img src=x onerror=alert(1)></p>
<script>
document.querySelector('#goodchart canvas').getContext('2d').fillRect(0, 0, 5, 5);
console.error('boom');
alert('hi');
setTimeout(() => { throw new Error('uncaught'); }, 0);
</script>
</main></body></html>`,
	"/good.html": `<!DOCTYPE html><html lang="en"><head><title>good</title></head><body><p id="part">ok</p></body></html>`,
	"/logo.png":  "not really a png",
}

func serveFiles(t *testing.T, files map[string]string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if strings.HasSuffix(r.URL.Path, ".html") {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		}
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestChecksCatchProblems runs every page check on a page that has each
// problem once, so that a check that passes trivially (a site with no
// charts yet, say) is known to fail when it should.
func TestChecksCatchProblems(t *testing.T) {
	srv := serveFiles(t, badSite)
	p := openWith(t, srv.URL+"/bad.html", openOptions{wait: 2 * time.Second})

	all := func(problems []string) string { return strings.Join(problems, "\n") }
	expect := func(t *testing.T, what, got string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: no problem mentions %q; got:\n%s", what, w, got)
			}
		}
	}

	charts, chartIssues := chartProblems(t, p)
	if charts != 3 || len(chartIssues) != 2 {
		t.Errorf("charts = %d, problems = %q; want 3 charts, 2 problems", charts, chartIssues)
	}
	expect(t, "charts", all(chartIssues), "div#nochart (chart 1) has no canvas", "div#blankchart (chart 2) has 1 blank canvas")

	refs := referenceProblems(t, srv, p)
	expect(t, "references", all(refs), `"missing.css"`, `"gone.html"`, `"#nowhere"`, `<img> "x"`)
	if len(refs) != 4 {
		t.Errorf("references: %d problems, want 4:\n%s", len(refs), all(refs))
	}

	injected := eval[[]string](t, p, injectionJS)
	expect(t, "injection", strings.Join(injected, "\n"), `element <img src="x"`, "onerror handler")

	axe := axeViolations(t, p, axeSource(t))
	ids := []string{}
	for _, v := range axe {
		if v.blocking() {
			ids = append(ids, v.ID)
		}
	}
	if !slices.Contains(ids, "image-alt") {
		t.Errorf("axe found %v, want image-alt among the serious or critical ones", ids)
	}

	console := p.drain(t)
	expect(t, "console", all(console), "console error: boom", "uncaught", "alert dialog opened", "404",
		"charts not drawn after 2s: no canvas in div#nochart (chart 1)")
}
