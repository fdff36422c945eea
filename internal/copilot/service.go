package copilot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/novadynamics/stellar-budget/internal/breach"
	"github.com/novadynamics/stellar-budget/internal/dbclient"
	"github.com/novadynamics/stellar-budget/internal/gate"
	"github.com/novadynamics/stellar-budget/internal/notify"
	"github.com/novadynamics/stellar-budget/internal/snapshot"
	"github.com/novadynamics/stellar-budget/internal/trail"
)

// Service answers the copilot's tool calls.
type Service struct {
	// Snapshot reads the latest build's snapshot.
	Snapshot func(ctx context.Context) (*snapshot.Snapshot, error)
	// Clusters acts on the workspace; nil: scale_cluster and what-if
	// resizes answer 503.
	Clusters dbclient.Clusters
	// Slack posts slack_alert's messages; nil: slack_alert answers 503.
	Slack notify.Poster
	// Trail records every decision and keeps the once-only keys.
	Trail trail.Store
	Now   func() time.Time
	Log   *slog.Logger

	forecasts forecastCache // predict_cost's, of the snapshot in use
}

// Answer is a tool's answer. Every answer names the data it used.
type Answer struct {
	RequestID   string         `json:"request_id"`
	Tool        string         `json:"tool"`
	AsOf        string         `json:"as_of"`
	DataThrough string         `json:"data_through"`
	Outcome     trail.Outcome  `json:"outcome,omitempty"`
	Prediction  *Prediction    `json:"prediction,omitempty"`
	Cluster     *ClusterAnswer `json:"cluster,omitempty"`
	Slack       *SlackAnswer   `json:"slack,omitempty"`
}

// SlackAnswer says where slack_alert's message went.
type SlackAnswer struct {
	Channel string `json:"channel"`
	TS      string `json:"ts,omitempty"`
	Via     string `json:"via"`
}

// Result is a call's answer as JSON and whether it is the first answer
// given again (a retried request id).
type Result struct {
	Body     json.RawMessage
	Status   int // the HTTP status it was given with; 0 is 200
	Replayed bool
}

// Call runs one tool call for caller. The role comes first, from the tool
// alone; then the arguments are read; then the tool runs. A refusal is a
// *gate.Problem.
func (s *Service) Call(ctx context.Context, caller gate.Caller, req Request) (Result, error) {
	if err := req.Check(); err != nil {
		return Result{}, err
	}
	need, _ := RoleFor(req.Tool)
	if !caller.Role.Allows(need) {
		s.log().Warn("tool refused for the caller's role", "caller", caller.Name, "role", caller.Role, "tool", req.Tool)
		return Result{}, gate.Refuse(http.StatusForbidden, "forbidden", "%s needs the %s role; %s has %q", req.Tool, need, caller.Name, caller.Role)
	}
	switch req.Tool {
	case ToolPredictCost:
		return s.predict(ctx, req)
	case ToolScaleCluster:
		return s.scale(ctx, caller, req)
	}
	return s.slack(ctx, caller, req)
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

func (s *Service) snapshot(ctx context.Context) (*snapshot.Snapshot, error) {
	snap, err := s.Snapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the snapshot: %w", err)
	}
	return snap, nil
}

// key is the once-only key of a request: the caller's, so two callers'
// request ids never meet.
func key(caller gate.Caller, req Request) string {
	return "agent/" + caller.Name + "/" + req.RequestID
}

func unavailable(what string) error {
	return gate.Refuse(http.StatusServiceUnavailable, "not_configured", "%s is not configured for this function", what)
}

func (s *Service) predict(ctx context.Context, req Request) (Result, error) {
	args, err := DecodePredict(req.Arguments)
	if err != nil {
		return Result{}, err
	}
	snap, err := s.snapshot(ctx)
	if err != nil {
		return Result{}, err
	}
	var reader ClusterReader
	if s.Clusters != nil {
		reader = s.Clusters
	} else if args.WhatIf != nil && args.WhatIf.Workers != nil {
		return Result{}, unavailable("Databricks")
	}
	p, err := predict(ctx, snap, args, reader, s.Now(), &s.forecasts)
	if errors.Is(err, dbclient.ErrNoSuchCluster) {
		return Result{}, gate.Refuse(http.StatusUnprocessableEntity, "unknown_cluster", "the workspace has no cluster %s", args.WhatIf.ClusterID)
	}
	if err != nil {
		return Result{}, err
	}
	return encode(Answer{RequestID: req.RequestID, Tool: req.Tool, AsOf: p.AsOf, DataThrough: p.DataThrough, Outcome: trail.Noop, Prediction: &p})
}

