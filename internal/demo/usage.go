package demo

import (
	"errors"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"time"

	"github.com/novadynamics/stellar-budget/internal/billing"
	"github.com/novadynamics/stellar-budget/internal/budget"
)

// Config says which account to generate and when it is read.
type Config struct {
	// Division names the account's categories: TagValue, Slug and
	// Policy.NodeTypes are read, budgets are not.
	Division budget.Division
	// Through is the instant the account is read at: the usage hours that
	// have ended by then (usage_end_time <= Through, truncated down to the
	// hour) and the records ingested before it exist. The whole of a day d
	// is Through = d + 24h.
	Through time.Time
	// Rows is 0 for the natural demo size, N > 0 for exactly N usage
	// records.
	Rows int64
}

// Usage streams the demo account's system.billing.usage records, hour by
// hour, to emit and stops at emit's first error. Memory stays bounded
// whatever cfg.Rows is.
//
// Records share their CustomTags maps with other records of the same
// resource owner: consumers must treat them as read-only.
func Usage(cfg Config, emit func(billing.UsageRecord) error) error {
	g, err := newGenerator(cfg)
	if err != nil {
		return fmt.Errorf("generate demo usage: %w", err)
	}
	return g.run(emit)
}

// generator holds one Usage run. It walks the hours twice with the same
// seeds: first to total each stream's activity per period and the natural
// record count, then to emit, spending each stream's period target in
// proportion to its activity and spreading rows across hours so that
// exactly the asked number comes out.
type generator struct {
	cal     calendar
	groups  []group
	streams []stream
	pcg     *rand.PCG
	rng     *rand.Rand

	activity [][]float64 // per stream and period: summed plan weights
	target   [][]float64 // per stream and period: USD to spend
	natural  uint64      // records at the natural size
	rows     uint64      // records to emit

	carry   []float64 // per stream: spend of hours that got no record
	cum     uint64    // natural records walked so far
	emitted uint64    // records emitted so far; may run ahead of scaled(cum)
	rec     billing.UsageRecord
}

func newGenerator(cfg Config) (*generator, error) {
	if cfg.Through.IsZero() {
		return nil, errors.New("the time the account is read at (Through) is not set")
	}
	if cfg.Rows < 0 {
		return nil, fmt.Errorf("rows %d is negative", cfg.Rows)
	}
	if len(cfg.Division.Categories) == 0 {
		return nil, errors.New("the division has no categories")
	}
	ms := members(cfg.Division)
	cal := newCalendar(cfg.Through)
	r := scenarioRoles(ms)
	b := streamSet{spans: priceSpans(cal), names: newNamePool(),
		untaggedGroup: len(ms), unknownGroup: len(ms) + 1, unpricedGroup: len(ms) + 2}
	g := &generator{cal: cal}
	usual := 0.0
	for i, m := range ms {
		g.groups = append(g.groups, memberGroup(m, i, r))
		usual += m.profile.usual
		b.memberStreams(ms, i, r)
	}
	b.bucketStreams()
	for _, share := range []float64{untaggedShare, unknownValueShare, unpricedShare} {
		g.groups = append(g.groups, group{usual: usual * share, part: bucket})
	}
	g.streams = b.streams
	g.pcg = rand.NewPCG(0, 0)
	g.rng = rand.New(g.pcg)
	g.size()
	g.rows = g.natural
	if cfg.Rows > 0 {
		if g.natural == 0 {
			return nil, fmt.Errorf("no usage hour of the division ends by %s to spread %d rows over", cal.through.Format(time.RFC3339), cfg.Rows)
		}
		g.rows = uint64(cfg.Rows)
	}
	g.carry = make([]float64, len(g.streams))
	g.rec = billing.UsageRecord{AccountID: accountID, Cloud: cloud, UsageUnit: dbu, UsageType: "COMPUTE_TIME"}
	return g, nil
}

// walk calls visit for every active stream hour in time order, up to end,
// reseeding the random source per month so every walk draws the same plans
// for the same hours, whatever end is.
func (g *generator) walk(end time.Time, visit func(pi, si int, h *hour, p plan) error) error {
	var h hour
	for pi, p := range g.cal.periods {
		g.pcg.Seed(seed, uint64(p.start.Unix()))
		for t := p.start; t.Before(p.end) && t.Before(end); t = t.Add(time.Hour) {
			h.set(t, g.cal.through)
			for si := range g.streams {
				pl := g.streams[si].plan(&h, g.rng)
				if pl.records == 0 {
					continue
				}
				if err := visit(pi, si, &h, pl); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// size totals activity over whole months and natural records up to
// through, then sets each stream's spend target per month: its share of
// the group's target among the group's streams active in the month, or
// the spike. Every figure is of whole months, so an hour's spend does not
// depend on where the account's last hour falls.
func (g *generator) size() {
	np := len(g.cal.periods)
	g.activity = make([][]float64, len(g.streams))
	g.target = make([][]float64, len(g.streams))
	for si := range g.streams {
		g.activity[si] = make([]float64, np)
		g.target[si] = make([]float64, np)
	}
	// This visit cannot fail, so neither can the walk.
	last := g.cal.periods[len(g.cal.periods)-1].end
	_ = g.walk(last, func(pi, si int, h *hour, p plan) error {
		g.activity[si][pi] += p.weight
		if !h.end.After(g.cal.through) {
			g.natural += p.records
		}
		return nil
	})
	for pi, p := range g.cal.periods {
		activeShare := make([]float64, len(g.groups))
		for si, s := range g.streams {
			if g.activity[si][pi] > 0 && !s.spike {
				activeShare[s.group] += s.share
			}
		}
		for si, s := range g.streams {
			if g.activity[si][pi] == 0 {
				continue
			}
			monthly := g.groups[s.group].monthly(p.start)
			if s.spike {
				g.target[si][pi] = spikeMultiple * monthly / p.days
				continue
			}
			g.target[si][pi] = monthly * s.share / activeShare[s.group]
		}
	}
}

// scaled is how many records the first c natural records become:
// floor(rows × c / natural), so every prefix of the walk is in proportion
// and the whole walk gives exactly rows.
func (g *generator) scaled(c uint64) uint64 {
	hi, lo := bits.Mul64(g.rows, c)
	q, _ := bits.Div64(hi, lo, g.natural)
	return q
}

func (g *generator) run(emit func(billing.UsageRecord) error) error {
	return g.walk(g.cal.through, func(pi, si int, h *hour, p plan) error {
		s := &g.streams[si]
		cost := g.target[si][pi]*p.weight/g.activity[si][pi] + g.carry[si]
		g.cum += p.records
		k := 0
		if due := g.scaled(g.cum); due > g.emitted {
			k = int(due - g.emitted)
		}
		// A correction needs three records. When the hour gets at least one,
		// lend it the other two: later hours give them back, and the total
		// stays exact as long as the loan fits in what is left to emit.
		if p.corrected && !h.pending && k > 0 && k < 3 && g.emitted+3 <= g.rows {
			k = 3
		}
		g.emitted += uint64(k)
		if k == 0 {
			// Too few rows asked for this hour to get one: its spend goes
			// to the stream's next record.
			g.carry[si] = cost
			return nil
		}
		g.carry[si] = 0
		return g.emitHour(s, h, p, k, cost, emit)
	})
}
