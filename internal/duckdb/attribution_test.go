package duckdb

import (
	"fmt"
	"math/big"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/billing"
	"github.com/novadynamics/stellar-budget/internal/budget"
)

// refKey is a fact's identity in the reference computation.
type refKey struct {
	date                                  string
	category, attribution, unknown, owner string
	workloadType, workloadID              string
	resourceType, workspace, sku          string
	serverless, priced                    bool
}

// refWorkload names the workload behind a record: the first of job_id,
// dlt_pipeline_id, warehouse_id, endpoint_name, cluster_id that is not
// blank, trimmed.
func refWorkload(m billing.UsageMetadata) (string, string) {
	for _, w := range []struct{ typ, id string }{
		{"job", m.JobID}, {"pipeline", m.DLTPipelineID}, {"warehouse", m.WarehouseID},
		{"endpoint", m.EndpointName}, {"cluster", m.ClusterID},
	} {
		if id := strings.Trim(w.id, " "); id != "" {
			return w.typ, id
		}
	}
	return "", ""
}

type refAmounts struct{ dbus, cost *big.Rat }

// reference attributes usage in plain Go with big.Rat, written from
// DESIGN.md section 2 and sharing no code with the SQL.
func reference(usage []billing.UsageRecord, prices []billing.ListPrice, tagValues []string) map[refKey]refAmounts {
	configured := map[string]bool{}
	for _, v := range tagValues {
		configured[v] = true
	}
	out := map[refKey]refAmounts{}
	for _, u := range usage {
		var price *billing.ListPrice
		for i, p := range prices {
			if p.SKUName == u.SKUName && p.Cloud == u.Cloud && p.UsageUnit == u.UsageUnit && p.Covers(u.UsageEnd) {
				price = &prices[i]
			}
		}
		raw, hasTag := u.CustomTags["OperationalCategory"]
		norm := budget.NormalizeTag(raw)
		k := refKey{
			date: u.UsageDate.Format(time.DateOnly), resourceType: u.OriginProduct, workspace: u.WorkspaceID,
			sku: u.SKUName, serverless: u.Features.IsServerless, priced: price != nil,
		}
		switch {
		case configured[norm]:
			k.category, k.attribution = norm, "attributed"
		case !hasTag || norm == "":
			k.category, k.attribution = "UNATTRIBUTED", "untagged"
		default:
			k.category, k.attribution, k.unknown = "UNATTRIBUTED", "unknown_value", strings.Trim(raw, " ")
		}
		k.workloadType, k.workloadID = refWorkload(u.Metadata)
		k.owner = "(unknown)"
		for _, o := range []string{u.CustomTags["Owner"], u.Identity.RunAs, u.Identity.OwnedBy, u.Identity.CreatedBy} {
			if strings.Trim(o, " ") != "" {
				k.owner = strings.Trim(o, " ")
				break
			}
		}
		a, ok := out[k]
		if !ok {
			a = refAmounts{dbus: new(big.Rat), cost: new(big.Rat)}
			out[k] = a
		}
		q := u.UsageQuantity.Rat()
		a.dbus.Add(a.dbus, q)
		if price != nil {
			a.cost.Add(a.cost, new(big.Rat).Mul(q, price.UnitPrice().Rat()))
		}
	}
	return out
}

func factKey(f budget.Fact) refKey {
	return refKey{
		date: f.Date.Format(time.DateOnly), category: f.Category, attribution: string(f.Attribution),
		unknown: f.TagValue, owner: f.Owner, workloadType: f.WorkloadType, workloadID: f.WorkloadID,
		resourceType: f.ResourceType, workspace: f.Workspace,
		sku: f.SKU, serverless: f.Serverless, priced: f.Priced,
	}
}

func cents(r *big.Rat) string {
	// Round half away from zero, as budget.Decimal does.
	scaled := new(big.Rat).Mul(r, big.NewRat(100, 1))
	n := new(big.Int).Quo(scaled.Num(), scaled.Denom())
	rem := new(big.Rat).Sub(scaled, new(big.Rat).SetInt(n))
	half := big.NewRat(1, 2)
	if rem.Cmp(half) >= 0 {
		n.Add(n, big.NewInt(1))
	} else if rem.Cmp(new(big.Rat).Neg(half)) <= 0 {
		n.Sub(n, big.NewInt(1))
	}
	return new(big.Rat).SetFrac(n, big.NewInt(100)).FloatString(2)
}

