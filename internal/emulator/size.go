package emulator

import (
	"fmt"
	"strconv"
	"strings"
)

// DefaultInlineLimit is the largest INLINE result Databricks serves: 25 MiB
// (26214400 bytes); a larger one fails the statement.
const DefaultInlineLimit = 25 << 20

// sizeUnits are the suffixes ParseSize takes, largest first.
var sizeUnits = []struct {
	suffix string
	bytes  int64
}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}

// ParseSize reads a size in bytes: a whole number, optionally followed by
// B, KiB, MiB or GiB ("262144", "256KiB", "25MiB"). It must be at least
// one byte.
func ParseSize(s string) (int64, error) {
	num, unit := strings.TrimSpace(s), int64(1)
	for _, u := range sizeUnits {
		if n, ok := strings.CutSuffix(num, u.suffix); ok {
			num, unit = strings.TrimSpace(n), u.bytes
			break
		}
	}
	if num == "" || strings.TrimLeft(num, "0123456789") != "" {
		return 0, fmt.Errorf("size %q: want a whole number of bytes, or one with a KiB, MiB or GiB suffix (e.g. 256KiB)", s)
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n > (1<<62)/unit {
		return 0, fmt.Errorf("size %q: too large", s)
	}
	if n == 0 {
		return 0, fmt.Errorf("size %q: want at least one byte", s)
	}
	return n * unit, nil
}

// FormatSize writes n bytes in the largest unit that divides it, as
// ParseSize reads it back.
func FormatSize(n int64) string {
	for _, u := range sizeUnits[:3] {
		if n%u.bytes == 0 {
			return strconv.FormatInt(n/u.bytes, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}
