package state

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteFile replaces path with data, with mode perm; see Write.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Write replaces path with what write writes, with mode perm, in one step:
// write fills a temporary file in path's directory (hidden, named after
// path), which is synced, closed and renamed over path, and then the
// directory is synced so the rename survives a crash. A reader sees the
// old file or the new one, never half of one; on any failure, write's
// included, the old file is left as it was and the temporary file is
// removed. Two writers at once each write their own temporary file: the
// last rename wins, whole. The directory must exist. Errors are those of
// the step that failed (write's as it returned them), for the caller to
// wrap with what it was writing.
func Write(path string, perm fs.FileMode, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	renamed := false
	defer func() {
		// Also when write panics: no temporary file outlives a failure.
		if !renamed {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(perm); err != nil {
		return err
	}
	if err := write(tmp); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	renamed = true
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}
