package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/novadynamics/stellar-budget/internal/audit"
	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/content"
	"github.com/novadynamics/stellar-budget/internal/pipeline"
	"github.com/novadynamics/stellar-budget/internal/setup"
	"github.com/novadynamics/stellar-budget/internal/state"
	"github.com/novadynamics/stellar-budget/internal/trail"
	"github.com/novadynamics/stellar-budget/internal/warehouse"
)

// Where setup learns the spellings of the category tags.
const (
	variantsDemo = "demo" // the demo account's usage, generated in memory
	variantsNone = "none" // the canonical tag values only
	// variantsDatabricks reads them off system.billing.usage on a SQL
	// warehouse (--warehouse-id), over the months a build reads.
	variantsDatabricks = "databricks"
)

func setupCommand() *cobra.Command {
	var (
		apply                  bool
		contentDir, stateDir   string
		asOf, source, variants string
		connect                setup.ConnectOptions
		opts                   setup.Options
		warehouseID            string
	)
	cmd := &cobra.Command{
		Use:   "setup",
		Short: "Plan, and with --apply create or update, the budgets and policies content/ asks for",
		Long: `Compares content/ with the Databricks account and workspace and prints the
plan: for each category and alert threshold an account budget (its alert at
that share of the budget in force, emailing the owners, filtered on the
category tag and its spellings seen in the data), a serverless budget policy
carrying the category's tags, and a jobs cluster policy (plus an all-purpose
one where allow_all_purpose is true) that fixes the tags, caps workers and
node types and forces autotermination; the policies are granted to the
category's group. Each object shows as create, update (with the fields that
change) or unchanged. First, every category's group must exist in the
account and be assigned to the workspace: setup stops before any change
with one line per group that is not, saying where to create or assign it.

--apply carries the plan out, writes every change to the audit log in
--state (audit.jsonl, hash-chained), its intent before the change and its
result after, and prints the log's new head hash; keep it to check the log
later with "check --audit --expect-head HASH". An intent without a result
(a run that stopped in between) shows in the next plan, which reads its
object back: the next --apply logs it as resolved when the object is as
content/ asks, else makes the change again. Applying
twice changes nothing the second time. Objects are found again by the key
at the start of their display name, policy name or description
("stellar-budget:SAD:..."), so a renamed category is updated in place.
setup never deletes anything.

With STELLAR_TRACE_TABLE set (catalog.schema.table), the plan also holds the
agent trail's Delta table, which the deployed functions keep their trail and
once-only keys in: created append-only through statement execution on the
SQL warehouse (--warehouse-id), logged like every other change. A table of
that name with other columns is left alone, with a note.

The account and the workspace are configured separately, through the SDK's
unified auth: --account-profile and --workspace-profile name profiles of
~/.databrickscfg (production: https://accounts.cloud.databricks.com with
account_id, and the workspace host); without them the DATABRICKS_*
environment is used, e.g. the unified host the emulator prints.

The tag spellings come from the live account's usage on a SQL warehouse
(--source databricks, with the workspace profile: the default when a
warehouse is configured, by --warehouse-id or $DATABRICKS_WAREHOUSE_ID, so a
real account's budgets never filter on the demo data's spellings), from the
demo account (--source demo, the default without a warehouse), from nowhere
(--source none), or from a JSON array of the OperationalCategory values seen
in the account (--variants-from FILE), e.g. the result of
  SELECT DISTINCT custom_tags['OperationalCategory'] FROM system.billing.usage
The plan's first line says where they came from.`,
		Example: `  go run ./generator setup
  go run ./generator setup --apply
  go run ./generator setup --account-profile ACCOUNT --workspace-profile PROD --variants-from tags.json --apply`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := newLogger()
			day, err := parseAsOfOrToday(asOf)
			if err != nil {
				return err
			}
			div, err := content.Load(contentDir)
			if err != nil {
				return err
			}
			opts.AsOf = day
			connect.Log = log
			// The clients first: a configuration that will not do is
			// refused before the spellings are read.
			clients, err := setup.Connect(connect)
			if err != nil {
				return err
			}
			wh := warehouse.Source{Config: warehouse.Config{Profile: connect.WorkspaceProfile, WarehouseID: warehouseID, ConnectTimeout: connect.ConnectTimeout}, Log: log}
			source = spellingSource(source, warehouseID)
			var spellings string
			if opts.Variants, spellings, err = tagVariants(cmd.Context(), div, day, source, variants, wh); err != nil {
				return err
			}
			if table := os.Getenv(trail.EnvTable); table != "" {
				if clients.Trail, err = trail.NewTableStore(trail.TableOptions{Name: table, WarehouseID: warehouseID, Statements: clients.Statements, Log: log}); err != nil {
					return err
				}
			}
			ctx := cmd.Context()
			log.Info("checking access to the account and the workspace")
			actor, err := setup.Preflight(ctx, clients)
			if err != nil {
				return err
			}
			if apply {
				// Two applies from one state directory would both plan to
				// create the same objects: the second waits and plans
				// again once the first is done.
				unlock, err := lockSetup(stateDir)
				if err != nil {
					return err
				}
				defer unlock()
			}
			log.Info("reading budgets and policies", "as", actor)
			auditLog := filepath.Join(stateDir, audit.FileName)
			opts.AuditLog = auditLog
			plan, err := setup.NewPlan(ctx, clients, div, opts)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Tag spellings: %s\n", spellings)
			if err := plan.WriteText(out); err != nil {
				return fmt.Errorf("print the plan: %w", err)
			}
			if !apply {
				if !plan.Empty() {
					fmt.Fprintln(out, "Run again with --apply to carry it out.")
				}
				return nil
			}
			res, err := setup.Apply(ctx, clients, plan, setup.ApplyOptions{AuditLog: auditLog, Actor: actor, Now: time.Now})
			if res.Head.Hash != "" || err == nil {
				closed := ""
				if len(res.Closed) > 0 {
					closed = fmt.Sprintf(", closed %d open intents", len(res.Closed))
				}
				fmt.Fprintf(out, "Applied %d changes%s. Audit log %s, head %s\n",
					len(res.Applied), closed, auditLog, orEmpty(res.Head.Hash))
			}
			return err
		},
	}
	f := cmd.Flags()
	f.BoolVar(&apply, "apply", false, "carry the plan out (default: print it only)")
	f.StringVar(&contentDir, "content", "content", "the division's configuration directory")
	f.StringVar(&stateDir, "state", ".stellar-state", "state directory; the audit log is audit.jsonl in it")
	f.StringVar(&asOf, "as-of", "", "date YYYY-MM-DD whose month's budget is in force (default: today)")
	f.StringVar(&connect.AccountProfile, "account-profile", "", "config profile of the account (default: the DATABRICKS_* environment)")
	f.StringVar(&connect.WorkspaceProfile, "workspace-profile", "", "config profile of the workspace (default: the DATABRICKS_* environment)")
	registerConnectTimeout(f, &connect.ConnectTimeout)
	f.StringVar(&source, "source", "", "where the tag spellings the budgets also filter on come from: databricks, demo or none (default: databricks when a warehouse is configured, else demo)")
	f.StringVar(&warehouseID, "warehouse-id", os.Getenv("DATABRICKS_WAREHOUSE_ID"), "SQL warehouse that reads the spellings (--source databricks) and creates the trail table ($STELLAR_TRACE_TABLE); default $DATABRICKS_WAREHOUSE_ID")
	f.StringVar(&variants, "variants-from", "", "JSON array of the OperationalCategory values seen in the account; replaces --source")
	f.StringVar(&opts.Team, "team", setup.DefaultTeam, "Team tag the policies fix, also part of every key")
	f.StringVar(&opts.CostCenter, "cost-center", setup.DefaultCostCenter, "CostCenter tag the policies fix")
	return cmd
}

