package ledger

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/state"
)

// Statuses returns a copy of alerts with Status read from the ledger in the
// state directory dir: the ledger's status where it has an entry (a claim
// whose build is gone reads in-doubt, one whose build still runs pending),
// else not-sent. It is the view of a build without --notify, and of a
// notifying one after delivery. It only reads: it creates nothing, not even
// dir, and takes the ledger lock shared, only if the lock file exists. A
// missing directory or ledger means nothing was ever sent. On error the
// alerts come back not-sent, with the error.
func Statuses(dir string, alerts []budget.Alert) ([]budget.Alert, error) {
	out := slices.Clone(alerts)
	for i := range out {
		out[i].Status = budget.AlertNotSent
	}
	if dir == "" {
		return out, nil
	}
	unlock, err := state.Shared(filepath.Join(dir, LockName))
	if err != nil {
		return out, fmt.Errorf("read alert statuses in %s: %w", dir, err)
	}
	defer unlock()
	f, err := readFile(filepath.Join(dir, FileName))
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return out, err
	}
	idx := f.index()
	alive := liveness(dir, "")
	for i := range out {
		if e := idx[out[i].Key()]; e != nil {
			out[i].Status = e.status(alive)
		}
	}
	return out, nil
}

// Load reads the ledger in dir as it is, for inspection; a missing one is
// fs.ErrNotExist. Like Statuses it creates and writes nothing.
func Load(dir string) (*File, error) {
	unlock, err := state.Shared(filepath.Join(dir, LockName))
	if err != nil {
		return nil, fmt.Errorf("read alert ledger in %s: %w", dir, err)
	}
	defer unlock()
	return readFile(filepath.Join(dir, FileName))
}

// Statuses is the package function Statuses on l's directory.
func (l *Ledger) Statuses(alerts []budget.Alert) ([]budget.Alert, error) {
	return Statuses(l.dir, alerts)
}
