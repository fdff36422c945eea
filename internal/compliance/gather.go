package compliance

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

	"github.com/novadynamics/stellar-budget/internal/audit"
	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/content"
	"github.com/novadynamics/stellar-budget/internal/governance"
	"github.com/novadynamics/stellar-budget/internal/setup"
)

// pageTargetPct is the share of resources the compliance page measures
// against: the PRD's "100 % tag compliance for new resources", the
// default of check's --min-compliance.
const pageTargetPct = 100

// liveTimeout bounds reading the workspace and the account, so a slow
// answer costs the page its compliance figures, not the build.
const liveTimeout = 5 * time.Minute

// Notes of the parts a build does not read.
const (
	NoteLiveOnly = "Read from a live workspace: build with --source databricks, or run generator check."
	NoteOffline  = "Not read: an --offline build does not contact Databricks; run generator check, or build without --offline."
	NoteNoState  = "No state directory (--state): the setup audit log is kept there."
	NoteNoAudit  = "No setup audit log in the state directory: generator setup --apply writes it."
)

// Page is what a build has for the compliance page.
type Page struct {
	// Facts are the build's daily facts, at the rounding the site shows,
	// so the page and `generator check` agree to the cent.
	Facts  []budget.Fact
	AsOf   time.Time
	Source string // the build's source kind: demo, files or databricks
	// StateDir holds the setup audit log; "" when the build keeps no state.
	StateDir string
	// Titles are the configured categories' titles by tag value.
	Titles map[string]string
	// Databricks says the build reads a Databricks account; Live is how
	// to reach it, nil for an --offline build.
	Databricks bool
	Live       *Live
}

// Live is how to reach the workspace and the account. The pipeline
// chooses the clients (profiles, unified auth, a test's SDK
// configuration); each is connected only when its part is read, and a
// failure costs that part only.
type Live struct {
	ContentDir string    // read again: drift compares the account with it
	Now        time.Time // the time the check is stamped with
	Workspace  func() (*databricks.WorkspaceClient, error)
	Account    Account
	Setup      func() (setup.Clients, error)
	// TagSpellings are the spellings of the category tag the account's
	// usage carries in the build's window, as written: the build's facts
	// hold the canonical value only.
	TagSpellings func(context.Context) ([]string, error)
}

// Gather reads the compliance page's data: always the tagged share of last
// month's spend and the head of the setup audit log; with a live
// Databricks build also the workspace's resource compliance and the drift
// of budgets and policies from content/. Nothing here fails the build: a
// part that cannot be read is logged and the page says why.
func Gather(ctx context.Context, p Page, log *slog.Logger) *governance.Governance {
	g := &governance.Governance{TaggedSpend: governance.TaggedSpendOf(p.Facts, p.AsOf, p.Source)}
	g.Audit, g.AuditNote = auditHead(p.StateDir, log)
	switch {
	case !p.Databricks:
		g.ResourcesNote, g.DriftNote = NoteLiveOnly, NoteLiveOnly
	case p.Live == nil:
		g.ResourcesNote, g.DriftNote = NoteOffline, NoteOffline
	default:
		ctx, cancel := context.WithTimeout(ctx, liveTimeout)
		defer cancel()
		readLive(ctx, g, p, log)
	}
	return g
}

// auditHead verifies the setup audit log in stateDir. A broken chain is
// shown as broken, not a build failure: the site must say so.
func auditHead(stateDir string, log *slog.Logger) (*governance.AuditHead, string) {
	if stateDir == "" {
		return nil, NoteNoState
	}
	path := filepath.Join(stateDir, audit.FileName)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, NoteNoAudit
	}
	head, err := audit.Verify(path, "")
	if err != nil {
		log.Error("setup audit log does not verify", "log", path, "err", err)
		return &governance.AuditHead{Error: oneLine(err)}, ""
	}
	return &governance.AuditHead{Hash: head.Hash, Entries: head.Entries, Verified: true}, ""
}

