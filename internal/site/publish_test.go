package site

import (
	"errors"
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

// oldSite writes a previous build's site into out, marked as Publish
// marks it, and returns its files.
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
	if err := writeMarker(out); err != nil {
		t.Fatal(err)
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
	for _, name := range []string{"layouts/_default/baseof.html", "layouts/index.html", "layouts/category.html", "layouts/report.html", "layouts/compliance.html", "layouts/agent.html", "static/css/site.css"} {
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

// entries describes every entry under dir without following links: a
// directory as "dir", a link as "link -> target", a file as its bytes.
func entries(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		switch {
		case d.IsDir():
			out[rel] = "dir"
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			out[rel] = "link -> " + target
			return err
		default:
			b, err := os.ReadFile(path)
			out[rel] = "file " + string(b)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// write creates the files of a tree under dir, by slash-separated path.
func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// symlink makes link point at target.
func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// stageSite stages a small new site for out, as Render would leave it.
func stageSite(t *testing.T, out string) string {
	t.Helper()
	staging, err := Stage(out)
	if err != nil {
		t.Fatal(err)
	}
	write(t, staging, map[string]string{"index.html": "new site", "css/site.css": "new css", ".gitkeep": ""})
	return staging
}

// earlierOutput publishes an earlier build into out: the generator's own,
// marked output.
func earlierOutput(t *testing.T, out string) {
	t.Helper()
	staging, err := Stage(out)
	if err != nil {
		t.Fatal(err)
	}
	write(t, staging, map[string]string{"index.html": "old site", "stale/page.html": "old page", ".gitkeep": ""})
	if err := Publish(staging, out); err != nil {
		t.Fatalf("publish the earlier output: %v", err)
	}
}

// leftovers lists the staging and moved-aside directories of public left
// in parent.
func leftovers(t *testing.T, parent string) []string {
	t.Helper()
	var extra []string
	for _, name := range siblings(t, parent) {
		if strings.HasPrefix(name, ".public.") {
			extra = append(extra, name)
		}
	}
	return extra
}

func TestPublishOutputRule(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, out, victim string)
		// refused is the unexpected entry the error names, relative to
		// out; empty when out is replaced.
		refused string
		// whole is a fragment of a refusal of out as a whole.
		whole string
		// gitkeep is the .gitkeep the published site must hold.
		gitkeep string
	}{
		{name: "absent", setup: func(t *testing.T, out, victim string) {}},
		{name: "absent, parent too", setup: func(t *testing.T, out, victim string) {}},
		{
			name: "empty",
			setup: func(t *testing.T, out, victim string) {
				if err := os.Mkdir(out, 0o755); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			name: "only .gitkeep, which is kept",
			setup: func(t *testing.T, out, victim string) {
				write(t, out, map[string]string{".gitkeep": "kept as it is\n"})
			},
			gitkeep: "kept as it is\n",
		},
		{name: "the generator's earlier output", setup: func(t *testing.T, out, victim string) { earlierOutput(t, out) }},
		{
			name: "earlier output missing a file it lists",
			setup: func(t *testing.T, out, victim string) {
				earlierOutput(t, out)
				if err := os.RemoveAll(filepath.Join(out, "stale")); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			name: "earlier output and a .gitkeep it did not list",
			setup: func(t *testing.T, out, victim string) {
				write(t, out, map[string]string{"index.html": "old"})
				if err := writeMarker(out); err != nil {
					t.Fatal(err)
				}
				write(t, out, map[string]string{".gitkeep": "added later\n"})
			},
			gitkeep: "added later\n",
		},
		{
			name: "a listed link is removed, not followed",
			setup: func(t *testing.T, out, victim string) {
				write(t, out, map[string]string{"index.html": "old"})
				symlink(t, victim, filepath.Join(out, "latest"))
				if err := writeMarker(out); err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			name: "a foreign directory",
			setup: func(t *testing.T, out, victim string) {
				write(t, out, map[string]string{".git/config": "[core]\n", ".git/HEAD": "ref: refs/heads/main\n", "notes.txt": "mine"})
			},
			refused: ".git",
		},
		{
			name: "a home directory",
			setup: func(t *testing.T, out, victim string) {
				write(t, out, map[string]string{".bashrc": "export A=1\n", ".ssh/id_ed25519": "secret", "work/plan.md": "plan"})
			},
			refused: ".bashrc",
		},
		{
			name: "a foreign .gitkeep and a file",
			setup: func(t *testing.T, out, victim string) {
				write(t, out, map[string]string{".gitkeep": "", "notes.txt": "mine"})
			},
			refused: "notes.txt",
		},
		{
			name: "earlier output with one extra file",
			setup: func(t *testing.T, out, victim string) {
				earlierOutput(t, out)
				write(t, out, map[string]string{"stale/notes.txt": "mine"})
			},
			refused: "stale/notes.txt",
		},
		{
			name: "earlier output with an extra directory",
			setup: func(t *testing.T, out, victim string) {
				earlierOutput(t, out)
				write(t, out, map[string]string{"photos/moon.jpg": "jpeg"})
			},
			refused: "photos",
		},
		{
			name: "earlier output whose listed file became a directory",
			setup: func(t *testing.T, out, victim string) {
				earlierOutput(t, out)
				if err := os.Remove(filepath.Join(out, "index.html")); err != nil {
					t.Fatal(err)
				}
				write(t, out, map[string]string{"index.html/draft.md": "mine"})
			},
			refused: "index.html",
		},
		{
			name: "earlier output with an unlisted link",
			setup: func(t *testing.T, out, victim string) {
				earlierOutput(t, out)
				symlink(t, victim, filepath.Join(out, "home"))
			},
			refused: "home",
		},
		{
			name: "unmarked output of an earlier version",
			setup: func(t *testing.T, out, victim string) {
				write(t, out, map[string]string{".gitkeep": "", "index.html": "old", "css/site.css": "old", "data/snapshot.json": "{}"})
			},
			refused: "css",
		},
		{
			name: "a marker that is not one",
			setup: func(t *testing.T, out, victim string) {
				write(t, out, map[string]string{MarkerName: "index.html\n", "index.html": "mine"})
			},
			refused: MarkerName,
		},
		{
			name: "a marker that is a link",
			setup: func(t *testing.T, out, victim string) {
				write(t, victim, map[string]string{"index.html": "mine"})
				if err := writeMarker(victim); err != nil {
					t.Fatal(err)
				}
				write(t, out, map[string]string{"index.html": "mine"})
				symlink(t, filepath.Join(victim, MarkerName), filepath.Join(out, MarkerName))
			},
			refused: MarkerName,
		},
		{
			name: "a .gitkeep that is a directory",
			setup: func(t *testing.T, out, victim string) {
				write(t, out, map[string]string{".gitkeep/notes.txt": "mine"})
			},
			refused: ".gitkeep",
		},
		{
			name: "a marker of a newer format",
			setup: func(t *testing.T, out, victim string) {
				write(t, out, map[string]string{MarkerName: "stellar-budget-site 2\n\nindex.html\n", "index.html": "old"})
			},
			whole: "was written by a newer Stellar Budget (marker format 2)",
		},
		{
			name: "out is a link to a directory",
			setup: func(t *testing.T, out, victim string) {
				elsewhere := filepath.Join(filepath.Dir(victim), "elsewhere")
				earlierOutput(t, elsewhere)
				symlink(t, elsewhere, out)
			},
			whole: "is a symbolic link",
		},
		{
			name: "out is a file",
			setup: func(t *testing.T, out, victim string) {
				write(t, filepath.Dir(out), map[string]string{"public": "mine"})
			},
			whole: "is a file, not a directory",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			parent := root
			if tc.name == "absent, parent too" {
				parent = filepath.Join(root, "site")
			}
			out := filepath.Join(parent, "public")
			// victim stands for what a link in out may point at.
			victim := filepath.Join(root, "victim")
			write(t, victim, map[string]string{"keep.txt": "not the generator's"})
			tc.setup(t, out, victim)
			before := entries(t, root)

			checkErr := CheckOutput(out)
			staging := stageSite(t, out)
			swapped := false
			t.Cleanup(func() { testHookBeforeSwap = func(string) {} })
			testHookBeforeSwap = func(string) { swapped = true }
			err := Publish(staging, out)

			if tc.refused == "" && tc.whole == "" {
				if checkErr != nil || err != nil {
					t.Fatalf("CheckOutput = %v, Publish = %v; want both nil", checkErr, err)
				}
				got := entries(t, out)
				if got["index.html"] != "file new site" || got["stale"] != "" || got["latest"] != "" {
					t.Errorf("out is not the new site alone: %q", got)
				}
				want := "file " + tc.gitkeep
				if got[".gitkeep"] != want {
					t.Errorf(".gitkeep = %q, want %q", got[".gitkeep"], want)
				}
				if err := CheckOutput(out); err != nil {
					t.Errorf("the published site is refused next time: %v", err)
				}
				if got := entries(t, victim); got["keep.txt"] != "file not the generator's" {
					t.Errorf("a link's target changed: %q", got)
				}
				if extra := leftovers(t, parent); len(extra) != 0 {
					t.Errorf("left behind %q", extra)
				}
				return
			}

			if !errors.Is(err, ErrForeignOutput) {
				t.Fatalf("Publish = %v, want ErrForeignOutput", err)
			}
			if swapped {
				t.Error("Publish moved out before refusing it")
			}
			if checkErr == nil || checkErr.Error() != err.Error() {
				t.Errorf("CheckOutput = %v, want the error of Publish", checkErr)
			}
			if tc.refused != "" {
				want := "output directory " + out + " holds " + filepath.Join(out, tc.refused) + ", which the generator did not write: choose an empty or new directory, or remove that file"
				if err.Error() != want {
					t.Errorf("error\n %s\nwant\n %s", err, want)
				}
				var foreign *ForeignOutputError
				if !errors.As(err, &foreign) || foreign.Dir != out || foreign.File != filepath.Join(out, tc.refused) {
					t.Errorf("error is not a ForeignOutputError{%s, %s}: %#v", out, tc.refused, foreign)
				}
			} else if !strings.Contains(err.Error(), tc.whole) || !strings.HasPrefix(err.Error(), "output directory "+out+" ") || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q, want one line about %s with %q", err, out, tc.whole)
			}
			if err := Discard(staging); err != nil {
				t.Fatal(err)
			}
			after := entries(t, root)
			for name, was := range before {
				if after[name] != was {
					t.Errorf("%s changed from %q to %q", name, was, after[name])
				}
			}
			for name := range after {
				if _, ok := before[name]; !ok {
					t.Errorf("%s appeared", name)
				}
			}
		})
	}
}

// TestOutputErrorNamesDirAsGiven checks the one line a user reads, for an
// --out given relative and with a trailing slash.
func TestOutputErrorNamesDirAsGiven(t *testing.T) {
	t.Chdir(t.TempDir())
	write(t, "public", map[string]string{"notes.txt": "mine", "zeta/a.txt": "mine"})
	want := "output directory public/ holds public/notes.txt, which the generator did not write: choose an empty or new directory, or remove that file"
	if err := CheckOutput("public/"); err == nil || err.Error() != want {
		t.Errorf("CheckOutput error\n %v\nwant\n %s", err, want)
	}
	staging := stageSite(t, "public/")
	if err := Publish(staging, "public/"); err == nil || err.Error() != want {
		t.Errorf("Publish error\n %v\nwant\n %s", err, want)
	}
}

// TestPublishRechecks changes out after the early check (during the build)
// or after Publish's own check (just before the swap): Publish refuses and
// keeps every file.
func TestPublishRechecks(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(t *testing.T, out string) // before CheckOutput
		duringRun func(t *testing.T, out string) // after CheckOutput
		beforeSwp func(t *testing.T, out string) // after Publish's check
		refused   string
	}{
		{
			name:      "file added to earlier output during the build",
			setup:     earlierOutput,
			duringRun: func(t *testing.T, out string) { write(t, out, map[string]string{"notes.txt": "mine"}) },
			refused:   "notes.txt",
		},
		{
			name:      "directory made where there was none",
			setup:     func(t *testing.T, out string) {},
			duringRun: func(t *testing.T, out string) { write(t, out, map[string]string{".git/config": "[core]\n"}) },
			refused:   ".git",
		},
		{
			name:      "file added to earlier output just before the swap",
			setup:     earlierOutput,
			beforeSwp: func(t *testing.T, out string) { write(t, out, map[string]string{"stale/notes.txt": "mine"}) },
			refused:   "stale/notes.txt",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parent := t.TempDir()
			out := filepath.Join(parent, "public")
			tc.setup(t, out)
			if err := CheckOutput(out); err != nil {
				t.Fatalf("CheckOutput before the build: %v", err)
			}
			staging := stageSite(t, out)
			if tc.duringRun != nil {
				tc.duringRun(t, out)
			}
			if tc.beforeSwp != nil {
				t.Cleanup(func() { testHookBeforeSwap = func(string) {} })
				testHookBeforeSwap = func(string) { tc.beforeSwp(t, out) }
			}
			before := map[string]string{}
			if tc.beforeSwp == nil {
				before = entries(t, out)
			}
			err := Publish(staging, out)
			want := "output directory " + out + " holds " + filepath.Join(out, tc.refused) + ", which the generator did not write: choose an empty or new directory, or remove that file"
			if !errors.Is(err, ErrForeignOutput) || err.Error() != want {
				t.Fatalf("Publish error\n %v\nwant\n %s", err, want)
			}
			if tc.beforeSwp != nil {
				// The site as it stood when the hook ran: the earlier
				// output plus the new file.
				earlier := filepath.Join(t.TempDir(), "public")
				earlierOutput(t, earlier)
				before = entries(t, earlier)
				before[filepath.FromSlash(tc.refused)] = "file mine"
			}
			after := entries(t, out)
			if len(after) != len(before) {
				t.Errorf("out holds %q, want %q", after, before)
			}
			for name, was := range before {
				if after[name] != was {
					t.Errorf("%s changed from %q to %q", name, was, after[name])
				}
			}
			if err := Discard(staging); err != nil {
				t.Fatal(err)
			}
			if extra := leftovers(t, parent); len(extra) != 0 {
				t.Errorf("left behind %q", extra)
			}
		})
	}
}

// TestPublishedMarkerListsTheSite builds a real site and reads its marker
// back: it lists exactly what is there, and a rebuild replaces it.
func TestPublishedMarkerListsTheSite(t *testing.T) {
	out := filepath.Join(t.TempDir(), "public")
	for range 2 {
		if err := build(t, out, sitetemplates.FS); err != nil {
			t.Fatalf("build: %v", err)
		}
	}
	m, err := readMarker(out, out)
	if err != nil || m == nil {
		t.Fatalf("readMarker = %v, %v", m, err)
	}
	listed := 0
	for name, kind := range entries(t, out) {
		if name == "." {
			continue
		}
		name = filepath.ToSlash(name)
		if kind == "dir" && !m.dirs[name] || kind != "dir" && !m.files[name] {
			t.Errorf("%s is not listed", name)
		}
		listed++
	}
	if len(m.files) == 0 || listed == 0 || !m.files["index.html"] || !m.files[MarkerName] || !m.files[".gitkeep"] {
		t.Errorf("marker lists %d files (index.html %v, itself %v, .gitkeep %v)", len(m.files), m.files["index.html"], m.files[MarkerName], m.files[".gitkeep"])
	}
}
