package duckdb

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/billing"
	"github.com/novadynamics/stellar-budget/internal/budget"
)

// The trap account: a generated export holding every case the attribution
// rules distinguish, plus enough random rows that totals are non-trivial.

var (
	trapTags     = []string{"DEEP_SPACE_TELEMETRY", "PROPULSION_ANALYTICS", "ORBITAL_MECHANICS"}
	priceChange  = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	pricesStart  = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	trapAccount  = "acc-1"
	hostileOwner = `<script>alert(1)</script>`
	// workloadOwner tags the rows that pin the workload rule.
	workloadOwner   = "workload@example.test"
	hostileWorkload = `<img src=x onerror=alert("id")>`
)

func dec(s string) *budget.Decimal { d := budget.MustDecimal(s); return &d }

func trapPrices() []billing.ListPrice {
	end := priceChange
	p := func(sku, cloud, unit, def string, eff *budget.Decimal, start time.Time, end *time.Time) billing.ListPrice {
		return billing.ListPrice{PriceStart: start, PriceEnd: end, AccountID: trapAccount, SKUName: sku, Cloud: cloud,
			CurrencyCode: "USD", UsageUnit: unit, Default: budget.MustDecimal(def), EffectiveList: eff}
	}
	return []billing.ListPrice{
		// A price change: [start, change) at 0.15, [change, open) at 0.16.
		p("PREMIUM_JOBS_COMPUTE", "AWS", "DBU", "0.15", dec("0.15"), pricesStart, &end),
		p("PREMIUM_JOBS_COMPUTE", "AWS", "DBU", "0.16", dec("0.16"), priceChange, nil),
		// A promotion: effective_list differs from default.
		{PriceStart: pricesStart, AccountID: trapAccount, SKUName: "PREMIUM_SERVERLESS_SQL_COMPUTE", Cloud: "AWS",
			CurrencyCode: "USD", UsageUnit: "DBU", Default: budget.MustDecimal("0.70"),
			Promotional: dec("0.52"), EffectiveList: dec("0.52")},
		// No effective_list: default applies.
		p("PREMIUM_ALL_PURPOSE_COMPUTE", "AWS", "DBU", "0.55", nil, pricesStart, nil),
		// Same SKU priced on another cloud only.
		p("PREMIUM_DLT_ADVANCED_COMPUTE", "AZURE", "DBU", "0.40", dec("0.40"), pricesStart, nil),
		// A price with more decimals.
		p("PREMIUM_SQL_PRO_COMPUTE", "AWS", "DBU", "0.5512345", dec("0.5512345"), pricesStart, nil),
	}
}

type trapBuilder struct {
	rng  *rand.Rand
	n    int
	recs []billing.UsageRecord
}

func (b *trapBuilder) add(sku, cloud, unit string, end time.Time, qty string, tags map[string]string, id billing.IdentityMetadata, mutate ...func(*billing.UsageRecord)) *billing.UsageRecord {
	b.n++
	r := billing.UsageRecord{
		RecordID: fmt.Sprintf("r-%07d", b.n), AccountID: trapAccount, WorkspaceID: fmt.Sprintf("ws-%d", b.n%3),
		SKUName: sku, Cloud: cloud, UsageStart: end.Add(-time.Hour), UsageEnd: end, UsageDate: billing.Date(end.Add(-time.Hour)),
		CustomTags: tags, UsageUnit: unit, UsageQuantity: budget.MustDecimal(qty), Identity: id,
		RecordType: billing.RecordOriginal, IngestionDate: billing.Date(end).AddDate(0, 0, 1),
		OriginProduct: "JOBS", UsageType: "COMPUTE_TIME",
	}
	for _, m := range mutate {
		m(&r)
	}
	b.recs = append(b.recs, r)
	return &b.recs[len(b.recs)-1]
}

