package audit

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/hashchain"
)

var t0 = time.Date(2026, 7, 15, 9, 30, 0, 123456789, time.UTC)

// budgetState stands for the objects setup logs.
type budgetState struct {
	Name      string `json:"name"`
	Threshold string `json:"threshold"`
}

func record(i int) Record {
	return Record{
		Time: t0.Add(time.Duration(i) * time.Minute), Actor: "admin@novadynamics.test",
		Action: "update", Kind: "budget", Key: fmt.Sprintf("stellar-budget:SAD:deep-space-telemetry:%d", 70+i), ID: fmt.Sprintf("b-%d", i),
		Before: budgetState{Name: "old <&>", Threshold: "9375.00"},
		After:  map[string]any{"threshold": "9450.00", "big": uint64(1) << 63, "name": "new"},
	}
}

// writeLog appends n records one call each and returns the log's path and
// the head after each append.
func writeLog(t *testing.T, n int) (string, []string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state", FileName)
	var heads []string
	for i := range n {
		h, err := Append(path, record(i))
		if err != nil {
			t.Fatal(err)
		}
		if h.Entries != i+1 {
			t.Fatalf("after append %d: %d entries", i+1, h.Entries)
		}
		heads = append(heads, h.Hash)
	}
	return path, heads
}

func lines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ls := strings.SplitAfter(string(b), "\n")
	return ls[:len(ls)-1] // the text after the last newline is empty
}

func TestAppendAndVerify(t *testing.T) {
	path, heads := writeLog(t, 4)
	h, err := Verify(path, "")
	if err != nil {
		t.Fatal(err)
	}
	if h.Hash != heads[3] || h.Entries != 4 || h.SinceExpected != 0 {
		t.Errorf("head = %+v, want %s after 4 entries", h, heads[3])
	}
	h, err = Verify(path, heads[1])
	if err != nil || h.SinceExpected != 2 {
		t.Errorf("verify against an earlier head: %+v, %v; want 2 entries since, no error", h, err)
	}
	entries, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	e := entries[2]
	if e.Seq != 3 || e.Prev != entries[1].Hash || e.Actor != "admin@novadynamics.test" || e.Key != "stellar-budget:SAD:deep-space-telemetry:72" ||
		e.ID != "b-2" || !e.Time.Equal(t0.Add(2*time.Minute)) || !strings.Contains(string(e.After), `"big":9223372036854775808`) {
		t.Errorf("entry 3 = %+v", e)
	}
	if len(e.Hash) != 64 || entries[0].Prev != "" {
		t.Errorf("hash %q, first prev %q", e.Hash, entries[0].Prev)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("log mode: %v, %v", info.Mode(), err)
	}
}

func TestAppendBatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	h, err := Append(path, record(0), record(1), record(2))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Verify(path, h.Hash)
	if err != nil || got != (Head{Hash: h.Hash, Entries: 3}) {
		t.Errorf("verify = %+v, %v; want %+v", got, err, h)
	}
}

func TestMissingLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	if h, err := Verify(path, ""); err != nil || h != (Head{}) {
		t.Errorf("missing log without expected head = %+v, %v; want empty, no error", h, err)
	}
	if _, err := Verify(path, strings.Repeat("a", 64)); !errors.Is(err, ErrBroken) || !strings.Contains(err.Error(), "the log is empty") {
		t.Errorf("missing log with expected head: %v, want broken, empty", err)
	}
}

