package snapshot

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func pct(s string) *Percent { p := Percent(s); return &p }

func intp(n int) *int { return &n }

// sample is a snapshot with every field set, partial last day included.
func sample() *Snapshot {
	days := func(from int, usd ...string) Series {
		s := Series{LastDayPartial: true, Days: Days{}}
		for i, u := range usd {
			s.Days = append(s.Days, Day{Date: Date("2026-11-" + twoDigits(from+i)), Cost: Money(u)})
		}
		return s
	}
	return &Snapshot{
		SchemaVersion: SchemaVersion,
		GeneratedAt:   "2026-11-23T09:00:00Z",
		AsOf:          "2026-11-23",
		DataThrough:   "2026-11-23T08:00:00Z",
		DaysBehind:    0,
		Source: Source{
			Kind: "files", Inputs: []string{"usage.csv"}, ReadAt: "2026-11-23T08:30:00Z", LastUsageDate: "2026-11-23",
			PartialDay: true, FreshAgainst: "build",
		},
		Thresholds: []int{75, 90, 100},
		Totals: Totals{
			MonthToDate: "130.00", Attributed: "120.00", Unattributed: "10.00", Budget: "1000.00",
			Forecast: "180.00", ForecastLow: "170.00", ForecastHigh: "190.00", ForecastLow95: "160.00", ForecastHigh95: "200.00",
			Utilization: pct("13.0"), ProjectedUtilization: pct("18.0"), TagCompliance: pct("92.3"),
			QuarterToDate: "300.00", QuarterToDateBudget: "2000.00", YearToDate: "900.00", YearToDateBudget: "11000.00",
			AtRisk: []string{}, Watch: []string{"alpha"},
		},
		Categories: []Category{{
			Slug: "alpha", Title: "Alpha", TagValue: "ALPHA", Owners: []string{"lead@x.test"},
			MonthlyBudget: "1000.00", MonthToDate: "120.00", Forecast: "180.00", ForecastLow: "170.00", ForecastHigh: "190.00",
			Utilization: pct("12.0"), ForecastLow95: "160.00", ForecastHigh95: "200.00", ProbabilityOver: "0.25",
			ThresholdReached: 0, Status: "watch", Driver: "up 3 % on last month's pace",
			OnBreach:     Breach{Action: "scale_down", DryRun: true},
			Policy:       Policy{MaxWorkers: 8, AutoterminationMinutes: 30, NodeTypes: []string{"i3.xlarge"}},
			Allowances:   map[string]Money{"ann@x.test": "600.00", "bob@x.test": "0.00"},
			Daily:        days(21, "40.00", "60.00", "20.00"),
			RecentOwners: []OwnerSpend{{Owner: "ann@x.test", Cost: "900.00"}, {Owner: "bob@x.test", Cost: "300.00"}},
		}},
		Unattributed: Unattributed{Untagged: "4.00", UnknownValue: "6.00", UnknownValues: []UnknownValue{{Value: "<b>", MonthToDate: "6.00", Total: "8.50"}}},
		Unpriced:     []SKU{{SKU: "NEW_SKU", DBUs: "3.250000"}},
		Owners: []Owner{{
			Owner: "ann@x.test", MonthToDate: "90.00", Forecast: "130.00", ForecastLow: "120.00", ForecastHigh: "140.00",
			Burn30: "400.00", Burn30Low: "300.00", Burn30High: "500.00", Daily: days(22, "-1.50", "15.25"),
		}},
		Alerts:     []Alert{{Key: "k1", Time: "2026-11-20", Category: "ALPHA", Kind: "threshold", Threshold: 75, Value: "760.00", Budget: "1000.00", Status: "sent"}},
		Compliance: &Compliance{CompliancePct: pct("75.0"), TaggedSpendPct: pct("97.2"), TaggedMonth: "2026-10", Findings: intp(2), AuditHead: "abc", AuditVerified: true},
		TagTypos:   []TagTypo{{Category: "BETA", Value: "BETTA", Cost: "12.00"}},
		Clusters: []Cluster{{
			ID: "0101-000000-abc", Workspace: "42", Category: "ALPHA", Owner: "ann@x.test", SKUs: []string{"PREMIUM_ALL_PURPOSE_COMPUTE"},
			RatedOn: "2026-11-22", DBUsPerHour: "2.000000", USDPerHour: "1.100000", Priced: true, LastUsageDate: "2026-11-23",
		}},
	}
}

