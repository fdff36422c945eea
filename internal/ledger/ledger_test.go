package ledger

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

var (
	oct  = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	nov  = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	asOf = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
)

func clock() time.Time { return time.Date(2026, 11, 20, 6, 30, 0, 0, time.UTC) }

func alert(m time.Time, pct int) budget.Alert {
	return budget.Alert{Category: "EXPLORATORY_MISSIONS", Kind: budget.AlertThreshold, Month: m, Time: m.AddDate(0, 0, 4), Threshold: pct}
}

func open(t *testing.T, dir string) *Ledger {
	t.Helper()
	l, err := Open(dir, Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func begin(t *testing.T, l *Ledger) *Run {
	t.Helper()
	r, err := l.Begin()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.End() })
	return r
}

func claim(t *testing.T, r *Run, channel string, resend bool, alerts ...budget.Alert) []string {
	t.Helper()
	got, err := r.Claim(ClaimRequest{Channel: channel, AsOf: asOf, ResendInDoubt: resend, Alerts: alerts})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, a := range got {
		if a.Status != budget.AlertPending {
			t.Errorf("claimed %s with status %s", a.Key(), a.Status)
		}
		keys = append(keys, a.Key())
	}
	return keys
}

func record(t *testing.T, r *Run, channel, status string, alerts ...budget.Alert) []budget.Alert {
	t.Helper()
	for i := range alerts {
		alerts[i].Status = status
	}
	out, err := r.Record(channel, alerts)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func status(t *testing.T, dir string, a budget.Alert) string {
	t.Helper()
	out, err := Statuses(dir, []budget.Alert{a})
	if err != nil {
		t.Fatal(err)
	}
	return out[0].Status
}

// TestLifecycle walks one alert through the ledger's states.
func TestLifecycle(t *testing.T) {
	dir := t.TempDir()
	l := open(t, dir)
	a := alert(nov, 90)
	old := alert(oct, 90)

	r1 := begin(t, l)
	if got := claim(t, r1, "email", false, a, old, a); len(got) != 1 || got[0] != a.Key() {
		t.Fatalf("first claim %v, want only the as-of month's alert, once", got)
	}
	if s := status(t, dir, old); s != budget.AlertNotSent {
		t.Errorf("older month: %s, want not-sent", s)
	}
	if s := status(t, dir, a); s != budget.AlertPending {
		t.Errorf("claimed by a live run: %s, want pending", s)
	}
	if got := claim(t, begin(t, l), "email", true, a); len(got) != 0 {
		t.Errorf("another run claimed an alert in flight: %v", got)
	}
	if out := record(t, r1, "email", budget.AlertPending, a); out[0].Status != budget.AlertPending {
		t.Errorf("recorded %s", out[0].Status)
	}
	r1.End()

	// tries 2..5: each build claims the pending alert again; the fifth
	// failure is final.
	for try := 2; try <= DefaultMaxTries; try++ {
		r := begin(t, l)
		if got := claim(t, r, "email", false, a); len(got) != 1 {
			t.Fatalf("try %d: claimed %v", try, got)
		}
		out := record(t, r, "email", budget.AlertPending, a)
		want := budget.AlertPending
		if try == DefaultMaxTries {
			want = budget.AlertFailed
		}
		if out[0].Status != want {
			t.Errorf("try %d: %s, want %s", try, out[0].Status, want)
		}
		r.End()
	}
	if got := claim(t, begin(t, l), "email", true, a); len(got) != 0 {
		t.Errorf("a failed alert was claimed: %v", got)
	}
	f, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	e := f.index()[a.Key()]
	if d := e.Deliveries["email"]; d.Tries != DefaultMaxTries || d.Status != budget.AlertFailed || d.Claim != "" {
		t.Errorf("delivery %+v", d)
	}
	if e.Status != budget.AlertFailed || e.Month != "2026-11" || e.Time != "2026-11-05" {
		t.Errorf("entry %+v", e)
	}
}

// TestChannelsAreSeparate: a channel added later gets the as-of month's
// alerts; sending on one channel does not count for another; the alert's
// status sums up both.
func TestChannelsAreSeparate(t *testing.T) {
	dir := t.TempDir()
	l := open(t, dir)
	a := alert(nov, 90)
	r := begin(t, l)
	claim(t, r, "email", false, a)
	record(t, r, "email", budget.AlertSent, a)
	if s := status(t, dir, a); s != budget.AlertSent {
		t.Errorf("email sent: %s", s)
	}
	if got := claim(t, r, "slack", false, a); len(got) != 1 {
		t.Fatalf("slack claimed %v", got)
	}
	record(t, r, "slack", budget.AlertPending, a)
	if s := status(t, dir, a); s != budget.AlertPending {
		t.Errorf("email sent, slack pending: %s, want pending", s)
	}
	r.End()
	r2 := begin(t, l)
	if got := claim(t, r2, "email", false, a); len(got) != 0 {
		t.Errorf("email claimed again: %v", got)
	}
	claim(t, r2, "slack", false, a)
	record(t, r2, "slack", budget.AlertInDoubt, a)
	if s := status(t, dir, a); s != budget.AlertInDoubt {
		t.Errorf("email sent, slack in-doubt: %s, want in-doubt", s)
	}
}

// TestDeadClaimIsInDoubt: a run that ends without recording leaves its
// claims in-doubt, for the view at once and for the next claim; only
// ResendInDoubt claims them again, and recording then settles them.
func TestDeadClaimIsInDoubt(t *testing.T) {
	dir := t.TempDir()
	l := open(t, dir)
	a := alert(nov, 90)
	r := begin(t, l)
	claim(t, r, "email", false, a)
	r.End() // dies without recording
	if s := status(t, dir, a); s != budget.AlertInDoubt {
		t.Errorf("view: %s, want in-doubt", s)
	}
	r2 := begin(t, l)
	if got := claim(t, r2, "email", false, a); len(got) != 0 {
		t.Errorf("in-doubt claimed without ResendInDoubt: %v", got)
	}
	f, _ := Load(dir)
	if d := f.index()[a.Key()].Deliveries["email"]; d.Status != budget.AlertInDoubt || d.Claim != r.ID {
		t.Errorf("stored %+v, want in-doubt with the dead run's claim", d)
	}
	if got := claim(t, r2, "email", true, a); len(got) != 1 {
		t.Fatalf("ResendInDoubt claimed %v", got)
	}
	record(t, r2, "email", budget.AlertSent, a)
	if s := status(t, dir, a); s != budget.AlertSent {
		t.Errorf("after resend: %s", s)
	}
}

// TestRetention drops entries of months older than the retention and does
// not record alerts that old.
func TestRetention(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(dir, Options{Now: clock, RetentionMonths: 2})
	if err != nil {
		t.Fatal(err)
	}
	aug := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	sep := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	r := begin(t, l)
	// An earlier build, as of September, recorded August and September.
	if _, err := r.Claim(ClaimRequest{Channel: "email", AsOf: sep, Alerts: []budget.Alert{alert(aug, 50), alert(sep, 50)}}); err != nil {
		t.Fatal(err)
	}
	claim(t, r, "email", false, alert(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), 50), alert(nov, 50))
	f, _ := Load(dir)
	var months []string
	for _, e := range f.Entries {
		months = append(months, e.Month)
	}
	if strings.Join(months, " ") != "2026-09 2026-11" {
		t.Errorf("months kept %v, want 2026-09 (2 months before November) and 2026-11", months)
	}
}

