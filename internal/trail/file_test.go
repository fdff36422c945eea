package trail

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/hashchain"
)

func TestFileAppendLookup(t *testing.T) {
	s := NewFileStore(filepath.Join(t.TempDir(), "state"))
	testAppendLookup(t, s)
	if info, err := os.Stat(s.Location()); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("trail file: %v, %v", info, err)
	}
}

func TestFileOneKeyConcurrently(t *testing.T) {
	testOneKey(t, NewFileStore(t.TempDir()), 200)
}

// The helper process of TestFileDistinctKeysAcrossProcesses: it appends
// the keys from TRAIL_TEST_FROM to TRAIL_TEST_TO to the trail in
// TRAIL_TEST_DIR with four goroutines.
func TestFileHelperProcess(t *testing.T) {
	dir := os.Getenv("TRAIL_TEST_DIR")
	if dir == "" {
		t.Skip("run by TestFileDistinctKeysAcrossProcesses")
	}
	from, _ := strconv.Atoi(os.Getenv("TRAIL_TEST_FROM"))
	to, _ := strconv.Atoi(os.Getenv("TRAIL_TEST_TO"))
	if n := appendAll(t, NewFileStore(dir), 4, distinctKeys(to)[from:]); n != to-from {
		t.Errorf("inserted %d of %d keys", n, to-from)
	}
}

// TestFileDistinctKeysAcrossProcesses: 1,000 distinct keys appended by
// four processes of four writers each give 1,000 entries, none lost, the
// chain intact.
func TestFileDistinctKeysAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	const procs, total = 4, 1000
	var cmds []*exec.Cmd
	for p := range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^TestFileHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), "TRAIL_TEST_DIR="+dir,
			fmt.Sprintf("TRAIL_TEST_FROM=%d", p*total/procs), fmt.Sprintf("TRAIL_TEST_TO=%d", (p+1)*total/procs))
		out := &strings.Builder{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("process %d:\n%s", p, out)
			}
		})
		cmds = append(cmds, cmd)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("process %d: %v", i, err)
		}
	}
	checkTrail(t, NewFileStore(dir), distinctKeys(total))
}

// TestFileTamper: every way of changing a written trail is caught, with
// the line where it breaks, and a broken trail is never extended.
func TestFileTamper(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(dir string, ls []string) []string
		expect bool   // verify against the head before tampering
		want   string // fragment of the error
	}{
		{"edited answer", func(_ string, ls []string) []string {
			ls[1] = strings.Replace(ls[1], `"status":"dry_run"`, `"status":"acted"`, 1)
			return ls
		}, false, "line 2: its content does not match its hash: the entry was edited"},
		{"edited savings, hash recomputed, caught by the next", func(_ string, ls []string) []string {
			ls[2] = rehash(strings.Replace(ls[2], `"4.50"`, `"450.00"`, 1))
			return ls
		}, false, "line 4: prev "},
		{"unknown member", func(_ string, ls []string) []string {
			ls[0] = rehash(strings.Replace(ls[0], `{"seq":1,`, `{"seq":1,"note":"x",`, 1))
			return ls
		}, false, `line 1: not a trail entry (json: unknown field "note")`},
		{"removed middle", func(_ string, ls []string) []string { return append(ls[:2:2], ls[3:]...) }, false,
			"line 3: prev "},
		{"reordered", func(_ string, ls []string) []string {
			ls[0], ls[1] = ls[1], ls[0]
			return ls
		}, false, "line 1: the first entry names a previous one"},
		{"torn last line", func(_ string, ls []string) []string {
			ls[4] = ls[4][:40]
			return ls
		}, false, "line 5: not terminated by a newline"},
		{"truncated, expected head given", func(_ string, ls []string) []string { return ls[:4] }, true,
			"expected head "},
		{"emptied, expected head given", func(string, []string) []string { return nil }, true,
			"(the trail is empty)"},
		{"a key copied in, chain rebuilt", func(dir string, ls []string) []string {
			// A forger who appends with the chain code but not Append.
			other := NewFileStore(filepath.Join(dir, "forged"))
			if _, err := other.chain.Append(func(_ []Entry, head hashchain.Link) ([][]byte, error) {
				var lines [][]byte
				for i, l := range ls {
					lines = append(lines, []byte(l))
					head.Seq = int64(i + 1)
				}
				e, _ := DecodeEntry([]byte(ls[len(ls)-1]))
				d, _ := normalize(decision(9, "evt-1"))
				_, line, err := seal(d, head.Seq+1, e.Hash)
				return append(lines, line), err
			}); err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(other.Location())
			out := strings.SplitAfter(string(b), "\n")
			return out[:len(out)-1]
		}, false, `line 6: key "evt-1" is already the key of seq 1`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := NewFileStore(dir)
			var head string
			for i := range 5 {
				e, _, err := s.Append(t.Context(), decision(i, fmt.Sprintf("evt-%d", i+1)))
				if err != nil {
					t.Fatal(err)
				}
				head = e.Hash
			}
			expect := ""
			if tc.expect {
				expect = head
			}
			b, _ := os.ReadFile(s.Location())
			ls := strings.SplitAfter(string(b), "\n")
			if err := os.WriteFile(s.Location(), []byte(strings.Join(tc.tamper(dir, ls[:len(ls)-1]), "")), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := s.Verify(t.Context(), expect)
			if !errors.Is(err, ErrBroken) || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "agent trail "+s.Location()+": ") {
				t.Fatalf("Verify = %v\nwant agent trail %s: ...%s...", err, s.Location(), tc.want)
			}
			if tc.expect {
				return
			}
			if _, err := s.Entries(t.Context()); !errors.Is(err, ErrBroken) {
				t.Errorf("Entries of a broken trail: %v", err)
			}
			if _, _, err := s.Append(t.Context(), decision(7, "evt-new")); !errors.Is(err, ErrBroken) {
				t.Errorf("Append to a broken trail: %v, want ErrBroken", err)
			}
		})
	}
}

