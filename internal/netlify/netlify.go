// Package netlify reads the project's netlify.toml: what a deploy publishes,
// where its functions are, and the header rules, so that `generator serve`
// sends the deployed site's headers (its content security policy above
// all) and the page tests check the site under them.
//
// Header rules follow Netlify's matching: a rule's `for` is a path where
// "*" at the end matches the rest of the path (a splat) and ":name" one
// segment; every matching rule applies. Netlify combines the values of a
// header that two matching rules set, so the project sets each header in
// one rule for any path (a test holds netlify.toml to it). Redirect rules are read so
// tests can check them; the local server does not apply them (it has no
// Identity to check a role against).
package netlify

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/BurntSushi/toml"
)

// FileName is the file at the project's root.
const FileName = "netlify.toml"

// Config is the part of netlify.toml the project uses.
type Config struct {
	Build struct {
		Command     string            `toml:"command"`
		Publish     string            `toml:"publish"`
		Environment map[string]string `toml:"environment"`
	} `toml:"build"`
	Functions struct {
		Directory     string   `toml:"directory"`
		IncludedFiles []string `toml:"included_files"`
	} `toml:"functions"`
	Redirects []Redirect `toml:"redirects"`
	Headers   []Header   `toml:"headers"`
}

// Redirect is one [[redirects]] rule.
type Redirect struct {
	From       string              `toml:"from"`
	To         string              `toml:"to"`
	Status     int                 `toml:"status"`
	Force      bool                `toml:"force"`
	Conditions map[string][]string `toml:"conditions"`
}

// Header is one [[headers]] rule.
type Header struct {
	For    string            `toml:"for"`
	Values map[string]string `toml:"values"`
}

// Parse reads netlify.toml from data; name is for errors. Keys the project
// does not use are errors, so a misspelt one is caught.
func Parse(name string, data []byte) (*Config, error) {
	var c Config
	md, err := toml.Decode(string(data), &c)
	if err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			return nil, fmt.Errorf("%s:%d: %s", name, perr.Position.Line, perr.Message)
		}
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if un := md.Undecoded(); len(un) > 0 {
		keys := make([]string, len(un))
		for i, k := range un {
			keys[i] = k.String()
		}
		return nil, fmt.Errorf("read %s: unknown keys %s", name, strings.Join(keys, ", "))
	}
	for i, h := range c.Headers {
		if !strings.HasPrefix(h.For, "/") {
			return nil, fmt.Errorf("read %s: headers[%d].for %q does not start with /", name, i, h.For)
		}
	}
	return &c, nil
}

// HeadersFor returns the headers the rules give path.
func (c *Config) HeadersFor(path string) http.Header {
	h := http.Header{}
	for _, rule := range c.Headers {
		if Match(rule.For, path) {
			for k, v := range rule.Values {
				h.Set(k, v)
			}
		}
	}
	return h
}

// Match reports whether path matches a rule's pattern: segments equal,
// ":name" any one segment, a last "*" any rest (including none).
func Match(pattern, path string) bool {
	ps := strings.Split(strings.TrimPrefix(pattern, "/"), "/")
	xs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for i, p := range ps {
		if i >= len(xs) {
			return false
		}
		if p == "*" && i == len(ps)-1 {
			return true
		}
		if strings.HasPrefix(p, ":") {
			continue
		}
		if p != xs[i] {
			return false
		}
	}
	return len(xs) == len(ps)
}
