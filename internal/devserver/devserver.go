// Package devserver is the local preview server behind `generator serve`:
// it serves the built site, rebuilds it when its sources change and
// reloads the open pages, the way `hugo server` does.
//
// What it does:
//
//   - Serves the files of Options.Dir, index.html for a directory, the
//     site's own 404.html (if any) for a missing page. Every request opens
//     its file by path, so a rebuild that replaces the directory as a whole
//     (see site.Publish) is picked up at once, and a request that falls in
//     the instant between the two renames of a publish waits for the new
//     directory instead of failing.
//   - Adds <script src="/__stellar/livereload.js"> before </body> of every
//     HTML response. The script (a file, no inline JavaScript) listens to
//     the server-sent events at /__stellar/events: "reload" reloads the
//     page, "error" shows the rebuild error in a fixed banner (as text), and
//     after the server restarts the page reloads once it is back.
//   - Watches the Options.Watch directories recursively (new directories
//     too), waits for a burst of changes to settle (Options.Debounce;
//     editors write several events per save), ignores editor temporary
//     files, calls Options.Rebuild, then reloads every connected page. A
//     failed rebuild is logged as one line and shown in the pages; the last
//     good site keeps being served.
//   - Refuses to listen on anything but a loopback address unless
//     Options.AllowRemote is set: it is a development server.
//
// The caller builds the site once before serving; the server only rebuilds
// on changes.
package devserver

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Defaults for the zero Options fields.
const (
	DefaultAddr     = "127.0.0.1:8888"
	DefaultDebounce = 200 * time.Millisecond
)

// Paths the server reserves for itself.
const (
	reservedPrefix = "/__stellar/"
	scriptPath     = reservedPrefix + "livereload.js"
	eventsPath     = reservedPrefix + "events"
)

// ErrNotLoopback is returned by ListenAndServe for an address other
// machines could reach, unless Options.AllowRemote is set.
var ErrNotLoopback = errors.New("not a loopback address")

// Options configure a Server. Only Dir is required.
type Options struct {
	Dir         string                          // the built site to serve
	Addr        string                          // host:port to listen on; DefaultAddr when empty
	AllowRemote bool                            // allow an Addr that is not loopback (0.0.0.0, a LAN address)
	Watch       []string                        // source directories, watched recursively
	Rebuild     func(ctx context.Context) error // rebuilds Dir after a change; nil only reloads
	Log         *slog.Logger                    // nil discards
	Debounce    time.Duration                   // quiet time after the last change before rebuilding; DefaultDebounce when 0
	// Headers gives the headers of the site's files by URL path (the
	// deploy's header rules, netlify.toml); nil adds none. What is
	// mounted sets its own, as deployed functions do.
	Headers func(path string) http.Header
}

// Server serves one site directory with live reload.
type Server struct {
	opts     Options
	log      *slog.Logger
	mux      *http.ServeMux
	hub      *hub
	instance string // changes on every start, so pages reload after a restart

	mu        sync.Mutex
	lastError string // the failed rebuild's message, "" after a good one
}

// New returns a server for opts, filling in the defaults.
func New(opts Options) *Server {
	if opts.Addr == "" {
		opts.Addr = DefaultAddr
	}
	if opts.Debounce <= 0 {
		opts.Debounce = DefaultDebounce
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		opts:     opts,
		log:      log,
		mux:      http.NewServeMux(),
		hub:      newHub(),
		instance: rand.Text(),
	}
	s.mux.HandleFunc(scriptPath, serveScript)
	s.mux.HandleFunc(eventsPath, s.serveEvents)
	s.mux.Handle("/", http.HandlerFunc(s.serveFile))
	return s
}

// Handler serves the site, the live-reload endpoints and what is mounted.
func (s *Server) Handler() http.Handler { return s.mux }

// Mount routes requests for prefix and everything below it to h, with
// the path unchanged, for example the serverless functions at
// /.netlify/functions/<name>. It panics, like http.ServeMux, if prefix is
// already mounted or lies under the server's own /__stellar/.
func (s *Server) Mount(prefix string, h http.Handler) {
	prefix = "/" + strings.Trim(prefix, "/")
	if prefix == "/" || strings.HasPrefix(prefix+"/", reservedPrefix) {
		panic(fmt.Sprintf("devserver: cannot mount %q", prefix))
	}
	s.mux.Handle(prefix, h)
	s.mux.Handle(prefix+"/", h)
}

// ListenAndServe starts watching, listens on Options.Addr and serves until
// ctx ends, then closes the live-reload connections, lets requests in
// flight finish and returns nil.
func (s *Server) ListenAndServe(ctx context.Context) error {
	if err := checkAddr(s.opts.Addr, s.opts.AllowRemote); err != nil {
		return err
	}
	w, err := s.startWatching()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		w.close()
		return fmt.Errorf("serve %s: %w", s.opts.Dir, err)
	}
	return s.serve(ctx, ln, w)
}

// Serve is ListenAndServe on a listener the caller opened (tests use
// 127.0.0.1:0); it closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if err := checkAddr(ln.Addr().String(), s.opts.AllowRemote); err != nil {
		ln.Close()
		return err
	}
	w, err := s.startWatching()
	if err != nil {
		ln.Close()
		return err
	}
	return s.serve(ctx, ln, w)
}

func (s *Server) serve(ctx context.Context, ln net.Listener, w *watcher) error {
	srv := &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	var wg sync.WaitGroup
	wg.Go(func() { w.run(ctx) })
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	s.log.Info("serving", "dir", s.opts.Dir, "url", "http://"+ln.Addr().String()+"/", "watch", s.opts.Watch)

	var err error
	select {
	case err = <-served:
		err = fmt.Errorf("serve %s: %w", s.opts.Dir, err)
	case <-ctx.Done():
		// Event streams never end on their own; close them first so
		// Shutdown only waits for ordinary requests.
		s.hub.close()
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if serr := srv.Shutdown(shutdownCtx); serr != nil {
			err = fmt.Errorf("stop serving %s: %w", s.opts.Dir, serr)
		}
	}
	s.hub.close()
	w.close()
	wg.Wait()
	return err
}

// Watch watches Options.Watch and rebuilds on changes until ctx ends,
// without serving; ListenAndServe does this itself. Use it with Handler
// in tests or behind another server.
func (s *Server) Watch(ctx context.Context) error {
	w, err := s.startWatching()
	if err != nil {
		return err
	}
	w.run(ctx)
	w.close()
	return nil
}

// checkAddr refuses an address other machines could reach: an empty host
// (all interfaces), a non-loopback IP, or a name other than localhost.
func checkAddr(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("serve on %q: %w", addr, err)
	}
	if allowRemote {
		return nil
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	if host == "" {
		host = "all interfaces"
	}
	return fmt.Errorf("serve on %s (%s): %w; the preview server is for this machine, use 127.0.0.1", addr, host, ErrNotLoopback)
}

// rebuilt records a rebuild's outcome and tells the pages.
func (s *Server) rebuilt(err error) {
	s.mu.Lock()
	if err != nil {
		s.lastError = oneLine(err.Error())
	} else {
		s.lastError = ""
	}
	msg := s.lastError
	s.mu.Unlock()
	if err != nil {
		s.hub.broadcast(event{name: "error", data: msg})
		return
	}
	s.hub.broadcast(event{name: "reload", data: "reload"})
}

func (s *Server) currentError() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastError
}

// oneLine keeps a multi-line error (errors.Join) on one log and banner line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " | ")), " ")
}
