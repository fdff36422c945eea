package site

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/governance"
	sitetemplates "github.com/novadynamics/stellar-budget/site-templates"
)

const head = "3f1c0de5a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2"

// governed is what a live build reads, with hostile names wherever a
// workspace or account lets anyone write one.
func governed() *governance.Governance {
	share := 97.2
	return &governance.Governance{
		TaggedSpend: governance.TaggedSpend{
			Month: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), Total: budget.MustDecimal("100"),
			Attributed: budget.MustDecimal("97.25"), Unattributed: budget.MustDecimal("2.75"), AttributedPct: &share,
		},
		Resources: &governance.ResourceCompliance{
			CheckedAt: time.Date(2026, 3, 10, 6, 40, 0, 0, time.UTC), Workspace: "https://dbc-1.cloud.databricks.com",
			Total: 8, Compliant: 6, SharePct: 75, TargetPct: 100,
			Findings: []governance.Finding{
				{Kind: "cluster", ID: "0310-abc", Name: hostileOwners[0], Category: "Alpha & Omega", CategorySlug: "alpha",
					Owner: hostileTag, Rule: "missing_tag", Explanation: `missing tag Owner <b>now</b>`,
					Link: "https://dbc-1.cloud.databricks.com/compute/clusters/0310-abc?o=1"},
				{Kind: "job", ID: "42", Name: "", Category: budget.Unattributed, Owner: "(unknown)", Rule: "no_policy",
					Explanation: "no cluster policy", Link: "javascript:alert(1)"},
			},
		},
		Drift: &governance.Drift{Checked: 10, Items: []governance.DriftItem{{
			Category: "Alpha & Omega", CategorySlug: "alpha", Kind: "budget", What: "budget",
			Key: "stellar-budget:SAD:alpha:75", Name: "stellar-budget:SAD:alpha:75 — " + hostileTag, ID: "b-1", State: "differs",
			Changes: []string{governance.DriftChange("alert.quantity_threshold", "99999", "15000.00"), governance.DriftChange("filter", "", `<script>x</script>`)},
		}, {
			Category: "Alpha & Omega", CategorySlug: "alpha", Kind: "cluster_policy", What: "cluster policy",
			Key: "stellar-budget:SAD:alpha:jobs", Name: "SAD Alpha (jobs)", State: "missing",
			Changes: []string{governance.DriftChange("name", "", "SAD Alpha (jobs)")},
		}}},
		Audit: &governance.AuditHead{Hash: head, Entries: 61, Verified: true},
	}
}

func renderGoverned(t *testing.T, g *governance.Governance) string {
	t.Helper()
	r := testReport(t)
	dir := t.TempDir()
	if err := Render(r, Options{Templates: sitetemplates.FS, Dir: dir, Now: now, Governance: g}); err != nil {
		t.Fatalf("Render: %v", err)
	}
	return dir
}

