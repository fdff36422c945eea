package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"time"
)

// errParentExited is the cause of a command's context when the process
// that started the generator is gone.
var errParentExited = errors.New("the process that started it has exited")

// withParent returns a context that also ends when the process that
// started this one exits; command names the command that then stops (serve,
// emulator) in its log line. `go run ./generator serve` runs the compiled
// generator as a child and, killed by its PID (SIGTERM or SIGKILL), exits
// without passing the signal on; the server would keep its port. When a
// parent exits, Linux and macOS give the orphan a new parent (init or a
// subreaper), so a changed os.Getppid means the parent is gone. Polling is
// simpler than PR_SET_PDEATHSIG, which Linux ties to the thread that set
// it, not to the process. Where the parent ID never changes (Windows), this
// only returns ctx with a cancel.
func withParent(ctx context.Context, command string, every time.Duration, log *slog.Logger) (context.Context, context.CancelFunc) {
	parent := os.Getppid()
	ctx, cancel := context.WithCancelCause(ctx)
	go func() {
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if os.Getppid() != parent {
					log.Info(command+" stopping: "+errParentExited.Error(), "parent_pid", parent)
					cancel(errParentExited)
					return
				}
			}
		}
	}()
	return ctx, func() { cancel(context.Canceled) }
}
