// Package audit keeps the tamper-evident log of the changes `setup` makes
// to the Databricks account and workspace: a JSON Lines file whose every
// entry carries the hash of the one before it, so an edited, removed,
// reordered or inserted entry breaks the chain, and a log cut short is
// caught against the head hash the last apply printed.
//
// # Format
//
// One JSON object per line (see Entry). An entry's hash is the lower-case
// hex SHA-256 of its canonical encoding: the entry as a JSON object without
// its "hash" member, object keys sorted at every level, no insignificant
// white space, strings and numbers as Go's encoding/json writes them. prev
// is the previous entry's hash ("" for the first), seq counts entries from
// 1. A checker in another language re-encodes each line the same way.
//
// # Writing
//
// Append takes an exclusive flock on <log>.lock, checks the whole chain
// (a broken log is never extended: whoever broke it must be found first),
// and replaces the file with the old lines plus the new ones through a
// synced temporary file and a rename: a reader sees the log before or after
// an append, never half a line. flock is not reliable on NFS; the state
// directory must be on a local file system.
package audit

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/novadynamics/stellar-budget/internal/filelock"
)

// FileName is the log's name in the state directory.
const FileName = "audit.jsonl"

const (
	dirPerm  = fs.FileMode(0o700)
	filePerm = fs.FileMode(0o600)
	// maxLine bounds one entry, so a corrupt file cannot exhaust memory.
	maxLine = 16 << 20
)

// Record is one change to log.
type Record struct {
	Time   time.Time // when the change was made
	Actor  string    // who made it: the workspace user name (SCIM Me)
	Action string    // what was done: create, update, grant
	Kind   string    // the kind of object changed
	Key    string    // the object's stable key
	ID     string    // the object's id, when it has one
	Before any       // the object before; nil for a creation
	After  any       // the object after
}

// Entry is a logged Record, as stored on one line.
type Entry struct {
	Seq    int64           `json:"seq"`
	Time   time.Time       `json:"time"`
	Actor  string          `json:"actor"`
	Action string          `json:"action"`
	Kind   string          `json:"kind"`
	Key    string          `json:"key"`
	ID     string          `json:"id,omitempty"`
	Before json.RawMessage `json:"before,omitempty"`
	After  json.RawMessage `json:"after,omitempty"`
	Prev   string          `json:"prev"`
	Hash   string          `json:"hash"`
}

// Head sums up a verified log.
type Head struct {
	Hash    string // the last entry's hash; "" for an empty or missing log
	Entries int    // how many entries the log holds
	// SinceExpected is how many entries follow the expected head given to
	// Verify: later applies, not tampering. 0 without an expected head.
	SinceExpected int
}

// ErrBroken is what every chain failure Is: the log was edited, cut or
// rearranged after it was written.
var ErrBroken = errors.New("audit log broken")

// BrokenError says where and how the chain breaks.
type BrokenError struct {
	Path   string
	Line   int // 1-based; 0 when the problem is the log as a whole
	Reason string
}

func (e *BrokenError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("audit log %s: %s", e.Path, e.Reason)
	}
	return fmt.Sprintf("audit log %s: line %d: %s", e.Path, e.Line, e.Reason)
}

// Is makes errors.Is(err, ErrBroken) true.
func (e *BrokenError) Is(target error) bool { return target == ErrBroken }

// Verify checks the chain of the log at path and returns its head. With a
// non-empty expectHead (the hash a previous apply printed), the log must
// contain that entry: a log whose last entries were removed no longer does.
// Entries after it are later appends and are counted in
// Head.SinceExpected. A missing log is empty: without an expected head it
// verifies, with one it is broken.
func Verify(path, expectHead string) (Head, error) {
	entries, err := Read(path)
	if err != nil {
		return Head{}, err
	}
	head := Head{Entries: len(entries)}
	if len(entries) > 0 {
		head.Hash = entries[len(entries)-1].Hash
	}
	if expectHead == "" {
		return head, nil
	}
	for i := len(entries) - 1; i >= 0; i-- {
		if entries[i].Hash == expectHead {
			head.SinceExpected = len(entries) - 1 - i
			return head, nil
		}
	}
	last := "the log is empty"
	if head.Hash != "" {
		last = fmt.Sprintf("it ends at %s after %d entries", head.Hash, head.Entries)
	}
	return head, &BrokenError{Path: path, Reason: fmt.Sprintf(
		"expected head %s is not in the log (%s): entries were removed from its end, or the log was replaced", expectHead, last)}
}

// Read returns the entries of the log at path after checking its chain;
// a missing log has none.
func Read(path string) ([]Entry, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	defer f.Close()
	return readChain(path, f)
}

