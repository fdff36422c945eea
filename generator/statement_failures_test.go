//go:build unix

package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// startEmulatorCommand runs `generator emulator` with args on a free
// loopback port, as a user does, until the test ends, and returns the
// environment its export lines set.
func startEmulatorCommand(t *testing.T, args ...string) []string {
	t.Helper()
	emu := exec.Command("generator", append([]string{"emulator", "--addr", "127.0.0.1:0", "--content", contentDir(t), "--as-of", "2026-11-23"}, args...)...)
	emu.Dir = t.TempDir()
	stdout, err := emu.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	emu.Stderr = &stderr
	if err := emu.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		emu.Process.Kill()
		emu.Wait()
	})
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var env []string
	timeout := time.After(2 * time.Minute)
	// The unified-host line is the last export line.
	last := func(kv string) bool { return strings.HasPrefix(kv, "DATABRICKS_EXPERIMENTAL_IS_UNIFIED_HOST=") }
	for !slices.ContainsFunc(env, last) {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("the emulator stopped after the export lines %q\n%s", env, stderr.String())
			}
			if kv, found := strings.CutPrefix(line, "export "); found {
				env = append(env, kv)
			}
		case <-timeout:
			t.Fatalf("no export lines after 2 minutes\n%s", stderr.String())
		}
	}
	return env
}

// TestBuildResubmitsFailedStatements: against `generator emulator
// --statement-failures 2`, whose next two statements end FAILED as in an
// outage, `build --source databricks` succeeds and logs each resubmission.
func TestBuildResubmitsFailedStatements(t *testing.T) {
	t.Parallel()
	env := startEmulatorCommand(t, "--statement-failures", "2")
	dir := t.TempDir()
	build := exec.Command("generator", "build", "--source", "databricks", "--content", contentDir(t), "--as-of", "2026-11-23",
		"--out", filepath.Join(dir, "public"), "--state", filepath.Join(dir, "state"))
	build.Dir = dir
	build.Env = append(os.Environ(), env...)
	out, err := build.CombinedOutput()
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "Built the report as of 2026-11-23") {
		t.Errorf("no closing line\n%s", out)
	}
	got := regexp.MustCompile(`level=WARN msg="statement failed for the moment; resubmitting" step="[^"]+" code=([A-Z_]+) attempt=([0-9]) of=5`).FindAllStringSubmatch(string(out), -1)
	if len(got) != 2 || got[0][1] != "TEMPORARILY_UNAVAILABLE" || got[1][1] != "WORKSPACE_TEMPORARILY_UNAVAILABLE" {
		t.Errorf("resubmissions logged: %q\n%s", got, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "public", "index.html")); err != nil {
		t.Error(err)
	}
}
