package site

import (
	"errors"
	"io"
	"io/fs"
	"slices"
	"strings"
)

// Overlay returns the templates a build uses: the user's templates
// directory laid over the built-in layouts, the way Hugo lays a project's
// layouts over its theme's.
//
// The lookup order for a path such as layouts/partials/nav.html is:
//
//  1. user (the --templates directory): a file there wins, so copying one
//     built-in layout into it and editing the copy overrides just that
//     layout;
//  2. builtin (the layouts embedded in the binary): everything the user
//     did not provide.
//
// A directory present in both is the union of the two: listing it
// (fs.ReadDir, fs.Glob such as layouts/partials/*.html, fs.WalkDir, fs.Sub)
// shows the user's files, the user's additions (a new partial) and the
// built-in files the user did not replace. A file the user has but cannot
// read is an error, not a silent fall back to the built-in one.
//
// user may be nil (no templates directory): the result is builtin.
func Overlay(user, builtin fs.FS) fs.FS {
	if user == nil {
		return builtin
	}
	return &overlay{user: user, builtin: builtin}
}

// overlay implements fs.StatFS, fs.ReadDirFS and fs.SubFS; fs.Glob and
// fs.WalkDir work through ReadDir and so see the union.
type overlay struct {
	user, builtin fs.FS
}

// stat finds name in each layer; a missing name is a nil FileInfo, any
// other error is returned.
func (o *overlay) stat(op, name string) (user, builtin fs.FileInfo, err error) {
	if !fs.ValidPath(name) {
		return nil, nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	if user, err = fs.Stat(o.user, name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, err
	}
	if builtin, err = fs.Stat(o.builtin, name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, err
	}
	if user == nil && builtin == nil {
		return nil, nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	return user, builtin, nil
}

// Open opens the user's file when there is one, else the built-in one; a
// directory in both opens as their union.
func (o *overlay) Open(name string) (fs.File, error) {
	user, builtin, err := o.stat("open", name)
	if err != nil {
		return nil, err
	}
	switch {
	case user != nil && user.IsDir() && builtin != nil && builtin.IsDir():
		entries, err := o.ReadDir(name)
		if err != nil {
			return nil, err
		}
		return &unionDir{info: user, entries: entries}, nil
	case user != nil:
		return o.user.Open(name)
	default:
		return o.builtin.Open(name)
	}
}

func (o *overlay) Stat(name string) (fs.FileInfo, error) {
	user, builtin, err := o.stat("stat", name)
	if err != nil {
		return nil, err
	}
	if user != nil {
		return user, nil
	}
	return builtin, nil
}

// ReadDir lists name sorted by file name, an entry of the user's replacing
// the built-in entry of the same name.
func (o *overlay) ReadDir(name string) ([]fs.DirEntry, error) {
	user, builtin, err := o.stat("readdir", name)
	if err != nil {
		return nil, err
	}
	if user == nil {
		return fs.ReadDir(o.builtin, name)
	}
	if !user.IsDir() || builtin == nil || !builtin.IsDir() {
		return fs.ReadDir(o.user, name)
	}
	userEntries, err := fs.ReadDir(o.user, name)
	if err != nil {
		return nil, err
	}
	builtinEntries, err := fs.ReadDir(o.builtin, name)
	if err != nil {
		return nil, err
	}
	entries := slices.Clone(userEntries)
	for _, e := range builtinEntries {
		if _, found := slices.BinarySearchFunc(userEntries, e.Name(), byName); !found {
			entries = append(entries, e)
		}
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return entries, nil
}

func byName(e fs.DirEntry, name string) int { return strings.Compare(e.Name(), name) }

// Sub is the overlay of the two layers' subtrees, so a caller that narrows
// the templates to layouts/ keeps the lookup order.
func (o *overlay) Sub(dir string) (fs.FS, error) {
	if !fs.ValidPath(dir) {
		return nil, &fs.PathError{Op: "sub", Path: dir, Err: fs.ErrInvalid}
	}
	if dir == "." {
		return o, nil
	}
	user, err := fs.Sub(o.user, dir)
	if err != nil {
		return nil, err
	}
	builtin, err := fs.Sub(o.builtin, dir)
	if err != nil {
		return nil, err
	}
	return &overlay{user: user, builtin: builtin}, nil
}

// unionDir is an open directory present in both layers.
type unionDir struct {
	info    fs.FileInfo
	entries []fs.DirEntry
	offset  int
}

func (d *unionDir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *unionDir) Close() error               { return nil }

func (d *unionDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.Name(), Err: errors.New("is a directory")}
}

// ReadDir follows fs.ReadDirFile: n > 0 reads at most n entries and io.EOF
// at the end, n <= 0 reads the rest.
func (d *unionDir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.offset:]
	if n <= 0 {
		d.offset = len(d.entries)
		return slices.Clone(rest), nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(rest))
	d.offset += n
	return slices.Clone(rest[:n]), nil
}

// The interfaces the overlay promises.
var (
	_ fs.StatFS      = (*overlay)(nil)
	_ fs.ReadDirFS   = (*overlay)(nil)
	_ fs.SubFS       = (*overlay)(nil)
	_ fs.ReadDirFile = (*unionDir)(nil)
)