func (s *Service) scale(ctx context.Context, caller gate.Caller, req Request) (Result, error) {
	args, err := DecodeScale(req.Arguments)
	if err != nil {
		return Result{}, err
	}
	k := key(caller, req)
	if r, ok, err := s.replay(ctx, k); ok || err != nil {
		return r, err
	}
	if s.Clusters == nil {
		return Result{}, unavailable("Databricks")
	}
	snap, err := s.snapshot(ctx)
	if err != nil {
		return Result{}, err
	}
	c, err := s.Clusters.Get(ctx, args.ClusterID)
	if errors.Is(err, dbclient.ErrNoSuchCluster) {
		return Result{}, gate.Refuse(http.StatusUnprocessableEntity, "unknown_cluster", "the workspace has no cluster %s", args.ClusterID)
	}
	if err != nil {
		return Result{}, fmt.Errorf("read cluster %s: %w", args.ClusterID, err)
	}
	breq := breach.Request{Terminate: args.Terminate}
	if args.Workers != nil {
		breq.Workers = *args.Workers
	}
	cat, step := breach.Decide(Division(snap), c, breq)
	now := s.Now()
	outcome := outcomeOf(step, cat.OnBreach.DryRun)
	ca := answerOf(snap, step, cat, outcome, now)
	res, err := encode(Answer{RequestID: req.RequestID, Tool: req.Tool, AsOf: string(snap.AsOf), DataThrough: string(snap.DataThrough), Outcome: outcome, Cluster: &ca})
	if err != nil {
		return Result{}, err
	}
	d := trail.Decision{
		Time: now, Key: k, Caller: caller.Name, Role: string(caller.Role), Tool: trail.ToolScaleCluster,
		Outcome: outcome, Arguments: req.Arguments, Reason: step.Reason, Category: cat.TagValue, Owner: ca.Owner,
		Before: ca.Before, After: ca.After, SavingsHourlyUSD: ca.SavingsHourly, SavingsMonthlyUSD: ca.SavingsMonthly,
		DataAsOf: snap.DataThrough.Time(), Answer: res.Body,
	}
	once, err := decideOnce(ctx, s.Trail, d)
	if err != nil {
		return Result{}, err
	}
	if !once.Inserted {
		return replayed(once.Entry), nil
	}
	s.log().Info("scale_cluster", "caller", caller.Name, "cluster", c.ID, "op", step.Op, "outcome", outcome, "reason", step.Reason)
	if outcome == trail.Acted {
		if err := carryOut(ctx, s.Trail, s.Clusters, step, d, s.Now()); err != nil {
			return Result{}, err
		}
	}
	return res, nil
}

func (s *Service) slack(ctx context.Context, caller gate.Caller, req Request) (Result, error) {
	args, err := DecodeSlack(req.Arguments)
	if err != nil {
		return Result{}, err
	}
	k := key(caller, req)
	if r, ok, err := s.replay(ctx, k); ok || err != nil {
		return r, err
	}
	if s.Slack == nil {
		return Result{}, unavailable("Slack")
	}
	snap, err := s.snapshot(ctx)
	if err != nil {
		return Result{}, err
	}
	now := s.Now()
	ans := Answer{RequestID: req.RequestID, Tool: req.Tool, AsOf: string(snap.AsOf), DataThrough: string(snap.DataThrough), Outcome: trail.Acted, Slack: &SlackAnswer{Channel: args.Channel}}
	res, err := encode(ans)
	if err != nil {
		return Result{}, err
	}
	d := trail.Decision{Time: now, Key: k, Caller: caller.Name, Role: string(caller.Role), Tool: trail.ToolSlackAlert,
		Outcome: trail.Acted, Arguments: req.Arguments, Reason: "post to " + args.Channel, DataAsOf: snap.DataThrough.Time(), Answer: res.Body}
	once, err := decideOnce(ctx, s.Trail, d)
	if err != nil {
		return Result{}, err
	}
	if !once.Inserted {
		return replayed(once.Entry), nil
	}
	posted, err := s.Slack.Post(ctx, args.Channel, args.Text)
	if err != nil {
		return Result{}, recordFailure(ctx, s.Trail, d, gate.Refuse(http.StatusBadGateway, "slack_failed", "the post to %s failed: %v", args.Channel, err), s.Now())
	}
	ans.Slack = &SlackAnswer{Channel: args.Channel, TS: posted.TS, Via: posted.Via}
	if posted.Channel != "" {
		ans.Slack.Channel = posted.Channel
	}
	return encode(ans)
}

// replay returns the answer recorded under k, if any: the failure when
// the action failed, else the first answer.
func (s *Service) replay(ctx context.Context, k string) (Result, bool, error) {
	if s.Trail == nil {
		return Result{}, false, errors.New("no trail store: acting tools need one")
	}
	if e, ok, err := s.Trail.Lookup(ctx, k+resultSuffix); err != nil || ok {
		if err != nil {
			return Result{}, false, fmt.Errorf("read the trail: %w", err)
		}
		return replayed(e), true, nil
	}
	e, ok, err := s.Trail.Lookup(ctx, k)
	if err != nil {
		return Result{}, false, fmt.Errorf("read the trail: %w", err)
	}
	if !ok {
		return Result{}, false, nil
	}
	return replayed(e), true, nil
}

// replayed is a recorded entry's answer given again; a failure's answer
// is its problem again.
func replayed(e trail.Entry) Result {
	r := Result{Body: e.Answer, Replayed: true}
	if e.Outcome == trail.Failed {
		r.Status = http.StatusBadGateway
	}
	return r
}

func encode(a Answer) (Result, error) {
	b, err := json.Marshal(a)
	if err != nil {
		return Result{}, fmt.Errorf("encode the answer: %w", err)
	}
	return Result{Body: b}, nil
}
