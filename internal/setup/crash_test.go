//go:build unix

package setup

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/audit"
	"github.com/novadynamics/stellar-budget/internal/content"
)

// The child process of TestCrashBetweenIntentAndResult reads these.
const (
	crashLogEnv   = "STELLAR_TEST_CRASH_AUDIT_LOG"
	crashStageEnv = "STELLAR_TEST_CRASH_STAGE"
)

// TestCrashChild is the setup --apply that TestCrashBetweenIntentAndResult
// runs in a child process: it kills itself with SIGKILL at the stage
// named, after the first item's intent is logged ("intent") or after its
// change is made ("change").
func TestCrashChild(t *testing.T) {
	log, stage := os.Getenv(crashLogEnv), os.Getenv(crashStageEnv)
	if log == "" {
		t.Skip("run by TestCrashBetweenIntentAndResult")
	}
	div, err := content.Load(filepath.Join("..", "..", "content"))
	if err != nil {
		t.Fatal(err)
	}
	c, actor := connect(t)
	p := plan(t, c, div, Options{AsOf: asOf, AuditLog: log})
	_, err = Apply(context.Background(), c, p, ApplyOptions{AuditLog: log, Actor: actor, Now: time.Now, stopAt: func(at string, _ Item) {
		if at == stage {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}
	}})
	t.Fatalf("apply was not killed at %s: %v", stage, err)
}

// openAfter checks that the log verifies and holds one open intent, for
// the first budget, that the plan and check --audit both show.
func openAfter(t *testing.T, c Clients, log string) (Plan, audit.Entry) {
	t.Helper()
	div, err := content.Load(filepath.Join("..", "..", "content"))
	if err != nil {
		t.Fatal(err)
	}
	_, open, err := audit.OpenIntents(log, "")
	if err != nil || len(open) != 1 || open[0].Kind != string(KindBudget) || open[0].Key != "stellar-budget:SAD:deep-space-telemetry:75" {
		t.Fatalf("open intents %+v, %v; want the first budget's", open, err)
	}
	p := plan(t, c, div, Options{AsOf: asOf, AuditLog: log})
	var text strings.Builder
	if err := p.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if len(p.Open) != 1 || p.Open[0].Hash != open[0].Hash || p.Empty() ||
		!strings.Contains(text.String(), "Open intents in the audit log") || !strings.Contains(text.String(), "1 open intents to close.") {
		t.Errorf("plan's open intents %+v:\n%s", p.Open, text.String())
	}
	return p, open[0]
}

// TestCrashBetweenIntentAndResult: an apply killed between an intent and
// its result leaves an open intent that the next plan and check --audit
// show; the next apply logs it as resolved when the object reads back as
// content/ asks, else makes the change again under an intent that
// supersedes it. Either way nothing is left open and nothing is made
// twice.
func TestCrashBetweenIntentAndResult(t *testing.T) {
	tests := []struct {
		stage      string
		resolution string
		applied    int // changes the next apply makes
	}{
		{"change", ResolveReadBack, 54},
		{"intent", ResolveRedo, 55},
	}
	for _, tc := range tests {
		t.Run("killed after the "+tc.stage, func(t *testing.T) {
			div, _, _ := start(t)
			log := filepath.Join(t.TempDir(), audit.FileName)
			child := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v")
			child.Env = append(os.Environ(), crashLogEnv+"="+log, crashStageEnv+"="+tc.stage)
			out, err := child.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("child: %v, want killed:\n%s", err, out)
			}
			c, actor := connect(t)
			p, open := openAfter(t, c, log)
			if p.Open[0].Resolution != tc.resolution {
				t.Errorf("resolution %q, want %q", p.Open[0].Resolution, tc.resolution)
			}

			res := apply(t, c, p, log, actor)
			if len(res.Applied) != tc.applied {
				t.Errorf("applied %d changes, want %d", len(res.Applied), tc.applied)
			}
			entries, err := audit.Read(log)
			if err != nil {
				t.Fatal(err)
			}
			switch tc.resolution {
			case ResolveReadBack:
				closing := entries[open.Seq] // the entry after the open intent
				if len(res.Closed) != 1 || closing.Intent != open.Hash || closing.Outcome != audit.OutcomeResolved || closing.ID == "" ||
					!strings.Contains(string(closing.After), open.Key) {
					t.Errorf("closing entry %+v (closed %d)", closing, len(res.Closed))
				}
			case ResolveRedo:
				again := entries[open.Seq]
				if len(res.Closed) != 0 || again.Stage != audit.StageIntent || again.Supersedes != open.Hash || again.Key != open.Key {
					t.Errorf("the redo's intent %+v", again)
				}
			}
			if _, left, err := audit.OpenIntents(log, ""); err != nil || len(left) != 0 {
				t.Errorf("open intents after the apply: %+v, %v", left, err)
			}
			if ids := budgetIDs(t, c); len(ids) != 21 {
				t.Errorf("%d budgets of setup, want 21: none made twice", len(ids))
			}
			if next := plan(t, c, div, Options{AsOf: asOf, AuditLog: log}); !next.Empty() {
				t.Errorf("plan after the apply: %v, %d open", byAction(next), len(next.Open))
			}
		})
	}
}

// TestFailingResultAppend: when the result of a change cannot be
// appended, Apply stops saying so, the intent stays open, and the next
// apply resolves it by reading the object back.
func TestFailingResultAppend(t *testing.T) {
	div, _, _ := start(t)
	c, actor := connect(t)
	log := filepath.Join(t.TempDir(), audit.FileName)
	lock := log + ".lock"
	p := plan(t, c, div, Options{AsOf: asOf, AuditLog: log})
	_, err := Apply(context.Background(), c, p, ApplyOptions{AuditLog: log, Actor: actor, Now: time.Now, stopAt: func(stage string, _ Item) {
		if stage == "change" {
			// The log's lock cannot be opened: every append fails.
			if err := os.Remove(lock); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(lock, 0o700); err != nil {
				t.Fatal(err)
			}
		}
	}})
	if err == nil || !strings.Contains(err.Error(), "was made but its result was not logged (intent 1 stays open") {
		t.Fatalf("apply: %v", err)
	}
	if err := os.Remove(lock); err != nil {
		t.Fatal(err)
	}
	next, _ := openAfter(t, c, log)
	if next.Open[0].Resolution != ResolveReadBack {
		t.Errorf("resolution %q", next.Open[0].Resolution)
	}
	res := apply(t, c, next, log, actor)
	if len(res.Closed) != 1 || len(res.Applied) != 54 {
		t.Errorf("closed %d, applied %d; want 1 and 54", len(res.Closed), len(res.Applied))
	}
}