func tags(kv ...string) map[string]string {
	m := map[string]string{"Team": "SAD"}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// trapUsage returns the trap rows followed by random ones.
func trapUsage(random int) []billing.UsageRecord {
	b := &trapBuilder{rng: rand.New(rand.NewPCG(7, 11))}
	ada := billing.IdentityMetadata{RunAs: "ada@example.test"}
	at := time.Date(2026, 2, 28, 23, 0, 0, 0, time.UTC)

	// Price window edges: ending just before, exactly at, and after the change.
	// The row ending at the change started on the day before it.
	for owner, end := range map[string]time.Time{"edge-before@example.test": at, "edge-at@example.test": priceChange, "edge-after@example.test": priceChange.Add(time.Hour)} {
		b.add("PREMIUM_JOBS_COMPUTE", "AWS", "DBU", end, "10", tags("OperationalCategory", "DEEP_SPACE_TELEMETRY", "Owner", owner), ada)
	}
	// Ending at the first price's start is priced; ending before it is not.
	b.add("PREMIUM_JOBS_COMPUTE", "AWS", "DBU", pricesStart, "2", tags("OperationalCategory", "DEEP_SPACE_TELEMETRY", "Owner", "edge-first@example.test"), ada)
	b.add("PREMIUM_JOBS_COMPUTE", "AWS", "DBU", pricesStart.Add(-time.Hour), "3", tags("OperationalCategory", "DEEP_SPACE_TELEMETRY", "Owner", "edge-first@example.test"), ada)
	// Promotion, no effective_list, other cloud, other unit, unknown SKU.
	b.add("PREMIUM_SERVERLESS_SQL_COMPUTE", "AWS", "DBU", at, "4.5", tags("OperationalCategory", "ORBITAL_MECHANICS"), ada,
		func(r *billing.UsageRecord) { r.OriginProduct = "SQL"; r.Features.IsServerless = true })
	b.add("PREMIUM_ALL_PURPOSE_COMPUTE", "AWS", "DBU", at, "2.25", tags("OperationalCategory", "ORBITAL_MECHANICS"), ada,
		func(r *billing.UsageRecord) { r.OriginProduct = "ALL_PURPOSE" })
	b.add("PREMIUM_DLT_ADVANCED_COMPUTE", "AWS", "DBU", at, "7", tags("OperationalCategory", "ORBITAL_MECHANICS"), ada,
		func(r *billing.UsageRecord) { r.OriginProduct = "DLT" })
	b.add("PREMIUM_JOBS_COMPUTE", "AWS", "GPU_HOUR", at, "1", tags("OperationalCategory", "ORBITAL_MECHANICS"), ada)
	b.add("GPU_SERVING_NEW_SKU", "AWS", "DBU", at, "9.999999", tags("OperationalCategory", "ORBITAL_MECHANICS"), ada,
		func(r *billing.UsageRecord) { r.OriginProduct = "MODEL_SERVING"; r.Features.IsServerless = true })
	// A correction: original, retraction, restatement.
	b.add("PREMIUM_JOBS_COMPUTE", "AWS", "DBU", at, "5.5", tags("OperationalCategory", "PROPULSION_ANALYTICS"), ada)
	b.add("PREMIUM_JOBS_COMPUTE", "AWS", "DBU", at, "-5.5", tags("OperationalCategory", "PROPULSION_ANALYTICS"), ada,
		func(r *billing.UsageRecord) { r.RecordType = billing.RecordRetraction })
	b.add("PREMIUM_JOBS_COMPUTE", "AWS", "DBU", at, "4.125", tags("OperationalCategory", "PROPULSION_ANALYTICS"), ada,
		func(r *billing.UsageRecord) { r.RecordType = billing.RecordRestatement })
	// A retraction with nothing else that day: a negative fact.
	b.add("PREMIUM_JOBS_COMPUTE", "AWS", "DBU", at.AddDate(0, 0, -3), "-1.5", tags("OperationalCategory", "PROPULSION_ANALYTICS"), ada,
		func(r *billing.UsageRecord) { r.RecordType = billing.RecordRetraction })
	// Tag normalisation.
	for _, v := range []string{" deep space telemetry ", "Deep-Space_Telemetry", "deep_space-telemetry", "PROPULSION ANALYTICS"} {
		b.add("PREMIUM_JOBS_COMPUTE", "AWS", "DBU", at, "1.1", tags("OperationalCategory", v), ada)
	}
	// Untagged: no tags at all, no category key, empty and blank values.
	b.add("PREMIUM_JOBS_COMPUTE", "AWS", "DBU", at, "2", nil, ada)
	b.add("PREMIUM_JOBS_COMPUTE", "AWS", "DBU", at, "2", tags("Project", "x"), ada)
	b.add("PREMIUM_JOBS_COMPUTE", "AWS", "DBU", at, "2", tags("OperationalCategory", ""), ada)
	b.add("PREMIUM_JOBS_COMPUTE", "AWS", "DBU", at, "2", tags("OperationalCategory", "   "), ada)
	// Unknown values, hostile ones among them.
	for _, v := range []string{"SANDBOX", "sandbox ", "Navigation Sys", `"><img src=x onerror=alert(1)>`, `=HYPERLINK("http://x","y")`} {
		b.add("PREMIUM_JOBS_COMPUTE", "AWS", "DBU", at, "0.75", tags("OperationalCategory", v), ada)
	}
	// Owner fallback chain.
	cat := "ORBITAL_MECHANICS"
	b.add("PREMIUM_JOBS_COMPUTE", "AWS", "DBU", at, "1", tags("OperationalCategory", cat, "Owner", "tagged@example.test"), ada)
	b.add("PREMIUM_JOBS_COMPUTE", "AWS", "DBU", at, "1", tags("OperationalCategory", cat, "Owner", ""), ada)
	b.add("PREMIUM_JOBS_COMPUTE", "AWS", "DBU", at, "1", tags("OperationalCategory", cat), billing.IdentityMetadata{OwnedBy: "owner@example.test", CreatedBy: "creator@example.test"})
	b.add("PREMIUM_JOBS_COMPUTE", "AWS", "DBU", at, "1", tags("OperationalCategory", cat), billing.IdentityMetadata{CreatedBy: "creator@example.test"})
	b.add("PREMIUM_JOBS_COMPUTE", "AWS", "DBU", at, "1", tags("OperationalCategory", cat), billing.IdentityMetadata{})
	b.add("PREMIUM_JOBS_COMPUTE", "AWS", "DBU", at, "1", tags("OperationalCategory", cat, "Owner", hostileOwner), ada)
	b.add("PREMIUM_JOBS_COMPUTE", "AWS", "DBU", at, "1", tags("OperationalCategory", cat, "Owner", "=1+2"), ada)

	// Workloads (rule 7): a classic job's runs each name their own job
	// cluster and still add up under the job; padded and blank ids; every
	// kind of workload; none at all; ids that try injection.
	wl := tags("OperationalCategory", "DEEP_SPACE_TELEMETRY", "Owner", workloadOwner)
	for _, m := range []billing.UsageMetadata{
		{JobID: "101", JobRunID: "7", ClusterID: "job-101-run-7", NodeType: "i3.xlarge"},
		{JobID: "101", JobRunID: "8", ClusterID: "job-101-run-8", NodeType: "i3.xlarge"},
		{JobID: " 102 ", JobRunID: "1"},
		{DLTPipelineID: "pl-1", ClusterID: "dlt-execution-1"},
		{WarehouseID: "wh-1"},
		{EndpointName: "ep-gpu"},
		{ClusterID: "0101-abc"},
		{JobID: "  ", ClusterID: "0101-abc"},
		{NotebookID: "42"},
		{},
		{ClusterID: hostileWorkload},
		{WarehouseID: "=1+2"},
	} {
		b.add("PREMIUM_JOBS_COMPUTE", "AWS", "DBU", at, "1", wl, ada, func(r *billing.UsageRecord) { r.Metadata = m })
	}

	// Random rows over 14 months across every SKU, tag and identity shape.
	skus := []string{"PREMIUM_JOBS_COMPUTE", "PREMIUM_SERVERLESS_SQL_COMPUTE", "PREMIUM_ALL_PURPOSE_COMPUTE", "PREMIUM_SQL_PRO_COMPUTE", "GPU_SERVING_NEW_SKU"}
	tagValues := []string{"DEEP_SPACE_TELEMETRY", "propulsion-analytics", "Orbital Mechanics", "SANDBOX", "", "unknown"}
	owners := []billing.IdentityMetadata{ada, {OwnedBy: "o@example.test"}, {CreatedBy: "c@example.test"}, {}}
	workloads := []billing.UsageMetadata{
		{JobID: "7001", JobRunID: "1", ClusterID: "job-7001-run-1"}, {JobID: "7001", JobRunID: "2", ClusterID: "job-7001-run-2"},
		{JobID: "7002"}, {DLTPipelineID: "pl-9"}, {WarehouseID: "wh-9"}, {EndpointName: "ep-9"},
		{ClusterID: "0909-c1"}, {ClusterID: "0909-c2"}, {},
	}
	for range random {
		end := time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(b.rng.IntN(14*30*24)) * time.Hour)
		qty := fmt.Sprintf("%d.%06d", b.rng.IntN(50), b.rng.IntN(1_000_000))
		tv := tagValues[b.rng.IntN(len(tagValues))]
		var tg map[string]string
		if tv != "unknown" {
			tg = tags("OperationalCategory", tv)
		}
		if b.rng.IntN(3) == 0 && tg != nil {
			tg["Owner"] = fmt.Sprintf("user%d@example.test", b.rng.IntN(5))
		}
		b.add(skus[b.rng.IntN(len(skus))], "AWS", "DBU", end, qty, tg, owners[b.rng.IntN(len(owners))],
			func(r *billing.UsageRecord) {
				r.Features.IsServerless = b.rng.IntN(4) == 0
				r.Metadata = workloads[b.rng.IntN(len(workloads))]
			})
	}
	return b.recs
}

