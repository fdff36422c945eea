package budget

import (
	"math"
	"math/big"
	"testing"
)

func TestPercentRounding(t *testing.T) {
	// almost is 79.95 % less 4e-20 %: an 18-digit value rounded half away
	// from zero would make it 79.95 and show 80.0.
	almost := new(big.Rat).SetFrac(new(big.Int).Sub(new(big.Int).Mul(big.NewInt(7995), big.NewInt(fracUnit)), big.NewInt(4)), new(big.Int).Exp(big.NewInt(10), big.NewInt(22), nil))
	tests := []struct {
		name        string
		part, whole *big.Rat
		want        string // as shown
		wantOK      bool
	}{
		{"79.96 % shows as 80.0", big.NewRat(1999, 1), big.NewRat(2500, 1), "80.0", true},
		{"79.95 % is half way: up", big.NewRat(1599, 1), big.NewRat(2000, 1), "80.0", true},
		{"79.94 % down", big.NewRat(3997, 1), big.NewRat(5000, 1), "79.9", true},
		{"just below half way, beyond 18 digits", almost, big.NewRat(1, 1), "79.9", true},
		{"two thirds", big.NewRat(2, 1), big.NewRat(3, 1), "66.7", true},
		{"one third", big.NewRat(1, 1), big.NewRat(3, 1), "33.3", true},
		{"negative half way: away from zero", big.NewRat(-1225, 1), big.NewRat(10000, 1), "-12.3", true},
		{"over 100", big.NewRat(23, 1), big.NewRat(20, 1), "115.0", true},
		{"zero whole", big.NewRat(1, 1), big.NewRat(0, 1), "", false},
		{"beyond range", big.NewRat(1, 1), new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Exp(big.NewInt(10), big.NewInt(30), nil)), "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, ok := PercentOf(tc.part, tc.whole)
			if ok != tc.wantOK {
				t.Fatalf("PercentOf ok = %v, want %v", ok, tc.wantOK)
			}
			if !ok {
				return
			}
			if got := FormatPercent(p); got != tc.want {
				t.Errorf("FormatPercent(%s) = %q, want %q", p, got, tc.want)
			}
			if got := RoundPercent(p); got.Cmp(MustDecimal(tc.want)) != 0 {
				t.Errorf("RoundPercent(%s) = %s, want %s", p, got, tc.want)
			}
			// Cut toward zero: never further from zero than the exact ratio.
			exact := new(big.Rat).Mul(new(big.Rat).Quo(tc.part, tc.whole), big.NewRat(100, 1))
			if new(big.Rat).Abs(p.Rat()).Cmp(new(big.Rat).Abs(exact)) > 0 {
				t.Errorf("PercentOf = %s, beyond the exact %s", p, exact.FloatString(24))
			}
		})
	}
}

func TestPercentOfFraction(t *testing.T) {
	tests := []struct {
		f      float64
		want   string
		wantOK bool
	}{
		{0.5, "50.0", true},
		{0.8125, "81.3", true}, // exact in binary: half way, up (fmt's %.1f gives 81.2)
		{0.0625, "6.3", true},
		{1, "100.0", true},
		{math.NaN(), "", false},
		{math.Inf(1), "", false},
	}
	for _, tc := range tests {
		p, ok := PercentOfFraction(tc.f)
		if ok != tc.wantOK || (ok && FormatPercent(p) != tc.want) {
			t.Errorf("PercentOfFraction(%v) = %s, %v; want %s, %v", tc.f, FormatPercent(p), ok, tc.want, tc.wantOK)
		}
	}
}
