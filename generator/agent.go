package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/copilot"
	"github.com/novadynamics/stellar-budget/internal/dbclient"
	"github.com/novadynamics/stellar-budget/internal/fnenv"
)

func agentCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "The budget copilot's daily pass (agent run)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmd.Help()
		},
	}
	cmd.AddCommand(agentRunCommand())
	return cmd
}

type agentRunFlags struct {
	apply    bool
	snapshot string
	state    string
	channel  string
	profile  string
	connect  time.Duration
	asJSON   bool
	all      bool
}

func agentRunCommand() *cobra.Command {
	var flags agentRunFlags
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Judge every owner's 30-day burn against their share and act on those over it",
		Long: `Reads the latest build's snapshot and predicts each owner's spend in each
category over the next 30 days. An owner's share of a category's monthly
budget is the allowance content/ gives them, else the budget split by each
owner's share of the category's spend over the three calendar months before
the current one; it is held against the burn pro rata (30 days of the
month's days).

For each owner over their share it decides a Slack post and a scale-down of
their clusters in the category (those whose Owner tag names them, else that
they created), as the alert webhook's scale_down does: only RUNNING
clusters, never one tagged StellarBudget=exempt, never below 1 worker. A
category whose on_breach is notify keeps its clusters; one whose on_breach
is dry-run is never changed.

Without --apply nothing is posted or changed. Every decision is written to
the agent trail (trail.jsonl in --state, or the table STELLAR_TRACE_TABLE
names), with the run's report. With --apply the run is once a day: a second
run that day prints the first one's report and does nothing.

The workspace is the SDK's (DATABRICKS_HOST and credentials, or --profile);
without one the clusters are not looked at. Slack: SLACK_BOT_TOKEN (posts to
--channel) or SLACK_WEBHOOK_URL.`,
		Example: `  go run ./generator agent run
  go run ./generator agent run --apply --channel '#stellar-budget'
  go run ./generator agent run --json --snapshot https://budget.example.com/data/snapshot.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAgent(cmd, flags)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&flags.apply, "apply", false, "post to Slack and scale clusters down (categories whose on_breach is not dry-run); without it, only decide and trace")
	f.StringVar(&flags.snapshot, "snapshot", envOr("STELLAR_SNAPSHOT", fnenv.DefaultSnapshot), "the build's snapshot: a path or an https:// URL ($STELLAR_SNAPSHOT)")
	f.StringVar(&flags.state, "state", envOr("STELLAR_STATE", ".stellar-state"), "state directory holding the agent trail ($STELLAR_STATE)")
	f.StringVar(&flags.channel, "channel", os.Getenv("STELLAR_SLACK_CHANNEL"), "Slack channel of the posts with SLACK_BOT_TOKEN ($STELLAR_SLACK_CHANNEL)")
	f.StringVar(&flags.profile, "profile", "", "SDK configuration profile of the workspace whose clusters are scaled (default: the DATABRICKS_* environment)")
	registerConnectTimeout(f, &flags.connect)
	f.BoolVar(&flags.asJSON, "json", false, "print the run's report as JSON")
	f.BoolVar(&flags.all, "all", false, "list every owner judged, not only those over their share")
	return cmd
}

func envOr(name, def string) string {
	if v := strings.TrimSpace(os.Getenv(name)); v != "" {
		return v
	}
	return def
}

func runAgent(cmd *cobra.Command, flags agentRunFlags) error {
	log := newLogger()
	env := fnenv.Env{Getenv: func(k string) string {
		switch k {
		case "STELLAR_SNAPSHOT":
			return flags.snapshot
		case "STELLAR_STATE":
			return flags.state
		}
		return os.Getenv(k)
	}, Now: time.Now, Log: log, ConnectTimeout: flags.connect}
	if flags.profile != "" {
		w, err := dbclient.Workspace(dbclient.Options{Profile: flags.profile, ConnectTimeout: flags.connect, Log: log})
		if err != nil {
			return err
		}
		env.Clusters = dbclient.NewClusters(w)
	}
	svc, _, err := fnenv.Service(env, false)
	if err != nil {
		return fmt.Errorf("agent run: %w", err)
	}
	if flags.apply && os.Getenv("SLACK_BOT_TOKEN") != "" && flags.channel == "" {
		return fmt.Errorf("agent run --apply: SLACK_BOT_TOKEN posts to a channel: give --channel or STELLAR_SLACK_CHANNEL")
	}
	if svc.Clusters == nil {
		log.Warn("no Databricks workspace configured (DATABRICKS_HOST or --profile): owners' clusters are not looked at")
	}
	rep, err := svc.Run(cmd.Context(), copilot.RunOptions{Apply: flags.apply, Channel: flags.channel})
	if err != nil {
		return fmt.Errorf("agent run: %w", err)
	}
	out := cmd.OutOrStdout()
	if flags.asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	} else {
		err = writeRun(out, rep, svc.Trail.Location(), flags.all)
	}
	if err != nil {
		return err
	}
	if len(rep.Problems) > 0 {
		return fmt.Errorf("agent run: %s", strings.Join(rep.Problems, "; "))
	}
	return nil
}

// writeRun prints a run's report: the owners over their share with what
// was done, or with all, every owner judged.
func writeRun(w io.Writer, rep copilot.RunReport, trailAt string, all bool) error {
	mode := "dry-run: nothing posted or changed"
	if rep.Apply {
		mode = "applied"
	}
	if rep.Replayed {
		mode = "already run today, at " + rep.Time + ": its report again, nothing done now"
	}
	fmt.Fprintf(w, "Agent run on the data as of %s (through %s), %s.\n", rep.AsOf, rep.DataThrough, mode)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CATEGORY\tOWNER\t30-DAY BURN\tSHARE (30 DAYS)\tBASIS\tOVER BY\tOUTCOME")
	for _, b := range rep.Owners {
		if !all && b.OverBy == "" {
			continue
		}
		basis := b.Basis
		if b.SharePct != "" {
			basis += " " + b.SharePct + " %"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", b.Category, b.Owner, dollars(b.Burn30), dollars(b.Share30), basis, dollars(b.OverBy), b.Outcome)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, b := range rep.Owners {
		if b.OverBy == "" {
			continue
		}
		fmt.Fprintf(w, "\n%s in %s: %s\n", b.Owner, b.Category, b.Reason)
		for _, c := range b.Clusters {
			fmt.Fprintf(w, "  %-9s %s  %s\n", c.Outcome, c.ClusterID, c.Reason)
		}
		if b.Slack != nil {
			fmt.Fprintf(w, "  posted to Slack %s (%s)\n", b.Slack.Channel, b.Slack.Via)
		}
	}
	_, err := fmt.Fprintf(w, "\nJudged %d owners in their categories: %d over their share. The decisions are in the agent trail: %s\n",
		rep.Judged, rep.Over, trailAt)
	return err
}

// dollars writes an amount of the run's report, "-" when there is none.
func dollars(v string) string {
	if v == "" {
		return "-"
	}
	return budget.MustDecimal(v).USD()
}
