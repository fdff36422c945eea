// Package fnenv builds the serverless functions from their environment,
// the one place that reads it: functions/<name>/main.go (deployed) and
// `generator serve` (locally) call it and get an http.Handler.
//
// # Environment
//
//	STELLAR_AGENT_TOKENS      viewer:<token>,operator:<token>,... (agent, mcp)
//	STELLAR_WEBHOOK_USER, STELLAR_WEBHOOK_PASSWORD
//	                          the Basic credentials of the Databricks webhook
//	                          destination (alert-webhook)
//	STELLAR_WEBHOOK_SECRET    the key the generator signs its alert events with
//	                          (alert-webhook; build --notify)
//	STELLAR_SNAPSHOT          the snapshot to read: a path (default
//	                          public/data/snapshot.json, which a Netlify deploy
//	                          ships with the functions, see netlify.toml) or an
//	                          https:// URL
//	STELLAR_STATE             the local state directory holding the trail
//	                          (default .stellar-state); deployed functions have
//	                          no lasting disk and set STELLAR_TRACE_TABLE
//	STELLAR_TRACE_TABLE       catalog.schema.table: the trail in Databricks,
//	                          written on DATABRICKS_WAREHOUSE_ID
//	DATABRICKS_*              the workspace the cluster actions go to (the SDK's
//	                          unified auth); unset: acting tools answer 503
//	SLACK_BOT_TOKEN, SLACK_WEBHOOK_URL  where slack_alert posts
//
// Secrets are read here and handed down; nothing logs them.
package fnenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/novadynamics/stellar-budget/internal/copilot"
	"github.com/novadynamics/stellar-budget/internal/dbclient"
	"github.com/novadynamics/stellar-budget/internal/gate"
	"github.com/novadynamics/stellar-budget/internal/notify"
	"github.com/novadynamics/stellar-budget/internal/snapshot"
	"github.com/novadynamics/stellar-budget/internal/trail"
)

// DefaultSnapshot is where a build writes its snapshot.
const DefaultSnapshot = "public/" + snapshot.Path

// Env is what a function is built from.
type Env struct {
	Getenv func(string) string
	Now    func() time.Time
	Log    *slog.Logger
	// Clusters, when set, is used instead of a client built from the
	// DATABRICKS_* environment (serve passes the emulator's).
	Clusters dbclient.Clusters
	Client   *http.Client // fetches a snapshot URL; nil: 30 s timeout
	// ConnectTimeout bounds how long a request to Databricks keeps trying
	// a host that does not accept the connection; 0 is dbclient's default.
	ConnectTimeout time.Duration
}

// dbOptions are the options of the DATABRICKS_* workspace's client.
func (e Env) dbOptions() dbclient.Options {
	return dbclient.Options{ConnectTimeout: e.ConnectTimeout, Log: e.Log}
}

func (e Env) get(name string) string { return strings.TrimSpace(e.Getenv(name)) }

// Agent builds the agent function.
func Agent(e Env) (http.Handler, error) {
	svc, tokens, err := Service(e, true)
	if err != nil {
		return nil, fmt.Errorf("agent function: %w", err)
	}
	return copilot.Handler(svc, tokens), nil
}

// AlertWebhook builds the alert-webhook function. At least one sender
// must be configured: Basic credentials, or the signing secret.
func AlertWebhook(e Env) (http.Handler, error) {
	creds := copilot.AlertCredentials{User: e.get("STELLAR_WEBHOOK_USER"), Password: e.Getenv("STELLAR_WEBHOOK_PASSWORD"), Secret: []byte(e.Getenv("STELLAR_WEBHOOK_SECRET"))}
	var errs []error
	if (creds.User == "") != (creds.Password == "") {
		errs = append(errs, errors.New("set both STELLAR_WEBHOOK_USER and STELLAR_WEBHOOK_PASSWORD, or neither"))
	}
	if creds.Password != "" && len(creds.Password) < 16 {
		errs = append(errs, errors.New("STELLAR_WEBHOOK_PASSWORD is shorter than 16 characters"))
	}
	if len(creds.Secret) > 0 && len(creds.Secret) < 16 {
		errs = append(errs, errors.New("STELLAR_WEBHOOK_SECRET is shorter than 16 characters"))
	}
	if creds.User == "" && len(creds.Secret) == 0 {
		errs = append(errs, errors.New("no sender can authenticate: set STELLAR_WEBHOOK_USER and STELLAR_WEBHOOK_PASSWORD (Databricks SQL alerts) or STELLAR_WEBHOOK_SECRET (the generator's events)"))
	}
	svc, _, err := Service(e, false)
	if err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("alert-webhook function: %w", err)
	}
	return copilot.AlertHandler(svc, creds, e.Now), nil
}

