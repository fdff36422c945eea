package copilot

import (
	"context"
	"fmt"
	"math/big"
	"net/http"
	"sync"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/forecast"
	"github.com/novadynamics/stellar-budget/internal/gate"
	"github.com/novadynamics/stellar-budget/internal/snapshot"
)

// ClusterReader reads a cluster's current size for a what-if.
type ClusterReader interface {
	Get(ctx context.Context, id string) (budget.Cluster, error)
}

// Prediction is predict_cost's answer. Money is USD with 2 decimals.
type Prediction struct {
	// AsOf is the as-of date of the data used, DataThrough the last usage
	// time it holds (RFC 3339), so a caller knows how fresh the answer is.
	AsOf        string `json:"as_of"`
	DataThrough string `json:"data_through"`
	Subject     string `json:"subject"` // the owner's email or the category's tag_value
	Kind        string `json:"kind"`    // owner or category
	Month       string `json:"month"`   // the month the month end is of, YYYY-MM
	HorizonDays int    `json:"horizon_days"`

	MonthToDate  string  `json:"mtd_usd"`
	MonthEnd     string  `json:"month_end_usd"`
	MonthEndLow  string  `json:"month_end_low_usd"` // 80 %
	MonthEndHigh string  `json:"month_end_high_usd"`
	Budget       *string `json:"budget_usd,omitempty"` // a category's budget this month
	Horizon      string  `json:"horizon_usd"`          // the next horizon_days days
	HorizonLow   string  `json:"horizon_low_usd"`
	HorizonHigh  string  `json:"horizon_high_usd"`

	WhatIf *WhatIfResult `json:"what_if,omitempty"`
}

// WhatIfResult is the same forecast with the change made now.
type WhatIfResult struct {
	ClusterID string `json:"cluster_id"`
	Change    string `json:"change"` // "terminate" or "resize to N workers"
	// USDPerHour is the cluster's recent list cost an hour (snapshot
	// clusters.usd_per_hour), AfterPerHour the same after the change.
	USDPerHour   string `json:"usd_per_hour"`
	AfterPerHour string `json:"after_usd_per_hour"`
	// HoursLeft are the hours from now to the end of the month.
	HoursLeft      string `json:"hours_left_in_month"`
	MonthEnd       string `json:"month_end_usd"`
	Horizon        string `json:"horizon_usd"`
	MonthEndSaving string `json:"month_end_saving_usd"`
	HorizonSaving  string `json:"horizon_saving_usd"`
	Note           string `json:"note,omitempty"`
}

// Predict answers predict_cost from the snapshot. The month end is
// forecast from the subject's daily series as the build's own forecasts
// are (package forecast; a partial last day counted with
// Model.MonthEndPartial); the horizon is the spend of the horizon_days
// days after the last complete day. A what-if takes the cluster's recent
// hourly list cost r (snapshot clusters): terminated now, it saves r times
// the hours left in the month, and r times 24 x horizon_days over the
// horizon; resized to N workers, it costs r x (N+1)/(n+1) an hour from
// now, n its current workers (the driver counted as one node; an
// autoscaling cluster is taken at the middle of its range). now is the
// time of the call; clusters may be nil when no what-if asks for a size.
func Predict(ctx context.Context, snap *snapshot.Snapshot, args PredictArgs, clusters ClusterReader, now time.Time) (Prediction, error) {
	return predict(ctx, snap, args, clusters, now, nil)
}

// predict is Predict, its month end and horizon taken from cache when it
// holds them (nil: always computed).
func predict(ctx context.Context, snap *snapshot.Snapshot, args PredictArgs, clusters ClusterReader, now time.Time, cache *forecastCache) (Prediction, error) {
	var series snapshot.Series
	p := Prediction{AsOf: string(snap.AsOf), DataThrough: string(snap.DataThrough), HorizonDays: args.HorizonDays}
	if args.Owner != "" {
		o, ok := snap.Owner(args.Owner)
		if !ok {
			return p, gate.Refuse(http.StatusUnprocessableEntity, "unknown_owner", "%s has no usage in the data through %s", args.Owner, snap.AsOf)
		}
		series, p.Subject, p.Kind = o.Daily, o.Owner, "owner"
	} else {
		c, ok := snap.Category(args.Category)
		if !ok {
			return p, gate.Refuse(http.StatusUnprocessableEntity, "unknown_category", "%q is no category's tag_value or slug", gate.Clip(args.Category, 60))
		}
		series, p.Subject, p.Kind = c.Daily, c.TagValue, "category"
		b := string(c.MonthlyBudget)
		p.Budget = &b
	}
	end := cache.forecast(snap, series, &p)
	if args.WhatIf != nil {
		w, err := whatIf(ctx, snap, args, clusters, now, end, &p)
		if err != nil {
			return p, err
		}
		p.WhatIf = w
	}
	return p, nil
}

// forecastCache keeps predict_cost's forecasts of the snapshot in use: a
// subject's month end and horizon depend only on the snapshot, the
// subject and the horizon, and fitting the model to the subject's series
// (and reading its money) is nearly all of a prediction's work (fnbench:
// without it predict_cost's p99 at 200 clients was over 5x a bare
// handler's). Another snapshot (a rebuild, read again by fnenv.Snapshots)
// empties it; it holds at most subjects x 90 horizons of one snapshot.
// The what-if, which depends on the time of the call, is never kept.
type forecastCache struct {
	mu    sync.Mutex
	snap  *snapshot.Snapshot
	known map[forecastKey]forecastMemo
}

type forecastKey struct {
	kind, subject string
	horizon       int
}

type forecastMemo struct {
	p     Prediction // before any what-if
	point [2]float64
}

