package state

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Two exclusive locks on one file exclude each other, in one process as
// across processes; a shared lock waits for the exclusive one.
func TestExclusiveExcludes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	unlock, err := Exclusive(path)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 2)
	go func() {
		u, err := Exclusive(path)
		if err != nil {
			got <- err.Error()
			return
		}
		got <- "exclusive"
		u()
	}()
	go func() {
		u, err := Shared(path)
		if err != nil {
			got <- err.Error()
			return
		}
		got <- "shared"
		u()
	}()
	select {
	case g := <-got:
		t.Fatalf("%s lock taken while an exclusive one was held", g)
	case <-time.After(200 * time.Millisecond):
	}
	unlock()
	for range 2 {
		select {
		case g := <-got:
			if g != "exclusive" && g != "shared" {
				t.Fatal(g)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("lock not taken after the holder released it")
		}
	}
}

func TestSharedMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent")
	unlock, err := Shared(path)
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a shared lock created its file: %v", err)
	}
}
