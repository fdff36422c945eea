package site

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// What --out may be. Publishing replaces the output directory as a whole,
// so the generator must know that everything in it is its own: pointed at
// a git clone or a home directory, it once deleted them. The rule:
//
//   - Every site Publish swaps in carries a marker, MarkerName, in its root,
//     listing every path the generator wrote there (the marker included).
//   - An output directory is replaced only when it is absent, empty, or
//     marked and holding nothing beyond what its marker lists (a listed
//     path that is missing is fine). A .gitkeep in its root is always
//     allowed and is carried into the new site (the repository commits
//     public/.gitkeep).
//   - Anything else is refused before anything is touched, naming the
//     directory and the first unexpected entry (ErrForeignOutput). That
//     includes a site written by a version before the marker: it is
//     refused once, and the user removes it.
//   - Symbolic links inside the directory are entries like files, compared
//     by name and never followed; an output directory that is itself a
//     symbolic link or a file is refused.
//
// CheckOutput applies the rule before a build starts, so a long build is
// not wasted; Publish applies it again just before the swap, and once more
// to the previous site after moving it aside, because the directory may
// change while a build runs. Only what passed that last check is deleted.

// MarkerName is the marker file in the root of every published site.
//
// Format 1 is UTF-8 text: a first line "stellar-budget-site 1" (the format
// version), free text explaining the file up to the first blank line, then
// one path a line: relative to the site's root, '/'-separated, sorted
// bytewise, a directory with a trailing '/'. It holds no time or other
// varying data, so two builds of the same report write the same bytes.
const MarkerName = ".stellar-budget-site"

// markerVersion is the marker format this generator writes and reads.
const markerVersion = 1

// markerPrefix starts the first line of a marker, before the version.
const markerPrefix = "stellar-budget-site "

// markerText explains the marker to whoever opens it.
const markerText = `The Stellar Budget generator wrote this directory. It replaces it on the
next build only if the directory holds nothing but the paths listed below
(and a .gitkeep). Paths are relative to this directory, '/'-separated and
sorted; a directory ends in '/'.
`

// gitkeep is the placeholder that keeps an empty public/ in version control.
const gitkeep = ".gitkeep"

// ErrForeignOutput is wrapped by every refusal to replace an output
// directory: it holds something the generator did not write, or it is not
// a directory.
var ErrForeignOutput = errors.New("output directory holds files the generator did not write")

// ForeignOutputError names the output directory and the first entry in it
// (in lexical walk order) that the generator did not write. It wraps
// ErrForeignOutput.
type ForeignOutputError struct {
	Dir  string // the output directory, as the user gave it
	File string // the unexpected file or directory, joined to Dir
}

func (e *ForeignOutputError) Error() string {
	return fmt.Sprintf("output directory %s holds %s, which the generator did not write: choose an empty or new directory, or remove that file", e.Dir, e.File)
}

func (e *ForeignOutputError) Unwrap() error { return ErrForeignOutput }

// refusal is a refusal that is about the output directory as a whole, not
// one entry in it. It wraps ErrForeignOutput.
type refusal struct{ msg string }

func (e *refusal) Error() string { return e.msg }
func (e *refusal) Unwrap() error { return ErrForeignOutput }

// CheckOutput reports whether Publish may replace out (see the rule at
// the top of this file): nil when it may, an error wrapping
// ErrForeignOutput when it holds something the generator did not write or
// is not a directory, or the error that kept it from looking. It changes
// nothing.
func CheckOutput(out string) error {
	if _, _, err := split(out); err != nil {
		return err
	}
	_, err := inspect(out, out)
	return err
}

// existing is what inspect found in an output directory.
type existing struct {
	present bool // the directory exists
	gitkeep bool // it holds a .gitkeep in its root, to carry over
}

// inspect applies the output rule to dir, naming what it finds as if dir
// were shown (Publish inspects the previous site under its moved-aside
// name but reports it under the name the user gave).
func inspect(dir, shown string) (existing, error) {
	info, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return existing{}, nil
	case err != nil:
		return existing{}, fmt.Errorf("check output directory %s: %w", shown, err)
	case info.Mode()&fs.ModeSymlink != 0:
		return existing{}, &refusal{fmt.Sprintf("output directory %s is a symbolic link: give the directory it points to, or choose an empty or new directory", shown)}
	case !info.IsDir():
		return existing{}, &refusal{fmt.Sprintf("output directory %s is a file, not a directory: choose an empty or new directory", shown)}
	}

	m, err := readMarker(dir, shown)
	if err != nil {
		return existing{}, err
	}
	found := existing{present: true}
	var foreign string
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == dir {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		// WalkDir does not follow symbolic links: a link, even to a
		// directory, is a non-directory entry here, judged by its name.
		switch {
		case name == gitkeep && (d.Type().IsRegular() || d.Type()&fs.ModeSymlink != 0):
			found.gitkeep = true
			return nil
		case name == MarkerName && m != nil && !d.IsDir():
			return nil
		case d.IsDir() && m != nil && m.dirs[name]:
			return nil
		case !d.IsDir() && m != nil && m.files[name]:
			return nil
		}
		foreign = rel
		return fs.SkipAll
	})
	if err != nil {
		return existing{}, fmt.Errorf("check output directory %s: %w", shown, err)
	}
	if foreign != "" {
		return existing{}, &ForeignOutputError{Dir: shown, File: filepath.Join(shown, foreign)}
	}
	return found, nil
}

