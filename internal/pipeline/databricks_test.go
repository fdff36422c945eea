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

// TestDatabricksSource builds from the emulated account through the SDK
// and the Statement Execution API, its results through external links
// past an INLINE limit of 256 KiB: the output equals the demo source's
// byte for byte (sameOutput), --offline gives it again from the cache,
// and a pull that fails midway leaves the published site and the cache as
// they were.
func TestDatabricksSource(t *testing.T) {
	div, err := content.Load("../../content")
	if err != nil {
		t.Fatal(err)
	}
	tables := systemTables(t)
	// Chunks small enough that an incremental pull, which touches only
	// the as-of day on most days of the demo's calendar, needs several;
	// an INLINE limit a month of the account passes, as a large account's
	// passes the service's 25 MiB.
	emu, err := emulator.Start("127.0.0.1:0", emulator.Options{AsOf: goldenAsOf, Division: div, SQL: tables, ChunkRows: 50, InlineLimit: 256 << 10, Log: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	state := t.TempDir()
	databricksOptions := func(out string) BuildOptions {
		o := options(out)
		o.StateDir = state
		o.AsOf = goldenAsOf // the emulated account's last day
		o.Source = DatabricksSource{Config: warehouse.Config{
			WarehouseID: emu.DefaultWarehouseID(),
			// Many small chunks, fetched without the SDK's default limit
			// of 15 requests a second.
			SDK:          emulatorConfig(emu),
			PollInterval: 10 * time.Millisecond, RetryBackoff: 10 * time.Millisecond,
		}}
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
		sameOutput(t, demoOut, out)
		inputs := snapshotInputs(t, out)
		if len(inputs) != 2 || !strings.Contains(inputs[0], emu.URL) || !strings.Contains(inputs[1], "pulled in full") {
			t.Errorf("data source line %q", inputs)
		}
	})

	t.Run("offline from the cache", func(t *testing.T) {
		o := databricksOptions(filepath.Join(t.TempDir(), "public"))
		o.Source = DatabricksSource{Config: warehouse.Config{Offline: true}}
		if _, err := Build(t.Context(), o); err != nil {
			t.Fatal(err)
		}
		sameOutput(t, demoOut, o.OutDir)
		if inputs := snapshotInputs(t, o.OutDir); !strings.Contains(strings.Join(inputs, " "), "offline build") {
			t.Errorf("data source line %q", inputs)
		}
	})

	t.Run("offline without a cache", func(t *testing.T) {
		o := databricksOptions(filepath.Join(t.TempDir(), "public"))
		o.StateDir = t.TempDir()
		o.Source = DatabricksSource{Config: warehouse.Config{Offline: true}}
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

// sameOutput holds a databricks build to the demo build of the same
// account: every download, script and style byte for byte, the snapshot
// but for its source and the workspace's compliance (only a live
// workspace has them), and the home page's hour-of-day profile. The other
// pages name the source and show that compliance.
func sameOutput(t *testing.T, demoDir, databricksDir string) {
	t.Helper()
	want, got := readTree(t, demoDir), readTree(t, databricksDir)
	for name, b := range want {
		switch {
		case name == "/data/snapshot.json":
			a, z := snapshotWithout(t, b, "source", "compliance"), snapshotWithout(t, got[name], "source", "compliance")
			if !bytes.Equal(a, z) {
				t.Errorf("%s differs beyond its source and compliance", name)
			}
		case strings.HasSuffix(name, ".html"):
		case !bytes.Equal(got[name], b):
			t.Errorf("%s: %d bytes from databricks, %d from demo; they differ", name, len(got[name]), len(b))
		}
	}
	if a, z := hourProfile(t, want["/index.html"]), hourProfile(t, got["/index.html"]); a != z {
		t.Errorf("the hour-of-day profile differs:\n%s\nwant\n%s", z, a)
	}
}

// snapshotWithout is snapshot.json without the named top-level fields.
func snapshotWithout(t *testing.T, b []byte, fields ...string) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, f := range fields {
		delete(m, f)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// hourProfile is the home page's hour-of-day chart and its tables.
func hourProfile(t *testing.T, page []byte) string {
	t.Helper()
	s := string(page)
	from := strings.Index(s, `id="chart-heat-hours"`)
	last := strings.Index(s, `id="heathours-print-caption"`)
	if from < 0 || last < from {
		t.Fatal("no hour-of-day profile on the home page")
	}
	return s[from : last+strings.Index(s[last:], "</table>")]
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

// TestDatabricksSessionTimeZone: a build against a workspace whose session
// time zone is America/Los_Angeles gives the output of one in UTC, file for
// file (the emulator's address aside): the hour-of-day profile and the
// days are UTC's either way.
func TestDatabricksSessionTimeZone(t *testing.T) {
	div, err := content.Load("../../content")
	if err != nil {
		t.Fatal(err)
	}
	build := func(zone string) (map[string][]byte, string) {
		emu, err := emulator.Start("127.0.0.1:0", emulator.Options{AsOf: goldenAsOf, Division: div, SQL: systemTables(t),
			SessionTimeZone: zone, Log: quietLog()})
		if err != nil {
			t.Fatal(err)
		}
		defer emu.Close()
		o := options(filepath.Join(t.TempDir(), "public"))
		o.StateDir = t.TempDir()
		o.Source = DatabricksSource{Config: warehouse.Config{WarehouseID: emu.DefaultWarehouseID(), SDK: emulatorConfig(emu),
			PollInterval: 10 * time.Millisecond, RetryBackoff: 10 * time.Millisecond}}
		if _, err := Build(t.Context(), o); err != nil {
			t.Fatalf("build in %s: %v", zone, err)
		}
		return readTree(t, o.OutDir), emu.URL
	}
	want, utcHost := build("UTC")
	got, laHost := build("America/Los_Angeles")
	for name, b := range want {
		w := bytes.ReplaceAll(b, []byte(utcHost), []byte("EMULATOR"))
		g := bytes.ReplaceAll(got[name], []byte(laHost), []byte("EMULATOR"))
		if !bytes.Equal(w, g) {
			t.Errorf("%s differs between the UTC and the Los Angeles sessions", name)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d files in Los Angeles, %d in UTC", len(got), len(want))
	}
	if a, z := hourProfile(t, want["/index.html"]), hourProfile(t, got["/index.html"]); a != z {
		t.Errorf("the hour-of-day profile differs:\n%s\nwant\n%s", z, a)
	}
}
