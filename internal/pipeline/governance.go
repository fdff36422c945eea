package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/databricks/databricks-sdk-go"
	dbbilling "github.com/databricks/databricks-sdk-go/service/billing"

	"github.com/novadynamics/stellar-budget/internal/billing"
	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/compliance"
	"github.com/novadynamics/stellar-budget/internal/dbclient"
	"github.com/novadynamics/stellar-budget/internal/demo"
	"github.com/novadynamics/stellar-budget/internal/governance"
	"github.com/novadynamics/stellar-budget/internal/report"
	"github.com/novadynamics/stellar-budget/internal/setup"
	"github.com/novadynamics/stellar-budget/internal/warehouse"
)

// readGovernance reads the compliance page's data (compliance.Gather) with
// what the build has: its report's daily rows, its state directory and,
// for a live databricks build, the clients of the workspace and account
// its warehouse is in.
func readGovernance(ctx context.Context, rep *report.Report, opts BuildOptions, log *slog.Logger) *governance.Governance {
	p := compliance.Page{
		Facts: dailyFacts(rep), AsOf: rep.AsOf, Source: opts.Source.Kind(),
		StateDir: opts.StateDir, Titles: rep.Titles(),
	}
	if db, ok := opts.Source.(DatabricksSource); ok {
		p.Databricks = true
		if db.Live() {
			p.Live = liveClients(rep, opts, db, log)
		}
	}
	return compliance.Gather(ctx, p, log)
}

// liveClients are the workspace and account the build's warehouse is in.
func liveClients(rep *report.Report, opts BuildOptions, db DatabricksSource, log *slog.Logger) *compliance.Live {
	return &compliance.Live{
		ContentDir: opts.ContentDir, Now: opts.Now,
		Workspace: func() (*databricks.WorkspaceClient, error) { return workspaceClient(db.Config, opts.Log) },
		Account:   accountPolicies(opts.AccountProfile, db.Config.SDK),
		Setup:     func() (setup.Clients, error) { return setupClients(opts, db.Config) },
		// Read on the warehouse: what `setup --source databricks` filters
		// the budgets on, so drift is what that plan would change.
		TagSpellings: func(ctx context.Context) ([]string, error) {
			return warehouse.Source{Config: db.Config, Log: log}.TagSpellings(ctx, db.Window(rep.AsOf).From)
		},
	}
}

// LastMonthTaggedSpend sums the spend of the month before rep's as-of
// month by whether its tag matched a category. It reads the report's daily
// rows, the rounded figures the site shows, so the compliance page and
// `generator check` agree to the cent.
func LastMonthTaggedSpend(rep *report.Report, source string) governance.TaggedSpend {
	return governance.TaggedSpendOf(dailyFacts(rep), rep.AsOf, source)
}

// dailyFacts are the report's daily rows as facts, the rounded
// figures the site shows.
func dailyFacts(rep *report.Report) []budget.Fact {
	facts := make([]budget.Fact, len(rep.Tables.CostByDay))
	for i, d := range rep.Tables.CostByDay {
		facts[i] = budget.Fact{Date: d.Date, Category: d.Category, DBUs: d.DBUs, Cost: d.Cost}
	}
	return facts
}

// LastMonthWorkloadSpend is each job's and pipeline's spend in the month
// before rep's as-of month, from the report's workload rows: what check
// counts a serverless finding's misattributed spend from.
func LastMonthWorkloadSpend(rep *report.Report) compliance.WorkloadSpend {
	month := governance.LastMonth(rep.AsOf)
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
