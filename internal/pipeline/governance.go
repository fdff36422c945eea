package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/databricks/databricks-sdk-go"
	dbbilling "github.com/databricks/databricks-sdk-go/service/billing"

	"github.com/novadynamics/stellar-budget/internal/audit"
	"github.com/novadynamics/stellar-budget/internal/billing"
	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/compliance"
	"github.com/novadynamics/stellar-budget/internal/content"
	"github.com/novadynamics/stellar-budget/internal/dbclient"
	"github.com/novadynamics/stellar-budget/internal/demo"
	"github.com/novadynamics/stellar-budget/internal/report"
	"github.com/novadynamics/stellar-budget/internal/setup"
	"github.com/novadynamics/stellar-budget/internal/warehouse"
)

// complianceTargetPct is the share of resources the compliance page
// measures against: the PRD's "100 % tag compliance for new resources",
// the default of check's --min-compliance.
const complianceTargetPct = 100

// governanceTimeout bounds reading the workspace and the account, so a
// slow answer costs the page its compliance figures, not the build.
const governanceTimeout = 5 * time.Minute

// Notes of the parts a build does not read.
const (
	noteLiveOnly = "Read from a live workspace: build with --source databricks, or run generator check."
	noteOffline  = "Not read: an --offline build does not contact Databricks; run generator check, or build without --offline."
	noteNoState  = "No state directory (--state): the setup audit log is kept there."
	noteNoAudit  = "No setup audit log in the state directory: generator setup --apply writes it."
)

// governance fills rep.Governance: always the tagged share of last
// month's spend and the head of the setup audit log; with a live
// databricks build also the workspace's resource compliance and the
// drift of budgets and policies from content/. Nothing here fails the
// build: a part that cannot be read is logged and the page says why.
func governance(ctx context.Context, rep *report.Report, opts BuildOptions, log *slog.Logger) {
	g := &report.Governance{TaggedSpend: taggedSpend(rep, opts.Source.Kind())}
	g.Audit, g.AuditNote = auditHead(opts.StateDir, log)
	db, databricks := opts.Source.(DatabricksSource)
	switch {
	case !databricks:
		g.ResourcesNote, g.DriftNote = noteLiveOnly, noteLiveOnly
	case !db.Live():
		g.ResourcesNote, g.DriftNote = noteOffline, noteOffline
	default:
		ctx, cancel := context.WithTimeout(ctx, governanceTimeout)
		defer cancel()
		readLive(ctx, g, rep, opts, db, log)
	}
	rep.Governance = g
}

// LastMonthTaggedSpend sums the spend of the month before rep's as-of
// month by whether its tag matched a category. It reads the report's daily
// rows, the rounded figures the site shows, so the compliance page and
// `generator check` agree to the cent.
func LastMonthTaggedSpend(rep *report.Report, source string) compliance.TaggedSpend {
	facts := make([]budget.Fact, len(rep.Tables.CostByDay))
	for i, d := range rep.Tables.CostByDay {
		facts[i] = budget.Fact{Date: d.Date, Category: d.Category, DBUs: d.DBUs, Cost: d.Cost}
	}
	return compliance.TaggedSpendOf(facts, rep.AsOf, source)
}

// LastMonthWorkloadSpend is each job's and pipeline's spend in the month
// before rep's as-of month, from the report's workload rows: what check
// counts a serverless finding's misattributed spend from.
func LastMonthWorkloadSpend(rep *report.Report) compliance.WorkloadSpend {
	month := compliance.LastMonth(rep.AsOf)
	out := compliance.WorkloadSpend{}
	for _, w := range rep.Tables.CostByWorkload {
		if !w.Month.Equal(month) || (w.WorkloadType != report.WorkloadJob && w.WorkloadType != report.WorkloadPipeline) {
			continue
		}
		k := compliance.WorkloadKey{Kind: w.WorkloadType, ID: w.WorkloadID}
		out[k] = out[k].Add(w.Cost)
	}
	return out
}

