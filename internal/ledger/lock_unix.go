//go:build unix

package ledger

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"

	"github.com/novadynamics/stellar-budget/internal/state"
)

// createRunLock creates path and holds an exclusive flock on it. Another
// build may remove a run lock file it can lock (an orphan of a crash), so
// after locking it checks that path is still the file it locked.
func createRunLock(path string) (*os.File, error) {
	for range 5 {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, state.FilePerm)
		if err != nil {
			return nil, err
		}
		if err := state.Flock(f, syscall.LOCK_EX); err != nil {
			f.Close()
			return nil, err
		}
		held, err1 := f.Stat()
		named, err2 := os.Stat(path)
		if err1 == nil && err2 == nil && os.SameFile(held, named) {
			return f, nil
		}
		state.Flock(f, syscall.LOCK_UN)
		f.Close()
	}
	return nil, fmt.Errorf("lock %s: removed while being locked, five times", path)
}

// runAlive reports whether the run lock file at path is held, i.e. whether
// the build that claimed under it is still running. A missing file means
// the build is gone. When it cannot tell, it says alive: a claim then shows
// as pending rather than being declared in-doubt on a guess.
func runAlive(path string) bool {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false
	}
	if err != nil {
		return true
	}
	defer f.Close()
	err = state.Flock(f, syscall.LOCK_SH|syscall.LOCK_NB)
	if err == nil {
		state.Flock(f, syscall.LOCK_UN)
		return false
	}
	return true
}

// removeIfFree removes the run lock file at path when no build holds it.
func removeIfFree(path string) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	if state.Flock(f, syscall.LOCK_EX|syscall.LOCK_NB) != nil {
		return
	}
	os.Remove(path)
	state.Flock(f, syscall.LOCK_UN)
}
