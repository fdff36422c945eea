package budget

import (
	"fmt"
	"strings"
)

// ExemptTagKey and ExemptTagValue mark a cluster that no breach action and
// no request ever touches (StellarBudget=exempt), whatever its category.
const (
	ExemptTagKey   = "StellarBudget"
	ExemptTagValue = "exempt"
)

// ClusterState is a cluster's state as the Databricks Clusters API writes
// it.
type ClusterState string

// The states the budget's actions tell apart; the API has a few more
// (ERROR, UNKNOWN), which are simply not RUNNING.
const (
	ClusterPending     ClusterState = "PENDING"
	ClusterRunning     ClusterState = "RUNNING"
	ClusterRestarting  ClusterState = "RESTARTING"
	ClusterResizing    ClusterState = "RESIZING"
	ClusterTerminating ClusterState = "TERMINATING"
	ClusterTerminated  ClusterState = "TERMINATED"
)

// ClusterSource is what created a cluster (the API's cluster_source).
type ClusterSource string

// The sources the budget's actions tell apart.
const (
	ClusterFromUI       ClusterSource = "UI"
	ClusterFromAPI      ClusterSource = "API"
	ClusterFromJob      ClusterSource = "JOB"      // a job run's cluster: it ends with the run
	ClusterFromPipeline ClusterSource = "PIPELINE" // sized and stopped by its pipeline
)

// Cluster is a Databricks cluster as the budget's actions see it: what it
// is, who made it, its size and its tags.
type Cluster struct {
	ID             string
	Name           string
	State          ClusterState
	Source         ClusterSource
	Creator        string // creator_user_name
	NodeType       string
	DriverNodeType string
	// Workers is a fixed-size cluster's number of workers (the driver
	// not counted); 0 for an autoscaling cluster.
	Workers   int
	Autoscale *Autoscale        // nil for a fixed-size cluster
	Tags      map[string]string // custom_tags
}

// Autoscale is an autoscaling cluster's range of workers.
type Autoscale struct {
	Min, Max int
}

// AllPurpose reports whether the cluster is interactive (made in the UI or
// through the API) rather than a job's or a pipeline's.
func (c Cluster) AllPurpose() bool {
	return c.Source == ClusterFromUI || c.Source == ClusterFromAPI
}

// Exempt reports whether the cluster is tagged StellarBudget=exempt. The
// value is compared without case: a misspelt exemption should err on the
// side of leaving the cluster alone.
func (c Cluster) Exempt() bool {
	return strings.EqualFold(strings.TrimSpace(c.Tags[ExemptTagKey]), ExemptTagValue)
}

// Owner is who the cluster's spend belongs to: its Owner tag, else its
// creator.
func (c Cluster) Owner() string {
	if o := strings.TrimSpace(c.Tags[OwnerTagKey]); o != "" {
		return o
	}
	return c.Creator
}

// Size says how big the cluster is: "4 workers", "autoscaling 2-8 workers".
func (c Cluster) Size() string {
	if a := c.Autoscale; a != nil {
		return fmt.Sprintf("autoscaling %d-%d workers", a.Min, a.Max)
	}
	return workers(c.Workers)
}

func workers(n int) string {
	if n == 1 {
		return "1 worker"
	}
	return fmt.Sprintf("%d workers", n)
}
