//go:build !unix

package audit

import "errors"

func lockExclusive(string) (func(), error) {
	return nil, errors.New("the audit log needs flock(2), found on Unix systems only")
}
