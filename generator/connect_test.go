package main

import (
	"github.com/novadynamics/stellar-budget/internal/emulator"

	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go/config"
)

// noDatabricks clears every variable the SDK reads and points it at no
// configuration file until the test ends.
func noDatabricks(t *testing.T) {
	t.Helper()
	for _, a := range config.ConfigAttributes {
		for _, v := range a.EnvVars {
			t.Setenv(v, "")
		}
	}
	t.Setenv("DATABRICKS_CONFIG_FILE", filepath.Join(t.TempDir(), "none.cfg"))
	t.Setenv("STELLAR_TRACE_TABLE", "")
}

// downHost is an http:// loopback address nothing listens on.
func downHost(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return "http://" + addr
}

// runCLI runs `generator args...` in this process.
func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	root := rootCommand()
	root.SetOut(&out)
	root.SetArgs(args)
	err := root.ExecuteContext(t.Context())
	return out.String(), err
}

// TestConnectTimeoutCommands: with no emulator listening, build --source
// databricks, setup and check fail after --connect-timeout, not the SDK's
// 5 minutes, naming the host and the variable or the profile that named
// it.
func TestConnectTimeoutCommands(t *testing.T) {
	content := contentDir(t)
	tests := []struct {
		name      string
		args      []string
		inProfile bool // the host comes from the profile DOWN, else the environment
	}{
		{name: "build", args: []string{"build", "--source", "databricks", "--as-of", "2026-11-23"}},
		{name: "setup", args: []string{"setup"}},
		{name: "check", args: []string{"check", "--spend=false"}},
		{name: "setup with profiles", args: []string{"setup", "--account-profile", "DOWN", "--workspace-profile", "DOWN"}, inProfile: true},
		{name: "build with a profile", args: []string{"build", "--source", "databricks", "--as-of", "2026-11-23", "--profile", "DOWN"}, inProfile: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			noDatabricks(t)
			host := downHost(t)
			// What the emulator prints, for an emulator that is not running.
			vars := map[string]string{
				"DATABRICKS_HOST": host, "DATABRICKS_CLIENT_ID": emulator.DefaultClientID, "DATABRICKS_CLIENT_SECRET": emulator.DefaultClientSecret,
				"DATABRICKS_ACCOUNT_ID": "00000000-0000-4000-8000-00000000a5d0", "DATABRICKS_WORKSPACE_ID": "1234567890123456",
				"DATABRICKS_EXPERIMENTAL_IS_UNIFIED_HOST": "true",
			}
			source := "(DATABRICKS_HOST)"
			if tc.inProfile {
				var b strings.Builder
				b.WriteString("[DOWN]\n")
				for k, v := range vars {
					fmt.Fprintf(&b, "%s = %s\n", strings.ToLower(strings.TrimPrefix(k, "DATABRICKS_")), v)
				}
				path := filepath.Join(t.TempDir(), "databrickscfg")
				if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
					t.Fatal(err)
				}
				t.Setenv("DATABRICKS_CONFIG_FILE", path)
				source = "(profile DOWN of " + path + ")"
			} else {
				for k, v := range vars {
					t.Setenv(k, v)
				}
			}
			t.Setenv("DATABRICKS_WAREHOUSE_ID", "4f2b8c1d9e3a7b60")
			dir := t.TempDir()
			args := append(tc.args, "--connect-timeout", "2s", "--content", content, "--state", filepath.Join(dir, "state"))
			if tc.args[0] == "build" {
				args = append(args, "--out", filepath.Join(dir, "public"))
			}
			start := time.Now()
			_, err := runCLI(t, args...)
			took := time.Since(start)
			want := fmt.Sprintf("connect to %s %s: connection refused after 2s", host, source)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("error %v, want one containing %q", err, want)
			}
			if took < 2*time.Second || took > 15*time.Second {
				t.Errorf("failed after %s, want soon after --connect-timeout 2s", took)
			}
		})
	}
}

// TestNamedProfileNotMixed: every flag that names a profile, and
// DATABRICKS_CONFIG_PROFILE, is refused while DATABRICKS_HOST is still
// exported (for another workspace), before anything is contacted.
func TestNamedProfileNotMixed(t *testing.T) {
	content := contentDir(t)
	tests := []struct {
		name string
		args []string
		env  map[string]string
	}{
		{name: "setup --account-profile", args: []string{"setup", "--account-profile", "ACCT"}},
		{name: "setup --workspace-profile", args: []string{"setup", "--workspace-profile", "WS"},
			// The account from the environment, the emulator's way.
			env: map[string]string{"DATABRICKS_ACCOUNT_ID": "a", "DATABRICKS_EXPERIMENTAL_IS_UNIFIED_HOST": "true"}},
		{name: "check --workspace-profile", args: []string{"check", "--spend=false", "--workspace-profile", "WS"}},
		{name: "build --profile", args: []string{"build", "--source", "databricks", "--as-of", "2026-11-23", "--profile", "WS"}},
		{name: "agent run --profile", args: []string{"agent", "run", "--profile", "WS"}},
		{name: "DATABRICKS_CONFIG_PROFILE", args: []string{"setup"}, env: map[string]string{"DATABRICKS_CONFIG_PROFILE": "WS"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			noDatabricks(t)
			path := filepath.Join(t.TempDir(), "databrickscfg")
			profiles := "[ACCT]\nhost = https://accounts.cloud.databricks.com\naccount_id = a\ntoken = dapi-x\n[WS]\nhost = https://dbc-1.cloud.databricks.com\ntoken = dapi-y\n"
			if err := os.WriteFile(path, []byte(profiles), 0o600); err != nil {
				t.Fatal(err)
			}
			t.Setenv("DATABRICKS_CONFIG_FILE", path)
			// The workspace's variables, still exported; nothing listens on
			// port 9, so a mixed client would fail by connecting instead.
			t.Setenv("DATABRICKS_HOST", "http://127.0.0.1:9")
			t.Setenv("DATABRICKS_TOKEN", "dapi-other")
			t.Setenv("DATABRICKS_WAREHOUSE_ID", "4f2b8c1d9e3a7b60")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			dir := t.TempDir()
			args := append(tc.args, "--connect-timeout", "2s", "--state", filepath.Join(dir, "state"))
			if tc.args[0] != "agent" {
				args = append(args, "--content", content)
			} else {
				args = append(args, "--snapshot", filepath.Join(dir, "none.json"))
			}
			if tc.args[0] == "build" {
				args = append(args, "--out", filepath.Join(dir, "public"))
			}
			_, err := runCLI(t, args...)
			if err == nil || !strings.Contains(err.Error(), "a named profile mixed with DATABRICKS_* variables") {
				t.Fatalf("error %v, want the named profile refused", err)
			}
			if strings.Contains(err.Error(), "connect to") {
				t.Errorf("a mixed client tried to connect: %v", err)
			}
		})
	}
}
