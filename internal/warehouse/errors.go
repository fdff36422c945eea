package warehouse

import (
	"errors"
	"fmt"
	"strings"

	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/config"
	"github.com/databricks/databricks-sdk-go/service/sql"
)

// The failures a user fixes outside this program; each error wraps one,
// so a caller can branch with errors.Is. The message says what to do.
var (
	// ErrAuth: no credentials, or the token is bad or expired.
	ErrAuth = errors.New("databricks authentication failed")
	// ErrPermission: the identity may not use the warehouse or read the
	// billing tables.
	ErrPermission = errors.New("databricks permission denied")
	// ErrNoSystemTables: system.billing is not there (the billing system
	// schema is not enabled, or the workspace has no Unity Catalog).
	ErrNoSystemTables = errors.New("system.billing tables not found")
	// ErrWarehouseNotFound: no SQL warehouse of that id in the workspace.
	ErrWarehouseNotFound = errors.New("SQL warehouse not found")
	// ErrWarehouseTimeout: the warehouse did not start in time.
	ErrWarehouseTimeout = errors.New("SQL warehouse start timed out")
	// ErrNoCache: --offline without a cache to build from.
	ErrNoCache = errors.New("no databricks cache")
)

// explain names the cause of an SDK error where the user must act
// outside this program (credentials, grants); other errors pass as they
// are.
func explain(err error, host, warehouseID string) error {
	if errors.Is(err, config.ErrCannotConfigureDefault) {
		on := ""
		if host != "" {
			on = " for " + host
		}
		return fmt.Errorf("%w: no Databricks credentials%s: set DATABRICKS_HOST and DATABRICKS_TOKEN, or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET, or another method of the SDK's unified auth, or name a profile of ~/.databrickscfg with --profile (%s)",
			ErrAuth, on, oneLine(err.Error()))
	}
	var api *apierr.APIError
	if !errors.As(err, &api) {
		return err
	}
	msg := oneLine(api.Message)
	// Databricks answers a token it does not know with 403 "Invalid access
	// token.": a credentials problem, not a missing grant.
	badToken := strings.Contains(strings.ToLower(msg), "access token")
	switch {
	case errors.Is(err, apierr.ErrUnauthenticated), badToken:
		return fmt.Errorf("%w on %s: %s (check DATABRICKS_TOKEN, DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET, or the --profile credentials; a token may have expired)", ErrAuth, host, msg)
	case errors.Is(err, apierr.ErrPermissionDenied):
		return fmt.Errorf("%w on %s: %s (the identity needs CAN USE on SQL warehouse %s and SELECT on %s and %s)", ErrPermission, host, msg, warehouseID, usageTable, pricesTable)
	}
	return err
}

// statementError explains a statement the warehouse ran and failed.
func statementError(step string, e *sql.ServiceError) error {
	if e == nil {
		return fmt.Errorf("%s: statement failed without an error message", step)
	}
	msg := oneLine(e.Message)
	// Databricks quotes names part by part: `system`.`billing`.`usage`.
	plain := strings.ReplaceAll(e.Message, "`", "")
	switch {
	case strings.Contains(plain, "TABLE_OR_VIEW_NOT_FOUND") && strings.Contains(plain, "system.billing"),
		strings.Contains(plain, "SCHEMA_NOT_FOUND") && strings.Contains(plain, "system.billing"):
		return fmt.Errorf("%w: %s; a metastore admin enables the billing system schema (databricks system-schemas enable <metastore-id> billing, or PUT /api/2.1/unity-catalog/metastores/<metastore-id>/systemschemas/billing) on a workspace attached to Unity Catalog",
			ErrNoSystemTables, msg)
	case e.ErrorCode == sql.ServiceErrorCodeUnauthenticated:
		return fmt.Errorf("%w: %s", ErrAuth, msg)
	case e.ErrorCode == sql.ServiceErrorCode("PERMISSION_DENIED"),
		strings.Contains(plain, "INSUFFICIENT_PERMISSIONS"), strings.Contains(plain, "PERMISSION_DENIED"):
		return fmt.Errorf("%w: %s; grant USE CATALOG on system, USE SCHEMA on system.billing and SELECT on %s and %s",
			ErrPermission, msg, usageTable, pricesTable)
	}
	if e.ErrorCode != "" {
		return fmt.Errorf("%s: statement failed: %s: %s", step, e.ErrorCode, msg)
	}
	return fmt.Errorf("%s: statement failed: %s", step, msg)
}

// oneLine keeps the first line of a message: Databricks errors carry a
// SQLSTATE and a query context on further lines.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s
}
