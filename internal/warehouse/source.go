package warehouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/sql"

	"github.com/novadynamics/stellar-budget/internal/attribution"
	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/dbclient"
)

// Config says how to reach the SQL warehouse; the CLI fills it from flags.
type Config struct {
	// Profile names a profile of ~/.databrickscfg (or DATABRICKS_CONFIG_FILE);
	// empty leaves the choice to the SDK's unified auth: the DATABRICKS_*
	// environment, then the DEFAULT profile.
	Profile     string
	WarehouseID string
	// StartTimeout is how long a statement may wait for the warehouse to
	// start (PENDING); 0 is DefaultStartTimeout.
	StartTimeout time.Duration
	// ConnectTimeout bounds how long a request keeps trying a host that
	// does not accept the connection; 0 is dbclient.DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// Offline builds from the cache alone, without contacting Databricks.
	Offline bool
	// SDK, when set, is the SDK configuration to use instead of Profile:
	// tests point it at the emulator and wrap its HTTP transport.
	SDK *databricks.Config
	// PollInterval is the first wait between status polls (0: 1s), and
	// RetryBackoff the first wait before retrying a 5xx answer (0: 1s).
	PollInterval time.Duration
	RetryBackoff time.Duration
	// LinkClient downloads result chunks from their external links (nil:
	// a plain client); tests wrap its transport.
	LinkClient *http.Client
}

// DefaultStartTimeout is how long a statement waits for a stopped
// warehouse by default: a classic warehouse can take minutes to start.
const DefaultStartTimeout = 20 * time.Minute

// retryAttempts is how often a call answered with a 5xx is tried in all.
const retryAttempts = 5

// Source is the live account: the attribution SQL runs on a SQL warehouse
// over system.billing.usage and system.billing.list_prices, and only its
// aggregated rows come back. It pulls incrementally into a cache in the
// state directory (see the package comment).
type Source struct {
	Config
	// StateDir holds the cache (under databricks/); empty keeps none: every
	// build pulls every day and --offline is refused.
	StateDir string
	// From and To are the report window, usage dates included.
	From, To time.Time
	// Through leaves out usage that ends after it: an as-of partway
	// through To (zero: none). A live account has no usage after now
	// anyway; an as-of in the past needs the cut.
	Through time.Time
	// Full pulls every day of the window again, ignoring the cache, and
	// replaces it.
	Full bool
	// DetailFrom is the first day of the detail grain (budget.Facts); zero
	// derives it from the latest usage day, as budget.DetailStart.
	DetailFrom time.Time
	// Now is the build's clock, recorded as the cache's pull time.
	Now time.Time
	Log *slog.Logger
}

var _ attribution.Source = Source{}

// dateColumn is the index of usage_date in the result rows: the cache
// keeps rows by it.
var (
	dateColumn  = resultIndex("usage_date")
	grainColumn = resultIndex("grain")
)

func resultIndex(name string) int {
	for i, c := range attribution.ResultColumns {
		if c.Name == name {
			return i
		}
	}
	panic("attribution result has no column " + name)
}

// Attribute implements attribution.Source. The cache is written only after
// every statement succeeded and every row was read, and an error leaves it
// as it was.
func (s Source) Attribute(ctx context.Context, tagValues []string) (attribution.Result, error) {
	if s.Log == nil {
		s.Log = slog.Default()
	}
	if s.To.Before(s.From) {
		return attribution.Result{}, fmt.Errorf("databricks source: window %s to %s is empty", day(s.From), day(s.To))
	}
	fp, err := fingerprint(tagValues)
	if err != nil {
		return attribution.Result{}, err
	}
	var old *cache
	if s.StateDir != "" && !s.Full {
		if old, err = loadCache(s.StateDir); err != nil {
			if s.Offline {
				return attribution.Result{}, err
			}
			s.Log.Warn("cannot use the databricks cache: pulling every day", "err", err)
			old = nil
		}
	}
	if s.Offline {
		return s.offline(old, fp)
	}
	c, pulled, err := s.pull(ctx, old, fp, tagValues)
	if err != nil {
		return attribution.Result{}, err
	}
	res, err := s.result(c)
	if err != nil {
		return attribution.Result{}, err
	}
	if s.StateDir != "" {
		if err := c.save(s.StateDir); err != nil {
			return attribution.Result{}, err
		}
		s.Log.Info("updated the databricks cache", "file", cachePath(s.StateDir), "days", len(c.Days), "through", c.To, "watermark", c.Watermark)
	}
	res.Inputs = []string{
		fmt.Sprintf("%s and %s on %s, SQL warehouse %s", usageTable, pricesTable, c.Host, c.WarehouseID),
		fmt.Sprintf("%d usage days pulled %s, cached through %s (ingestion watermark %s)", pulled.days, pulled.kind, c.To, c.Watermark),
	}
	return res, nil
}