// readLive reads the workspace's resources and the account's budgets and
// policies. The two parts fail apart: the resource check needs the
// workspace only, drift needs the account too.
func readLive(ctx context.Context, g *governance.Governance, p Page, log *slog.Logger) {
	div, err := content.Load(p.Live.ContentDir)
	if err != nil {
		// The build loaded it a moment ago: only a change in between gets here.
		note := "Not read: " + oneLine(err)
		g.ResourcesNote, g.DriftNote = note, note
		return
	}
	if c, err := resourceCompliance(ctx, div, p.Titles, p.Live); err != nil {
		log.Warn("resource compliance not read", "err", err)
		g.ResourcesNote = "Not read: " + oneLine(err)
	} else {
		g.Resources = c
		log.Info("read resource compliance", "resources", c.Total, "compliant", c.Compliant, "findings", len(c.Findings))
	}
	if d, err := drift(ctx, div, p.AsOf, p.Live); err != nil {
		log.Warn("drift not read", "err", err)
		g.DriftNote = "Not read: " + oneLine(err)
	} else {
		g.Drift = d
		log.Info("read drift from content/", "checked", d.Checked, "drifted", len(d.Items))
	}
}

// resourceCompliance judges the workspace's clusters, jobs, warehouses and
// pipelines as `generator check` does.
func resourceCompliance(ctx context.Context, div budget.Division, titles map[string]string, live *Live) (*governance.ResourceCompliance, error) {
	w, err := live.Workspace()
	if err != nil {
		return nil, err
	}
	r, err := Check(ctx, w, live.Account, Options{
		Division: div, Host: w.Config.CanonicalHostName(), WorkspaceID: w.Config.WorkspaceID,
		Now: live.Now, MinCompliancePct: pageTargetPct,
	})
	if err != nil {
		return nil, fmt.Errorf("read the workspace's resources: %w", err)
	}
	c := &governance.ResourceCompliance{
		CheckedAt: r.CheckedAt, Workspace: r.Workspace,
		Total: r.Resources.Total, Compliant: r.Resources.Compliant,
		SharePct: r.Resources.CompliancePct, TargetPct: pageTargetPct, Passed: r.Passed,
		Findings: make([]governance.Finding, len(r.Findings)),
	}
	for i, f := range r.Findings {
		category := f.Category
		if t, ok := titles[f.Category]; ok {
			category = t
		}
		c.Findings[i] = governance.Finding{
			Kind: f.Kind, ID: f.ID, Name: f.Name, Category: category, CategorySlug: f.CategorySlug,
			Owner: f.Owner, Rule: string(f.Rule), Explanation: f.Explanation, Link: f.Link,
		}
	}
	return c, nil
}

// drift compares the account's budgets and policies with content/, for the
// budgets in force in asOf's month, filtered on the tag spellings the
// usage carries: what `setup --source databricks` would change.
func drift(ctx context.Context, div budget.Division, asOf time.Time, live *Live) (*governance.Drift, error) {
	clients, err := live.Setup()
	if err != nil {
		return nil, err
	}
	seen, err := live.TagSpellings(ctx)
	if err != nil {
		return nil, err
	}
	d, err := setup.Drift(ctx, clients, div, setup.Options{AsOf: asOf, Variants: setup.GroupVariants(div.TagValues(), seen)})
	if err != nil {
		return nil, fmt.Errorf("read budgets and policies: %w", err)
	}
	out := &governance.Drift{Checked: d.Checked, Items: make([]governance.DriftItem, len(d.Items))}
	titles := map[string]string{}
	for _, c := range div.Categories {
		titles[c.Slug] = c.Title
	}
	for i, it := range d.Items {
		changes := make([]string, len(it.Changes))
		for j, ch := range it.Changes {
			changes[j] = governance.DriftChange(ch.Field, ch.Before, ch.After)
		}
		out.Items[i] = governance.DriftItem{
			Category: titles[it.Category], CategorySlug: it.Category, Kind: string(it.Kind), What: it.What,
			Key: it.Key, Name: it.Name, ID: it.ID, State: it.State, Changes: changes,
		}
	}
	return out, nil
}

// oneLine keeps an error on one line of the page: SDK errors can carry
// a response body.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
