package snapshot

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/novadynamics/stellar-budget/internal/state"
)

// Write writes s to path, indented with a trailing newline and keys in
// the order of the types, so builds diff cleanly. It replaces the file in
// one step (internal/state's WriteFile), so a reader sees the old snapshot
// or the new one, never half of one; the directory is created when
// missing.
func Write(path string, s *Snapshot) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encode snapshot: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	if err := state.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write snapshot %s: %w", path, err)
	}
	return nil
}
