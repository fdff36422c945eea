package pipeline

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/content"
	"github.com/novadynamics/stellar-budget/internal/emulator"
	"github.com/novadynamics/stellar-budget/internal/snapshot"
	"github.com/novadynamics/stellar-budget/internal/warehouse"
)

// costCSVs are the downloads that must not depend on the source.
var costCSVs = []string{"cost_by_day.csv", "cost_by_owner.csv", "cost_by_resource.csv", "cost_by_workload.csv"}

// TestDatabricksSource builds from the emulated account through the SDK
// and the Statement Execution API: the cost CSVs equal the demo source's
// byte for byte, --offline gives them again from the cache, and a pull that
// fails midway leaves the published site and the cache as they were.
func TestDatabricksSource(t *testing.T) {
	div, err := content.Load("../../content")
	if err != nil {
		t.Fatal(err)
	}
	tables := systemTables(t)
	// Chunks small enough that an incremental pull, which touches only
	// the as-of day on most days of the demo's calendar, needs several.
	emu, err := emulator.Start("127.0.0.1:0", emulator.Options{AsOf: goldenAsOf, Division: div, SQL: tables, ChunkRows: 50, Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	state := t.TempDir()
	databricksOptions := func(out string) BuildOptions {
		o := options(out)
		o.Source, o.StateDir = SourceDatabricks, state
		o.AsOf = goldenAsOf // the emulated account's last day
		o.Databricks = warehouse.Config{
			WarehouseID: emu.DefaultWarehouseID(),
			// Many small chunks, fetched without the SDK's default limit
			// of 15 requests a second.
			SDK:          emulatorConfig(emu),
			PollInterval: 10 * time.Millisecond, RetryBackoff: 10 * time.Millisecond,
		}
		return o
	}

	demoOut := filepath.Join(t.TempDir(), "demo")
	if _, err := Build(t.Context(), options(demoOut)); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "public")

	t.Run("same cost CSVs as the demo source", func(t *testing.T) {
		sum, err := Build(t.Context(), databricksOptions(out))
		if err != nil {
			t.Fatal(err)
		}
		if !sum.AsOf.Equal(goldenAsOf) {
			t.Errorf("as of %s, want %s", sum.AsOf, goldenAsOf)
		}
		sameCSVs(t, demoOut, out)
		inputs := snapshotInputs(t, out)
		if len(inputs) != 2 || !strings.Contains(inputs[0], emu.URL) || !strings.Contains(inputs[1], "pulled in full") {
			t.Errorf("data source line %q", inputs)
		}
	})

	t.Run("offline from the cache", func(t *testing.T) {
		o := databricksOptions(filepath.Join(t.TempDir(), "public"))
		o.Databricks = warehouse.Config{Offline: true}
		if _, err := Build(t.Context(), o); err != nil {
			t.Fatal(err)
		}
		sameCSVs(t, demoOut, o.OutDir)
		if inputs := snapshotInputs(t, o.OutDir); !strings.Contains(strings.Join(inputs, " "), "offline build") {
			t.Errorf("data source line %q", inputs)
		}
	})

	t.Run("offline without a cache", func(t *testing.T) {
		o := databricksOptions(filepath.Join(t.TempDir(), "public"))
		o.StateDir = t.TempDir()
		o.Databricks = warehouse.Config{Offline: true}
		_, err := Build(t.Context(), o)
		if !errors.Is(err, warehouse.ErrNoCache) {
			t.Errorf("err = %v, want %v", err, warehouse.ErrNoCache)
		}
		if _, err := os.Stat(o.OutDir); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("a failed build wrote %s", o.OutDir)
		}
	})

	t.Run("a pull failing midway keeps the site and the cache", func(t *testing.T) {
		site, cache := readTree(t, out), readTree(t, filepath.Join(state, "databricks"))
		// Every status and chunk request fails (beyond the SDK's and the
		// source's retries) once the watermark statement has been read.
		setFaults(t, emu, map[string]any{"internal_errors": map[string]any{"count": 1000, "path_prefix": "/api/2.0/sql/statements/"}})
		_, err := Build(t.Context(), databricksOptions(out))
		if err == nil || !strings.Contains(err.Error(), "result chunk") || strings.Contains(err.Error(), "\n") {
			t.Fatalf("err = %v, want one line about a result chunk", err)
		}
		sameTree(t, site, readTree(t, out))
		sameTree(t, cache, readTree(t, filepath.Join(state, "databricks")))
	})
}

// sameCSVs compares the cost CSVs of two builds byte for byte.
func sameCSVs(t *testing.T, wantDir, gotDir string) {
	t.Helper()
	for _, name := range costCSVs {
		want, err := os.ReadFile(filepath.Join(wantDir, "downloads", name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(gotDir, "downloads", name))
		if err != nil {
			t.Fatal(err)
		}
		if len(want) < 100 || !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes from databricks, %d from demo; they differ", name, len(got), len(want))
		}
	}
}

// snapshotInputs is the data source line's inputs of a built site.
func snapshotInputs(t *testing.T, out string) []string {
	t.Helper()
	snap, err := snapshot.ReadFile(filepath.Join(out, filepath.FromSlash(snapshot.Path)))
	if err != nil {
		t.Fatal(err)
	}
	return snap.Source.Inputs
}

// readTree reads every file under dir.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		files[strings.TrimPrefix(p, dir)] = b
		return err
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("read %s: %d files, %v", dir, len(files), err)
	}
	return files
}

func sameTree(t *testing.T, want, got map[string][]byte) {
	t.Helper()
	for name, b := range want {
		if !bytes.Equal(got[name], b) {
			t.Errorf("%s changed", name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s appeared", name)
		}
	}
}

// setFaults switches emulator faults on until the test ends.
func setFaults(t *testing.T, emu *emulator.Running, faults map[string]any) {
	t.Helper()
	call := func(method string, body []byte) {
		req, err := http.NewRequest(method, emu.URL+"/emulator/admin/faults", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+emu.PAT())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s faults: %s", method, resp.Status)
		}
	}
	b, err := json.Marshal(faults)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { call(http.MethodDelete, nil) })
	call(http.MethodPost, b)
}
