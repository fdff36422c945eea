package dbclient

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/config"
)

// Options say where the Databricks clients connect and as whom.
type Options struct {
	// Profile names a profile of the SDK's configuration file
	// (~/.databrickscfg, or the file DATABRICKS_CONFIG_FILE names). Empty
	// leaves the choice to the SDK's unified auth: the DATABRICKS_*
	// environment, else the file's DEFAULT profile.
	Profile string
	// SDK, when set, is the SDK configuration used as it is, instead of
	// Profile and of the mixing rule: tests point it at the emulator.
	SDK *databricks.Config
}

// ErrMixedConfig is the error for a named profile given while DATABRICKS_*
// variables also say where or as whom to connect.
var ErrMixedConfig = errors.New("a named profile mixed with DATABRICKS_* variables")

// Workspace builds a workspace client. Its errors are one line, start with
// "workspace configuration:", say what to set, and hold no secret.
func Workspace(opts Options) (*databricks.WorkspaceClient, error) {
	cfg, err := configFor(opts)
	if err != nil {
		return nil, fmt.Errorf("workspace configuration: %w", err)
	}
	w, err := databricks.NewWorkspaceClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("workspace configuration: %w", explainWorkspace(cfg, err))
	}
	if w.Config.Host == "" {
		return nil, fmt.Errorf("workspace configuration: no host: set DATABRICKS_HOST and DATABRICKS_TOKEN (the exports \"generator emulator\" prints, for one), or name a profile")
	}
	return w, nil
}

// Account builds an account client. Its errors are one line, start with
// "account configuration:", say what to set, and hold no secret.
func Account(opts Options) (*databricks.AccountClient, error) {
	cfg, err := configFor(opts)
	if err != nil {
		return nil, fmt.Errorf("account configuration: %w", err)
	}
	a, err := databricks.NewAccountClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("account configuration: %w", explainAccount(cfg, err))
	}
	return a, nil
}

// configFor is the SDK configuration opts ask for, after the mixing rule.
func configFor(opts Options) (*databricks.Config, error) {
	if opts.SDK != nil {
		return opts.SDK, nil
	}
	profile := opts.Profile
	if profile == "" {
		profile = os.Getenv("DATABRICKS_CONFIG_PROFILE")
	}
	if profile != "" {
		if vars := connectionVars(); len(vars) > 0 {
			// The SDK would take these over the profile's own values, one
			// by one: a host from one place and a token from another.
			return nil, fmt.Errorf("%w: profile %s is named, and %s %s set too (unset them, or name no profile)",
				ErrMixedConfig, profile, strings.Join(vars, ", "), isAre(len(vars)))
		}
	}
	return &databricks.Config{Profile: opts.Profile}, nil
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// placeAttributes say where to connect; with the credentials (the SDK's
// auth attributes) they are what a profile holds.
var placeAttributes = []string{"host", "account_id", "workspace_id", "auth_type", "experimental_is_unified_host", "azure_workspace_resource_id"}

// connectionVars are the DATABRICKS_* variables set (not empty) that say
// where or as whom to connect; tuning such as DATABRICKS_RATE_LIMIT, and
// the names of the file and the profile, are not among them.
func connectionVars() []string {
	var out []string
	for _, a := range config.ConfigAttributes {
		if !a.HasAuthAttribute() && !slices.Contains(placeAttributes, a.Name) {
			continue
		}
		for _, v := range a.EnvVars {
			if strings.HasPrefix(v, "DATABRICKS_") && os.Getenv(v) != "" {
				out = append(out, v)
			}
		}
	}
	slices.Sort(out)
	return out
}

func explainWorkspace(cfg *databricks.Config, err error) error {
	switch {
	case errors.Is(err, databricks.ErrWorkspaceIDRequired):
		return fmt.Errorf("no workspace id (a unified host needs DATABRICKS_WORKSPACE_ID, or workspace_id in the profile): %w", err)
	case errors.Is(err, databricks.ErrNotWorkspaceClient):
		return fmt.Errorf("host %q is an account host (name a workspace host, or a profile of one): %w", cfg.Host, err)
	}
	return clean(cfg, err)
}

func explainAccount(cfg *databricks.Config, err error) error {
	if !errors.Is(err, databricks.ErrNotAccountClient) {
		return clean(cfg, err)
	}
	switch {
	case cfg.Host == "":
		return fmt.Errorf("no host (set DATABRICKS_HOST to https://accounts.cloud.databricks.com, or name a profile): %w", err)
	case cfg.AccountID == "":
		return fmt.Errorf("no account id (set DATABRICKS_ACCOUNT_ID, or account_id in the profile): %w", err)
	}
	return fmt.Errorf("host %q is a workspace host (the account API is at https://accounts.cloud.databricks.com; a unified host needs DATABRICKS_EXPERIMENTAL_IS_UNIFIED_HOST=true): %w", cfg.Host, err)
}

// clean puts an SDK error on one line and masks any secret of the
// configuration or the environment in it. The SDK already writes "***" for
// them; this holds if a message ever quotes one.
func clean(cfg *databricks.Config, err error) error {
	msg := strings.Join(strings.Fields(err.Error()), " ")
	for _, a := range config.ConfigAttributes {
		if !a.Sensitive {
			continue
		}
		secrets := []string{a.GetString((*config.Config)(cfg))}
		for _, v := range a.EnvVars {
			secrets = append(secrets, os.Getenv(v))
		}
		for _, s := range secrets {
			if len(s) >= 4 {
				msg = strings.ReplaceAll(msg, s, "***")
			}
		}
	}
	return cleaned{msg: msg, err: err}
}

// cleaned shows the cleaned message and keeps the SDK error for errors.Is.
type cleaned struct {
	msg string
	err error
}

func (c cleaned) Error() string { return c.msg }
func (c cleaned) Unwrap() error { return c.err }
