package pipeline

import (
	"context"
	"sync"
	"testing"

	"github.com/novadynamics/stellar-budget/internal/content"
	"github.com/novadynamics/stellar-budget/internal/demo"
	"github.com/novadynamics/stellar-budget/internal/duckdb"
)

// shared holds the demo account's system tables as of goldenAsOf, loaded
// once per test binary (about 5 s): the emulators of the databricks tests
// only read them.
var shared struct {
	once   sync.Once
	tables *duckdb.SystemTables
	err    error
}

// systemTables returns the shared system tables; the tests' emulators each
// keep their own workspace and account state over them.
func systemTables(t *testing.T) *duckdb.SystemTables {
	t.Helper()
	shared.once.Do(func() {
		div, err := content.Load("../../content")
		if err != nil {
			shared.err = err
			return
		}
		shared.tables, shared.err = duckdb.OpenSystemTables(context.Background(), duckdb.Options{Log: quietLog()}, demo.Config{Division: div, Through: goldenAsOf.AddDate(0, 0, 1)})
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.tables
}
