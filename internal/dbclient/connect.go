package dbclient

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"syscall"
	"time"
)

// ConnectError is a request that could not connect to its host: which
// host, who named it (a variable or a profile), what happened, and how
// long connecting was tried.
type ConnectError struct {
	Host   string
	Source string        // "DATABRICKS_HOST", "profile PROD of /home/me/.databrickscfg"
	After  time.Duration // how long connecting was tried; 0: once
	Err    error         // the dial error
}

func (e *ConnectError) Error() string {
	msg := fmt.Sprintf("connect to %s (%s): %s", e.Host, e.Source, dialReason(e.Err))
	if e.After > 0 {
		after := e.After.Round(time.Second)
		if after == 0 {
			after = e.After.Round(time.Millisecond)
		}
		msg += " after " + after.String()
	}
	return msg
}

func (e *ConnectError) Unwrap() error { return e.Err }

// connectTransport is the SDK's HTTP transport. A request whose
// connection is refused, reset or not answered is tried again with
// backoff until the connect timeout, then fails with a ConnectError;
// everything after the connection (status codes, throttling, slow
// answers) is left to the SDK.
type connectTransport struct {
	base    *http.Transport
	timeout time.Duration
	// host and source are set once the configuration is resolved, before
	// any request.
	host, source string
}

// maxDial is the longest a single connection attempt waits, as in the
// SDK's own transport.
const maxDial = 30 * time.Second

func newConnectTransport(timeout time.Duration) *connectTransport {
	// The SDK's default transport, with the dial bounded by the timeout.
	base := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: min(timeout, maxDial), KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   runtime.GOMAXPROCS(0) + 1,
		IdleConnTimeout:       180 * time.Second,
		TLSHandshakeTimeout:   30 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &connectTransport{base: base, timeout: timeout}
}

// resolved completes the transport from the resolved configuration. The
// SDK honours skip_verify only in its own transport, so this one does.
func (t *connectTransport) resolved(host, source string, insecure bool) {
	t.host, t.source = host, source
	if insecure {
		t.base.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
	}
}

func (t *connectTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	deadline := start.Add(t.timeout)
	for attempt := 1; ; attempt++ {
		resp, err := t.base.RoundTrip(req)
		if err == nil || !isDial(err) {
			return resp, err
		}
		cerr := &ConnectError{Host: t.host, Source: t.source, Err: err}
		if attempt > 1 {
			cerr.After = time.Since(start)
		}
		if !retriableDial(err) || !time.Now().Before(deadline) {
			return nil, cerr
		}
		next, ok := rewind(req)
		if !ok {
			// The SDK retries it, within the same budget.
			return nil, cerr
		}
		wait := min(backoff(attempt), time.Until(deadline))
		timer := time.NewTimer(wait)
		select {
		case <-req.Context().Done():
			timer.Stop()
			cerr.After = time.Since(start)
			return nil, cerr
		case <-timer.C:
		}
		req = next
	}
}

// backoff is the wait before connection attempt n+1: 250 ms doubling to
// at most 4 s, so a host that comes up is found soon.
func backoff(n int) time.Duration {
	return min(250*time.Millisecond<<min(n-1, 4), 4*time.Second)
}

// rewind is req again with a fresh body. A failed dial sent nothing, but
// the transport closes the body it was given.
func rewind(req *http.Request) (*http.Request, bool) {
	next := req.Clone(req.Context())
	if req.Body == nil || req.Body == http.NoBody {
		return next, true
	}
	if req.GetBody == nil {
		return nil, false
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, false
	}
	next.Body = body
	return next, true
}

// isDial says whether err happened connecting, before anything was sent.
func isDial(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// retriableDial are the dial errors the SDK itself retries: a refused or
// reset connection, and one not answered in time. An unknown host is not
// among them.
func retriableDial(err error) bool {
	var ne net.Error
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		(errors.As(err, &ne) && ne.Timeout())
}

func dialReason(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.As(err, &ne) && ne.Timeout():
		return "no answer"
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	return err.Error()
}
