// Package billing holds the shapes of the two Databricks system tables the
// product reads, system.billing.usage and system.billing.list_prices, and
// writes them in the export formats users download them in (CSV with JSON
// text for complex columns, and JSON Lines). Reading exports is the
// attribution package's job; this package only writes them.
package billing

import (
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// Record types of system.billing.usage. A correction arrives as a RETRACTION
// (negative quantity) of the original plus a RESTATEMENT with the right one.
const (
	RecordOriginal    = "ORIGINAL"
	RecordRetraction  = "RETRACTION"
	RecordRestatement = "RESTATEMENT"
)

// UsageRecord is one row of system.billing.usage. Empty strings are written
// as null.
type UsageRecord struct {
	RecordID      string
	AccountID     string
	WorkspaceID   string
	SKUName       string
	Cloud         string
	UsageStart    time.Time
	UsageEnd      time.Time
	UsageDate     time.Time
	CustomTags    map[string]string // nil is written as null
	UsageUnit     string
	UsageQuantity budget.Decimal
	Metadata      UsageMetadata
	Identity      IdentityMetadata
	RecordType    string
	IngestionDate time.Time
	OriginProduct string // billing_origin_product
	Features      ProductFeatures
	UsageType     string
}

// UsageMetadata is the usage_metadata struct (the fields the product uses or
// shows; the real table has more, and readers ignore what they do not know).
type UsageMetadata struct {
	ClusterID     string
	JobID         string
	WarehouseID   string
	DLTPipelineID string
	NodeType      string
	JobRunID      string
	NotebookID    string
	EndpointName  string
}

// IdentityMetadata is the identity_metadata struct.
type IdentityMetadata struct {
	RunAs     string
	OwnedBy   string
	CreatedBy string
}

// ProductFeatures is the product_features struct.
type ProductFeatures struct {
	IsServerless bool
	IsPhoton     bool
	JobsTier     string
	SQLTier      string
	DLTTier      string
}

// ListPrice is one row of system.billing.list_prices. A price applies to
// usage whose usage_end_time lies in [PriceStart, PriceEnd); a nil PriceEnd
// is open.
type ListPrice struct {
	PriceStart    time.Time
	PriceEnd      *time.Time
	AccountID     string
	SKUName       string
	Cloud         string
	CurrencyCode  string
	UsageUnit     string
	Default       budget.Decimal  // pricing.default
	Promotional   *budget.Decimal // pricing.promotional.default, nil = null
	EffectiveList *budget.Decimal // pricing.effective_list.default, nil = absent
}

// UnitPrice is the price the attribution rules charge: effective_list when
// present, else default.
func (p ListPrice) UnitPrice() budget.Decimal {
	if p.EffectiveList != nil {
		return *p.EffectiveList
	}
	return p.Default
}

// Covers reports whether the price applies to usage that ended at t.
func (p ListPrice) Covers(t time.Time) bool {
	return !t.Before(p.PriceStart) && (p.PriceEnd == nil || t.Before(*p.PriceEnd))
}
