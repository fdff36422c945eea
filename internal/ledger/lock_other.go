//go:build !unix

package ledger

import (
	"errors"
	"os"
)

var errNoFlock = errors.New("the alert ledger needs flock(2), found on Unix systems only")

func createRunLock(string) (*os.File, error) { return nil, errNoFlock }
func runAlive(string) bool                   { return true }
func removeIfFree(string)                    {}
