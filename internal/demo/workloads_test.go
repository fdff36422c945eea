package demo

import (
	"testing"

	"github.com/novadynamics/stellar-budget/internal/billing"
	"github.com/novadynamics/stellar-budget/internal/budget"
)

// TestServerlessJobs: the job ids ServerlessJobs names are the ones the
// usage of each category's serverless jobs carries, and they carry the
// most of it.
func TestServerlessJobs(t *testing.T) {
	div := testDivision()
	ids := ServerlessJobs(div)
	if len(ids) != len(div.Categories) {
		t.Fatalf("%d categories named, want %d: %v", len(ids), len(div.Categories), ids)
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Errorf("job id %s named twice", id)
		}
		seen[id] = true
	}
	// Per category, the serverless job usage by job id.
	spend := map[string]map[string]float64{}
	err := Usage(Config{Division: div, Through: through, Rows: 40_000}, func(r billing.UsageRecord) error {
		if r.SKUName != SKUJobsServerless || r.Metadata.JobID == "" {
			return nil
		}
		tag := budget.NormalizeTag(r.CustomTags[budget.CategoryTagKey])
		if spend[tag] == nil {
			spend[tag] = map[string]float64{}
		}
		spend[tag][r.Metadata.JobID] += r.UsageQuantity.Float64()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range div.Categories {
		jobs := spend[c.TagValue]
		top, topDBUs := "", 0.0
		for id, dbus := range jobs {
			if dbus > topDBUs {
				top, topDBUs = id, dbus
			}
		}
		if ids[c.TagValue] != top {
			t.Errorf("%s: ServerlessJobs names %q, its usage's main serverless job is %q (%v)", c.TagValue, ids[c.TagValue], top, jobs)
		}
	}
}
