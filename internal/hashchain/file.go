package hashchain

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/novadynamics/stellar-budget/internal/state"
)

// maxLine bounds one entry, so a corrupt file cannot exhaust memory.
const maxLine = 16 << 20

// File is a chain kept as JSON Lines, one entry a line, each ending in a
// newline. It remembers the bytes it last verified: a file that still
// starts with them has only its new lines checked, so appends do not cost
// more as the chain grows. Use one File per path, by pointer.
type File[E any] struct {
	Path string
	Log  string // what the chain is, for errors: "audit log"
	// Noun calls the chain in Verify's reasons: "log", "trail".
	Noun string
	// Decode reads one line (its newline included) strictly and returns
	// the entry and its link; an error says why it is not an entry, e.g.
	// "not an audit entry (...)".
	Decode func(line []byte) (E, Link, error)

	mu     sync.Mutex
	cached verified[E]
}

// verified is a prefix of the file that checked out, and what it holds.
type verified[E any] struct {
	data    []byte
	entries []E
	hashes  []string
	checker Checker
}

// Read returns the entries after checking the chain; a missing file has
// none.
func (f *File[E]) Read() ([]E, error) {
	b, err := os.ReadFile(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s %s: %w", f.Log, f.Path, err)
	}
	entries, _, err := f.check(b)
	return slices.Clone(entries), err
}

// Verify checks the chain and returns its head and entries. With a
// non-empty expectHead (the hash a previous writer printed), the chain
// must hold that entry; entries after it are later appends, counted in
// Head.SinceExpected. A missing file is an empty chain: without an
// expected head it verifies, with one it is broken.
func (f *File[E]) Verify(expectHead string) (Head, []E, error) {
	b, err := os.ReadFile(f.Path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Head{}, nil, fmt.Errorf("read %s %s: %w", f.Log, f.Path, err)
	}
	entries, hashes, err := f.check(b)
	if err != nil {
		return Head{}, nil, err
	}
	head := Head{Entries: len(hashes)}
	if len(hashes) > 0 {
		head.Hash = hashes[len(hashes)-1]
	}
	head, reason := Expect(head, hashes, expectHead, f.Noun)
	if reason != "" {
		return head, nil, &BrokenError{Log: f.Log, Path: f.Path, Reason: reason}
	}
	return head, slices.Clone(entries), nil
}

// Append adds lines to the chain under its lock. next gets the verified
// entries and the last one's link (zero for an empty chain) and returns
// the lines to add, in order, each with its newline, linked by the caller
// from that head; it may return none. The new lines are checked as the
// old ones are before anything is written. Append creates the file and its
// directory if needed and returns the new head; it refuses to extend a
// broken chain.
func (f *File[E]) Append(next func(entries []E, head Link) ([][]byte, error)) (Head, error) {
	if err := os.MkdirAll(filepath.Dir(f.Path), state.DirPerm); err != nil {
		return Head{}, fmt.Errorf("append to %s: %w", f.Log, err)
	}
	unlock, err := state.Exclusive(state.LockOf(f.Path))
	if err != nil {
		return Head{}, fmt.Errorf("lock %s %s: %w", f.Log, f.Path, err)
	}
	defer unlock()

	old, err := os.ReadFile(f.Path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Head{}, fmt.Errorf("append to %s: %w", f.Log, err)
	}
	entries, hashes, err := f.check(old)
	if err != nil {
		return Head{}, fmt.Errorf("append to %s: %w", f.Log, err)
	}
	entries = slices.Clone(entries)
	var last Link
	if n := len(hashes); n > 0 {
		last = Link{Seq: int64(n), Hash: hashes[n-1]}
		if n > 1 {
			last.Prev = hashes[n-2]
		}
	}
	lines, err := next(entries, last)
	if err != nil {
		return Head{}, err
	}
	head := Head{Hash: last.Hash, Entries: len(hashes)}
	if len(lines) == 0 {
		return head, nil
	}
	buf := bytes.NewBuffer(old)
	for _, l := range lines {
		buf.Write(l)
	}
	// old is what check just verified: only the new lines are read.
	if _, hashes, err = f.check(buf.Bytes()); err != nil {
		return Head{}, fmt.Errorf("append to %s: the new entries do not extend the chain: %w", f.Log, err)
	}
	if err := state.WriteFile(f.Path, buf.Bytes(), state.FilePerm); err != nil {
		return Head{}, fmt.Errorf("append to %s: %w", f.Log, err)
	}
	return Head{Hash: hashes[len(hashes)-1], Entries: len(hashes)}, nil
}

// check reads and verifies a whole file's lines: those after the prefix
// verified last time, when b starts with it, else all of them. The slices
// it returns are shared with the cache: callers clone before changing them.
func (f *File[E]) check(b []byte) ([]E, []string, error) {
	f.mu.Lock()
	v := f.cached
	f.mu.Unlock()
	if len(b) < len(v.data) || !bytes.Equal(b[:len(v.data)], v.data) {
		v = verified[E]{}
	}
	// Appends below copy: the cached slices are never written through.
	entries, hashes, c := slices.Clip(v.entries), slices.Clip(v.hashes), v.checker
	sc := bufio.NewScanner(bytes.NewReader(b[len(v.data):]))
	sc.Buffer(nil, maxLine)
	sc.Split(scanLines)
	for line := len(hashes) + 1; sc.Scan(); line++ {
		broken := func(format string, args ...any) error {
			return &BrokenError{Log: f.Log, Path: f.Path, Line: line, Reason: fmt.Sprintf(format, args...)}
		}
		raw := sc.Bytes()
		if raw[len(raw)-1] != '\n' {
			return nil, nil, broken("not terminated by a newline (a torn or edited last line)")
		}
		e, l, err := f.Decode(raw)
		if err != nil {
			return nil, nil, broken("%v: the line was edited", err)
		}
		sum, err := Hash(raw)
		if err != nil {
			return nil, nil, broken("%v: the line was edited", err)
		}
		if reason := c.Next(l, sum); reason != "" {
			return nil, nil, broken("%s", reason)
		}
		entries = append(entries, e)
		hashes = append(hashes, sum)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("read %s %s: %w", f.Log, f.Path, err)
	}
	f.mu.Lock()
	f.cached = verified[E]{data: b, entries: entries, hashes: hashes, checker: c}
	f.mu.Unlock()
	return entries, hashes, nil
}

// scanLines splits after each '\n', keeping it, and yields a last line
// without one as it is, so the reader can tell a torn line.
func scanLines(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return i + 1, data[:i+1], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}
