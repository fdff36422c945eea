package setup

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/billing"
)

// ConnectOptions name the SDK configuration profiles of the account and
// the workspace. In production they are two hosts (the account console,
// https://accounts.cloud.databricks.com, and the workspace); with a
// unified host (DATABRICKS_EXPERIMENTAL_IS_UNIFIED_HOST=true, as the
// emulator prints) one environment serves both. An empty profile leaves
// the SDK's unified auth to the environment and ~/.databrickscfg.
type ConnectOptions struct {
	AccountProfile   string
	WorkspaceProfile string
}

// Connect builds the account and workspace clients with the SDK's own
// configuration loading. Its errors are one line each and say what to
// set.
func Connect(opts ConnectOptions) (Clients, error) {
	acfg := &databricks.Config{Profile: opts.AccountProfile}
	a, err := databricks.NewAccountClient(acfg)
	if err != nil {
		return Clients{}, accountConfigError(acfg, err)
	}
	wcfg := &databricks.Config{Profile: opts.WorkspaceProfile}
	w, err := databricks.NewWorkspaceClient(wcfg)
	if err != nil {
		return Clients{}, workspaceConfigError(err)
	}
	return ClientsFrom(a, w), nil
}

// ClientsFrom picks setup's services from SDK clients.
func ClientsFrom(a *databricks.AccountClient, w *databricks.WorkspaceClient) Clients {
	return Clients{
		AccountID:       a.Config.AccountID,
		Budgets:         a.Budgets,
		BudgetPolicies:  a.BudgetPolicy,
		AccessControl:   a.AccessControl,
		ClusterPolicies: w.ClusterPolicies,
		CurrentUser:     w.CurrentUser,
		Statements:      w.StatementExecution,
	}
}

func accountConfigError(cfg *databricks.Config, err error) error {
	if !errors.Is(err, databricks.ErrNotAccountClient) {
		return fmt.Errorf("account configuration: %w", oneLine(err))
	}
	if cfg.AccountID == "" {
		return fmt.Errorf("account configuration: no account id (set DATABRICKS_ACCOUNT_ID, or account_id in the profile given with --account-profile): %w", err)
	}
	return fmt.Errorf("account configuration: host %q is a workspace host (the account API is at https://accounts.cloud.databricks.com; a unified host needs DATABRICKS_EXPERIMENTAL_IS_UNIFIED_HOST=true): %w", cfg.Host, err)
}

func workspaceConfigError(err error) error {
	switch {
	case errors.Is(err, databricks.ErrWorkspaceIDRequired):
		return fmt.Errorf("workspace configuration: no workspace id (a unified host needs DATABRICKS_WORKSPACE_ID, or workspace_id in the profile): %w", err)
	case errors.Is(err, databricks.ErrNotWorkspaceClient):
		return fmt.Errorf("workspace configuration: the host is an account host (give --workspace-profile naming a workspace): %w", err)
	}
	return fmt.Errorf("workspace configuration: %w", oneLine(err))
}

// Preflight checks that both sides answer and accept the credentials
// before anything is planned, and returns who the caller is.
func Preflight(ctx context.Context, c Clients) (actor string, err error) {
	actor, err = Whoami(ctx, c)
	if err != nil {
		return "", fmt.Errorf("workspace: %s%w", authHint(err), err)
	}
	// One page of budgets proves the account credentials and the billing
	// admin permission setup needs.
	it := c.Budgets.List(ctx, billing.ListBudgetConfigurationsRequest{})
	if it.HasNext(ctx) {
		if _, err = it.Next(ctx); err != nil {
			return "", fmt.Errorf("account: %slist budgets: %w", authHint(err), oneLine(err))
		}
	}
	return actor, nil
}

func authHint(err error) string {
	var api *apierr.APIError
	switch {
	case errors.Is(err, apierr.ErrUnauthenticated),
		// Databricks answers an unknown token with 403 "Invalid access token".
		errors.Is(err, apierr.ErrPermissionDenied) && errors.As(err, &api) && strings.Contains(strings.ToLower(api.Message), "token"):
		return "authentication failed (check the token or profile): "
	case errors.Is(err, apierr.ErrPermissionDenied):
		return "permission denied (setup needs an account admin and a workspace admin): "
	}
	return ""
}
