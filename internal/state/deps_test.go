package state

import (
	"os/exec"
	"strings"
	"testing"
)

// TestStandardLibraryOnly: the package imports nothing of the project nor
// any module, so every owner of a state file may import it, the function
// binaries included, without a cycle or a heavy dependency.
func TestStandardLibraryOnly(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{.Standard}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 10 {
		t.Fatalf("go list -deps listed only %d packages:\n%s", len(lines), out)
	}
	for _, line := range lines {
		pkg, std, _ := strings.Cut(line, " ")
		if std != "true" && pkg != "github.com/novadynamics/stellar-budget/internal/state" {
			t.Errorf("imports %s", pkg)
		}
	}
}
