package sitetest

import (
	"net/http"
	"strings"
	"testing"
)

// TestContentSecurityPolicyIsEnforced makes sure the page tests run under
// the deployed policy: the header is there and the browser enforces it
// (a script added inline is refused), so "no console error" on every page
// (TestPagesInBrowser) means no page breaks under it.
func TestContentSecurityPolicyIsEnforced(t *testing.T) {
	s := demoSite(t)
	resp, err := http.Get(s.url("index.html"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") {
		t.Fatalf("the master page is served with Content-Security-Policy %q", csp)
	}
	p := open(t, s.url("index.html"))
	ran := eval[bool](t, p, `(() => {
		window.__inlineRan = false;
		const s = document.createElement("script");
		s.textContent = "window.__inlineRan = true";
		document.head.appendChild(s);
		return window.__inlineRan;
	})()`)
	if ran {
		t.Error("an inline script ran: the policy is not enforced")
	}
	problems := p.drain(t)
	refused := false
	for _, m := range problems {
		refused = refused || strings.Contains(m, "Content Security Policy")
	}
	if !refused {
		t.Errorf("the browser reported no refusal of the inline script; console: %q", problems)
	}
}
