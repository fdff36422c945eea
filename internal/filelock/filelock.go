// Package filelock holds advisory locks on files in the state directory,
// with flock(2): the alert ledger, the setup audit log and the agent trail
// take them so that two builds, two applies or two functions never write
// at once. flock locks belong to
// the open file, so two handles in one process exclude each other as two
// processes do, and the kernel releases them when a process dies.
package filelock

import (
	"errors"
	"io/fs"
)

// perm is the mode of a lock file the package creates.
const perm = fs.FileMode(0o600)

// ErrUnsupported is returned where flock(2) does not exist.
var ErrUnsupported = errors.New("file locks need flock(2), found on Unix systems only")