func TestCompliancePage(t *testing.T) {
	broken := governed()
	broken.Audit = &governance.AuditHead{Error: "audit log .stellar-state/audit.jsonl: line 2: <hash> does not match"}
	notRead := governed()
	notRead.Resources, notRead.ResourcesNote = nil, "Not read: workspace configuration: no host"
	notRead.Drift, notRead.DriftNote = nil, "Not read: account configuration: no account id"
	notRead.Audit, notRead.AuditNote = nil, "No setup audit log in the state directory: generator setup --apply writes it."

	tests := []struct {
		name       string
		governance *governance.Governance
		file       string
		want       []string
		not        []string
	}{
		{name: "figures, findings, drift, audit", governance: governed(), file: "compliance/index.html", want: []string{
			`<title>Compliance — Stellar Budget</title>`,
			`<link rel="stylesheet" href="../css/site.css">`,
			`<a href="../compliance/index.html" aria-current="page">Compliance</a>`,
			`<a href="../report/index.html">Report</a>`,
			`<dt>Resources that comply</dt><dd>75.0 %</dd>`,
			`<dt>Target 100.0 %</dt><dd>missed: 2 of 8 break a rule</dd>`,
			`<dt>Feb 2026 spend correctly tagged</dt><dd>97.2 %</dd>`,
			`6 of 8 resources comply. $97.25 of Feb 2026's $100.00 was tagged to a category; $2.75 was not.`,
			`2 of 8 resources break 2 rules, read from <code>https://dbc-1.cloud.databricks.com</code> at 2026-03-10 06:40 UTC`,
			// The finding links out, its name and owner escaped.
			`<a href="https://dbc-1.cloud.databricks.com/compute/clusters/0310-abc?o=1" rel="noopener">&lt;script&gt;alert(1)&lt;/script&gt;</a>`,
			`<td class="wrap">&#34;&gt;&lt;img src=x onerror=alert(1)&gt;</td>`,
			`<a href="../categories/alpha/index.html">Alpha &amp; Omega</a>`,
			`missing tag Owner &lt;b&gt;now&lt;/b&gt;`,
			// A link that is not a URL is defused; a nameless resource shows its id.
			`<a href="#ZgotmplZ" rel="noopener">42</a>`,
			`<td>Unattributed</td>`,
			`2 of 10 budgets, policies and grants differ from the configuration`,
			`<th scope="row">cluster policy<span class="range">SAD Alpha (jobs) (<code>stellar-budget:SAD:alpha:jobs</code>)</span></th>`,
			`<td>missing</td>
        <td class="why">setup --apply creates it</td>`,
			`<th scope="row">budget<span class="range">stellar-budget:SAD:alpha:75 — &#34;&gt;&lt;img src=x onerror=alert(1)&gt;</span></th>`,
			`alert.quantity_threshold: 99999 → 15000.00<br>filter: (none) → &lt;script&gt;x&lt;/script&gt;`,
			`<td>differs</td>`,
			`Head <code>` + head + `</code> after 61 entries`,
			`<dt>Setup audit head</dt><dd><code>3f1c0de5a9b8…</code> (61 entries, verified)</dd>`,
			`files: <code>exports/usage-&lt;march&gt;.csv</code>`,
		}},
		{name: "master page: link and audit head", governance: governed(), file: "index.html", want: []string{
			`<a href="compliance/index.html">Compliance</a>`,
			`<dt>Setup audit head</dt><dd><code>3f1c0de5a9b8…</code> (61 entries, verified)</dd>`,
		}},
		{name: "broken audit log", governance: broken, file: "compliance/index.html", want: []string{
			`<strong>The setup audit log is broken.</strong> audit log .stellar-state/audit.jsonl: line 2: &lt;hash&gt; does not match`,
			`<dt>Setup audit head</dt><dd><a href="../compliance/index.html#audit-heading">broken</a></dd>`,
		}, not: []string{"verified)"}},
		{name: "parts not read", governance: notRead, file: "compliance/index.html", want: []string{
			`<dt>Resources that comply</dt><dd>not read</dd>`,
			`Resource compliance: Not read: workspace configuration: no host $97.25 of Feb 2026's`,
			`<p class="note">Not read: workspace configuration: no host</p>`,
			`<p class="note">Not read: account configuration: no account id</p>`,
			`<p class="note">No setup audit log in the state directory: generator setup --apply writes it.</p>`,
			`97.2 %`,
		}, not: []string{"Setup audit head", "<table", "<dt>Target</dt>"}},
		{name: "no governance: no page, no link", governance: nil, file: "index.html", not: []string{"compliance/index.html", "Setup audit head"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := renderGoverned(t, tc.governance)
			page := readFile(t, filepath.Join(dir, tc.file))
			for _, w := range tc.want {
				if !strings.Contains(page, w) {
					t.Errorf("%s lacks %q", tc.file, w)
				}
			}
			for _, bad := range append(tc.not, "<script>", "<img", "<b>", "javascript:") {
				if strings.Contains(page, bad) {
					t.Errorf("%s contains %q", tc.file, bad)
				}
			}
			_, err := os.Stat(filepath.Join(dir, "compliance", "index.html"))
			if exists := err == nil; exists != (tc.governance != nil) {
				t.Errorf("compliance page exists: %v, with governance: %v", exists, tc.governance != nil)
			}
		})
	}
}

func TestSnapshotCompliance(t *testing.T) {
	broken := governed()
	broken.Audit = &governance.AuditHead{Error: "broken"}
	notRead := governed()
	notRead.Resources, notRead.Drift, notRead.Audit = nil, nil, nil
	tests := []struct {
		name       string
		governance *governance.Governance
		want       string
	}{
		{"read", governed(), `{"compliance_pct":"75.0","target_pct":"100.0","tagged_spend_pct":"97.2","tagged_spend_month":"2026-02","findings":2,"drifted":2,"audit_head":"` + head + `","audit_verified":true}`},
		{"broken audit log", broken, `{"compliance_pct":"75.0","target_pct":"100.0","tagged_spend_pct":"97.2","tagged_spend_month":"2026-02","findings":2,"drifted":2,"audit_head":"","audit_verified":false}`},
		{"not read", notRead, `{"compliance_pct":null,"target_pct":null,"tagged_spend_pct":"97.2","tagged_spend_month":"2026-02","findings":null,"drifted":null,"audit_head":"","audit_verified":false}`},
		{"no governance", nil, `null`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var snap struct {
				Compliance json.RawMessage `json:"compliance"`
			}
			dir := renderGoverned(t, tc.governance)
			if err := json.Unmarshal([]byte(readFile(t, filepath.Join(dir, "data", "snapshot.json"))), &snap); err != nil {
				t.Fatal(err)
			}
			// Compared in the struct's key order, as written.
			var got bytes.Buffer
			if err := json.Compact(&got, snap.Compliance); err != nil {
				t.Fatal(err)
			}
			if got.String() != tc.want {
				t.Errorf("compliance = %s\nwant         %s", got.String(), tc.want)
			}
		})
	}
}
