package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/databricks/databricks-sdk-go/service/billing"
	"github.com/spf13/cobra"

	"github.com/novadynamics/stellar-budget/internal/compliance"
	"github.com/novadynamics/stellar-budget/internal/content"
	"github.com/novadynamics/stellar-budget/internal/dbclient"
	"github.com/novadynamics/stellar-budget/internal/governance"
	"github.com/novadynamics/stellar-budget/internal/pipeline"
	"github.com/novadynamics/stellar-budget/internal/trail"
)

// checkFlags are the flags of check.
type checkFlags struct {
	profile        string
	accountProfile string
	minCompliance  float64
	asJSON         bool
	spend          bool
	audit          bool
	expectHead     string
	expectTrail    string
	asOf           string
	// spendOpts read last month's spend from source: the same source
	// flags as build.
	spendOpts pipeline.BuildOptions
	source    sourceFlags
	engine    engineFlags
}

func checkCommand() *cobra.Command {
	var flags checkFlags
	cmd := &cobra.Command{
		Use:   "check",
		Short: "List the clusters, jobs, warehouses and pipelines that break the rules, and gate on the share that comply",
		Long: `Reads the workspace's clusters, jobs, SQL warehouses and pipelines through the
Databricks SDK and judges each against its category's rules in the content
directory: the tags (OperationalCategory naming a configured category,
Team=SAD, CostCenter=ND-Analytics, Environment DEV or PROD, Owner), a cluster
policy, autotermination (off, or later than the category allows), workers,
node types, and all-purpose compute only where the category allows it. A
cluster policy's fixed tags count on the job and pipeline clusters that use
it. Serverless jobs and pipelines are tagged by their budget policy, so their
effective budget policy must be their category's, the one setup creates
(read from the account: --account-profile); one that is not is a
wrong_budget_policy finding with last month's spend it misattributes.
Clusters a job or a pipeline started are judged through that job or
pipeline. Each finding names the resource, its category, its owner (Owner
tag, else its creator), the rule and a link to it in the workspace.

It exits non-zero when the share of compliant resources is below
--min-compliance (default 100), compared exactly: the share is shown
rounded half up to one decimal, so 1999 of 2500 (79.96 %) shows as 80.0 %
and still fails --min-compliance 80. Beside it, it reports the share of last
month's spend (the calendar month before --as-of) whose tag matched a
configured category, read from --source as build reads it; --spend=false
leaves it out.

The table shows each rule-breaking resource as a block: its kind, name
and id; its category and owner; each rule it breaks with what is wrong;
its link. Its lines are at most 100 columns wide, whatever the terminal:
longer text wraps onto indented lines, except a link, which is never
broken so that the terminal can open it.

The workspace comes from the SDK's unified auth: --workspace-profile names a
profile of ~/.databrickscfg, otherwise the DATABRICKS_* environment (what
"generator emulator" prints) or the DEFAULT profile.

--json writes one JSON object instead of the table (schema version 1; see
the package documentation of internal/compliance for every field). --audit
also verifies the hash chain of the setup audit log in --state, and with
--expect-head that it still holds the entry "setup --apply" printed; and
the agent trail's: trail.jsonl in --state, or the Delta table
STELLAR_TRACE_TABLE names (read on --warehouse-id), with
--expect-trail-head that it still holds the entry of that hash, so a trail
cut short is caught. A broken chain exits non-zero, naming the log or the
trail and where it breaks.`,
		Example: `  go run ./generator check
  go run ./generator check --workspace-profile prod --account-profile ACCOUNT --min-compliance 95 --json
  go run ./generator check --spend=false --audit --expect-head 3f1c...
  STELLAR_TRACE_TABLE=main.stellar.agent_trail go run ./generator check --audit --expect-trail-head 9b07...`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCheck(cmd, &flags)
		},
	}
	f := cmd.Flags()
	f.StringVar(&flags.accountProfile, "account-profile", "", "Databricks config profile of the account, whose budget policies serverless work is judged by; read only when the workspace runs serverless jobs or pipelines (default: the SDK's unified auth)")
	f.StringVar(&flags.profile, "workspace-profile", "", "Databricks config profile of the workspace (default: the SDK's unified auth, DATABRICKS_* environment then the DEFAULT profile)")
	f.Float64Var(&flags.minCompliance, "min-compliance", 100, "share of resources, in percent, that must comply; below it check exits non-zero")
	f.BoolVar(&flags.asJSON, "json", false, "write the report as JSON instead of a table")
	f.BoolVar(&flags.spend, "spend", true, "also report the share of last month's spend correctly tagged (reads usage from --source)")
	f.BoolVar(&flags.audit, "audit", false, "also verify the hash chains of the setup audit log and the agent trail (in --state, or the table $STELLAR_TRACE_TABLE)")
	f.StringVar(&flags.expectHead, "expect-head", "", "with --audit: the head hash setup --apply printed, which the log must still hold")
	f.StringVar(&flags.expectTrail, "expect-trail-head", "", "with --audit: a head hash of the agent trail kept earlier, which the trail must still hold")
	f.StringVar(&flags.asOf, "as-of", "", "date YYYY-MM-DD whose previous month the spend share covers (default: today for demo and databricks, the last usage date for files)")
	o := &flags.spendOpts
	f.StringVar(&o.ContentDir, "content", "content", "the division's configuration directory")
	f.StringVar(&o.StateDir, "state", ".stellar-state", "state directory: the setup audit log, the agent trail, and the databricks source's cache")
	flags.source.register(f, false)
	flags.engine.register(cmd)
	return cmd
}

