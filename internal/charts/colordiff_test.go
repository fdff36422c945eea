package charts

import (
	"fmt"
	"math"
	"strconv"
	"testing"
)

// sharma2005 is Table 1 of Sharma, Wu and Dalal (2005): 34 pairs of CIELAB
// colours with their CIEDE2000 difference, chosen to exercise every branch
// of the formula (hue angles across 0°/360°, the mean hue's wrap, the
// rotation term near 275°, achromatic colours).
var sharma2005 = []struct {
	c1, c2 Lab
	want   float64
}{
	{Lab{50.0000, 2.6772, -79.7751}, Lab{50.0000, 0.0000, -82.7485}, 2.0425},
	{Lab{50.0000, 3.1571, -77.2803}, Lab{50.0000, 0.0000, -82.7485}, 2.8615},
	{Lab{50.0000, 2.8361, -74.0200}, Lab{50.0000, 0.0000, -82.7485}, 3.4412},
	{Lab{50.0000, -1.3802, -84.2814}, Lab{50.0000, 0.0000, -82.7485}, 1.0000},
	{Lab{50.0000, -1.1848, -84.8006}, Lab{50.0000, 0.0000, -82.7485}, 1.0000},
	{Lab{50.0000, -0.9009, -85.5211}, Lab{50.0000, 0.0000, -82.7485}, 1.0000},
	{Lab{50.0000, 0.0000, 0.0000}, Lab{50.0000, -1.0000, 2.0000}, 2.3669},
	{Lab{50.0000, -1.0000, 2.0000}, Lab{50.0000, 0.0000, 0.0000}, 2.3669},
	{Lab{50.0000, 2.4900, -0.0010}, Lab{50.0000, -2.4900, 0.0009}, 7.1792},
	{Lab{50.0000, 2.4900, -0.0010}, Lab{50.0000, -2.4900, 0.0010}, 7.1792},
	{Lab{50.0000, 2.4900, -0.0010}, Lab{50.0000, -2.4900, 0.0011}, 7.2195},
	{Lab{50.0000, 2.4900, -0.0010}, Lab{50.0000, -2.4900, 0.0012}, 7.2195},
	{Lab{50.0000, -0.0010, 2.4900}, Lab{50.0000, 0.0009, -2.4900}, 4.8045},
	{Lab{50.0000, -0.0010, 2.4900}, Lab{50.0000, 0.0010, -2.4900}, 4.8045},
	{Lab{50.0000, -0.0010, 2.4900}, Lab{50.0000, 0.0011, -2.4900}, 4.7461},
	{Lab{50.0000, 2.5000, 0.0000}, Lab{50.0000, 0.0000, -2.5000}, 4.3065},
	{Lab{50.0000, 2.5000, 0.0000}, Lab{73.0000, 25.0000, -18.0000}, 27.1492},
	{Lab{50.0000, 2.5000, 0.0000}, Lab{61.0000, -5.0000, 29.0000}, 22.8977},
	{Lab{50.0000, 2.5000, 0.0000}, Lab{56.0000, -27.0000, -3.0000}, 31.9030},
	{Lab{50.0000, 2.5000, 0.0000}, Lab{58.0000, 24.0000, 15.0000}, 19.4535},
	{Lab{50.0000, 2.5000, 0.0000}, Lab{50.0000, 3.1736, 0.5854}, 1.0000},
	{Lab{50.0000, 2.5000, 0.0000}, Lab{50.0000, 3.2972, 0.0000}, 1.0000},
	{Lab{50.0000, 2.5000, 0.0000}, Lab{50.0000, 1.8634, 0.5757}, 1.0000},
	{Lab{50.0000, 2.5000, 0.0000}, Lab{50.0000, 3.2592, 0.3350}, 1.0000},
	{Lab{60.2574, -34.0099, 36.2677}, Lab{60.4626, -34.1751, 39.4387}, 1.2644},
	{Lab{63.0109, -31.0961, -5.8663}, Lab{62.8187, -29.7946, -4.0864}, 1.2630},
	{Lab{61.2901, 3.7196, -5.3901}, Lab{61.4292, 2.2480, -4.9620}, 1.8731},
	{Lab{35.0831, -44.1164, 3.7933}, Lab{35.0232, -40.0716, 1.5901}, 1.8645},
	{Lab{22.7233, 20.0904, -46.6940}, Lab{23.0331, 14.9730, -42.5619}, 2.0373},
	{Lab{36.4612, 47.8580, 18.3852}, Lab{36.2715, 50.5065, 21.2231}, 1.4146},
	{Lab{90.8027, -2.0831, 1.4410}, Lab{91.1528, -1.6435, 0.0447}, 1.4441},
	{Lab{90.9257, -0.5406, -0.9208}, Lab{88.6381, -0.8985, -0.7239}, 1.5381},
	{Lab{6.7747, -0.2908, -2.4247}, Lab{5.8714, -0.0985, -2.2286}, 0.6377},
	{Lab{2.0776, 0.0795, -1.1350}, Lab{0.9033, -0.0636, -0.5514}, 0.9082},
}

