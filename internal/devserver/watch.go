package devserver

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// watcher turns file system events under the watched directories into
// debounced rebuilds.
type watcher struct {
	s      *Server
	fs     *fsnotify.Watcher // nil when nothing is watched
	outDir string            // absolute Dir; its changes are the rebuild's own
}

func (s *Server) startWatching() (*watcher, error) {
	w := &watcher{s: s}
	if abs, err := filepath.Abs(s.opts.Dir); err == nil {
		w.outDir = abs
	}
	if len(s.opts.Watch) == 0 {
		return w, nil
	}
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", strings.Join(s.opts.Watch, ", "), err)
	}
	w.fs = fw
	for _, dir := range s.opts.Watch {
		info, err := os.Stat(dir)
		if err == nil && !info.IsDir() {
			err = errors.New("not a directory")
		}
		if err == nil {
			err = w.addTree(dir)
		}
		if err != nil {
			fw.Close()
			return nil, fmt.Errorf("watch %s: %w", dir, err)
		}
	}
	return w, nil
}

// addTree watches dir and every directory below it (fsnotify watches one
// directory, not a tree).
func (w *watcher) addTree(dir string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path != dir && errors.Is(err, fs.ErrNotExist) {
				return nil // removed while walking
			}
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if path != dir && w.ignoredDir(path) {
			return filepath.SkipDir
		}
		return w.fs.Add(path)
	})
}

func (w *watcher) close() {
	if w.fs != nil {
		w.fs.Close()
	}
}

// run rebuilds after each burst of changes until ctx ends. Changes during
// a rebuild wait in the queue and cause one more rebuild after it.
func (w *watcher) run(ctx context.Context) {
	if w.fs == nil {
		<-ctx.Done()
		return
	}
	debounce := time.NewTimer(time.Hour)
	debounce.Stop()
	var changed []string
	for {
		select {
		case <-ctx.Done():
			debounce.Stop()
			return
		case e, ok := <-w.fs.Events:
			if !ok {
				return
			}
			if !w.relevant(e) {
				continue
			}
			if e.Has(fsnotify.Create) {
				if info, err := os.Stat(e.Name); err == nil && info.IsDir() {
					// Files may already be inside; the rebuild reads them.
					if err := w.addTree(e.Name); err != nil {
						w.s.log.Warn("watch new directory", "dir", e.Name, "err", err)
					}
				}
			}
			changed = append(changed, e.Name)
			debounce.Reset(w.s.opts.Debounce)
		case err, ok := <-w.fs.Errors:
			if !ok {
				return
			}
			w.s.log.Warn("watch", "err", err)
		case <-debounce.C:
			w.rebuild(ctx, changed)
			changed = nil
		}
	}
}

func (w *watcher) rebuild(ctx context.Context, changed []string) {
	log := w.s.log
	log.Info("change detected, rebuilding", "files", summarize(changed))
	if w.s.opts.Rebuild == nil {
		w.s.rebuilt(nil)
		return
	}
	start := time.Now()
	err := w.s.opts.Rebuild(ctx)
	if ctx.Err() != nil {
		return // stopping; the pages reconnect to the next server
	}
	if err != nil {
		log.Error("rebuild failed, still serving the last good site", "err", oneLine(err.Error()))
	} else {
		log.Info("rebuilt", "took", time.Since(start).Round(time.Millisecond))
	}
	w.s.rebuilt(err)
}

// summarize names the changed files, a few of them, once each.
func summarize(changed []string) string {
	seen := map[string]bool{}
	var names []string
	for _, c := range changed {
		if !seen[c] {
			seen[c] = true
			names = append(names, c)
		}
	}
	const show = 3
	if len(names) > show {
		return fmt.Sprintf("%s and %d more", strings.Join(names[:show], ", "), len(names)-show)
	}
	return strings.Join(names, ", ")
}

// relevant drops the events that are no change to the sources: attribute
// changes, editor temporary files, and the rebuild's own writes when the
// output directory is under a watched one.
func (w *watcher) relevant(e fsnotify.Event) bool {
	if e.Op == fsnotify.Chmod {
		return false
	}
	if isEditorTemp(filepath.Base(e.Name)) {
		return false
	}
	return !w.inOutput(e.Name)
}

// isEditorTemp reports the names editors write beside the file being
// saved: backups (name~), Vim swap files (.name.swp, .swx, .swo) and its
// write test file 4913, Emacs lock files (.#name) and autosaves (#name#).
func isEditorTemp(name string) bool {
	switch {
	case strings.HasSuffix(name, "~"),
		strings.HasSuffix(name, ".swp"), strings.HasSuffix(name, ".swx"), strings.HasSuffix(name, ".swo"),
		name == "4913",
		strings.HasPrefix(name, ".#"),
		len(name) > 1 && strings.HasPrefix(name, "#") && strings.HasSuffix(name, "#"):
		return true
	}
	return false
}

// inOutput reports whether path is in the output directory or in one of
// the staging and old directories a publish makes beside it
// (.public.staging-*, .public.old-*).
func (w *watcher) inOutput(path string) bool {
	if w.outDir == "" {
		return false
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	if abs == w.outDir || strings.HasPrefix(abs, w.outDir+string(filepath.Separator)) {
		return true
	}
	parent, base := filepath.Dir(w.outDir), filepath.Base(w.outDir)
	rel, err := filepath.Rel(parent, abs)
	if err != nil || strings.HasPrefix(rel, "..") {
		return false
	}
	first, _, _ := strings.Cut(rel, string(filepath.Separator))
	return strings.HasPrefix(first, "."+base+".")
}

// ignoredDir skips directories that are never sources: version control
// and the output directory.
func (w *watcher) ignoredDir(path string) bool {
	switch filepath.Base(path) {
	case ".git", ".hg", ".svn", "node_modules":
		return true
	}
	return w.inOutput(path)
}
