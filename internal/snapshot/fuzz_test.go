package snapshot

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

func dec(s string) budget.Decimal { return budget.MustDecimal(s) }

// FuzzRead: Read never panics on outside input, and what it accepts
// writes back to a document it reads the same.
func FuzzRead(f *testing.F) {
	var doc bytes.Buffer
	b, err := json.Marshal(sample())
	if err != nil {
		f.Fatal(err)
	}
	doc.Write(b)
	f.Add(doc.Bytes())
	f.Add([]byte(`{"schema_version": 1, "as_of": "2026-11-23", "generated_at": "2026-11-23T09:00:00Z"}`))
	f.Add([]byte(`{"schema_version": 1, "as_of": "2026-11-23", "generated_at": "2026-11-23T09:00:00Z", "owners": [{"owner": "a", "daily": {"last_day_partial": true, "days": {"2026-11-23": "1.00", "2026-11-23": "2.00"}}}]}`))
	f.Add([]byte(`{"schema_version": 2}`))
	f.Add([]byte(`{"schema_version": 1e400}`))
	f.Add([]byte(`null`))
	f.Add([]byte(strings.Repeat("[", 1000)))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Read(bytes.NewReader(data))
		if err != nil {
			if s != nil {
				t.Fatal("a snapshot with an error")
			}
			return
		}
		again, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("encode what was read: %v", err)
		}
		back, err := Read(bytes.NewReader(again))
		if err != nil {
			t.Fatalf("read back what was read: %v\n%s", err, again)
		}
		if !reflect.DeepEqual(back, s) {
			t.Fatalf("read back differs:\n%+v\n%+v", back, s)
		}
	})
}
