package compliance

import (
	"path/filepath"

	"github.com/novadynamics/stellar-budget/internal/audit"
)

// VerifyAudit checks the hash chain of the setup audit log in stateDir,
// and with expectHead (the hash `setup --apply` printed) that the log
// still holds that entry. The result says why it fails; it is never nil.
func VerifyAudit(stateDir, expectHead string) *Audit {
	path := filepath.Join(stateDir, audit.FileName)
	head, err := audit.Verify(path, expectHead)
	a := &Audit{Log: path, Entries: head.Entries, Head: head.Hash, ExpectedHead: expectHead, SinceExpected: head.SinceExpected, OK: err == nil}
	if err != nil {
		a.Error = err.Error()
	}
	return a
}
