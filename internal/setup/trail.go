package setup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/novadynamics/stellar-budget/internal/audit"
	"github.com/novadynamics/stellar-budget/internal/trail"
)

// KindTrailTable is the agent trail's Delta table (STELLAR_TRACE_TABLE),
// which setup creates when Clients.Trail names one.
const KindTrailTable Kind = "trail_table"

// trailCategory is the plan's heading for the items no category owns.
const trailCategory = "agent trail"

// TrailTable is the agent trail's table as setup sees it;
// *trail.TableStore is one.
type TrailTable interface {
	Location() string        // catalog.schema.table
	CreateStatement() string // CREATE TABLE IF NOT EXISTS ...
	// Describe returns the table's columns, or exists=false.
	Describe(ctx context.Context) (cols []trail.Column, exists bool, err error)
	Create(ctx context.Context) error
}

var _ TrailTable = (*trail.TableStore)(nil)

// trailColumns writes columns as "name TYPE, ...".
func trailColumns(cols []trail.Column) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c.Name + " " + strings.ToUpper(c.Type)
	}
	return strings.Join(parts, ", ")
}

// trailTableState is what the audit log records of a created table.
type trailTableState struct {
	Table      string `json:"table"`
	Columns    string `json:"columns"`
	AppendOnly bool   `json:"append_only"`
	Statement  string `json:"statement"`
}

// planTrailTable is create when the table is missing and unchanged when it
// is there. A table with other columns is left alone, with a note: setup
// never alters or drops it, and the trail cannot be written to it.
func planTrailTable(ctx context.Context, t TrailTable) (Item, string, error) {
	name := t.Location()
	it := Item{Kind: KindTrailTable, Category: trailCategory, Key: name, Name: name, Action: Unchanged}
	have, exists, err := t.Describe(ctx)
	if err != nil {
		return Item{}, "", fmt.Errorf("read agent trail table %s: %w", name, oneLine(err))
	}
	want := trailColumns(trail.Columns)
	if exists {
		if got := trailColumns(have); got != want {
			return it, fmt.Sprintf("the agent trail table %s has the columns %s; the trail needs %s: setup does not alter it, so drop or rename it, or name another table in %s",
				name, got, want, trail.EnvTable), nil
		}
		return it, "", nil
	}
	it.Action = Create
	it.Changes = []Change{{Field: "columns", After: want}, {Field: "delta.appendOnly", After: "true"}}
	it.apply = func(ctx context.Context, _ Clients, _ *run) (audit.Record, error) {
		if err := t.Create(ctx); err != nil {
			return audit.Record{}, fmt.Errorf("create agent trail table %s: %w", name, oneLine(err))
		}
		after := trailTableState{Table: name, Columns: want, AppendOnly: true, Statement: t.CreateStatement()}
		return audit.Record{Action: string(Create), Kind: string(KindTrailTable), Key: name, After: after}, nil
	}
	return it, "", nil
}

// withTrail is the plan id of a plan that also creates the trail's table:
// the table is part of the desired state.
func withTrail(planID, table string) string {
	sum := sha256.Sum256([]byte(planID + "\x00" + string(KindTrailTable) + "\x00" + table))
	return hex.EncodeToString(sum[:])
}
