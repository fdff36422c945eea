package main

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/novadynamics/stellar-budget/internal/dbclient"
	"github.com/novadynamics/stellar-budget/internal/pipeline"
	"github.com/novadynamics/stellar-budget/internal/trail"
	"github.com/novadynamics/stellar-budget/internal/warehouse"
)

// buildTrail opens the agent trail a build shows on its agent page, as
// check --audit does: the Delta table $STELLAR_TRACE_TABLE names, read on
// the databricks source's warehouse wh, else trail.jsonl in --state.
// Without either, or with a table the build cannot read (another source,
// --offline), the store is nil and the note says why on the page.
func buildTrail(opts pipeline.BuildOptions, wh warehouse.Config, log *slog.Logger) (trail.Store, string, error) {
	table := os.Getenv(trail.EnvTable)
	switch {
	case table != "" && !opts.Source.Live():
		note := fmt.Sprintf("The agent trail is the table %s (%s); a build reads it only with --source databricks on a SQL warehouse, not --offline.", table, trail.EnvTable)
		log.Warn("agent trail not read", "table", table, "why", "the build does not read a SQL warehouse")
		return nil, note, nil
	case table != "":
		w, err := dbclient.Workspace(dbclient.Options{Profile: wh.Profile, ConnectTimeout: wh.ConnectTimeout, Log: log, SDK: wh.SDK})
		if err != nil {
			return nil, "", fmt.Errorf("open the agent trail %s: %w", table, err)
		}
		store, err := trail.Open(trail.Config{Table: table, WarehouseID: wh.WarehouseID, Statements: w.StatementExecution, Log: log})
		if err != nil {
			return nil, "", fmt.Errorf("open the agent trail: %w", err)
		}
		return store, "", nil
	case opts.StateDir == "":
		return nil, "", nil
	}
	return trail.NewFileStore(opts.StateDir), "", nil
}
