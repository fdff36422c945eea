// Package forecast predicts spend from a daily series: the month-end total
// with 80 % and 95 % intervals and the probability of ending over budget,
// the spend of the next days (an owner's 30-day burn), and a past day's
// expected range for anomaly detection. It is pure Go and takes every date
// from its caller.
//
// # Use
//
// A Series is one number per UTC day, in dollars. Fit(history, through)
// fits a Model on the days from the series' start through the last day
// with data; MonthEnd, Burn and Expected are shortcuts for fitting and
// asking one question. Days of the series after through are ignored, days
// missing up to through count as zero (no usage records, no spend). Money
// comes back as unrounded float64 dollars: round where it is shown. A
// Result's intervals never go below the spend already known, and collapse
// to it when no day is left.
//
// A last day the data holds only in part (an export read at 08:00) is no
// day's spend: fit the model through the day before and ask
// Model.MonthEndPartial with the part's dollars. The day then counts as the
// larger of its part and the model's expectation for the whole day, so a
// cut at any hour forecasts what a cut at the midnight before does unless
// the day already spent more.
//
// # Method
//
// Called "weekday-kalman" in results and tables. In order:
//
//  1. Weekday profile: seven factors of mean 1, started from the first
//     (up to four) weeks, per weekday the median, then smoothed day by day
//     (gamma 0.1) with winsorised spend. A weekday that never spends
//     (weekends for some owners) stays at zero and says nothing about the
//     level.
//  2. Level and trend: a Kalman filter on spend per profile day (spend
//     over the day's factor), whose noise variance is scale²/factor, so a
//     quiet weekend weighs less than a busy weekday. The level drifts every
//     day, may jump on the first of a month, and carries a trend that is a
//     random walk. The three variances (in units of the noise variance) are
//     fitted per series by maximum likelihood over a small grid, so a
//     series whose spend resets monthly gets a filter that trusts a month's
//     first days, and one that drifts smoothly gets one that does not.
//     The trend is estimated undamped and forecast damped (0.98 a day).
//  3. Spikes and shifts: a day more than 3 standard deviations from its
//     forecast is winsorised to that bound before it updates anything, so a
//     forgotten cluster's day is not extrapolated; three such days in a row
//     on the same side are a level shift, and the level restarts at their
//     mean.
//  4. Forecast: the sum over the days of (level + damped trend) × profile,
//     with the standard deviation of that sum under the model (the state's
//     uncertainty, the drift and month-start jumps to come, and each day's
//     noise).
//  5. Calibration: the model's errors are checked against the series' own
//     earlier forecasts. For a month end from day d, the forecasts made on
//     days d-2 … d+2 of every earlier whole month (once two months have
//     them); for a burn or a day, the forecasts of the same number of days
//     from every earlier day. Their standardised errors are mixed with the
//     model's normal distribution, weighted by how many independent errors
//     they are worth (a month; or a day over the horizon) against 8, and the
//     mixture is widened if needed so that it is never narrower than the
//     model's own. Its median gives the point forecast, its quantiles the
//     intervals, its distribution function the probability of ending over
//     budget: that the days to come spend more than the headroom the
//     budget leaves over the month to date, a headroom the caller gives
//     exactly (Limit). Origins in the first four weeks are left out: the filter is
//     still settling there. Where more than 80 % of the mixture is one
//     earlier error (a series that has hardly varied) no widening reaches
//     the model's spread, and the model's own distribution stands; a
//     history that spent one amount every day past those four weeks is
//     forecast as certain (a zero-width interval).
//  6. Short history: with fewer than 7 days there is no profile and the
//     forecast is the mean day; the noise scale starts at 30 % of the level
//     and gives way to the data as days come (three days' weight with under
//     a week, then exponentially); under 21 days the variances are not
//     fitted but set to cautious defaults; under four weeks there are no
//     earlier forecasts, so the model's own spread stands. Intervals are
//     therefore much wider for a new category than for one with a year of
//     history.
//
// A build runs a few dozen forecasts; one on 400 days of history takes
// about a millisecond (BenchmarkMonthEnd, BenchmarkBurn), most of it
// fitting the variances.
//
// # Backtest
//
// Backtest runs a rolling-origin backtest: for every whole calendar month
// of every series and origin day d (5, 10 and 20 by default), the month's
// total is forecast from the days through d only and compared with the
// actual total. It reports per day and method the mean absolute error in
// dollars and as a share of the actual month (each series-month weighing
// the same, so small categories count as much as the division), the ratio
// of the latter to the run rate's, and for the model the share of actual
// totals inside its 80 % and 95 % intervals, per day and pooled. The
// baselines are:
//
//   - run-rate: month to date ÷ days elapsed × days in the month;
//   - seasonal-naive: month to date plus, for each day left, the spend of
//     the last day of the same weekday through the origin (the last week
//     repeated), or the mean day while the history is shorter than a week.
//
// # Why this method
//
// On the demo account (7 categories and the division; 13 whole months
// before 23 November 2026, 14 before 30 June 2026), mean absolute error as
// a share of the month (in dollars in TestBacktestDemo's log):
//
//	as of 2026-11-23        day 5          day 10         day 20
//	weekday-kalman     1.8 % (0.18×)  0.8 % (0.18×)  0.5 % (0.21×)
//	run-rate          10.1 %          4.1 %          2.4 %
//	seasonal-naive     2.2 % (0.22×)  0.8 % (0.20×)  0.5 % (0.22×)
//	80 % interval held 79.5 % of 312 month totals pooled, 95 % held 93.9 %
//
//	as of 2026-06-30        day 5          day 10         day 20
//	weekday-kalman     1.6 % (0.15×)  0.7 % (0.19×)  0.5 % (0.20×)
//	run-rate          10.6 %          3.9 %          2.3 %
//	seasonal-naive     2.4 % (0.22×)  0.8 % (0.21×)  0.5 % (0.22×)
//	80 % interval held 84.5 % of 336 month totals pooled, 95 % held 93.5 %
//
// Over eight as-of dates from December 2025 to January 2027 the pooled 80 %
// coverage stayed within 78.9-84.5 % and the 95 % within 92.6-95.2 %.
//
// The run rate is far behind because a month's first days hold a
// different share of weekends than the month. Seasonal-naive handles the
// weekdays and is close at day 10, but it repeats any spike of the last
// week, has no interval, and needs a week of history. Variants measured on
// the same eight as-of dates:
//
//   - Without the month-start jump (a plain local-level filter) the error at
//     day 10 was 0.9-1.1 % (0.19-0.24× the run rate), behind seasonal-naive,
//     and the intervals too wide (92-97 % held by the 80 % one). In the
//     demo, as in a budget, a month's spend is set month by month, so its
//     first days say more about the rest of it than the previous month
//     does; the likelihood sets the jump to zero for a series without
//     monthly steps. A first version with a fixed smoothing gain
//     (Holt-Winters style) did no better (0.9-1.0 % at day 10 on the two
//     as-of dates above).
//   - Calibrating month ends on forecasts from every earlier day at the
//     same horizon, rather than the same days of earlier months, held
//     77.4-83.6 % in the 80 % interval, about as well; the same-days set is
//     kept because it asks exactly the question being calibrated.
//   - Letting the errors narrow the model's spread held 77.1-83.0 %: within
//     the target, but closer to its lower end.
//
// The miss the method cannot avoid is the demo's spike: a forgotten
// cluster after the origin day is outside every interval.
package forecast