// TestTamper: every way of changing a written log is caught, with the line
// where the chain breaks.
func TestTamper(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(ls []string) []string
		expect int    // index into the heads of the expected head; -1: none
		line   int    // where the break is reported; 0: the log as a whole
		reason string // fragment of the reason
	}{
		{"edited value", func(ls []string) []string {
			ls[1] = strings.Replace(ls[1], `"9450.00"`, `"94500.00"`, 1)
			return ls
		}, -1, 2, "does not match its hash: the entry was edited"},
		{"edited actor", func(ls []string) []string {
			ls[2] = strings.Replace(ls[2], "admin@", "intern@", 1)
			return ls
		}, -1, 3, "edited"},
		{"field added", func(ls []string) []string {
			ls[0] = strings.Replace(ls[0], `{"seq"`, `{"note":"ok","seq"`, 1)
			return ls
		}, -1, 1, "edited"},
		{"edited last, hash recomputed by hand is still caught by the next", func(ls []string) []string {
			ls[2] = rehash(strings.Replace(ls[2], `"9450.00"`, `"1.00"`, 1))
			return ls
		}, -1, 4, "is not the hash of line 3"},
		{"edited last entry", func(ls []string) []string {
			ls[4] = strings.Replace(ls[4], `"update"`, `"create"`, 1)
			return ls
		}, -1, 5, "edited"},
		{"removed middle", func(ls []string) []string { return append(ls[:2:2], ls[3:]...) }, -1, 3, "an entry was removed, inserted or reordered"},
		{"removed first", func(ls []string) []string { return ls[1:] }, -1, 1, "entries were removed from the start"},
		{"reordered", func(ls []string) []string {
			ls[1], ls[2] = ls[2], ls[1]
			return ls
		}, -1, 2, "is not the hash of line 1"},
		{"duplicated", func(ls []string) []string { return append(ls[:3:3], ls[2:]...) }, -1, 4, "is not the hash of line 3"},
		{"not JSON", func(ls []string) []string {
			ls[3] = "garbage\n"
			return ls
		}, -1, 4, "not an audit entry"},
		{"torn last line", func(ls []string) []string {
			ls[4] = ls[4][:len(ls[4])/2]
			return ls
		}, -1, 5, "not terminated by a newline"},
		{"empty line", func(ls []string) []string { return append(ls[:2:2], append([]string{"\n"}, ls[2:]...)...) }, -1, 3, "not an audit entry"},
		{"truncated last, expected head given", func(ls []string) []string { return ls[:4] }, 4, 0, "expected head"},
		{"truncated two, expected head given", func(ls []string) []string { return ls[:3] }, 4, 0, "entries were removed from its end"},
		{"emptied, expected head given", func(ls []string) []string { return nil }, 4, 0, "the log is empty"},
		{"replaced by another log", func(ls []string) []string {
			other, _ := writeLog(t, 2)
			return lines(t, other)
		}, 4, 0, "is not in the log"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path, heads := writeLog(t, 5)
			// Untouched, the log verifies against the same expected head.
			expect := ""
			if tc.expect >= 0 {
				expect = heads[tc.expect]
			}
			if _, err := Verify(path, expect); err != nil {
				t.Fatalf("before tampering: %v", err)
			}
			tampered := strings.Join(tc.tamper(lines(t, path)), "")
			if err := os.WriteFile(path, []byte(tampered), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Verify(path, expect)
			var be *BrokenError
			if !errors.Is(err, ErrBroken) || !errors.As(err, &be) {
				t.Fatalf("Verify = %v, want a BrokenError", err)
			}
			if be.Line != tc.line || !strings.Contains(be.Reason, tc.reason) {
				t.Errorf("broken at line %d: %q; want line %d, %q", be.Line, be.Reason, tc.line, tc.reason)
			}
			if tc.line > 0 {
				// A broken log is never extended.
				if _, err := Append(path, record(9)); !errors.Is(err, ErrBroken) {
					t.Errorf("Append to a broken log: %v, want ErrBroken", err)
				}
			}
		})
	}
}

// rehash recomputes a line's hash as a forger who edits one entry would.
func rehash(line string) string {
	b := []byte(line)
	h, err := hashchain.Hash(b)
	if err != nil {
		panic(err)
	}
	i := bytes.LastIndex(b, []byte(`"hash":"`)) + len(`"hash":"`)
	return string(b[:i]) + h + string(b[i+64:])
}

func TestConcurrentAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	const writers, each = 4, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if _, err := Append(path, record(w*each+i)); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	h, err := Verify(path, "")
	if err != nil || h.Entries != writers*each {
		t.Errorf("after concurrent appends: %+v, %v; want %d entries", h, err, writers*each)
	}
}

// TestOpenIntents: an intent is open until a result names it or a later
// intent supersedes it; results of logs without intents open nothing.
func TestOpenIntents(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	appendOne := func(r Record) string {
		t.Helper()
		h, err := Append(path, r)
		if err != nil {
			t.Fatal(err)
		}
		return h.Hash
	}
	intent := func(key, supersedes string) Record {
		return Record{Time: t0, Actor: "a", Action: "create", Kind: "budget", Key: key, Stage: StageIntent, Supersedes: supersedes}
	}
	appendOne(record(0)) // an entry of an old log: a result without intent
	a := appendOne(intent("a", ""))
	appendOne(Record{Time: t0, Actor: "a", Action: "create", Kind: "budget", Key: "a", ID: "1", Stage: StageResult, Outcome: OutcomeApplied, Intent: a})
	b := appendOne(intent("b", ""))
	c := appendOne(intent("c", ""))
	d := appendOne(intent("c", c))
	head, open, err := OpenIntents(path, b)
	if err != nil {
		t.Fatal(err)
	}
	if head.Entries != 6 || head.SinceExpected != 2 {
		t.Errorf("head %+v", head)
	}
	if len(open) != 2 || open[0].Hash != b || open[1].Hash != d || open[1].Supersedes != c {
		t.Errorf("open intents %+v, want b and the second c", open)
	}
	if _, _, err := OpenIntents(path, "0123"); !errors.Is(err, ErrBroken) {
		t.Errorf("with an expected head not in the log: %v", err)
	}
}
