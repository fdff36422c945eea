package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"testing"
)

func TestDescribeBuild(t *testing.T) {
	platform := fmt.Sprintf("%s/%s", runtime.GOOS, runtime.GOARCH)
	vcs := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	tests := []struct {
		name string
		info debug.BuildInfo
		want string
	}{
		{
			name: "go build in a clean checkout",
			info: debug.BuildInfo{
				GoVersion: "go1.26.8",
				Main:      debug.Module{Version: "v0.0.0-20261130025512-1f9acc2e4b1c"},
				Settings:  vcs("vcs.revision", "1f9acc2e4b1c0a6f3c1d2e3f4a5b6c7d8e9f0a1b", "vcs.time", "2026-11-30T02:55:12Z", "vcs.modified", "false"),
			},
			want: "v0.0.0-20261130025512-1f9acc2e4b1c (commit 1f9acc2e4b1c, 2026-11-30T02:55:12Z), go1.26.8 " + platform,
		},
		{
			name: "uncommitted changes",
			info: debug.BuildInfo{
				GoVersion: "go1.26.8",
				Main:      debug.Module{Version: "v0.0.0-20261130025512-1f9acc2e4b1c+dirty"},
				Settings:  vcs("vcs.revision", "1f9acc2e4b1c0a6f3c1d2e3f4a5b6c7d8e9f0a1b", "vcs.time", "2026-11-30T02:55:12Z", "vcs.modified", "true"),
			},
			want: "v0.0.0-20261130025512-1f9acc2e4b1c+dirty (commit 1f9acc2e4b1c, 2026-11-30T02:55:12Z, with uncommitted changes), go1.26.8 " + platform,
		},
		{
			name: "a tagged release",
			info: debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.0"}},
			want: "v1.2.0, go1.26.8 " + platform,
		},
		{
			name: "no version control information",
			info: debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			want: "(devel), go1.26.8 " + platform,
		},
		{
			name: "no version at all",
			info: debug.BuildInfo{GoVersion: "go1.26.8"},
			want: "(devel), go1.26.8 " + platform,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := describeBuild(&tc.info); got != tc.want {
				t.Errorf("describeBuild:\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}