// taggedSpend is LastMonthTaggedSpend in the report's terms, for the page.
func taggedSpend(rep *report.Report, source string) report.TaggedSpend {
	s := LastMonthTaggedSpend(rep, source)
	return report.TaggedSpend{
		Month: s.Month, Total: s.Total, Attributed: s.Attributed, Unattributed: s.Unattributed,
		Share: report.OneDecimal(s.AttributedPct),
	}
}

// auditHead verifies the setup audit log in stateDir. A broken chain is
// shown as broken, not a build failure: the site must say so.
func auditHead(stateDir string, log *slog.Logger) (*report.AuditHead, string) {
	if stateDir == "" {
		return nil, noteNoState
	}
	path := filepath.Join(stateDir, audit.FileName)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, noteNoAudit
	}
	head, err := audit.Verify(path, "")
	if err != nil {
		log.Error("setup audit log does not verify", "log", path, "err", err)
		return &report.AuditHead{Error: oneLine(err)}, ""
	}
	return &report.AuditHead{Hash: head.Hash, Entries: head.Entries, Verified: true}, ""
}

// readLive reads the workspace's resources and the account's budgets and
// policies. The two parts fail apart: the resource check needs the
// workspace only, drift needs the account too.
func readLive(ctx context.Context, g *report.Governance, rep *report.Report, opts BuildOptions, db DatabricksSource, log *slog.Logger) {
	div, err := content.Load(opts.ContentDir)
	if err != nil {
		// buildReport loaded it a moment ago: only a change in between gets here.
		note := "Not read: " + oneLine(err)
		g.ResourcesNote, g.DriftNote = note, note
		return
	}
	if c, err := resourceCompliance(ctx, div, rep.Titles(), opts, db.Config); err != nil {
		log.Warn("resource compliance not read", "err", err)
		g.ResourcesNote = "Not read: " + oneLine(err)
	} else {
		g.Resources = c
		log.Info("read resource compliance", "resources", c.Total, "compliant", c.Compliant, "findings", len(c.Findings))
	}
	if d, err := drift(ctx, div, rep, opts, db, log); err != nil {
		log.Warn("drift not read", "err", err)
		g.DriftNote = "Not read: " + oneLine(err)
	} else {
		g.Drift = d
		log.Info("read drift from content/", "checked", d.Checked, "drifted", len(d.Items))
	}
}

// workspaceClient is the workspace the build's warehouse wh is in:
// --profile, else the SDK's unified auth; tests set the SDK configuration.
func workspaceClient(wh warehouse.Config, log *slog.Logger) (*databricks.WorkspaceClient, error) {
	return dbclient.Workspace(dbclient.Options{Profile: wh.Profile, ConnectTimeout: wh.ConnectTimeout, Log: log, SDK: wh.SDK})
}

// accountPolicies connects to the account's budget policies, which
// serverless work is judged by: --account-profile, else the SDK's unified
// auth; tests set the SDK configuration sdk of a unified host.
func accountPolicies(profile string, sdk *databricks.Config) compliance.Account {
	return func() (dbbilling.BudgetPolicyInterface, error) {
		a, err := dbclient.Account(dbclient.Options{Profile: profile, SDK: sdk})
		if err != nil {
			return nil, err
		}
		return a.BudgetPolicy, nil
	}
}

// setupClients are the account and workspace services drift reads. An
// SDK configuration set by a test is a unified host serving both.
func setupClients(opts BuildOptions, wh warehouse.Config) (setup.Clients, error) {
	cfg := wh.SDK
	if cfg == nil {
		return setup.Connect(setup.ConnectOptions{
			AccountProfile: opts.AccountProfile, WorkspaceProfile: wh.Profile,
			ConnectTimeout: wh.ConnectTimeout, Log: opts.Log,
		})
	}
	a, err := dbclient.Account(dbclient.Options{SDK: cfg})
	if err != nil {
		return setup.Clients{}, err
	}
	w, err := dbclient.Workspace(dbclient.Options{SDK: cfg})
	if err != nil {
		return setup.Clients{}, err
	}
	return setup.ClientsFrom(a, w), nil
}

