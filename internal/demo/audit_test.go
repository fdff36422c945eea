package demo

import (
	"strings"
	"time"

	"github.com/novadynamics/stellar-budget/internal/attribtest"
	"github.com/novadynamics/stellar-budget/internal/billing"
	"github.com/novadynamics/stellar-budget/internal/budget"
)

// Traps the scenario promises; audit.found records which it saw.
const (
	trapCorrection       = "retraction with matching restatement"
	trapUntagged         = "untagged usage"
	trapNoTags           = "usage without any tags"
	trapUnknownValue     = "unknown category value"
	trapNormalised       = "category value that only matches normalised"
	trapOwnerRunAs       = "owner from run_as"
	trapOwnerOwnedBy     = "owner from owned_by"
	trapOwnerCreatedBy   = "owner from created_by"
	trapOwnerUnknown     = "owner unknown"
	trapUnpriced         = "unpriced usage"
	trapServerless       = "serverless usage"
	trapPriceChangeUsage = "usage on both sides of the price change"
	trapPromotion        = "usage at a promotional price"
	trapSpike            = "the forgotten cluster"
)

var allTraps = []string{
	trapCorrection, trapUntagged, trapNoTags, trapUnknownValue, trapNormalised,
	trapOwnerRunAs, trapOwnerOwnedBy, trapOwnerCreatedBy, trapOwnerUnknown,
	trapUnpriced, trapServerless, trapPriceChangeUsage, trapPromotion, trapSpike,
}

// audit checks records as they stream by, so it works for any row count.
type audit struct {
	oracle *attribtest.Oracle // prices and categories, as the attribution does
	cal    calendar

	records     int64
	found       map[string]bool
	origins     map[string]bool
	problems    []string
	unpriced    map[string]bool               // SKUs of unpriced records
	dayCost     map[string]map[string]float64 // category -> date -> USD
	unknownCost map[string]float64            // normalised unknown value -> USD
	owners      map[string]map[string]bool    // category -> Owner tag values
	jobsPrice   map[float64]bool              // PREMIUM_JOBS_COMPUTE prices charged
	first       time.Time
	last        time.Time
	prev        [2]billing.UsageRecord // the two records before the current one
}

func newAudit(cfg Config) *audit {
	return &audit{
		oracle: attribtest.New(cfg.Division.TagValues(), ListPrices(cfg)), cal: newCalendar(cfg.Through),
		found: map[string]bool{}, origins: map[string]bool{}, unpriced: map[string]bool{},
		dayCost: map[string]map[string]float64{}, unknownCost: map[string]float64{}, owners: map[string]map[string]bool{},
		jobsPrice: map[float64]bool{},
	}
}

func (a *audit) problem(r billing.UsageRecord, msg string) {
	if len(a.problems) < 20 {
		a.problems = append(a.problems, r.RecordID+" "+r.SKUName+" "+r.UsageStart.Format(time.RFC3339)+": "+msg)
	}
}

func (a *audit) add(r billing.UsageRecord) error {
	a.records++
	if a.first.IsZero() || r.UsageDate.Before(a.first) {
		a.first = r.UsageDate
	}
	if r.UsageDate.After(a.last) {
		a.last = r.UsageDate
	}
	a.checkShape(r)
	a.origins[r.OriginProduct] = true
	if r.Features.IsServerless {
		a.found[trapServerless] = true
	}

	rows := a.oracle.Covering(r)
	cost := 0.0
	switch len(rows) {
	case 0:
		a.unpriced[r.SKUName] = true
		a.found[trapUnpriced] = true
	case 1:
		cost = r.UsageQuantity.Float64() * rows[0].UnitPrice().Float64()
		if rows[0].Promotional != nil {
			a.found[trapPromotion] = true
		}
		if r.SKUName == SKUJobs {
			a.jobsPrice[rows[0].UnitPrice().Float64()] = true
			if len(a.jobsPrice) == 2 {
				a.found[trapPriceChangeUsage] = true
			}
		}
	default:
		a.problem(r, "more than one price row covers the usage")
	}

	cat, attr, _ := a.oracle.Classify(r)
	switch {
	case attr == budget.Untagged && r.CustomTags == nil:
		a.found[trapNoTags] = true
		a.found[trapUntagged] = true
	case attr == budget.Untagged:
		a.found[trapUntagged] = true
	case attr == budget.UnknownValue:
		a.found[trapUnknownValue] = true
		a.unknownCost[budget.NormalizeTag(r.CustomTags[budget.CategoryTagKey])] += cost
	case r.CustomTags[budget.CategoryTagKey] != cat:
		a.found[trapNormalised] = true
	}
	if a.dayCost[cat] == nil {
		a.dayCost[cat] = map[string]float64{}
		a.owners[cat] = map[string]bool{}
	}
	a.dayCost[cat][r.UsageDate.Format(time.DateOnly)] += cost

	if r.Metadata.NodeType == "r5d.4xlarge" {
		a.found[trapSpike] = true
		if r.UsageDate.Day() != spikeDayOfMonth {
			a.problem(r, "the forgotten cluster runs on another day than the 10th")
		}
	}

	if o, ok := r.CustomTags[budget.OwnerTagKey]; ok {
		a.owners[cat][o] = true
	} else {
		switch id := r.Identity; {
		case id.RunAs != "":
			a.found[trapOwnerRunAs] = true
		case id.OwnedBy != "":
			a.found[trapOwnerOwnedBy] = true
		case id.CreatedBy != "":
			a.found[trapOwnerCreatedBy] = true
		default:
			a.found[trapOwnerUnknown] = true
		}
	}

	if r.RecordType == billing.RecordRestatement {
		a.checkCorrection(r)
	}
	a.prev[0], a.prev[1] = a.prev[1], r
	return nil
}

