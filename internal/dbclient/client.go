package dbclient

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

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
	// ConnectTimeout bounds how long a request keeps trying a host that
	// does not accept the connection (--connect-timeout); zero is
	// DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// Log gets the configuration's warnings; nil is slog.Default().
	Log *slog.Logger
	// SDK, when set, is the SDK configuration used as it is, instead of
	// Profile and of the rules below: tests point it at the emulator.
	SDK *databricks.Config
}

// DefaultConnectTimeout is how long a request tries to connect by
// default. The SDK alone would retry a refused connection for 5 minutes,
// silently.
const DefaultConnectTimeout = 30 * time.Second

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
		return nil, fmt.Errorf("workspace configuration: no host: set DATABRICKS_HOST and DATABRICKS_TOKEN, or DATABRICKS_HOST, DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET (the exports \"generator emulator\" prints, for one), or name a profile")
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

// configFor is the resolved SDK configuration opts ask for, after the
// mixing rule and the unified-host rule, connecting through a transport
// that bounds connection retries.
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
			// The SDK loads the environment before the file and keeps what
			// it set: a host from one place and a token from another.
			return nil, fmt.Errorf("%w: profile %s is named, and %s %s set too (unset them, or name no profile)",
				ErrMixedConfig, profile, strings.Join(vars, ", "), isAre(len(vars)))
		}
	}
	timeout := opts.ConnectTimeout
	if timeout < 0 {
		return nil, fmt.Errorf("connect timeout %s: want a positive duration", timeout)
	}
	if timeout == 0 {
		timeout = DefaultConnectTimeout
	}
	t := newConnectTransport(timeout)
	cfg := &databricks.Config{
		Profile:       opts.Profile,
		HTTPTransport: t,
		// The SDK's one retry budget for a request; the transport spends
		// it on connecting, so the SDK does not start over. It is not a
		// deadline for a request that is answered slowly (a statement
		// waiting its wait_timeout), nor for polling a statement, which
		// is many requests.
		RetryTimeoutSeconds: int(math.Ceil(timeout.Seconds())),
	}
	c := (*config.Config)(cfg)
	// Resolving reads the environment and the file only; no request is
	// made before the host and its source are known.
	if err := c.EnsureResolved(); err != nil {
		return nil, clean(cfg, err)
	}
	log := opts.Log
	if log == nil {
		log = slog.Default()
	}
	unifiedHostRule(c, log)
	pinOAuthM2M(c)
	t.resolved(c.Host, attributeSource(c, "host"), c.InsecureSkipVerify)
	return cfg, nil
}

// unifiedHostRule honours the unified-host flag only where it belongs:
// the emulator's plain http:// host on loopback. Beside a real host it
// would send account calls to the workspace host, so it is turned off
// there, with a warning naming who set it.
func unifiedHostRule(c *config.Config, log *slog.Logger) {
	if !c.Experimental_IsUnifiedHost || loopbackHTTP(c.Host) {
		return
	}
	who := attributeSource(c, "experimental_is_unified_host")
	c.Experimental_IsUnifiedHost = false
	warnOnce(log, fmt.Sprintf("%s ignored: unified host mode is for an http:// loopback host (the emulator) only; %s is used as a workspace or account host", who, c.Host))
}

// loopbackHTTP says whether host is http:// on 127.0.0.0/8, ::1 or
// localhost.
func loopbackHTTP(host string) bool {
	u, err := url.Parse(host)
	if err != nil || u.Scheme != "http" {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// attributeSource names who set an attribute of a resolved configuration:
// its environment variable, or its key in a profile of a file.
func attributeSource(c *config.Config, name string) string {
	a, ok := c.GetAuthDetails().Configuration[name]
	if !ok {
		return name + " of the SDK configuration"
	}
	switch a.Source.Type {
	case config.SourceEnv:
		return a.Source.Name
	case config.SourceFile:
		profile := c.Profile
		if profile == "" {
			profile = "DEFAULT"
		}
		if name == "host" {
			return fmt.Sprintf("profile %s of %s", profile, a.Source.Name)
		}
		return fmt.Sprintf("%s of profile %s in %s", name, profile, a.Source.Name)
	}
	return name + " of the SDK configuration"
}

// warned holds the warnings given, by logger: a command builds several
// clients from one configuration, and says it once.
var warned sync.Map

func warnOnce(log *slog.Logger, msg string) {
	type key struct {
		log *slog.Logger
		msg string
	}
	if _, seen := warned.LoadOrStore(key{log, msg}, true); !seen {
		log.Warn(msg)
	}
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// placeAttributes say where to connect; with the credentials (the SDK's
// auth attributes) they are what a profile holds.
var placeAttributes = []string{"host", "account_id", "workspace_id", "auth_type", "experimental_is_unified_host", "azure_workspace_resource_id", "cloud", "discovery_url", "audience"}

// connectionVars are the variables set (not empty) that the SDK would
// take over a named profile's values, where or as whom to connect:
// DATABRICKS_HOST and the ids, and every credential, also those not
// spelt DATABRICKS_* (ARM_CLIENT_SECRET, GOOGLE_CREDENTIALS). Tuning such
// as DATABRICKS_RATE_LIMIT, the warehouse, and the names of the file and
// the profile are not among them.
func connectionVars() []string {
	var out []string
	for _, a := range config.ConfigAttributes {
		if !a.HasAuthAttribute() && !slices.Contains(placeAttributes, a.Name) {
			continue
		}
		for _, v := range a.EnvVars {
			if os.Getenv(v) != "" {
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
	return fmt.Errorf("host %q is a workspace host (the account API is at https://accounts.cloud.databricks.com): %w", cfg.Host, err)
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
