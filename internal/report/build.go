package report

import (
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/novadynamics/stellar-budget/internal/alerting"
	"github.com/novadynamics/stellar-budget/internal/anomaly"
	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/forecast"
)

// period is the calendar one report is computed for.
type period struct {
	asOf        time.Time
	month       time.Time // first day of the as-of month
	daysElapsed int
	daysInMonth int
	dataDays    int         // days of the month the data covers (see Report.DataDays)
	dataDay     time.Time   // the last day with data, never after asOf; asOf when there is none
	months      []time.Time // the HistoryMonths months ending with month, oldest first
	// partial is true when the data ends partway through dataDay, at
	// lastUsage: an export or a live account read during the day. Models
	// (forecasts, anomalies, the backtest) leave that day out; what it
	// spent still counts in every total (see modelOf).
	partial   bool
	lastUsage time.Time
}

// lastComplete is the last day the data holds whole: the data day, or the
// day before it when the data ends partway through it.
func (p period) lastComplete() time.Time {
	if p.partial {
		return p.dataDay.AddDate(0, 0, -1)
	}
	return p.dataDay
}

// partialShare is the share of the partial data day's 24 hours that the
// data holds (0 when the last day is whole).
func (p period) partialShare() *big.Rat {
	if !p.partial {
		return new(big.Rat)
	}
	return big.NewRat(int64(p.lastUsage.Sub(p.dataDay)/time.Second), 24*60*60)
}

// samePeriodLastMonth is the previous month's days 1 to the last data day
// of this month (or to its own last day, when it is shorter): when the data
// is behind, the days after it would compare something with nothing.
func (p period) samePeriodLastMonth() (from, to time.Time) {
	last := addMonths(p.month, -1)
	return last, last.AddDate(0, 0, min(p.dataDays, daysIn(last))-1)
}

// newPeriod is the calendar of a report as of asOf whose data ends on
// dataDay (zero: no data at all), at lastUsage (zero: the source cannot
// tell, the day is taken as whole).
func newPeriod(asOf, dataDay, lastUsage time.Time) period {
	p := period{asOf: asOf, month: monthOf(asOf), daysElapsed: asOf.Day(), lastUsage: lastUsage.UTC()}
	p.daysInMonth = daysIn(p.month)
	p.dataDay = asOf
	if !dataDay.IsZero() && dataDay.Before(asOf) {
		p.dataDay = dataDay
	}
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
	p.partial = !dataDay.IsZero() && !dataDay.After(asOf) && !p.lastUsage.IsZero() &&
		dateOf(p.lastUsage).Equal(dataDay) && !p.lastUsage.Equal(dataDay)
	return p
}

// inMonth reports whether d (never after the as-of date) is in this month.
func (p period) inMonth(d time.Time) bool { return !d.Before(p.month) }

// inHistory reports whether d (never after the as-of date) is in the
// HistoryMonths months ending with this one.
func (p period) inHistory(d time.Time) bool { return !d.Before(p.months[0]) }

// Build computes the report of div as of asOf, a UTC midnight date, from
// the attributed facts in data. Day and detail facts dated after asOf, and
// month facts of later months, are ignored: the report shows the division
// as it stood at the end of that day, so a rebuild for a past date shows
// what was known then (bar late corrections). The sources cut the usage at
// the as-of, so the as-of month's facts hold no later day.
func Build(div budget.Division, data budget.Dataset, asOf time.Time) (*Report, error) {
	return BuildMemo(div, data, asOf, nil)
}

