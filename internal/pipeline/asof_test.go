package pipeline

import (
	"testing"
	"time"
)

func TestParseAsOf(t *testing.T) {
	now := time.Date(2026, 12, 5, 8, 41, 0, 0, time.UTC)
	tests := []struct {
		name, in string
		want     time.Time
		through  time.Time
	}{
		{"empty is the source's default", "", time.Time{}, time.Time{}},
		{"a past date is the whole day", "2026-11-23", time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)},
		{"today is up to the last full hour", "2026-12-05", time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC), time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)},
		{"a later date is its whole day", "2026-12-09", time.Date(2026, 12, 9, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC)},
		{"a time is that instant", "2026-11-23T08:00Z", time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC), time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)},
		{"minutes are kept", "2026-11-23T08:30Z", time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC), time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC)},
		{"midnight is the whole day before", "2026-11-23T00:00Z", time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)},
		{"an offset is read as UTC", "2026-11-23T09:00+01:00", time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC), time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)},
		{"RFC 3339 with seconds", "2026-11-23T23:00:00Z", time.Date(2026, 11, 23, 23, 0, 0, 0, time.UTC), time.Date(2026, 11, 23, 23, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseAsOf(tc.in, now)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tc.want) {
				t.Errorf("ParseAsOf(%q) = %s, want %s", tc.in, got, tc.want)
			}
			if !got.IsZero() && !Through(got).Equal(tc.through) {
				t.Errorf("Through(%s) = %s, want %s", got, Through(got), tc.through)
			}
		})
	}
	for _, bad := range []string{"2026-13-40", "23/11/2026", "2026-11-23 08:00", "today"} {
		if _, err := ParseAsOf(bad, now); err == nil {
			t.Errorf("ParseAsOf(%q) took it", bad)
		}
	}
}

// Just after midnight, today's last full hour ends at midnight: the as-of
// is the whole of yesterday.
func TestTodayJustAfterMidnight(t *testing.T) {
	got := Today(time.Date(2026, 12, 5, 0, 20, 0, 0, time.UTC))
	if want := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Today = %s, want %s", got, want)
	}
}

func FuzzParseAsOf(f *testing.F) {
	for _, s := range []string{"2026-11-23", "2026-11-23T08:00Z", "2026-11-23T09:00+01:00", "", "x"} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 5, 8, 41, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		asOf, err := ParseAsOf(s, now)
		if err != nil || asOf.IsZero() {
			return
		}
		if asOf.Location() != time.UTC {
			t.Fatalf("ParseAsOf(%q) = %s, not UTC", s, asOf)
		}
		if through := Through(asOf); !through.After(asOf.Add(-time.Nanosecond)) || !AsOfAt(through).Equal(asOf) {
			t.Fatalf("ParseAsOf(%q) = %s: Through %s does not round-trip", s, asOf, through)
		}
	})
}
