package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// version describes this binary for --version: the module version the go
// command stamped (a tag, a pseudo-version, or "(devel)" under go run and
// go test), the commit and its time when the binary was built from a
// checkout with VCS stamping on, and the Go toolchain, for example
//
//	v0.0.0-20261130025512-1f9acc2e4b1c (commit 1f9acc2e4b1c, 2026-11-30T02:55:12Z), go1.26.8 linux/amd64
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return fmt.Sprintf("(unknown), %s %s/%s", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	}
	return describeBuild(info)
}

func describeBuild(info *debug.BuildInfo) string {
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var revision, when string
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	var b strings.Builder
	b.WriteString(v)
	if revision != "" {
		if len(revision) > 12 {
			revision = revision[:12]
		}
		fmt.Fprintf(&b, " (commit %s", revision)
		if when != "" {
			fmt.Fprintf(&b, ", %s", when)
		}
		if modified {
			b.WriteString(", with uncommitted changes")
		}
		b.WriteString(")")
	}
	goVersion := info.GoVersion
	if goVersion == "" {
		goVersion = runtime.Version()
	}
	fmt.Fprintf(&b, ", %s %s/%s", goVersion, runtime.GOOS, runtime.GOARCH)
	return b.String()
}