// rehash recomputes a line's hash as a forger who edits one entry would.
func rehash(line string) string {
	h, err := hashchain.Hash([]byte(line))
	if err != nil {
		panic(err)
	}
	i := strings.LastIndex(line, `"hash":"`) + len(`"hash":"`)
	return line[:i] + h + line[i+64:]
}

// TestInvalidDecisions: Append refuses what it could not read back, and
// says why.
func TestInvalidDecisions(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Decision)
		want   string
	}{
		{"no time", func(d *Decision) { d.Time = time.Time{} }, "no time"},
		{"no key", func(d *Decision) { d.Key = "" }, "no key"},
		{"long key", func(d *Decision) { d.Key = strings.Repeat("k", MaxKeyLen+1) }, "key longer than 256 bytes"},
		{"control character in key", func(d *Decision) { d.Key = "evt\n1" }, "control characters"},
		{"unknown tool", func(d *Decision) { d.Tool = "rm_rf" }, `tool "rm_rf" is not one of alert-webhook, predict_cost`},
		{"unknown outcome", func(d *Decision) { d.Outcome = "maybe" }, `outcome "maybe"`},
		{"savings not a decimal", func(d *Decision) { d.SavingsHourlyUSD = "$4.50" }, `savings_hourly_usd "$4.50" is not a decimal`},
		{"savings with an exponent", func(d *Decision) { d.SavingsMonthlyUSD = "1e3" }, "is not a decimal"},
		{"arguments not JSON", func(d *Decision) { d.Arguments = []byte("{") }, "arguments is not JSON"},
		{"answer null", func(d *Decision) { d.Answer = []byte("null") }, "answer is not JSON"},
		{"reason not UTF-8", func(d *Decision) { d.Reason = "\xff" }, "is not UTF-8"},
	}
	s := NewFileStore(t.TempDir())
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := decision(0, "evt-1")
			tc.change(&d)
			_, _, err := s.Append(t.Context(), d)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Append = %v, want ErrInvalid: ...%s", err, tc.want)
			}
		})
	}
	if _, err := os.Stat(s.Location()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("refused decisions wrote the trail: %v", err)
	}
}

// TestEntryFormat: an entry is written as the package documents it, and
// hashes as internal/hashchain defines.
func TestEntryFormat(t *testing.T) {
	s := NewFileStore(t.TempDir())
	d := Decision{Time: time.Date(2026, 7, 15, 9, 30, 0, 0, time.FixedZone("CEST", 2*3600)), Key: "evt-9",
		Caller: "databricks-alert", Role: "webhook", Tool: ToolAlertWebhook, Outcome: Noop, Reason: "no TRIGGERED evaluation"}
	e, _, err := s.Append(t.Context(), d)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(s.Location())
	want := `{"seq":1,"time":"2026-07-15T07:30:00Z","key":"evt-9","caller":"databricks-alert","role":"webhook","tool":"alert-webhook","outcome":"noop","reason":"no TRIGGERED evaluation","prev_hash":"","hash":"` + e.Hash + "\"}\n"
	if string(b) != want {
		t.Errorf("trail file:\n%s\nwant\n%s", b, want)
	}
	if h, _ := hashchain.Hash(b); h != e.Hash {
		t.Errorf("hash %s, the line hashes to %s", e.Hash, h)
	}
}
