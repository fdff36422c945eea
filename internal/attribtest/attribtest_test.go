package attribtest

import (
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/billing"
	"github.com/novadynamics/stellar-budget/internal/budget"
)

var (
	tagValues = []string{"DEEP_SPACE_TELEMETRY", "ORBITAL_MECHANICS"}
	change    = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	open      = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
)

func dec(s string) *budget.Decimal { d := budget.MustDecimal(s); return &d }

func prices() []billing.ListPrice {
	end := change
	return []billing.ListPrice{
		{PriceStart: open, PriceEnd: &end, SKUName: "JOBS", Cloud: "AWS", UsageUnit: "DBU", Default: budget.MustDecimal("0.15"), EffectiveList: dec("0.15")},
		{PriceStart: change, SKUName: "JOBS", Cloud: "AWS", UsageUnit: "DBU", Default: budget.MustDecimal("0.16"), EffectiveList: dec("0.16")},
		{PriceStart: open, SKUName: "SQL", Cloud: "AWS", UsageUnit: "DBU", Default: budget.MustDecimal("0.70"), EffectiveList: dec("0.52")},
		{PriceStart: open, SKUName: "ALL_PURPOSE", Cloud: "AWS", UsageUnit: "DBU", Default: budget.MustDecimal("0.55")},
		{PriceStart: open, SKUName: "DLT", Cloud: "AZURE", UsageUnit: "DBU", Default: budget.MustDecimal("0.40")},
	}
}

// record is one hour of JOBS usage ending at end, tagged with tags
// (key, value, ...), changed by mutate.
func record(end time.Time, qty string, tags []string, mutate ...func(*billing.UsageRecord)) billing.UsageRecord {
	r := billing.UsageRecord{
		RecordID: "r", WorkspaceID: "ws-1", SKUName: "JOBS", Cloud: "AWS", UsageUnit: "DBU",
		UsageStart: end.Add(-time.Hour), UsageEnd: end, UsageDate: billing.Date(end.Add(-time.Hour)),
		UsageQuantity: budget.MustDecimal(qty), RecordType: billing.RecordOriginal, OriginProduct: "JOBS",
	}
	if tags != nil {
		r.CustomTags = map[string]string{}
		for i := 0; i+1 < len(tags); i += 2 {
			r.CustomTags[tags[i]] = tags[i+1]
		}
	}
	for _, m := range mutate {
		m(&r)
	}
	return r
}

var noon = time.Date(2026, 2, 10, 12, 0, 0, 0, time.UTC)

