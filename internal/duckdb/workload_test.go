package duckdb

import (
	"fmt"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/billing"
)

// workloadRecords are one record per case of rule 7 that the billing
// writer cannot express; their usage_metadata is written by hand below.
// Each has its own Owner tag, so its fact can be found.
func workloadRecords() []billing.UsageRecord {
	end := time.Date(2026, 2, 10, 12, 0, 0, 0, time.UTC)
	var out []billing.UsageRecord
	for i, owner := range []string{"endpoint-id@x", "endpoint-both@x", "job-number@x", "none@x"} {
		out = append(out, billing.UsageRecord{
			RecordID: fmt.Sprintf("w-%d", i), AccountID: trapAccount, WorkspaceID: "ws-1",
			SKUName: "PREMIUM_JOBS_COMPUTE", Cloud: "AWS", UsageStart: end.Add(-time.Hour), UsageEnd: end,
			UsageDate: billing.Date(end), CustomTags: tags("OperationalCategory", "DEEP_SPACE_TELEMETRY", "Owner", owner),
			UsageUnit: "DBU", UsageQuantity: *dec("1"), RecordType: billing.RecordOriginal,
			IngestionDate: billing.Date(end), OriginProduct: "MODEL_SERVING",
		})
	}
	return out
}

// workloadMetadata is the usage_metadata JSON of workloadRecords, in order:
// a serving endpoint named by endpoint_id only, one with both (the name
// wins), a job_id written as a JSON number, and no metadata at all.
var workloadMetadata = []string{
	`{"endpoint_id":"ep-id-1","cluster_id":null}`,
	`{"endpoint_name":"chat","endpoint_id":"ep-id-2"}`,
	`{"job_id":55,"cluster_id":"job-55-run-1"}`,
	`{}`,
}

// workloadMetadataStruct is the struct type a notebook's Parquet export
// gives usage_metadata (the real table has more fields; these matter).
const workloadMetadataStruct = `{"cluster_id":"VARCHAR","job_id":"VARCHAR","warehouse_id":"VARCHAR","dlt_pipeline_id":"VARCHAR","endpoint_name":"VARCHAR","endpoint_id":"VARCHAR","job_run_id":"VARCHAR"}`

// TestWorkloadInEveryFormat reads usage_metadata as JSON text in CSV,
// nested objects in JSON Lines and a struct in Parquet, and an export
// without usage_metadata at all, whose usage names no workload.
func TestWorkloadInEveryFormat(t *testing.T) {
	e, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	named := map[string][2]string{
		"endpoint-id@x":   {"endpoint", "ep-id-1"},
		"endpoint-both@x": {"endpoint", "chat"},
		"job-number@x":    {"job", "55"},
		"none@x":          {"", ""},
	}
	none := map[string][2]string{}
	for owner := range named {
		none[owner] = [2]string{"", ""}
	}

	// csvExport writes the records as CSV with the hand-written metadata.
	csvExport := func(t *testing.T, dir string) (string, string) {
		usage, prices := writeExport(t, e, dir, billing.CSV, workloadRecords(), trapPrices())
		for i, m := range workloadMetadata {
			editCSV(t, usage, i+1, "usage_metadata", ptr(m))
		}
		return usage, prices
	}
	// toParquet copies a CSV export to Parquet with usage_metadata as a
	// struct (or without it), the other columns as text.
	toParquet := func(t *testing.T, usage, metadata string) string {
		out := filepath.Join(filepath.Dir(usage), "usage.parquet")
		query := fmt.Sprintf("COPY (SELECT * REPLACE (%s AS usage_metadata) FROM read_csv(%s, all_varchar = true)) TO %s (FORMAT parquet)",
			metadata, sqlString(usage), sqlString(out))
		if metadata == "" {
			query = fmt.Sprintf("COPY (SELECT * EXCLUDE (usage_metadata) FROM read_csv(%s, all_varchar = true)) TO %s (FORMAT parquet)",
				sqlString(usage), sqlString(out))
		}
		if _, err := e.db.ExecContext(t.Context(), query); err != nil {
			t.Fatal(err)
		}
		return out
	}
	// jsonlExport writes the records as JSON Lines; metadata rewrites each
	// record's usage_metadata member (its argument is the JSON to put in).
	jsonlExport := func(t *testing.T, dir string, metadata func(i int) string) (string, string) {
		usage, prices := writeExport(t, e, dir, billing.JSONL, workloadRecords(), trapPrices())
		member := regexp.MustCompile(`"usage_metadata":\{[^}]*\},`)
		for i := range workloadMetadata {
			editLine(t, usage, i+1, member.String(), metadata(i))
		}
		return usage, prices
	}

	tests := []struct {
		name  string
		write func(t *testing.T, dir string) (string, string)
		want  map[string][2]string
	}{
		{"csv", csvExport, named},
		{"jsonl", func(t *testing.T, dir string) (string, string) {
			return jsonlExport(t, dir, func(i int) string { return `"usage_metadata":` + workloadMetadata[i] + "," })
		}, named},
		{"parquet struct", func(t *testing.T, dir string) (string, string) {
			usage, prices := csvExport(t, dir)
			return toParquet(t, usage, fmt.Sprintf("json_transform(usage_metadata, %s)", sqlString(workloadMetadataStruct))), prices
		}, named},
		{"csv without usage_metadata", func(t *testing.T, dir string) (string, string) {
			usage, prices := csvExport(t, dir)
			editCSV(t, usage, 0, "usage_metadata", nil)
			return usage, prices
		}, none},
		{"jsonl without usage_metadata", func(t *testing.T, dir string) (string, string) {
			return jsonlExport(t, dir, func(int) string { return "" })
		}, none},
		{"parquet without usage_metadata", func(t *testing.T, dir string) (string, string) {
			usage, prices := csvExport(t, dir)
			return toParquet(t, usage, ""), prices
		}, none},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			usage, prices := tc.write(t, t.TempDir())
			res, err := e.Attribute(t.Context(), Input{Usage: []string{usage}, ListPrices: []string{prices}, TagValues: trapTags,
				DetailFrom: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][2]string{}
			for _, f := range res.Facts.Detail {
				if _, dup := got[f.Owner]; dup {
					t.Errorf("%s: more than one fact", f.Owner)
				}
				got[f.Owner] = [2]string{f.WorkloadType, f.WorkloadID}
			}
			for owner, want := range tc.want {
				if got[owner] != want {
					t.Errorf("%s: workload %q, want %q", owner, got[owner], want)
				}
			}
		})
	}
}

// TestWorkloadMetadataNotJSON names the record whose usage_metadata is
// broken, as for the other JSON columns.
func TestWorkloadMetadataNotJSON(t *testing.T) {
	e, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	usage, prices := writeExport(t, e, t.TempDir(), billing.CSV, workloadRecords(), trapPrices())
	editCSV(t, usage, 3, "usage_metadata", ptr(`{"job_id":`))
	_, err = e.Attribute(t.Context(), Input{Usage: []string{usage}, ListPrices: []string{prices}, TagValues: trapTags})
	if err == nil || !regexp.MustCompile(`line 4: usage_metadata is not valid JSON`).MatchString(err.Error()) {
		t.Fatalf("error = %v, want line 4: usage_metadata is not valid JSON", err)
	}
}
