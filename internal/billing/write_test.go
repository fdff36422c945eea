package billing

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// sampleRecord is the first row of ../shared/samples, rebuilt as a record.
func sampleRecord() UsageRecord {
	start := time.Date(2026, 8, 1, 10, 0, 0, 0, time.UTC)
	return UsageRecord{
		RecordID: "r-000000001", AccountID: "7c4e2a51-0d3b-4f8e-9a61-2b5d8c0f1e77",
		WorkspaceID: "3390021187765412", SKUName: "PREMIUM_JOBS_COMPUTE", Cloud: "AWS",
		UsageStart: start, UsageEnd: start.Add(time.Hour), UsageDate: Date(start),
		CustomTags: map[string]string{
			"OperationalCategory": "DEEP_SPACE_TELEMETRY", "Project": "proj-deep-0", "Team": "SAD",
			"Environment": "DEV", "CostCenter": "ND-Analytics", "Owner": "eun-ji.park@novadynamics.test",
		},
		UsageUnit: "DBU", UsageQuantity: budget.MustDecimal("1.423019"),
		Metadata:   UsageMetadata{ClusterID: "job-1-run-1", JobID: "9001", JobRunID: "1"},
		Identity:   IdentityMetadata{RunAs: "eun-ji.park@novadynamics.test"},
		RecordType: RecordOriginal, IngestionDate: time.Date(2026, 8, 2, 0, 0, 0, 0, time.UTC),
		OriginProduct: "JOBS", UsageType: "COMPUTE_TIME",
	}
}

// testdata holds the first row of ../shared/samples. The samples order custom_tags keys as Databricks does; Go's JSON
// sorts map keys, so compare everything but that one column's key order.
func TestUsageWritersMatchSampleShape(t *testing.T) {
	for _, tc := range []struct {
		name   string
		format Format
		sample string
	}{
		{"csv", CSV, "testdata/sample_usage.csv"},
		{"jsonl", JSONL, "testdata/sample_usage.jsonl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := NewUsageWriter(&buf, tc.format)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Write(sampleRecord()); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			got := strings.Split(buf.String(), "\n")
			raw, err := os.ReadFile(tc.sample)
			if err != nil {
				t.Fatal(err)
			}
			want := strings.Split(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\n")
			line := 0
			if tc.format == CSV {
				if got[0] != want[0] {
					t.Errorf("header\n got %s\nwant %s", got[0], want[0])
				}
				line = 1
			}
			if strip(got[line]) != strip(want[line]) {
				t.Errorf("first record\n got %s\nwant %s", got[line], want[line])
			}
		})
	}
}

// strip removes the custom_tags object, whose key order differs.
func strip(line string) string {
	i := strings.Index(line, "{")
	j := strings.Index(line, "}")
	if i < 0 || j < i {
		return line
	}
	return line[:i] + line[j:]
}

func TestListPriceUnitPriceAndCovers(t *testing.T) {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 1, 0)
	eff := budget.MustDecimal("0.52")
	p := ListPrice{PriceStart: start, PriceEnd: &end, Default: budget.MustDecimal("0.70"), EffectiveList: &eff}
	if got := p.UnitPrice().String(); got != "0.52" {
		t.Errorf("UnitPrice with effective_list = %s, want 0.52", got)
	}
	p.EffectiveList = nil
	if got := p.UnitPrice().String(); got != "0.7" {
		t.Errorf("UnitPrice without effective_list = %s, want 0.7", got)
	}
	for _, tc := range []struct {
		at   time.Time
		want bool
	}{
		{start.Add(-time.Nanosecond), false},
		{start, true},
		{end.Add(-time.Nanosecond), true},
		{end, false},
	} {
		if got := p.Covers(tc.at); got != tc.want {
			t.Errorf("Covers(%s) = %v, want %v", tc.at, got, tc.want)
		}
	}
}
