package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain installs the test binary as two commands on $PATH (testscript
// copies it once, and the copy's name picks the command): "generator" runs
// the real main, so the scripts and the serve tests run the CLI as a user
// does, as a separate process; "parent" stands in for `go run`.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"generator": main,
		"parent":    runParent,
	})
}

// runParent behaves like `go run` towards the program it runs: it starts
// its arguments as a child process with the same standard streams, prints
// "child PID", waits, and exits with the child's status. Like go run, it
// passes no signal on, so killing it leaves the child to fend for itself.
func runParent() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: parent COMMAND [ARG...]")
		os.Exit(2)
	}
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "parent:", err)
		os.Exit(2)
	}
	fmt.Printf("child %d\n", cmd.Process.Pid)
	if err := cmd.Wait(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() > 0 {
			os.Exit(exit.ExitCode())
		}
		fmt.Fprintln(os.Stderr, "parent:", err)
		os.Exit(2)
	}
}

// contentDir is the repository's content/, the demo division the scripts
// and the serve tests build (read only).
func contentDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "content"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "_index.md")); err != nil {
		t.Fatalf("the demo division's content: %v", err)
	}
	return dir
}

// TestScripts runs testdata/script/*.txtar: generator invocations as a
// user types them, with the output, files and exit status they expect.
// The scripts run in $WORK, outside the repository, so the layouts come
// from the binary; $CONTENT is the repository's content/. Besides the
// standard testscript commands they have
//
//	status N COMMAND [ARG...]
//
// which runs COMMAND like exec and fails unless it exits with status N.
func TestScripts(t *testing.T) {
	content := contentDir(t)
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("CONTENT", content)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"status": cmdStatus,
		},
	})
}

func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! status")
	}
	if len(args) < 2 {
		ts.Fatalf("usage: status N COMMAND [ARG...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("status %q: want a number", args[0])
	}
	got := 0
	var exit *exec.ExitError
	switch err := ts.Exec(args[1], args[2:]...); {
	case err == nil:
	case errors.As(err, &exit):
		got = exit.ExitCode()
	default:
		ts.Fatalf("%s: %v", args[1], err)
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}
