// Package trail keeps the agent trail: every decision the functions
// (alert-webhook, the copilot's predict_cost, scale_cluster and
// slack_alert) and `generator agent run` make — acted, dry_run, refused,
// failed or noop — with who asked, why, the cluster before and after, the
// estimated savings and the answer given, each entry hash-chained to the
// one before it as the setup audit log is (internal/hashchain). The trail
// is also the store of once-only keys: an entry's key is the event id or
// request id it answers, and a key is in the trail at most once, so a
// redelivered event finds its first answer instead of acting again.
//
// # Stores
//
// Store has two implementations: FileStore, JSON Lines in the state
// directory (trail.jsonl under --state), for local runs and the CLI; and
// TableStore, a Delta table in Databricks written through the Statement
// Execution API, for deployed functions, which run on instances with no
// lasting disk. Open picks the table when Config.Table (STELLAR_TRACE_TABLE,
// "catalog.schema.table") is set. Both keep the same entries and the same
// hashes: an entry copied from one to the other verifies.
//
// # Entries
//
// An Entry is a Decision with its place in the chain: seq (the head's + 1,
// from 1), prev_hash (the previous entry's hash, "" for the first) and hash
// (the lower-case hex SHA-256 of the entry's canonical JSON without
// "hash", as internal/hashchain defines it). As a JSON object:
//
//	seq                  number  position in the trail, from 1
//	time                 string  when the decision was made, RFC 3339 UTC, milliseconds
//	key                  string  the once-only key: event id or request id
//	caller               string  who asked: a user, a token's role, "databricks-alert", "schedule"
//	role                 string  the caller's role: viewer, operator, webhook, schedule
//	tool                 string  alert-webhook, predict_cost, scale_cluster, slack_alert, agent-run
//	outcome              string  acted, dry_run, refused, failed, noop
//	arguments            any     the request's arguments; absent when none
//	reason               string  why; absent when empty
//	category             string  the category's tag value; absent when none
//	owner                string  the owner concerned; absent when none
//	cluster_before       object  {id, name, state, workers, autoscale: {min_workers, max_workers}}; absent when none
//	cluster_after        object  the same, as left (or as it would be, dry-run); absent when none
//	savings_hourly_usd   string  estimated saving per hour, a decimal; absent when none
//	savings_monthly_usd  string  estimated saving over the rest of the month; absent when none
//	data_as_of           string  as-of of the data the decision used, RFC 3339 UTC; absent when none
//	answer               any     the answer given to the caller; a redelivery gets it again
//	prev_hash            string  the previous entry's hash
//	hash                 string  this entry's hash
//
// Times are kept to the millisecond, the precision the Statement Execution
// API writes a TIMESTAMP with, so that an entry read back from the table
// hashes as it was written.
//
// # Once only
//
// Append inserts a decision only when its key is not in the trail yet;
// otherwise it returns the entry already there and inserted=false. A
// caller that must act at most once per key appends its decision — with
// the answer it will give — before it acts, and acts only when inserted:
// of 200 concurrent deliveries of one event exactly one is inserted. A
// crash between the append and the action leaves a decision that was not
// carried out; the trail says what was decided, and the cluster's own
// state says what happened. What an action then turned out to be (a
// failure, say) is a further decision under its own key, e.g.
// "<event id>/result".
package trail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/novadynamics/stellar-budget/internal/hashchain"
)

// Outcome is what became of a decision.
type Outcome string

const (
	Acted   Outcome = "acted"   // the action was carried out
	DryRun  Outcome = "dry_run" // the action was decided but not carried out: the category is dry-run
	Refused Outcome = "refused" // the request was not allowed: exempt, wrong category, role, guard
	Failed  Outcome = "failed"  // the action was tried and failed
	Noop    Outcome = "noop"    // nothing to do: no TRIGGERED evaluation, a prediction, nothing over budget
)

var outcomes = []Outcome{Acted, DryRun, Refused, Failed, Noop}

// The tools that decide.
const (
	ToolAlertWebhook = "alert-webhook"
	ToolPredictCost  = "predict_cost"
	ToolScaleCluster = "scale_cluster"
	ToolSlackAlert   = "slack_alert"
	ToolAgentRun     = "agent-run"
)