func twoDigits(n int) string { return string([]byte{byte('0' + n/10), byte('0' + n%10)}) }

func encode(t *testing.T, s *Snapshot) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "snapshot.json")
	if err := Write(path, s); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	want := sample()
	dir := t.TempDir()
	path := filepath.Join(dir, filepath.FromSlash(Path))
	if err := Write(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back\n%+v\nwant\n%+v", got, want)
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("%d files beside the snapshot, want it alone (no temporary file left)", len(entries))
	}
	raw, _ := os.ReadFile(path)
	if !bytes.HasSuffix(raw, []byte("}\n")) {
		t.Error("the snapshot does not end in a newline")
	}
	// A day to a line: the days object is the compact form the package
	// documents.
	if !regexp.MustCompile(`\n +"2026-11-22": "60.00",\n`).Match(raw) {
		t.Errorf("the days are not one per line:\n%s", raw)
	}
	// Writing again replaces the file.
	want.AsOf = "2026-11-24"
	if err := Write(path, want); err != nil {
		t.Fatal(err)
	}
	if again, err := ReadFile(path); err != nil || again.AsOf != "2026-11-24" {
		t.Errorf("rewritten snapshot: as of %v, %v", again, err)
	}
}

func TestSeriesParts(t *testing.T) {
	s := sample().Categories[0].Daily
	if got := s.Complete(); len(got) != 2 || got[1].Date != "2026-11-22" {
		t.Errorf("complete days = %v, want the two before the partial one", got)
	}
	if d, ok := s.Partial(); !ok || d.Cost != "20.00" || d.Cost.Decimal().String() != "20" {
		t.Errorf("partial day = %v, %v", d, ok)
	}
	s.LastDayPartial = false
	if _, ok := s.Partial(); ok || len(s.Complete()) != 3 {
		t.Errorf("a whole last day: partial %v, %d complete days", ok, len(s.Complete()))
	}
}

func TestLookups(t *testing.T) {
	s := sample()
	for _, key := range []string{"alpha", "ALPHA"} {
		if c, ok := s.Category(key); !ok || c.Slug != "alpha" {
			t.Errorf("Category(%q) = %v, %v", key, c, ok)
		}
	}
	if _, ok := s.Category("Alpha"); ok {
		t.Error("Category matched a title")
	}
	if o, ok := s.Owner("ann@x.test"); !ok || o.Burn30 != "400.00" {
		t.Errorf("Owner = %v, %v", o, ok)
	}
	if c, ok := s.Cluster("0101-000000-abc"); !ok || c.USDPerHour.Decimal().String() != "1.1" {
		t.Errorf("Cluster = %v, %v", c, ok)
	}
	if _, ok := s.Cluster("nope"); ok {
		t.Error("found a cluster that is not there")
	}
}

func TestReadVersion(t *testing.T) {
	tests := []struct {
		name    string
		version string // the schema_version member, "" for none
		want    string
		got     int // the VersionError's, 0 for another error
	}{
		{"newer", `"schema_version": 2,`, "schema_version is 2, this reader reads 1", 2},
		{"older", `"schema_version": 0,`, "schema_version is 0, this reader reads 1", 0},
		{"missing", ``, "no schema_version: not a Stellar Budget snapshot", -1},
		{"not a number", `"schema_version": "1",`, `schema_version "1" is not a whole number`, -1},
		{"null", `"schema_version": null,`, "no schema_version", -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := strings.Replace(string(encode(t, sample())), `"schema_version": 1,`, tc.version, 1)
			path := filepath.Join(t.TempDir(), "old.json")
			if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadFile(path)
			if err == nil || !strings.Contains(err.Error(), "read snapshot "+path+": "+tc.want) {
				t.Fatalf("error %v, want it to name %s and say %q", err, path, tc.want)
			}
			var v *VersionError
			if isVersion := errors.As(err, &v); isVersion != (tc.got >= 0) || (isVersion && (v.Got != tc.got || v.Want != SchemaVersion)) {
				t.Errorf("version error %+v (%v), want got %d", v, isVersion, tc.got)
			}
		})
	}
}

