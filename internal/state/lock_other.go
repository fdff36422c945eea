//go:build !unix

package state

// Exclusive is not available without flock(2).
func Exclusive(string) (func(), error) { return nil, ErrUnsupported }

// Shared is not available without flock(2); nothing can hold a lock, so
// there is nothing to wait for.
func Shared(string) (func(), error) { return func() {}, nil }
