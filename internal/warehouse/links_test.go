package warehouse

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/content"
	"github.com/novadynamics/stellar-budget/internal/emulator"
)

// slowStorage is the link client's transport: it holds the first download
// back past the links' lifetime and records every download's status.
type slowStorage struct {
	hold     time.Duration
	mu       sync.Mutex
	statuses []int
	auth     bool // a download carried an Authorization header
}

func (s *slowStorage) RoundTrip(req *http.Request) (*http.Response, error) {
	s.mu.Lock()
	first := len(s.statuses) == 0
	s.auth = s.auth || req.Header.Get("Authorization") != ""
	s.mu.Unlock()
	if first {
		time.Sleep(s.hold)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err == nil {
		s.mu.Lock()
		s.statuses = append(s.statuses, resp.StatusCode)
		s.mu.Unlock()
	}
	return resp, err
}

// TestExpiredLinkRecovers: on an emulator whose INLINE limit a month of
// the demo account passes and whose links last a second, a pull whose
// first download comes too late is refused 403 and recovers with a fresh
// link, and gives the facts of a pull on the shared emulator.
func TestExpiredLinkRecovers(t *testing.T) {
	e := startEmulator(t)
	div, err := content.Load("../../content")
	if err != nil {
		t.Fatal(err)
	}
	short, err := emulator.Start("127.0.0.1:0", emulator.Options{AsOf: asOf, Division: div, SQL: e.tables, ChunkRows: 400,
		InlineLimit: 256 << 10, LinkLifetime: time.Second, Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	defer short.Close()

	want, err := e.source(t.TempDir(), nil).Attribute(t.Context(), e.tagValues)
	if err != nil {
		t.Fatal(err)
	}
	storage := &slowStorage{hold: 1500 * time.Millisecond}
	src := e.source(t.TempDir(), nil)
	src.SDK = short.Config()
	src.LinkClient = &http.Client{Transport: storage}
	got, err := src.Attribute(t.Context(), e.tagValues)
	if err != nil {
		t.Fatal(err)
	}
	if len(storage.statuses) < 2 || storage.statuses[0] != http.StatusForbidden || storage.auth {
		t.Errorf("downloads answered %v (authorization sent: %v), want a 403 for the late one, then 200s, and no credentials", storage.statuses, storage.auth)
	}
	for _, s := range storage.statuses[1:] {
		if s != http.StatusOK {
			t.Errorf("downloads answered %v, want 200 after the first", storage.statuses)
			break
		}
	}
	if got.Rows != want.Rows || factCount(got) != factCount(want) || len(got.Hourly) != len(want.Hourly) {
		t.Errorf("%d rows %d facts %d hourly, want %d %d %d", got.Rows, factCount(got), len(got.Hourly), want.Rows, factCount(want), len(want.Hourly))
	}
	a, b := dayCosts(want), dayCosts(got)
	for k, v := range a {
		if b[k].Cmp(v) != 0 {
			t.Errorf("%s: %s, want %s", k, b[k], v)
		}
	}
	if !strings.Contains(got.Inputs[0], short.URL) {
		t.Errorf("inputs %q, want the short-lived links' emulator", got.Inputs)
	}
}
