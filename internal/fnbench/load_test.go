package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	cases := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"p50 of 1..100 ms", hundred, 0.50, 50 * time.Millisecond},
		{"p99 of 1..100 ms", hundred, 0.99, 99 * time.Millisecond},
		{"p99 of one", hundred[:1], 0.99, time.Millisecond},
		{"p50 of two", hundred[:2], 0.50, time.Millisecond},
		{"p99 of ten: the largest", hundred[:10], 0.99, 10 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := percentile(tc.sorted, tc.p); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestMedianAndRatios(t *testing.T) {
	c := comparison{
		base:    []stats{{p99: 10 * time.Millisecond, perSecond: 900}, {p99: 30 * time.Millisecond, perSecond: 700}, {p99: 20 * time.Millisecond, perSecond: 800}},
		subject: []stats{{p99: 15 * time.Millisecond}, {p99: 30 * time.Millisecond}, {p99: 50 * time.Millisecond}},
	}
	if m := median(c.base); m.p99 != 20*time.Millisecond || m.perSecond != 800 {
		t.Errorf("median %+v, want p99 20 ms and 800/s", m)
	}
	if m := median(c.base[:2]); m.p99 != 20*time.Millisecond {
		t.Errorf("median of two %+v, want their mean", m)
	}
	perRound, ratio, err := c.ratios()
	if err != nil || ratio != 1.5 || len(perRound) != 3 || perRound[0] != 1.5 || perRound[1] != 1 || perRound[2] != 2.5 {
		t.Errorf("ratios %v %v %v, want 1.5 of the medians and 1.5, 1, 2.5 a round", perRound, ratio, err)
	}
	if _, _, err := (comparison{}).ratios(); err == nil {
		t.Error("no rounds compared without an error")
	}
}

// TestRun: a round sends exactly its requests from its clients, never
// more at once than it has clients, and stops at the first wrong answer.
func TestRun(t *testing.T) {
	type counts struct{ served, inFlight, most atomic.Int64 }
	// serve counts what it serves; with fail, its 50th answer is a 500.
	serve := func(t *testing.T, fail bool) (*httptest.Server, *counts) {
		c := &counts{}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n := c.inFlight.Add(1)
			defer c.inFlight.Add(-1)
			for m := c.most.Load(); n > m && !c.most.CompareAndSwap(m, n); m = c.most.Load() {
			}
			time.Sleep(time.Millisecond)
			if c.served.Add(1) == 50 && fail {
				http.Error(w, "no", http.StatusInternalServerError)
				return
			}
			w.Write([]byte(`{"ok":true}`))
		}))
		t.Cleanup(srv.Close)
		return srv, c
	}
	ok := func(status int, body []byte) error {
		if status != 200 || !strings.Contains(string(body), `"ok":true`) {
			return fmt.Errorf("answered %d %s", status, body)
		}
		return nil
	}
	tg := func(url string) target {
		return target{name: "test", url: url, header: http.Header{}, body: func(int) []byte { return []byte("{}") }, check: ok}
	}

	t.Run("a count of requests", func(t *testing.T) {
		srv, c := serve(t, false)
		s, err := run(context.Background(), srv.Client(), tg(srv.URL), load{clients: 7, requests: 100})
		if err != nil || s.requests != 100 || c.served.Load() != 100 || c.most.Load() > 7 || s.p50 <= 0 || s.p99 < s.p50 || s.perSecond <= 0 {
			t.Fatalf("stats %+v, err %v, served %d, at most %d at once", s, err, c.served.Load(), c.most.Load())
		}
	})
	t.Run("a wrong answer", func(t *testing.T) {
		srv, _ := serve(t, true)
		if _, err := run(context.Background(), srv.Client(), tg(srv.URL), load{clients: 4, requests: 200}); err == nil || !strings.Contains(err.Error(), "answered 500") {
			t.Errorf("a wrong answer gave %v", err)
		}
	})
	t.Run("a duration", func(t *testing.T) {
		srv, c := serve(t, false)
		s, err := run(context.Background(), srv.Client(), tg(srv.URL), load{clients: 3, duration: 50 * time.Millisecond})
		if err != nil || s.requests == 0 || int64(s.requests) != c.served.Load() {
			t.Errorf("a timed round: %+v, %v, served %d", s, err, c.served.Load())
		}
	})
}
