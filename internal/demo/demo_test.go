package demo

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
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
	base := Config{Division: testDivision(), Through: through}
	other := base
	other.Through = through.AddDate(0, 0, 1)
	sized := base
	sized.Rows = 40_000
	minutes := base
	minutes.Through = through.Add(59 * time.Minute)
	for _, tc := range []struct {
		name string
		a, b Config
		same bool
	}{
		{"same inputs", base, base, true},
		{"same inputs with rows", sized, sized, true},
		{"within the same hour", base, minutes, true},
		{"a day later", base, other, false},
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
		name    string
		rows    int64
		through time.Time
	}{
		{"one", 1, through},
		{"a few", 7, through},
		{"a thousand", 1000, through},
		{"below natural", 123_457, through},
		{"above natural", 1_000_003, through},
		{"read mid-morning", 50_000, through.Add(8 * time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Division: testDivision(), Through: tc.through, Rows: tc.rows}
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
			cal := newCalendar(tc.through)
			if first.Sub(cal.start) > 48*time.Hour || cal.lastDay.Sub(last) > 48*time.Hour {
				t.Errorf("records span %s..%s, want about %s..%s", first, last, cal.start, cal.lastDay)
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
		{"no through", Config{Division: testDivision()}, "Through"},
		{"negative rows", Config{Division: testDivision(), Through: through, Rows: -1}, "negative"},
		{"no categories", Config{Through: through}, "no categories"},
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
	err := Usage(Config{Division: testDivision(), Through: through}, func(billing.UsageRecord) error {
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
	unknown := budget.Division{}
	for _, tag := range []string{"LUNAR_LOGISTICS", "ASTEROID_MINING", "SOLAR_WEATHER"} {
		unknown.Categories = append(unknown.Categories, budget.Category{TagValue: tag})
	}
	for _, tc := range []struct {
		name    string
		div     budget.Division
		through time.Time
		rows    int64
	}{
		{"natural", testDivision(), through, 0},
		{"read at 08:00", testDivision(), through.Add(8 * time.Hour), 0},
		{"a month start", testDivision(), date(2027, 3, 1), 0},
		{"a later summer", testDivision(), date(2027, 8, 16), 0},
		{"a year earlier", testDivision(), date(2025, 11, 11), 0},
		{"fewer rows", testDivision(), through, 25_000},
		{"fewer rows in another month", testDivision(), date(2027, 5, 4), 25_000},
		{"more rows", testDivision(), through, 700_000},
		{"one category", one, through, 0},
		{"two categories", two, through, 0},
		{"none of the scenario's categories", unknown, through, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := runAudit(t, Config{Division: tc.div, Through: tc.through, Rows: tc.rows})
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
	a := runAudit(t, Config{Division: testDivision(), Through: through})
	if a.records < 100_000 || a.records > 250_000 {
		t.Errorf("natural size is %d records, want 100k-250k", a.records)
	}
	cal := newCalendar(through)
	if !a.first.Equal(cal.start) || !a.last.Equal(asOf) {
		t.Errorf("usage dates %s..%s, want %s..%s", a.first, a.last, cal.start, asOf)
	}
	if months := len(cal.periods); months < 13 {
		t.Errorf("%d months of usage, want at least 13", months)
	}
}

// TestThroughCutsTheLastDay reads the account at times of day: the last
// day holds exactly the hours that have ended, and nothing ends later.
func TestThroughCutsTheLastDay(t *testing.T) {
	for _, tc := range []struct {
		name    string
		through time.Time
		hours   int // of the last day
	}{
		{"midnight", through, 24},
		{"08:00", through.Add(8 * time.Hour), 8},
		{"08:37", through.Add(8*time.Hour + 37*time.Minute), 8},
		{"01:00", through.Add(time.Hour), 1},
		{"23:00", through.Add(23 * time.Hour), 23},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lastDay := billing.Date(tc.through.Truncate(time.Hour).Add(-time.Nanosecond))
			hours := map[int]bool{}
			err := Usage(Config{Division: testDivision(), Through: tc.through}, func(r billing.UsageRecord) error {
				if r.UsageEnd.After(tc.through) {
					return fmt.Errorf("usage %s-%s ends after %s", r.UsageStart, r.UsageEnd, tc.through)
				}
				if r.UsageDate.Equal(lastDay) {
					hours[r.UsageStart.Hour()] = true
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			want := map[int]bool{}
			for h := range tc.hours {
				want[h] = true
			}
			if !maps.Equal(hours, want) {
				t.Errorf("hours of %s: %v, want 0-%d", lastDay.Format(time.DateOnly), slices.Sorted(maps.Keys(hours)), tc.hours-1)
			}
		})
	}
}

// dayRecords reads the account at through and returns per usage date the
// digest of its records and the cost per category.
func dayRecords(t *testing.T, div budget.Division, through time.Time) (map[string]string, map[string]map[string]float64) {
	t.Helper()
	cfg := Config{Division: div, Through: through}
	a := newAudit(cfg)
	hashes := map[string]hash.Hash{}
	var buf []byte
	err := Usage(cfg, func(r billing.UsageRecord) error {
		day := r.UsageDate.Format(time.DateOnly)
		h, ok := hashes[day]
		if !ok {
			h = sha256.New()
			hashes[day] = h
		}
		buf = appendRecord(buf[:0], r)
		h.Write(buf)
		return a.add(r)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range a.problems {
		t.Error(p)
	}
	digests := map[string]string{}
	for day, h := range hashes {
		digests[day] = hex.EncodeToString(h.Sum(nil))
	}
	return digests, a.dayCost
}

// TestADayIsTheSameWhateverThrough reads the account at times months
// apart and at odd hours: every day both reads hold whole and final (past,
// and its corrections ingested) has the very same records, so the same
// cost in every category.
func TestADayIsTheSameWhateverThrough(t *testing.T) {
	div := testDivision()
	base := through
	baseDays, baseCost := dayRecords(t, div, base)
	for _, other := range []time.Time{
		date(2026, 11, 21).Add(8 * time.Hour),
		date(2026, 12, 6),
		date(2027, 1, 1),
		date(2027, 3, 15).Add(13 * time.Hour),
	} {
		t.Run(other.Format("2006-01-02T15:04"), func(t *testing.T) {
			days, cost := dayRecords(t, div, other)
			end := base
			if other.Before(end) {
				end = other
			}
			compared := 0
			for day, d := range baseDays {
				date, _ := time.Parse(time.DateOnly, day)
				if o, ok := days[day]; !ok || date.AddDate(0, 0, 1).After(end) || !final(date, end) {
					continue
				} else if o != d {
					t.Errorf("%s: records differ", day)
				}
				for cat, byDay := range baseCost {
					if got, want := cost[cat][day], byDay[day]; got != want {
						t.Errorf("%s %s: %.6f USD, want %.6f", day, cat, got, want)
					}
				}
				compared++
			}
			t.Logf("%d days compared", compared)
			if compared < 100 {
				t.Errorf("only %d days in common", compared)
			}
		})
	}
}

// final reports whether usage on date is final when the account is read at
// through: its corrections, if any, are ingested.
func final(date, through time.Time) bool {
	return date.Day() != correctionDayOfMonth || correctionIngested(date).Before(through)
}

// TestCorrectionsArriveLate reads the account around the ingestion of the
// 5th's corrections: before, the overstated originals stand alone; from
// the start of the 9th on, their retractions and restatements are there.
func TestCorrectionsArriveLate(t *testing.T) {
	div := testDivision()
	fifth := date(2026, 11, 5)
	for _, tc := range []struct {
		name      string
		through   time.Time
		corrected bool
	}{
		{"as of the 5th", fifth.Add(24 * time.Hour), false},
		{"as of the 8th", date(2026, 11, 9), false},
		{"the 9th at 01:00", date(2026, 11, 9).Add(time.Hour), true},
		{"as of the 23rd", through, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			originals, corrections := 0, 0
			err := Usage(Config{Division: div, Through: tc.through}, func(r billing.UsageRecord) error {
				if !r.UsageDate.Equal(fifth) {
					return nil
				}
				switch r.RecordType {
				case billing.RecordRetraction, billing.RecordRestatement:
					corrections++
					if !r.IngestionDate.Equal(date(2026, 11, 9)) {
						t.Errorf("%s ingested %s, want 2026-11-09", r.RecordType, r.IngestionDate)
					}
				case billing.RecordOriginal:
					originals++
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case originals == 0:
				t.Fatal("no usage on the 5th")
			case tc.corrected && corrections < 2*len(div.Categories):
				t.Errorf("%d corrections, want a retraction and a restatement per category at least", corrections)
			case !tc.corrected && corrections > 0:
				t.Errorf("%d corrections before their ingestion date", corrections)
			}
		})
	}
	pending, _ := dayRecords(t, div, date(2026, 11, 9))
	final, _ := dayRecords(t, div, date(2026, 11, 10))
	if pending["2026-11-05"] == final["2026-11-05"] {
		t.Error("the 5th reads the same before and after its corrections")
	}
	if pending["2026-11-04"] != final["2026-11-04"] || pending["2026-11-06"] != final["2026-11-06"] {
		t.Error("a day without corrections changed")
	}
}

func TestListPrices(t *testing.T) {
	for _, at := range []time.Time{through, date(2027, 4, 1), date(2027, 5, 16).Add(9 * time.Hour)} {
		t.Run(at.Format("2006-01-02T15:04"), func(t *testing.T) {
			checkListPrices(t, at)
		})
	}
}

func checkListPrices(t *testing.T, through time.Time) {
	prices := ListPrices(Config{Through: through})
	cal := newCalendar(through)
	bySKU := map[string][]billing.ListPrice{}
	withoutEffective := 0
	for _, p := range prices {
		bySKU[p.SKUName] = append(bySKU[p.SKUName], p)
		if p.PriceStart.After(cal.start) && len(bySKU[p.SKUName]) == 1 {
			t.Errorf("%s: first price starts %s, after the first usage %s", p.SKUName, p.PriceStart, cal.start)
		}
		if p.PriceStart.After(cal.through) {
			t.Errorf("%s: a price row starts %s, after the account is read", p.SKUName, p.PriceStart)
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
	for sku, rows := range bySKU {
		for i, r := range rows {
			last := i == len(rows)-1
			if last != (r.PriceEnd == nil) || !last && !r.PriceEnd.Equal(rows[i+1].PriceStart) {
				t.Errorf("%s: row %d [%s, %v) does not meet the next or is not the open last one", sku, i, r.PriceStart, r.PriceEnd)
			}
		}
	}
	// PREMIUM_JOBS_COMPUTE: a step on the first day of every quarter.
	jobs := bySKU[SKUJobs]
	if len(jobs) < 5 {
		t.Errorf("%d jobs price rows in 13 months, want a step every quarter", len(jobs))
	}
	for i, r := range jobs {
		want := "0.15"
		if q := quarterOf(r.PriceStart.Add(time.Nanosecond)); i > 0 && (q.Month() == time.April || q.Month() == time.October) ||
			i == 0 && (quarterOf(cal.start).Month() == time.April || quarterOf(cal.start).Month() == time.October) {
			want = "0.16"
		}
		if got := r.UnitPrice().String(); got != want {
			t.Errorf("jobs row from %s: %s, want %s", r.PriceStart.Format(time.DateOnly), got, want)
		}
		if i > 0 && !r.PriceStart.Equal(quarterOf(r.PriceStart)) {
			t.Errorf("jobs price steps on %s, not the first day of a quarter", r.PriceStart.Format(time.DateOnly))
		}
	}
	// Serverless SQL: promotional from the 15th of a quarter's second month
	// to the quarter's end.
	for _, r := range bySKU[SKUServerlessSQL] {
		if r.Default.String() != "0.7" {
			t.Errorf("serverless SQL row from %s: default %s, want 0.7", r.PriceStart, r.Default)
		}
		promo := r.PriceStart.Day() == promoDayOfMonth
		if promo && (r.Promotional == nil || r.Promotional.String() != "0.52" || r.UnitPrice().String() != "0.52") ||
			!promo && (r.Promotional != nil || r.UnitPrice().String() != "0.7") {
			t.Errorf("serverless SQL row from %s: promotional %v, effective %s", r.PriceStart.Format(time.DateOnly), r.Promotional, r.UnitPrice())
		}
		if promo && (int(r.PriceStart.Month())-1)%3 != 1 {
			t.Errorf("promotion starts %s, not in a quarter's second month", r.PriceStart.Format(time.DateOnly))
		}
		if r.PriceEnd != nil && promo && !r.PriceEnd.Equal(quarterOf(r.PriceStart).AddDate(0, 3, 0)) {
			t.Errorf("promotion from %s ends %s, not with its quarter", r.PriceStart.Format(time.DateOnly), r.PriceEnd.Format(time.DateOnly))
		}
	}
}
