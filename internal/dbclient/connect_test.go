package dbclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go/service/sql"
)

// closedPort is a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// TestConnectTimeout: a host that refuses the connection fails a request
// after the connect timeout, not the SDK's 5 minutes, and the error names
// the host and the variable or profile that named it. A request with a
// body (a statement) is tried again as one without.
func TestConnectTimeout(t *testing.T) {
	const timeout = time.Second
	tests := []struct {
		name      string
		inProfile bool
		statement bool // POST a statement, else GET SCIM Me
		source    string
	}{
		{name: "DATABRICKS_HOST, a GET", source: "(DATABRICKS_HOST)"},
		{name: "DATABRICKS_HOST, a POST", statement: true, source: "(DATABRICKS_HOST)"},
		{name: "a profile", inProfile: true, source: "(profile DOWN of "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			host := "http://" + closedPort(t)
			var opts Options
			if tc.inProfile {
				path := filepath.Join(t.TempDir(), "databrickscfg")
				if err := os.WriteFile(path, fmt.Appendf(nil, "[DOWN]\nhost = %s\ntoken = %s\n", host, secret), 0o600); err != nil {
					t.Fatal(err)
				}
				t.Setenv("DATABRICKS_CONFIG_FILE", path)
				opts.Profile = "DOWN"
				tc.source += path + ")"
			} else {
				t.Setenv("DATABRICKS_HOST", host)
				t.Setenv("DATABRICKS_TOKEN", secret)
			}
			opts.ConnectTimeout = timeout
			w, err := Workspace(opts)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			if tc.statement {
				_, err = w.StatementExecution.ExecuteStatement(context.Background(), sql.ExecuteStatementRequest{Statement: "SELECT 1", WarehouseId: "w"})
			} else {
				_, err = w.CurrentUser.Me(context.Background())
			}
			took := time.Since(start)
			want := fmt.Sprintf("connect to %s %s: connection refused after 1s", host, tc.source)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("error %v, want one containing %q", err, want)
			}
			var ce *ConnectError
			if !errors.As(err, &ce) || !errors.Is(err, syscall.ECONNREFUSED) {
				t.Errorf("error %v is not a ConnectError of a refused connection", err)
			}
			if took < timeout || took > timeout+3*time.Second {
				t.Errorf("failed after %s, want about %s", took, timeout)
			}
			if strings.Contains(err.Error(), "0123456789abcdef") {
				t.Errorf("the error shows the token: %v", err)
			}
		})
	}
}

func meHandler(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/2.0/preview/scim/v2/Me" || r.Header.Get("Authorization") != "Bearer "+secret {
		http.Error(w, `{"error_code":"NOT_FOUND","message":"no"}`, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, `{"userName":"me@example.com"}`)
}

// TestConnectReachesALateHost: a host that starts listening while the
// requests are refused is reached within the timeout.
func TestConnectReachesALateHost(t *testing.T) {
	clearEnv(t)
	addr := closedPort(t)
	t.Setenv("DATABRICKS_HOST", "http://"+addr)
	t.Setenv("DATABRICKS_TOKEN", secret)
	w, err := Workspace(Options{ConnectTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(meHandler), ReadHeaderTimeout: 5 * time.Second}
	t.Cleanup(func() { srv.Close() })
	go func() {
		time.Sleep(700 * time.Millisecond)
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Errorf("listen again on %s: %v", addr, err)
			return
		}
		_ = srv.Serve(ln)
	}()
	start := time.Now()
	me, err := w.CurrentUser.Me(context.Background())
	if err != nil || me.UserName != "me@example.com" {
		t.Fatalf("Me: %v %v", me, err)
	}
	if took := time.Since(start); took < 700*time.Millisecond || took > 10*time.Second {
		t.Errorf("reached after %s, want soon after 700ms", took)
	}
}

// TestSlowAnswerOutlastsConnectTimeout: the connect timeout is no
// deadline for a request the host has accepted and answers slowly (a
// statement waiting out its wait_timeout).
func TestSlowAnswerOutlastsConnectTimeout(t *testing.T) {
	clearEnv(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2500 * time.Millisecond)
		meHandler(w, r)
	}))
	t.Cleanup(srv.Close)
	t.Setenv("DATABRICKS_HOST", srv.URL)
	t.Setenv("DATABRICKS_TOKEN", secret)
	w, err := Workspace(Options{ConnectTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if me, err := w.CurrentUser.Me(context.Background()); err != nil || me.UserName != "me@example.com" {
		t.Errorf("a slow answer: %v %v", me, err)
	}
}

func TestConnectErrorText(t *testing.T) {
	dial := func(err error) error { return &net.OpError{Op: "dial", Net: "tcp", Err: err} }
	timeout := &net.DNSError{Err: "i/o timeout", IsTimeout: true}
	tests := []struct {
		err   ConnectError
		want  string
		retry bool
	}{
		{ConnectError{Host: "http://127.0.0.1:8765", Source: "DATABRICKS_HOST", After: 30*time.Second + 4*time.Millisecond, Err: dial(os.NewSyscallError("connect", syscall.ECONNREFUSED))},
			"connect to http://127.0.0.1:8765 (DATABRICKS_HOST): connection refused after 30s", true},
		{ConnectError{Host: "https://h", Source: "profile P of /c", After: 400 * time.Millisecond, Err: dial(timeout)},
			"connect to https://h (profile P of /c): no answer after 400ms", true},
		{ConnectError{Host: "https://h", Source: "DATABRICKS_HOST", Err: dial(os.NewSyscallError("read", syscall.ECONNRESET))},
			"connect to https://h (DATABRICKS_HOST): connection reset", true},
		{ConnectError{Host: "https://nope.invalid", Source: "DATABRICKS_HOST", Err: dial(&net.DNSError{Err: "no such host", Name: "nope.invalid", IsNotFound: true})},
			"connect to https://nope.invalid (DATABRICKS_HOST): lookup nope.invalid: no such host", false},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
		if got := retriableDial(tc.err.Err); got != tc.retry {
			t.Errorf("%q: retriable %v, want %v", tc.want, got, tc.retry)
		}
	}
}