// Service builds the copilot's service and, when withTokens, the caller
// tokens (STELLAR_AGENT_TOKENS).
func Service(e Env, withTokens bool) (*copilot.Service, gate.Tokens, error) {
	var errs []error
	var tokens gate.Tokens
	if withTokens {
		t, err := gate.ParseTokens(e.Getenv("STELLAR_AGENT_TOKENS"))
		if err != nil {
			errs = append(errs, err)
		}
		tokens = t
	}
	store, err := Trail(e)
	if err != nil {
		errs = append(errs, err)
	}
	clusters, err := Clusters(e)
	if err != nil {
		errs = append(errs, err)
	}
	var poster notify.Poster
	if p, err := notify.NewPoster(notify.PostConfig{BotToken: e.get("SLACK_BOT_TOKEN"), WebhookURL: e.get("SLACK_WEBHOOK_URL")}); err == nil {
		poster = p
	} else if !errors.Is(err, notify.ErrNoSlack) {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, gate.Tokens{}, err
	}
	return &copilot.Service{
		Snapshot: Snapshots(e), Clusters: clusters, Slack: poster, Trail: store, Now: e.Now, Log: e.Log,
	}, tokens, nil
}

// Trail opens the trail: the Databricks table STELLAR_TRACE_TABLE names,
// written on DATABRICKS_WAREHOUSE_ID's warehouse, else trail.jsonl in
// STELLAR_STATE.
func Trail(e Env) (trail.Store, error) {
	cfg := trail.Config{StateDir: e.get("STELLAR_STATE"), Table: e.get(trail.EnvTable), Log: e.Log}
	if cfg.StateDir == "" {
		cfg.StateDir = ".stellar-state"
	}
	if cfg.Table != "" {
		cfg.WarehouseID = e.get("DATABRICKS_WAREHOUSE_ID")
		if cfg.WarehouseID == "" {
			return nil, fmt.Errorf("%s is set: set DATABRICKS_WAREHOUSE_ID too, the warehouse that writes it", trail.EnvTable)
		}
		w, err := dbclient.Workspace(e.dbOptions())
		if err != nil {
			return nil, fmt.Errorf("the trail table: %w", err)
		}
		cfg.Statements = w.StatementExecution
	}
	return trail.Open(cfg)
}

// Clusters are the cluster actions of the DATABRICKS_* workspace; nil
// when none is configured.
func Clusters(e Env) (dbclient.Clusters, error) {
	if e.Clusters != nil {
		return e.Clusters, nil
	}
	if e.get("DATABRICKS_HOST") == "" && e.get("DATABRICKS_CONFIG_PROFILE") == "" {
		return nil, nil
	}
	w, err := dbclient.Workspace(e.dbOptions())
	if err != nil {
		return nil, err
	}
	return dbclient.NewClusters(w), nil
}

// Snapshots returns a reader of the latest snapshot: a file is read again
// when it changes (a rebuild under serve), a URL at most once a minute.
func Snapshots(e Env) func(context.Context) (*snapshot.Snapshot, error) {
	src := e.get("STELLAR_SNAPSHOT")
	if src == "" {
		src = DefaultSnapshot
	}
	client := e.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	var (
		mu      sync.Mutex
		cached  *snapshot.Snapshot
		stamp   time.Time // the file's modification time, or when the URL was read
		fetched time.Time
	)
	return func(ctx context.Context) (*snapshot.Snapshot, error) {
		mu.Lock()
		defer mu.Unlock()
		if strings.HasPrefix(src, "https://") || strings.HasPrefix(src, "http://") {
			if cached != nil && e.Now().Sub(fetched) < time.Minute {
				return cached, nil
			}
			s, err := fetch(ctx, client, src)
			if err != nil {
				return nil, err
			}
			cached, fetched = s, e.Now()
			return s, nil
		}
		info, err := os.Stat(src)
		if err != nil {
			return nil, fmt.Errorf("read the snapshot %s: %w (build the site first, or set STELLAR_SNAPSHOT)", src, err)
		}
		if cached != nil && info.ModTime().Equal(stamp) {
			return cached, nil
		}
		s, err := snapshot.ReadFile(src)
		if err != nil {
			return nil, err
		}
		cached, stamp = s, info.ModTime()
		return s, nil
	}
}

func fetch(ctx context.Context, client *http.Client, url string) (*snapshot.Snapshot, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("read the snapshot %s: %w", url, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read the snapshot: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("read the snapshot %s: %s", url, resp.Status)
	}
	return snapshot.Read(io.LimitReader(resp.Body, 64<<20))
}

// Lambda adapts a function's handler to the API Gateway proxy events
// Netlify hands a Go function; the Lambda context (with the Identity
// client context) reaches the handler in the request's context.
func Lambda(h http.Handler) func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return httpadapter.New(h).ProxyWithContext
}

// Main runs a function on AWS Lambda: build from the process's
// environment, then serve API Gateway proxy events. A function that cannot
// be built logs why and exits, so the deploy's log names what to set.
func Main(name string, build func(Env) (http.Handler, error)) {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	h, err := build(Env{Getenv: os.Getenv, Now: time.Now, Log: log})
	if err != nil {
		log.Error("the function cannot start", "function", name, "err", err)
		os.Exit(1)
	}
	lambda.Start(Lambda(h))
}
