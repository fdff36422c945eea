package budget

import (
	"cmp"
	"slices"
	"time"
)

// Facts are attributed usage at the grains the outputs need, each computed
// from the same pass over the usage (attribution.sql rule 9). No output
// needs the full cross product of day, category, owner, workload,
// workspace and SKU over the whole history, and on a large account it is
// most of the work; each grain is a small part of it.
type Facts struct {
	// Months are the full breakdown per calendar month: Date is the
	// month's first day. Every monthly download and the allocation of a
	// month's cents read these.
	Months []Fact
	// Days are each day's spend per category and owner (with Attribution,
	// TagValue and Priced; the workload, resource, workspace and SKU
	// fields are empty): the daily series, forecasts and owner outlooks.
	Days []Fact
	// Detail is the full breakdown per day from DetailFrom on (every day
	// when DetailFrom is zero): what an anomaly's contributors, the
	// month's movers and the clusters' rates are found in.
	Detail     []Fact
	DetailFrom time.Time
}

// DetailDays is how many days before the previous month's first the
// detail grain starts: an anomaly found from then on is compared with
// the same weekday over the four weeks before it (package anomaly).
const DetailDays = 28

// DetailStart is the first day of the detail grain of a report as of
// asOf (a date): the month before the as-of month, and the four weeks
// before it, so that anomalies of both months list their contributors and
// this month's pace compares with the same days of last month.
func DetailStart(asOf time.Time) time.Time {
	return time.Date(asOf.Year(), asOf.Month()-1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -DetailDays)
}

// dayKey is a Days row's identity.
type dayKey struct {
	date        time.Time
	category    string
	attribution Attribution
	tagValue    string
	owner       string
	priced      bool
}

// RollUp computes the grains from facts at the full daily breakdown (a
// test's facts, or an oracle's): the same sums the attribution SQL
// returns, in a stable order. Detail keeps the facts dated from
// detailFrom on (all of them when it is zero).
func RollUp(daily []Fact, detailFrom time.Time) Facts {
	months := map[Fact]Spend{}
	days := map[dayKey]Spend{}
	out := Facts{DetailFrom: detailFrom}
	for _, f := range daily {
		if detailFrom.IsZero() || !f.Date.Before(detailFrom) {
			out.Detail = append(out.Detail, f)
		}
		m := f
		m.Date = time.Date(f.Date.Year(), f.Date.Month(), 1, 0, 0, 0, 0, time.UTC)
		m.DBUs, m.Cost = Decimal{}, Decimal{}
		s := months[m]
		s.AddFact(f)
		months[m] = s
		k := dayKey{f.Date, f.Category, f.Attribution, f.TagValue, f.Owner, f.Priced}
		s = days[k]
		s.AddFact(f)
		days[k] = s
	}
	for m, s := range months {
		m.DBUs, m.Cost = s.DBUs, s.Cost
		out.Months = append(out.Months, m)
	}
	for k, s := range days {
		out.Days = append(out.Days, Fact{
			Date: k.date, Category: k.category, Attribution: k.attribution, TagValue: k.tagValue,
			Owner: k.owner, Priced: k.priced, DBUs: s.DBUs, Cost: s.Cost,
		})
	}
	slices.SortFunc(out.Months, CompareFacts)
	slices.SortFunc(out.Days, CompareFacts)
	return out
}

// CompareFacts orders facts by date and then by every field of their
// identity.
func CompareFacts(a, b Fact) int {
	return cmp.Or(a.Date.Compare(b.Date), cmp.Compare(a.Category, b.Category), cmp.Compare(a.Attribution, b.Attribution),
		cmp.Compare(a.TagValue, b.TagValue), cmp.Compare(a.Owner, b.Owner), cmp.Compare(a.WorkloadType, b.WorkloadType),
		cmp.Compare(a.WorkloadID, b.WorkloadID), cmp.Compare(a.ResourceType, b.ResourceType), cmp.Compare(a.Workspace, b.Workspace),
		cmp.Compare(a.SKU, b.SKU), compareBool(a.Serverless, b.Serverless), compareBool(a.Priced, b.Priced))
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	default:
		return -1
	}
}

// Merged sorts facts (CompareFacts) and sums those with the same identity
// into one, in place: results read from several files, each attributed
// apart, come out as one attribution of all of them would.
func Merged(facts []Fact) []Fact {
	slices.SortFunc(facts, CompareFacts)
	out := facts[:0]
	for _, f := range facts {
		if n := len(out); n > 0 && sameIdentity(out[n-1], f) {
			out[n-1].DBUs = out[n-1].DBUs.Add(f.DBUs)
			out[n-1].Cost = out[n-1].Cost.Add(f.Cost)
			continue
		}
		out = append(out, f)
	}
	return out
}

func sameIdentity(a, b Fact) bool {
	if !a.Date.Equal(b.Date) {
		return false
	}
	a.Date, a.DBUs, a.Cost = b.Date, b.DBUs, b.Cost
	return a == b
}
