//go:build linux

package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// How long serve may take to build the demo site and answer (generous: the
// build takes seconds alone, longer on a busy CI machine), and to stop.
const (
	serveReady = 3 * time.Minute
	serveStop  = 5 * time.Second
)

// serveLog creates the file a test's processes write their output to; the
// test closes it at its end.
func serveLog(t *testing.T) (string, *os.File) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "serve.log")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return path, f
}

// TestServeStopsWithItsParent kills the process that started serve, with
// SIGKILL, the way `kill -9 PID` ends a `go run ./generator serve` (go run
// passes no signal on): the server notices it was orphaned, stops and
// frees its port.
func TestServeStopsWithItsParent(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t)
	logPath, logFile := serveLog(t)

	parent := exec.Command("parent", append([]string{"generator"}, serveArgs(t, addr)...)...)
	parent.Dir = t.TempDir()
	parent.Stdout, parent.Stderr = logFile, logFile
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	parentDone := make(chan struct{})
	go func() { parent.Wait(); close(parentDone) }()
	t.Cleanup(func() {
		parent.Process.Kill()
		<-parentDone
	})

	server := childPID(t, logPath, parentDone)
	t.Cleanup(func() {
		if alive(server) {
			syscall.Kill(server, syscall.SIGKILL)
		}
	})
	waitServing(t, addr, logPath, parentDone)

	if err := parent.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-parentDone
	killed := time.Now()
	for alive(server) {
		if time.Since(killed) > serveStop {
			t.Fatalf("serve (PID %d) still runs %s after its parent was killed\n%s", server, serveStop, readLog(logPath))
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("serve stopped %s after its parent was killed", time.Since(killed).Round(time.Millisecond))
	assertClosed(t, addr)
	if log := readLog(logPath); !strings.Contains(log, "serve stopping: the process that started it has exited") {
		t.Errorf("serve's log does not say why it stopped:\n%s", log)
	}
}

// TestServeStopsOnSIGTERM: `kill PID` (SIGTERM) stops serve gracefully,
// with status 0, like Ctrl+C.
func TestServeStopsOnSIGTERM(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t)
	logPath, logFile := serveLog(t)

	serve := exec.Command("generator", serveArgs(t, addr)...)
	serve.Dir = t.TempDir()
	serve.Env = append(os.Environ(), "STELLAR_AGENT_TOKENS=viewer:"+serveViewer, "STELLAR_WEBHOOK_SECRET=")
	serve.Stdout, serve.Stderr = logFile, logFile
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = serve.Wait(); close(exited) }()
	t.Cleanup(func() {
		serve.Process.Kill()
		<-exited
	})
	waitServing(t, addr, logPath, exited)
	checkFunctions(t, addr)

	if err := serve.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(serveStop):
		t.Fatalf("serve still runs %s after SIGTERM\n%s", serveStop, readLog(logPath))
	}
	if waitErr != nil {
		t.Fatalf("serve after SIGTERM: %v, want exit status 0\n%s", waitErr, readLog(logPath))
	}
	assertClosed(t, addr)
}

const serveViewer = "viewer-token-0000000001"

// checkFunctions: serve mounts the functions where a deploy has them,
// built from the environment, and serves pages with the deploy's headers.
func checkFunctions(t *testing.T, addr string) {
	t.Helper()
	call := func(name, token, body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/.netlify/functions/"+name, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	predict := `{"tool":"predict_cost","request_id":"r1","arguments":{"category":"exoplanet-research","horizon_days":7}}`
	if code, body := call("agent", serveViewer, predict); code != 200 || !strings.Contains(body, `"as_of":"2026-11-23"`) {
		t.Errorf("agent predict_cost: %d %s", code, body)
	}
	if code, _ := call("agent", "", predict); code != 401 {
		t.Errorf("agent without a token: %d, want 401", code)
	}
	if code, body := call("alert-webhook", "", `{}`); code != 503 || !strings.Contains(body, "STELLAR_WEBHOOK_SECRET") {
		t.Errorf("unconfigured alert-webhook: %d %s, want 503 saying what to set", code, body)
	}
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Errorf("the master page without netlify.toml's policy: %q", resp.Header.Get("Content-Security-Policy"))
	}
}

// serveArgs serves the demo site on addr from a fresh output directory.
func serveArgs(t *testing.T, addr string) []string {
	deploy, err := filepath.Abs(filepath.Join("..", "netlify.toml"))
	if err != nil {
		t.Fatal(err)
	}
	return []string{"serve", "--addr", addr, "--as-of", "2026-11-23", "--netlify-config", deploy,
		"--content", contentDir(t), "--out", filepath.Join(t.TempDir(), "public")}
}

// freeAddr returns a loopback address with a port nobody listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// childPID reads the "child PID" line the parent command prints.
func childPID(t *testing.T, logPath string, parentDone <-chan struct{}) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		sc := bufio.NewScanner(strings.NewReader(readLog(logPath)))
		for sc.Scan() {
			if pid, ok := strings.CutPrefix(sc.Text(), "child "); ok {
				n, err := strconv.Atoi(pid)
				if err != nil {
					t.Fatalf("parent printed %q", sc.Text())
				}
				return n
			}
		}
		select {
		case <-parentDone:
			t.Fatalf("parent exited before starting serve\n%s", readLog(logPath))
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("parent printed no child PID\n%s", readLog(logPath))
	return 0
}

// waitServing waits until the site answers on addr.
func waitServing(t *testing.T, addr, logPath string, stopped <-chan struct{}) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), serveReady)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := client.Get("http://" + addr + "/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			t.Fatalf("GET http://%s/: %s\n%s", addr, resp.Status, readLog(logPath))
		}
		select {
		case <-stopped:
			t.Fatalf("serve exited before serving\n%s", readLog(logPath))
		case <-ctx.Done():
			t.Fatalf("serve did not answer on %s within %s\n%s", addr, serveReady, readLog(logPath))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// alive reports whether process pid exists and is not a zombie (the
// orphaned server's new parent may be slow to reap it).
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) state ...; comm may hold spaces and parentheses.
	i := strings.LastIndexByte(string(stat), ')')
	if i < 0 || i+2 >= len(stat) {
		return false
	}
	state := stat[i+2]
	return state != 'Z' && state != 'X'
}

func assertClosed(t *testing.T, addr string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		conn.Close()
		t.Fatalf("%s still accepts connections after serve stopped", addr)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Logf("dial %s after serve stopped: %v", addr, err)
	}
}

func readLog(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	return string(b)
}

// TestServeWatchRebuilds: with --watch, an edit under the templates'
// layouts rebuilds the site (the directories to watch reach the server).
func TestServeWatchRebuilds(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t)
	logPath, logFile := serveLog(t)
	templates := t.TempDir()
	if err := os.MkdirAll(filepath.Join(templates, "layouts", "partials"), 0o755); err != nil {
		t.Fatal(err)
	}
	serve := exec.Command("generator", append(serveArgs(t, addr), "--watch", "--templates", templates)...)
	serve.Dir = t.TempDir()
	serve.Stdout, serve.Stderr = logFile, logFile
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { serve.Wait(); close(exited) }()
	t.Cleanup(func() {
		serve.Process.Kill()
		<-exited
	})
	waitServing(t, addr, logPath, exited)
	if err := os.WriteFile(filepath.Join(templates, "layouts", "partials", "note.html"), []byte("<!-- a note -->\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(serveReady); !strings.Contains(readLog(logPath), "msg=rebuilt"); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no rebuild %s after a template edit\n%s", serveReady, readLog(logPath))
		}
	}
}
