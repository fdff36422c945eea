package notify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/ledger"
)

// The process tests run this test binary again as a build that delivers
// (NOTIFY_TEST_CHILD=deliver) or one that dies between claim and send
// (NOTIFY_TEST_CHILD=crash).
const (
	childEnv   = "NOTIFY_TEST_CHILD"
	smtpEnv    = "NOTIFY_TEST_SMTP_PORT"
	stateEnv   = "NOTIFY_TEST_STATE"
	barrierEnv = "NOTIFY_TEST_BARRIER"
	alertsEnv  = "NOTIFY_TEST_ALERTS"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(child(mode))
	}
	os.Exit(m.Run())
}

// child is a build: it waits for the barrier file, so that every child
// starts at the same moment, then delivers.
func child(mode string) int {
	port, _ := strconv.Atoi(os.Getenv(smtpEnv))
	n, _ := strconv.Atoi(os.Getenv(alertsEnv))
	cfg := messageConfig()
	cfg.SMTP = SMTPConfig{Host: "127.0.0.1", Port: port, From: "stellar-budget@novadynamics.test", TLS: TLSNone, Timeout: 5 * time.Second}
	ints, err := Integrations(cfg, clock)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	opts := testOptions(os.Getenv(stateEnv))
	if mode == "crash" {
		opts.afterClaim = func(string, []budget.Alert) error {
			os.Exit(3) // dies holding claims, run lock and all
			return nil
		}
	}
	if b := os.Getenv(barrierEnv); b != "" {
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
			if _, err := os.Stat(b); err == nil {
				break
			}
			if time.Now().After(deadline) {
				fmt.Fprintln(os.Stderr, "barrier never opened")
				return 2
			}
		}
	}
	_, rep, err := Deliver(context.Background(), ints, manyAlerts(n), asOf, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fmt.Println(rep.Sent)
	if rep.Err() != nil {
		fmt.Fprintln(os.Stderr, rep.Err())
		return 1
	}
	return 0
}

func childCmd(t *testing.T, mode string, srv *smtpServer, dir, barrier string, n int) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(),
		childEnv+"="+mode,
		smtpEnv+"="+strconv.Itoa(srv.Port),
		stateEnv+"="+dir,
		barrierEnv+"="+barrier,
		alertsEnv+"="+strconv.Itoa(n),
	)
	return cmd
}

// TestDeliverConcurrentProcesses: builds in separate processes, started at
// the same moment on the same state directory, deliver each alert exactly
// once.
func TestDeliverConcurrentProcesses(t *testing.T) {
	const builds, alerts = 3, 30
	srv := startSMTP(t, TLSNone, withDelay(2*time.Millisecond))
	dir := t.TempDir()
	barrier := filepath.Join(t.TempDir(), "go")
	type result struct {
		out []byte
		err error
	}
	results := make(chan result, builds)
	for range builds {
		cmd := childCmd(t, "deliver", srv, dir, barrier, alerts)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		go func() {
			out, err := cmd.Output()
			if err != nil {
				err = fmt.Errorf("%w: %s", err, stderr.String())
			}
			results <- result{out, err}
		}()
	}
	time.Sleep(200 * time.Millisecond) // let every child start and wait at the barrier
	if err := os.WriteFile(barrier, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	total := 0
	var split []string
	for range builds {
		r := <-results
		if r.err != nil {
			t.Fatalf("child: %v", r.err)
		}
		n, _ := strconv.Atoi(strings.TrimSpace(string(r.out)))
		total += n
		split = append(split, strings.TrimSpace(string(r.out)))
	}
	t.Logf("deliveries per build: %v", split)
	if total != alerts {
		t.Errorf("the builds report %d deliveries, want %d", total, alerts)
	}
	if n := len(srv.messages()); n != alerts {
		t.Errorf("server accepted %d messages, want %d", n, alerts)
	}
	for k, n := range srv.counts() {
		if n != 1 {
			t.Errorf("%s mailed %d times", k, n)
		}
	}
	view, err := ledger.Statuses(dir, manyAlerts(alerts))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range view {
		if a.Status != budget.AlertSent {
			t.Errorf("%s is %s", a.Key(), a.Status)
		}
	}
}

// TestDeliverCrashedProcess: a build process that dies between claim and
// send leaves in-doubt alerts, seen as such by the read-only view at once;
// the next build does not resend them, one with ResendInDoubt does, once.
func TestDeliverCrashedProcess(t *testing.T) {
	srv := startSMTP(t, TLSNone)
	dir := t.TempDir()
	cmd := childCmd(t, "crash", srv, dir, "", 3)
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("crashing child: %v, want exit status 3", err)
	}
	alerts := manyAlerts(3)
	view, err := ledger.Statuses(dir, alerts)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range view {
		if a.Status != budget.AlertInDoubt {
			t.Errorf("after the crash %s reads %s, want in-doubt", a.Key(), a.Status)
		}
	}
	if leftover, _ := os.ReadDir(filepath.Join(dir, ledger.RunsDir)); len(leftover) != 1 {
		t.Errorf("the dead build left %d run lock files, want its one", len(leftover))
	}

	ints := emailIntegrations(t, srv, TLSNone)
	out, _ := deliver(t, ints, alerts, testOptions(dir))
	for _, a := range out {
		if a.Status != budget.AlertInDoubt {
			t.Errorf("next build: %s is %s", a.Key(), a.Status)
		}
	}
	if srv.attempts() != 0 {
		t.Errorf("the next build resent %d in-doubt alerts", srv.attempts())
	}
	if leftover, _ := os.ReadDir(filepath.Join(dir, ledger.RunsDir)); len(leftover) != 0 {
		t.Errorf("the dead build's run lock file was not cleaned up: %d files", len(leftover))
	}
	resend := testOptions(dir)
	resend.ResendInDoubt = true
	out, _ = deliver(t, ints, alerts, resend)
	for _, a := range out {
		if a.Status != budget.AlertSent || srv.counts()[a.Key()] != 1 {
			t.Errorf("after resend: %s is %s, mailed %d times", a.Key(), a.Status, srv.counts()[a.Key()])
		}
	}
}