func readChain(path string, r io.Reader) ([]Entry, error) {
	var entries []Entry
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, maxLine)
	sc.Split(scanLines)
	prev := ""
	for line := 1; sc.Scan(); line++ {
		broken := func(format string, args ...any) error {
			return &BrokenError{Path: path, Line: line, Reason: fmt.Sprintf(format, args...)}
		}
		raw := sc.Bytes()
		if len(raw) == 0 || raw[len(raw)-1] != '\n' {
			return nil, broken("not terminated by a newline (a torn or edited last line)")
		}
		var e Entry
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, broken("not an audit entry (%v): the line was edited", err)
		}
		sum, err := hashLine(raw)
		if err != nil {
			return nil, broken("not an audit entry (%v): the line was edited", err)
		}
		switch {
		case e.Hash != sum:
			return nil, broken("its content does not match its hash: the entry was edited")
		case e.Prev != prev && line == 1:
			return nil, broken("the first entry names a previous one (%s): entries were removed from the start", e.Prev)
		case e.Prev != prev:
			return nil, broken("prev %s is not the hash of line %d (%s): an entry was removed, inserted or reordered", e.Prev, line-1, prev)
		case e.Seq != int64(line):
			return nil, broken("seq %d where %d was due: an entry was removed, inserted or reordered", e.Seq, line)
		}
		entries = append(entries, e)
		prev = e.Hash
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read audit log %s: %w", path, err)
	}
	return entries, nil
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

// hashLine is the hash of a stored line: its canonical encoding without
// "hash".
func hashLine(line []byte) (string, error) {
	d := json.NewDecoder(bytes.NewReader(line))
	d.UseNumber() // numbers keep their digits through the round trip
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return "", err
	}
	if m == nil {
		return "", errors.New("null")
	}
	delete(m, "hash")
	b, err := json.Marshal(m) // sorts keys, compact
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// Append adds records to the log at path, in order, creating the log and
// its directory if needed, and returns the new head. It refuses to extend
// a broken log.
func Append(path string, records ...Record) (Head, error) {
	if err := os.MkdirAll(filepath.Dir(path), dirPerm); err != nil {
		return Head{}, fmt.Errorf("append to audit log: %w", err)
	}
	unlock, err := filelock.Exclusive(path + ".lock")
	if err != nil {
		return Head{}, fmt.Errorf("lock audit log %s: %w", path, err)
	}
	defer unlock()

	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Head{}, fmt.Errorf("append to audit log: %w", err)
	}
	entries, err := readChain(path, bytes.NewReader(old))
	if err != nil {
		return Head{}, fmt.Errorf("append to audit log: %w", err)
	}
	prev, seq := "", int64(len(entries))
	if len(entries) > 0 {
		prev = entries[len(entries)-1].Hash
	}
	buf := bytes.NewBuffer(old)
	for _, r := range records {
		seq++
		line, hash, err := encode(r, seq, prev)
		if err != nil {
			return Head{}, fmt.Errorf("append to audit log: %s %s: %w", r.Kind, r.Key, err)
		}
		buf.Write(line)
		prev = hash
	}
	if err := replaceFile(path, buf.Bytes()); err != nil {
		return Head{}, fmt.Errorf("append to audit log: %w", err)
	}
	return Head{Hash: prev, Entries: int(seq)}, nil
}

// encode writes a record as its line, newline included, and returns its
// hash.
func encode(r Record, seq int64, prev string) ([]byte, string, error) {
	e := Entry{Seq: seq, Time: r.Time.UTC(), Actor: r.Actor, Action: r.Action, Kind: r.Kind, Key: r.Key, ID: r.ID, Prev: prev}
	var err error
	if e.Before, err = raw(r.Before); err != nil {
		return nil, "", fmt.Errorf("before: %w", err)
	}
	if e.After, err = raw(r.After); err != nil {
		return nil, "", fmt.Errorf("after: %w", err)
	}
	unhashed, err := json.Marshal(e)
	if err != nil {
		return nil, "", err
	}
	if e.Hash, err = hashLine(unhashed); err != nil {
		return nil, "", err
	}
	line, err := json.Marshal(e)
	if err != nil {
		return nil, "", err
	}
	return append(line, '\n'), e.Hash, nil
}

// raw encodes v; nil stays absent.
func raw(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return nil, err
	}
	return b, nil
}

// replaceFile writes data to path atomically: a temporary file in the same
// directory, synced, renamed over path, and the directory synced.
func replaceFile(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(filePerm); err != nil {
		return err
	}
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
