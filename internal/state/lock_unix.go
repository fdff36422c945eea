//go:build unix

package state

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// Exclusive creates path if needed and holds an exclusive lock on it until
// unlock is called.
func Exclusive(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, FilePerm)
	if err != nil {
		return nil, err
	}
	return hold(f, syscall.LOCK_EX)
}

// Shared holds a shared lock on path if it exists. A missing lock file is
// not created: nothing was ever written under it, so there is nothing to
// wait for.
func Shared(path string) (unlock func(), err error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return func() {}, nil
	}
	if err != nil {
		return nil, err
	}
	return hold(f, syscall.LOCK_SH)
}

// hold takes a lock of kind how on the open file f and returns what
// releases it and closes f; on failure f is closed.
func hold(f *os.File, how int) (unlock func(), err error) {
	if err := Flock(f, how); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		Flock(f, syscall.LOCK_UN)
		f.Close()
	}, nil
}

// Flock is flock(2) on f, retried when a signal interrupts it.
func Flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}