// lockSetup holds the state directory's setup lock.
func lockSetup(stateDir string) (unlock func(), err error) {
	if err := os.MkdirAll(stateDir, state.DirPerm); err != nil {
		return nil, fmt.Errorf("setup --apply: %w", err)
	}
	unlock, err = state.Exclusive(filepath.Join(stateDir, state.SetupLock))
	if err != nil {
		return nil, fmt.Errorf("setup --apply: lock %s: %w", stateDir, err)
	}
	return unlock, nil
}

func orEmpty(hash string) string {
	if hash == "" {
		return "(empty log)"
	}
	return hash
}

// spellingSource is --source as given, else databricks when a warehouse
// is configured (the account is live: its own spellings count), else demo.
func spellingSource(source, warehouseID string) string {
	switch {
	case source != "":
		return source
	case warehouseID != "":
		return variantsDatabricks
	}
	return variantsDemo
}

// tagVariants collects the OperationalCategory spellings the budgets
// filter on besides the canonical values, and says where they came from.
// The attributed facts a build keeps hold the canonical value only, so the
// spellings come from the usage rows themselves: the demo account is
// generated in memory in a fraction of a second; a live account's are read
// on its warehouse or come from a file.
func tagVariants(ctx context.Context, div budget.Division, day time.Time, source, file string, wh warehouse.Source) (map[string][]string, string, error) {
	var seen []string
	var from string
	switch {
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, "", fmt.Errorf("--variants-from: %w", err)
		}
		if err := json.Unmarshal(b, &seen); err != nil {
			return nil, "", fmt.Errorf("--variants-from %s: want a JSON array of tag values: %w", file, err)
		}
		from = "read from " + file
	case source == variantsNone:
		return nil, "none: the budgets filter on the canonical tag values only (--source none)", nil
	case source == variantsDatabricks:
		start := pipeline.WindowStart(day)
		var err error
		if seen, err = wh.TagSpellings(ctx, start); err != nil {
			return nil, "", err
		}
		from = fmt.Sprintf("read from system.billing.usage on warehouse %s (usage since %s)", wh.Config.WarehouseID, start.Format(time.DateOnly))
	case source == variantsDemo:
		var err error
		if seen, err = pipeline.DemoTagSpellings(div, day); err != nil {
			return nil, "", err
		}
		from = "from the demo account (--source demo; configure a warehouse to read the live account's)"
	default:
		return nil, "", fmt.Errorf("--source %q: want %s, %s or %s (or --variants-from FILE)", source, variantsDatabricks, variantsDemo, variantsNone)
	}
	return setup.GroupVariants(div.TagValues(), seen), from, nil
}