// TestRules pins each rule on one record: its one fact's identity and
// amounts.
func TestRules(t *testing.T) {
	tagged := []string{budget.CategoryTagKey, "DEEP_SPACE_TELEMETRY"}
	tests := []struct {
		name   string
		record billing.UsageRecord
		check  func(budget.Fact) bool
		dbus   string
		cost   string
	}{
		{"before the price change, the old price", record(change.Add(-time.Second), "10", tagged), nil, "10", "1.5"},
		{"at the price change, the new price", record(change, "10", tagged), nil, "10", "1.6"},
		{"before the first price, unpriced", record(open.Add(-time.Second), "3", tagged),
			func(f budget.Fact) bool { return !f.Priced }, "3", "0"},
		{"at the first price, priced", record(open, "2", tagged), func(f budget.Fact) bool { return f.Priced }, "2", "0.3"},
		{"effective_list over default", record(noon, "4.5", tagged, sku("SQL")), nil, "4.5", "2.34"},
		{"no effective_list, default", record(noon, "2.25", tagged, sku("ALL_PURPOSE")), nil, "2.25", "1.2375"},
		{"priced on another cloud only, unpriced", record(noon, "7", tagged, sku("DLT")),
			func(f budget.Fact) bool { return !f.Priced }, "7", "0"},
		{"a retraction stays negative", record(noon, "-1.5", tagged), nil, "-1.5", "-0.225"},
		{"normalised tag", record(noon, "1", []string{budget.CategoryTagKey, " deep-space telemetry "}),
			func(f budget.Fact) bool {
				return f.Category == "DEEP_SPACE_TELEMETRY" && f.Attribution == budget.Attributed
			}, "1", "0.15"},
		{"no tags, untagged", record(noon, "1", nil),
			func(f budget.Fact) bool { return f.Category == budget.Unattributed && f.Attribution == budget.Untagged }, "1", "0.15"},
		{"blank tag, untagged", record(noon, "1", []string{budget.CategoryTagKey, "   "}),
			func(f budget.Fact) bool { return f.Attribution == budget.Untagged && f.TagValue == "" }, "1", "0.15"},
		{"unknown value, trimmed raw", record(noon, "1", []string{budget.CategoryTagKey, " sand box "}),
			func(f budget.Fact) bool { return f.Attribution == budget.UnknownValue && f.TagValue == "sand box" }, "1", "0.15"},
		{"owner tag", record(noon, "1", []string{"Owner", " ada "}, runAs("run")), owner("ada"), "1", "0.15"},
		{"blank owner tag, run_as", record(noon, "1", []string{"Owner", " "}, runAs("run")), owner("run"), "1", "0.15"},
		{"owned_by before created_by", record(noon, "1", nil, func(r *billing.UsageRecord) {
			r.Identity = billing.IdentityMetadata{OwnedBy: "owns", CreatedBy: "made"}
		}), owner("owns"), "1", "0.15"},
		{"created_by last", record(noon, "1", nil, func(r *billing.UsageRecord) { r.Identity.CreatedBy = "made" }), owner("made"), "1", "0.15"},
		{"unknown owner", record(noon, "1", nil), owner(budget.UnknownOwner), "1", "0.15"},
		{"job over its cluster", record(noon, "1", nil, meta(billing.UsageMetadata{JobID: " 101 ", ClusterID: "c"})), workload("job", "101"), "1", "0.15"},
		{"pipeline over warehouse", record(noon, "1", nil, meta(billing.UsageMetadata{DLTPipelineID: "pl", WarehouseID: "wh"})), workload("pipeline", "pl"), "1", "0.15"},
		{"warehouse over endpoint", record(noon, "1", nil, meta(billing.UsageMetadata{WarehouseID: "wh", EndpointName: "ep"})), workload("warehouse", "wh"), "1", "0.15"},
		{"endpoint over cluster", record(noon, "1", nil, meta(billing.UsageMetadata{EndpointName: "ep", ClusterID: "c"})), workload("endpoint", "ep"), "1", "0.15"},
		{"blank job falls through to the cluster", record(noon, "1", nil, meta(billing.UsageMetadata{JobID: " ", ClusterID: "c"})), workload("cluster", "c"), "1", "0.15"},
		{"no workload", record(noon, "1", nil), workload("", ""), "1", "0.15"},
		{"resource, workspace, SKU and serverless kept", record(noon, "1", nil, func(r *billing.UsageRecord) {
			r.OriginProduct, r.WorkspaceID, r.Features.IsServerless = "SQL", "ws-9", true
		}), func(f budget.Fact) bool {
			return f.ResourceType == "SQL" && f.Workspace == "ws-9" && f.Serverless && f.SKU == "JOBS"
		}, "1", "0.15"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := New(tagValues, prices())
			if err := o.Add(tc.record); err != nil {
				t.Fatal(err)
			}
			facts, err := o.Facts()
			if err != nil {
				t.Fatal(err)
			}
			if len(facts) != 1 {
				t.Fatalf("%d facts, want 1", len(facts))
			}
			f := facts[0]
			if !f.Date.Equal(tc.record.UsageDate) || tc.check != nil && !tc.check(f) {
				t.Errorf("fact %+v", f)
			}
			if f.DBUs.String() != tc.dbus || f.Cost.String() != tc.cost {
				t.Errorf("dbus %s cost %s, want %s and %s", f.DBUs, f.Cost, tc.dbus, tc.cost)
			}
		})
	}
}

func sku(s string) func(*billing.UsageRecord) { return func(r *billing.UsageRecord) { r.SKUName = s } }
func runAs(s string) func(*billing.UsageRecord) {
	return func(r *billing.UsageRecord) { r.Identity.RunAs = s }
}
func meta(m billing.UsageMetadata) func(*billing.UsageRecord) {
	return func(r *billing.UsageRecord) { r.Metadata = m }
}
func owner(s string) func(budget.Fact) bool { return func(f budget.Fact) bool { return f.Owner == s } }
func workload(typ, id string) func(budget.Fact) bool {
	return func(f budget.Fact) bool { return f.WorkloadType == typ && f.WorkloadID == id }
}

