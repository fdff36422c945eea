package state

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// only fails unless dir holds exactly the named files.
func only(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if fmt.Sprint(got) != fmt.Sprint(names) {
		t.Errorf("%s holds %v, want %v (no temporary file left)", dir, got, names)
	}
}

func TestWriteFile(t *testing.T) {
	tests := []struct {
		name string
		old  bool // a previous file to replace
		perm fs.FileMode
	}{
		{name: "new private file", perm: 0o600},
		{name: "replaces a file", old: true, perm: 0o600},
		{name: "public file", old: true, perm: 0o644},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "f.json")
			if tc.old {
				if err := os.WriteFile(path, []byte("old contents, longer than the new"), 0o666); err != nil {
					t.Fatal(err)
				}
			}
			if err := WriteFile(path, []byte("new\n"), tc.perm); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(path)
			if err != nil || string(b) != "new\n" {
				t.Errorf("read back %q, %v; want %q", b, err, "new\n")
			}
			fi, err := os.Stat(path)
			if err != nil || fi.Mode().Perm() != tc.perm {
				t.Errorf("mode %v, %v; want %v", fi.Mode().Perm(), err, tc.perm)
			}
			only(t, dir, "f.json")
		})
	}
}

// A write that fails at any step leaves the old file byte for byte and no
// temporary file, and says why.
func TestWriteFailureKeepsOldFile(t *testing.T) {
	errFull := errors.New("no space left on device")
	tests := []struct {
		name  string
		setup func(t *testing.T, path string) // makes the step fail
		write func(io.Writer) error
		want  func(error) bool // nil: Write panics with write's panic
	}{
		{
			name:  "the writer fails halfway",
			write: func(w io.Writer) error { io.WriteString(w, "half"); return errFull },
			want:  func(err error) bool { return errors.Is(err, errFull) },
		},
		{
			name:  "the writer panics",
			write: func(w io.Writer) error { io.WriteString(w, "half"); panic("boom") },
		},
		{
			name: "the rename fails",
			setup: func(t *testing.T, path string) {
				// The target of the rename is a non-empty directory now.
				if err := os.Remove(path); err != nil {
					t.Fatal(err)
				}
				if err := os.MkdirAll(filepath.Join(path, "x"), 0o755); err != nil {
					t.Fatal(err)
				}
			},
			write: func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err },
			want:  func(err error) bool { var le *os.LinkError; return errors.As(err, &le) },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "f.json")
			if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
				t.Fatal(err)
			}
			if tc.setup != nil {
				tc.setup(t, path)
			}
			before := snapshotDir(t, dir)
			var err error
			panicked := func() (p any) {
				defer func() { p = recover() }()
				err = Write(path, 0o600, tc.write)
				return nil
			}()
			switch {
			case tc.want == nil && panicked != "boom":
				t.Errorf("Write recovered %v, want the writer's panic passed on", panicked)
			case tc.want != nil && (err == nil || !tc.want(err)):
				t.Errorf("Write: %v", err)
			}
			if after := snapshotDir(t, dir); after != before {
				t.Errorf("directory after the failure:\n%s\nwant as before:\n%s", after, before)
			}
		})
	}
}

// snapshotDir describes dir's entries and the contents of its files.
func snapshotDir(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for _, e := range entries {
		fmt.Fprintf(&b, "%s dir=%v", e.Name(), e.IsDir())
		if !e.IsDir() {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, " %q", data)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestWriteMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent", "f.json")
	if err := WriteFile(path, []byte("x"), 0o600); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("WriteFile into a missing directory: %v, want fs.ErrNotExist", err)
	}
}

// Writers at once, in several goroutines, each replacing the file whole:
// a reader meanwhile only ever sees one writer's complete contents, and
// at the end the file is one of them and no temporary file is left.
func TestWriteConcurrent(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.json")
	const writers, rounds, size = 6, 15, 64 << 10
	contents := func(w int) []byte { return bytes.Repeat([]byte{byte('a' + w)}, size) }
	whole := func(b []byte) bool {
		return len(b) == size && bytes.Count(b, b[:1]) == size && b[0] >= 'a' && b[0] < 'a'+writers
	}
	if err := WriteFile(path, contents(0), 0o600); err != nil {
		t.Fatal(err)
	}

	stop := make(chan struct{})
	torn := make(chan string, 1)
	go func() {
		defer close(torn)
		for {
			select {
			case <-stop:
				return
			default:
			}
			b, err := os.ReadFile(path)
			if err != nil || !whole(b) {
				torn <- fmt.Sprintf("read %d bytes, %v", len(b), err)
				return
			}
		}
	}()

	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds)
	for w := range writers {
		wg.Go(func() {
			for range rounds {
				errs <- WriteFile(path, contents(w), 0o600)
			}
		})
	}
	wg.Wait()
	close(stop)
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if msg, ok := <-torn; ok {
		t.Errorf("a reader saw a partial file: %s", msg)
	}
	if b, err := os.ReadFile(path); err != nil || !whole(b) {
		t.Errorf("final file: %d bytes, %v", len(b), err)
	}
	only(t, dir, "f.json")
}
