package trail

import (
	"log/slog"
)

// Config says where the trail is kept.
type Config struct {
	// StateDir holds the file store's trail.jsonl (--state).
	StateDir string
	// Table is catalog.schema.table (STELLAR_TRACE_TABLE); when set, the
	// trail is that Delta table and the fields below are needed.
	Table       string
	WarehouseID string
	Statements  StatementExecution
	Log         *slog.Logger
}

// Open returns the table store when cfg names a table, else the file
// store in the state directory.
func Open(cfg Config) (Store, error) {
	if cfg.Table == "" {
		return NewFileStore(cfg.StateDir), nil
	}
	return NewTableStore(TableOptions{Name: cfg.Table, WarehouseID: cfg.WarehouseID, Statements: cfg.Statements, Log: cfg.Log})
}
