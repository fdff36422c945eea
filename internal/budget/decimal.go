package budget

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// fracDigits is the fixed scale of Decimal. Row costs are usage (10 decimals)
// times a list price (8 decimals), so 18 digits hold every row cost and every
// sum of them exactly; rounding happens once, where a figure is shown.
const fracDigits = 18

const fracUnit = 1_000_000_000_000_000_000 // 10^fracDigits

// Decimal is an exact fixed-point number with 18 fractional digits, used for
// money (USD) and DBU quantities. The zero value is 0. It is stored as a
// floor split, whole + frac/10^18 with 0 <= frac < 10^18, so that adding two
// values is two integer additions and a carry.
type Decimal struct {
	whole int64
	frac  int64
}

// ParseDecimal reads a plain decimal number such as "-12.5", "0.000001" or
// "4200". Exponents are not accepted; digits beyond the 18th fractional one
// are an error rather than a silent rounding.
func ParseDecimal(s string) (Decimal, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return Decimal{}, fmt.Errorf("%q is not a number", s)
	}
	neg := false
	switch t[0] {
	case '-':
		neg, t = true, t[1:]
	case '+':
		t = t[1:]
	}
	intPart, fracPart, hasDot := strings.Cut(t, ".")
	if intPart == "" && (!hasDot || fracPart == "") {
		return Decimal{}, fmt.Errorf("%q is not a number", s)
	}
	if !allDigits(intPart) || !allDigits(fracPart) {
		return Decimal{}, fmt.Errorf("%q is not a number", s)
	}
	if len(fracPart) > fracDigits {
		trimmed := strings.TrimRight(fracPart[fracDigits:], "0")
		if trimmed != "" {
			return Decimal{}, fmt.Errorf("%q has more than %d decimal places", s, fracDigits)
		}
		fracPart = fracPart[:fracDigits]
	}
	intPart = strings.TrimLeft(intPart, "0")
	if len(intPart) > 18 {
		return Decimal{}, fmt.Errorf("%q is too large", s)
	}
	var d Decimal
	for _, c := range intPart {
		d.whole = d.whole*10 + int64(c-'0')
	}
	fracPart += strings.Repeat("0", fracDigits-len(fracPart))
	for _, c := range fracPart {
		d.frac = d.frac*10 + int64(c-'0')
	}
	if neg {
		d = d.Neg()
	}
	return d, nil
}

// MustDecimal is ParseDecimal for constants in code and tests.
func MustDecimal(s string) Decimal {
	d, err := ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

// DecimalFromInt returns n as a Decimal.
func DecimalFromInt(n int64) Decimal { return Decimal{whole: n} }

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Add returns d + e.
func (d Decimal) Add(e Decimal) Decimal {
	r := Decimal{whole: d.whole + e.whole, frac: d.frac + e.frac}
	if r.frac >= fracUnit {
		r.whole++
		r.frac -= fracUnit
	}
	return r
}

// Sub returns d - e.
func (d Decimal) Sub(e Decimal) Decimal { return d.Add(e.Neg()) }

// Neg returns -d.
func (d Decimal) Neg() Decimal {
	if d.frac == 0 {
		return Decimal{whole: -d.whole}
	}
	return Decimal{whole: -d.whole - 1, frac: fracUnit - d.frac}
}

// Sign returns -1, 0 or +1.
func (d Decimal) Sign() int {
	switch {
	case d.whole < 0:
		return -1
	case d.whole == 0 && d.frac == 0:
		return 0
	default:
		return 1
	}
}

// IsZero reports whether d is 0.
func (d Decimal) IsZero() bool { return d.whole == 0 && d.frac == 0 }

// Cmp compares d and e and returns -1, 0 or +1.
func (d Decimal) Cmp(e Decimal) int {
	switch {
	case d.whole < e.whole:
		return -1
	case d.whole > e.whole:
		return 1
	case d.frac < e.frac:
		return -1
	case d.frac > e.frac:
		return 1
	}
	return 0
}

// Rat returns d as an exact rational, for computations such as ratios.
func (d Decimal) Rat() *big.Rat {
	n := new(big.Int).Mul(big.NewInt(d.whole), big.NewInt(fracUnit))
	n.Add(n, big.NewInt(d.frac))
	return new(big.Rat).SetFrac(n, big.NewInt(fracUnit))
}

// Float64 returns d as the nearest float64, for charts and ratios only; never
// sum these.
func (d Decimal) Float64() float64 {
	f, _ := d.Rat().Float64()
	return f
}

// Round returns d rounded to places decimal places (0..18), half away from
// zero, the way a finance reader rounds.
func (d Decimal) Round(places int) Decimal {
	if places >= fracDigits {
		return d
	}
	step := int64(1)
	for range fracDigits - places {
		step *= 10
	}
	neg := d.Sign() < 0
	a := d
	if neg {
		a = d.Neg()
	}
	rem := a.frac % step
	a.frac -= rem
	if rem*2 >= step {
		a.frac += step
		if a.frac >= fracUnit {
			a.whole++
			a.frac -= fracUnit
		}
	}
	if neg {
		return a.Neg()
	}
	return a
}

// StringFixed formats d rounded to places decimal places, e.g. "1234.50".
func (d Decimal) StringFixed(places int) string {
	r := d.Round(places)
	neg := r.Sign() < 0
	if neg {
		r = r.Neg()
	}
	digits := fmt.Sprintf("%018d", r.frac)[:places]
	s := fmt.Sprintf("%d", r.whole)
	if places > 0 {
		s += "." + digits
	}
	if neg {
		s = "-" + s
	}
	return s
}

// String formats d with no trailing fractional zeros, e.g. "12.5".
func (d Decimal) String() string {
	s := d.StringFixed(fracDigits)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// CentsOf rounds a float64 amount (a model's estimate, never a sum of
// money) to cents; NaN, an infinity or an amount beyond Decimal's range
// gives 0.
func CentsOf(usd float64) Decimal {
	if math.IsNaN(usd) || math.IsInf(usd, 0) {
		return Decimal{}
	}
	d, err := ParseDecimal(strconv.FormatFloat(usd, 'f', 2, 64))
	if err != nil {
		return Decimal{}
	}
	return d
}

// Cents returns d as USD to 2 decimals, the form money is shown and written in.
func (d Decimal) Cents() string { return d.StringFixed(2) }

// Grouped formats d rounded to places decimals with a comma between each
// group of three integer digits: "-12,345.67".
func (d Decimal) Grouped(places int) string {
	s := d.StringFixed(places)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	if hasFrac {
		frac = "." + frac
	}
	return sign + Thousands(whole) + frac
}

// USD formats d as money the way a reader expects it: "$12,345.67",
// "-$1.23".
func (d Decimal) USD() string {
	s := d.Grouped(2)
	if strings.HasPrefix(s, "-") {
		return "-$" + s[1:]
	}
	return "$" + s
}

// Thousands puts a comma between each group of three digits of a run of
// digits.
func Thousands(digits string) string {
	var b strings.Builder
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// MarshalText writes the exact value, so JSON keeps every digit.
func (d Decimal) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads what MarshalText wrote.
func (d *Decimal) UnmarshalText(b []byte) error {
	v, err := ParseDecimal(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
