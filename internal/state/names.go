package state

// Files in the state directory, relative to it. Their names and formats
// are fixed: a state directory kept in CI's cache is read by later
// versions.
const (
	// Ledger is the alert ledger (internal/ledger); LedgerLock is flock'd
	// while claiming and recording, and AlertRuns holds one lock file per
	// notifying build in progress.
	Ledger     = "alerts.json"
	LedgerLock = "alerts.lock"
	AlertRuns  = "alert-runs"
	// AuditLog is the setup audit log (internal/audit), SetupLock the lock
	// `setup --apply` holds for its whole run.
	AuditLog  = "audit.jsonl"
	SetupLock = "setup.lock"
	// Trail is the agent trail when it is kept as a file (internal/trail).
	Trail = "trail.jsonl"
	// DatabricksCache is the databricks source's cache of pulled usage
	// days (internal/warehouse).
	DatabricksCache = "databricks/aggregates.json.gz"
	// FilesCache is the directory of the files source's attribution of
	// each usage file it read, a file each (internal/duckdb).
	FilesCache = "files"
	// DemoCache is the demo account's attribution as of one hour
	// (internal/duckdb).
	DemoCache = "demo/attributed.gob.gz"
	// ForecastMemo is the forecasts the alert rules made (internal/alerting
	// Memo), for the next build of the same history.
	ForecastMemo = "memo/forecasts.json"
)

// LockOf is the lock file a hash-chained file (the audit log, the trail)
// is appended under: its name with ".lock" added.
func LockOf(path string) string { return path + ".lock" }
