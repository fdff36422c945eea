package report

import "time"

// quarterOf returns the first day of month's calendar quarter.
func quarterOf(month time.Time) time.Time {
	return time.Date(month.Year(), month.Month()-(month.Month()-1)%3, 1, 0, 0, 0, 0, time.UTC)
}

// yearOf returns the first day of month's calendar year.
func yearOf(month time.Time) time.Time {
	return time.Date(month.Year(), time.January, 1, 0, 0, 0, 0, time.UTC)
}

// periodToDate sums each category's months from from to the as-of month
// (from its History, so the figures tie to the monthly table), against the
// budgets in force in those months; then unattributed and the division.
func periodToDate(key, name string, from time.Time, cats []Category, u Unattributed, p period) PeriodToDate {
	out := PeriodToDate{Key: key, Name: name, From: from, To: p.asOf}
	var division PeriodLine
	for _, c := range cats {
		line := PeriodLine{Name: c.Title, Slug: c.Slug}
		for _, m := range c.History {
			if m.Month.Before(from) {
				continue
			}
			line.Spend = line.Spend.Add(m.Cost)
			line.Budget = line.Budget.Add(m.Budget)
		}
		line.Utilization = percentOf(line.Spend, line.Budget)
		out.Lines = append(out.Lines, line)
		division.Spend = division.Spend.Add(line.Spend)
		division.Budget = division.Budget.Add(line.Budget)
	}
	unattributed := PeriodLine{Name: "Unattributed"}
	for m, cost := range u.ByMonth {
		if !m.Before(from) && !m.After(p.month) {
			unattributed.Spend = unattributed.Spend.Add(cost)
		}
	}
	division.Name = "Division"
	division.Spend = division.Spend.Add(unattributed.Spend)
	division.Utilization = percentOf(division.Spend, division.Budget)
	out.Lines = append(out.Lines, unattributed, division)
	return out
}

// Division is the division's line: the last one.
func (p PeriodToDate) Division() PeriodLine {
	if len(p.Lines) == 0 {
		return PeriodLine{}
	}
	return p.Lines[len(p.Lines)-1]
}
