package breach

import (
	"fmt"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// Request is an operator's explicit ask for one cluster: a fixed number of
// workers, or termination.
type Request struct {
	Workers   int // the size asked for; 0 with Terminate
	Terminate bool
}

// Decide checks req for cluster c (as read just now) against the rules of
// the package doc and the division's categories. It returns c's category,
// the zero Category when it has none, and the step: Resize or Terminate
// when the rules allow it, Skip when the cluster already has the size
// asked for, Refuse with the reason otherwise. The checks run in the
// order the package doc lists them, and the first that fails is the
// reason.
func Decide(div budget.Division, c budget.Cluster, req Request) (budget.Category, Step) {
	switch {
	case req.Terminate && req.Workers != 0:
		return budget.Category{}, refuse(c, fmt.Sprintf("asks for %d workers and for termination: ask for one", req.Workers))
	case !req.Terminate && req.Workers < 1:
		return budget.Category{}, refuse(c, fmt.Sprintf("%d workers is below 1: ask for at least 1 worker, or for termination", req.Workers))
	case c.Exempt():
		return budget.Category{}, refuse(c, exemptReason)
	}
	cat, reason := categoryOf(div, c)
	if reason != "" {
		return budget.Category{}, refuse(c, reason)
	}
	if req.Terminate {
		if c.State != budget.ClusterRunning {
			return cat, refuse(c, notRunning(c, "terminated"))
		}
		if reason, ok := notAllPurpose(c); ok {
			return cat, refuse(c, reason)
		}
		after := c
		after.State = budget.ClusterTerminated
		return cat, Step{Op: Terminate, Before: c, After: after, Reason: "scale_cluster: termination asked for"}
	}
	switch limit := cat.Policy.MaxWorkers; {
	case c.State != budget.ClusterRunning:
		return cat, refuse(c, notRunning(c, "resized"))
	case c.Source == budget.ClusterFromPipeline:
		return cat, refuse(c, pipelineReason)
	case limit > 0 && req.Workers > limit:
		return cat, refuse(c, fmt.Sprintf("%d workers is above %s's limit of %d (its policy's max_workers)", req.Workers, cat.Title, limit))
	case c.Autoscale == nil && c.Workers == req.Workers:
		return cat, skip(c, fmt.Sprintf("already has %s", c.Size()))
	}
	return cat, resize(c, req.Workers, "scale_cluster: size asked for")
}

// categoryOf is the configured category c's OperationalCategory tag
// names, or the reason there is none.
func categoryOf(div budget.Division, c budget.Cluster) (budget.Category, string) {
	v, ok := c.Tags[budget.CategoryTagKey]
	if !ok || budget.NormalizeTag(v) == "" {
		return budget.Category{}, "carries no " + budget.CategoryTagKey + " tag: it belongs to no category"
	}
	cat, ok := div.CategoryByTag(budget.NormalizeTag(v))
	if !ok {
		return budget.Category{}, fmt.Sprintf("its %s %q is not a configured category", budget.CategoryTagKey, v)
	}
	return cat, ""
}
