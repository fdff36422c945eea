package emulator

import "testing"

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"262144", 262144, true},
		{"256KiB", 256 << 10, true},
		{"25MiB", DefaultInlineLimit, true},
		{"2GiB", 2 << 30, true},
		{"100B", 100, true},
		{" 1 MiB ", 1 << 20, true},
		{"0", 0, false},
		{"", 0, false},
		{"KiB", 0, false},
		{"1.5MiB", 0, false},
		{"-1", 0, false},
		{"256KB", 0, false},
		{"256kib", 0, false},
		{"99999999999999999999", 0, false},
		{"9999999999GiB", 0, false},
	}
	for _, tc := range tests {
		got, err := ParseSize(tc.in)
		if tc.ok != (err == nil) || got != tc.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{DefaultInlineLimit: "25MiB", 256 << 10: "256KiB", 1000: "1000", 3 << 30: "3GiB"} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %s, want %s", n, got, want)
		}
	}
}

// FuzzParseSize: any text either fails or gives a positive size that
// FormatSize writes back to the same size.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"256KiB", "25MiB", "1", "0", "1GiB", "x", "18446744073709551616", "4611686018427387904B"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSize(s)
		if err != nil {
			return
		}
		if n <= 0 {
			t.Fatalf("ParseSize(%q) = %d", s, n)
		}
		back, err := ParseSize(FormatSize(n))
		if err != nil || back != n {
			t.Fatalf("ParseSize(FormatSize(%d)) = %d, %v", n, back, err)
		}
	})
}
