package trail

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// The suite every Store passes; file_test.go and table_test.go run it.

var t0 = time.Date(2026, 7, 15, 9, 30, 0, 123456789, time.UTC)

// decision is a scale-down decision under key, the i-th of a test.
func decision(i int, key string) Decision {
	return Decision{
		Time: t0.Add(time.Duration(i) * time.Second), Key: key,
		Caller: "ops@novadynamics.test", Role: "operator", Tool: ToolScaleCluster, Outcome: DryRun,
		Arguments: json.RawMessage(`{"cluster_id": "0715-093000-abc", "workers": 2}`),
		Reason:    "category DEEP_SPACE_TELEMETRY is dry-run <&>", Category: "DEEP_SPACE_TELEMETRY", Owner: "ada@novadynamics.test",
		Before:           &Cluster{ID: "0715-093000-abc", Name: "telemetry-etl", State: "RUNNING", Workers: 8},
		After:            &Cluster{ID: "0715-093000-abc", Name: "telemetry-etl", State: "RUNNING", Workers: 2},
		SavingsHourlyUSD: "4.50", SavingsMonthlyUSD: "1234.567",
		DataAsOf: time.Date(2026, 7, 15, 8, 0, 0, 0, time.UTC),
		Answer:   json.RawMessage(fmt.Sprintf(`{"status": "dry_run", "n": %d, "big": 12345678901234567890}`, i)),
	}
}

// testAppendLookup: an appended decision reads back as it was given (times
// to the millisecond), chained; a second append of its key returns the
// first entry and writes nothing.
func testAppendLookup(t *testing.T, s Store) {
	ctx := t.Context()
	if _, ok, err := s.Lookup(ctx, "evt-1"); ok || err != nil {
		t.Fatalf("lookup in an empty trail: %v, %v", ok, err)
	}
	if h, err := s.Verify(ctx, ""); err != nil || h.Entries != 0 {
		t.Fatalf("empty trail verifies as %+v, %v", h, err)
	}
	first, inserted, err := s.Append(ctx, decision(0, "evt-1"))
	if err != nil || !inserted {
		t.Fatalf("first append: %v, inserted %v", err, inserted)
	}
	if first.Seq != 1 || first.PrevHash != "" || len(first.Hash) != 64 || !first.Time.Equal(t0.Truncate(time.Millisecond)) {
		t.Errorf("first entry %+v", first)
	}
	again := decision(1, "evt-1")
	again.Answer = json.RawMessage(`{"status": "acted"}`)
	dup, inserted, err := s.Append(ctx, again)
	if err != nil || inserted {
		t.Fatalf("second append of the key: %v, inserted %v", err, inserted)
	}
	if dup.Hash != first.Hash || !strings.Contains(string(dup.Answer), `"n":0`) {
		t.Errorf("redelivery got %+v, want the first entry and its answer", dup)
	}
	second, inserted, err := s.Append(ctx, decision(2, "evt-2"))
	if err != nil || !inserted || second.Seq != 2 || second.PrevHash != first.Hash {
		t.Fatalf("append of another key: %+v, %v, %v", second, inserted, err)
	}
	got, ok, err := s.Lookup(ctx, "evt-1")
	if err != nil || !ok {
		t.Fatalf("lookup: %v, %v", ok, err)
	}
	want := first
	if got.Hash != want.Hash || got.Key != "evt-1" || got.Before == nil || got.Before.Workers != 8 || got.After.Workers != 2 ||
		got.SavingsMonthlyUSD != "1234.567" || got.Reason != "category DEEP_SPACE_TELEMETRY is dry-run <&>" ||
		!got.DataAsOf.Equal(time.Date(2026, 7, 15, 8, 0, 0, 0, time.UTC)) || !strings.Contains(string(got.Answer), "12345678901234567890") {
		t.Errorf("lookup = %+v\nwant %+v", got, want)
	}
	h, err := s.Verify(ctx, first.Hash)
	if err != nil || h.Entries != 2 || h.Hash != second.Hash || h.SinceExpected != 1 {
		t.Errorf("verify = %+v, %v", h, err)
	}
	entries, err := s.Entries(ctx)
	if err != nil || len(entries) != 2 || entries[1].Key != "evt-2" {
		t.Errorf("entries = %d, %v", len(entries), err)
	}
	// A decision without a time is refused before anything is written.
	bad := decision(3, "evt-3")
	bad.Time = time.Time{}
	if _, _, err := s.Append(ctx, bad); !errors.Is(err, ErrInvalid) {
		t.Errorf("append without a time: %v, want ErrInvalid", err)
	}
	// So is a trail that does not hold the head it should.
	if _, err := s.Verify(ctx, strings.Repeat("ab", 32)); !errors.Is(err, ErrBroken) {
		t.Errorf("verify against a foreign head: %v, want ErrBroken", err)
	}
}

// appendAll appends one decision per key from workers goroutines at once.
func appendAll(t *testing.T, s Store, workers int, keys []string) (inserted int) {
	t.Helper()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		next int
	)
	for range workers {
		wg.Go(func() {
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= len(keys) {
					return
				}
				_, ok, err := s.Append(t.Context(), decision(i, keys[i]))
				if err != nil {
					t.Errorf("append %s: %v", keys[i], err)
					return
				}
				if ok {
					mu.Lock()
					inserted++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return inserted
}

// checkTrail verifies the trail holds exactly keys, each once, chained.
func checkTrail(t *testing.T, s Store, keys []string) {
	t.Helper()
	h, err := s.Verify(t.Context(), "")
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	entries, err := s.Entries(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, k := range keys {
		want[k] = true
	}
	if h.Entries != len(want) || len(entries) != len(want) {
		t.Fatalf("the trail holds %d entries (head says %d), want %d", len(entries), h.Entries, len(want))
	}
	for i, e := range entries {
		if !want[e.Key] {
			t.Errorf("entry %d: key %q was not appended", i+1, e.Key)
		}
		if e.Seq != int64(i+1) || (i > 0 && e.PrevHash != entries[i-1].Hash) {
			t.Errorf("entry %d: seq %d prev %s", i+1, e.Seq, e.PrevHash)
		}
	}
}

func distinctKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("req-%04d", i)
	}
	return keys
}

// testOneKey: concurrent appends of one key insert it once.
func testOneKey(t *testing.T, s Store, n int) {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = "evt-redelivered"
	}
	if got := appendAll(t, s, n, keys); got != 1 {
		t.Errorf("%d appends of one key inserted %d entries, want 1", n, got)
	}
	checkTrail(t, s, keys[:1])
}
