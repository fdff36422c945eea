package state

import "testing"

// The names on disk never change: a state directory kept in CI's cache
// by an older build is read by a newer one.
func TestNamesOnDisk(t *testing.T) {
	for got, want := range map[string]string{
		Ledger:              "alerts.json",
		LedgerLock:          "alerts.lock",
		AlertRuns:           "alert-runs",
		AuditLog:            "audit.jsonl",
		SetupLock:           "setup.lock",
		Trail:               "trail.jsonl",
		DatabricksCache:     "databricks/aggregates.json.gz",
		LockOf("x/a.jsonl"): "x/a.jsonl.lock",
	} {
		if got != want {
			t.Errorf("%q, want %q", got, want)
		}
	}
}