func TestDeltaE2000Reference(t *testing.T) {
	for i, tc := range sharma2005 {
		t.Run(fmt.Sprintf("pair %d", i+1), func(t *testing.T) {
			// The table gives 4 decimals; the formula is symmetric.
			if got := DeltaE2000(tc.c1, tc.c2); math.Abs(got-tc.want) > 0.00005 {
				t.Errorf("ΔE00(%v, %v) = %.5f, want %.4f", tc.c1, tc.c2, got, tc.want)
			}
			if a, b := DeltaE2000(tc.c1, tc.c2), DeltaE2000(tc.c2, tc.c1); math.Abs(a-b) > 1e-9 {
				t.Errorf("not symmetric: %.6f and %.6f", a, b)
			}
		})
	}
}

func TestParseLab(t *testing.T) {
	tests := []struct {
		name, hex string
		want      Lab
	}{
		{"white", "#FFFFFF", Lab{100, 0, 0}},
		{"black", "#000000", Lab{0, 0, 0}},
		{"mid grey", "#777777", Lab{50.03, 0, 0}},
		// sRGB primaries in CIELAB (D65), as Lindbloom's calculator gives them.
		{"red", "#FF0000", Lab{53.2408, 80.0925, 67.2032}},
		{"green", "#00FF00", Lab{87.7347, -86.1827, 83.1793}},
		{"blue", "#0000FF", Lab{32.2970, 79.1875, -107.8602}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseLab(tc.hex)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got.L-tc.want.L) > 0.01 || math.Abs(got.A-tc.want.A) > 0.01 || math.Abs(got.B-tc.want.B) > 0.01 {
				t.Errorf("ParseLab(%s) = %.4f, want %.4f", tc.hex, got, tc.want)
			}
		})
	}
	for _, bad := range []string{"", "#FFF", "FFFFFF", "#GG0000", "#0000001"} {
		if _, err := ParseLab(bad); err == nil {
			t.Errorf("ParseLab(%q) gave no error", bad)
		}
	}
}

// minDistance is how far colours must be apart to be told apart at a
// glance (issue 11: CIEDE2000 at least 15).
const minDistance = 15

// TestPaletteDistances holds every pair of colours that can meet on a page
// at minDistance or more, and every figure colour at 3:1 contrast on white.
func TestPaletteDistances(t *testing.T) {
	categories, resources := palette[:], resourcePalette[:]
	greys := []string{UnattributedColor, BudgetColor}
	groups := []struct {
		name string
		a, b []string
	}{
		{"category and category", categories, nil},
		{"category and grey", categories, greys},
		{"resource type and resource type", resources, nil},
		{"resource type and category", resources, categories},
		{"resource type and grey", resources, greys},
	}
	overall := math.Inf(1)
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			least, pair := math.Inf(1), ""
			check := func(x, y string) {
				d, err := ColorDistance(x, y)
				if err != nil {
					t.Fatal(err)
				}
				if d < minDistance {
					t.Errorf("%s and %s are %.1f apart (CIEDE2000), want >= %d", x, y, d, minDistance)
				}
				if d < least {
					least, pair = d, x+" "+y
				}
			}
			if g.b == nil {
				for i := range g.a {
					for j := i + 1; j < len(g.a); j++ {
						check(g.a[i], g.a[j])
					}
				}
			} else {
				for _, x := range g.a {
					for _, y := range g.b {
						check(x, y)
					}
				}
			}
			t.Logf("closest: %s, %.2f", pair, least)
			overall = min(overall, least)
		})
	}
	t.Logf("smallest distance between any two chart colours: %.2f", overall)
	for _, c := range append(append([]string{}, categories...), resources...) {
		if r := contrast(c, "#FFFFFF"); r < 3 {
			t.Errorf("%s has %.2f:1 contrast on white, want >= 3", c, r)
		}
	}
}

