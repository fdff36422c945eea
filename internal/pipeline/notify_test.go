package pipeline

import (
	"io"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/novadynamics/stellar-budget/internal/notify"
)

// mailbox is a real SMTP server on 127.0.0.1 keeping the alert keys of
// the messages it accepts, a list per message.
type mailbox struct {
	host string
	port int
	mu   sync.Mutex
	msgs [][]string
}

func startMailbox(t *testing.T) *mailbox {
	t.Helper()
	m := &mailbox{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{m: m}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	addr := l.Addr().(*net.TCPAddr)
	m.host, m.port = addr.IP.String(), addr.Port
	return m
}

// received are the alert keys of every message, in the order accepted.
func (m *mailbox) received() []string {
	var all []string
	for _, keys := range m.messages() {
		all = append(all, keys...)
	}
	return all
}

func (m *mailbox) messages() [][]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([][]string(nil), m.msgs...)
}

type session struct{ m *mailbox }

func (s *session) Mail(string, *smtp.MailOptions) error { return nil }
func (s *session) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *session) Reset()                               {}
func (s *session) Logout() error                        { return nil }
func (s *session) Data(r io.Reader) error {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, msg.Body)
	s.m.mu.Lock()
	s.m.msgs = append(s.m.msgs, strings.Split(msg.Header.Get(notify.AlertHeader), ", "))
	s.m.mu.Unlock()
	return nil
}

func notifyOptions(t *testing.T, box *mailbox, state string) BuildOptions {
	opts := options(filepath.Join(t.TempDir(), "public"))
	opts.StateDir, opts.Notify = state, true
	opts.Delivery = notify.Config{SMTP: notify.SMTPConfig{Host: box.host, Port: box.port, From: "budget@novadynamics.test", TLS: notify.TLSNone}}
	opts.Clock = func() time.Time { return goldenNow }
	return opts
}

// alertStatuses reads alerts.csv as month (YYYY-MM of time) → statuses.
func alertStatuses(t *testing.T, out string) (asOfMonth, earlier map[string]int) {
	t.Helper()
	asOfMonth, earlier = map[string]int{}, map[string]int{}
	for _, r := range readCSV(t, filepath.Join(out, "downloads", "alerts.csv")) {
		if strings.HasPrefix(r["time"], goldenAsOf.Format("2006-01")) {
			asOfMonth[r["status"]]++
		} else {
			earlier[r["status"]]++
		}
	}
	return asOfMonth, earlier
}

// TestNotifyDeliversOnce: build --notify on an empty ledger mails the
// as-of month's alerts and records older ones as not-sent; the next build
// mails nothing; alerts.csv shows the statuses.
func TestNotifyDeliversOnce(t *testing.T) {
	box := startMailbox(t)
	state := filepath.Join(t.TempDir(), "state")
	first := notifyOptions(t, box, state)
	if _, err := Build(t.Context(), first); err != nil {
		t.Fatal(err)
	}
	mailed := box.received()
	now, earlier := alertStatuses(t, first.OutDir)
	if len(mailed) == 0 || now["sent"] != len(mailed) || len(now) != 1 {
		t.Fatalf("first build mailed %v; the as-of month's alerts are %v", mailed, now)
	}
	if earlier["not-sent"] == 0 || len(earlier) != 1 {
		t.Errorf("older alerts %v, want all not-sent", earlier)
	}
	// This month's alerts are the over-budget category's and the anomaly
	// of the forgotten cluster on the 10th (the demo's calendar).
	spike := "anomaly/EXOPLANET_RESEARCH/" + goldenAsOf.Format("2006-01") + "-10"
	for _, k := range mailed {
		if !strings.Contains(k, "/EXPLORATORY_MISSIONS/") && !strings.Contains(k, spike) {
			t.Errorf("mailed %s: only the over-budget category and the spike have alerts this month", k)
		}
	}
	if !slices.ContainsFunc(mailed, func(k string) bool { return strings.Contains(k, spike) }) {
		t.Errorf("mailed %v: no %s", mailed, spike)
	}
	if msgs := box.messages(); len(msgs) != 2 {
		t.Errorf("first build sent %d mails %v, want one for each category's alerts: the over-budget category and the spike", len(msgs), msgs)
	}

	second := notifyOptions(t, box, state)
	if _, err := Build(t.Context(), second); err != nil {
		t.Fatal(err)
	}
	if got := box.received(); len(got) != len(mailed) {
		t.Errorf("the second build mailed %v", got[len(mailed):])
	}
	if now, _ := alertStatuses(t, second.OutDir); now["sent"] != len(mailed) {
		t.Errorf("second build shows %v", now)
	}

	// Without --notify the ledger is read, not written.
	quiet := options(filepath.Join(t.TempDir(), "public"))
	quiet.StateDir = state
	before, _ := os.ReadFile(filepath.Join(state, "alerts.json"))
	if _, err := Build(t.Context(), quiet); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(filepath.Join(state, "alerts.json"))
	if string(before) != string(after) || len(before) == 0 {
		t.Errorf("a build without --notify changed the ledger")
	}
	if now, _ := alertStatuses(t, quiet.OutDir); now["sent"] != len(mailed) {
		t.Errorf("a build without --notify shows %v", now)
	}
}

// TestNotifyConcurrentBuilds: two builds with --notify started at the same
// moment on one state directory mail each alert exactly once.
func TestNotifyConcurrentBuilds(t *testing.T) {
	box := startMailbox(t)
	state := filepath.Join(t.TempDir(), "state")
	var wg sync.WaitGroup
	errs := make([]error, 2)
	start := make(chan struct{})
	for i := range errs {
		opts := notifyOptions(t, box, state)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = Build(t.Context(), opts)
		}()
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]int{}
	for _, k := range box.received() {
		seen[k]++
	}
	if len(seen) == 0 {
		t.Fatal("nothing was mailed")
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s mailed %d times", k, n)
		}
	}
	t.Logf("%d alerts mailed once each", len(seen))
}