// offline builds from the cache alone.
func (s Source) offline(c *cache, fp string) (attribution.Result, error) {
	switch {
	case s.StateDir == "":
		return attribution.Result{}, fmt.Errorf("%w: --offline needs a state directory (--state) holding the cache of an earlier build", ErrNoCache)
	case c == nil:
		return attribution.Result{}, fmt.Errorf("%w in %s: --offline builds from the cache of an earlier online build; run one without --offline first", ErrNoCache, cachePath(s.StateDir))
	case c.Fingerprint != fp:
		return attribution.Result{}, fmt.Errorf("--offline: the cache in %s was pulled for other categories or another attribution query; run a build without --offline", cachePath(s.StateDir))
	}
	if day(s.From) < c.From || day(s.To) > c.To {
		s.Log.Warn("the cache does not cover the whole report window", "window_from", day(s.From), "window_to", day(s.To), "cached_from", c.From, "cached_to", c.To)
	}
	res, err := s.result(c)
	if err != nil {
		return attribution.Result{}, err
	}
	s.Log.Info("read the databricks cache (offline)", "file", cachePath(s.StateDir), "through", c.To, "pulled_at", c.PulledAt.Format(time.RFC3339))
	res.Inputs = []string{
		fmt.Sprintf("cache of %s and %s on %s, SQL warehouse %s, pulled %s (offline build)", usageTable, pricesTable, c.Host, c.WarehouseID, c.PulledAt.UTC().Format("2006-01-02 15:04 UTC")),
		fmt.Sprintf("cached through %s (ingestion watermark %s)", c.To, c.Watermark),
	}
	return res, nil
}

// pulled says what a pull read.
type pulled struct {
	days int
	kind string // "in full" or "incrementally"
}

// pull brings the cache up to date (see plan) and returns the new one;
// old is never changed, so on error the caller keeps what it had.
func (s Source) pull(ctx context.Context, old *cache, fp string, tagValues []string) (*cache, pulled, error) {
	w, err := s.client()
	if err != nil {
		return nil, pulled{}, err
	}
	host := w.Config.Host
	fail := func(err error) (*cache, pulled, error) {
		return nil, pulled{}, fmt.Errorf("databricks source: %w", explain(err, host, s.WarehouseID))
	}
	x := s.executor(w.StatementExecution)
	s.Log.Info("connecting to Databricks", "host", host, "warehouse", s.WarehouseID)
	wh, err := retryCall(ctx, x.retry, s.Log, "get warehouse", func() (*sql.GetWarehouseResponse, error) {
		return w.Warehouses.GetById(ctx, s.WarehouseID)
	})
	switch {
	case errors.Is(err, apierr.ErrNotFound), err == nil && (wh.State == sql.StateDeleted || wh.State == sql.StateDeleting):
		return nil, pulled{}, fmt.Errorf("databricks source: %w: %s on %s (check --warehouse-id or DATABRICKS_WAREHOUSE_ID)", ErrWarehouseNotFound, s.WarehouseID, host)
	case err != nil:
		return fail(err)
	}
	s.Log.Info("SQL warehouse", "id", s.WarehouseID, "name", wh.Name, "state", wh.State)
	if wh.State != sql.StateRunning {
		s.Log.Info("the warehouse is not running: the first statement waits for it to start", "timeout", x.startTimeout)
	}

	var mark string
	err = x.query(ctx, "read the ingestion watermark", watermarkStatement, nil, func(r []string) error {
		if len(r) != 1 {
			return fmt.Errorf("%d columns, want 1", len(r))
		}
		mark = r[0]
		return nil
	})
	if err != nil {
		return fail(err)
	}
	if _, err := time.Parse(time.DateOnly, mark); err != nil {
		return nil, pulled{}, fmt.Errorf("databricks source: %s on %s has no usage (latest ingestion_date %q)", usageTable, host, mark)
	}

	reason := s.reuse(old, fp, host)
	pulls, next := s.plan(old, reason)
	for i := range pulls {
		pulls[i].Through = s.Through
	}
	next.Through = throughText(s.Through)
	next.Format, next.Fingerprint, next.Host, next.WarehouseID = cacheFormat, fp, host, s.WarehouseID
	next.Watermark, next.PulledAt = mark, s.Now
	kind := "in full"
	if reason == "" {
		kind = "incrementally"
		s.Log.Info("pulling the days touched since the cache's watermark", "watermark", old.Watermark, "new_watermark", mark)
	} else {
		s.Log.Info("pulling every day of the window", "reason", reason, "from", day(s.From), "to", day(s.To), "statements", len(pulls))
	}

	fresh := map[string][][]string{}
	for i, p := range pulls {
		stmt, err := attributionStatement(p, tagValues)
		if err != nil {
			return nil, pulled{}, err
		}
		step := fmt.Sprintf("attribute %s to %s (%d/%d)", day(p.From), day(p.To), i+1, len(pulls))
		if !p.Since.IsZero() {
			step = fmt.Sprintf("attribute days touched since %s", day(p.Since))
		}
		lo, hi := day(p.From), day(p.To)
		err = x.query(ctx, step, stmt, attribution.ResultColumns, func(r []string) error {
			if r[grainColumn] == attribution.GrainMonth {
				// Of the days this statement pulls only: rolled up
				// from the detail instead (allDetail).
				return nil
			}
			d := r[dateColumn]
			if d < lo || d > hi {
				return fmt.Errorf("usage_date %q outside %s to %s", d, lo, hi)
			}
			fresh[d] = append(fresh[d], r)
			return nil
		})
		if err != nil {
			return fail(err)
		}
	}
	maps.Copy(next.Days, fresh)
	// Every fresh row must read as a fact before anything is kept.
	for d, rows := range fresh {
		if err := addRows(&attribution.Collector{}, rows); err != nil {
			return nil, pulled{}, fmt.Errorf("databricks source: usage day %s: %w", d, err)
		}
	}
	s.Log.Info("pulled from the warehouse", "days", len(fresh), "kind", kind)
	return next, pulled{days: len(fresh), kind: kind}, nil
}

