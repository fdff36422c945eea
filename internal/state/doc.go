// Package state owns the state directory a build, setup and the functions
// keep between runs (--state, default .stellar-state): the names of its files,
// the one way a file in it is replaced (WriteFile, Write: a reader sees the
// old file or the new one, never half of one), and the advisory locks that
// keep two builds, two applies or two functions from writing at once
// (Exclusive, Shared, Flock).
//
// What the files hold is the business of the packages that own them
// (internal/ledger, internal/audit, internal/trail, internal/warehouse);
// this package imports nothing of the project, so any of them may use it.
//
// The locks are flock(2) locks: they belong to the open file, so two
// handles in one process exclude each other as two processes do, and the
// kernel releases them when a process dies. They are not reliable on NFS,
// so the state directory must be on a local file system.
package state

import (
	"errors"
	"io/fs"
)

// Modes of what the package and the owners of the files create: the
// state directory holds delivery records and an audit log, readable by
// its owner only.
const (
	DirPerm  = fs.FileMode(0o700)
	FilePerm = fs.FileMode(0o600)
)

// ErrUnsupported is returned where flock(2) does not exist.
var ErrUnsupported = errors.New("file locks need flock(2), found on Unix systems only")