// BuildMemo is Build with the forecasts an earlier build made (see
// alerting.Memo): the same report, sooner when the history is the same.
func BuildMemo(div budget.Division, data budget.Dataset, asOf time.Time, memo *alerting.Memo) (*Report, error) {
	if !asOf.Equal(dateOf(asOf)) {
		return nil, fmt.Errorf("build report: as-of %s is not a UTC midnight date", asOf.Format(time.RFC3339))
	}
	asOf = dateOf(asOf)
	if div.Status == (budget.StatusRules{}) {
		div.Status = budget.DefaultStatusRules // a division built in code, not read from content/
	}
	order, err := categoryOrder(div)
	if err != nil {
		return nil, fmt.Errorf("build report: %w", err)
	}
	byCat := map[string][]budget.Fact{}   // month rows
	dayRows := map[string][]budget.Fact{} // day rows
	daily := map[string]budget.Daily{}
	var months, days, detail []budget.Fact
	check := func(grain string, i int, f budget.Fact) error {
		if _, ok := order[f.Category]; !ok {
			return fmt.Errorf("build report: %s fact %d (%s): category %q is not configured", grain, i, f.Date.Format(time.DateOnly), f.Category)
		}
		return nil
	}
	for i, f := range data.Facts.Months {
		f.Date = monthOf(f.Date)
		if f.Date.After(asOf) {
			continue
		}
		if err := check("month", i, f); err != nil {
			return nil, err
		}
		months = append(months, f)
		byCat[f.Category] = append(byCat[f.Category], f)
	}
	for i, f := range data.Facts.Days {
		f.Date = dateOf(f.Date)
		if f.Date.After(asOf) {
			continue
		}
		if err := check("day", i, f); err != nil {
			return nil, err
		}
		days = append(days, f)
		dayRows[f.Category] = append(dayRows[f.Category], f)
		if daily[f.Category] == nil {
			daily[f.Category] = budget.Daily{}
		}
		daily[f.Category].AddFact(f)
	}
	for i, f := range data.Facts.Detail {
		f.Date = dateOf(f.Date)
		if f.Date.After(asOf) {
			continue
		}
		if err := check("detail", i, f); err != nil {
			return nil, err
		}
		detail = append(detail, f)
	}

	for _, days := range daily {
		days.RoundCents()
	}
	alloc := allocateMonths(byCat, daily)
	p := newPeriod(asOf, dataDay(data), data.LastUsage)
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
		StatusRules: div.Status,
		Recipients:  div.Recipients,
		Source:      sourceOf(data, p, div.StaleAfterDays),

		Narrative:       div.Narrative,
		ReportTitle:     div.ReportTitle,
		ReportNarrative: div.Report,
	}
	for _, c := range div.Categories {
		cat := buildCategory(c, byCat[c.TagValue], detailOf(detail, c.TagValue), daily[c.TagValue], alloc.of(c.TagValue, p.month), p, div.Thresholds, div.Status)
		cat.RecentOwners = recentOwners(alloc, c.TagValue, p)
		cat.OwnerSeries = ownerSeries(dayRows[c.TagValue], p)
		r.Categories = append(r.Categories, cat)
	}
	r.Unattributed = unattributedOf(alloc, daily[budget.Unattributed], p)
	r.TagTypos = tagTypos(r.Categories, byCat, r.Unattributed.UnknownValues)
	r.Unpriced = unpricedOf(months, p)
	division := divisionDays(daily)
	r.Totals = totals(r.Categories, r.Unattributed, months, p)
	r.Totals.Forecast = monthForecast(division, p, r.Totals.Budget)
	r.Totals.ProjectedUtilization = percentOf(r.Totals.Forecast.Value, r.Totals.Budget)
	r.Owners = ownerOutlooks(days, p)
	r.Clusters = clusterRates(detail, p)
	alloc.ownersMonthToDate(r.Owners, p.month)
	r.ForecastQuality = forecastQuality(r.Categories, daily, division, p)
	r.Tables = buildTables(r.Categories, alloc, daily, order, p)
	r.Anomalies = anomalies(div, data.Facts.DetailFrom, detail, dayRows, daily, p)
	explainStatus(r.Categories, r.Anomalies, div.Status)
	r.SetAlerts(alerting.Evaluate(alertInput(div, daily, r.Anomalies, p, memo)))
	r.Comparisons = comparisons(r.Categories, r.Unattributed, daily, division, r.Totals.Forecast.Value, p)
	r.QuarterToDate = periodToDate("qtd", "Quarter to date", quarterOf(p.month), r.Categories, r.Unattributed, p)
	r.YearToDate = periodToDate("ytd", "Year to date", yearOf(p.month), r.Categories, r.Unattributed, p)
	r.HourProfile = hourProfile(data.Hourly, p)
	r.Summary = summary(r)
	return r, nil
}

// alertInput is what package alerting judges: each category's rounded
// days over the months shown.
func alertInput(div budget.Division, daily map[string]budget.Daily, found []anomaly.Anomaly, p period, memo *alerting.Memo) alerting.Input {
	in := alerting.Input{Thresholds: div.Thresholds, Months: p.months, Current: p.month, DataDay: p.dataDay, PartialDay: p.partial, Memo: memo}
	for _, a := range found {
		in.Anomalies = append(in.Anomalies, alerting.Anomaly{
			Category: a.Category, Day: a.Day, Actual: a.Actual, Expected: a.Expected, Reason: cause(a),
		})
	}
	for _, c := range div.Categories {
		in.Buckets = append(in.Buckets, alerting.Bucket{Category: c, Daily: daily[c.TagValue]})
	}
	return in
}

// anomalies finds the unusual days of each configured category in the
// months shown (package anomaly), with their top contributors: from the
// detail facts where the detail grain reaches (from detailFrom), else by
// owner from the day facts. A day the data holds only in part is left out:
// its spend so far is no day's spend, and it is judged whole by the first
// build after it ends.
func anomalies(div budget.Division, detailFrom time.Time, detail []budget.Fact, days map[string][]budget.Fact, daily map[string]budget.Daily, p period) []anomaly.Anomaly {
	var inputs []anomaly.Input
	through := p.lastComplete()
	for _, c := range div.Categories {
		series, ok := forecast.SeriesOf(daily[c.TagValue], through)
		if !ok {
			continue
		}
		inputs = append(inputs, anomaly.Input{
			Category: c.TagValue, Daily: series,
			Detail: detailOf(detail, c.TagValue), DetailFrom: detailFrom, Days: days[c.TagValue],
		})
	}
	return anomaly.Detect(inputs, p.months[0], through)
}

