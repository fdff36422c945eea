package netlify

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func project(t *testing.T) *Config {
	t.Helper()
	path := filepath.Join("..", "..", FileName)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(path, data)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestProjectFile(t *testing.T) {
	c := project(t)
	if !slices.Contains(c.Functions.IncludedFiles, "public/data/snapshot.json") {
		t.Errorf("the functions do not ship with the snapshot: included_files %v", c.Functions.IncludedFiles)
	}
	if c.Build.Publish != "public" || c.Functions.Directory != "functions" {
		t.Errorf("publish %q, functions %q; want public and functions", c.Build.Publish, c.Functions.Directory)
	}
	// The functions are reached before the role rule, so a Databricks
	// webhook (Basic) or a token caller is not turned away by it.
	fn, role, fallback := -1, -1, -1
	for i, r := range c.Redirects {
		switch {
		case r.From == "/.netlify/functions/*" && r.Status == 200:
			fn = i
		case r.From == "/*" && slices.Equal(r.Conditions["Role"], []string{"viewer", "operator"}):
			role = i
		case r.From == "/*" && r.Status == 401 && r.Force:
			fallback = i
		}
	}
	if fn < 0 || role < 0 || fallback < 0 || !(fn < role && role < fallback) {
		t.Errorf("redirects: functions rule %d, role rule %d, 401 fallback %d; want all, in that order", fn, role, fallback)
	}
	for _, p := range []string{"/index.html", "/categories/deep-space/index.html", "/login/index.html", "/data/snapshot.json"} {
		h := c.HeadersFor(p)
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-eval") || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: headers %v; want a CSP with script-src 'self' and nosniff", p, h)
		}
	}
	if got := c.HeadersFor("/data/snapshot.json").Get("Cache-Control"); got != "no-cache" {
		t.Errorf("snapshot Cache-Control %q", got)
	}
}

// TestOneRulePerHeader: Netlify combines a header two matching rules set.
func TestOneRulePerHeader(t *testing.T) {
	c := project(t)
	for i, a := range c.Headers {
		for _, b := range c.Headers[i+1:] {
			if !Match(a.For, strings.TrimSuffix(b.For, "*")+"x") && !Match(b.For, strings.TrimSuffix(a.For, "*")+"x") {
				continue
			}
			for k := range a.Values {
				if _, ok := b.Values[k]; ok {
					t.Errorf("%s is set for both %s and %s", k, a.For, b.For)
				}
			}
		}
	}
}

func TestMatch(t *testing.T) {
	cases := []struct {
		pattern, path string
		want          bool
	}{
		{"/*", "/", true},
		{"/*", "/a/b.html", true},
		{"/data/*", "/data/snapshot.json", true},
		{"/data/*", "/data", false},
		{"/data/*", "/database/x", false},
		{"/categories/:slug/index.html", "/categories/deep-space/index.html", true},
		{"/categories/:slug/index.html", "/categories/a/b/index.html", false},
		{"/index.html", "/index.html", true},
		{"/index.html", "/index.htm", false},
	}
	for _, tc := range cases {
		if got := Match(tc.pattern, tc.path); got != tc.want {
			t.Errorf("Match(%q, %q) = %v", tc.pattern, tc.path, got)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for name, tc := range map[string]struct{ text, want string }{
		"syntax":      {"[build\npublish = 1", "netlify.toml:2"},
		"unknown key": {"[build]\npublsh = \"public\"", "unknown keys build.publsh"},
		"bad for":     {"[[headers]]\nfor = \"*.html\"", "does not start with /"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("netlify.toml", []byte(tc.text))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse = %v, want %q", err, tc.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	data, err := os.ReadFile(filepath.Join("..", "..", FileName))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("netlify.toml", data)
		if err == nil {
			_ = c.HeadersFor("/index.html")
		}
	})
}
