// Package dbclient is where Stellar Budget meets the Databricks SDK's
// clients: it builds them, and it carries out the cluster actions.
//
// # Clients
//
// Workspace and Account build the SDK's workspace and account clients
// from one Options: a named profile of the SDK's configuration file, or
// the SDK's unified auth (the DATABRICKS_* environment, then the DEFAULT
// profile). Every command and function builds its clients here, so the
// rules below hold everywhere:
//
//   - Production has two hosts: the account console
//     (https://accounts.cloud.databricks.com with DATABRICKS_ACCOUNT_ID)
//     and the workspace. A unified host serves both: with
//     DATABRICKS_EXPERIMENTAL_IS_UNIFIED_HOST=true, DATABRICKS_HOST may be
//     a plain http://127.0.0.1:PORT (the emulator), the account client
//     calls /api/2.1/accounts/{id}/... there, and the workspace client
//     needs DATABRICKS_WORKSPACE_ID.
//   - The unified-host switch (the variable, or
//     experimental_is_unified_host in a profile) is honoured only beside
//     an http:// loopback host (127.0.0.0/8, ::1, localhost). Beside any
//     other host it would send the account's calls to a workspace, so it
//     is turned off, the client built as a plain workspace or account
//     client, and a warning (Options.Log) names who set it, once per
//     logger.
//   - A named profile (Options.Profile, or DATABRICKS_CONFIG_PROFILE) is
//     read alone: the SDK loads the environment before the file and keeps
//     what the environment set, a host from one place and a token from
//     another. So a variable that says where or as whom to connect (host,
//     account and workspace ids, auth type, unified host, cloud, discovery
//     URL, and every credential the SDK reads, ARM_* and
//     GOOGLE_CREDENTIALS included) set beside a named profile is
//     ErrMixedConfig, naming the variables (never their values). Tuning
//     variables (DATABRICKS_RATE_LIMIT, debug switches) and
//     DATABRICKS_CONFIG_FILE may be set with a profile;
//     DATABRICKS_WAREHOUSE_ID too, since it names no connection.
//   - A host that does not accept the connection (refused, reset, or no
//     answer) is tried again with backoff for Options.ConnectTimeout
//     (--connect-timeout, default 30 s), then the request fails with a
//     ConnectError naming the host and the variable or profile that named
//     it: "connect to http://127.0.0.1:8765 (DATABRICKS_HOST): connection
//     refused after 30s". The SDK alone retries a refused connection for
//     its retry timeout, 5 minutes, silently. That retry timeout
//     (retry_timeout_seconds) is set to the connect timeout so the SDK
//     does not start the wait over; it is the SDK's one budget for
//     retrying a request, so a throttled (429) or unavailable (503) answer
//     is retried that long too. It is no deadline for a request the host
//     has accepted (a statement waiting out its wait_timeout), and
//     polling a statement, many requests, is bounded by the warehouse
//     source's --warehouse-timeout alone.
//   - Errors are one line, begin with "workspace configuration:" or
//     "account configuration:", say what is missing and what to set, and
//     never hold a secret (a token, client secret or password the
//     configuration or the environment carries is masked, should an SDK
//     message quote one).
//
// Options.SDK, when set, is used as it is: tests point it at the
// emulator (internal/emulator) and none of the rules above applies.
//
// # Cluster actions
//
// Clusters is the small interface the alert webhook, the copilot's tools
// and `generator agent run` act through: List (the clusters that are not
// terminated), Get, Resize, ResizeAutoscale and Terminate.
// WorkspaceClusters implements it over the SDK's Clusters API
// (clusters/list, get, resize, delete); Resize and Terminate return once
// the service has accepted the change, without waiting for the cluster to
// settle, as a function answering a webhook must. An unknown cluster id is
// ErrNoSuchCluster; a cluster in a state the action does not allow comes
// back as the service says it (errors.Is(err, apierr.ErrInvalidState)).
// Apply carries out a breach.Step; which steps to apply, and whether to
// apply them at all or only report them (dry-run), internal/breach and
// the caller decide.
package dbclient
