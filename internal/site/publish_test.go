package site

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	sitetemplates "github.com/novadynamics/stellar-budget/site-templates"
)

// tree reads every file under dir, by relative path.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		files[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// siblings lists the entries of parent, to see nothing is left behind.
func siblings(t *testing.T, parent string) []string {
	t.Helper()
	entries, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// build stages, renders and publishes like the generator does.
func build(t *testing.T, out string, templates fs.FS) error {
	t.Helper()
	staging, err := Stage(out)
	if err != nil {
		t.Fatalf("Stage: %v", err)
	}
	if err := Render(testReport(t), Options{Templates: templates, Dir: staging, Now: now}); err != nil {
		if derr := Discard(staging); derr != nil {
			t.Fatalf("Discard: %v", derr)
		}
		return err
	}
	return Publish(staging, out)
}

func oldSite(t *testing.T, out string) map[string]string {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(out, "stale"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"index.html": "last good site", "stale/page.html": "old", ".gitkeep": ""} {
		if err := os.WriteFile(filepath.Join(out, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return tree(t, out)
}

func TestPublishReplaces(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "public")
	oldSite(t, out)
	if err := build(t, out, sitetemplates.FS); err != nil {
		t.Fatalf("build: %v", err)
	}
	files := tree(t, out)
	if _, ok := files["stale/page.html"]; ok {
		t.Error("a file of the previous site survived")
	}
	if !strings.Contains(files["index.html"], "<h1>Stellar Budget</h1>") {
		t.Error("index.html is not the new site")
	}
	if got := siblings(t, parent); len(got) != 1 || got[0] != "public" {
		t.Errorf("parent holds %q, want only public", got)
	}
	if info, err := os.Stat(out); err != nil || info.Mode().Perm() != 0o755 {
		t.Errorf("public mode = %v, %v; want 0755", info.Mode(), err)
	}
}

func TestFailedRenderKeepsSite(t *testing.T) {
	broken := fstest.MapFS{}
	for _, name := range []string{"layouts/_default/baseof.html", "layouts/index.html", "layouts/category.html", "layouts/report.html", "static/css/site.css"} {
		b, err := fs.ReadFile(sitetemplates.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		broken[name] = &fstest.MapFile{Data: b}
	}
	partials, _ := fs.Glob(sitetemplates.FS, "layouts/partials/*.html")
	for _, name := range partials {
		b, _ := fs.ReadFile(sitetemplates.FS, name)
		broken[name] = &fstest.MapFile{Data: b}
	}
	// A category page that fails while executing, after the master page
	// has been written to staging.
	broken["layouts/category.html"] = &fstest.MapFile{Data: []byte(`{{ define "main" }}{{ .Category.NoSuchField }}{{ end }}`)}

	parent := t.TempDir()
	out := filepath.Join(parent, "public")
	before := oldSite(t, out)
	err := build(t, out, broken)
	if err == nil || !strings.Contains(err.Error(), "render category ") {
		t.Fatalf("build error = %v, want a category render error", err)
	}
	after := tree(t, out)
	if len(after) != len(before) {
		t.Errorf("out has %d files, want %d", len(after), len(before))
	}
	for name, body := range before {
		if after[name] != body {
			t.Errorf("%s changed to %q", name, after[name])
		}
	}
	if got := siblings(t, parent); len(got) != 1 || got[0] != "public" {
		t.Errorf("parent holds %q, want only public (staging discarded)", got)
	}
}

func TestPublishWithoutOut(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "site", "public") // parent created by Stage
	if err := build(t, out, sitetemplates.FS); err != nil {
		t.Fatalf("build: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "index.html")); err != nil {
		t.Errorf("index.html: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, ".gitkeep")); err != nil {
		t.Errorf(".gitkeep: %v", err)
	}
}

func TestPublishErrors(t *testing.T) {
	parent := t.TempDir()
	elsewhere := t.TempDir()
	tests := []struct {
		name, staging, out, want string
	}{
		{"staging not a sibling", elsewhere, filepath.Join(parent, "public"), "not next to it"},
		{"no parent", elsewhere, "/", "must name a directory"},
		{"dot", elsewhere, ".", "must name a directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Publish(tc.staging, tc.out)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Publish error %v, want %q", err, tc.want)
			}
		})
	}
}
