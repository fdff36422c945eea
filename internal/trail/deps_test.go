package trail

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoDuckDB: the trail links neither DuckDB nor cgo outside the
// standard library, so a function binary that keeps one stays pure Go.
func TestNoDuckDB(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{.Standard}} {{len .CgoFiles}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 20 {
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

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(Config{StateDir: dir})
	if _, ok := s.(*FileStore); !ok || err != nil || s.Location() != dir+"/"+FileName {
		t.Errorf("Open without a table = %T %v, %v", s, s, err)
	}
	if _, err := Open(Config{StateDir: dir, Table: "main.stellar.agent_trail"}); err == nil || !strings.Contains(err.Error(), "no SQL warehouse") {
		t.Errorf("Open of a table without a warehouse: %v", err)
	}
	if _, err := Open(Config{Table: "agent_trail", WarehouseID: "w"}); err == nil || !strings.Contains(err.Error(), "want catalog.schema.table") {
		t.Errorf("Open of a bad table name: %v", err)
	}
}