// TestStatusesReadOnly: the view creates no directory and changes no file.
func TestStatusesReadOnly(t *testing.T) {
	missing := filepath.Join(t.TempDir(), ".stellar-state")
	out, err := Statuses(missing, []budget.Alert{alert(nov, 90), alert(oct, 50)})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range out {
		if a.Status != budget.AlertNotSent {
			t.Errorf("no ledger: %s is %s", a.Key(), a.Status)
		}
	}
	if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the view created the state directory: %v", err)
	}

	dir := t.TempDir()
	l := open(t, dir)
	sent, pending, dead := alert(nov, 50), alert(nov, 75), alert(nov, 90)
	r := begin(t, l)
	claim(t, r, "email", false, sent, pending, dead, alert(oct, 50))
	record(t, r, "email", budget.AlertSent, sent)
	record(t, r, "email", budget.AlertPending, pending)
	r.End() // dead's claim is never recorded

	before := snapshot(t, dir)
	out, err = Statuses(dir, []budget.Alert{sent, pending, dead, alert(oct, 50), alert(nov, 100)})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{budget.AlertSent, budget.AlertPending, budget.AlertInDoubt, budget.AlertNotSent, budget.AlertNotSent}
	for i, a := range out {
		if a.Status != want[i] {
			t.Errorf("%s: %s, want %s", a.Key(), a.Status, want[i])
		}
	}
	if after := snapshot(t, dir); after != before {
		t.Errorf("the view changed the state directory:\nbefore %s\nafter  %s", before, after)
	}
}