// The check can fail: the two colours issue 11 found near twins (the old
// Navigation and Propulsion colours) are closer than minDistance.
func TestDistanceCatchesTwins(t *testing.T) {
	d, err := ColorDistance("#B26B00", "#997700")
	if err != nil {
		t.Fatal(err)
	}
	if d >= minDistance {
		t.Errorf("#B26B00 and #997700 are %.1f apart; the check would not have caught them", d)
	}
	t.Logf("#B26B00 and #997700: %.2f", d)
}

func TestResourceColor(t *testing.T) {
	seen := map[string]bool{}
	for i := range len(resourcePalette) {
		c := ResourceColor(i)
		if seen[c] {
			t.Errorf("resource colour %d %s repeats", i, c)
		}
		seen[c] = true
		for j := range len(palette) {
			if c == CategoryColor(j) {
				t.Errorf("resource colour %d is category colour %d", i, j)
			}
		}
	}
	if ResourceColor(len(resourcePalette)) != ResourceColor(0) || ResourceColor(-1) != UnattributedColor {
		t.Error("resource palette does not cycle, or a negative index is not grey")
	}
}

// machado2009 simulates protanopia and deuteranopia (severity 1) on linear
// sRGB: Machado, Oliveira and Fernandes, "A physiologically-based model
// for simulation of color vision deficiency", IEEE TVCG 15 (6), 2009.
var machado2009 = map[string][3][3]float64{
	"protanopia":   {{0.152286, 1.052583, -0.204868}, {0.114503, 0.786281, 0.099216}, {-0.003882, -0.048116, 1.051998}},
	"deuteranopia": {{0.367322, 0.860646, -0.227968}, {0.280085, 0.672501, 0.047413}, {-0.011820, 0.042940, 0.968881}},
}

// simulate returns hex as a viewer with the given deficiency sees it.
func simulate(t *testing.T, m [3][3]float64, hex string) string {
	t.Helper()
	var lin [3]float64
	for i := range lin {
		n, err := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		if err != nil {
			t.Fatal(err)
		}
		v := float64(n) / 255
		if v <= 0.04045 {
			lin[i] = v / 12.92
		} else {
			lin[i] = math.Pow((v+0.055)/1.055, 2.4)
		}
	}
	out := "#"
	for i := range 3 {
		v := m[i][0]*lin[0] + m[i][1]*lin[1] + m[i][2]*lin[2]
		v = math.Max(0, math.Min(1, v))
		if v <= 0.0031308 {
			v *= 12.92
		} else {
			v = 1.055*math.Pow(v, 1/2.4) - 0.055
		}
		out += fmt.Sprintf("%02X", int(math.Round(v*255)))
	}
	return out
}

// The first seven category colours (a division of seven, as the demo's)
// stay apart for readers with red-green colour blindness too, if less far
// than for others: "as far as possible", and above 14 here.
func TestPaletteColourBlind(t *testing.T) {
	const want = 14
	for name, m := range machado2009 {
		least, pair := math.Inf(1), ""
		for i := range 7 {
			for j := i + 1; j < 7; j++ {
				d, err := ColorDistance(simulate(t, m, palette[i]), simulate(t, m, palette[j]))
				if err != nil {
					t.Fatal(err)
				}
				if d < least {
					least, pair = d, palette[i]+" "+palette[j]
				}
			}
		}
		if least < want {
			t.Errorf("%s: %s are %.1f apart, want >= %d", name, pair, least, want)
		}
		t.Logf("%s: closest of the first seven: %s, %.2f", name, pair, least)
	}
}
