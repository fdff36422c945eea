// Package audittest writes setup audit logs for tests: a log of n entries
// as setup --apply writes it, and one with an edited entry.
package audittest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/audit"
)

// Append writes n entries to the audit log in stateDir, a minute apart
// from start, as setup --apply does, and returns the new head.
func Append(t *testing.T, stateDir string, n int, start time.Time) audit.Head {
	t.Helper()
	var records []audit.Record
	for i := range n {
		records = append(records, audit.Record{
			Time: start.Add(time.Duration(i) * time.Minute), Actor: "admin@example.test", Action: "create",
			Kind: "budget", Key: fmt.Sprintf("stellar-budget:SAD:alpha:%d", 75+i), ID: fmt.Sprint(i), After: map[string]string{"n": fmt.Sprint(i)},
		})
	}
	head, err := audit.Append(filepath.Join(stateDir, audit.FileName), records...)
	if err != nil {
		t.Fatal(err)
	}
	return head
}

// Tamper rewrites the audit log's first entry's actor, which breaks its
// hash.
func Tamper(t *testing.T, stateDir string) {
	t.Helper()
	path := filepath.Join(stateDir, audit.FileName)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	first, rest, _ := strings.Cut(string(b), "\n")
	edited := strings.Replace(first, `"actor":"`, `"actor":"mallory, not `, 1)
	if edited == first {
		t.Fatalf("no actor in %q", first)
	}
	if err := os.WriteFile(path, []byte(edited+"\n"+rest), 0o644); err != nil {
		t.Fatal(err)
	}
}