func TestReadRefuses(t *testing.T) {
	tests := []struct {
		name string
		edit func(s *Snapshot)
		raw  func(doc string) string // edits the JSON text instead
		want string
	}{
		{name: "money with one decimal", edit: func(s *Snapshot) { s.Totals.Budget = "1000.0" },
			want: `totals.budget_usd: "1000.0" is not an amount with 2 decimals`},
		{name: "money with a plus sign", edit: func(s *Snapshot) { s.Categories[0].Forecast = "+1.00" },
			want: `categories[0].forecast_usd: "+1.00" is not an amount`},
		{name: "money as a float", raw: func(doc string) string {
			return strings.Replace(doc, `"mtd_usd": "130.00"`, `"mtd_usd": 130.0`, 1)
		}, want: "invalid JSON: json: cannot unmarshal number into Go struct field Totals.totals.mtd_usd of type snapshot.Money"},
		{name: "negative zero", edit: func(s *Snapshot) { s.Owners[0].Burn30 = "-0.00" },
			want: `owners[0].burn_30d_usd: "-0.00" is not an amount`},
		{name: "percent", edit: func(s *Snapshot) { s.Totals.Utilization = pct("13") },
			want: `totals.utilization_pct: "13" is not a percentage with 1 decimal`},
		{name: "probability above 1", edit: func(s *Snapshot) { s.Categories[0].ProbabilityOver = "1.01" },
			want: `categories[0].probability_over_budget: "1.01" is out of range`},
		{name: "quantity", edit: func(s *Snapshot) { s.Clusters[0].USDPerHour = "1.1" },
			want: `clusters[0].usd_per_hour: "1.1" is not a number with 6 decimals`},
		{name: "date", edit: func(s *Snapshot) { s.Alerts[0].Time = "2026-11-31" },
			want: `alerts[0].time: "2026-11-31" is not a date`},
		{name: "time not UTC", edit: func(s *Snapshot) { s.GeneratedAt = "2026-11-23T10:00:00+01:00" },
			want: `generated_at: "2026-11-23T10:00:00+01:00" is not a UTC time`},
		{name: "no as-of", edit: func(s *Snapshot) { s.AsOf = "" }, want: "as_of: missing"},
		{name: "allowance negative", edit: func(s *Snapshot) { s.Categories[0].Allowances["bob@x.test"] = "-5.00" },
			want: `categories[0].allowances["bob@x.test"]: -5.00 is negative`},
		{name: "allowance not money", edit: func(s *Snapshot) { s.Categories[0].Allowances["bob@x.test"] = "5" },
			want: `categories[0].allowances["bob@x.test"]: "5" is not an amount`},
		{name: "day amount", edit: func(s *Snapshot) { s.Owners[0].Daily.Days[1].Cost = "15.2" },
			want: `owners[0].daily.days["2026-11-23"]: "15.2" is not an amount`},
		{name: "day date", edit: func(s *Snapshot) { s.Owners[0].Daily.Days[1].Date = "2026-11-xx" },
			want: `owners[0].daily.days: "2026-11-xx" is not a date`},
		{name: "day missing", edit: func(s *Snapshot) { s.Categories[0].Daily.Days[1].Date = "2026-11-23" },
			want: `categories[0].daily.days["2026-11-23"]: does not follow 2026-11-21`},
		{name: "day twice", raw: func(doc string) string {
			return strings.Replace(doc, `"2026-11-22": "60.00"`, `"2026-11-21": "60.00"`, 1)
		}, want: `categories[0].daily.days["2026-11-21"]: does not follow 2026-11-21`},
		{name: "day after the as-of date", edit: func(s *Snapshot) { s.AsOf = "2026-11-22" },
			want: `categories[0].daily.days["2026-11-23"]: is after as_of 2026-11-22`},
		{name: "days not an object", raw: func(doc string) string {
			return regexp.MustCompile(`"days": \{[^}]*\}`).ReplaceAllString(doc, `"days": []`)
		}, want: "invalid JSON: days are a list, not an object of date to amount"},
		{name: "partial without a day", edit: func(s *Snapshot) { s.Owners[0].Daily.Days = Days{} },
			want: "owners[0].daily: last_day_partial without a day"},
		{name: "category twice", edit: func(s *Snapshot) { s.Categories = append(s.Categories, s.Categories[0]) },
			want: `categories[1]: slug "alpha" or tag_value "ALPHA" is another category's`},
		{name: "owner twice", edit: func(s *Snapshot) { s.Owners = append(s.Owners, s.Owners[0]) },
			want: `owners[1]: owner "ann@x.test" is empty or listed twice`},
		{name: "owner twice in a category", edit: func(s *Snapshot) {
			d := OwnerDaily{Owner: "ann@x.test", Daily: s.Owners[0].Daily}
			s.Categories[0].OwnerDaily = []OwnerDaily{d, d}
		}, want: `categories[0].owner_daily[1]: owner "ann@x.test" is empty or listed twice`},
		{name: "owner's day in a category", edit: func(s *Snapshot) {
			s.Categories[0].OwnerDaily = []OwnerDaily{{Owner: "ann@x.test", Daily: Series{Days: Days{{Date: "2026-11-22", Cost: "1.5"}}}}}
		}, want: `categories[0].owner_daily[0].daily.days["2026-11-22"]: "1.5" is not an amount`},
		{name: "cluster without id", edit: func(s *Snapshot) { s.Clusters[0].ID = "" },
			want: `clusters[0]: cluster "" has no id or rated_on`},
		{name: "not an object", raw: func(string) string { return `[1, 2]` }, want: "a JSON array, not an object"},
		{name: "two objects", raw: func(doc string) string { return doc + doc }, want: "invalid JSON: more after the snapshot's object"},
		{name: "truncated", raw: func(doc string) string { return doc[:len(doc)/2] }, want: "invalid JSON: unexpected EOF"},
		{name: "too large", raw: func(doc string) string { return doc + strings.Repeat(" ", MaxSize) }, want: "larger than 64 MiB"},
		{name: "many problems", edit: func(s *Snapshot) {
			s.Totals.Budget, s.Totals.Forecast, s.Totals.ForecastLow, s.Totals.ForecastHigh, s.Totals.ForecastLow95, s.Totals.ForecastHigh95, s.Totals.YearToDate = "1", "2", "3", "4", "5", "6", "7"
		}, want: "(and 2 more problems)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := sample()
			if tc.edit != nil {
				tc.edit(s)
			}
			doc := string(encode(t, s))
			if tc.raw != nil {
				doc = tc.raw(doc)
			}
			_, err := Read(strings.NewReader(doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v\nwant it to contain %s", err, tc.want)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "read snapshot: ") {
				t.Errorf("error %q does not say what failed", err)
			}
		})
	}
}

