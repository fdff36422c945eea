package site

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteMarker pins format 1: the version line, the explanation, a
// blank line, then every path sorted bytewise, directories with a '/',
// the marker itself included.
func TestWriteMarker(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"b.txt": "", "a/x.html": "", "a-b/y.csv": "", ".gitkeep": ""})
	if err := os.Mkdir(filepath.Join(dir, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	symlink(t, "a", filepath.Join(dir, "link"))
	want := `stellar-budget-site 1
The Stellar Budget generator wrote this directory. It replaces it on the
next build only if the directory holds nothing but the paths listed below
(and a .gitkeep). Paths are relative to this directory, '/'-separated and
sorted; a directory ends in '/'.

.gitkeep
.stellar-budget-site
a-b/
a-b/y.csv
a/
a/x.html
b.txt
empty/
link
`
	for i := range 2 { // the second run lists the marker it finds once
		if err := writeMarker(dir); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, MarkerName))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("run %d: marker\n%s\nwant\n%s", i+1, got, want)
		}
	}
}

func TestReadMarker(t *testing.T) {
	tests := []struct {
		name        string
		text        string // "" for no marker file
		files, dirs []string
		unmarked    bool
		err         string
	}{
		{name: "none", unmarked: true},
		{name: "not a marker", text: "index.html\n", unmarked: true},
		{name: "version not a number", text: "stellar-budget-site one\n\nindex.html\n", unmarked: true},
		{name: "newer format", text: "stellar-budget-site 2\n\nindex.html\n", err: "newer Stellar Budget (marker format 2)"},
		{
			name:  "paths after the explanation, parents implied",
			text:  "stellar-budget-site 1\nindex.html is not a path here\n\nindex.html\ncategories/alpha/index.html\nempty/\n",
			files: []string{"index.html", "categories/alpha/index.html"},
			dirs:  []string{"categories", "categories/alpha", "empty"},
		},
		{
			name:  "CRLF line ends",
			text:  "stellar-budget-site 1\r\nabout\r\n\r\nindex.html\r\ncss/site.css\r\n",
			files: []string{"index.html", "css/site.css"},
			dirs:  []string{"css"},
		},
		{name: "no paths", text: "stellar-budget-site 1\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.text != "" {
				write(t, dir, map[string]string{MarkerName: tc.text})
			}
			m, err := readMarker(dir, "public")
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("readMarker error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.unmarked {
				if m != nil {
					t.Errorf("readMarker = %+v, want unmarked", m)
				}
				return
			}
			if m == nil {
				t.Fatal("readMarker = nil, want a marker")
			}
			if len(m.files) != len(tc.files) || len(m.dirs) != len(tc.dirs) {
				t.Errorf("marker lists files %v and dirs %v, want %v and %v", m.files, m.dirs, tc.files, tc.dirs)
			}
			for _, f := range tc.files {
				if !m.files[f] {
					t.Errorf("file %s not listed", f)
				}
			}
			for _, d := range tc.dirs {
				if !m.dirs[d] {
					t.Errorf("directory %s not listed", d)
				}
			}
		})
	}
}

// TestWriteMarkerRefusesLineBreak: a name a line-per-path list cannot
// hold fails the publish instead of writing a marker that lies.
func TestWriteMarkerRefusesLineBreak(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "two\nlines.css"), nil, 0o644); err != nil {
		t.Fatalf("create a file whose name holds a line break (Linux allows it): %v", err)
	}
	if err := writeMarker(dir); err == nil || !strings.Contains(err.Error(), "line break") {
		t.Errorf("writeMarker error %v, want a line break refusal", err)
	}
}
