// Package emulator is a local Databricks: one plain-HTTP server on
// loopback that the real databricks-sdk-go (and any other Databricks SDK)
// talks to as to an account and a workspace, so the generator's
// databricks source, setup and check can be tried and tested without an
// account. `generator emulator` runs it.
//
// # Hosts and clients
//
// The server is one host for both APIs. The Go SDK reaches it in unified
// host mode (DATABRICKS_EXPERIMENTAL_IS_UNIFIED_HOST=true with
// DATABRICKS_HOST=http://127.0.0.1:PORT, DATABRICKS_CLIENT_ID,
// DATABRICKS_CLIENT_SECRET, DATABRICKS_ACCOUNT_ID and
// DATABRICKS_WORKSPACE_ID): its account client calls
// /api/2.1/accounts/{account_id}/..., its workspace client the workspace
// paths with X-Databricks-Org-Id. Other SDKs use the host as a plain
// workspace host and send no X-Databricks-Org-Id. Running.Env gives the
// seven variables in the order the command prints them; the command then
// prints the workspace's personal access token in a comment.
//
// # Authentication
//
// As on Databricks, the account APIs take OAuth tokens only; personal
// access tokens (PATs) are for a workspace ("You can't use personal access
// tokens to automate Databricks account-level functionality",
// https://docs.databricks.com/en/dev-tools/auth/pat.html). The account
// has one service principal with an OAuth secret (DefaultClientID and
// DefaultClientSecret, or Options.ClientID and ClientSecret), and the
// workspace one PAT (DefaultToken, or Options.Token). OAuth
// machine-to-machine is served as the SDK (v0.118.0, oauth-m2m) uses it:
//
//	GET  /oidc/.well-known/oauth-authorization-server                      the workspace's metadata
//	GET  /oidc/accounts/{account_id}/.well-known/oauth-authorization-server the account's
//	POST /oidc/v1/token                                                    a workspace token
//	POST /oidc/accounts/{account_id}/v1/token                              an account token
//
// The metadata (RFC 8414) names this host's authorization_endpoint
// (.../v1/authorize) and token_endpoint (.../v1/token). A workspace
// client on a plain host reads the workspace's; in unified-host mode both
// of the SDK's clients read the account's and use account tokens (an
// account client on https://accounts.* skips discovery). The token
// endpoints take the client credentials grant (RFC 6749, 4.4):
// form-encoded grant_type=client_credentials and scope=all-apis, the
// client id and secret as HTTP Basic (what the SDK sends) or as the form
// fields client_id and client_secret, not both. They answer {"access_token",
// "token_type": "Bearer", "expires_in": 3600, "scope": "all-apis"}
// (Options.TokenTTL sets the lifetime), and refuse as an OAuth server does
// ({"error", "error_description"}): a wrong or missing client, or another
// account, 401 invalid_client (with WWW-Authenticate after Basic); another
// grant 400 unsupported_grant_type; a missing grant or both client
// methods 400 invalid_request; a scope other than all-apis 400
// invalid_scope. They and the metadata need no bearer token, and no fault
// touches them. By hand, with the export lines in the environment:
//
//	curl -u "$DATABRICKS_CLIENT_ID:$DATABRICKS_CLIENT_SECRET" -d grant_type=client_credentials -d scope=all-apis $DATABRICKS_HOST/oidc/accounts/$DATABRICKS_ACCOUNT_ID/v1/token
//
// Every API request needs "Authorization: Bearer <token>". A missing or
// malformed header is 401 UNAUTHENTICATED "Credential was not sent or was
// of an unsupported type for this API.". On an account route (any path
// /api/{version}/accounts/... or /api/{version}/preview/accounts/..., served
// or not) anything but an account token, a PAT above all, gets that same
// answer: it is what the account plane answers a PAT
// (https://github.com/databricks/cli/pull/5341 quotes it). A workspace
// route takes the PAT and both kinds of token. A token never issued is 403
// {"error_code": "403", "message": "Invalid access token."}; one past its
// lifetime 401 UNAUTHENTICATED "Token is expired.", as Databricks answers.
// The admin endpoints take what a workspace route takes.
// X-Databricks-Org-Id is optional; when present it must be the workspace
// id (else 403 PERMISSION_DENIED). Every error body of the APIs is
// Databricks' {"error_code", "message"}; a path the emulator does not
// serve is 404 ENDPOINT_NOT_FOUND.
//
// What authentication still does not do, against Databricks: there is one
// service principal and one PAT, and every credential acts as the one
// seeded admin (SCIM Me answers the same user whoever calls, where the
// service answers the service principal by its application id); access
// tokens are opaque, not JWTs, and nothing is served at the authorization
// endpoint (no user-to-machine login) or a JWKS; the account's metadata is
// 404 for any other account id, where the service's answer for an
// unknown account was not found documented.
//
// # Endpoints
//
// Statement execution (statements.go), dispositions INLINE and
// EXTERNAL_LINKS, format JSON_ARRAY:
//
//	POST /api/2.0/sql/statements                       execute
//	GET  /api/2.0/sql/statements/{id}                  get
//	GET  /api/2.0/sql/statements/{id}/result/chunks/{n} result chunk n
//	POST /api/2.0/sql/statements/{id}/cancel           cancel
//	GET  /storage/results/{id}/{n}?expires=&signature= an external link
//
// A statement is PENDING while its warehouse starts (a STOPPED warehouse is
// started by the statement, as on Databricks), RUNNING while the engine
// runs it, then SUCCEEDED, FAILED (status.error: error_code BAD_REQUEST and
// a message led by the Databricks error class, e.g. "[TABLE_OR_VIEW_NOT_FOUND]
// The table or view `system`.`billing`.`usagex` cannot be found. ...",
// [PARSE_SYNTAX_ERROR], [UNRESOLVED_COLUMN.WITHOUT_SUGGESTION],
// [UNRESOLVED_ROUTINE], [CAST_INVALID_INPUT], [INSUFFICIENT_PERMISSIONS]
// for anything but a query or a write of the agent trail's table,
// [TABLE_OR_VIEW_ALREADY_EXISTS], [DELTA_CANNOT_MODIFY_APPEND_ONLY]) or
// CANCELED. wait_timeout is
// "0s" (answer at once) or 5s to 50s (default 10s); on_wait_timeout
// CONTINUE answers with the state so far, CANCEL cancels. Other
// dispositions and formats, and other wait_timeouts, are 400
// INVALID_PARAMETER_VALUE (ARROW_STREAM and CSV with EXTERNAL_LINKS too,
// which the service serves: nothing here reads them). row_limit truncates (manifest.truncated); named
// parameters (:name with parameters[].name/value/type) are bound as typed
// literals. Results come in chunks of Options.ChunkRows rows
// (DefaultChunkRows): manifest.total_chunk_count and manifest.chunks list
// them, result.next_chunk_index and next_chunk_internal_link lead to the
// next. The manifest's schema has Databricks' type_name, type_text,
// type_precision and type_scale (BIGINT is type_name LONG, as Databricks
// writes it); values are text as in JSON_ARRAY, SQL NULL a JSON null,
// timestamps in the session time zone with their offset
// (2026-11-23T01:00:00.000Z in UTC, 2026-11-22T17:00:00.000-08:00 in
// America/Los_Angeles). A finished statement's result stays an hour.
// Executing on a warehouse id the workspace does not have is 404
// RESOURCE_DOES_NOT_EXIST, as is an unknown statement id.
//
// An INLINE result larger than Options.InlineLimit (--inline-limit,
// default 25 MiB as on the service) fails its statement as the service
// does: FAILED, error_code BAD_REQUEST, "Inline byte limit exceeded.
// Statements executed with disposition=INLINE can have a result size of at
// most 26214400 bytes. Please execute the statement with
// disposition=EXTERNAL_LINKS if you want to download the full result." (the
// message clients report, e.g. databrickslabs/ucx issue 3447), with no
// result; manifest.truncated stays for row_limit. The service measures its
// internal representation, the emulator the rows' JSON.
//
// With EXTERNAL_LINKS (statements_links.go) the chunks are the same, and
// result (of the statement and of result/chunks/{n}) holds external_links
// with one link: chunk_index, row_offset, row_count, byte_count,
// external_link, expiration, next_chunk_index and next_chunk_internal_link.
// The link is on the host the request came to, outside /api, signed
// (HMAC of the chunk and its expiry, the signature query parameter) and
// good for Options.LinkLifetime (DefaultLinkLifetime, 15 minutes, the
// service's most); asking for the chunk again gives a fresh one. Fetched
// with no Authorization header, it answers the chunk's rows as compact
// JSON (byte_count bytes). It answers as S3 answers a presigned URL,
// with an XML error: a request that also carries an Authorization header
// (the workspace token) is 400 InvalidArgument "Only one auth mechanism
// allowed; ...", a changed signature 403 SignatureDoesNotMatch, a link
// past its expiration 403 AccessDenied "Request has expired", a chunk
// that is gone 404 NoSuchKey. Azure and GCS answer those cases in their own
// words; http_headers is never set; byte_limit (100 GiB by default on the
// service) is not applied; API faults do not reach the links.
//
// Statements run in Options.SessionTimeZone (--session-timezone, default
// UTC), as in a workspace whose spark.sql.session.timeZone is set:
// TIMESTAMP is an instant, shown in the zone with its offset; hour(),
// CAST(... AS DATE), current_date() and TIMESTAMP literals without an
// offset read it; convert_timezone and current_timezone() take it as their
// default. Still unlike the service: a TIMESTAMP cast to STRING keeps
// DuckDB's offset (2026-11-22 17:00:00-08), and TIMESTAMP_NTZ values come
// back as type TIMESTAMP with a Z.
//
// The SQL is executed, never canned: the Engine (internal/duckdb's
// SystemTables) holds the demo account's system.billing.usage and
// system.billing.list_prices with the real tables' types, and each
// statement is translated from the Databricks dialect to DuckDB's first
// (dialect.go lists what is translated). As on Databricks, statements only
// read the system tables (the admin endpoints below change them) and reach
// no file. The emulated clock's today is Options.AsOf: current_date()
// answers it.
//
// One table is writable (statements_trail.go): the agent trail's Delta
// table, Options.TraceTable (catalog.schema.table, what
// STELLAR_TRACE_TABLE names; the command's --trace-table, default
// DefaultTraceTable), as for a principal granted CREATE TABLE on its
// schema and MODIFY on it. Its catalog and schema exist from the start.
// CREATE TABLE [IF NOT EXISTS] of it answers no columns and no rows (USING
// DELTA, COMMENT '...' and TBLPROPERTIES are taken; 'delta.appendOnly' =
// 'true' makes a MERGE with a WHEN MATCHED or WHEN NOT MATCHED BY SOURCE
// clause fail [DELTA_CANNOT_MODIFY_APPEND_ONLY]); MERGE INTO it answers one
// row of num_affected_rows, num_updated_rows, num_deleted_rows and
// num_inserted_rows (BIGINT), as Delta does; SELECTs read it; its name
// matches whatever the case, with or without backticks, but only in full
// (three parts). Its rows last as long as the engine. Every other write
// (CREATE, INSERT, UPDATE, DELETE, MERGE, DROP, ALTER, ...) fails
// [INSUFFICIENT_PERMISSIONS] before it reaches the engine. Concurrent
// MERGEs run one after the other: the emulator never answers
// [DELTA_CONCURRENT_APPEND], which Databricks may give two MERGEs that
// read the same table at once.
//
// SQL warehouses (warehouses.go), seeded with a serverless Pro warehouse
// that starts STOPPED with auto stop on (DefaultWarehouseID, the one
// DATABRICKS_WAREHOUSE_ID names) and two that break the division's rules
// (a classic one with auto stop off and no OperationalCategory tag, one
// tagged with an unknown category and no Owner); tags are in
// tags.custom_tags as the real API returns them:
//
//	GET  /api/2.0/sql/warehouses              list
//	GET  /api/2.0/sql/warehouses/{id}         get
//	POST /api/2.0/sql/warehouses/{id}/start   STOPPED -> STARTING -> RUNNING
//	POST /api/2.0/sql/warehouses/{id}/stop    -> STOPPED
//
// A starting warehouse is RUNNING after Faults.WarehouseStartDelay; a
// running one stops after auto_stop_mins without statements.
//
// The workspace objects (workspace*.go: clusters, cluster policies and
// their permissions, jobs, pipelines, SCIM Me) and the account objects
// (account*.go: budgets, budget policies, and the access-control rule sets
// that let a group use a budget policy) have their own files; their paths
// are the SDK's:
//
//	GET|POST      /api/2.1/clusters/{list,get,edit,resize,delete}
//	GET|POST      /api/2.0/policies/clusters/{list,get,create,edit,delete}
//	GET|PUT|PATCH /api/2.0/permissions/cluster-policies/{id}
//	GET           /api/2.2/jobs/{list,get}
//	GET           /api/2.0/pipelines, /api/2.0/pipelines/{id}
//	GET           /api/2.0/preview/scim/v2/Me
//	GET|POST      /api/2.1/accounts/{account_id}/budgets
//	GET|PUT|DELETE /api/2.1/accounts/{account_id}/budgets/{id}
//	GET|POST      /api/2.1/accounts/{account_id}/budget-policies
//	GET|PATCH|DELETE /api/2.1/accounts/{account_id}/budget-policies/{id}
//	GET|PUT       /api/2.0/preview/accounts/{account_id}/access-control/rule-sets
//	GET           /api/2.0/accounts/{account_id}/scim/v2/Groups, .../Groups/{id}
//	GET           /api/2.0/accounts/{account_id}/workspaces/{workspace_id}/permissionassignments
//
// # Groups
//
// The account (account_groups.go) has the groups content/ names (each
// category's group), assigned to the workspace, and the platform team's
// sad-platform; the workspace has its own admins and users. SCIM Groups
// lists them (filter: one comparison of displayName, id or externalId with
// eq, ne, co or sw, e.g. displayName eq "sad-deep-space", matched whatever
// the case; startIndex from 1, count up to 10000; an empty page past the
// end) and gets one by id; its errors are SCIM's
// {"schemas", "status", "detail", "scimType"} (400 invalidFilter, 404).
// The workspace's permission assignments list the admin user (ADMIN) and
// every assigned group (USER).
//
// A grant to a group that does not exist is refused, as the services do:
//
//   - a budget policy rule set naming groups/<name> the account lacks:
//     404 RESOURCE_DOES_NOT_EXIST "Principal groups/<name> not found in
//     account." The exact text the access-control service writes was not
//     found in public sources; this follows the account's answer for an
//     unknown principal in the Workspace Assignment API, "Principal not
//     found in account." (terraform-provider-databricks,
//     access/resource_permission_assignment_test.go).
//   - a cluster policy permissions PUT or PATCH naming a group_name that
//     is neither the workspace's own nor an account group assigned to the
//     workspace: 404 RESOURCE_DOES_NOT_EXIST "Principal: GroupName(<name>)
//     does not exist", the Permissions API's message
//     (github.com/databricks/cli/issues/4488 quotes it for a user,
//     "Principal: UserName(...) does not exist"; clients see it as
//     ResourceDoesNotExist).
//
// Users and service principals are not checked: the emulator keeps no
// directory of them, so a grant to any user or service principal passes.
// Groups are added, unassigned and removed through the admin endpoints
// below (on the service: account console > User management > Groups, and
// Workspaces > <workspace> > Permissions); the SCIM and assignment APIs'
// writes are not served.
//
// Clusters (workspace_clusters.go) hold to the Clusters API's rules as
// documented: resize takes num_workers or autoscale, not both, and an
// autoscale range needs 0 <= min_workers < max_workers; num_workers makes
// an autoscaling cluster fixed-size. Only a RUNNING cluster is resized
// (any other state, RESIZING included, is 400 INVALID_STATE "Cluster ... is
// in unexpected state Terminated."); it is RESIZING, showing the size
// asked for, until it settles RUNNING a second later (transitionTime).
// Edit takes a RUNNING (it restarts) or TERMINATED cluster, never a job's
// or a pipeline's. Delete terminates a cluster in any live state
// (TERMINATING, then TERMINATED with reason USER_REQUEST); on a
// terminating or terminated cluster it is a no-op. An unknown cluster id
// is 400 INVALID_PARAMETER_VALUE "Cluster ... does not exist", which the
// SDK maps to ErrResourceDoesNotExist on get only. A policy's worker and
// tag rules hold on edit and resize. The seeded workspace
// (seed_workspace.go) has clusters of several categories, RUNNING and
// TERMINATED, fixed-size and autoscaling, all-purpose, job and pipeline
// ones, rule-breakers, and one tagged StellarBudget=exempt, for breach
// actions to act on or leave alone.
//
// Jobs carry budget_policy_id in their settings and
// effective_budget_policy_id (list and get); a pipeline carries
// spec.budget_policy_id, and effective_budget_policy_id on
// /api/2.0/pipelines/{id} only: the list has neither, as on the service.
// A cluster policy definition is stored as given, with any cluster_type
// (all-purpose, job, or dlt for pipeline clusters), as the service stores
// it without judging its shape. Serverless work is seeded
// (seed_serverless.go): the first category's serverless job on its own
// budget policy and the last category's on the first's, both with the
// job ids the demo account's usage carries for them, a serverless
// pipeline, and a classic pipeline on the pipelines policy of the first
// category with policy.allow_pipelines. Deviation: those policies are
// setup's to create, so the seed reserves their ids, and the budget policy
// named, or the cluster policy whose description starts with, setup's key
// gets the reserved id when created; until then the workload names a
// policy that does not exist. The service would have an admin move the
// workload onto the new policy; jobs and pipelines cannot be created or
// edited here.
//
// What the clusters still do not do, against a real workspace: create,
// start, restart, pin and permanent-delete are not served, nor cluster
// events or permissions (any token may resize or terminate any cluster,
// where the service needs CAN_MANAGE or CAN_RESTART); a resize is
// accepted on a job's or a pipeline's cluster, which the service may
// refuse or the pipeline undo; workers never fail to arrive (no cloud
// capacity errors, no spark_info), and num_workers of an autoscaling
// cluster stays 0 rather than showing its current workers; job and
// pipeline clusters do not start and end with runs: they keep their
// seeded state until resized or terminated; terminated clusters are kept
// forever, not for 30 days.
//
// # Faults
//
// Faults are set at start (Options.Faults; the command's flags) and at run
// time through the admin endpoints. A request fault fails the next Count
// API requests whose path starts with PathPrefix (any path when empty),
// after the token check, and is used up one request at a time:
//
//	too_many_requests  429 TOO_MANY_REQUESTS with Retry-After (retry_after,
//	                   whole seconds); the Go SDK retries these
//	unavailable        503 TEMPORARILY_UNAVAILABLE; the Go SDK retries these
//	internal_errors    500 INTERNAL_ERROR; the Go SDK (v0.118.0) does not
//	                   retry these, so with path_prefix
//	                   "/api/2.0/sql/statements/" a result pull fails midway
//	                   (submitting a statement is not under that prefix)
//
// and the standing ones:
//
//	delay                   every API request waits this long ("300ms")
//	expired_token           every API request gets 401 UNAUTHENTICATED
//	                        "Token is expired."
//	warehouse_start_delay   how long a warehouse stays STARTING
//	warehouse_never_starts  warehouses stay STARTING; statements PENDING
//	statement_failures      {"count": N}: the next N statements run end
//	                        FAILED with TEMPORARILY_UNAVAILABLE,
//	                        WORKSPACE_TEMPORARILY_UNAVAILABLE and
//	                        SERVICE_UNDER_MAINTENANCE in turn, as the
//	                        service's statements do in an outage (the
//	                        request itself is answered 200: only a client
//	                        that resubmits gets through)
//
// Durations are Go duration text ("1.5s") or a number of seconds.
//
// # Admin endpoints
//
// Not part of Databricks; they take the PAT or an OAuth token, but no faults
// (so an expired-token fault can be switched off again):
//
//	GET    /emulator/admin/faults       the faults in force, as JSON
//	POST   /emulator/admin/faults       replace the fields the body names,
//	                                    e.g. {"too_many_requests": {"count": 3,
//	                                    "path_prefix": "/api/2.0/sql/"},
//	                                    "retry_after": "2s"}; answers the
//	                                    faults now in force
//	DELETE /emulator/admin/faults       switch every fault off
//	POST   /emulator/admin/corrections  a late correction of one usage day:
//	                                    {"usage_date": "2026-11-02",
//	                                    "factor": "1.1", "category":
//	                                    "DEEP_SPACE_TELEMETRY",
//	                                    "ingestion_date": "2026-11-23"}
//	                                    (category and ingestion_date optional;
//	                                    the latter defaults to the emulated
//	                                    today) appends, per group of the day's
//	                                    records with the same keys, a
//	                                    RETRACTION of its net quantity and a
//	                                    RESTATEMENT of factor times it;
//	                                    answers {"groups", "rows_added", ...}
//	GET    /emulator/admin/groups       the account's groups: id,
//	                                    display_name, assigned
//	PUT    /emulator/admin/groups/NAME  {"assigned": true|false}: adds the
//	                                    group, or assigns it to the workspace
//	                                    or takes it off
//	DELETE /emulator/admin/groups/NAME  removes the group from the account
//	POST   /emulator/admin/sql          {"statement": "..."}: runs a statement
//	                                    that changes the system tables (e.g.
//	                                    an INSERT of hand-made usage rows) or
//	                                    the agent trail's table as its owner
//	                                    could, append-only or not (an UPDATE
//	                                    that check --audit must catch), in
//	                                    the Databricks dialect
//
// For example:
//
//	curl -H "Authorization: Bearer dapi-stellar-emulator" -d '{"internal_errors": {"count": 10, "path_prefix": "/api/2.0/sql/statements/"}}' $DATABRICKS_HOST/emulator/admin/faults
//
// # The command
//
//	generator emulator [--addr 127.0.0.1:8765] [--as-of YYYY-MM-DD] [--content DIR]
//	                   [--chunk-rows N] [--inline-limit 25MiB] [--session-timezone UTC]
//	                   [--warehouse-start-delay 5s] [--warehouse-never-starts]
//	                   [--throttle N] [--throttle-path P] [--retry-after 1s]
//	                   [--unavailable N] [--unavailable-path P]
//	                   [--internal-errors N] [--internal-errors-path P]
//	                   [--delay D] [--expired-token] [--memory-limit 1GB]
//
// prints the export lines and serves until Ctrl+C or SIGTERM.
package emulator
