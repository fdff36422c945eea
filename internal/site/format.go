package site

import (
	"fmt"
	"strconv"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/report"
)

// usd formats money as a reader expects it: "$12,345.67", "-$1.23".
func usd(d budget.Decimal) string { return d.USD() }

// dbus formats a DBU quantity with two decimals and thousands separators.
func dbus(d budget.Decimal) string { return d.Grouped(2) }

// count formats a whole number with thousands separators.
func count(n int64) string {
	if n < 0 {
		return "-" + budget.Thousands(strconv.FormatInt(-n, 10))
	}
	return budget.Thousands(strconv.FormatInt(n, 10))
}

// pct formats a percentage with one decimal, "n/a" when it has no base
// (a zero budget or no spend).
func pct(p report.Percent) string {
	if !p.Defined {
		return "n/a"
	}
	return p.String() + " %"
}

// pctShown formats a percentage package compliance already rounded to one
// decimal, half up, by the same rule as pct.
func pctShown(p float64) string { return pct(shown(&p)) }

// shown turns a percentage already rounded to one decimal (as package
// compliance rounds its shares, half up) into a Percent; nil is undefined.
func shown(p *float64) report.Percent {
	if p == nil {
		return report.Percent{}
	}
	v, err := budget.ParseDecimal(strconv.FormatFloat(*p, 'f', 1, 64))
	if err != nil {
		return report.Percent{} // NaN or infinity: no figure to show
	}
	return report.Percent{Value: v, Defined: true}
}

// pctOf formats a fraction (a probability, a share of outcomes; 1 is the
// whole) as a percentage by the same rule as pct: "62.5 %".
func pctOf(f float64) string { return pct(report.FractionPercent(f)) }

func date(t time.Time) string { return t.UTC().Format(time.DateOnly) }

func month(t time.Time) string { return t.UTC().Format("Jan 2006") }

func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// freshness says how far the data lags the day it is judged against, in
// words: the build's (byClock) or the as-of date.
func freshness(daysBehind int, byClock bool) string {
	against := "the as-of date"
	if byClock {
		against = "the build"
	}
	switch daysBehind {
	case 0:
		return "up to date"
	case 1:
		return "1 day behind " + against
	}
	return fmt.Sprintf("%d days behind %s", daysBehind, against)
}

// hourUTC is the time of day of t: "08:00 UTC".
func hourUTC(t time.Time) string { return t.UTC().Format("15:04 UTC") }

// days writes a number of days: "1 day", "3 days".
func days(n int) string {
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

// usdWhole formats money in whole dollars, for dense tables ("$1,235").
func usdWhole(d budget.Decimal) string {
	s := d.Round(0).USD()
	return s[:len(s)-3] // the ".00" rounding left
}

// signedPct formats a change in percent with its sign, "+12.5 %", "n/a"
// without a base.
func signedPct(p report.Percent) string {
	if !p.Defined {
		return "n/a"
	}
	if p.Value.Sign() > 0 {
		return "+" + p.String() + " %"
	}
	return p.String() + " %"
}

// seq lists the integers from first to last, for ranging in templates.
func seq(first, last int) []int {
	var out []int
	for i := first; i <= last; i++ {
		out = append(out, i)
	}
	return out
}
