package report

import (
	"math/big"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// HourProfile is the average cost of each hour of the week over the last
// ProfileWeeks whole weeks ending with the as-of date: when the division
// spends. Cost[weekday][hour], Sunday = 0, hours in UTC.
type HourProfile struct {
	From, To time.Time
	Cost     [7][24]budget.Decimal
}

// ProfileWeeks is how many weeks the hour-of-week profile averages.
const ProfileWeeks = 4

func hourProfile(hourly []budget.HourCost, p period) HourProfile {
	hp := HourProfile{From: p.asOf.AddDate(0, 0, -7*ProfileWeeks+1), To: p.asOf}
	var total [7][24]budget.Decimal
	for _, h := range hourly {
		d := dateOf(h.Date)
		if d.Before(hp.From) || d.After(hp.To) || h.Hour < 0 || h.Hour > 23 {
			continue
		}
		total[d.Weekday()][h.Hour] = total[d.Weekday()][h.Hour].Add(h.Cost)
	}
	for wd := range total {
		for hr := range total[wd] {
			avg := new(big.Rat).Quo(total[wd][hr].Rat(), big.NewRat(ProfileWeeks, 1))
			v, err := fromRat(avg, 2)
			if err == nil {
				hp.Cost[wd][hr] = v
			}
		}
	}
	return hp
}