// checkCorrection checks that a restatement follows the retraction of the
// original it corrects: same keys, negated quantity, ingested later.
func (a *audit) checkCorrection(r billing.UsageRecord) {
	orig, retr := a.prev[0], a.prev[1]
	switch {
	case orig.RecordType != billing.RecordOriginal || retr.RecordType != billing.RecordRetraction:
		a.problem(r, "restatement does not follow an original and its retraction")
	case usageKey(orig) != usageKey(retr) || usageKey(retr) != usageKey(r):
		a.problem(r, "correction keys differ")
	case !retr.UsageQuantity.Add(orig.UsageQuantity).IsZero() || retr.UsageQuantity.Sign() >= 0:
		a.problem(r, "retraction does not negate the original")
	case !retr.IngestionDate.After(orig.IngestionDate) || !r.IngestionDate.Equal(retr.IngestionDate):
		a.problem(r, "correction is not ingested after the original")
	case !r.IngestionDate.Before(a.cal.through):
		a.problem(r, "correction ingested after the account is read")
	default:
		a.found[trapCorrection] = true
	}
}

func usageKey(r billing.UsageRecord) string {
	m := r.Metadata
	return strings.Join([]string{r.WorkspaceID, r.SKUName, r.UsageStart.String(), m.ClusterID, m.JobID, m.JobRunID}, "|")
}

// checkShape checks that a record looks like a row of the real table.
func (a *audit) checkShape(r billing.UsageRecord) {
	if r.UsageStart.Truncate(time.Hour) != r.UsageStart || r.UsageEnd.Sub(r.UsageStart) != time.Hour {
		a.problem(r, "usage is not one whole hour")
	}
	if !r.UsageDate.Equal(billing.Date(r.UsageStart)) {
		a.problem(r, "usage_date is not the date of usage_start_time")
	}
	if r.UsageStart.Before(a.cal.start) || r.UsageEnd.After(a.cal.through) {
		a.problem(r, "usage outside the demo's months or after the account is read")
	}
	if r.IngestionDate.Before(r.UsageDate) || r.IngestionDate.After(a.cal.lastDay) {
		a.problem(r, "ingestion_date outside [usage_date, last usage day]")
	}
	if r.RecordID == "" || r.AccountID == "" || r.WorkspaceID == "" || r.Cloud != "AWS" || r.UsageUnit != "DBU" {
		a.problem(r, "missing keys")
	}
	if r.Features.IsServerless != strings.Contains(r.SKUName, "SERVERLESS") {
		a.problem(r, "is_serverless disagrees with the SKU")
	}
	if r.Features.IsPhoton != strings.Contains(r.SKUName, "PHOTON") {
		a.problem(r, "is_photon disagrees with the SKU")
	}
	m := r.Metadata
	var ok bool
	switch r.OriginProduct {
	case "ALL_PURPOSE":
		ok = m.ClusterID != "" && strings.Contains(r.SKUName, "ALL_PURPOSE") && m.JobID == ""
	case "JOBS":
		ok = m.JobID != "" && m.JobRunID != "" && strings.Contains(r.SKUName, "JOBS") && (m.ClusterID != "") != r.Features.IsServerless
	case "SQL":
		ok = m.WarehouseID != "" && strings.Contains(r.SKUName, "SQL")
	case "DLT":
		ok = m.DLTPipelineID != "" && strings.Contains(r.SKUName, "DLT")
	case "MODEL_SERVING":
		ok = m.EndpointName != "" && strings.Contains(r.SKUName, "INFERENCE")
	}
	if !ok {
		a.problem(r, "usage_metadata or SKU disagrees with billing_origin_product "+r.OriginProduct)
	}
	if r.CustomTags != nil {
		t := r.CustomTags
		if t["Team"] != "SAD" || t["CostCenter"] != "ND-Analytics" || (t["Environment"] != "DEV" && t["Environment"] != "PROD") || t["Project"] == "" {
			a.problem(r, "standard tags missing")
		}
	}
}

// monthCost sums a category's cost over the days of month (YYYY-MM).
func (a *audit) monthCost(cat, month string) float64 {
	sum := 0.0
	for day, v := range a.dayCost[cat] {
		if strings.HasPrefix(day, month) {
			sum += v
		}
	}
	return sum
}
