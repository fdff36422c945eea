// Package breach decides what a budget breach, or an operator's explicit
// request, does to which clusters. It only decides: each decision is a
// Step with the cluster before, the cluster as it would be after, and the
// reason. Whether a step is carried out or only reported (the category's
// on_breach dry_run) is the caller's choice, and carrying it out is
// internal/dbclient's (Apply).
//
// # The rules of a breach (Plan)
//
// A category's on_breach action applies to the clusters whose
// OperationalCategory tag names the category (matched as attribution
// matches it, budget.NormalizeTag), and to no other:
//
//  1. A cluster tagged StellarBudget=exempt is never acted on (a Skip).
//  2. notify: no cluster step at all.
//  3. scale_down: a RUNNING cluster is resized: a fixed-size one to half
//     its workers, rounded down; an autoscaling one to a fixed size at its
//     minimum (the resize API's num_workers: the service ends the
//     autoscaling and keeps the cluster at that size; Before keeps the
//     range, so the trail can restore it); never below 1 worker, and a
//     cluster already that small is left (a Skip). Any other state is a
//     Skip: only a running cluster is resized. A pipeline's cluster is a
//     Skip too: its pipeline sizes it and would size it back.
//  4. terminate: a RUNNING all-purpose cluster (made in the UI or through
//     the API) is terminated. A job's cluster ends with its run and a
//     pipeline's with its pipeline (Skips), as does any cluster that is
//     not RUNNING.
//
// # The rules of a request (Decide)
//
// An operator (the copilot's scale_cluster) asks for a number of workers
// for one cluster, or for its termination. The request is refused, with
// the reason of the first check that fails, when
//
//  1. it asks for both, or for fewer than 1 worker (asking for neither is
//     asking for 0);
//  2. the cluster is tagged StellarBudget=exempt;
//  3. it carries no OperationalCategory tag of a configured category;
//  4. it is not RUNNING;
//  5. the breach rules would not act on it either: termination of a
//     job's or a pipeline's cluster, any resize of a pipeline's;
//  6. the workers asked for are above the category's policy max_workers.
//
// A request for the fixed size the cluster already has is a Skip.
package breach

import (
	"errors"
	"fmt"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// Op is what a step does to its cluster.
type Op string

const (
	// Resize gives the cluster After's size.
	Resize Op = "resize"
	// Terminate stops the cluster (the API's clusters/delete); it stays
	// listed, TERMINATED, and can be started again.
	Terminate Op = "terminate"
	// Skip leaves a cluster of the category alone; Reason says why.
	Skip Op = "skip"
	// Refuse answers an explicit request the rules do not allow.
	Refuse Op = "refuse"
)

// Step is one decision about one cluster.
type Step struct {
	Op     Op
	Before budget.Cluster
	// After is the cluster as it would be once the step is carried out;
	// for a Skip or a Refuse it is Before.
	After  budget.Cluster
	Reason string
}

// Acts reports whether the step changes its cluster.
func (s Step) Acts() bool { return s.Op == Resize || s.Op == Terminate }

// ErrUnknownAction is Plan's error for an on_breach action it does not
// know; content.Load never produces one.
var ErrUnknownAction = errors.New("unknown on_breach action")

// Plan returns the steps cat's on_breach action takes over clusters: one
// per cluster of the category, in the order given; clusters of other
// categories or of none get no step. notify gives none.
func Plan(cat budget.Category, clusters []budget.Cluster) ([]Step, error) {
	action := cat.OnBreach.Action
	switch action {
	case budget.ActionNotify:
		return nil, nil
	case budget.ActionScaleDown, budget.ActionTerminate:
	default:
		return nil, fmt.Errorf("%w %q (want %s, %s or %s)", ErrUnknownAction, action,
			budget.ActionNotify, budget.ActionScaleDown, budget.ActionTerminate)
	}
	var steps []Step
	for _, c := range clusters {
		if !InCategory(c, cat) {
			continue
		}
		var s Step
		switch {
		case c.Exempt():
			s = skip(c, exemptReason)
		case action == budget.ActionScaleDown:
			s = scaleDown(c)
		default:
			s = terminate(c)
		}
		steps = append(steps, s)
	}
	return steps, nil
}

// InCategory reports whether c's OperationalCategory tag names cat.
func InCategory(c budget.Cluster, cat budget.Category) bool {
	v := budget.NormalizeTag(c.Tags[budget.CategoryTagKey])
	return v != "" && v == cat.TagValue
}

const exemptReason = "tagged " + budget.ExemptTagKey + "=" + budget.ExemptTagValue + ": never acted on"

func skip(c budget.Cluster, reason string) Step {
	return Step{Op: Skip, Before: c, After: c, Reason: reason}
}

func refuse(c budget.Cluster, reason string) Step {
	return Step{Op: Refuse, Before: c, After: c, Reason: reason}
}

// scaleDown is the scale_down rule for one cluster of the category.
func scaleDown(c budget.Cluster) Step {
	if c.State != budget.ClusterRunning {
		return skip(c, notRunning(c, "resized"))
	}
	if c.Source == budget.ClusterFromPipeline {
		return skip(c, pipelineReason)
	}
	target, how := max(c.Workers/2, 1), "fixed size halved"
	if a := c.Autoscale; a != nil {
		target, how = max(a.Min, 1), "autoscaling cluster fixed at its minimum"
	} else if target >= c.Workers {
		return skip(c, fmt.Sprintf("%s: already the smallest size scale_down leaves", c.Size()))
	}
	return resize(c, target, "scale_down: "+how)
}

// terminate is the terminate rule for one cluster of the category.
func terminate(c budget.Cluster) Step {
	if c.State != budget.ClusterRunning {
		return skip(c, notRunning(c, "terminated"))
	}
	if reason, ok := notAllPurpose(c); ok {
		return skip(c, reason)
	}
	after := c
	after.State = budget.ClusterTerminated
	return Step{Op: Terminate, Before: c, After: after, Reason: "terminate: a running all-purpose cluster of the category"}
}

// resize is the step that gives c a fixed size of workers.
func resize(c budget.Cluster, workers int, reason string) Step {
	after := c
	after.Workers, after.Autoscale = workers, nil
	return Step{Op: Resize, Before: c, After: after, Reason: fmt.Sprintf("%s (%s to %s)", reason, c.Size(), after.Size())}
}

func notRunning(c budget.Cluster, verb string) string {
	state := string(c.State)
	if state == "" {
		state = "in no known state"
	}
	return fmt.Sprintf("%s, not RUNNING: only a running cluster is %s", state, verb)
}

const pipelineReason = "a pipeline's cluster (source PIPELINE): its pipeline sizes and stops it"

// notAllPurpose says why c, when it is a job's or a pipeline's cluster or
// of a source the rules do not know, is not terminated.
func notAllPurpose(c budget.Cluster) (string, bool) {
	switch {
	case c.AllPurpose():
		return "", false
	case c.Source == budget.ClusterFromJob:
		return "a job's cluster (source JOB): it ends with its run", true
	case c.Source == budget.ClusterFromPipeline:
		return pipelineReason, true
	}
	return fmt.Sprintf("source %q: only all-purpose clusters (UI, API) are terminated", c.Source), true
}
