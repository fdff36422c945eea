// Package hashchain is the tamper-evident chain that the setup audit log
// (internal/audit) and the agent trail (internal/trail) share: a sequence
// of JSON objects, each carrying its position, the hash of the one before
// it and its own hash, so an edited, removed, reordered or inserted entry
// breaks the chain, and a chain cut short is caught against a head hash
// kept elsewhere.
//
// # Hashing
//
// An entry's hash is the lower-case hex SHA-256 of its canonical encoding:
// the entry as a JSON object without its "hash" member, object keys sorted
// at every level, no insignificant white space, strings and numbers as Go's
// encoding/json writes them (numbers keep their digits; <, > and & are
// escaped as \u003c, \u003e and \u0026). The previous entry's hash is ""
// for the first entry, and positions count from 1. A checker in another
// language re-encodes each entry the same way.
//
// # Storage
//
// File keeps a chain as JSON Lines. Append takes an exclusive flock on
// <file>.lock, checks the whole chain (a broken chain is never extended:
// whoever broke it must be found first), and replaces the file with the old
// lines plus the new ones in one step (a synced temporary file and a
// rename; the lock and the write are internal/state's): a reader sees the
// chain before or after an append, never half a line, and needs no lock. flock is not reliable on NFS; the state directory must be
// on a local file system. A chain kept elsewhere (a table) is checked with
// Checker and Expect.
package hashchain

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
)

// Hash returns the hash of one encoded entry: the SHA-256 of its canonical
// encoding without its "hash" member. entry must be a JSON object.
func Hash(entry []byte) (string, error) {
	d := json.NewDecoder(bytes.NewReader(entry))
	d.UseNumber() // numbers keep their digits through the round trip
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return "", err
	}
	if m == nil {
		return "", errors.New("null")
	}
	if d.More() {
		return "", errors.New("more than one JSON value")
	}
	delete(m, "hash")
	b, err := json.Marshal(m) // sorts keys, compact
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// Link is where an entry sits in its chain, as the entry states it.
type Link struct {
	Seq  int64  // its position, from 1
	Prev string // the previous entry's hash; "" for the first
	Hash string // its own hash
}

// Head sums up a verified chain.
type Head struct {
	Hash    string // the last entry's hash; "" for an empty chain
	Entries int    // how many entries the chain holds
	// SinceExpected is how many entries follow the expected head given to
	// Verify: later appends, not tampering. 0 without an expected head.
	SinceExpected int
}

// ErrBroken is what every chain failure Is: the chain was edited, cut or
// rearranged after it was written.
var ErrBroken = errors.New("hash chain broken")

// BrokenError says where and how a chain breaks.
type BrokenError struct {
	Log  string // what the chain is, for people: "audit log", "agent trail"
	Path string // where it is kept: a file or a table
	// Line is the 1-based position of the entry that breaks it (a line of
	// a file, a row of a table in seq order); 0 when the problem is the
	// chain as a whole.
	Line int
	// Unit names a position in the message: "line" (the default) or
	// "row".
	Unit   string
	Reason string
}

func (e *BrokenError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s %s: %s", e.Log, e.Path, e.Reason)
	}
	return fmt.Sprintf("%s %s: %s %d: %s", e.Log, e.Path, unitOr(e.Unit), e.Line, e.Reason)
}

func unitOr(unit string) string {
	if unit == "" {
		return "line"
	}
	return unit
}

// Is makes errors.Is(err, ErrBroken) true.
func (e *BrokenError) Is(target error) bool { return target == ErrBroken }

// Checker follows a chain entry by entry, in order.
type Checker struct {
	// Unit names a position in the reasons Next gives: "line" (the
	// default) or "row".
	Unit string
	prev string
	n    int64
}

// Next checks the next entry: l is what it states, sum the hash computed
// from its encoding. It returns why the chain breaks there, or "" and
// moves on.
func (c *Checker) Next(l Link, sum string) string {
	pos := c.n + 1
	switch {
	case l.Hash != sum:
		return "its content does not match its hash: the entry was edited"
	case l.Prev != c.prev && pos == 1:
		return fmt.Sprintf("the first entry names a previous one (%s): entries were removed from the start", l.Prev)
	case l.Prev != c.prev:
		return fmt.Sprintf("prev %s is not the hash of %s %d (%s): an entry was removed, inserted or reordered", l.Prev, unitOr(c.Unit), pos-1, c.prev)
	case l.Seq != pos:
		return fmt.Sprintf("seq %d where %d was due: an entry was removed, inserted or reordered", l.Seq, pos)
	}
	c.prev, c.n = l.Hash, pos
	return ""
}

// Head is the hash of the last entry checked and how many were.
func (c *Checker) Head() Head { return Head{Hash: c.prev, Entries: int(c.n)} }

// Expect checks a verified chain, given by its entries' hashes in order,
// against the head hash a previous writer printed: the chain must still
// hold that entry (one whose last entries were removed no longer does).
// It returns head with SinceExpected set, or the reason it fails, calling
// the chain noun ("log", "trail"). An empty expect always holds.
func Expect(head Head, hashes []string, expect, noun string) (Head, string) {
	if expect == "" {
		return head, ""
	}
	for i := len(hashes) - 1; i >= 0; i-- {
		if hashes[i] == expect {
			head.SinceExpected = len(hashes) - 1 - i
			return head, ""
		}
	}
	last := "the " + noun + " is empty"
	if head.Hash != "" {
		last = fmt.Sprintf("it ends at %s after %d entries", head.Hash, head.Entries)
	}
	return head, fmt.Sprintf("expected head %s is not in the %s (%s): entries were removed from its end, or the %s was replaced", expect, noun, last, noun)
}
