package compliance

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/audit"
)

func TestVerifyAudit(t *testing.T) {
	write := func(t *testing.T) (dir string, heads []string) {
		dir = t.TempDir()
		for _, key := range []string{"budget/a", "policy/b"} {
			h, err := audit.Append(filepath.Join(dir, audit.FileName), audit.Record{
				Time: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), Actor: "ada", Action: "create", Kind: "budget", Key: key, After: map[string]int{"usd": 1},
			})
			if err != nil {
				t.Fatal(err)
			}
			heads = append(heads, h.Hash)
		}
		return dir, heads
	}
	t.Run("open intent", func(t *testing.T) {
		dir, _ := write(t)
		path := filepath.Join(dir, audit.FileName)
		h, err := audit.Append(path, audit.Record{
			Time: time.Date(2026, 7, 2, 0, 0, 0, 0, time.UTC), Actor: "ada", Action: "create", Kind: "budget", Key: "budget/c", Stage: audit.StageIntent,
		})
		if err != nil {
			t.Fatal(err)
		}
		a := VerifyAudit(dir, "")
		if !a.OK || a.Entries != 3 || a.Head != h.Hash || len(a.OpenIntents) != 1 || a.OpenIntents[0].Seq != 3 || a.OpenIntents[0].Key != "budget/c" {
			t.Errorf("audit = %+v, want an intact log with intent 3 open", a)
		}
	})
	t.Run("intact log", func(t *testing.T) {
		dir, heads := write(t)
		a := VerifyAudit(dir, heads[0])
		if !a.OK || a.Entries != 2 || a.Head != heads[1] || a.SinceExpected != 1 || a.Error != "" {
			t.Errorf("audit = %+v", a)
		}
	})
	t.Run("edited entry", func(t *testing.T) {
		dir, _ := write(t)
		path := filepath.Join(dir, audit.FileName)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, bytes.Replace(b, []byte(`"usd":1`), []byte(`"usd":9`), 1), 0o600); err != nil {
			t.Fatal(err)
		}
		if a := VerifyAudit(dir, ""); a.OK || !strings.Contains(a.Error, "line 1") {
			t.Errorf("audit = %+v, want line 1 broken", a)
		}
	})
	t.Run("last entry removed, caught by the expected head", func(t *testing.T) {
		dir, heads := write(t)
		path := filepath.Join(dir, audit.FileName)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		first := b[:bytes.IndexByte(b, '\n')+1]
		if err := os.WriteFile(path, first, 0o600); err != nil {
			t.Fatal(err)
		}
		if a := VerifyAudit(dir, ""); !a.OK || a.Entries != 1 {
			t.Errorf("without the head: %+v", a)
		}
		if a := VerifyAudit(dir, heads[1]); a.OK || !strings.Contains(a.Error, heads[1]) {
			t.Errorf("with the head: %+v", a)
		}
	})
	t.Run("missing log", func(t *testing.T) {
		dir := t.TempDir()
		if a := VerifyAudit(dir, ""); !a.OK || a.Entries != 0 || a.Log != filepath.Join(dir, audit.FileName) {
			t.Errorf("audit = %+v", a)
		}
		if a := VerifyAudit(dir, "abc"); a.OK {
			t.Errorf("a missing log verified against head abc: %+v", a)
		}
	})
}
