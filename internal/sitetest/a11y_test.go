package sitetest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core's browser bundle: $AXE_CORE_JS, else the copy that
// `npm ci --prefix .ci` installs (.ci/package.json pins the version).
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("AXE_CORE_JS")
	if path == "" {
		path = filepath.Join(repoRoot(t), ".ci", "node_modules", "axe-core", "axe.min.js")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("axe-core: %v; install it with `npm ci --prefix .ci` (bash .ci/run does) or set AXE_CORE_JS to axe.min.js", err)
	}
	return string(b)
}

// violation is one axe-core rule that failed, with where.
type violation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	HelpURL string   `json:"helpUrl"`
	Targets []string `json:"targets"`
}

const runAxeJS = `axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({
  id: v.id, impact: v.impact || '', help: v.help, helpUrl: v.helpUrl,
  targets: v.nodes.map(n => n.target.map(s => Array.isArray(s) ? s.join(' >>> ') : s).join(' ')),
})))`

// axeViolations injects axe-core into the page and runs it.
func axeViolations(t *testing.T, p *tab, axe string) []violation {
	t.Helper()
	eval[chromedp.Void](t, p, axe)
	return eval[[]violation](t, p, runAxeJS, chromedp.EvalAwaitPromise)
}

// blocking tells the violations that fail the check.
func (v violation) blocking() bool { return v.Impact == "serious" || v.Impact == "critical" }

func (v violation) String() string {
	first := ""
	if len(v.Targets) > 0 {
		first = v.Targets[0]
	}
	return fmt.Sprintf("axe %s (%s): %s; %d element(s), first %s — %s", v.ID, v.Impact, v.Help, len(v.Targets), first, v.HelpURL)
}

// TestAccessibility runs axe-core in every page of the demo site and fails
// on violations of serious or critical impact; lesser ones are logged.
func TestAccessibility(t *testing.T) {
	s := demoSite(t)
	axe := axeSource(t)
	for _, name := range s.pages {
		t.Run(name, func(t *testing.T) {
			t.Parallel() // two tabs at a time (-parallel is GOMAXPROCS)
			p := open(t, s.url(name))
			start := time.Now()
			violations := axeViolations(t, p, axe)
			t.Logf("axe: %d violation(s) in %s", len(violations), time.Since(start).Round(time.Millisecond))
			for _, v := range violations {
				if v.blocking() {
					t.Error(v)
				} else {
					t.Log(v)
				}
			}
			p.close(t)
		})
	}
}
