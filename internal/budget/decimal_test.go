package budget

import (
	"math/big"
	"testing"
)

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		name, in, want string
		wantErr        bool
	}{
		{name: "integer", in: "4200", want: "4200"},
		{name: "fraction", in: "0.000001", want: "0.000001"},
		{name: "negative", in: "-12.50", want: "-12.5"},
		{name: "plus sign", in: "+3.25", want: "3.25"},
		{name: "leading dot", in: ".5", want: "0.5"},
		{name: "trailing dot", in: "5.", want: "5"},
		{name: "18 places", in: "1.000000000000000001", want: "1.000000000000000001"},
		{name: "extra zero places", in: "1.50000000000000000000", want: "1.5"},
		{name: "too many places", in: "1.0000000000000000001", wantErr: true},
		{name: "letters", in: "12.5x", wantErr: true},
		{name: "empty", in: "", wantErr: true},
		{name: "lone sign", in: "-", wantErr: true},
		{name: "lone dot", in: ".", wantErr: true},
		{name: "exponent", in: "1e3", wantErr: true},
		{name: "too large", in: "1234567890123456789", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ParseDecimal(tc.in)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("ParseDecimal(%q) = %s, want error", tc.in, d)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDecimal(%q): %v", tc.in, err)
			}
			if got := d.String(); got != tc.want {
				t.Errorf("ParseDecimal(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

func TestDecimalArithmeticMatchesBigRat(t *testing.T) {
	values := []string{"0", "0.1", "-0.1", "12.345678901234567890", "-7.000000000000000001", "999999.999999", "-0.5", "0.005", "-0.005"}
	for _, a := range values {
		for _, b := range values {
			x, y := MustDecimal(a), MustDecimal(b)
			want := new(big.Rat).Add(x.Rat(), y.Rat())
			if got := x.Add(y).Rat(); got.Cmp(want) != 0 {
				t.Errorf("%s + %s = %s, want %s", a, b, got.FloatString(18), want.FloatString(18))
			}
			wantSub := new(big.Rat).Sub(x.Rat(), y.Rat())
			if got := x.Sub(y).Rat(); got.Cmp(wantSub) != 0 {
				t.Errorf("%s - %s = %s, want %s", a, b, got.FloatString(18), wantSub.FloatString(18))
			}
			if got, want := x.Cmp(y), x.Rat().Cmp(y.Rat()); got != want {
				t.Errorf("Cmp(%s, %s) = %d, want %d", a, b, got, want)
			}
		}
	}
}

func TestDecimalRound(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0.005", "0.01"},
		{"-0.005", "-0.01"},
		{"0.004999", "0.00"},
		{"1.995", "2.00"},
		{"-1.995", "-2.00"},
		{"1234.5", "1234.50"},
		{"-0.001", "0.00"},
	}
	for _, tc := range tests {
		if got := MustDecimal(tc.in).Cents(); got != tc.want {
			t.Errorf("Cents(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"1", "-0.5", "12.345", ".1", "1e5", "", "--1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDecimal(s)
		if err != nil {
			return
		}
		back, err := ParseDecimal(d.String())
		if err != nil || back != d {
			t.Fatalf("round trip of %q: %s -> %v, %v", s, d, back, err)
		}
	})
}

func TestGroupedAndUSD(t *testing.T) {
	tests := []struct{ in, grouped, usd string }{
		{"0", "0.00", "$0.00"},
		{"999.995", "1,000.00", "$1,000.00"},
		{"1234567.891", "1,234,567.89", "$1,234,567.89"},
		{"-1.234", "-1.23", "-$1.23"},
		{"-4200", "-4,200.00", "-$4,200.00"},
	}
	for _, tc := range tests {
		d := MustDecimal(tc.in)
		if got := d.Grouped(2); got != tc.grouped {
			t.Errorf("Grouped(%s) = %s, want %s", tc.in, got, tc.grouped)
		}
		if got := d.USD(); got != tc.usd {
			t.Errorf("USD(%s) = %s, want %s", tc.in, got, tc.usd)
		}
	}
	if got := MustDecimal("1234.5").Grouped(0); got != "1,235" {
		t.Errorf("Grouped(0) = %s, want 1,235", got)
	}
}
