package budget

import (
	"fmt"
	"time"
)

// Alert kinds (alerts.csv's kind column).
const (
	// AlertThreshold: a month's actual spend reached a configured
	// threshold of its budget; once per category, month and threshold.
	AlertThreshold = "threshold"
	// AlertForecast: the month-end forecast first reached 100 % of the
	// budget; once per category and month.
	AlertForecast = "forecast"
	// AlertAnomaly: a day's spend far outside its expected range; once per
	// category and day.
	AlertAnomaly = "anomaly"
)

// Alert delivery statuses (alerts.csv's status column).
const (
	AlertSent    = "sent"     // every notifier accepted it
	AlertPending = "pending"  // claimed or due, not delivered yet; retried on the next build
	AlertFailed  = "failed"   // gave up after the last try
	AlertInDoubt = "in-doubt" // claimed, and a crash may have come before or after the send
	AlertNotSent = "not-sent" // before the ledger began, or the build did not notify
)

// Alert is one event a category's owners hear of: what happened, when it
// happened in the data, and the figures behind it. It is evaluated from the
// facts alone; Status is filled by delivery (or AlertNotSent).
type Alert struct {
	Category  string    // configured tag_value
	Title     string    // the category's display name
	Kind      string    // AlertThreshold, AlertForecast or AlertAnomaly
	Month     time.Time // first day of the month it belongs to
	Time      time.Time // when it happened in the data: the day (UTC midnight) of the crossing or anomaly
	Threshold int       // percent of budget: the threshold, 100 for a forecast, 0 for an anomaly
	Value     Decimal   // threshold: month to date that day; forecast: the forecast; anomaly: the day's spend
	Budget    Decimal   // the budget in force that month
	Expected  Decimal   // anomaly: the day's expected spend; zero otherwise
	Forecast  Decimal   // the month-end forecast as of Time
	Reason    string    // a few words: the top driver, or why the forecast moved
	Owners    []string  // the category's owners, who receive it
	Status    string    // one of the Alert* statuses
}

// Key identifies an alert across builds, so a ledger can tell whether it
// was delivered: kind, category and the month with its threshold, or the
// day for an anomaly.
func (a Alert) Key() string {
	switch a.Kind {
	case AlertThreshold:
		return fmt.Sprintf("%s/%s/%s/%d", a.Kind, a.Category, a.Month.Format("2006-01"), a.Threshold)
	case AlertAnomaly:
		return fmt.Sprintf("%s/%s/%s", a.Kind, a.Category, a.Time.Format(time.DateOnly))
	}
	return fmt.Sprintf("%s/%s/%s", a.Kind, a.Category, a.Month.Format("2006-01"))
}
