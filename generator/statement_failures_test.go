//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

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
