package compliance

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/jobs"
	"github.com/databricks/databricks-sdk-go/service/sql"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/governance"
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
	june := func(d int) time.Time { return time.Date(2026, 6, d, 0, 0, 0, 0, time.UTC) }
	s := governance.TaggedSpendOf([]budget.Fact{
		{Date: june(3), Category: explore, Cost: budget.MustDecimal("12345.678")},
		{Date: june(4), Category: budget.Unattributed, Cost: budget.MustDecimal("321")},
	}, time.Date(2026, 7, 14, 0, 0, 0, 0, time.UTC), "demo")
	r.TaggedSpend = &s
	r.Audit = &Audit{Log: ".stellar-state/audit.jsonl", Entries: 3, Head: "9f2c", ExpectedHead: "41aa", SinceExpected: 1, OK: true,
		OpenIntents: []OpenIntent{{Seq: 3, Time: time.Date(2026, 11, 23, 9, 0, 5, 0, time.UTC), Action: "create", Kind: "budget_policy", Key: "stellar-budget:SAD:orbital-mechanics"}}}
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
	if strings.ContainsAny(b.String(), "\t\x1b") {
		t.Error("a control character from a resource name reached the terminal")
	}
}

// wideReport has the cells that made the old one-row-per-finding table
// hundreds of columns wide: a long name with spaces, a name without any,
// non-ASCII text, a long explanation and a link longer than a line.
func wideReport() *Report {
	res := Resource{
		Kind: KindPipeline, ID: "fc0f0968-3407-43df-9c61-2b63287e8a93",
		Name:     "Navigation Systems raw ingest (legacy) from the old telemetry bus, kept for the audit until the archive moves",
		Category: budget.Unattributed, Owner: "ethan.brooks@novadynamics.test",
		Link: "https://dbc-a1b2c3d4-e5f6.cloud.databricks.com/pipelines/fc0f0968-3407-43df-9c61-2b63287e8a93?o=1234567890123456",
	}
	unbroken := Resource{
		Kind: KindCluster, ID: "0810-055227-7txpw345", Name: strings.Repeat("scratch-", 16) + "données-é",
		Category: explore, Owner: "priya.raman@novadynamics.test", Link: "https://acme.cloud.databricks.com/compute/clusters/0810-055227-7txpw345?o=99",
	}
	return &Report{
		Workspace: "https://acme.cloud.databricks.com", CheckedAt: time.Date(2026, 7, 14, 6, 5, 0, 0, time.UTC),
		MinCompliancePct: 100, Resources: countsOf(9, 7),
		ByKind: []KindCounts{{KindCluster, countsOf(4, 3)}, {KindJob, countsOf(2, 2)}, {KindWarehouse, countsOf(1, 1)}, {KindPipeline, countsOf(2, 1)}},
		Findings: []Finding{
			{Resource: unbroken, Rule: RuleAutoterminationOverLimit, Explanation: "autotermination after 240 minutes idle (the category allows at most 60)"},
			{Resource: unbroken, Rule: RuleNoPolicy, Explanation: "no cluster policy: it is not bound by the category's tags and limits"},
			{Resource: res, Rule: RuleMissingTag, Explanation: "missing tags OperationalCategory (its spend is unattributed), Team (want SAD), CostCenter (want ND-Analytics), Environment (want DEV or PROD), Owner (want the e-mail of the person responsible)"},
			{Resource: res, Rule: RuleNoPolicy, Explanation: "no cluster policy: it is not bound by the category's tags and limits"},
		},
	}
}

// TestWriteTableWidth: no line is wider than TableWidth runes, except a
// link, which is never broken; the golden file shows the wrapped layout.
func TestWriteTableWidth(t *testing.T) {
	for _, tc := range []struct {
		name, golden string
		report       *Report
	}{
		{name: "sample", golden: "table.golden", report: sampleReport()},
		{name: "wide cells", golden: "table-wrapped.golden", report: wideReport()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteTable(&b, tc.report); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.golden, b.Bytes())
			links := map[string]bool{}
			for _, f := range tc.report.Findings {
				links["  "+f.Link] = true
			}
			for i, line := range strings.Split(b.String(), "\n") {
				if n := utf8.RuneCountInString(line); n > TableWidth && !links[line] {
					t.Errorf("line %d is %d columns wide, want at most %d:\n%s", i+1, n, TableWidth, line)
				}
			}
			for _, f := range tc.report.Findings {
				if !strings.Contains(b.String(), "\n  "+f.Link+"\n") {
					t.Errorf("the link %s is not whole on its own line", f.Link)
				}
			}
		})
	}
}

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		name, text  string
		width       int
		first, rest string
		want        []string
	}{
		{name: "fits", text: "no cluster policy", width: 20, first: "  ", rest: "    ", want: []string{"  no cluster policy"}},
		{name: "exactly the width", text: "abc def", width: 9, first: "> ", want: []string{"> abc def"}},
		{name: "breaks at spaces", text: "one two three four", width: 10, first: "", rest: "  ", want: []string{"one two", "  three", "  four"}},
		{name: "keeps a run of spaces inside a line", text: "adhoc big  red", width: 20, want: []string{"adhoc big  red"}},
		{name: "drops the spaces at a break", text: "aaaa    bbbb", width: 6, want: []string{"aaaa", "bbbb"}},
		{name: "breaks a word longer than a line where it starts", text: "ab 0123456789abc", width: 8, rest: "  ", want: []string{"ab 01234", "  56789a", "  bc"}},
		{name: "breaks a long word on the next line when the line is full", text: "abcdefg 0123456789", width: 8, want: []string{"abcdefg", "01234567", "89"}},
		{name: "counts runes, not bytes", text: "ééééé ééééé", width: 11, want: []string{"ééééé ééééé"}},
		{name: "empty", text: "", width: 10, first: "  ", want: []string{""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := wrap(tc.text, tc.width, tc.first, tc.rest); !slices.Equal(got, tc.want) {
				t.Errorf("wrap(%q, %d) =\n%q\nwant\n%q", tc.text, tc.width, got, tc.want)
			}
		})
	}
}

func TestWriteTableNoFindings(t *testing.T) {
	r := Evaluate(Inventory{Clusters: []compute.ClusterDetails{cluster("a", nil)}}, Options{Division: testDivision, MinCompliancePct: 100})
	r.Audit = &Audit{Log: "audit.jsonl", Error: "audit log audit.jsonl: line 2: the entry was edited"}
	r.Trail = &Audit{Log: "main.stellar.agent_trail", Entries: 12, Head: "9f2c", ExpectedHead: "41aa", SinceExpected: 3, OK: true}
	var b bytes.Buffer
	if err := WriteTable(&b, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"No findings: every resource complies.",
		"Resources: 1 of 1 comply (100.0 %), meeting the 100 % target.",
		"Audit log does not verify: audit log audit.jsonl: line 2: the entry was edited",
		"Agent trail main.stellar.agent_trail: 12 entries, head 9f2c, verified; 3 after the expected head.",
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
		back.TaggedSpend.Total.Cmp(r.TaggedSpend.Total) != 0 || !reflect.DeepEqual(back.Audit, r.Audit) || !back.CheckedAt.Equal(r.CheckedAt) {
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