// runCheck judges the workspace, adds the spend share and the audit
// result, prints the report and fails below the target.
func runCheck(cmd *cobra.Command, flags *checkFlags) error {
	if flags.minCompliance < 0 || flags.minCompliance > 100 {
		return fmt.Errorf("--min-compliance %v: want a percentage from 0 to 100", flags.minCompliance)
	}
	if flags.expectHead != "" && !flags.audit {
		return fmt.Errorf("--expect-head needs --audit")
	}
	if flags.expectTrail != "" && !flags.audit {
		return fmt.Errorf("--expect-trail-head needs --audit")
	}
	asOf, err := parseAsOf(flags.asOf)
	if err != nil {
		return err
	}
	log := newLogger()
	ctx := cmd.Context()
	div, err := content.Load(flags.spendOpts.ContentDir)
	if err != nil {
		return err
	}
	w, err := dbclient.Workspace(dbclient.Options{Profile: flags.profile, ConnectTimeout: flags.source.databricks.ConnectTimeout, Log: log})
	if err != nil {
		return err
	}
	log.Info("reading the workspace's clusters, jobs, warehouses and pipelines", "host", w.Config.Host)
	account := func() (billing.BudgetPolicyInterface, error) {
		log.Info("reading the account's budget policies, which serverless work is judged by")
		a, err := dbclient.Account(dbclient.Options{Profile: flags.accountProfile})
		if err != nil {
			return nil, fmt.Errorf("%w (name the account with --account-profile)", err)
		}
		return a.BudgetPolicy, nil
	}
	rep, err := compliance.Check(ctx, w, account, compliance.Options{
		Division: div, Host: w.Config.CanonicalHostName(), WorkspaceID: w.Config.WorkspaceID,
		Now: time.Now(), MinCompliancePct: flags.minCompliance,
	})
	if err != nil {
		return fmt.Errorf("check the workspace: %w", err)
	}
	if flags.spend {
		spend, work, err := lastMonthSpend(ctx, flags, asOf, log)
		if err != nil {
			return err
		}
		rep.TaggedSpend = &spend
		rep.AddMisattributed(work)
	}
	if flags.audit {
		rep.Audit = compliance.VerifyAudit(flags.spendOpts.StateDir, flags.expectHead)
		store, err := trail.Open(trail.Config{
			StateDir: flags.spendOpts.StateDir, Table: os.Getenv(trail.EnvTable),
			WarehouseID: flags.source.databricks.WarehouseID, Statements: w.StatementExecution, Log: log,
		})
		if err != nil {
			return err
		}
		rep.Trail = verifyTrail(ctx, store, flags.expectTrail)
	}
	out := cmd.OutOrStdout()
	if flags.asJSON {
		err = compliance.WriteJSON(out, rep)
	} else {
		err = compliance.WriteTable(out, rep)
	}
	if err != nil {
		return err
	}
	var broken []string
	for _, a := range []*compliance.Audit{rep.Audit, rep.Trail} {
		if a != nil && !a.OK {
			broken = append(broken, a.Error)
		}
	}
	if len(broken) > 0 {
		return errors.New(strings.Join(broken, "; "))
	}
	return belowTarget(rep)
}

// verifyTrail checks the agent trail's chain and, with expectHead, that it
// still holds that entry. The result says why it fails; it is never nil.
func verifyTrail(ctx context.Context, store trail.Store, expectHead string) *compliance.Audit {
	head, err := store.Verify(ctx, expectHead)
	a := &compliance.Audit{Log: store.Location(), Entries: head.Entries, Head: head.Hash, ExpectedHead: expectHead, SinceExpected: head.SinceExpected, OK: err == nil}
	if err != nil {
		a.Error = err.Error()
	}
	return a
}

// belowTarget is check's error when the share of compliant resources is
// below --min-compliance, nil otherwise. The gate compares the exact
// share, so a share shown rounded up to the target says so.
func belowTarget(rep *compliance.Report) error {
	if rep.Passed {
		return nil
	}
	c := rep.Resources
	shown := fmt.Sprintf("%.1f %%", c.CompliancePct)
	if c.CompliancePct >= rep.MinCompliancePct {
		shown += fmt.Sprintf(" (rounded up from %d of %d)", c.Compliant, c.Total)
	}
	return fmt.Errorf("compliance %s is below --min-compliance %v %%: %d of %d resources break a rule",
		shown, rep.MinCompliancePct, c.NonCompliant, c.Total)
}

// lastMonthSpend reads the usage the way build does and sums last month's
// spend by whether it was attributed, as the compliance page does, and by
// job and pipeline.
func lastMonthSpend(ctx context.Context, flags *checkFlags, asOf time.Time, log *slog.Logger) (governance.TaggedSpend, compliance.WorkloadSpend, error) {
	opts := flags.spendOpts
	opts.AsOf, opts.Now, opts.Log, opts.Engine = asOf, time.Now().UTC(), log, flags.engine.options(log)
	src, err := flags.source.source()
	if err != nil {
		return governance.TaggedSpend{}, nil, fmt.Errorf("read spend: %w", err)
	}
	if db, ok := src.(pipeline.DatabricksSource); ok {
		db.Config.Profile = flags.profile // the warehouse is in the checked workspace
		src = db
	}
	opts.Source = src
	rep, err := pipeline.Report(ctx, opts)
	if err != nil {
		return governance.TaggedSpend{}, nil, fmt.Errorf("read spend: %w", err)
	}
	return pipeline.LastMonthTaggedSpend(rep, src.Kind()), pipeline.LastMonthWorkloadSpend(rep), nil
}