// resourceCompliance judges the workspace's clusters, jobs, warehouses and
// pipelines as `generator check` does.
func resourceCompliance(ctx context.Context, div budget.Division, titles map[string]string, opts BuildOptions, wh warehouse.Config) (*report.ResourceCompliance, error) {
	w, err := workspaceClient(wh, opts.Log)
	if err != nil {
		return nil, err
	}
	r, err := compliance.Check(ctx, w, accountPolicies(opts.AccountProfile, wh.SDK), compliance.Options{
		Division: div, Host: w.Config.CanonicalHostName(), WorkspaceID: w.Config.WorkspaceID,
		Now: opts.Now, MinCompliancePct: complianceTargetPct,
	})
	if err != nil {
		return nil, fmt.Errorf("read the workspace's resources: %w", err)
	}
	share := r.Resources.CompliancePct
	target := float64(complianceTargetPct)
	c := &report.ResourceCompliance{
		CheckedAt: r.CheckedAt, Workspace: r.Workspace,
		Total: r.Resources.Total, Compliant: r.Resources.Compliant,
		Share: report.OneDecimal(&share), Target: report.OneDecimal(&target), Passed: r.Passed,
		Findings: make([]report.Finding, len(r.Findings)),
	}
	for i, f := range r.Findings {
		category := f.Category
		if t, ok := titles[f.Category]; ok {
			category = t
		}
		c.Findings[i] = report.Finding{
			Kind: f.Kind, ID: f.ID, Name: f.Name, Category: category, CategorySlug: f.CategorySlug,
			Owner: f.Owner, Rule: string(f.Rule), Explanation: f.Explanation, Link: f.Link,
		}
	}
	return c, nil
}

// drift compares the account's budgets and policies with content/, for the
// budgets in force in the report's month.
func drift(ctx context.Context, div budget.Division, rep *report.Report, opts BuildOptions, db DatabricksSource, log *slog.Logger) (*report.Drift, error) {
	clients, err := setupClients(opts, db.Config)
	if err != nil {
		return nil, err
	}
	variants, err := tagSpellings(ctx, div, rep, db, log)
	if err != nil {
		return nil, err
	}
	d, err := setup.Drift(ctx, clients, div, setup.Options{AsOf: rep.AsOf, Variants: variants})
	if err != nil {
		return nil, fmt.Errorf("read budgets and policies: %w", err)
	}
	out := &report.Drift{Checked: d.Checked, Items: make([]report.DriftItem, len(d.Items))}
	titles := map[string]string{}
	for _, c := range div.Categories {
		titles[c.Slug] = c.Title
	}
	for i, it := range d.Items {
		changes := make([]string, len(it.Changes))
		for j, ch := range it.Changes {
			changes[j] = report.DriftChange(ch.Field, ch.Before, ch.After)
		}
		out.Items[i] = report.DriftItem{
			Category: titles[it.Category], CategorySlug: it.Category, Kind: string(it.Kind), What: it.What,
			Key: it.Key, Name: it.Name, ID: it.ID, State: it.State, Changes: changes,
		}
	}
	return out, nil
}

// tagSpellings are the spellings of each category's tag that the
// account's usage carries in the report's window, read on the warehouse:
// the build's facts hold the canonical value only. They are what `setup
// --source databricks` filters the budgets on, so drift is what that plan
// would change.
func tagSpellings(ctx context.Context, div budget.Division, rep *report.Report, db DatabricksSource, log *slog.Logger) (map[string][]string, error) {
	seen, err := warehouse.Source{Config: db.Config, Log: log}.TagSpellings(ctx, db.Window(rep.AsOf).From)
	if err != nil {
		return nil, err
	}
	return setup.GroupVariants(div.TagValues(), seen), nil
}

// DemoTagSpellings lists the OperationalCategory values the demo account's
// usage carries as of asOf, as written, each once: the spellings setup
// filters budgets on for the account the emulator serves.
func DemoTagSpellings(div budget.Division, asOf time.Time) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	err := demo.Usage(demo.Config{Division: div, Through: asOf.AddDate(0, 0, 1)}, func(r billing.UsageRecord) error {
		if v, ok := r.CustomTags[budget.CategoryTagKey]; ok && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the demo account's tag spellings: %w", err)
	}
	return out, nil
}

// oneLine keeps an error on one line of the page: SDK errors can carry
// a response body.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
