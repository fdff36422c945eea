package governance

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// TaggedSpend is the share of one calendar month's spend whose
// OperationalCategory tag matched a configured category: the money side of
// compliance, beside the resource side.
type TaggedSpend struct {
	Month        time.Time // first day of the month
	Source       string    // where the facts came from: demo, files or databricks
	Total        budget.Decimal
	Attributed   budget.Decimal
	Unattributed budget.Decimal
	// AttributedPct is Attributed / Total in percent, rounded half up to
	// one decimal; nil when Total is not positive (nothing to share out).
	AttributedPct *float64
	// Misattributed is the spend of the serverless work on a budget policy
	// not its category's (compliance.Report.AddMisattributed).
	Misattributed budget.Decimal
}

// LastMonth is the first day of the calendar month before asOf's: the
// last whole month, the one a bill covers.
func LastMonth(asOf time.Time) time.Time {
	y, m, _ := asOf.Date()
	return time.Date(y, m-1, 1, 0, 0, 0, 0, time.UTC)
}

// TaggedSpendOf sums the facts of the calendar month before asOf, in
// cents. A fact counts as attributed when its category is a configured one
// (anything but budget.Unattributed); corrections are summed as they are.
func TaggedSpendOf(facts []budget.Fact, asOf time.Time, source string) TaggedSpend {
	month := LastMonth(asOf)
	next := month.AddDate(0, 1, 0)
	var total, attributed budget.Decimal
	for _, f := range facts {
		if f.Date.Before(month) || !f.Date.Before(next) {
			continue
		}
		total = total.Add(f.Cost)
		if f.Category != budget.Unattributed {
			attributed = attributed.Add(f.Cost)
		}
	}
	// Rounded once, and the rest derived, so the parts add up to the cent.
	s := TaggedSpend{Month: month, Source: source, Total: total.Round(2), Attributed: attributed.Round(2)}
	s.Unattributed = s.Total.Sub(s.Attributed)
	if s.Total.Sign() > 0 {
		// Rounded as every percentage is shown: half up, from the exact share.
		p, _ := budget.PercentOf(s.Attributed.Rat(), s.Total.Rat())
		pct := budget.RoundPercent(p).Float64()
		s.AttributedPct = &pct
	}
	return s
}

// taggedSpendJSON is TaggedSpend on the wire: money as strings with two
// decimals, so no reader loses a cent to floating point.
type taggedSpendJSON struct {
	Month         string   `json:"month"`
	Source        string   `json:"source"`
	Total         string   `json:"total_usd"`
	Attributed    string   `json:"attributed_usd"`
	Unattributed  string   `json:"unattributed_usd"`
	AttributedPct *float64 `json:"attributed_pct"`
	Misattributed string   `json:"misattributed_usd"`
}

// MarshalJSON writes the schema of `generator check --json`'s
// tagged_spend (see package compliance).
func (s TaggedSpend) MarshalJSON() ([]byte, error) {
	return json.Marshal(taggedSpendJSON{
		Month: s.Month.Format("2006-01"), Source: s.Source,
		Total: s.Total.Cents(), Attributed: s.Attributed.Cents(), Unattributed: s.Unattributed.Cents(),
		AttributedPct: s.AttributedPct, Misattributed: s.Misattributed.Cents(),
	})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (s *TaggedSpend) UnmarshalJSON(b []byte) error {
	var w taggedSpendJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("read tagged_spend: %w", err)
	}
	month, err := time.Parse("2006-01", w.Month)
	if err != nil {
		return fmt.Errorf("read tagged_spend: month %q: want YYYY-MM", w.Month)
	}
	out := TaggedSpend{Month: month, Source: w.Source, AttributedPct: w.AttributedPct}
	if w.Misattributed == "" {
		w.Misattributed = "0" // written before the field existed
	}
	for _, f := range []struct {
		name, text string
		dst        *budget.Decimal
	}{{"total_usd", w.Total, &out.Total}, {"attributed_usd", w.Attributed, &out.Attributed}, {"unattributed_usd", w.Unattributed, &out.Unattributed},
		{"misattributed_usd", w.Misattributed, &out.Misattributed}} {
		if *f.dst, err = budget.ParseDecimal(f.text); err != nil {
			return fmt.Errorf("read tagged_spend: %s: %w", f.name, err)
		}
	}
	*s = out
	return nil
}