// TestReadIgnoresNewFields: a later build of the same schema version may
// add fields; an older reader still reads the snapshot.
func TestReadIgnoresNewFields(t *testing.T) {
	doc := strings.Replace(string(encode(t, sample())), `"as_of": "2026-11-23",`, `"as_of": "2026-11-23", "added_later": {"x": [1]},`, 1)
	s, err := Read(strings.NewReader(doc))
	if err != nil || s.AsOf != "2026-11-23" {
		t.Fatalf("read %v, %v", s, err)
	}
}

// TestReadNulls: a list written as null reads as none.
func TestReadNulls(t *testing.T) {
	doc := string(encode(t, sample()))
	for _, list := range []string{"categories", "owners", "clusters", "alerts"} {
		doc = regexp.MustCompile(`(?s)\n  "`+list+`": \[.*?\n  \]`).ReplaceAllString(doc, "\n  \""+list+`": null`)
	}
	doc = strings.Replace(doc, `"compliance": {`, `"compliance": null, "was": {`, 1)
	s, err := Read(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if s.Categories != nil || s.Owners != nil || s.Clusters != nil || s.Alerts != nil || s.Compliance != nil || s.Totals.Budget != "1000.00" {
		t.Errorf("read %+v", s)
	}
}

func TestValues(t *testing.T) {
	if got := USD(dec("-1.005")); got != "-1.01" {
		t.Errorf("USD(-1.005) = %s, want half away from zero", got)
	}
	if got := QuantityOf(dec("0.0000005")); got != "0.000001" {
		t.Errorf("QuantityOf = %s", got)
	}
	if got := Probability("0.25").Float64(); got != 0.25 {
		t.Errorf("probability = %v", got)
	}
	if got := Probability("2").Float64(); got != 0 {
		t.Errorf("invalid probability = %v, want 0", got)
	}
	if got := Money("1.5").Decimal(); !got.IsZero() {
		t.Errorf("invalid money = %s, want 0", got)
	}
	if d := Date("2026-11-23").Time(); d.Format("2006-01-02 15:04 MST") != "2026-11-23 00:00 UTC" {
		t.Errorf("date = %v", d)
	}
	if tm := Time("2026-11-23T08:00:00Z").Time(); tm.Hour() != 8 || !Time("").Time().IsZero() {
		t.Errorf("time = %v", tm)
	}
	if DateOf(Date("").Time()) != "" || TimeOf(Time("").Time()) != "" {
		t.Error("the zero time is not written as \"\"")
	}
}
