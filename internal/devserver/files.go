package devserver

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// swapWait is how long a request waits for Dir to reappear: publishing a
// build renames the old site away and the new one in, and between the two
// renames Dir does not exist for a few microseconds.
const (
	swapWait = 250 * time.Millisecond
	swapPoll = 10 * time.Millisecond
)

// injectTag loads the live-reload script; it goes before </body>.
const injectTag = `<script src="` + scriptPath + `" defer></script>`

// contentTypes are the types the site uses that Go's mime table may lack
// or that depend on the system's mime.types.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".json": "application/json",
	".csv":  "text/csv; charset=utf-8",
	".svg":  "image/svg+xml",
	".pdf":  "application/pdf",
	".txt":  "text/plain; charset=utf-8",
}

// serveFile serves one file of the site, opened by path for this request
// only.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	// Cleaning a rooted path removes every "..", and os.Root below keeps
	// symbolic links inside Dir as well.
	urlPath := path.Clean("/" + r.URL.Path)
	if s.opts.Headers != nil {
		for k, v := range s.opts.Headers(urlPath) {
			w.Header()[k] = v
		}
	}
	name := strings.TrimPrefix(urlPath, "/")
	if name == "" {
		name = "."
	}

	root, err := s.openRoot(r)
	if err != nil {
		s.log.Debug("site directory missing", "dir", s.opts.Dir, "err", err)
		http.Error(w, "no site in "+s.opts.Dir+" yet: build it first", http.StatusNotFound)
		return
	}
	defer root.Close()

	info, err := root.Stat(name)
	if err == nil && info.IsDir() {
		// Relative links in a page assume its directory URL ends in "/".
		if !strings.HasSuffix(r.URL.Path, "/") {
			target := urlPath + "/"
			if urlPath == "/" {
				target = "/"
			}
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			http.Redirect(w, r, target, http.StatusMovedPermanently)
			return
		}
		name = path.Join(name, "index.html")
		info, err = root.Stat(name)
	}
	if err != nil || !info.Mode().IsRegular() {
		s.notFound(w, r, root)
		return
	}
	s.serveContent(w, r, root, name, http.StatusOK)
}

// openRoot opens Dir, waiting briefly if it is being swapped.
func (s *Server) openRoot(r *http.Request) (*os.Root, error) {
	deadline := time.Now().Add(swapWait)
	for {
		root, err := os.OpenRoot(s.opts.Dir)
		if err == nil || !errors.Is(err, fs.ErrNotExist) || time.Now().After(deadline) {
			return root, err
		}
		select {
		case <-r.Context().Done():
			return nil, err
		case <-time.After(swapPoll):
		}
	}
}

// notFound serves the site's 404.html with status 404, or a plain 404.
// Only an HTML page is served with a status other than 200.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request, root *os.Root) {
	if info, err := root.Stat("404.html"); err == nil && info.Mode().IsRegular() {
		s.serveContent(w, r, root, "404.html", http.StatusNotFound)
		return
	}
	http.Error(w, "404 page not found", http.StatusNotFound)
}

func (s *Server) serveContent(w http.ResponseWriter, r *http.Request, root *os.Root, name string, status int) {
	f, err := root.Open(name)
	if err != nil {
		http.Error(w, "404 page not found", http.StatusNotFound)
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		http.Error(w, "read "+name, http.StatusInternalServerError)
		return
	}

	h := w.Header()
	// A preview must never show a stale stylesheet after a rebuild.
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	ctype := contentType(name)
	if ctype == "" {
		var head [512]byte
		n, _ := io.ReadFull(f, head[:])
		ctype = http.DetectContentType(head[:n])
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			http.Error(w, "read "+name, http.StatusInternalServerError)
			return
		}
	}
	h.Set("Content-Type", ctype)

	if !strings.HasPrefix(ctype, "text/html") {
		// Range requests, If-Modified-Since and HEAD as http.FileServer.
		http.ServeContent(w, r, name, info.ModTime(), f)
		return
	}
	page, err := io.ReadAll(f)
	if err != nil {
		http.Error(w, "read "+name, http.StatusInternalServerError)
		return
	}
	page = injectScript(page)
	if status != http.StatusOK {
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			w.Write(page)
		}
		return
	}
	// No modification time: the page served differs from the file.
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(page))
}

func contentType(name string) string {
	ext := strings.ToLower(filepath.Ext(name))
	if t, ok := contentTypes[ext]; ok {
		return t
	}
	return mime.TypeByExtension(ext)
}

// injectScript adds the live-reload script before the last </body>, or at
// the end of a page without one (browsers run it either way).
func injectScript(page []byte) []byte {
	const endBody = "</body>"
	i := len(page)
	for j := len(page) - len(endBody); j >= 0; j-- {
		if page[j] == '<' && bytes.EqualFold(page[j:j+len(endBody)], []byte(endBody)) {
			i = j
			break
		}
	}
	out := make([]byte, 0, len(page)+len(injectTag)+1)
	out = append(out, page[:i]...)
	out = append(out, injectTag...)
	out = append(out, page[i:]...)
	return out
}
