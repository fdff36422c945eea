package trail

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// FuzzDecodeEntry: the entry decoder never panics on outside input, and
// an entry it accepts encodes to a line it accepts again, unchanged.
func FuzzDecodeEntry(f *testing.F) {
	d, _ := normalize(decision(0, "evt-1"))
	_, line, err := seal(d, 1, "")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(line)
	f.Add([]byte(`{"seq":2,"time":"2026-07-15T07:30:00Z","key":"k","caller":"","role":"","tool":"agent-run","outcome":"noop","prev_hash":"","hash":"` + string(bytes.Repeat([]byte("0"), 64)) + `"}`))
	f.Add([]byte(`{"seq":1,"seq":2}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := DecodeEntry(b)
		if err != nil {
			return
		}
		once, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("an accepted entry does not encode: %v", err)
		}
		again, err := DecodeEntry(once)
		if err != nil {
			t.Fatalf("the encoding of an accepted entry is refused: %v\n%s", err, once)
		}
		twice, _ := json.Marshal(again)
		if !bytes.Equal(once, twice) {
			t.Fatalf("the entry changed in a round trip:\n%s\n%s", once, twice)
		}
	})
}

func TestDecodeEntry(t *testing.T) {
	h := string(bytes.Repeat([]byte("9"), 64))
	entry := func(members string) string {
		return `{"seq":1,"time":"2026-07-15T09:30:00.123Z","key":"k","caller":"c","role":"r","tool":"agent-run","outcome":"noop"` + members + `,"prev_hash":"","hash":"` + h + `"}`
	}
	tests := []struct {
		name, line, want string // want: "" accepted, else a fragment of the error
	}{
		{"minimal", entry(""), ""},
		{"every member", entry(`,"arguments":{"a":1},"reason":"r","category":"C","owner":"o","cluster_before":{"id":"c","workers":2,"autoscale":{"min_workers":1,"max_workers":4}},"cluster_after":{"id":"c","state":"TERMINATED","workers":0},"savings_hourly_usd":"1.5","savings_monthly_usd":"700","data_as_of":"2026-07-15T08:00:00Z","answer":[1]`), ""},
		{"unknown member", entry(`,"note":"x"`), `unknown field "note"`},
		{"unknown member in a cluster", entry(`,"cluster_after":{"id":"c","workers":1,"spark":"3"}`), `unknown field "spark"`},
		{"workers as text", entry(`,"cluster_before":{"id":"c","workers":"8"}`), "cannot unmarshal string"},
		{"nanoseconds", strings.Replace(entry(""), ".123Z", ".123456Z", 1), "finer than a millisecond"},
		{"seq 0", strings.Replace(entry(""), `"seq":1`, `"seq":0`, 1), "seq 0"},
		{"short hash", strings.Replace(entry(""), h, "99", 1), `hash "99"`},
		{"upper-case prev_hash", strings.Replace(entry(""), `"prev_hash":""`, `"prev_hash":"`+strings.ToUpper(strings.Repeat("ab", 32))+`"`, 1), "prev_hash"},
		{"unknown outcome", strings.Replace(entry(""), `"noop"`, `"done"`, 1), `outcome "done"`},
		{"two values", entry("") + entry(""), "more than one JSON value"},
		{"torn", entry("")[:50], "not a trail entry"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeEntry([]byte(tc.line))
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("DecodeEntry = %v, want an error with %q", err, tc.want)
			}
		})
	}
}