// snapshot describes every file under dir: name, size, time and content.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		b.WriteString(p + " " + info.ModTime().String() + " " + info.Mode().String())
		if !d.IsDir() {
			c, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b.Write(c)
		}
		b.WriteString("\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestCorruptLedger: a ledger that does not parse stops claiming with a
// message that says what to do, and is left as it is.
func TestCorruptLedger(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	if err := os.WriteFile(path, []byte(`{"version": 1, "alerts": [`), 0o600); err != nil {
		t.Fatal(err)
	}
	l := open(t, dir)
	_, err := begin(t, l).Claim(ClaimRequest{Channel: "email", AsOf: asOf, Alerts: []budget.Alert{alert(nov, 90)}})
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "move it aside") {
		t.Errorf("claim on a corrupt ledger: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != `{"version": 1, "alerts": [` {
		t.Errorf("corrupt ledger rewritten: %s", b)
	}
	if _, err := Statuses(dir, []budget.Alert{alert(nov, 90)}); err == nil {
		t.Error("the view read a corrupt ledger without an error")
	}
}

// TestWritesAreAtomic: after claims and records only the ledger, its lock
// and the runs directory are left: no temporary files.
func TestWritesAreAtomic(t *testing.T) {
	dir := t.TempDir()
	l := open(t, dir)
	r := begin(t, l)
	a := alert(nov, 90)
	claim(t, r, "email", false, a)
	record(t, r, "email", budget.AlertSent, a)
	r.End()
	names, _ := os.ReadDir(dir)
	var got []string
	for _, n := range names {
		got = append(got, n.Name())
	}
	if strings.Join(got, " ") != "alert-runs alerts.json alerts.lock" {
		t.Errorf("state directory holds %v", got)
	}
	runs, _ := os.ReadDir(filepath.Join(dir, RunsDir))
	if len(runs) != 0 {
		t.Errorf("%d run lock files left", len(runs))
	}
	info, _ := os.Stat(filepath.Join(dir, FileName))
	if info.Mode().Perm() != 0o600 {
		t.Errorf("ledger mode %v", info.Mode())
	}
}

// TestConcurrentClaims: runs of separate Ledger handles claiming the same
// alerts at once each get a share, and every alert is claimed once.
func TestConcurrentClaims(t *testing.T) {
	dir := t.TempDir()
	var alerts []budget.Alert
	for pct := 1; pct <= 40; pct++ {
		alerts = append(alerts, alert(nov, pct))
	}
	const runs = 8
	claimed := make([][]string, runs)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range runs {
		l := open(t, dir)
		r := begin(t, l)
		wg.Go(func() {
			<-start
			// each run asks for the alerts in small groups, so claims interleave
			for j := 0; j < len(alerts); j += 5 {
				got, err := r.Claim(ClaimRequest{Channel: "email", AsOf: asOf, Alerts: alerts[j : j+5]})
				if err != nil {
					t.Error(err)
					return
				}
				for _, a := range got {
					claimed[i] = append(claimed[i], a.Key())
				}
			}
		})
	}
	close(start)
	wg.Wait()
	seen := map[string]int{}
	for _, c := range claimed {
		for _, k := range c {
			seen[k]++
		}
	}
	for _, a := range alerts {
		if seen[a.Key()] != 1 {
			t.Errorf("%s claimed %d times", a.Key(), seen[a.Key()])
		}
	}
}

// TestConcurrentRecords: Records of one run made at once are all written,
// each answered with its own alerts.
func TestConcurrentRecords(t *testing.T) {
	dir := t.TempDir()
	r := begin(t, open(t, dir))
	var alerts []budget.Alert
	for pct := 1; pct <= 40; pct++ {
		alerts = append(alerts, alert(nov, pct))
	}
	if got := claim(t, r, "email", false, alerts...); len(got) != len(alerts) {
		t.Fatalf("claimed %d", len(got))
	}
	var wg sync.WaitGroup
	for i, a := range alerts {
		wg.Go(func() {
			want := budget.AlertSent
			if i%2 == 1 {
				want = budget.AlertPending
			}
			a.Status = want
			out, err := r.Record("email", []budget.Alert{a})
			if err != nil || len(out) != 1 || out[0].Key() != a.Key() || out[0].Status != want {
				t.Errorf("Record(%s) = %v, %v", a.Key(), out, err)
			}
		})
	}
	wg.Wait()
	out, err := Statuses(dir, alerts)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range out {
		want := budget.AlertSent
		if i%2 == 1 {
			want = budget.AlertPending
		}
		if a.Status != want {
			t.Errorf("%s: %s, want %s", a.Key(), a.Status, want)
		}
	}
}
