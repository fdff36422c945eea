package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// target is one kind of request the load sends: where, with which
// headers, the i-th body, and what a right answer is.
type target struct {
	name   string
	url    string
	header http.Header
	body   func(i int) []byte
	check  func(status int, body []byte) error
}

// load is how much a round sends: requests in all, or for duration when
// it is set, from clients goroutines, each waiting for its answer before
// it sends again.
type load struct {
	clients  int
	requests int
	duration time.Duration
}

// stats are one round's figures.
type stats struct {
	requests  int
	p50, p99  time.Duration
	perSecond float64
}

// run sends l's requests to t and measures each from before it is sent
// to its answer's last byte. The first wrong answer or failed request
// stops the round and is its error.
func run(ctx context.Context, client *http.Client, t target, l load) (stats, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		failOnce sync.Once
		failure  error
	)
	fail := func(err error) {
		failOnce.Do(func() { failure = err; cancel(err) })
	}
	latencies := make([][]time.Duration, l.clients)
	start := time.Now()
	deadline := start.Add(l.duration)
	for c := range l.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if l.duration > 0 && time.Now().After(deadline) || l.duration <= 0 && i >= l.requests {
					return
				}
				d, err := send(ctx, client, t, i)
				if err != nil {
					fail(fmt.Errorf("%s request %d: %w", t.name, i, err))
					return
				}
				latencies[c] = append(latencies[c], d)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if failure != nil {
		return stats{}, failure
	}
	if err := ctx.Err(); err != nil {
		return stats{}, err
	}
	all := slices.Concat(latencies...)
	if len(all) == 0 {
		return stats{}, fmt.Errorf("%s: no request was sent", t.name)
	}
	slices.Sort(all)
	return stats{
		requests:  len(all),
		p50:       percentile(all, 0.50),
		p99:       percentile(all, 0.99),
		perSecond: float64(len(all)) / elapsed.Seconds(),
	}, nil
}

// send makes t's i-th request and checks its answer; the duration is the
// request's alone, not the check's.
func send(ctx context.Context, client *http.Client, t target, i int) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(t.body(i)))
	if err != nil {
		return 0, err
	}
	req.Header = t.header.Clone()
	began := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(began)
	if err != nil {
		return 0, fmt.Errorf("read the answer: %w", err)
	}
	if err := t.check(resp.StatusCode, body); err != nil {
		return 0, err
	}
	return took, nil
}

// percentile is the nearest-rank percentile of sorted values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}

// comparison is the same load on two targets, measured alternately.
type comparison struct {
	base, subject []stats // one per round
}

// compare runs a warm-up of each target (connections opened, caches
// filled; not counted), then rounds of both, alternating which goes first
// so that a drift of the machine's speed weighs on both alike.
func compare(ctx context.Context, client *http.Client, base, subject target, l load, rounds int, progress func(string)) (comparison, error) {
	warm := load{clients: l.clients, requests: 2 * l.clients}
	for _, t := range []target{base, subject} {
		if _, err := run(ctx, client, t, warm); err != nil {
			return comparison{}, fmt.Errorf("warm-up: %w", err)
		}
	}
	var out comparison
	for r := range rounds {
		order := []*[]stats{&out.base, &out.subject}
		targets := []target{base, subject}
		if r%2 == 1 {
			slices.Reverse(order)
			slices.Reverse(targets)
		}
		for k, t := range targets {
			s, err := run(ctx, client, t, l)
			if err != nil {
				return comparison{}, fmt.Errorf("round %d: %w", r+1, err)
			}
			progress(fmt.Sprintf("round %d/%d %s: p50 %s p99 %s, %.0f requests/s", r+1, rounds, t.name, ms(s.p50), ms(s.p99), s.perSecond))
			*order[k] = append(*order[k], s)
		}
	}
	return out, nil
}

// median is each figure's median over the rounds (of an even count, the
// mean of the middle two).
func median(rounds []stats) stats {
	if len(rounds) == 0 {
		return stats{}
	}
	pick := func(f func(stats) float64) float64 {
		v := make([]float64, len(rounds))
		for i, s := range rounds {
			v[i] = f(s)
		}
		return medianOf(v)
	}
	return stats{
		requests:  int(pick(func(s stats) float64 { return float64(s.requests) })),
		p50:       time.Duration(pick(func(s stats) float64 { return float64(s.p50) })),
		p99:       time.Duration(pick(func(s stats) float64 { return float64(s.p99) })),
		perSecond: pick(func(s stats) float64 { return s.perSecond }),
	}
}

func medianOf(v []float64) float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// ratios are the subject's p99 over the base's, round by round, and of
// the medians.
func (c comparison) ratios() (perRound []float64, ofMedians float64, err error) {
	if len(c.base) == 0 || len(c.base) != len(c.subject) {
		return nil, 0, errors.New("no rounds to compare")
	}
	for i := range c.base {
		perRound = append(perRound, float64(c.subject[i].p99)/float64(c.base[i].p99))
	}
	return perRound, float64(median(c.subject).p99) / float64(median(c.base).p99), nil
}

// ms formats a latency in milliseconds.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}
