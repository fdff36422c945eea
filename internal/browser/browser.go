// Package browser drives a headless Chromium (Debian's chromium package)
// through the DevTools protocol, for the two jobs that need a real browser:
// printing the leadership report to PDF and testing the built site as a
// reader's browser shows it. It never downloads a browser of its own, and
// the browser it starts talks to loopback addresses only.
package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"

	"github.com/chromedp/chromedp"
)

// ErrNoChromium is returned by Find when no Chromium binary is there. Its
// message says how to get one.
var ErrNoChromium = errors.New("no Chromium found: install it on Debian with `sudo apt-get install -y chromium`, " +
	"or point --chromium or the CHROMIUM environment variable at a Chromium or Chrome binary")

// candidates are looked up in this order when no path is given.
var candidates = []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Find returns the Chromium binary to run: explicit if it is not empty (a
// path or a name on PATH), else $CHROMIUM (the variable is the browser's
// own convention, as with CHROME_BIN in other tools), else Debian's
// /usr/bin/chromium, else chromium, chromium-browser or google-chrome on
// PATH. A path that was asked for and is not there is an error, never a
// silent fall back to another browser.
func Find(explicit string) (string, error) {
	return find(explicit, os.Getenv("CHROMIUM"), candidates)
}

func find(explicit, env string, candidates []string) (string, error) {
	for _, asked := range []struct{ from, path string }{
		{"--chromium", explicit},
		{"CHROMIUM", env},
	} {
		if asked.path == "" {
			continue
		}
		p, err := exec.LookPath(asked.path)
		if err != nil {
			return "", fmt.Errorf("%s %q is not an executable: %w", asked.from, asked.path, ErrNoChromium)
		}
		return p, nil
	}
	for _, name := range candidates {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoChromium
}

// flags are the command line of every browser this package starts, on top
// of the user-data-dir: headless, no sandbox (CI containers run as root),
// no GPU, nothing fetched in the background, no first-run UI. The proxy
// that is not there (port 9, discard) catches any request to a host that is
// not loopback; Chromium bypasses proxies for loopback on its own.
var flags = []chromedp.ExecAllocatorOption{
	chromedp.Flag("headless", true),
	chromedp.Flag("no-sandbox", true),
	chromedp.Flag("disable-gpu", true),
	chromedp.Flag("disable-background-networking", true),
	chromedp.Flag("disable-component-update", true),
	chromedp.Flag("no-first-run", true),
	chromedp.Flag("no-default-browser-check", true),
	chromedp.Flag("disable-default-apps", true),
	chromedp.Flag("disable-extensions", true),
	chromedp.Flag("disable-sync", true),
	chromedp.Flag("disable-breakpad", true),
	chromedp.Flag("disable-client-side-phishing-detection", true),
	chromedp.Flag("disable-dev-shm-usage", true),
	chromedp.Flag("metrics-recording-only", true),
	chromedp.Flag("disable-background-timer-throttling", true), // tabs side by side draw at full speed
	chromedp.Flag("disable-backgrounding-occluded-windows", true),
	chromedp.Flag("disable-renderer-backgrounding", true),
	chromedp.Flag("hide-scrollbars", true),
	chromedp.Flag("mute-audio", true),
	chromedp.Flag("force-color-profile", "srgb"),
	chromedp.Flag("password-store", "basic"),
	chromedp.Flag("proxy-server", "http://127.0.0.1:9"),
}

// New starts a headless Chromium from execPath with a fresh profile
// directory and returns a context for its first tab. Cancelling it closes
// the browser and removes the profile directory. Further tabs are
// chromedp.NewContext(ctx).
//
// The browser is started here, bound to ctx, so that a timeout on one later
// action does not end the browser.
func New(ctx context.Context, execPath string) (context.Context, context.CancelFunc, error) {
	if execPath == "" {
		return nil, nil, fmt.Errorf("start chromium: %w", ErrNoChromium)
	}
	profile, err := os.MkdirTemp("", "stellar-budget-chromium-")
	if err != nil {
		return nil, nil, fmt.Errorf("start chromium: profile directory: %w", err)
	}
	opts := append([]chromedp.ExecAllocatorOption{chromedp.ExecPath(execPath), chromedp.UserDataDir(profile)}, flags...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	cancel := func() {
		cancelTab()
		cancelAlloc() // waits for the browser process to end
		os.RemoveAll(profile)
	}
	if err := chromedp.Do(tabCtx); err != nil {
		cancel()
		return nil, nil, fmt.Errorf("start chromium %s: %w", execPath, err)
	}
	return tabCtx, cancel, nil
}
