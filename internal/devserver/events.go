package devserver

import (
	_ "embed"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// The event stream at /__stellar/events sends:
//
//	hello   on connect, the server instance; a page that sees a new one
//	        after reconnecting reloads (the server restarted)
//	reload  after a good rebuild
//	error   after a failed rebuild (the message); also on connect while the
//	        last rebuild has failed
//
// Comments every heartbeatEvery keep proxies and dead connections honest.
const (
	heartbeatEvery = 30 * time.Second
	retryMillis    = 1000 // the browser's reconnect delay after a lost stream
)

//go:embed livereload.js
var liveReloadScript []byte

func serveScript(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.Method == http.MethodHead {
		return
	}
	w.Write(liveReloadScript)
}

type event struct{ name, data string }

// format writes the event in the text/event-stream format; each line of
// data gets its own "data:" field.
func (e event) format() string {
	var b strings.Builder
	fmt.Fprintf(&b, "event: %s\n", e.name)
	for _, line := range strings.Split(strings.ReplaceAll(e.data, "\r\n", "\n"), "\n") {
		fmt.Fprintf(&b, "data: %s\n", strings.ReplaceAll(line, "\r", " "))
	}
	b.WriteString("\n")
	return b.String()
}

func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	events, ok := s.hub.subscribe()
	if !ok {
		http.Error(w, "server is stopping", http.StatusServiceUnavailable)
		return
	}
	defer s.hub.unsubscribe(events)

	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	greeting := fmt.Sprintf("retry: %d\n\n", retryMillis) + event{name: "hello", data: s.instance}.format()
	if msg := s.currentError(); msg != "" {
		greeting += event{name: "error", data: msg}.format()
	}
	if !send(w, rc, greeting) {
		return
	}

	heartbeat := time.NewTicker(heartbeatEvery)
	defer heartbeat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case e, open := <-events:
			if !open {
				return
			}
			if !send(w, rc, e.format()) {
				return
			}
		case <-heartbeat.C:
			if !send(w, rc, ": heartbeat\n\n") {
				return
			}
		}
	}
}

func send(w http.ResponseWriter, rc *http.ResponseController, text string) bool {
	if _, err := w.Write([]byte(text)); err != nil {
		return false
	}
	return rc.Flush() == nil
}

// hub fans events out to the connected pages.
type hub struct {
	mu      sync.Mutex
	clients map[chan event]struct{}
	closed  bool
}

func newHub() *hub { return &hub{clients: map[chan event]struct{}{}} }

func (h *hub) subscribe() (chan event, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, false
	}
	c := make(chan event, 8)
	h.clients[c] = struct{}{}
	return c, true
}

func (h *hub) unsubscribe(c chan event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.clients[c]; ok {
		delete(h.clients, c)
		close(c)
	}
}

// broadcast never blocks: a page too slow to take an event misses it, which
// is harmless because the next event (or a reload) supersedes it.
func (h *hub) broadcast(e event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		select {
		case c <- e:
		default:
		}
	}
}

// close ends every stream and refuses new ones.
func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for c := range h.clients {
		delete(h.clients, c)
		close(c)
	}
}