// forecast is forecastOf through the cache: p, whose subject, kind and
// horizon are set, gets its month end and horizon figures. Two calls
// that miss at once both compute; the answers are the same.
func (c *forecastCache) forecast(snap *snapshot.Snapshot, series snapshot.Series, p *Prediction) [2]float64 {
	if c == nil {
		return forecastOf(series, snap.AsOf.Time(), p.HorizonDays, p)
	}
	k := forecastKey{kind: p.Kind, subject: p.Subject, horizon: p.HorizonDays}
	c.mu.Lock()
	if c.snap != snap {
		c.snap, c.known = snap, map[forecastKey]forecastMemo{}
	}
	m, ok := c.known[k]
	c.mu.Unlock()
	if ok {
		*p = m.p
		return m.point
	}
	point := forecastOf(series, snap.AsOf.Time(), p.HorizonDays, p)
	c.mu.Lock()
	if c.snap == snap {
		c.known[k] = forecastMemo{p: *p, point: point}
	}
	c.mu.Unlock()
	return point
}

// forecastOf fills p's month end and horizon from series; it returns the
// two point forecasts unrounded.
func forecastOf(series snapshot.Series, asOf time.Time, horizon int, p *Prediction) [2]float64 {
	p.Month = asOf.Format("2006-01")
	m := fit(series, asOf)
	partial, isPartial := series.Partial()
	var me forecast.Result
	if isPartial {
		me = m.MonthEndPartial(forecast.Limit{}, partial.Cost.Decimal().Float64())
	} else {
		me = m.MonthEnd(forecast.Limit{})
	}
	mtd := me.ToDate
	burn := m.Burn(horizon)
	p.MonthToDate = usd(mtd)
	p.MonthEnd, p.MonthEndLow, p.MonthEndHigh = usd(me.Value), usd(me.Low80), usd(me.High80)
	p.Horizon, p.HorizonLow, p.HorizonHigh = usd(burn.Value), usd(burn.Low80), usd(burn.High80)
	return [2]float64{me.Value, burn.Value}
}

// fit fits package forecast's model on a series' complete days: through
// the day before a partial last day, else through its last day (asOf when
// it has none).
func fit(series snapshot.Series, asOf time.Time) *forecast.Model {
	days := series.Complete()
	h := forecast.Series{Values: make([]float64, len(days))}
	if len(days) > 0 {
		h.Start = days[0].Date.Time()
	}
	for i, d := range days {
		h.Values[i] = d.Cost.Decimal().Float64()
	}
	through := asOf
	if partial, ok := series.Partial(); ok {
		through = partial.Date.Time().AddDate(0, 0, -1)
	} else if len(days) > 0 {
		through = days[len(days)-1].Date.Time()
	}
	return forecast.Fit(h, through)
}

func whatIf(ctx context.Context, snap *snapshot.Snapshot, args PredictArgs, clusters ClusterReader, now time.Time, point [2]float64, p *Prediction) (*WhatIfResult, error) {
	wi := args.WhatIf
	w := &WhatIfResult{ClusterID: wi.ClusterID, Change: "terminate"}
	if wi.Workers != nil {
		w.Change = fmt.Sprintf("resize to %d worker%s", *wi.Workers, plural(*wi.Workers))
	}
	rate := new(big.Rat)
	c, ok := snap.Cluster(wi.ClusterID)
	switch {
	case !ok:
		w.Note = fmt.Sprintf("no usage of %s in the %d complete days before %s: no saving to estimate", wi.ClusterID, snapshot.ClusterDays, snap.AsOf)
	case args.Owner != "" && c.Owner != p.Subject:
		return nil, gate.Refuse(http.StatusUnprocessableEntity, "other_owner", "cluster %s's spend is %s's, not %s's", wi.ClusterID, c.Owner, p.Subject)
	case args.Category != "" && c.Category != p.Subject:
		return nil, gate.Refuse(http.StatusUnprocessableEntity, "other_category", "cluster %s's spend is in %s, not %s", wi.ClusterID, c.Category, p.Subject)
	default:
		rate = c.USDPerHour.Decimal().Rat()
	}
	after := new(big.Rat)
	if wi.Workers != nil && rate.Sign() > 0 {
		if clusters == nil {
			return nil, fmt.Errorf("what-if resize of %s: no Databricks client to read its size", wi.ClusterID)
		}
		cl, err := clusters.Get(ctx, wi.ClusterID)
		if err != nil {
			return nil, fmt.Errorf("what-if resize of %s: %w", wi.ClusterID, err)
		}
		after = rateAfter(rate, cl, budget.Cluster{Workers: *wi.Workers})
	}
	saved := new(big.Rat).Sub(rate, after) // an hour; negative for a resize up
	hoursLeft := hoursLeft(snap, now)
	monthSaving := roundCents(new(big.Rat).Mul(saved, hoursLeft))
	horizonSaving := roundCents(new(big.Rat).Mul(saved, big.NewRat(int64(24*args.HorizonDays), 1)))
	w.USDPerHour = rate.FloatString(6)
	w.AfterPerHour = after.FloatString(6)
	w.HoursLeft = hoursLeft.FloatString(2)
	w.MonthEndSaving, w.HorizonSaving = monthSaving, horizonSaving
	w.MonthEnd = usd(max(point[0]-mustFloat(monthSaving), 0))
	w.Horizon = usd(max(point[1]-mustFloat(horizonSaving), 0))
	return w, nil
}

// usd rounds dollars to cents, half away from zero.
func usd(v float64) string { return budget.CentsOf(v).StringFixed(2) }

// roundCents rounds an exact amount to cents, half away from zero.
func roundCents(r *big.Rat) string { return r.FloatString(2) }

func mustFloat(s string) float64 {
	f, _ := new(big.Rat).SetString(s)
	v, _ := f.Float64()
	return v
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
