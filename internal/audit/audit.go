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
// 1. A checker in another language re-encodes each line the same way. The
// chain is internal/hashchain's, which the agent trail shares.
//
// # Intents and results
//
// setup logs each change twice: an intent (stage "intent": what it will
// do, the object's key and id, the request id it sends) before the
// change, and a result (stage "result", outcome "applied" or "failed",
// intent: the intent's hash) after it. A run that stops in between, a
// crash or a write of the result that fails, leaves an open intent:
// OpenIntents finds it, setup's next plan reads the object back and its
// apply closes it with a result "resolved by reading back" (the object is
// there as content/ asks), or makes the change again under a new intent
// that supersedes the open one (supersedes: its hash), or, when content/
// no longer asks for the object, closes it as "abandoned". `check
// --audit` lists the open intents. Entries written before intents were
// logged have none of these fields and are results; such logs verify as
// before.
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
	"encoding/json"
	"fmt"
	"time"

	"github.com/novadynamics/stellar-budget/internal/hashchain"
	"github.com/novadynamics/stellar-budget/internal/state"
)

// FileName is the log's name in the state directory.
const FileName = state.AuditLog

// Stages of an entry: every change is logged twice, its intent before it
// is made and its result after, so a change whose result never made it
// to the log (a crash, a failing write) still shows as an open intent.
const (
	StageIntent = "intent"
	// StageResult marks a result. Entries without a stage, written
	// before intents were logged, are results with no intent.
	StageResult = "result"
)

// Outcomes of a result.
const (
	OutcomeApplied = "applied" // the change was made
	OutcomeFailed  = "failed"  // the service refused it; Error says why
	// OutcomeResolved closes an open intent whose object a later plan
	// read back as content/ asks: the change was made, its result lost.
	OutcomeResolved = "resolved by reading back"
	// OutcomeAbandoned closes an open intent whose object content/ no
	// longer asks for: nobody re-checks it.
	OutcomeAbandoned = "abandoned"
)

// Record is one entry to log: an intent or a result.
type Record struct {
	Time   time.Time // when the change was made, or is about to be
	Actor  string    // who made it: the workspace user name (SCIM Me)
	Action string    // what was done: create, update, grant
	Kind   string    // the kind of object changed
	Key    string    // the object's stable key
	ID     string    // the object's id, when it has one
	Before any       // the object before; nil for a creation
	// After is the object after; for an intent, the changes it will make.
	After any
	Stage string // StageIntent or StageResult
	// RequestID is the idempotency key the change is sent with, when it
	// has one (a budget policy create's request_id).
	RequestID string
	// Intent is, on a result, the hash of the intent it answers.
	Intent string
	// Supersedes is, on an intent, the hash of an open intent of the same
	// object that this attempt replaces.
	Supersedes string
	Outcome    string // a result's outcome
	Error      string // why a failed change failed
}

// Entry is a logged Record, as stored on one line. The fields after ID
// are absent from entries written before intents were logged, so those
// logs hash and verify as they always did.
type Entry struct {
	Seq        int64           `json:"seq"`
	Time       time.Time       `json:"time"`
	Actor      string          `json:"actor"`
	Action     string          `json:"action"`
	Kind       string          `json:"kind"`
	Key        string          `json:"key"`
	ID         string          `json:"id,omitempty"`
	Before     json.RawMessage `json:"before,omitempty"`
	After      json.RawMessage `json:"after,omitempty"`
	Stage      string          `json:"stage,omitempty"`
	RequestID  string          `json:"request_id,omitempty"`
	Intent     string          `json:"intent,omitempty"`
	Supersedes string          `json:"supersedes,omitempty"`
	Outcome    string          `json:"outcome,omitempty"`
	Error      string          `json:"error,omitempty"`
	Prev       string          `json:"prev"`
	Hash       string          `json:"hash"`
}

// Head sums up a verified log: its last hash, its number of entries and,
// against an expected head, how many entries follow it.
type Head = hashchain.Head

// ErrBroken is what every chain failure Is: the log was edited, cut or
// rearranged after it was written.
var ErrBroken = hashchain.ErrBroken

// BrokenError says where and how the chain breaks.
type BrokenError = hashchain.BrokenError

// file is the log at path as a chain.
func file(path string) *hashchain.File[Entry] {
	return &hashchain.File[Entry]{Path: path, Log: "audit log", Noun: "log", Decode: decode}
}

// decode reads one line as an entry.
func decode(line []byte) (Entry, hashchain.Link, error) {
	var e Entry
	if err := json.Unmarshal(line, &e); err != nil {
		return Entry{}, hashchain.Link{}, fmt.Errorf("not an audit entry (%v)", err)
	}
	return e, hashchain.Link{Seq: e.Seq, Prev: e.Prev, Hash: e.Hash}, nil
}

// Verify checks the chain of the log at path and returns its head. With a
// non-empty expectHead (the hash a previous apply printed), the log must
// contain that entry: a log whose last entries were removed no longer does.
// Entries after it are later appends and are counted in
// Head.SinceExpected. A missing log is empty: without an expected head it
// verifies, with one it is broken.
func Verify(path, expectHead string) (Head, error) {
	head, _, err := file(path).Verify(expectHead)
	return head, err
}

// OpenIntents checks the log at path as Verify does and returns its head
// and its open intents: intents that no result answers and no later
// intent supersedes, in log order. Each is a change that may or may not
// have been made; setup's next plan reads its object back.
func OpenIntents(path, expectHead string) (Head, []Entry, error) {
	head, entries, err := file(path).Verify(expectHead)
	if err != nil {
		return head, nil, err
	}
	closed := map[string]bool{}
	for _, e := range entries {
		closed[e.Intent] = true
		closed[e.Supersedes] = true
	}
	var open []Entry
	for _, e := range entries {
		if e.Stage == StageIntent && !closed[e.Hash] {
			open = append(open, e)
		}
	}
	return head, open, nil
}

// Read returns the entries of the log at path after checking its chain;
// a missing log has none.
func Read(path string) ([]Entry, error) {
	return file(path).Read()
}

// Append adds records to the log at path, in order, creating the log and
// its directory if needed, and returns the new head. It refuses to extend
// a broken log.
func Append(path string, records ...Record) (Head, error) {
	return file(path).Append(func(_ []Entry, head hashchain.Link) ([][]byte, error) {
		lines := make([][]byte, 0, len(records))
		prev, seq := head.Hash, head.Seq
		for _, r := range records {
			seq++
			line, hash, err := encode(r, seq, prev)
			if err != nil {
				return nil, fmt.Errorf("append to audit log: %s %s: %w", r.Kind, r.Key, err)
			}
			lines = append(lines, line)
			prev = hash
		}
		return lines, nil
	})
}

// encode writes a record as its line, newline included, and returns its
// hash.
func encode(r Record, seq int64, prev string) ([]byte, string, error) {
	e := Entry{
		Seq: seq, Time: r.Time.UTC(), Actor: r.Actor, Action: r.Action, Kind: r.Kind, Key: r.Key, ID: r.ID,
		Stage: r.Stage, RequestID: r.RequestID, Intent: r.Intent, Supersedes: r.Supersedes, Outcome: r.Outcome, Error: r.Error,
		Prev: prev,
	}
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
	if e.Hash, err = hashchain.Hash(unhashed); err != nil {
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
