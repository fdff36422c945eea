package hashchain

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestHashIsCanonical(t *testing.T) {
	// Key order and spacing do not change an entry's hash; its content does.
	a, err := Hash([]byte(`{"seq":1,"b":{"y":1,"x":[1,2]},"hash":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Hash([]byte(`{ "b": {"x": [1, 2], "y": 1}, "seq": 1 }`))
	c, _ := Hash([]byte(`{"seq":1,"b":{"y":1,"x":[2,1]}}`))
	d, _ := Hash([]byte(`{"seq":1.0,"b":{"y":1,"x":[1,2]}}`))
	if a != b || a == c || a == d {
		t.Errorf("hashes %s %s %s %s: want the first two equal and the others different", a, b, c, d)
	}
	for _, bad := range []string{``, `null`, `[1]`, `{"a":1} {"b":2}`, `{"a":`} {
		if _, err := Hash([]byte(bad)); err == nil {
			t.Errorf("Hash(%q): no error", bad)
		}
	}
}

// note is a minimal chained entry.
type note struct {
	Seq  int64  `json:"seq"`
	Text string `json:"text"`
	Prev string `json:"prev"`
	Hash string `json:"hash"`
}

func seal(n note) []byte {
	n.Hash = ""
	b, _ := json.Marshal(n)
	n.Hash, _ = Hash(b)
	b, _ = json.Marshal(n)
	return append(b, '\n')
}

func notes(path string) *File[note] {
	return &File[note]{Path: path, Log: "note log", Noun: "log", Decode: func(line []byte) (note, Link, error) {
		var n note
		if err := json.Unmarshal(line, &n); err != nil {
			return note{}, Link{}, fmt.Errorf("not a note (%v)", err)
		}
		return n, Link{Seq: n.Seq, Prev: n.Prev, Hash: n.Hash}, nil
	}}
}

// add appends one note with the given text.
func add(f *File[note], text string) (Head, error) {
	return f.Append(func(_ []note, head Link) ([][]byte, error) {
		return [][]byte{seal(note{Seq: head.Seq + 1, Text: text, Prev: head.Hash})}, nil
	})
}

func TestFile(t *testing.T) {
	f := notes(filepath.Join(t.TempDir(), "state", "notes.jsonl"))
	if h, _, err := f.Verify(""); err != nil || h != (Head{}) {
		t.Fatalf("missing file = %+v, %v; want an empty chain", h, err)
	}
	var heads []Head
	for _, text := range []string{"a", "b <&>", "c"} {
		h, err := add(f, text)
		if err != nil {
			t.Fatal(err)
		}
		heads = append(heads, h)
	}
	h, got, err := f.Verify(heads[0].Hash)
	if err != nil || h.Entries != 3 || h.Hash != heads[2].Hash || h.SinceExpected != 2 || len(got) != 3 || got[1].Text != "b <&>" {
		t.Fatalf("verify = %+v, %v, %v", h, got, err)
	}
	// Append sees the chain and may add nothing.
	h, err = f.Append(func(entries []note, head Link) ([][]byte, error) {
		if len(entries) != 3 || head.Seq != 3 || head.Hash != heads[2].Hash || head.Prev != heads[1].Hash {
			t.Errorf("next got %d entries, head %+v", len(entries), head)
		}
		return nil, nil
	})
	if err != nil || h.Entries != 3 {
		t.Errorf("empty append = %+v, %v", h, err)
	}
	// Lines that do not extend the chain are refused, and nothing is written.
	_, err = f.Append(func(_ []note, head Link) ([][]byte, error) {
		return [][]byte{seal(note{Seq: head.Seq + 1, Text: "x", Prev: "0000"})}, nil
	})
	if !errors.Is(err, ErrBroken) || !strings.Contains(err.Error(), "do not extend the chain") {
		t.Errorf("unlinked append: %v", err)
	}
	if h, _, err := f.Verify(""); err != nil || h.Entries != 3 {
		t.Errorf("after a refused append: %+v, %v", h, err)
	}
	// A callback's error is returned as it is.
	boom := errors.New("boom")
	if _, err := f.Append(func([]note, Link) ([][]byte, error) { return nil, boom }); err != boom {
		t.Errorf("callback error: %v", err)
	}
	if info, err := os.Stat(f.Path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("file mode: %v, %v", info, err)
	}
}

func TestBroken(t *testing.T) {
	tests := []struct {
		name   string
		lines  func(l []string) []string
		expect int // index of the expected head; -1: none
		want   string
	}{
		{"edited", func(l []string) []string { l[1] = strings.Replace(l[1], `"b"`, `"B"`, 1); return l }, -1,
			"note log %s: line 2: its content does not match its hash: the entry was edited"},
		{"removed middle", func(l []string) []string { return append(l[:1:1], l[2:]...) }, -1,
			"note log %s: line 2: prev "},
		{"removed first", func(l []string) []string { return l[1:] }, -1,
			"note log %s: line 1: the first entry names a previous one"},
		{"not a note", func(l []string) []string { l[2] = "{\n"; return l }, -1,
			"note log %s: line 3: not a note ("},
		{"torn", func(l []string) []string { l[2] = l[2][:10]; return l }, -1,
			"note log %s: line 3: not terminated by a newline"},
		{"cut", func(l []string) []string { return l[:2] }, 2,
			"note log %s: expected head %s is not in the log (it ends at "},
		{"emptied", func([]string) []string { return nil }, 2,
			"note log %s: expected head %s is not in the log (the log is empty): entries were removed from its end, or the log was replaced"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := notes(filepath.Join(t.TempDir(), "notes.jsonl"))
			var hashes []string
			for _, text := range []string{"a", "b", "c"} {
				h, err := add(f, text)
				if err != nil {
					t.Fatal(err)
				}
				hashes = append(hashes, h.Hash)
			}
			b, _ := os.ReadFile(f.Path)
			ls := strings.SplitAfter(string(b), "\n")
			if err := os.WriteFile(f.Path, []byte(strings.Join(tc.lines(ls[:len(ls)-1]), "")), 0o600); err != nil {
				t.Fatal(err)
			}
			expect := ""
			args := []any{f.Path}
			if tc.expect >= 0 {
				expect = hashes[tc.expect]
				args = append(args, expect)
			}
			_, _, err := f.Verify(expect)
			if !errors.Is(err, ErrBroken) || !strings.HasPrefix(err.Error(), fmt.Sprintf(tc.want, args...)) {
				t.Errorf("Verify = %v\nwant %s...", err, fmt.Sprintf(tc.want, args...))
			}
			if tc.expect < 0 {
				if _, err := add(f, "d"); !errors.Is(err, ErrBroken) {
					t.Errorf("append to a broken chain: %v", err)
				}
			}
		})
	}
}

func TestCheckerUnit(t *testing.T) {
	c := Checker{Unit: "row"}
	if r := c.Next(Link{Seq: 1, Hash: "a"}, "a"); r != "" {
		t.Fatal(r)
	}
	if r := c.Next(Link{Seq: 2, Prev: "x", Hash: "b"}, "b"); !strings.Contains(r, "is not the hash of row 1 (a)") {
		t.Errorf("reason %q", r)
	}
	if r := c.Next(Link{Seq: 3, Prev: "a", Hash: "b"}, "b"); !strings.Contains(r, "seq 3 where 2 was due") {
		t.Errorf("reason %q", r)
	}
	if h := c.Head(); h.Hash != "a" || h.Entries != 1 {
		t.Errorf("head %+v after one good entry", h)
	}
	e := &BrokenError{Log: "agent trail", Path: "main.s.t", Line: 4, Unit: "row", Reason: "r"}
	if e.Error() != "agent trail main.s.t: row 4: r" {
		t.Errorf("message %q", e.Error())
	}
}

func TestConcurrentAppends(t *testing.T) {
	f := notes(filepath.Join(t.TempDir(), "notes.jsonl"))
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 10 {
				if _, err := add(f, fmt.Sprintf("%d-%d", w, i)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if h, _, err := f.Verify(""); err != nil || h.Entries != 80 {
		t.Errorf("after concurrent appends: %+v, %v", h, err)
	}
}
