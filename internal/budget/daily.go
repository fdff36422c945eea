package budget

import (
	"slices"
	"time"
)

// Spend is DBUs and cost summed.
type Spend struct {
	DBUs Decimal
	Cost Decimal
}

// AddFact adds a fact's DBUs and cost.
func (s *Spend) AddFact(f Fact) {
	s.DBUs = s.DBUs.Add(f.DBUs)
	s.Cost = s.Cost.Add(f.Cost)
}

// Plus returns s + o.
func (s Spend) Plus(o Spend) Spend {
	return Spend{DBUs: s.DBUs.Add(o.DBUs), Cost: s.Cost.Add(o.Cost)}
}

// Daily is one bucket's (a category's, unattributed spend's, an owner's)
// spend per UTC day, keyed by UTC midnight: the one series every
// month-to-date, history row, forecast input and CSV total of the bucket
// is read from. After RoundCents its costs are whole cents that sum, month
// by month, to the month's exact total rounded once.
type Daily map[time.Time]Spend

// AddFact adds a fact to its day.
func (d Daily) AddFact(f Fact) {
	s := d[f.Date]
	s.AddFact(f)
	d[f.Date] = s
}

// Sum is the spend of the days from..to, both included.
func (d Daily) Sum(from, to time.Time) Spend {
	var total Spend
	for day, s := range d {
		if !day.Before(from) && !day.After(to) {
			total = total.Plus(s)
		}
	}
	return total
}

// Months folds the days into calendar months, keyed by their first day.
func (d Daily) Months() map[time.Time]Spend {
	out := map[time.Time]Spend{}
	for day, s := range d {
		m := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
		out[m] = out[m].Plus(s)
	}
	return out
}

// RoundCents rounds each day's cost to cents, month by month, so that a
// month's days up to any day sum exactly to their exact total rounded once:
// a day gets its month-to-date total rounded less the day before's. The
// month's days therefore sum to its exact total rounded once, each day is
// within a cent of its exact cost, and a day's cents never change when
// later days arrive, so a past day reads the same in every build. DBUs stay
// exact.
func (d Daily) RoundCents() {
	byMonth := map[time.Time][]time.Time{}
	for day := range d {
		m := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
		byMonth[m] = append(byMonth[m], day)
	}
	for _, days := range byMonth {
		slices.SortFunc(days, time.Time.Compare)
		var exact, shown Decimal
		for _, day := range days {
			s := d[day]
			exact = exact.Add(s.Cost)
			toDate := exact.Round(2)
			s.Cost, shown = toDate.Sub(shown), toDate
			d[day] = s
		}
	}
}