// reuse says why old cannot be brought up to date incrementally, or ""
// when it can.
func (s Source) reuse(old *cache, fp, host string) string {
	switch {
	case old == nil:
		return "no cache"
	case old.Fingerprint != fp:
		return "categories or attribution query changed"
	case old.Host != host:
		return "cache is of another host"
	}
	// The days the cache holds and the window must overlap or meet, so
	// that the cache stays one unbroken span of days.
	if day(s.To.AddDate(0, 0, 1)) < old.From || day(s.From.AddDate(0, 0, -1)) > old.To {
		return "window apart from the cached days"
	}
	return ""
}

// plan says what to pull: the whole window, one statement a month, when
// the cache cannot be reused (reason is why); else one statement for the
// days touched since the watermark and the days of the window the cache
// lacks (beyond maxJoinedDays of those, one statement a month for them). It also returns the cache to fill: the days it keeps, and the
// span it will hold complete. That span starts with the window (older
// days are dropped, so the cache does not grow without end) and runs to
// the later of the window's and the cache's last day: cached days after
// the window are refreshed too, so none of them goes stale.
func (s Source) plan(old *cache, reason string) ([]pull, *cache) {
	if reason != "" {
		return months(s.From, s.To), &cache{From: day(s.From), To: day(s.To), Days: map[string][][]string{}}
	}
	since, _ := time.Parse(time.DateOnly, old.Watermark)
	have, _ := time.Parse(time.DateOnly, old.From)
	haveTo, _ := time.Parse(time.DateOnly, old.To)
	to := s.To
	if haveTo.After(to) && s.Through.IsZero() {
		to = haveTo
	}
	// A day an earlier cut or this one ends partway through holds other
	// hours than this build reads: it and the days after it are pulled
	// again, as days the cache lacks. Cached days after a cut are dropped.
	if old.Through != throughText(s.Through) {
		for _, cut := range []time.Time{cutTime(old.Through), s.Through} {
			if !cut.IsZero() {
				haveTo = earlier(haveTo, day0(cut.Add(-time.Nanosecond)).AddDate(0, 0, -1))
			}
		}
	}
	haveTo = earlier(haveTo, to)
	next := &cache{From: day(s.From), To: day(to), Days: map[string][][]string{}}
	for d, rows := range old.Days {
		if d >= next.From && d <= day(haveTo) {
			next.Days[d] = rows
		}
	}
	var missing int
	if s.From.Before(have) {
		missing += int(have.Sub(s.From).Hours() / 24)
	}
	if to.After(haveTo) {
		missing += int(to.Sub(haveTo).Hours() / 24)
	}
	if missing <= maxJoinedDays {
		return []pull{{From: s.From, To: to, Since: since, Have: have, HaveTo: haveTo}}, next
	}
	// Many days the cache lacks (the window moved far): those are pulled a
	// month a statement, as in a full pull, and the cached days apart.
	var pulls []pull
	if s.From.Before(have) {
		pulls = append(pulls, months(s.From, have.AddDate(0, 0, -1))...)
	}
	if lo, hi := later(s.From, have), earlier(to, haveTo); !hi.Before(lo) {
		pulls = append(pulls, pull{From: lo, To: hi, Since: since, Have: lo, HaveTo: hi})
	}
	if to.After(haveTo) {
		pulls = append(pulls, months(haveTo.AddDate(0, 0, 1), to)...)
	}
	return pulls, next
}

