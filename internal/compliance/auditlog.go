package compliance

import (
	"path/filepath"

	"github.com/novadynamics/stellar-budget/internal/audit"
)

// VerifyAudit checks the hash chain of the setup audit log in stateDir,
// and with expectHead (the hash `setup --apply` printed) that the log
// still holds that entry, and lists its open intents. The result says why
// it fails; it is never nil. Open intents do not fail it: they are
// changes whose outcome setup has yet to read back, not tampering.
func VerifyAudit(stateDir, expectHead string) *Audit {
	path := filepath.Join(stateDir, audit.FileName)
	head, open, err := audit.OpenIntents(path, expectHead)
	a := &Audit{Log: path, Entries: head.Entries, Head: head.Hash, ExpectedHead: expectHead, SinceExpected: head.SinceExpected, OK: err == nil}
	if err != nil {
		a.Error = err.Error()
	}
	for _, e := range open {
		a.OpenIntents = append(a.OpenIntents, OpenIntent{Seq: e.Seq, Time: e.Time, Action: e.Action, Kind: e.Kind, Key: e.Key, ID: e.ID})
	}
	return a
}
