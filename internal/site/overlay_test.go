package site

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	sitetemplates "github.com/novadynamics/stellar-budget/site-templates"
)

func overlayLayers() (user, builtin fstest.MapFS) {
	builtin = fstest.MapFS{
		"layouts/_default/baseof.html":    {Data: []byte("builtin base")},
		"layouts/index.html":              {Data: []byte("builtin index")},
		"layouts/partials/nav.html":       {Data: []byte("builtin nav")},
		"layouts/partials/freshness.html": {Data: []byte("builtin freshness")},
		"static/css/site.css":             {Data: []byte("builtin css")},
	}
	user = fstest.MapFS{
		"layouts/partials/nav.html":   {Data: []byte("user nav")},
		"layouts/partials/extra.html": {Data: []byte("user extra")},
		"layouts/notes.txt":           {Data: []byte("user notes")},
	}
	return user, builtin
}

func TestOverlayReadFile(t *testing.T) {
	user, builtin := overlayLayers()
	tests := []struct {
		name string
		fsys fs.FS
		path string
		want string
	}{
		{"user overrides a layout", Overlay(user, builtin), "layouts/partials/nav.html", "user nav"},
		{"user adds a partial", Overlay(user, builtin), "layouts/partials/extra.html", "user extra"},
		{"file only in builtin", Overlay(user, builtin), "layouts/partials/freshness.html", "builtin freshness"},
		{"directory only in builtin", Overlay(user, builtin), "static/css/site.css", "builtin css"},
		{"nil user is builtin", Overlay(nil, builtin), "layouts/partials/nav.html", "builtin nav"},
		{"through Sub", mustSub(t, Overlay(user, builtin), "layouts"), "partials/nav.html", "user nav"},
		{"through Sub, builtin file", mustSub(t, Overlay(user, builtin), "layouts"), "_default/baseof.html", "builtin base"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := fs.ReadFile(tc.fsys, tc.path)
			if err != nil {
				t.Fatalf("ReadFile(%s): %v", tc.path, err)
			}
			if string(b) != tc.want {
				t.Errorf("ReadFile(%s) = %q, want %q", tc.path, b, tc.want)
			}
		})
	}
}

func mustSub(t *testing.T, fsys fs.FS, dir string) fs.FS {
	t.Helper()
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		t.Fatalf("Sub(%s): %v", dir, err)
	}
	return sub
}

func TestOverlayListings(t *testing.T) {
	user, builtin := overlayLayers()
	tests := []struct {
		name string
		list func() ([]string, error)
		want []string
	}{
		{
			name: "Glob over partials is the union",
			list: func() ([]string, error) { return fs.Glob(Overlay(user, builtin), "layouts/partials/*.html") },
			want: []string{"layouts/partials/extra.html", "layouts/partials/freshness.html", "layouts/partials/nav.html"},
		},
		{
			name: "Glob through Sub",
			list: func() ([]string, error) {
				return fs.Glob(mustSub(t, Overlay(user, builtin), "layouts"), "partials/*.html")
			},
			want: []string{"partials/extra.html", "partials/freshness.html", "partials/nav.html"},
		},
		{
			name: "ReadDir of a shared directory",
			list: func() ([]string, error) { return names(fs.ReadDir(Overlay(user, builtin), "layouts")) },
			want: []string{"_default", "index.html", "notes.txt", "partials"},
		},
		{
			name: "ReadDir of the root",
			list: func() ([]string, error) { return names(fs.ReadDir(Overlay(user, builtin), ".")) },
			want: []string{"layouts", "static"},
		},
		{
			name: "ReadDir of a builtin-only directory",
			list: func() ([]string, error) { return names(fs.ReadDir(Overlay(user, builtin), "static/css")) },
			want: []string{"site.css"},
		},
		{
			name: "WalkDir sees every file once",
			list: func() ([]string, error) {
				var files []string
				err := fs.WalkDir(Overlay(user, builtin), ".", func(path string, d fs.DirEntry, err error) error {
					if err == nil && !d.IsDir() {
						files = append(files, path)
					}
					return err
				})
				return files, err
			},
			want: []string{
				"layouts/_default/baseof.html", "layouts/index.html", "layouts/notes.txt",
				"layouts/partials/extra.html", "layouts/partials/freshness.html", "layouts/partials/nav.html",
				"static/css/site.css",
			},
		},
		{
			name: "nil user lists builtin",
			list: func() ([]string, error) { return fs.Glob(Overlay(nil, builtin), "layouts/partials/*.html") },
			want: []string{"layouts/partials/freshness.html", "layouts/partials/nav.html"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.list()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func names(entries []fs.DirEntry, err error) ([]string, error) {
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out, err
}

func TestOverlayErrors(t *testing.T) {
	user, builtin := overlayLayers()
	o := Overlay(user, builtin)
	tests := []struct {
		name string
		err  func() error
		is   error
	}{
		{"missing file", func() error { _, err := fs.ReadFile(o, "layouts/missing.html"); return err }, fs.ErrNotExist},
		{"missing directory", func() error { _, err := fs.ReadDir(o, "nope"); return err }, fs.ErrNotExist},
		{"invalid path", func() error { _, err := o.Open("../etc/passwd"); return err }, fs.ErrInvalid},
		{"invalid sub", func() error { _, err := fs.Sub(o, "/abs"); return err }, fs.ErrInvalid},
		{"read a directory", func() error { _, err := fs.ReadFile(o, "layouts/partials"); return err }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.err()
			if err == nil {
				t.Fatal("no error")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
		})
	}
}

// TestOverlayFSContract runs the standard file system checks: Open, Stat,
// ReadDir (whole and in pieces), Glob and Sub agree with each other.
func TestOverlayFSContract(t *testing.T) {
	user, builtin := overlayLayers()
	if err := fstest.TestFS(Overlay(user, builtin),
		"layouts/_default/baseof.html", "layouts/index.html", "layouts/notes.txt",
		"layouts/partials/extra.html", "layouts/partials/freshness.html", "layouts/partials/nav.html",
		"static/css/site.css",
	); err != nil {
		t.Fatal(err)
	}
}

// TestOverlayRender builds the site from a user templates directory that
// overrides the navigation partial and adds a stylesheet over the real
// built-in templates.
func TestOverlayRender(t *testing.T) {
	userDir := t.TempDir()
	nav, err := fs.ReadFile(sitetemplates.FS, "layouts/partials/nav.html")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"layouts/partials/nav.html": `<p class="user-nav">user nav</p>` + string(nav),
		"static/css/extra.css":      "/* user css */",
	}
	for name, data := range files {
		path := filepath.Join(userDir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := t.TempDir()
	templates := Overlay(os.DirFS(userDir), sitetemplates.FS)
	if err := Render(testReport(t), Options{Templates: templates, Dir: out, Now: now}); err != nil {
		t.Fatalf("Render: %v", err)
	}
	for _, tc := range []struct{ file, want string }{
		{"index.html", `<p class="user-nav">user nav</p>`},
		{"css/extra.css", "/* user css */"},
	} {
		if got := readFile(t, filepath.Join(out, filepath.FromSlash(tc.file))); !strings.Contains(got, tc.want) {
			t.Errorf("%s does not contain %q", tc.file, tc.want)
		}
	}
	// The built-in stylesheet is still there, unchanged.
	want, _ := fs.ReadFile(sitetemplates.FS, "static/css/site.css")
	if got := readFile(t, filepath.Join(out, "css", "site.css")); got != string(want) {
		t.Error("css/site.css differs from the built-in one")
	}
}
