package demo

import (
	"math"
	"strconv"

	"github.com/novadynamics/stellar-budget/internal/billing"
)

// overReport is how much a corrected hour's ORIGINAL overstates usage.
const overReport = 1.25

// emitHour emits a stream's k records of one hour, which together cost
// cost. A corrected hour starts with an ORIGINAL, its RETRACTION and the
// RESTATEMENT, which together count as one resource's usage.
func (g *generator) emitHour(s *stream, h *hour, p plan, k int, cost float64, emit func(billing.UsageRecord) error) error {
	r := &g.rec
	r.WorkspaceID, r.SKUName = s.workspace, s.product.sku
	r.OriginProduct, r.Features = s.product.origin, s.product.features
	r.UsageStart, r.UsageEnd, r.UsageDate = h.start, h.end, h.date
	ingested := h.date.AddDate(0, 0, 1)
	if ingested.After(g.cal.asOf) {
		ingested = g.cal.asOf
	}
	units := k
	corrected := p.corrected && k >= 3
	if corrected {
		units = k - 2
	}
	perUnit := cost / float64(units) / priceAt(s.prices, h.end)
	for j := range units {
		// Pair the resources so their differences cancel: the hour's
		// total stays exact.
		f := 1.0
		if units%2 == 0 || j < units-1 {
			if j%2 == 0 {
				f += p.skew
			} else {
				f -= p.skew
			}
		}
		micro := int64(math.Round(perUnit * f * 1e6))
		g.describe(s, j)
		if !(corrected && j == 0) {
			r.RecordType, r.IngestionDate = billing.RecordOriginal, ingested
			if err := g.emit(emit, micro); err != nil {
				return err
			}
			continue
		}
		wrong := int64(math.Round(float64(micro) * overReport))
		r.RecordType, r.IngestionDate = billing.RecordOriginal, ingested
		if err := g.emit(emit, wrong); err != nil {
			return err
		}
		r.RecordType, r.IngestionDate = billing.RecordRetraction, h.date.AddDate(0, 0, 4)
		if err := g.emit(emit, -wrong); err != nil {
			return err
		}
		r.RecordType = billing.RecordRestatement
		if err := g.emit(emit, micro); err != nil {
			return err
		}
	}
	return nil
}

// emit sends the current record with a fresh record_id and the quantity.
func (g *generator) emit(emit func(billing.UsageRecord) error, micro int64) error {
	g.sent++
	g.rec.RecordID = uuid(mix(seed^g.sent), mix(g.sent+uint64(g.cal.asOf.Unix())))
	g.rec.UsageQuantity = microDecimal(micro)
	return emit(g.rec)
}

// describe fills the record's tags, metadata and identity for the stream's
// j-th resource of the hour.
func (g *generator) describe(s *stream, j int) {
	r := &g.rec
	o := j % len(s.owners)
	owner := s.owners[o]
	r.CustomTags = s.tags[o]
	r.Metadata = billing.UsageMetadata{}
	r.Identity = billing.IdentityMetadata{}
	id := s.resourceID(j)
	switch s.product.resource {
	case cluster:
		r.Metadata.ClusterID, r.Metadata.NodeType = id, s.nodeType
		r.Identity.CreatedBy = owner
	case jobCluster, serverlessJob:
		g.runs++
		run := strconv.FormatUint(g.runs, 10)
		r.Metadata.JobID, r.Metadata.JobRunID = id, run
		if s.product.resource == jobCluster {
			r.Metadata.ClusterID, r.Metadata.NodeType = "job-"+id+"-run-"+run, s.nodeType
		}
		r.Identity.RunAs = owner
	case warehouse:
		r.Metadata.WarehouseID = id
		r.Identity.OwnedBy = owner
	case pipeline:
		r.Metadata.DLTPipelineID = id
		r.Identity.OwnedBy = owner
	case endpoint:
		r.Metadata.EndpointName = id
	}
}
