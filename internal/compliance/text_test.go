package compliance

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/jobs"
	"github.com/databricks/databricks-sdk-go/service/sql"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// sampleReport has a finding of each kind, a hostile name, tagged spend
// and an audit result.
func sampleReport() *Report {
	inv := Inventory{
		Clusters: []compute.ClusterDetails{
			cluster("0714-aaa", nil),
			cluster("0714-bbb", func(c *compute.ClusterDetails) {
				c.ClusterName = "adhoc\tbig\n\x1b[31mred"
				c.AutoterminationMinutes, c.NumWorkers = 0, 12
			}),
		},
		Jobs:       []jobs.BaseJob{job(42, func(s *jobs.JobSettings) { s.JobClusters[0].NewCluster.PolicyId = "" })},
		Warehouses: []sql.EndpointInfo{warehouse("wh1", nil)},
	}
	r := Evaluate(inv, Options{Division: testDivision, Host: "https://acme.cloud.databricks.com", WorkspaceID: "99",
		Now: time.Date(2026, 7, 14, 6, 5, 0, 0, time.UTC), MinCompliancePct: 90})
	s := TaggedSpendOf([]budget.Fact{fact("2026-06-03", explore, "12345.678"), fact("2026-06-04", budget.Unattributed, "321")}, day("2026-07-14"), "demo")
	r.TaggedSpend = &s
	r.Audit = &Audit{Log: ".stellar-state/audit.jsonl", Entries: 3, Head: "9f2c", ExpectedHead: "41aa", SinceExpected: 1, OK: true}
	return r
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it):\n%s", path, got)
	}
}

func TestWriteTable(t *testing.T) {
	var b bytes.Buffer
	if err := WriteTable(&b, sampleReport()); err != nil {
		t.Fatal(err)
	}
	golden(t, "table.golden", b.Bytes())
	if strings.ContainsAny(b.String(), "\t\x1b") {
		t.Error("a control character from a resource name reached the terminal")
	}
}

func TestWriteTableNoFindings(t *testing.T) {
	r := Evaluate(Inventory{Clusters: []compute.ClusterDetails{cluster("a", nil)}}, Options{Division: testDivision, MinCompliancePct: 100})
	r.Audit = &Audit{Log: "audit.jsonl", Error: "audit log audit.jsonl: line 2: the entry was edited"}
	var b bytes.Buffer
	if err := WriteTable(&b, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"No findings: every resource complies.",
		"Resources: 1 of 1 comply (100.0 %), meeting the 100 % target.",
		"Audit log does not verify: audit log audit.jsonl: line 2: the entry was edited",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("missing %q in\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "Spend") {
		t.Errorf("spend shown without spend:\n%s", b.String())
	}
}

func TestWriteJSON(t *testing.T) {
	r := sampleReport()
	var b bytes.Buffer
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.golden.json", b.Bytes())
	var back Report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Resources != r.Resources || len(back.Findings) != len(r.Findings) || back.Findings[0] != r.Findings[0] ||
		back.TaggedSpend.Total.Cmp(r.TaggedSpend.Total) != 0 || *back.Audit != *r.Audit || !back.CheckedAt.Equal(r.CheckedAt) {
		t.Errorf("read back\n%+v\nwant\n%+v", back, *r)
	}
}

func TestWriteJSONEmpty(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, Evaluate(Inventory{}, Options{})); err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	if f, ok := raw["findings"].([]any); !ok || len(f) != 0 {
		t.Errorf("findings = %#v, want []", raw["findings"])
	}
	for _, absent := range []string{"tagged_spend", "audit"} {
		if _, ok := raw[absent]; ok {
			t.Errorf("%s present without data", absent)
		}
	}
}