var tools = []string{ToolAlertWebhook, ToolPredictCost, ToolScaleCluster, ToolSlackAlert, ToolAgentRun}

// MaxKeyLen bounds a key: event and request ids come from outside.
const MaxKeyLen = 256

// Cluster is a cluster as a decision saw it (before) or left it (after).
type Cluster struct {
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	State string `json:"state,omitempty"` // RUNNING, TERMINATED, ...
	// Workers is the fixed size, or an autoscaling cluster's current
	// number of workers.
	Workers   int        `json:"workers"`
	Autoscale *Autoscale `json:"autoscale,omitempty"`
}

// Autoscale is an autoscaling cluster's range.
type Autoscale struct {
	MinWorkers int `json:"min_workers"`
	MaxWorkers int `json:"max_workers"`
}

// Decision is what a tool decided, as the caller gives it to Append.
type Decision struct {
	Time      time.Time       `json:"time"`
	Key       string          `json:"key"`
	Caller    string          `json:"caller"`
	Role      string          `json:"role"`
	Tool      string          `json:"tool"`
	Outcome   Outcome         `json:"outcome"`
	Arguments json.RawMessage `json:"arguments,omitempty"`
	Reason    string          `json:"reason,omitempty"`
	Category  string          `json:"category,omitempty"`
	Owner     string          `json:"owner,omitempty"`
	Before    *Cluster        `json:"cluster_before,omitempty"`
	After     *Cluster        `json:"cluster_after,omitempty"`
	// The estimated savings in USD, as decimals ("12.5", "-0.75").
	SavingsHourlyUSD  string          `json:"savings_hourly_usd,omitempty"`
	SavingsMonthlyUSD string          `json:"savings_monthly_usd,omitempty"`
	DataAsOf          time.Time       `json:"data_as_of,omitzero"`
	Answer            json.RawMessage `json:"answer,omitempty"`
}

