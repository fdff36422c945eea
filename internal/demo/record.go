package demo

import (
	"math"
	"strconv"

	"github.com/novadynamics/stellar-budget/internal/billing"
)

// overReport is how much a corrected hour's ORIGINAL overstates usage.
const overReport = 1.25

// Record kinds, numbering a resource's records within its hour.
const (
	kindOriginal = iota
	kindRetraction
	kindRestatement
)

// emitHour emits a stream's k records of one hour, which together cost
// cost. A corrected hour starts with an ORIGINAL, its RETRACTION and the
// RESTATEMENT, which together count as one resource's usage; while the
// correction is pending only the overstated ORIGINAL exists.
func (g *generator) emitHour(s *stream, h *hour, p plan, k int, cost float64, emit func(billing.UsageRecord) error) error {
	r := &g.rec
	r.WorkspaceID, r.SKUName = s.workspace, s.product.sku
	r.OriginProduct, r.Features = s.product.origin, s.product.features
	r.UsageStart, r.UsageEnd, r.UsageDate = h.start, h.end, h.date
	units := k
	corrected := p.corrected && (h.pending || k >= 3)
	if corrected && !h.pending {
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
		g.describe(s, h, j)
		// Usage is ingested on its own date: the day's records exist as
		// soon as its hours have.
		r.RecordType, r.IngestionDate = billing.RecordOriginal, h.date
		if !(corrected && j == 0) {
			if err := g.emit(emit, s, h, j, kindOriginal, micro); err != nil {
				return err
			}
			continue
		}
		wrong := int64(math.Round(float64(micro) * overReport))
		if err := g.emit(emit, s, h, j, kindOriginal, wrong); err != nil {
			return err
		}
		if h.pending {
			continue
		}
		r.RecordType, r.IngestionDate = billing.RecordRetraction, h.correctedOn
		if err := g.emit(emit, s, h, j, kindRetraction, -wrong); err != nil {
			return err
		}
		r.RecordType = billing.RecordRestatement
		if err := g.emit(emit, s, h, j, kindRestatement, micro); err != nil {
			return err
		}
	}
	return nil
}

// emit sends the current record with the quantity and a record_id drawn
// from its stream, hour, resource and kind, so a record has the same id in
// every read of the account that holds it.
func (g *generator) emit(emit func(billing.UsageRecord) error, s *stream, h *hour, j, kind int, micro int64) error {
	g.rec.RecordID = uuid(mix(seed^uint64(h.start.Unix())), mix(uint64(s.index)<<48^uint64(j)<<2^uint64(kind)))
	g.rec.UsageQuantity = microDecimal(micro)
	return emit(g.rec)
}

// describe fills the record's tags, metadata and identity for the stream's
// j-th resource of the hour.
func (g *generator) describe(s *stream, h *hour, j int) {
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
		run := strconv.FormatUint(jobRun(s, h, j), 10)
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

// jobRun numbers the run of the stream's j-th job in the hour from the
// hour, the stream and j, so a run has the same id in every read of the
// account: about 12 digits, like Databricks run ids.
func jobRun(s *stream, h *hour, j int) uint64 {
	return uint64(h.start.Unix()/3600)<<20 | uint64(s.index&0x3ff)<<10 | uint64(j&0x3ff)
}
