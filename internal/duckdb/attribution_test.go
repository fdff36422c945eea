package duckdb

import (
	"fmt"
	"math/big"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/attribtest"
	"github.com/novadynamics/stellar-budget/internal/billing"
	"github.com/novadynamics/stellar-budget/internal/budget"
)

// reference attributes usage with the pure-Go oracle, which shares no code
// with the SQL.
func reference(t *testing.T, usage []billing.UsageRecord, prices []billing.ListPrice, tagValues []string) *attribtest.Oracle {
	t.Helper()
	o := attribtest.New(tagValues, prices)
	for _, u := range usage {
		if err := o.Add(u); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

func TestAttributionMatchesReference(t *testing.T) {
	usage, prices := trapUsage(4000), trapPrices()
	ref := reference(t, usage, prices, trapTags)
	wantFacts, err := ref.Facts()
	if err != nil {
		t.Fatal(err)
	}
	wantHours, err := ref.Hourly()
	if err != nil {
		t.Fatal(err)
	}
	e, err := Open(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	var last time.Time
	for _, f := range wantFacts {
		if f.Date.After(last) {
			last = f.Date
		}
	}
	for _, format := range []billing.Format{billing.CSV, billing.JSONL, billing.Parquet} {
		usagePath, pricePath := writeExport(t, e, t.TempDir(), format, usage, prices)
		for _, tc := range []struct {
			name             string
			detailFrom, want time.Time
		}{
			{"every day in detail", time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)},
			{"detail from a given day", time.Date(2026, 2, 27, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 27, 0, 0, 0, 0, time.UTC)},
			{"detail from the data's last day", time.Time{}, budget.DetailStart(last)},
		} {
			t.Run(string(format)+"/"+tc.name, func(t *testing.T) {
				res, err := e.Attribute(t.Context(), Input{Usage: []string{usagePath}, ListPrices: []string{pricePath}, TagValues: trapTags, DetailFrom: tc.detailFrom})
				if err != nil {
					t.Fatal(err)
				}
				if res.Rows != ref.Rows() || res.Rows != int64(len(usage)) {
					t.Errorf("rows = %d, want %d", res.Rows, len(usage))
				}
				if !res.LastUsage.Equal(ref.LastUsage()) {
					t.Errorf("last usage = %s, want %s", res.LastUsage, ref.LastUsage())
				}
				want := budget.RollUp(wantFacts, tc.want)
				if len(want.Detail) == 0 || tc.want.Year() > 1970 && len(want.Detail) == len(wantFacts) {
					t.Fatalf("%d detail facts: the case does not tell the detail grain from the others", len(want.Detail))
				}
				for _, d := range attribtest.GrainDiffs(res.Facts, want) {
					t.Error(d)
				}
				for _, f := range res.Facts.Detail {
					if f.Date.Before(tc.want) {
						t.Errorf("detail fact of %s, before detail from %s", f.Date.Format(time.DateOnly), tc.want.Format(time.DateOnly))
					}
				}
				compareTotals(t, res.Facts.Months, wantFacts)
				compareTotals(t, res.Facts.Days, wantFacts)
				compareHourly(t, res.Hourly, wantHours)
			})
		}
	}
}

// compareHourly checks cost by date and hour of usage_start_time against
// the reference's, exactly.
func compareHourly(t *testing.T, got, wantHours []budget.HourCost) {
	t.Helper()
	hourKey := func(h budget.HourCost) string { return fmt.Sprintf("%s %02d", h.Date.Format(time.DateOnly), h.Hour) }
	want := map[string]budget.Decimal{}
	for _, h := range wantHours {
		want[hourKey(h)] = h.Cost
	}
	if len(got) != len(want) {
		t.Errorf("%d hourly rows, want %d", len(got), len(want))
	}
	for _, h := range got {
		k := hourKey(h)
		if w, ok := want[k]; !ok || h.Cost.Cmp(w) != 0 {
			t.Errorf("hour %s: cost %s, want %s (in the reference: %t)", k, h.Cost, w, ok)
		}
	}
}

// compareTotals checks category × month totals to the cent, the figures a
// finance reader compares, rounding the reference's exact sums apart from
// budget.Decimal.
func compareTotals(t *testing.T, facts, wantFacts []budget.Fact) {
	t.Helper()
	gotTotals := map[string]budget.Decimal{}
	for _, f := range facts {
		k := f.Category + " " + f.Date.Format("2006-01")
		gotTotals[k] = gotTotals[k].Add(f.Cost)
	}
	wantTotals := map[string]*big.Rat{}
	for _, f := range wantFacts {
		key := f.Category + " " + f.Date.Format("2006-01")
		if wantTotals[key] == nil {
			wantTotals[key] = new(big.Rat)
		}
		wantTotals[key].Add(wantTotals[key], f.Cost.Rat())
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
		if got, want := gotTotals[k].Cents(), attribtest.Cents(wantTotals[k]); got != want {
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
	// Every day in detail: the cases pin facts of any day.
	res, err := e.Attribute(t.Context(), Input{Usage: []string{usagePath}, ListPrices: []string{pricePath}, TagValues: trapTags,
		DetailFrom: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	sum := func(match func(budget.Fact) bool) (dbus, cost string) {
		var d, c budget.Decimal
		for _, f := range res.Facts.Detail {
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
	for _, f := range res.Facts.Detail {
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