// marker is a parsed marker: the files and directories it allows, the
// directories including every parent of a listed path.
type marker struct {
	files, dirs map[string]bool
}

// readMarker reads the marker in dir's root. It returns nil when there is
// none or the file is not one (not a regular file, or not starting with
// the marker's first line): dir then counts as unmarked. A marker of a
// format newer than this generator reads is refused.
func readMarker(dir, shown string) (*marker, error) {
	path := filepath.Join(dir, MarkerName)
	info, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && !info.Mode().IsRegular()) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("check output directory %s: %w", shown, err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("check output directory %s: %w", shown, err)
	}
	lines := strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	version, ok := strings.CutPrefix(lines[0], markerPrefix)
	if !ok {
		return nil, nil
	}
	n, err := strconv.Atoi(version)
	if err != nil || n < 1 {
		return nil, nil
	}
	if n > markerVersion {
		return nil, &refusal{fmt.Sprintf("output directory %s was written by a newer Stellar Budget (marker format %d): build with that version, or choose an empty or new directory", shown, n)}
	}
	// The explanation runs to the first blank line; the paths follow.
	blank := slices.Index(lines, "")
	if blank < 0 {
		blank = len(lines)
	}
	m := &marker{files: map[string]bool{}, dirs: map[string]bool{}}
	for _, name := range lines[blank:] {
		if name == "" {
			continue
		}
		if d, ok := strings.CutSuffix(name, "/"); ok {
			m.dirs[d] = true
			name = d
		} else {
			m.files[name] = true
		}
		for p := pathDir(name); p != ""; p = pathDir(p) {
			m.dirs[p] = true
		}
	}
	return m, nil
}

// pathDir is the parent of a slash-separated relative path, "" at the top.
func pathDir(name string) string {
	i := strings.LastIndexByte(name, '/')
	if i < 0 {
		return ""
	}
	return name[:i]
}

// writeMarker lists everything in dir, the marker itself included, into
// dir's marker. Publish calls it as the last step before the swap.
func writeMarker(dir string) error {
	names := []string{MarkerName}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == dir {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		if strings.ContainsAny(name, "\n\r") {
			return fmt.Errorf("%q: a name with a line break cannot be listed in %s", name, MarkerName)
		}
		if d.IsDir() {
			name += "/"
		}
		if name != MarkerName {
			names = append(names, name)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("write %s: %w", MarkerName, err)
	}
	slices.Sort(names)
	var b strings.Builder
	fmt.Fprintf(&b, "%s%d\n%s\n", markerPrefix, markerVersion, markerText)
	for _, name := range names {
		b.WriteString(name)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(filepath.Join(dir, MarkerName), []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", MarkerName, err)
	}
	return nil
}

// keepGitkeep copies out's root .gitkeep into staging, replacing the one
// Render writes, so the published site keeps the user's own (a link stays
// a link). One that has gone since the check is not missed.
func keepGitkeep(out, staging string) error {
	src, dst := filepath.Join(out, gitkeep), filepath.Join(staging, gitkeep)
	info, err := os.Lstat(src)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("keep %s: %w", src, err)
	}
	if err := os.Remove(dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("keep %s: %w", src, err)
	}
	if info.Mode()&fs.ModeSymlink != 0 {
		target, err := os.Readlink(src)
		if err == nil {
			err = os.Symlink(target, dst)
		}
		if err != nil {
			return fmt.Errorf("keep %s: %w", src, err)
		}
		return nil
	}
	b, err := os.ReadFile(src)
	if err == nil {
		err = os.WriteFile(dst, b, info.Mode().Perm())
	}
	if err == nil {
		err = os.Chmod(dst, info.Mode().Perm()) // not narrowed by the umask
	}
	if err != nil {
		return fmt.Errorf("keep %s: %w", src, err)
	}
	return nil
}
