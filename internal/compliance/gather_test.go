package compliance

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/audit"
	"github.com/novadynamics/stellar-budget/internal/audit/audittest"
	"github.com/novadynamics/stellar-budget/internal/budget"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// TestGatherNotLive: a build that does not read a live workspace gets the
// tagged share of last month's spend and the audit head, and notes saying
// why resource compliance and drift are not there.
func TestGatherNotLive(t *testing.T) {
	asOf := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	facts := []budget.Fact{
		{Date: time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC), Category: "EXPLORATORY_MISSIONS", Cost: budget.MustDecimal("90")},
		{Date: time.Date(2026, 10, 3, 0, 0, 0, 0, time.UTC), Category: budget.Unattributed, Cost: budget.MustDecimal("10")},
		{Date: time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC), Category: budget.Unattributed, Cost: budget.MustDecimal("500")}, // this month
	}
	tests := []struct {
		name       string
		databricks bool
		note       string
	}{
		{"demo or files", false, NoteLiveOnly},
		{"databricks --offline", true, NoteOffline},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			state := t.TempDir()
			head := audittest.Append(t, state, 2, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
			g := Gather(t.Context(), Page{Facts: facts, AsOf: asOf, Source: "demo", StateDir: state, Databricks: tc.databricks}, quiet)
			s := g.TaggedSpend
			if s.Month.Format("2006-01") != "2026-10" || s.Total.Cents() != "100.00" || s.Attributed.Cents() != "90.00" || s.AttributedPct == nil || *s.AttributedPct != 90 || s.Source != "demo" {
				t.Errorf("tagged spend %+v, want 90.00 of October's 100.00 (90 %%) from demo", s)
			}
			if g.Resources != nil || g.Drift != nil || g.ResourcesNote != tc.note || g.DriftNote != tc.note {
				t.Errorf("resources %v (%q), drift %v (%q); want neither, noted %q", g.Resources, g.ResourcesNote, g.Drift, g.DriftNote, tc.note)
			}
			if g.Audit == nil || !g.Audit.Verified || g.Audit.Hash != head.Hash || g.Audit.Entries != 2 || g.AuditNote != "" {
				t.Errorf("audit %+v (%q), want head %s of 2 entries", g.Audit, g.AuditNote, head.Hash)
			}
		})
	}
}

// TestAuditHead: the audit log's state as the page shows it; a broken
// chain is a figure, not an error.
func TestAuditHead(t *testing.T) {
	tests := []struct {
		name     string
		prepare  func(t *testing.T, dir string)
		noState  bool
		note     string
		entries  int
		verified bool
		broken   string
	}{
		{name: "no state directory", noState: true, note: NoteNoState},
		{name: "no log", prepare: func(*testing.T, string) {}, note: NoteNoAudit},
		{name: "empty log", prepare: func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, audit.FileName), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}, verified: true},
		{name: "two entries", prepare: func(t *testing.T, dir string) {
			audittest.Append(t, dir, 2, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
		}, entries: 2, verified: true},
		{name: "an edited entry", prepare: func(t *testing.T, dir string) {
			audittest.Append(t, dir, 2, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
			audittest.Tamper(t, dir)
		}, broken: "line 1"},
		{name: "a removed entry", prepare: func(t *testing.T, dir string) {
			audittest.Append(t, dir, 3, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
			path := filepath.Join(dir, audit.FileName)
			b, _ := os.ReadFile(path)
			lines := strings.SplitAfter(string(b), "\n")
			if err := os.WriteFile(path, []byte(lines[0]+lines[2]), 0o644); err != nil {
				t.Fatal(err)
			}
		}, broken: "line 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := ""
			if !tc.noState {
				dir = t.TempDir()
				tc.prepare(t, dir)
			}
			a, note := auditHead(dir, quiet)
			if note != tc.note {
				t.Errorf("note %q, want %q", note, tc.note)
			}
			if tc.note != "" {
				if a != nil {
					t.Errorf("head %+v without a log", a)
				}
				return
			}
			if a == nil {
				t.Fatal("no head")
			}
			if a.Verified != tc.verified || a.Entries != tc.entries || (a.Hash == "") != (tc.entries == 0) {
				t.Errorf("head %+v, want %d entries, verified %v", a, tc.entries, tc.verified)
			}
			if tc.broken != "" && (!strings.Contains(a.Error, tc.broken) || strings.Contains(a.Error, "\n")) {
				t.Errorf("error %q, want one line naming %q", a.Error, tc.broken)
			}
		})
	}
}
