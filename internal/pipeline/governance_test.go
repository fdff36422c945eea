package pipeline

import (
	"encoding/csv"
	"fmt"
	"html"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/service/billing"

	"github.com/novadynamics/stellar-budget/internal/audit"
	"github.com/novadynamics/stellar-budget/internal/audit/audittest"
	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/compliance"
	"github.com/novadynamics/stellar-budget/internal/content"
	"github.com/novadynamics/stellar-budget/internal/emulator"
	"github.com/novadynamics/stellar-budget/internal/setup"
	"github.com/novadynamics/stellar-budget/internal/snapshot"
	"github.com/novadynamics/stellar-budget/internal/warehouse"
)

func readCompliance(t *testing.T, out string) snapshot.Compliance {
	t.Helper()
	snap, err := snapshot.ReadFile(filepath.Join(out, filepath.FromSlash(snapshot.Path)))
	if err != nil {
		t.Fatal(err)
	}
	if snap.Compliance == nil {
		t.Fatal("snapshot.json has no compliance object")
	}
	return *snap.Compliance
}

// orNull prints a snapshot field as JSON does.
func orNull[T any](p *T) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

func readPage(t *testing.T, out, page string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(page)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// lastMonthShare sums last month's rows of a build's cost_by_day.csv:
// the tagged share the compliance page must show, in tenths of a percent
// rounded half up, with the two amounts.
func lastMonthShare(t *testing.T, out string, asOf time.Time) (tenths int64, attributed, total budget.Decimal) {
	t.Helper()
	f, err := os.Open(filepath.Join(out, "downloads", "cost_by_day.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	month := asOf.AddDate(0, -1, 0).Format("2006-01")
	for _, row := range rows[1:] { // date, category, dbus, list_cost_usd
		if !strings.HasPrefix(row[0], month) {
			continue
		}
		cost := budget.MustDecimal(row[3])
		total = total.Add(cost)
		if row[1] != budget.Unattributed {
			attributed = attributed.Add(cost)
		}
	}
	if total.Sign() <= 0 {
		t.Fatalf("no spend in %s", month)
	}
	r := new(big.Rat).Quo(attributed.Rat(), total.Rat())
	r.Mul(r, big.NewRat(1000, 1))
	r.Add(r, big.NewRat(1, 2))
	return new(big.Int).Quo(r.Num(), r.Denom()).Int64(), attributed, total
}

// TestGovernanceDemoBuild: a demo build's compliance page shows the share
// of last month's spend that was tagged (as the CSV adds it up), says that
// resource compliance and drift come from a live workspace, and shows the
// head of the setup audit log in the state directory, on the page and in
// the master page's data section.
func TestGovernanceDemoBuild(t *testing.T) {
	state := t.TempDir()
	head := audittest.Append(t, state, 3, goldenNow)
	out := filepath.Join(t.TempDir(), "public")
	o := options(out)
	o.StateDir = state
	if _, err := Build(t.Context(), o); err != nil {
		t.Fatal(err)
	}
	page := readPage(t, out, "compliance/index.html")
	snap := readCompliance(t, out)

	tenths, attributed, total := lastMonthShare(t, out, goldenAsOf)
	share := fmt.Sprintf("%d.%d", tenths/10, tenths%10)
	if snap.TaggedSpendPct == nil || string(*snap.TaggedSpendPct) != share {
		t.Errorf("snapshot tagged_spend_pct %v, want %s", snap.TaggedSpendPct, share)
	}
	for _, want := range []string{
		"<dt>Oct 2026 spend correctly tagged</dt><dd>" + share + " %</dd>",
		attributed.USD() + " of Oct 2026's " + total.USD() + " was tagged to a category",
		`<dt>Resources that comply</dt><dd>not read</dd>`,
		`Head <code>` + head.Hash + `</code> after 3 entries`,
		`<dt>Setup audit head</dt><dd><code>` + head.Hash[:12] + `…</code> (3 entries, verified)</dd>`,
		`<dt>Source</dt><dd>demo`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("compliance page lacks %q", want)
		}
	}
	if n := strings.Count(page, html.EscapeString(compliance.NoteLiveOnly)); n != 3 { // the figures' note, findings, drift
		t.Errorf("the live-workspace note appears %d times, want 3", n)
	}
	master := readPage(t, out, "index.html")
	for _, want := range []string{`<a href="compliance/index.html">Compliance</a>`, `<code>` + head.Hash[:12] + `…</code> (3 entries, verified)`} {
		if !strings.Contains(master, want) {
			t.Errorf("master page lacks %q", want)
		}
	}
	if snap.CompliancePct != nil || snap.Findings != nil || snap.Drifted != nil || snap.AuditHead != head.Hash || !snap.AuditVerified {
		t.Errorf("snapshot: compliance %s, findings %s, drifted %s, audit head %q verified %v; want no resources or drift, audit head %s",
			orNull(snap.CompliancePct), orNull(snap.Findings), orNull(snap.Drifted), snap.AuditHead, snap.AuditVerified, head.Hash)
	}
}

// emulatorConfig points the SDK at the emulator as a unified host, with
// nothing read from the machine's ~/.databrickscfg.
func emulatorConfig(emu *emulator.Running) *databricks.Config {
	cfg := emu.Config()
	cfg.RateLimitPerSecond = 1000
	return cfg
}

// demoSpellings are the category tag spellings of the demo account, the
// one the emulator serves, grouped as setup filters budgets on them.
func demoSpellings(t *testing.T, div budget.Division) map[string][]string {
	t.Helper()
	values, err := DemoTagSpellings(div, goldenAsOf)
	if err != nil {
		t.Fatal(err)
	}
	variants := setup.GroupVariants(div.TagValues(), values)
	if len(variants) == 0 {
		t.Fatal("the demo account has no tag spellings: drift would not be tested with them")
	}
	return variants
}

// TestGovernanceDatabricks builds from the emulated account through the
// real SDK: the compliance page shows the seeded workspace's findings as
// `check` finds them, every budget and policy missing before setup, the
// one budget edited by hand after it, and the audit head setup --apply
// wrote. A broken audit log and an account that cannot be read are
// shown, and the build still publishes.
func TestGovernanceDatabricks(t *testing.T) {
	div, err := content.Load("../../content")
	if err != nil {
		t.Fatal(err)
	}
	tables := systemTables(t)
	emu, err := emulator.Start("127.0.0.1:0", emulator.Options{AsOf: goldenAsOf, Division: div, SQL: tables, Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	state := t.TempDir()
	out := filepath.Join(t.TempDir(), "public")
	build := func(t *testing.T, cfg *databricks.Config) (string, snapshot.Compliance) {
		t.Helper()
		o := options(out)
		o.StateDir, o.AsOf = state, time.Time{}
		o.Source = DatabricksSource{Config: warehouse.Config{WarehouseID: emu.DefaultWarehouseID(), SDK: cfg, PollInterval: 10 * time.Millisecond, RetryBackoff: 10 * time.Millisecond}}
		if _, err := Build(t.Context(), o); err != nil {
			t.Fatal(err)
		}
		return readPage(t, out, "compliance/index.html"), readCompliance(t, out)
	}

	// What `check` finds, read apart from the build.
	w, err := databricks.NewWorkspaceClient(emulatorConfig(emu))
	if err != nil {
		t.Fatal(err)
	}
	// Serverless work is judged by the budget policies setup makes, so
	// what check finds changes with setup.
	check := func(t *testing.T) *compliance.Report {
		t.Helper()
		want, err := compliance.Check(t.Context(), w, accountPolicies("", emulatorConfig(emu)), compliance.Options{
			Division: div, Host: w.Config.CanonicalHostName(), WorkspaceID: w.Config.WorkspaceID, Now: goldenNow, MinCompliancePct: 100,
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(want.Findings) == 0 {
			t.Fatal("the seeded workspace has no findings")
		}
		return want
	}
	findings := func(t *testing.T, page string, snap snapshot.Compliance) {
		t.Helper()
		want := check(t)
		wantPct := fmt.Sprintf("%.1f", want.Resources.CompliancePct)
		if snap.Findings == nil || *snap.Findings != len(want.Findings) || snap.CompliancePct == nil || string(*snap.CompliancePct) != wantPct {
			t.Errorf("snapshot: %s findings at %s %%, want %d at %s %%", orNull(snap.Findings), orNull(snap.CompliancePct), len(want.Findings), wantPct)
		}
		caption := fmt.Sprintf("%d of %d resources break %d rules, read from <code>%s</code>", want.Resources.NonCompliant, want.Resources.Total, len(want.Findings), emu.URL)
		for _, s := range []string{caption, `<a href="` + want.Findings[0].Link + `" rel="noopener">`, `<dt>Resources that comply</dt><dd>` + wantPct + ` %`} {
			if !strings.Contains(page, s) {
				t.Errorf("compliance page lacks %q", s)
			}
		}
	}

	t.Run("before setup every object is missing", func(t *testing.T) {
		page, snap := build(t, emulatorConfig(emu))
		findings(t, page, snap)
		missing := strings.Count(page, "<td>missing</td>")
		if snap.Drifted == nil || *snap.Drifted != missing || missing < 3*len(div.Categories) || strings.Contains(page, "<td>differs</td>") {
			t.Errorf("drifted %s, %d missing rows; want every object missing", orNull(snap.Drifted), missing)
		}
		if !strings.Contains(page, fmt.Sprintf("%d of %d budgets, policies and grants differ", missing, missing)) {
			t.Error("the drift caption does not count every object")
		}
		if !strings.Contains(page, html.EscapeString(compliance.NoteNoAudit)) || snap.AuditHead != "" {
			t.Errorf("audit head %q before any setup", snap.AuditHead)
		}
	})

	// setup --apply with the spellings of the data, then a budget edited
	// by hand.
	acct, err := databricks.NewAccountClient(emulatorConfig(emu))
	if err != nil {
		t.Fatal(err)
	}
	clients := setup.ClientsFrom(acct, w)
	plan, err := setup.NewPlan(t.Context(), clients, div, setup.Options{AsOf: goldenAsOf, Variants: demoSpellings(t, div)})
	if err != nil {
		t.Fatal(err)
	}
	res, err := setup.Apply(t.Context(), clients, plan, setup.ApplyOptions{AuditLog: filepath.Join(state, audit.FileName), Actor: "admin@example.test", Now: func() time.Time { return goldenNow }})
	if err != nil {
		t.Fatal(err)
	}
	budgets, err := acct.Budgets.ListAll(t.Context(), billing.ListBudgetConfigurationsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var edited *billing.BudgetConfiguration
	for i, b := range budgets {
		if strings.HasPrefix(b.DisplayName, "stellar-budget:SAD:materials-science:100 ") {
			edited = &budgets[i]
		}
	}
	if edited == nil || len(edited.AlertConfigurations) != 1 {
		t.Fatalf("no materials-science 100%% budget with one alert among %d budgets", len(budgets))
	}
	edited.AlertConfigurations[0].QuantityThreshold = "99999"
	_, err = acct.Budgets.Update(t.Context(), billing.UpdateBudgetConfigurationRequest{BudgetId: edited.BudgetConfigurationId, Budget: billing.UpdateBudgetConfigurationBudget{
		BudgetConfigurationId: edited.BudgetConfigurationId, DisplayName: edited.DisplayName, Filter: edited.Filter, AlertConfigurations: edited.AlertConfigurations,
	}})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("after setup one budget edited by hand", func(t *testing.T) {
		page, snap := build(t, emulatorConfig(emu))
		findings(t, page, snap)
		if snap.Drifted == nil || *snap.Drifted != 1 || strings.Count(page, "<td>differs</td>") != 1 || strings.Contains(page, "<td>missing</td>") {
			t.Errorf("drifted %s; want the one budget edited by hand", orNull(snap.Drifted))
		}
		for _, s := range []string{
			"alert.quantity_threshold: 99999 → ",
			html.EscapeString(edited.DisplayName),
			`Head <code>` + res.Head.Hash + `</code> after ` + fmt.Sprint(res.Head.Entries) + ` entries`,
		} {
			if !strings.Contains(page, s) {
				t.Errorf("compliance page lacks %q", s)
			}
		}
		if snap.AuditHead != res.Head.Hash || !snap.AuditVerified {
			t.Errorf("snapshot audit head %q, want %q", snap.AuditHead, res.Head.Hash)
		}
	})

	t.Run("a broken log and an unreadable account do not fail the build", func(t *testing.T) {
		audittest.Tamper(t, state)
		cfg := emulatorConfig(emu)
		// The workspace answers (to its PAT: OAuth on a unified host needs
		// the account id); the account has no id to be reached by.
		cfg.AccountID, cfg.ClientID, cfg.ClientSecret, cfg.Token = "", "", "", emu.PAT()
		page, snap := build(t, cfg)
		// The seeded serverless work cannot be judged without the
		// account's budget policies: no share rather than a wrong one.
		if snap.Findings != nil || snap.CompliancePct != nil {
			t.Errorf("snapshot: %s findings at %s %%, want none read", orNull(snap.Findings), orNull(snap.CompliancePct))
		}
		for _, s := range []string{"<strong>The setup audit log is broken.</strong>", `<p class="note">Not read: account configuration: `,
			`<p class="note">` + html.EscapeString("Not read: read the workspace's resources: serverless jobs and pipelines are judged by their budget policy, which the account holds: account configuration: ")} {
			if !strings.Contains(page, s) {
				t.Errorf("compliance page lacks %q", s)
			}
		}
		if snap.Drifted != nil || snap.AuditVerified || snap.AuditHead != "" {
			t.Errorf("snapshot drifted %s, audit head %q verified %v; want no drift and an unverified audit log", orNull(snap.Drifted), snap.AuditHead, snap.AuditVerified)
		}
		if master := readPage(t, out, "index.html"); !strings.Contains(master, `<dt>Setup audit head</dt><dd><a href="compliance/index.html#audit-heading">broken</a>`) {
			t.Error("the master page does not say the audit log is broken")
		}
	})
}
