package billing

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// Hostile tag values survive both formats exactly: the reader sees what
// Databricks stored.
func TestHostileValuesRoundTrip(t *testing.T) {
	tags := map[string]string{
		"OperationalCategory": `"><img src=x onerror=alert(1)>`,
		"Owner":               "=HYPERLINK(\"x\")\n\t\\ \u2028 é",
		"Control":             "\x01\x1f",
	}
	rec := sampleRecord()
	rec.CustomTags = tags
	rec.Identity.OwnedBy = `back\slash "quoted", comma`
	for _, format := range []Format{CSV, JSONL} {
		t.Run(string(format), func(t *testing.T) {
			var buf bytes.Buffer
			w, err := NewUsageWriter(&buf, format)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(rec)
			w.Close()
			var gotTags map[string]string
			var gotIdentity struct {
				OwnedBy string `json:"owned_by"`
			}
			if format == CSV {
				records, err := csv.NewReader(&buf).ReadAll()
				if err != nil {
					t.Fatal(err)
				}
				if len(records) != 2 || len(records[1]) != len(UsageColumns) {
					t.Fatalf("got %d records of %d fields", len(records), len(records[1]))
				}
				if err := json.Unmarshal([]byte(records[1][8]), &gotTags); err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal([]byte(records[1][12]), &gotIdentity); err != nil {
					t.Fatal(err)
				}
			} else {
				var row struct {
					Tags     map[string]string `json:"custom_tags"`
					Identity json.RawMessage   `json:"identity_metadata"`
				}
				if err := json.Unmarshal(buf.Bytes(), &row); err != nil {
					t.Fatal(err)
				}
				gotTags = row.Tags
				json.Unmarshal(row.Identity, &gotIdentity)
			}
			for k, v := range tags {
				if gotTags[k] != v {
					t.Errorf("tag %s = %q, want %q", k, gotTags[k], v)
				}
			}
			if gotIdentity.OwnedBy != rec.Identity.OwnedBy {
				t.Errorf("owned_by = %q, want %q", gotIdentity.OwnedBy, rec.Identity.OwnedBy)
			}
		})
	}
}

func TestNullTagsAreEmptyCSVCellAndJSONNull(t *testing.T) {
	rec := sampleRecord()
	rec.CustomTags = nil
	var c, j bytes.Buffer
	cw, _ := NewUsageWriter(&c, CSV)
	cw.Write(rec)
	cw.Close()
	jw, _ := NewUsageWriter(&j, JSONL)
	jw.Write(rec)
	jw.Close()
	if !strings.Contains(c.String(), ",2026-08-01,,DBU,") {
		t.Errorf("CSV null tags not an empty cell: %s", c.String())
	}
	if !strings.Contains(j.String(), `"custom_tags":null`) {
		t.Errorf("JSON Lines null tags not null: %s", j.String())
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", `"\`, "\x00\n", "é\u2028", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var got string
		if err := json.Unmarshal(appendJSONString(nil, s), &got); err != nil {
			t.Fatalf("invalid JSON for %q: %v", s, err)
		}
		if utf8.ValidString(s) && got != s {
			t.Fatalf("round trip %q -> %q", s, got)
		}
	})
}