// throughText is a cut as the cache records it ("" for none).
func throughText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// cutTime reads a cut the cache recorded (zero for none).
func cutTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return t
}

// day0 is t's UTC day.
func day0(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// maxJoinedDays is how many days the cache lacks may go in the statement
// for the days touched since the watermark: a daily build's new day goes
// there, and no result grows past about a month of days.
const maxJoinedDays = 31

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// months splits [from, to] into calendar months: a full pull runs one
// statement per month, which keeps each result a month at most.
func months(from, to time.Time) []pull {
	var out []pull
	for start := from; !start.After(to); {
		next := time.Date(start.Year(), start.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		end := next.AddDate(0, 0, -1)
		if end.After(to) {
			end = to
		}
		out = append(out, pull{From: start, To: end})
		start = next
	}
	return out
}

// client is the workspace client of the SDK's unified auth, for a source
// that names its SQL warehouse.
func (s Source) client() (*databricks.WorkspaceClient, error) {
	if s.WarehouseID == "" {
		return nil, fmt.Errorf("databricks source: no SQL warehouse: set --warehouse-id or DATABRICKS_WAREHOUSE_ID")
	}
	w, err := dbclient.Workspace(dbclient.Options{Profile: s.Profile, ConnectTimeout: s.ConnectTimeout, Log: s.Log, SDK: s.SDK})
	if err != nil {
		return nil, fmt.Errorf("databricks source: %w: %s", ErrAuth, err)
	}
	return w, nil
}

func (s Source) executor(api sql.StatementExecutionInterface) *executor {
	x := &executor{
		api:          api,
		warehouseID:  s.WarehouseID,
		startTimeout: s.StartTimeout,
		poll:         s.PollInterval,
		retry:        retryPolicy{attempts: retryAttempts, backoff: s.RetryBackoff},
		log:          s.Log,
		links:        s.LinkClient,
	}
	if x.links == nil {
		x.links = newLinkClient()
	}
	if x.startTimeout <= 0 {
		x.startTimeout = DefaultStartTimeout
	}
	if x.poll <= 0 {
		x.poll = time.Second
	}
	if x.retry.backoff <= 0 {
		x.retry.backoff = time.Second
	}
	return x
}

// result reads the cached rows of the window's days as facts: the days
// and hours as the warehouse sent them, the months rolled up from the
// detail of every day, which is then cut to the detail grain.
func (s Source) result(c *cache) (attribution.Result, error) {
	var col attribution.Collector
	for _, d := range c.days(s.From, s.To) {
		if err := addRows(&col, c.Days[d]); err != nil {
			return attribution.Result{}, fmt.Errorf("databricks cache: usage day %s: %w", d, err)
		}
	}
	res := col.Result()
	res.Rows = col.DetailRecords()
	from := s.DetailFrom
	if from.IsZero() {
		var last time.Time
		for _, f := range res.Facts.Detail {
			last = later(last, f.Date)
		}
		from = budget.DetailStart(last)
	}
	res.Facts.Months = budget.RollUp(res.Facts.Detail, time.Time{}).Months
	res.Facts.Detail = slices.DeleteFunc(res.Facts.Detail, func(f budget.Fact) bool { return f.Date.Before(from) })
	res.Facts.DetailFrom = from
	return res, nil
}

// addRows hands rows to col; the warehouse's nulls arrive as empty text,
// which the collector reads as it reads null.
func addRows(col *attribution.Collector, rows [][]string) error {
	for _, r := range rows {
		row := make([]*string, len(r))
		for i := range r {
			row[i] = &r[i]
		}
		if err := col.Add(row); err != nil {
			return err
		}
	}
	return nil
}

func day(t time.Time) string { return t.Format(time.DateOnly) }