func TestAttributionMatchesReference(t *testing.T) {
	usage, prices := trapUsage(4000), trapPrices()
	want := reference(usage, prices, trapTags)
	e, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for _, format := range []billing.Format{billing.CSV, billing.JSONL, billing.Parquet} {
		t.Run(string(format), func(t *testing.T) {
			usagePath, pricePath := writeExport(t, e, t.TempDir(), format, usage, prices)
			res, err := e.Attribute(t.Context(), Input{Usage: []string{usagePath}, ListPrices: []string{pricePath}, TagValues: trapTags})
			if err != nil {
				t.Fatal(err)
			}
			if res.Rows != int64(len(usage)) {
				t.Errorf("rows = %d, want %d", res.Rows, len(usage))
			}
			var lastEnd time.Time
			for _, u := range usage {
				if u.UsageEnd.After(lastEnd) {
					lastEnd = u.UsageEnd
				}
			}
			if !res.LastUsage.Equal(lastEnd) {
				t.Errorf("last usage = %s, want %s", res.LastUsage, lastEnd)
			}
			got := map[refKey]budget.Fact{}
			for _, f := range res.Facts {
				k := factKey(f)
				if _, dup := got[k]; dup {
					t.Errorf("duplicate fact %+v", k)
				}
				got[k] = f
			}
			for k, w := range want {
				f, ok := got[k]
				if !ok {
					t.Errorf("missing fact %+v", k)
					continue
				}
				if f.DBUs.Rat().Cmp(w.dbus) != 0 || f.Cost.Rat().Cmp(w.cost) != 0 {
					t.Errorf("fact %+v: dbus %s cost %s, want %s and %s", k, f.DBUs, f.Cost, w.dbus.FloatString(18), w.cost.FloatString(18))
				}
			}
			for k := range got {
				if _, ok := want[k]; !ok {
					t.Errorf("unexpected fact %+v", k)
				}
			}
			compareTotals(t, res.Facts, want)
			compareHourly(t, res.Hourly, usage, prices)
		})
	}
}

// compareHourly checks cost by date and hour of usage_start_time against
// the records, exactly.
func compareHourly(t *testing.T, got []budget.HourCost, usage []billing.UsageRecord, prices []billing.ListPrice) {
	t.Helper()
	want := map[string]*big.Rat{}
	for _, u := range usage {
		k := u.UsageDate.Format(time.DateOnly) + " " + u.UsageStart.UTC().Format("15")
		if want[k] == nil {
			want[k] = new(big.Rat)
		}
		for _, p := range prices {
			if p.SKUName == u.SKUName && p.Cloud == u.Cloud && p.UsageUnit == u.UsageUnit && p.Covers(u.UsageEnd) {
				want[k].Add(want[k], new(big.Rat).Mul(u.UsageQuantity.Rat(), p.UnitPrice().Rat()))
			}
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d hourly rows, want %d", len(got), len(want))
	}
	for _, h := range got {
		k := fmt.Sprintf("%s %02d", h.Date.Format(time.DateOnly), h.Hour)
		if w := want[k]; w == nil || h.Cost.Rat().Cmp(w) != 0 {
			t.Errorf("hour %s: cost %s, want %v", k, h.Cost, w)
		}
	}
}

// compareTotals checks category × month totals to the cent, the figures a
// finance reader compares.
func compareTotals(t *testing.T, facts []budget.Fact, want map[refKey]refAmounts) {
	t.Helper()
	gotTotals := map[string]budget.Decimal{}
	for _, f := range facts {
		k := f.Category + " " + f.Date.Format("2006-01")
		gotTotals[k] = gotTotals[k].Add(f.Cost)
	}
	wantTotals := map[string]*big.Rat{}
	for k, a := range want {
		key := k.category + " " + k.date[:7]
		if wantTotals[key] == nil {
			wantTotals[key] = new(big.Rat)
		}
		wantTotals[key].Add(wantTotals[key], a.cost)
	}
	keys := make([]string, 0, len(wantTotals))
	for k := range wantTotals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) < 20 {
		t.Fatalf("only %d category-months; the trap account should span many", len(keys))
	}
	for _, k := range keys {
		if got, want := gotTotals[k].Cents(), cents(wantTotals[k]); got != want {
			t.Errorf("total %s = %s, want %s", k, got, want)
		}
	}
}

