//go:build unix

package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/service/billing"
	"github.com/databricks/databricks-sdk-go/service/sql"
)

// serveWord finds the command serve named in a log (not "serverless").
var serveWord = regexp.MustCompile(`\bserve\b`)

// TestEmulatorCommand runs `generator emulator` as a user does, points the
// SDK at it with the export lines it prints, runs a statement on the
// warehouse they name, and stops it with SIGINT.
func TestEmulatorCommand(t *testing.T) {
	t.Parallel()
	p := runEmulatorProcess(t, "--warehouse-start-delay", "200ms")
	emu, stderr, lines, done := p.cmd, p.stderr, p.lines, p.done

	// The seven export lines, in order, before anything else; then the
	// comment with the workspace's PAT.
	want := []string{"DATABRICKS_HOST", "DATABRICKS_CLIENT_ID", "DATABRICKS_CLIENT_SECRET", "DATABRICKS_ACCOUNT_ID", "DATABRICKS_WORKSPACE_ID",
		"DATABRICKS_WAREHOUSE_ID", "DATABRICKS_EXPERIMENTAL_IS_UNIFIED_HOST"}
	env := map[string]string{}
	timeout := time.After(2 * time.Minute)
	for i, name := range want {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("the emulator stopped after %d export lines\n%s", i, stderr.String())
			}
			kv, found := strings.CutPrefix(line, "export "+name+"=")
			if !found || kv == "" {
				t.Fatalf("line %d is %q, want export %s=...", i+1, line, name)
			}
			env[name] = kv
		case <-timeout:
			t.Fatalf("no export lines after 2 minutes\n%s", stderr.String())
		}
	}
	var pat string
	select {
	case line := <-lines:
		var found bool
		if pat, found = strings.CutPrefix(line, "# a workspace PAT also works (not on the account APIs): "); !found || !strings.HasPrefix(pat, "dapi") {
			t.Fatalf("line after the exports is %q, want the comment with the PAT", line)
		}
	case <-timeout:
		t.Fatalf("no PAT comment after 2 minutes\n%s", stderr.String())
	}
	if !strings.HasPrefix(env["DATABRICKS_HOST"], "http://127.0.0.1:") || env["DATABRICKS_EXPERIMENTAL_IS_UNIFIED_HOST"] != "true" {
		t.Errorf("environment %v", env)
	}

	oauth := func() *databricks.Config {
		return &databricks.Config{
			Host: env["DATABRICKS_HOST"], ClientID: env["DATABRICKS_CLIENT_ID"], ClientSecret: env["DATABRICKS_CLIENT_SECRET"],
			AccountID: env["DATABRICKS_ACCOUNT_ID"], WorkspaceID: env["DATABRICKS_WORKSPACE_ID"],
			Experimental_IsUnifiedHost: true, ConfigFile: os.DevNull,
		}
	}
	w, err := databricks.NewWorkspaceClient(oauth())
	if err != nil {
		t.Fatal(err)
	}
	a, err := databricks.NewAccountClient(oauth())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Budgets.ListAll(context.Background(), billing.ListBudgetConfigurationsRequest{}); err != nil {
		t.Errorf("account API as the service principal: %v", err)
	}
	withPAT, err := databricks.NewWorkspaceClient(&databricks.Config{Host: env["DATABRICKS_HOST"], Token: pat, ConfigFile: os.DevNull})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := withPAT.Warehouses.ListAll(context.Background(), sql.ListWarehousesRequest{}); err != nil {
		t.Errorf("workspace API with the PAT: %v", err)
	}
	resp, err := w.StatementExecution.ExecuteStatement(context.Background(), sql.ExecuteStatementRequest{
		WarehouseId: env["DATABRICKS_WAREHOUSE_ID"], WaitTimeout: "30s",
		Statement: "SELECT max(usage_date) AS last_day, count(DISTINCT custom_tags['OperationalCategory']) AS tags FROM system.billing.usage",
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status.State != sql.StatementStateSucceeded || resp.Result.DataArray[0][0] != "2026-11-23" {
		t.Fatalf("statement %s %+v: %v, want the demo account's usage to the as-of date", resp.Status.State, resp.Status.Error, resp.Result)
	}

	if err := emu.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		done <- err // for the cleanup
		if err != nil {
			t.Errorf("the emulator exited with %v after SIGINT\n%s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("the emulator still runs 10s after SIGINT\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "emulator ready") || strings.Contains(stderr.String(), env["DATABRICKS_CLIENT_SECRET"]) {
		t.Errorf("stderr: want the ready line and never the token\n%s", stderr.String())
	}
	// The stop line names the command that stops and why.
	if !strings.Contains(stderr.String(), `msg="emulator stopping: interrupt signal received"`) || serveWord.MatchString(stderr.String()) {
		t.Errorf("stderr: want the emulator's own stop line, naming the signal, and no word of serve\n%s", stderr.String())
	}
}

// emulatorProcess is `generator emulator` running as a child process.
type emulatorProcess struct {
	cmd    *exec.Cmd
	stderr *strings.Builder
	lines  <-chan string // its standard output, line by line
	done   chan error    // its exit; whoever takes it puts it back
}

// runEmulatorProcess runs `generator emulator` of the demo division as of
// 2026-11-23 with args on a free loopback port until the test ends.
func runEmulatorProcess(t *testing.T, args ...string) *emulatorProcess {
	t.Helper()
	cmd := exec.Command("generator", append([]string{"emulator", "--addr", "127.0.0.1:0", "--content", contentDir(t), "--as-of", "2026-11-23"}, args...)...)
	cmd.Dir = t.TempDir()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &emulatorProcess{cmd: cmd, stderr: &strings.Builder{}, done: make(chan error, 1)}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
	})
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	p.lines = lines
	return p
}

// startEmulatorCommand runs `generator emulator` with args until the test
// ends and returns the environment its export lines set.
func startEmulatorCommand(t *testing.T, args ...string) []string {
	t.Helper()
	p := runEmulatorProcess(t, args...)
	var env []string
	timeout := time.After(2 * time.Minute)
	// The unified-host line is the last export line.
	last := func(kv string) bool { return strings.HasPrefix(kv, "DATABRICKS_EXPERIMENTAL_IS_UNIFIED_HOST=") }
	for !slices.ContainsFunc(env, last) {
		select {
		case line, ok := <-p.lines:
			if !ok {
				t.Fatalf("the emulator stopped after the export lines %q\n%s", env, p.stderr.String())
			}
			if kv, found := strings.CutPrefix(line, "export "); found {
				env = append(env, kv)
			}
		case <-timeout:
			t.Fatalf("no export lines after 2 minutes\n%s", p.stderr.String())
		}
	}
	return env
}
