package state

import (
	"fmt"
	"os"
)

// ExecutableID identifies the running executable by its path, size and
// modification time: what a build computed and kept is reused only by the
// same code (a rebuilt binary, `go run` after an edit, is another).
func ExecutableID() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("identify the executable: %w", err)
	}
	info, err := os.Stat(exe)
	if err != nil {
		return "", fmt.Errorf("identify the executable: %w", err)
	}
	return fmt.Sprintf("%q %d %d", exe, info.Size(), info.ModTime().UnixNano()), nil
}
