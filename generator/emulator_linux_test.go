package main

import (
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestEmulatorStopsWithItsParent kills the process that started the
// emulator with SIGKILL, as `kill -9` ends a `go run ./generator emulator`:
// the emulator notices, frees its port and says that it, the emulator,
// stops and why.
func TestEmulatorStopsWithItsParent(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t)
	logPath, logFile := serveLog(t)

	parent := exec.Command("parent", "generator", "emulator", "--addr", addr, "--content", contentDir(t), "--as-of", "2026-11-23")
	parent.Dir = t.TempDir()
	parent.Stdout, parent.Stderr = logFile, logFile
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	parentDone := make(chan struct{})
	go func() { parent.Wait(); close(parentDone) }()
	t.Cleanup(func() {
		parent.Process.Kill()
		<-parentDone
	})
	emu := childPID(t, logPath, parentDone)
	t.Cleanup(func() {
		if alive(emu) {
			syscall.Kill(emu, syscall.SIGKILL)
		}
	})
	deadline := time.Now().Add(serveReady)
	for !strings.Contains(readLog(logPath), "emulator ready") {
		select {
		case <-parentDone:
			t.Fatalf("the emulator exited before it was ready\n%s", readLog(logPath))
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the emulator is not ready after %s\n%s", serveReady, readLog(logPath))
		}
	}

	if err := parent.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-parentDone
	killed := time.Now()
	for alive(emu) {
		if time.Since(killed) > serveStop {
			t.Fatalf("the emulator (PID %d) still runs %s after its parent was killed\n%s", emu, serveStop, readLog(logPath))
		}
		time.Sleep(50 * time.Millisecond)
	}
	assertClosed(t, addr)
	log := readLog(logPath)
	if !strings.Contains(log, `msg="emulator stopping: the process that started it has exited"`) || serveWord.MatchString(log) {
		t.Errorf("the emulator's log does not say that the emulator stops because its parent exited, or names serve:\n%s", log)
	}
	if n := strings.Count(log, "stopping"); n != 1 {
		t.Errorf("%d stop lines, want 1:\n%s", n, log)
	}
}
