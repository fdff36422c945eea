package setup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/config"
	"github.com/databricks/databricks-sdk-go/service/billing"

	"github.com/novadynamics/stellar-budget/internal/dbclient"
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
	// ConnectTimeout bounds how long a request keeps trying a host that
	// does not accept the connection; 0 is dbclient's default.
	ConnectTimeout time.Duration
	Log            *slog.Logger // the configuration's warnings; nil: slog.Default()
}

// Connect builds the account and workspace clients (internal/dbclient).
// Its errors are one line each and say what to set.
func Connect(opts ConnectOptions) (Clients, error) {
	a, err := dbclient.Account(dbclient.Options{Profile: opts.AccountProfile, ConnectTimeout: opts.ConnectTimeout, Log: opts.Log})
	if err != nil {
		return Clients{}, err
	}
	w, err := dbclient.Workspace(dbclient.Options{Profile: opts.WorkspaceProfile, ConnectTimeout: opts.ConnectTimeout, Log: opts.Log})
	if err != nil {
		return Clients{}, err
	}
	// After both configurations, so that a mistake in either is named
	// before this one.
	if err := needsOAuth(a.Config, opts.AccountProfile); err != nil {
		return Clients{}, err
	}
	return ClientsFrom(a, w), nil
}

// ErrAccountNeedsOAuth is the error for a personal access token given for
// the account: Databricks' account APIs take OAuth tokens only.
var ErrAccountNeedsOAuth = errors.New("the account APIs take no personal access token")

// howToOAuth says, in one sentence, how to get an OAuth credential for the
// account.
const howToOAuth = "they need OAuth: a service principal's DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET " +
	"(client_id and client_secret in a profile; the service principal needs the account admin role), " +
	"or your own login with databricks auth login --host %s --account-id %s and that profile as --account-profile"

// needsOAuth refuses a configuration that would call the account with a
// personal access token, before any call: the service would answer only
// "Credential was not sent or was of an unsupported type for this API.".
func needsOAuth(cfg *config.Config, profile string) error {
	if cfg.Token == "" || (cfg.AuthType != "" && cfg.AuthType != "pat") {
		return nil
	}
	source := "DATABRICKS_TOKEN or the token of the DEFAULT profile"
	if profile != "" {
		source = "the token of profile " + profile
	}
	return fmt.Errorf("account configuration: %w (%s is one); "+howToOAuth,
		ErrAccountNeedsOAuth, source, accountHost(cfg), accountIDOr(cfg))
}

// accountHost is the host to log in to for the account: the unified host
// itself, else the account console.
func accountHost(cfg *config.Config) string {
	if cfg.Host == "" {
		return "https://accounts.cloud.databricks.com"
	}
	return cfg.Host
}

func accountIDOr(cfg *config.Config) string {
	if cfg.AccountID == "" {
		return "ACCOUNT_ID"
	}
	return cfg.AccountID
}

// ClientsFrom picks setup's services from SDK clients.
func ClientsFrom(a *databricks.AccountClient, w *databricks.WorkspaceClient) Clients {
	return Clients{
		AccountID:           a.Config.AccountID,
		Budgets:             a.Budgets,
		BudgetPolicies:      a.BudgetPolicy,
		AccessControl:       a.AccessControl,
		Groups:              a.GroupsV2,
		WorkspaceAssignment: a.WorkspaceAssignment,
		Workspace:           w,
		ClusterPolicies:     w.ClusterPolicies,
		CurrentUser:         w.CurrentUser,
		Statements:          w.StatementExecution,
	}
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
	case strings.Contains(err.Error(), `"invalid_client"`):
		// The token endpoint's answer to a wrong client id or secret.
		return "authentication failed (the OAuth client was refused: check DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET, or client_id and client_secret in the profile): "
	case errors.Is(err, apierr.ErrUnauthenticated) && errors.As(err, &api) && strings.Contains(api.Message, "unsupported type"):
		// What the account plane answers a personal access token.
		return "authentication failed (a personal access token cannot call the account APIs; use OAuth, see the README): "
	case errors.Is(err, apierr.ErrUnauthenticated),
		// Databricks answers an unknown token with 403 "Invalid access token".
		errors.Is(err, apierr.ErrPermissionDenied) && errors.As(err, &api) && strings.Contains(strings.ToLower(api.Message), "token"):
		return "authentication failed (check the token or profile): "
	case errors.Is(err, config.ErrCannotConfigureDefault):
		// The SDK says so when every method it tried failed.
		return "authentication failed (no credential worked: check DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET, the token, or the profile): "
	case errors.Is(err, apierr.ErrPermissionDenied):
		return "permission denied (setup needs an account admin and a workspace admin): "
	}
	return ""
}