// Entry is a Decision in the trail.
type Entry struct {
	Seq int64 `json:"seq"`
	Decision
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

// Head sums up a verified trail: its last hash, its number of entries and,
// against an expected head, how many entries follow it.
type Head = hashchain.Head

// ErrBroken is what every chain failure Is: the trail was edited, cut or
// rearranged after it was written.
var ErrBroken = hashchain.ErrBroken

// BrokenError says where and how the trail breaks.
type BrokenError = hashchain.BrokenError

// ErrInvalid is what every refused Decision Is.
var ErrInvalid = errors.New("invalid decision")

// Store keeps the trail. Every method is safe for concurrent use, also by
// several processes (files) or instances (the table).
type Store interface {
	// Lookup returns the entry with key, if the trail holds one.
	Lookup(ctx context.Context, key string) (Entry, bool, error)
	// Append adds d as the next entry unless its key is there already;
	// then it returns the existing entry and inserted=false, and writes
	// nothing.
	Append(ctx context.Context, d Decision) (e Entry, inserted bool, err error)
	// Entries returns the whole trail after checking its chain.
	Entries(ctx context.Context) ([]Entry, error)
	// Verify checks the chain and, with a non-empty expectHead (a hash
	// printed or kept earlier), that the trail still holds that entry.
	Verify(ctx context.Context, expectHead string) (Head, error)
	// Location names the trail for people: a file or a table.
	Location() string
}

var (
	decimalRe = regexp.MustCompile(`^-?[0-9]{1,15}(\.[0-9]{1,9})?$`)
	hashRe    = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// normalize checks d and returns it as it is stored: times in UTC to the
// millisecond.
func normalize(d Decision) (Decision, error) {
	bad := func(format string, args ...any) (Decision, error) {
		return Decision{}, fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
	}
	switch {
	case d.Time.IsZero():
		return bad("no time")
	case d.Key == "":
		return bad("no key")
	case len(d.Key) > MaxKeyLen:
		return bad("key longer than %d bytes", MaxKeyLen)
	case !printable(d.Key):
		return bad("key %q has control characters or is not UTF-8", d.Key)
	case !contains(tools, d.Tool):
		return bad("tool %q is not one of %s", d.Tool, strings.Join(tools, ", "))
	case !contains(outcomes, d.Outcome):
		return bad("outcome %q is not one of acted, dry_run, refused, failed, noop", d.Outcome)
	case d.SavingsHourlyUSD != "" && !decimalRe.MatchString(d.SavingsHourlyUSD):
		return bad("savings_hourly_usd %q is not a decimal", d.SavingsHourlyUSD)
	case d.SavingsMonthlyUSD != "" && !decimalRe.MatchString(d.SavingsMonthlyUSD):
		return bad("savings_monthly_usd %q is not a decimal", d.SavingsMonthlyUSD)
	}
	for _, f := range []struct {
		name string
		raw  json.RawMessage
	}{{"arguments", d.Arguments}, {"answer", d.Answer}} {
		if len(f.raw) > 0 && (!json.Valid(f.raw) || string(f.raw) == "null") {
			return bad("%s is not JSON", f.name)
		}
	}
	for _, s := range []string{d.Caller, d.Role, d.Reason, d.Category, d.Owner} {
		if !utf8.ValidString(s) {
			return bad("%q is not UTF-8", s)
		}
	}
	d.Time = d.Time.UTC().Truncate(time.Millisecond)
	if !d.DataAsOf.IsZero() {
		d.DataAsOf = d.DataAsOf.UTC().Truncate(time.Millisecond)
	}
	return d, nil
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// seal places a normalized decision in the chain after prev.
func seal(d Decision, seq int64, prev string) (Entry, []byte, error) {
	e := Entry{Seq: seq, Decision: d, PrevHash: prev}
	unhashed, err := json.Marshal(e)
	if err != nil {
		return Entry{}, nil, fmt.Errorf("encode trail entry %s: %w", d.Key, err)
	}
	if e.Hash, err = hashchain.Hash(unhashed); err != nil {
		return Entry{}, nil, fmt.Errorf("hash trail entry %s: %w", d.Key, err)
	}
	line, err := json.Marshal(e)
	if err != nil {
		return Entry{}, nil, fmt.Errorf("encode trail entry %s: %w", d.Key, err)
	}
	// Read back as a reader will, so what is stored is what is hashed.
	if e, err = DecodeEntry(line); err != nil {
		return Entry{}, nil, err
	}
	return e, append(line, '\n'), nil
}

// DecodeEntry reads one entry, strictly: one JSON object with the
// documented members only, each of its type, seq from 1, hashes as 64
// lower-case hex digits, and a decision Append would take. It does not
// check the hash: the chain does (Verify).
func DecodeEntry(b []byte) (Entry, error) {
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.DisallowUnknownFields()
	var e Entry
	if err := d.Decode(&e); err != nil {
		return Entry{}, fmt.Errorf("not a trail entry (%v)", err)
	}
	if d.More() {
		return Entry{}, errors.New("not a trail entry (more than one JSON value)")
	}
	norm, err := normalize(e.Decision)
	switch {
	case err != nil:
		return Entry{}, fmt.Errorf("not a trail entry (%v)", err)
	case e.Seq < 1:
		return Entry{}, fmt.Errorf("not a trail entry (seq %d)", e.Seq)
	case !hashRe.MatchString(e.Hash):
		return Entry{}, fmt.Errorf("not a trail entry (hash %q)", e.Hash)
	case e.PrevHash != "" && !hashRe.MatchString(e.PrevHash):
		return Entry{}, fmt.Errorf("not a trail entry (prev_hash %q)", e.PrevHash)
	case !norm.Time.Equal(e.Time) || !norm.DataAsOf.Equal(e.DataAsOf):
		return Entry{}, errors.New("not a trail entry (a time finer than a millisecond)")
	}
	e.Decision = norm
	return e, nil
}

// link is where e states it sits in the chain.
func (e Entry) link() hashchain.Link {
	return hashchain.Link{Seq: e.Seq, Prev: e.PrevHash, Hash: e.Hash}
}

// uniqueKeys fails on the first key that the entries hold twice: Append
// never writes one, so a duplicate was put there by hand.
func uniqueKeys(log, where, unit string, entries []Entry) error {
	seen := make(map[string]int64, len(entries))
	for i, e := range entries {
		if first, ok := seen[e.Key]; ok {
			return &BrokenError{Log: log, Path: where, Line: i + 1, Unit: unit,
				Reason: fmt.Sprintf("key %q is already the key of seq %d: an entry was copied in", e.Key, first)}
		}
		seen[e.Key] = e.Seq
	}
	return nil
}
