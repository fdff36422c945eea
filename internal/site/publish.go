package site

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
)

// Publishing a build: Stage makes an empty directory next to the output,
// Render fills it, Publish marks it and swaps it in, only over an output
// directory the generator wrote (the rule is in marker.go). A build that
// fails calls Discard instead, and the output directory is never touched,
// so the last good site stays up.
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
// Stage), under the output rule of CheckOutput: it refuses an out holding
// anything the generator did not write, checking just before the swap and
// again on the previous site once it is moved aside, and deletes only what
// passed. It carries out's .gitkeep into the new site and writes the
// marker (MarkerName) into staging as the last step before the swap. On
// error out still holds the previous site, except in the one case
// reported as such: the previous site could not be removed afterwards.
func Publish(staging, out string) error {
	parent, base, err := split(out)
	if err != nil {
		return err
	}
	if filepath.Dir(filepath.Clean(staging)) != parent {
		return fmt.Errorf("publish %s: staging directory %s is not next to it", out, staging)
	}
	found, err := inspect(out, out)
	if err != nil {
		return err
	}
	if found.gitkeep {
		if err := keepGitkeep(out, staging); err != nil {
			return fmt.Errorf("publish %s: %w", out, err)
		}
	}
	if err := writeMarker(staging); err != nil {
		return fmt.Errorf("publish %s: %w", out, err)
	}
	testHookBeforeSwap(out)
	if !found.present {
		// A directory made since the check is replaced only if it is
		// empty: rename fails on a non-empty one.
		if err := os.Rename(staging, out); err != nil {
			return fmt.Errorf("publish %s: %w", out, err)
		}
		return nil
	}

	old := filepath.Join(parent, "."+base+".old-"+rand.Text())
	if err := os.Rename(out, old); err != nil {
		return fmt.Errorf("publish %s: move previous site aside: %w", out, err)
	}
	// What is in old now is what RemoveAll below deletes: check it again,
	// closing the window since the check above.
	if _, err := inspect(old, out); err != nil {
		if rerr := os.Rename(old, out); rerr != nil {
			return fmt.Errorf("%w; putting it back from %s also failed: %w", err, old, rerr)
		}
		return err
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

// testHookBeforeSwap runs after Publish's check, just before it moves the
// previous site aside; tests change out there.
var testHookBeforeSwap = func(out string) {}

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
