package site

import (
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Publishing a build: Stage makes an empty directory next to the output,
// Render fills it, Publish swaps it in. A build that fails calls Discard
// instead, and the output directory is never touched, so the last good site
// stays up.
//
// The swap is two renames (out -> old, staging -> out), each atomic because
// staging, out and old share one parent directory and so one filesystem.
// Between the two there is a window, a few microseconds long, in which out
// does not exist: a web server reading the directory at that instant gets
// a 404, never a half-written site. If the second rename fails, the old site
// is renamed back. (Linux's renameat2 RENAME_EXCHANGE could close the window;
// it is not portable, and a static site host re-reads on the next request.)

// Stage creates an empty staging directory for a build of out, as a hidden
// sibling of out: <parent>/.<base>.staging-<random>.
func Stage(out string) (string, error) {
	parent, base, err := split(out)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("stage %s: %w", out, err)
	}
	dir, err := os.MkdirTemp(parent, "."+base+".staging-")
	if err != nil {
		return "", fmt.Errorf("stage %s: %w", out, err)
	}
	// MkdirTemp makes the directory private (0700); a published site must
	// be readable by the web server.
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("stage %s: %w", out, err)
	}
	return dir, nil
}

// Discard removes a staging directory after a failed build.
func Discard(staging string) error {
	if err := os.RemoveAll(staging); err != nil {
		return fmt.Errorf("discard %s: %w", staging, err)
	}
	return nil
}

// Publish replaces out with staging, which must be a sibling of out (see
// Stage). On error out still holds the previous site, except in the one
// case reported as such: the previous site could not be removed afterwards.
func Publish(staging, out string) error {
	parent, base, err := split(out)
	if err != nil {
		return err
	}
	if filepath.Dir(filepath.Clean(staging)) != parent {
		return fmt.Errorf("publish %s: staging directory %s is not next to it", out, staging)
	}
	if _, err := os.Lstat(out); errors.Is(err, os.ErrNotExist) {
		if err := os.Rename(staging, out); err != nil {
			return fmt.Errorf("publish %s: %w", out, err)
		}
		return nil
	} else if err != nil {
		return fmt.Errorf("publish %s: %w", out, err)
	}

	old := filepath.Join(parent, "."+base+".old-"+rand.Text())
	if err := os.Rename(out, old); err != nil {
		return fmt.Errorf("publish %s: move previous site aside: %w", out, err)
	}
	if err := os.Rename(staging, out); err != nil {
		if rerr := os.Rename(old, out); rerr != nil {
			return fmt.Errorf("publish %s: %w; restoring the previous site from %s also failed: %w", out, err, old, rerr)
		}
		return fmt.Errorf("publish %s: %w", out, err)
	}
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("published %s, but remove previous site %s: %w", out, old, err)
	}
	return nil
}

// split returns out's parent directory and base name, refusing outputs
// that have no sibling to stage next to ("/", ".", "..").
func split(out string) (parent, base string, err error) {
	clean := filepath.Clean(out)
	base = filepath.Base(clean)
	if base == "." || base == ".." || base == string(filepath.Separator) {
		return "", "", fmt.Errorf("output directory %q must name a directory inside a parent", out)
	}
	return filepath.Dir(clean), base, nil
}