// TestTrapCases pins the individual rules on the trap rows, so a failure
// names the rule rather than a total.
func TestTrapCases(t *testing.T) {
	e, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	usagePath, pricePath := writeExport(t, e, t.TempDir(), billing.CSV, trapUsage(0), trapPrices())
	res, err := e.Attribute(t.Context(), Input{Usage: []string{usagePath}, ListPrices: []string{pricePath}, TagValues: trapTags})
	if err != nil {
		t.Fatal(err)
	}
	sum := func(match func(budget.Fact) bool) (dbus, cost string) {
		var d, c budget.Decimal
		for _, f := range res.Facts {
			if match(f) {
				d, c = d.Add(f.DBUs), c.Add(f.Cost)
			}
		}
		return d.String(), c.String()
	}
	workload := func(typ, id string) func(budget.Fact) bool {
		return func(f budget.Fact) bool {
			return f.Owner == workloadOwner && f.WorkloadType == typ && f.WorkloadID == id
		}
	}
	on := func(day string) func(budget.Fact) bool {
		return func(f budget.Fact) bool { return f.Date.Format(time.DateOnly) == day }
	}
	tests := []struct {
		name       string
		match      func(budget.Fact) bool
		dbus, cost string
	}{
		{"usage ending before the change takes the old price", func(f budget.Fact) bool { return f.Owner == "edge-before@example.test" }, "10", "1.5"},
		{"usage ending at the change takes the new price", func(f budget.Fact) bool { return f.Owner == "edge-at@example.test" }, "10", "1.6"},
		{"usage ending after the change takes the new price", func(f budget.Fact) bool { return f.Owner == "edge-after@example.test" }, "10", "1.6"},
		{"usage ending at the first price start is priced", func(f budget.Fact) bool { return f.Owner == "edge-first@example.test" && f.Priced }, "2", "0.3"},
		{"usage ending before the first price is unpriced", func(f budget.Fact) bool { return f.Owner == "edge-first@example.test" && !f.Priced }, "3", "0"},
		{"normalised variants match their category", func(f budget.Fact) bool {
			return f.Owner == "ada@example.test" && f.Category == "DEEP_SPACE_TELEMETRY"
		}, "3.3", "0.495"},
		{"promotion uses effective_list", func(f budget.Fact) bool { return f.SKU == "PREMIUM_SERVERLESS_SQL_COMPUTE" }, "4.5", "2.34"},
		{"no effective_list falls back to default", func(f budget.Fact) bool { return f.SKU == "PREMIUM_ALL_PURPOSE_COMPUTE" }, "2.25", "1.2375"},
		{"price on another cloud only is unpriced", func(f budget.Fact) bool { return f.SKU == "PREMIUM_DLT_ADVANCED_COMPUTE" && !f.Priced }, "7", "0"},
		{"unknown SKU is unpriced", func(f budget.Fact) bool { return f.SKU == "GPU_SERVING_NEW_SKU" && !f.Priced && f.Serverless }, "9.999999", "0"},
		{"correction summed", func(f budget.Fact) bool {
			return f.Category == "PROPULSION_ANALYTICS" && on("2026-02-28")(f) && f.SKU == "PREMIUM_JOBS_COMPUTE"
		}, "5.225", "0.78375"},
		{"lone retraction stays negative", func(f budget.Fact) bool { return on("2026-02-25")(f) }, "-1.5", "-0.225"},
		{"untagged", func(f budget.Fact) bool { return f.Attribution == budget.Untagged }, "8", "1.2"},
		{"unknown values", func(f budget.Fact) bool { return f.Attribution == budget.UnknownValue }, "3.75", "0.5625"},
		{"sandbox grouped by trimmed raw value", func(f budget.Fact) bool { return f.TagValue == "sandbox" }, "0.75", "0.1125"},
		{"owner from tag", func(f budget.Fact) bool { return f.Owner == "tagged@example.test" }, "1", "0.15"},
		{"empty owner tag falls back to run_as", func(f budget.Fact) bool {
			return f.Owner == "ada@example.test" && f.Category == "ORBITAL_MECHANICS" && f.SKU == "PREMIUM_JOBS_COMPUTE" && f.Priced
		}, "1", "0.15"},
		{"owned_by before created_by", func(f budget.Fact) bool { return f.Owner == "owner@example.test" }, "1", "0.15"},
		{"created_by last", func(f budget.Fact) bool { return f.Owner == "creator@example.test" }, "1", "0.15"},
		{"unknown owner", func(f budget.Fact) bool { return f.Owner == "(unknown)" }, "1", "0.15"},
		{"hostile owner kept verbatim", func(f budget.Fact) bool { return f.Owner == hostileOwner }, "1", "0.15"},
		{"classic job runs add up under their job", workload("job", "101"), "2", "0.3"},
		{"serverless job, id trimmed", workload("job", "102"), "1", "0.15"},
		{"pipeline before its cluster", workload("pipeline", "pl-1"), "1", "0.15"},
		{"warehouse", workload("warehouse", "wh-1"), "1", "0.15"},
		{"serving endpoint by name", workload("endpoint", "ep-gpu"), "1", "0.15"},
		{"cluster, and a blank job_id falls through to it", workload("cluster", "0101-abc"), "2", "0.3"},
		{"no workload named", workload("", ""), "2", "0.3"},
		{"hostile workload id kept verbatim", workload("cluster", hostileWorkload), "1", "0.15"},
		{"formula-like workload id kept verbatim", workload("warehouse", "=1+2"), "1", "0.15"},
		{"no job cluster becomes a workload", func(f budget.Fact) bool { return strings.HasPrefix(f.WorkloadID, "job-") }, "0", "0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dbus, cost := sum(tc.match)
			if dbus != tc.dbus || cost != tc.cost {
				t.Errorf("dbus %s cost %s, want %s and %s", dbus, cost, tc.dbus, tc.cost)
			}
		})
	}
	unknown := map[string]bool{}
	for _, f := range res.Facts {
		if f.Attribution == budget.UnknownValue {
			unknown[f.TagValue] = true
		}
	}
	for _, v := range []string{"SANDBOX", "sandbox", "Navigation Sys", `"><img src=x onerror=alert(1)>`, `=HYPERLINK("http://x","y")`} {
		if !unknown[v] {
			t.Errorf("unknown value %q not listed; got %v", v, unknown)
		}
	}
}
