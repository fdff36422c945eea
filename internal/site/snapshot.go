package site

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/governance"
	"github.com/novadynamics/stellar-budget/internal/report"
	"github.com/novadynamics/stellar-budget/internal/snapshot"
)

// The snapshot's schema, reader and writer are package snapshot's; this
// file only turns a report into one, formatting the figures the report
// computed.

func optionalPct(p report.Percent) *snapshot.Percent {
	if !p.Defined {
		return nil
	}
	s := snapshot.Percent(p.String())
	return &s
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// probability writes a probability with 2 decimals, as JSON text like money.
func probability(p float64) string { return strconv.FormatFloat(p, 'f', 2, 64) }

func freshAgainst(byClock bool) string {
	if byClock {
		return "build"
	}
	return "as_of"
}

// seriesOf writes a bucket's recent days.
func seriesOf(s report.Series) snapshot.Series {
	out := snapshot.Series{LastDayPartial: s.Partial, Days: make(snapshot.Days, 0, len(s.Days))}
	for _, d := range s.Days {
		out.Days = append(out.Days, snapshot.Day{Date: snapshot.DateOf(d.Date), Cost: snapshot.USD(d.Cost)})
	}
	return out
}

// allowancesOf writes a category's allowances; never nil.
func allowancesOf(a map[string]budget.Decimal) map[string]snapshot.Money {
	out := make(map[string]snapshot.Money, len(a))
	for _, owner := range slices.Sorted(maps.Keys(a)) {
		out[owner] = snapshot.USD(a[owner])
	}
	return out
}

// snapshotOf turns a report into its snapshot. Lists are never null, so a
// reader can range over them without a check.
func snapshotOf(r *report.Report, now time.Time) *snapshot.Snapshot {
	s := &snapshot.Snapshot{
		SchemaVersion: snapshot.SchemaVersion,
		GeneratedAt:   snapshot.TimeOf(now),
		AsOf:          snapshot.DateOf(r.AsOf),
		DataThrough:   snapshot.TimeOf(r.Source.LastUsage),
		DaysBehind:    r.Source.DaysBehind,
		DataBehind:    r.Source.Behind,
		Source: snapshot.Source{
			Kind:          r.Source.Kind,
			Inputs:        nonNil(r.Source.Inputs),
			ReadAt:        snapshot.TimeOf(r.Source.ReadAt),
			LastUsageDate: snapshot.DateOf(r.Source.LastDate),
			FreshnessDays: r.Source.DaysBehind,
			PartialDay:    r.Source.PartialDay,
			FreshAgainst:  freshAgainst(r.Source.ByClock),
		},
		Thresholds: nonNil(r.Thresholds),
		Totals: snapshot.Totals{
			MonthToDate:          snapshot.USD(r.Totals.MonthToDate),
			Attributed:           snapshot.USD(r.Totals.Attributed),
			Unattributed:         snapshot.USD(r.Totals.Unattributed),
			Budget:               snapshot.USD(r.Totals.Budget),
			Forecast:             snapshot.USD(r.Totals.Forecast.Value),
			ForecastLow:          snapshot.USD(r.Totals.Forecast.Low),
			ForecastHigh:         snapshot.USD(r.Totals.Forecast.High),
			ForecastLow95:        snapshot.USD(r.Totals.Forecast.Low95),
			ForecastHigh95:       snapshot.USD(r.Totals.Forecast.High95),
			Utilization:          optionalPct(r.Totals.Utilization),
			ProjectedUtilization: optionalPct(r.Totals.ProjectedUtilization),
			TagCompliance:        optionalPct(r.Totals.TagCompliance),
			QuarterToDate:        snapshot.USD(r.QuarterToDate.Division().Spend),
			QuarterToDateBudget:  snapshot.USD(r.QuarterToDate.Division().Budget),
			YearToDate:           snapshot.USD(r.YearToDate.Division().Spend),
			YearToDateBudget:     snapshot.USD(r.YearToDate.Division().Budget),
			AtRisk:               nonNil(r.Totals.AtRisk),
			Watch:                nonNil(r.Totals.Watch),
		},
		Categories: []snapshot.Category{},
		Unattributed: snapshot.Unattributed{
			Untagged:      snapshot.USD(r.Unattributed.MonthToDate.Untagged),
			UnknownValue:  snapshot.USD(r.Unattributed.MonthToDate.UnknownValue),
			UnknownValues: []snapshot.UnknownValue{},
		},
		Unpriced: []snapshot.SKU{},
		Owners:   []snapshot.Owner{},
		Alerts:   []snapshot.Alert{},
		TagTypos: []snapshot.TagTypo{},
		Clusters: []snapshot.Cluster{},
	}
	for _, t := range r.TagTypos {
		s.TagTypos = append(s.TagTypos, snapshot.TagTypo{Category: t.TagValue, Value: t.Value, Cost: snapshot.USD(t.Cost)})
	}
	for _, a := range r.Tables.Alerts {
		s.Alerts = append(s.Alerts, snapshot.Alert{
			Key: a.Key(), Time: snapshot.DateOf(a.Time), Category: a.Category, Kind: a.Kind,
			Threshold: a.Threshold, Value: snapshot.USD(a.Value), Budget: snapshot.USD(a.Budget), Status: a.Status,
		})
	}
	for _, o := range r.Owners {
		s.Owners = append(s.Owners, snapshot.Owner{
			Owner:        o.Owner,
			MonthToDate:  snapshot.USD(o.MonthToDate),
			Forecast:     snapshot.USD(o.Forecast.Value),
			ForecastLow:  snapshot.USD(o.Forecast.Low),
			ForecastHigh: snapshot.USD(o.Forecast.High),
			Burn30:       snapshot.USD(o.Burn.Value),
			Burn30Low:    snapshot.USD(o.Burn.Low),
			Burn30High:   snapshot.USD(o.Burn.High),
			Daily:        seriesOf(o.Series),
		})
	}
	for _, c := range r.Categories {
		cat := snapshot.Category{
			Slug:                 c.Slug,
			Title:                c.Title,
			TagValue:             c.TagValue,
			Owners:               nonNil(c.Owners),
			MonthlyBudget:        snapshot.USD(c.Budget),
			MonthToDate:          snapshot.USD(c.MonthToDate),
			Forecast:             snapshot.USD(c.Forecast.Value),
			ForecastLow:          snapshot.USD(c.Forecast.Low),
			ForecastHigh:         snapshot.USD(c.Forecast.High),
			Utilization:          optionalPct(c.Utilization),
			ProjectedUtilization: optionalPct(c.ProjectedUtilization),
			ForecastLow95:        snapshot.USD(c.Forecast.Low95),
			ForecastHigh95:       snapshot.USD(c.Forecast.High95),
			ProbabilityOver:      snapshot.Probability(probability(c.Forecast.ProbabilityOverBudget)),
			ThresholdReached:     c.ThresholdReached,
			Status:               string(c.Status),
			Driver:               c.Reason,
			OnBreach:             snapshot.Breach{Action: c.OnBreach.Action, DryRun: c.OnBreach.DryRun},
			Policy: snapshot.Policy{
				MaxWorkers:             c.Policy.MaxWorkers,
				AutoterminationMinutes: c.Policy.AutoterminationMinutes,
				NodeTypes:              nonNil(c.Policy.NodeTypes),
			},
			Allowances:   allowancesOf(c.Allowances),
			Daily:        seriesOf(c.Series),
			RecentOwners: []snapshot.OwnerSpend{},
		}
		for _, o := range c.RecentOwners {
			cat.RecentOwners = append(cat.RecentOwners, snapshot.OwnerSpend{Owner: o.Owner, Cost: snapshot.USD(o.Cost)})
		}
		cat.OwnerDaily = make([]snapshot.OwnerDaily, 0, len(c.OwnerSeries))
		for _, o := range c.OwnerSeries {
			cat.OwnerDaily = append(cat.OwnerDaily, snapshot.OwnerDaily{Owner: o.Owner, Daily: seriesOf(o.Series)})
		}
		s.Categories = append(s.Categories, cat)
	}
	for _, v := range r.Unattributed.UnknownValues {
		s.Unattributed.UnknownValues = append(s.Unattributed.UnknownValues, snapshot.UnknownValue{
			Value:       v.Value,
			MonthToDate: snapshot.USD(v.MonthToDate),
			Total:       snapshot.USD(v.Total),
		})
	}
	for _, u := range r.Unpriced.Month {
		s.Unpriced = append(s.Unpriced, snapshot.SKU{SKU: u.SKU, DBUs: snapshot.QuantityOf(u.DBUs)})
	}
	for _, c := range r.Clusters {
		s.Clusters = append(s.Clusters, snapshot.Cluster{
			ID:            c.ID,
			Workspace:     c.Workspace,
			Category:      c.Category,
			Owner:         c.Owner,
			SKUs:          nonNil(c.SKUs),
			RatedOn:       snapshot.DateOf(c.RatedOn),
			DBUsPerHour:   snapshot.QuantityOf(c.DBUsPerHour()),
			USDPerHour:    snapshot.QuantityOf(c.CostPerHour()),
			Priced:        c.Priced,
			LastUsageDate: snapshot.DateOf(c.LastUsage),
		})
	}
	return s
}

// writeSnapshot writes the snapshot of the report and of the compliance
// page's data g into the site at dir.
func writeSnapshot(dir string, r *report.Report, g *governance.Governance, now time.Time) error {
	s := snapshotOf(r, now)
	s.Compliance = snapshotCompliance(g)
	if err := snapshot.Write(filepath.Join(dir, filepath.FromSlash(snapshot.Path)), s); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	return nil
}
