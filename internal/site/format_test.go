package site

import (
	"strings"
	"testing"

	"github.com/novadynamics/stellar-budget/internal/budget"
	"github.com/novadynamics/stellar-budget/internal/report"
)

func TestUSD(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"zero", "0", "$0.00"},
		{"cents", "0.5", "$0.50"},
		{"thousands", "12345.67", "$12,345.67"},
		{"millions", "1234567.891", "$1,234,567.89"},
		{"exact thousand", "1000", "$1,000.00"},
		{"hundreds", "999.999", "$1,000.00"},
		{"negative", "-1.23", "-$1.23"},
		{"negative thousands", "-4200", "-$4,200.00"},
		{"half a cent rounds away from zero", "-0.005", "-$0.01"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := usd(budget.MustDecimal(tc.in)); got != tc.want {
				t.Errorf("usd(%s) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

func TestPctAndDBUs(t *testing.T) {
	tests := []struct{ name, got, want string }{
		{"undefined", pct(report.Percent{}), "n/a"},
		{"one decimal", pct(report.Percent{Value: budget.MustDecimal("87.45"), Defined: true}), "87.5 %"},
		{"dbus", dbus(budget.MustDecimal("1234.5")), "1,234.50"},
		{"rounding to zero drops the sign", dbus(budget.MustDecimal("-0.004")), "0.00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %s, want %s", tc.got, tc.want)
			}
		})
	}
}

func TestGuardText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"ALPHA", "ALPHA"},
		{"=1+1", "'=1+1"},
		{"+SUM(A1)", "'+SUM(A1)"},
		{"-2+3", "'-2+3"},
		{"@cmd", "'@cmd"},
		{"\tTAB", "'\tTAB"},
		{"\rCR", "'\rCR"},
		{"a=b", "a=b"},
		{"'quoted", "'quoted"},
	}
	for _, tc := range tests {
		if got := guardText(tc.in); got != tc.want {
			t.Errorf("guardText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzGuardText checks that no guarded cell starts like a formula, and that
// the guard only ever prepends one apostrophe.
func FuzzGuardText(f *testing.F) {
	for _, s := range []string{"", "x", "=HYPERLINK(\"http://x\",\"y\")", "+1", "-1", "@a", "\t", "\r\n", "'=", "é="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := guardText(s)
		if got != s && got != "'"+s {
			t.Fatalf("guardText(%q) = %q: changed more than a leading apostrophe", s, got)
		}
		if got != "" && strings.ContainsRune("=+-@\t\r", rune(got[0])) {
			t.Fatalf("guardText(%q) = %q starts like a formula", s, got)
		}
		if got != s && !strings.ContainsRune("=+-@\t\r", rune(s[0])) {
			t.Fatalf("guardText(%q) = %q guarded a harmless cell", s, got)
		}
	})
}

func TestCount(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 219299: "219,299", -1234567: "-1,234,567"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestUSDWholeRounds(t *testing.T) {
	for in, want := range map[string]string{"1234.49": "$1,234", "1234.5": "$1,235", "-0.6": "-$1", "0.4": "$0"} {
		if got := usdWhole(budget.MustDecimal(in)); got != want {
			t.Errorf("usdWhole(%s) = %s, want %s", in, got, want)
		}
	}
}
