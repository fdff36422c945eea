package report

import (
	"fmt"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// period is the calendar one report is computed for.
type period struct {
	asOf        time.Time
	month       time.Time // first day of the as-of month
	daysElapsed int
	daysInMonth int
	dataDays    int         // days of the month the data covers (see Report.DataDays)
	months      []time.Time // the HistoryMonths months ending with month, oldest first
}

// newPeriod is the calendar of a report as of asOf whose data ends on
// dataDay (zero: no data at all).
func newPeriod(asOf, dataDay time.Time) period {
	p := period{asOf: asOf, month: monthOf(asOf), daysElapsed: asOf.Day()}
	p.daysInMonth = daysIn(p.month)
	switch {
	case dataDay.IsZero() || !dataDay.Before(asOf):
		p.dataDays = p.daysElapsed
	case dataDay.Before(p.month):
		p.dataDays = 0
	default:
		p.dataDays = dataDay.Day()
	}
	for i := HistoryMonths - 1; i >= 0; i-- {
		p.months = append(p.months, addMonths(p.month, -i))
	}
	return p
}

// inMonth reports whether d (never after the as-of date) is in this month.
func (p period) inMonth(d time.Time) bool { return !d.Before(p.month) }

// inHistory reports whether d (never after the as-of date) is in the
// HistoryMonths months ending with this one.
func (p period) inHistory(d time.Time) bool { return !d.Before(p.months[0]) }

// Build computes the report of div as of asOf, a UTC midnight date, from
// the attributed facts in data. Facts dated after asOf are ignored: the
// report shows the division as it stood at the end of that day, so a
// rebuild for a past date shows what was known then (bar late corrections).
func Build(div budget.Division, data budget.Dataset, asOf time.Time) (*Report, error) {
	if !asOf.Equal(dateOf(asOf)) {
		return nil, fmt.Errorf("build report: as-of %s is not a UTC midnight date", asOf.Format(time.RFC3339))
	}
	asOf = dateOf(asOf)
	order, err := categoryOrder(div)
	if err != nil {
		return nil, fmt.Errorf("build report: %w", err)
	}
	byCat := map[string][]budget.Fact{}
	daily := map[string]map[time.Time]sums{}
	var all []budget.Fact
	for i, f := range data.Facts {
		f.Date = dateOf(f.Date)
		if f.Date.After(asOf) {
			continue
		}
		if _, ok := order[f.Category]; !ok {
			return nil, fmt.Errorf("build report: fact %d (%s): category %q is not configured", i, f.Date.Format(time.DateOnly), f.Category)
		}
		all = append(all, f)
		byCat[f.Category] = append(byCat[f.Category], f)
		if daily[f.Category] == nil {
			daily[f.Category] = map[time.Time]sums{}
		}
		s := daily[f.Category][f.Date]
		s.add(f)
		daily[f.Category][f.Date] = s
	}

	for _, days := range daily {
		roundDays(days)
	}
	p := newPeriod(asOf, dataDay(data))
	r := &Report{
		Title:       div.Title,
		Division:    div.Name,
		Currency:    div.Currency,
		AsOf:        asOf,
		Month:       p.month,
		DaysElapsed: p.daysElapsed,
		DaysInMonth: p.daysInMonth,
		DataDays:    p.dataDays,
		Thresholds:  div.Thresholds,
		Source:      sourceOf(data, asOf, div.StaleAfterDays),

		Narrative:       div.Narrative,
		ReportTitle:     div.ReportTitle,
		ReportNarrative: div.Report,
	}
	for _, c := range div.Categories {
		cat, err := buildCategory(c, byCat[c.TagValue], daily[c.TagValue], p, div.Thresholds)
		if err != nil {
			return nil, fmt.Errorf("build report: %w", err)
		}
		r.Categories = append(r.Categories, cat)
	}
	if r.Unattributed, err = unattributedOf(byCat[budget.Unattributed], daily[budget.Unattributed], p); err != nil {
		return nil, fmt.Errorf("build report: %w", err)
	}
	r.Unpriced = unpricedOf(all, p)
	r.Totals = totals(r.Categories, r.Unattributed, all, p)
	r.Tables = buildTables(r.Categories, byCat, daily, order, p, div.Thresholds)
	for i := range r.Categories {
		c := &r.Categories[i]
		for j := len(r.Tables.Alerts) - 1; j >= 0; j-- {
			if a := r.Tables.Alerts[j]; a.Category == c.TagValue {
				c.Alerts = append(c.Alerts, a)
			}
		}
	}
	r.Comparisons = comparisons(r.Categories, r.Unattributed, daily, p)
	r.QuarterToDate = periodToDate("qtd", "Quarter to date", quarterOf(p.month), r.Categories, r.Unattributed, p)
	r.YearToDate = periodToDate("ytd", "Year to date", yearOf(p.month), r.Categories, r.Unattributed, p)
	r.HourProfile = hourProfile(data.Hourly, p)
	r.Summary = summary(r)
	return r, nil
}

// categoryOrder maps each configured tag value to its position, and
// Unattributed to the last one: the order every table is sorted in.
func categoryOrder(div budget.Division) (map[string]int, error) {
	order := make(map[string]int, len(div.Categories)+1)
	for i, c := range div.Categories {
		if c.TagValue == budget.Unattributed {
			return nil, fmt.Errorf("category %s: tag value %s is reserved", c.Slug, budget.Unattributed)
		}
		if _, dup := order[c.TagValue]; dup {
			return nil, fmt.Errorf("category %s: tag value %s is configured twice", c.Slug, c.TagValue)
		}
		order[c.TagValue] = i
	}
	order[budget.Unattributed] = len(div.Categories)
	return order, nil
}

// dataDay is the last day the data covers: the day of its last
// usage_end_time (an hour ending at midnight belongs to the day before),
// else its last usage date; zero when there is no data.
func dataDay(data budget.Dataset) time.Time {
	if !data.LastUsage.IsZero() {
		return dateOf(data.LastUsage.Add(-time.Nanosecond))
	}
	if data.LastDate.IsZero() {
		return time.Time{}
	}
	return dateOf(data.LastDate)
}

func sourceOf(data budget.Dataset, asOf time.Time, staleAfterDays int) Source {
	s := Source{
		Kind:           data.Source,
		Inputs:         data.Inputs,
		ReadAt:         data.ReadAt,
		Rows:           data.Rows,
		FirstDate:      data.FirstDate,
		LastDate:       data.LastDate,
		LastUsage:      data.LastUsage,
		DataThrough:    dataDay(data),
		StaleAfterDays: staleAfterDays,
	}
	if s.LastUsage.IsZero() && !s.DataThrough.IsZero() {
		s.LastUsage = s.DataThrough.AddDate(0, 0, 1)
	}
	if !s.DataThrough.IsZero() && s.DataThrough.Before(asOf) {
		s.DaysBehind = int(asOf.Sub(s.DataThrough).Hours() / 24)
	}
	s.Behind = !s.DataThrough.IsZero() && s.DaysBehind > staleAfterDays
	return s
}

func totals(cats []Category, u Unattributed, all []budget.Fact, p period) Totals {
	t := Totals{Unattributed: u.MonthToDate.Total, Forecast: u.Forecast}
	for _, c := range cats {
		t.Attributed = t.Attributed.Add(c.MonthToDate)
		t.Budget = t.Budget.Add(c.Budget)
		t.Forecast.Value = t.Forecast.Value.Add(c.Forecast.Value)
		t.Forecast.Low = t.Forecast.Low.Add(c.Forecast.Low)
		t.Forecast.High = t.Forecast.High.Add(c.Forecast.High)
		if c.Status != StatusOK || reached(c.Forecast.Value, c.Budget, 100) {
			t.AtRisk = append(t.AtRisk, c.Slug)
		}
	}
	for _, f := range all {
		if p.inMonth(f.Date) {
			t.DBUs = t.DBUs.Add(f.DBUs)
		}
	}
	t.MonthToDate = t.Attributed.Add(t.Unattributed)
	t.Utilization = percentOf(t.MonthToDate, t.Budget)
	t.ProjectedUtilization = percentOf(t.Forecast.Value, t.Budget)
	t.TagCompliance = percentOf(t.Attributed, t.MonthToDate)
	return t
}
