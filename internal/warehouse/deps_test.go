package warehouse

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoDuckDB: the databricks source links neither DuckDB nor any cgo
// outside the standard library (whose net and os/user use cgo when it is
// on), so a binary built from it stays pure Go.
func TestNoDuckDB(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{.Standard}} {{len .CgoFiles}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 50 {
		t.Fatalf("go list -deps listed only %d packages:\n%s", len(lines), out)
	}
	for _, line := range lines {
		f := strings.Fields(line)
		if len(f) != 3 {
			t.Fatalf("go list line %q", line)
		}
		if strings.Contains(strings.ToLower(f[0]), "duckdb") {
			t.Errorf("links %s", f[0])
		}
		if f[1] == "false" && f[2] != "0" {
			t.Errorf("links cgo package %s", f[0])
		}
	}
}
