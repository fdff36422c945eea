package demo

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/billing"
	"github.com/novadynamics/stellar-budget/internal/budget"
)

// digest hashes every field of every record in order.
func digest(t *testing.T, cfg Config) string {
	t.Helper()
	h := sha256.New()
	var buf []byte
	err := Usage(cfg, func(r billing.UsageRecord) error {
		buf = appendRecord(buf[:0], r)
		h.Write(buf)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// appendRecord appends every field of r to b, each ended by a unit
// separator, the record by a record separator.
func appendRecord(b []byte, r billing.UsageRecord) []byte {
	m, id, f := r.Metadata, r.Identity, r.Features
	for _, s := range []string{
		r.RecordID, r.AccountID, r.WorkspaceID, r.SKUName, r.Cloud, r.UsageUnit,
		r.UsageQuantity.String(), r.RecordType, r.OriginProduct, r.UsageType,
		m.ClusterID, m.JobID, m.WarehouseID, m.DLTPipelineID, m.NodeType, m.JobRunID, m.NotebookID, m.EndpointName,
		id.RunAs, id.OwnedBy, id.CreatedBy, f.JobsTier, f.SQLTier, f.DLTTier,
	} {
		b = append(append(b, s...), 0x1f)
	}
	for _, t := range []time.Time{r.UsageStart, r.UsageEnd, r.UsageDate, r.IngestionDate} {
		b = append(t.AppendFormat(b, time.RFC3339Nano), 0x1f)
	}
	b = strconv.AppendBool(strconv.AppendBool(b, f.IsServerless), f.IsPhoton)
	if r.CustomTags == nil {
		b = append(b, "no tags"...)
	}
	for _, k := range slices.Sorted(maps.Keys(r.CustomTags)) {
		b = append(append(append(append(b, 0x1f), k...), '='), r.CustomTags[k]...)
	}
	return append(b, 0x1e)
}

func TestUsageIsDeterministic(t *testing.T) {
	base := Config{Division: testDivision(), AsOf: asOf}
	other := base
	other.AsOf = asOf.AddDate(0, 0, 1)
	sized := base
	sized.Rows = 40_000
	for _, tc := range []struct {
		name string
		a, b Config
		same bool
	}{
		{"same inputs", base, base, true},
		{"same inputs with rows", sized, sized, true},
		{"another as-of date", base, other, false},
		{"another row count", base, sized, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := digest(t, tc.a) == digest(t, tc.b); got != tc.same {
				t.Errorf("equal digests = %v, want %v", got, tc.same)
			}
		})
	}
}

func TestRowsGivesExactlyN(t *testing.T) {
	for _, tc := range []struct {
		name string
		rows int64
	}{
		{"one", 1},
		{"a few", 7},
		{"a thousand", 1000},
		{"below natural", 123_457},
		{"above natural", 1_000_003},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Division: testDivision(), AsOf: asOf, Rows: tc.rows}
			var n int64
			var first, last time.Time
			err := Usage(cfg, func(r billing.UsageRecord) error {
				if n == 0 {
					first = r.UsageDate
				}
				last = r.UsageDate
				n++
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if n != tc.rows {
				t.Fatalf("got %d records, want %d", n, tc.rows)
			}
			if tc.rows < 1000 {
				return
			}
			cal := newCalendar(asOf)
			if first.Sub(cal.start) > 48*time.Hour || cal.asOf.Sub(last) > 48*time.Hour {
				t.Errorf("records span %s..%s, want about %s..%s", first, last, cal.start, cal.asOf)
			}
		})
	}
}

func TestUsageRejectsBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"no as-of", Config{Division: testDivision()}, "as-of"},
		{"negative rows", Config{Division: testDivision(), AsOf: asOf, Rows: -1}, "negative"},
		{"no categories", Config{AsOf: asOf}, "no categories"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Usage(tc.cfg, func(billing.UsageRecord) error { return nil })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestUsageStopsAtEmitError(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := Usage(Config{Division: testDivision(), AsOf: asOf}, func(billing.UsageRecord) error {
		n++
		if n == 10 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 10 {
		t.Errorf("err = %v after %d records, want stop after 10", err, n)
	}
}

// runAudit streams cfg's records through an audit.
func runAudit(t *testing.T, cfg Config) *audit {
	t.Helper()
	a := newAudit(cfg)
	if err := Usage(cfg, a.add); err != nil {
		t.Fatal(err)
	}
	for _, p := range a.problems {
		t.Error(p)
	}
	return a
}

func TestEveryTrapIsPresent(t *testing.T) {
	one, two := testDivision(), testDivision()
	one.Categories, two.Categories = one.Categories[:1], two.Categories[3:5]
	for _, tc := range []struct {
		name string
		div  budget.Division
		rows int64
	}{
		{"natural", testDivision(), 0},
		{"fewer rows", testDivision(), 25_000},
		{"more rows", testDivision(), 700_000},
		{"one category", one, 0},
		{"two categories", two, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := runAudit(t, Config{Division: tc.div, AsOf: asOf, Rows: tc.rows})
			for _, trap := range allTraps {
				if !a.found[trap] {
					t.Errorf("no %s", trap)
				}
			}
			for _, o := range []string{"ALL_PURPOSE", "JOBS", "SQL", "DLT", "MODEL_SERVING"} {
				if !a.origins[o] {
					t.Errorf("no %s usage", o)
				}
			}
			if want := map[string]bool{SKUUnpriced: true}; !maps.Equal(a.unpriced, want) {
				t.Errorf("unpriced SKUs = %v, want only %s", a.unpriced, SKUUnpriced)
			}
		})
	}
}

func TestNaturalSize(t *testing.T) {
	a := runAudit(t, Config{Division: testDivision(), AsOf: asOf})
	if a.records < 100_000 || a.records > 250_000 {
		t.Errorf("natural size is %d records, want 100k-250k", a.records)
	}
	cal := newCalendar(asOf)
	if !a.first.Equal(cal.start) || !a.last.Equal(asOf) {
		t.Errorf("usage dates %s..%s, want %s..%s", a.first, a.last, cal.start, asOf)
	}
	if months := len(cal.periods); months < 13 {
		t.Errorf("%d months of usage, want at least 13", months)
	}
}

func TestListPrices(t *testing.T) {
	cfg := Config{AsOf: asOf}
	prices := ListPrices(cfg)
	cal := newCalendar(asOf)
	bySKU := map[string][]billing.ListPrice{}
	withoutEffective := 0
	for _, p := range prices {
		bySKU[p.SKUName] = append(bySKU[p.SKUName], p)
		if p.PriceStart.After(cal.start) && len(bySKU[p.SKUName]) == 1 {
			t.Errorf("%s: first price starts %s, after the first usage %s", p.SKUName, p.PriceStart, cal.start)
		}
		if p.EffectiveList == nil {
			withoutEffective++
		}
	}
	if withoutEffective == 0 {
		t.Error("every price row has effective_list; the fallback to default is never exercised")
	}
	if _, ok := bySKU[SKUUnpriced]; ok {
		t.Errorf("%s has a price row", SKUUnpriced)
	}
	for _, tc := range []struct {
		name  string
		sku   string
		first string
		then  string
	}{
		{"price change", SKUJobs, "0.15", "0.16"},
		{"promotion", SKUServerlessSQL, "0.7", "0.52"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows := bySKU[tc.sku]
			if len(rows) != 2 {
				t.Fatalf("%d rows, want 2", len(rows))
			}
			if rows[0].PriceEnd == nil || !rows[0].PriceEnd.Equal(rows[1].PriceStart) || rows[1].PriceEnd != nil {
				t.Errorf("windows [%s, %v) and [%s, %v) do not meet", rows[0].PriceStart, rows[0].PriceEnd, rows[1].PriceStart, rows[1].PriceEnd)
			}
			if got := rows[0].UnitPrice().String(); got != tc.first {
				t.Errorf("first price %s, want %s", got, tc.first)
			}
			if got := rows[1].UnitPrice().String(); got != tc.then {
				t.Errorf("then price %s, want %s", got, tc.then)
			}
		})
	}
	promo := bySKU[SKUServerlessSQL][1]
	if promo.Default.String() != "0.7" || promo.Promotional == nil || promo.Promotional.String() != "0.52" {
		t.Errorf("promotion row: default %s, promotional %v", promo.Default, promo.Promotional)
	}
	if change := bySKU[SKUJobs][1].PriceStart; change.Day() != 1 || change.AddDate(0, 8, 0) != cal.asOfMonth {
		t.Errorf("price change on %s, want the first of the month 8 months before %s", change, cal.asOfMonth)
	}
}

// budgetOf returns a category's monthly budget in USD.
func budgetOf(c budget.Category) float64 { return c.MonthlyBudget.Float64() }