// A fact sums its records, corrections included, across a price change
// within the day; the hourly rows split them by hour; a record of another
// identity is a fact of its own.
func TestFactsAndHours(t *testing.T) {
	o := New(tagValues, prices())
	tags := []string{budget.CategoryTagKey, "ORBITAL_MECHANICS"}
	records := []billing.UsageRecord{
		record(change, "2", tags),                             // 23:00 on the 28th, ends at the change: new price, 0.32
		record(change.Add(-time.Hour), "3", tags),             // 22:00, old price: 0.45
		record(change.Add(-time.Hour), "-3", tags),            // its retraction
		record(change.Add(-time.Hour), "2.5", tags),           // and restatement: 0.375
		record(change.Add(time.Hour), "1", tags),              // 00:00 on the 1st: 0.16
		record(change.Add(-time.Hour), "5", tags, sku("DLT")), // unpriced, at 22:00
		record(change, "1", nil),                              // untagged, at 23:00: a fact of its own
	}
	for _, r := range records {
		if err := o.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	facts, err := o.Facts()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range facts {
		got = append(got, fmt.Sprintf("%s %s %s %s %t %s %s", f.Date.Format(time.DateOnly), f.Category, f.Attribution, f.SKU, f.Priced, f.DBUs, f.Cost))
	}
	want := []string{
		"2026-02-28 ORBITAL_MECHANICS attributed DLT false 5 0",
		"2026-02-28 ORBITAL_MECHANICS attributed JOBS true 4.5 0.695",
		"2026-02-28 UNATTRIBUTED untagged JOBS true 1 0.16",
		"2026-03-01 ORBITAL_MECHANICS attributed JOBS true 1 0.16",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("facts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	hours, err := o.Hourly()
	if err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for _, h := range hours {
		got = append(got, fmt.Sprintf("%s %02d %s", h.Date.Format(time.DateOnly), h.Hour, h.Cost))
	}
	want = []string{"2026-02-28 22 0.375", "2026-02-28 23 0.48", "2026-03-01 00 0.16"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("hours:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if o.Rows() != int64(len(records)) || !o.LastUsage().Equal(change.Add(time.Hour)) {
		t.Errorf("rows %d, last usage %s", o.Rows(), o.LastUsage())
	}
}

// Overlapping price rows would count usage twice in the SQL's join: the
// oracle refuses them rather than pick one.
func TestOverlappingPrices(t *testing.T) {
	p := append(prices(), billing.ListPrice{PriceStart: change.AddDate(0, 0, -1), SKUName: "JOBS", Cloud: "AWS", UsageUnit: "DBU", Default: budget.MustDecimal("0.2")})
	o := New(tagValues, p)
	if err := o.Add(record(change.Add(-time.Hour), "1", nil)); err == nil || !strings.Contains(err.Error(), "more than one price row") {
		t.Errorf("err = %v, want two covering rows named", err)
	}
	if n := len(o.Covering(record(change.Add(-time.Hour), "1", nil))); n != 2 {
		t.Errorf("%d covering rows, want 2", n)
	}
	if err := o.Add(record(noon, "1", nil)); err != nil {
		t.Errorf("a record one price covers: %v", err)
	}
}

// A cost that 18 decimals cannot hold is an error, not a rounded fact.
func TestInexactCost(t *testing.T) {
	p := []billing.ListPrice{{PriceStart: open, SKUName: "JOBS", Cloud: "AWS", UsageUnit: "DBU", Default: budget.MustDecimal("0.000000001")}}
	o := New(tagValues, p)
	if err := o.Add(record(noon, "0.000000000001", nil)); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Facts(); err == nil {
		t.Error("facts of a cost with 21 decimals: no error")
	}
	if _, err := o.Hourly(); err == nil {
		t.Error("hours of a cost with 21 decimals: no error")
	}
}

func TestDaily(t *testing.T) {
	start := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	fact := func(day int, category, cost string) budget.Fact {
		return budget.Fact{Date: start.AddDate(0, 0, day), Category: category, Cost: budget.MustDecimal(cost)}
	}
	facts := []budget.Fact{
		fact(-1, "A", "100"), // before start
		fact(0, "A", "1.004"), fact(0, "A", "0.001"), fact(0, "B", "7"),
		fact(2, "A", "-0.125"),
		fact(3, "A", "100"), // after the last day
	}
	onlyA := func(f budget.Fact) bool { return f.Category == "A" }
	tests := []struct {
		name string
		opt  DailyOptions
		want string
	}{
		{"all, exact", DailyOptions{}, "8.005 0 -0.125"},
		{"kept, exact", DailyOptions{Keep: onlyA}, "1.005 0 -0.125"},
		{"kept, to the cent half away from zero", DailyOptions{Keep: onlyA, Cents: true}, "1.01 0 -0.13"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, d := range Daily(facts, start, 3, tc.opt) {
				got = append(got, d.String())
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Errorf("days %s, want %s", g, tc.want)
			}
		})
	}
}

func TestCents(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"0", "0.00"}, {"1.005", "1.01"}, {"1.00499", "1.00"}, {"-1.005", "-1.01"}, {"-1.00499", "-1.00"},
		{"2/3", "0.67"}, {"-2/3", "-0.67"}, {"12345678.995", "12345679.00"},
	} {
		r, ok := new(big.Rat).SetString(tc.in)
		if !ok {
			t.Fatalf("bad rational %q", tc.in)
		}
		if got := Cents(r); got != tc.want {
			t.Errorf("Cents(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
