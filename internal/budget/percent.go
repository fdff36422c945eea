package budget

import (
	"math"
	"math/big"
)

// PercentPlaces is how many decimals every percentage is shown with.
const PercentPlaces = 1

// percentScale is 100 × 10^fracDigits: a ratio in percent, in Decimal's
// fractional units.
var percentScale = new(big.Int).Mul(big.NewInt(100), big.NewInt(fracUnit))

// PercentOf returns part / whole × 100, cut toward zero to Decimal's 18
// places; ok is false when whole is zero or the ratio is beyond Decimal's
// range. Cut, not rounded: a percentage is rounded once, where it is shown
// (RoundPercent), and every half-way point of that rounding has fewer than
// 18 places, so cutting never moves a value across one; rounding the cut
// value is rounding the exact ratio.
func PercentOf(part, whole *big.Rat) (Decimal, bool) {
	if whole.Sign() == 0 {
		return Decimal{}, false
	}
	num := new(big.Int).Mul(part.Num(), whole.Denom())
	num.Mul(num, percentScale)
	den := new(big.Int).Mul(part.Denom(), whole.Num())
	units := num.Quo(num, den) // truncated toward zero
	whole64, frac := new(big.Int).DivMod(units, big.NewInt(fracUnit), new(big.Int))
	if !whole64.IsInt64() {
		return Decimal{}, false
	}
	return Decimal{whole: whole64.Int64(), frac: frac.Int64()}, true
}

// PercentOfFraction returns a fraction (a probability, a share of
// outcomes; 1 is the whole) in percent, from the float's exact value; ok is
// false for NaN, an infinity or a fraction beyond Decimal's range.
func PercentOfFraction(f float64) (Decimal, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Decimal{}, false
	}
	return PercentOf(new(big.Rat).SetFloat64(f), big.NewRat(1, 1))
}

// RoundPercent rounds a percentage to PercentPlaces decimals, half away
// from zero (half up, for the shares and utilisations a reader meets):
// 79.95 % is 80.0 %, 79.9499 % is 79.9 %. It is the one rule every page,
// CSV, snapshot and command line shows a percentage by; a gate compares the
// unrounded value, never this.
func RoundPercent(p Decimal) Decimal { return p.Round(PercentPlaces) }

// FormatPercent writes a percentage as RoundPercent rounds it, without a
// "%": "80.0".
func FormatPercent(p Decimal) string { return p.StringFixed(PercentPlaces) }