// writeExport writes usage and prices in the given format into dir and
// returns the two paths.
func writeExport(t testing.TB, e *Engine, dir string, format billing.Format, usage []billing.UsageRecord, prices []billing.ListPrice) (string, string) {
	t.Helper()
	textFormat := format
	if format == billing.Parquet {
		textFormat = billing.CSV
	}
	usagePath := filepath.Join(dir, "usage."+string(textFormat))
	pricePath := filepath.Join(dir, "list_prices."+string(textFormat))
	uf, err := os.Create(usagePath)
	if err != nil {
		t.Fatal(err)
	}
	w, err := billing.NewUsageWriter(uf, textFormat)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range usage {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := uf.Close(); err != nil {
		t.Fatal(err)
	}
	pf, err := os.Create(pricePath)
	if err != nil {
		t.Fatal(err)
	}
	if err := billing.WriteListPrices(pf, textFormat, prices); err != nil {
		t.Fatal(err)
	}
	if err := pf.Close(); err != nil {
		t.Fatal(err)
	}
	if format != billing.Parquet {
		return usagePath, pricePath
	}
	usagePq := filepath.Join(dir, "usage.parquet")
	pricePq := filepath.Join(dir, "list_prices.parquet")
	if err := e.ConvertToParquet(t.Context(), UsageTable, usagePath, usagePq); err != nil {
		t.Fatal(err)
	}
	if err := e.ConvertToParquet(t.Context(), ListPricesTable, pricePath, pricePq); err != nil {
		t.Fatal(err)
	}
	os.Remove(usagePath)
	os.Remove(pricePath)
	return usagePq, pricePq
}