// detailOf returns the detail facts of one bucket.
func detailOf(detail []budget.Fact, bucket string) []budget.Fact {
	var out []budget.Fact
	for _, f := range detail {
		if f.Category == bucket {
			out = append(out, f)
		}
	}
	return out
}

// AnomaliesOf lists a category's unusual days, newest first.
func (r *Report) AnomaliesOf(tagValue string) []anomaly.Anomaly {
	var out []anomaly.Anomaly
	for _, a := range slices.Backward(r.Anomalies) {
		if a.Category == tagValue {
			out = append(out, a)
		}
	}
	return out
}

// Titles maps each category's tag value to its title.
func (r *Report) Titles() map[string]string {
	out := make(map[string]string, len(r.Categories))
	for _, c := range r.Categories {
		out[c.TagValue] = c.Title
	}
	return out
}

// NewestAnomalies lists every unusual day, newest first.
func (r *Report) NewestAnomalies() []anomaly.Anomaly {
	out := slices.Clone(r.Anomalies)
	slices.Reverse(out)
	return out
}

// cause says in a few words what made an anomaly: its top contributor.
func cause(a anomaly.Anomaly) string {
	if len(a.Contributors) == 0 {
		return ""
	}
	top := a.Contributors[0]
	what := top.SKU
	switch {
	case top.WorkloadID != "":
		what = top.WorkloadType + " " + top.WorkloadID
	case what == "":
		what = "spend" // a contributor by owner alone, before the detail grain
	}
	sign := "+"
	if top.Excess.Sign() < 0 {
		sign = "-"
	}
	return fmt.Sprintf("%s of %s, %s%s on its usual day", what, top.Owner, sign, abs(top.Excess).USD())
}

// SetAlerts puts the alerts (as evaluated, or with the statuses delivery
// gave them) in the alerts table and each category's history, newest first.
func (r *Report) SetAlerts(alerts []budget.Alert) {
	r.Tables.Alerts = alerts
	for i := range r.Categories {
		c := &r.Categories[i]
		c.Alerts = nil
		for _, a := range slices.Backward(alerts) {
			if a.Category == c.TagValue {
				c.Alerts = append(c.Alerts, a)
			}
		}
	}
}

// Slugs maps each category's tag value to its page's slug.
func (r *Report) Slugs() map[string]string {
	out := make(map[string]string, len(r.Categories))
	for _, c := range r.Categories {
		out[c.TagValue] = c.Slug
	}
	return out
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

func sourceOf(data budget.Dataset, p period, staleAfterDays int) Source {
	s := Source{
		Kind:           data.Source,
		Inputs:         data.Inputs,
		ReadAt:         data.ReadAt,
		Rows:           data.Rows,
		FirstDate:      data.FirstDate,
		LastDate:       data.LastDate,
		LastUsage:      data.LastUsage,
		DataThrough:    dataDay(data),
		PartialDay:     p.partial,
		StaleAfterDays: staleAfterDays,
	}
	if s.LastUsage.IsZero() && !s.DataThrough.IsZero() {
		s.LastUsage = s.DataThrough.AddDate(0, 0, 1)
	}
	s.JudgedOn, s.ByClock = p.asOf, !data.FreshAt.IsZero()
	switch {
	case s.DataThrough.IsZero():
	case s.ByClock:
		// Whole days from the last usage to the build: data read at
		// 00:30 that ends at midnight is not a day behind.
		s.JudgedOn = dateOf(data.FreshAt)
		s.DaysBehind = max(int(data.FreshAt.Sub(s.LastUsage).Hours()/24), 0)
	case s.DataThrough.Before(s.JudgedOn):
		s.DaysBehind = int(s.JudgedOn.Sub(s.DataThrough).Hours() / 24)
	}
	s.Behind = !s.DataThrough.IsZero() && s.DaysBehind > staleAfterDays
	return s
}

func totals(cats []Category, u Unattributed, all []budget.Fact, p period) Totals {
	t := Totals{Unattributed: u.MonthToDate.Total}
	for _, c := range cats {
		t.Attributed = t.Attributed.Add(c.MonthToDate)
		t.Budget = t.Budget.Add(c.Budget)
		switch c.Status {
		case StatusOverBudget, StatusProjectedOver:
			t.AtRisk = append(t.AtRisk, c.Slug)
		case StatusWatch:
			t.Watch = append(t.Watch, c.Slug)
		}
	}
	for _, f := range all {
		if p.inMonth(f.Date) {
			t.DBUs = t.DBUs.Add(f.DBUs)
		}
	}
	t.MonthToDate = t.Attributed.Add(t.Unattributed)
	t.Utilization = percentOf(t.MonthToDate, t.Budget)
	t.TagCompliance = percentOf(t.Attributed, t.MonthToDate)
	return t
}
