package charts

import (
	"fmt"
	"math"
	"strconv"
)

// Lab is a colour in CIELAB (D65 white), the space CIEDE2000 measures in.
type Lab struct{ L, A, B float64 }

// ParseLab converts a "#RRGGBB" sRGB colour to CIELAB.
func ParseLab(hex string) (Lab, error) {
	if len(hex) != 7 || hex[0] != '#' {
		return Lab{}, fmt.Errorf("colour %q: want #RRGGBB", hex)
	}
	var linear [3]float64
	for i := range linear {
		n, err := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		if err != nil {
			return Lab{}, fmt.Errorf("colour %q: want #RRGGBB", hex)
		}
		v := float64(n) / 255
		if v <= 0.04045 {
			linear[i] = v / 12.92
		} else {
			linear[i] = math.Pow((v+0.055)/1.055, 2.4)
		}
	}
	r, g, b := linear[0], linear[1], linear[2]
	// sRGB to XYZ (IEC 61966-2-1), relative to the D65 white.
	x := (0.4124564*r + 0.3575761*g + 0.1804375*b) / 0.95047
	y := 0.2126729*r + 0.7151522*g + 0.0721750*b
	z := (0.0193339*r + 0.1191920*g + 0.9503041*b) / 1.08883
	f := func(t float64) float64 {
		if t > 216.0/24389 {
			return math.Cbrt(t)
		}
		return (24389.0/27*t + 16) / 116
	}
	fx, fy, fz := f(x), f(y), f(z)
	return Lab{L: 116*fy - 16, A: 500 * (fx - fy), B: 200 * (fy - fz)}, nil
}

// DeltaE2000 is the CIEDE2000 colour difference of two colours (CIE
// 142-2001, with kL = kC = kH = 1), as written out by Sharma, Wu and Dalal,
// "The CIEDE2000 color-difference formula: implementation notes,
// supplementary test data, and mathematical observations", Color Research
// and Application 30 (1), 2005. About 1 is a just noticeable difference;
// colours that must be told apart at a glance, as in a chart's legend, want
// 15 or more.
func DeltaE2000(c1, c2 Lab) float64 {
	deg := math.Pi / 180
	cBar := (math.Hypot(c1.A, c1.B) + math.Hypot(c2.A, c2.B)) / 2
	cBar7 := math.Pow(cBar, 7)
	g := 0.5 * (1 - math.Sqrt(cBar7/(cBar7+math.Pow(25, 7))))
	a1, a2 := (1+g)*c1.A, (1+g)*c2.A
	cp1, cp2 := math.Hypot(a1, c1.B), math.Hypot(a2, c2.B)
	hue := func(b, a float64) float64 {
		if a == 0 && b == 0 {
			return 0
		}
		h := math.Atan2(b, a) / deg
		if h < 0 {
			h += 360
		}
		return h
	}
	hp1, hp2 := hue(c1.B, a1), hue(c2.B, a2)

	// Hue angles come from atan2 in floating point: two hues exactly 180°
	// apart (Sharma's pair 14) can differ by 180 plus a rounding error, so
	// the branches compare with a tolerance far below any visible hue.
	const within = 180 + 1e-9

	dL := c2.L - c1.L
	dC := cp2 - cp1
	var dh float64
	switch {
	case cp1*cp2 == 0:
		dh = 0
	case math.Abs(hp2-hp1) <= within:
		dh = hp2 - hp1
	case hp2-hp1 > 180:
		dh = hp2 - hp1 - 360
	default:
		dh = hp2 - hp1 + 360
	}
	dH := 2 * math.Sqrt(cp1*cp2) * math.Sin(dh/2*deg)

	lBar := (c1.L + c2.L) / 2
	cpBar := (cp1 + cp2) / 2
	var hBar float64
	switch {
	case cp1*cp2 == 0:
		hBar = hp1 + hp2
	case math.Abs(hp1-hp2) <= within:
		hBar = (hp1 + hp2) / 2
	case hp1+hp2 < 360:
		hBar = (hp1 + hp2 + 360) / 2
	default:
		hBar = (hp1 + hp2 - 360) / 2
	}
	t := 1 - 0.17*math.Cos((hBar-30)*deg) + 0.24*math.Cos(2*hBar*deg) +
		0.32*math.Cos((3*hBar+6)*deg) - 0.20*math.Cos((4*hBar-63)*deg)
	dTheta := 30 * math.Exp(-math.Pow((hBar-275)/25, 2))
	cpBar7 := math.Pow(cpBar, 7)
	rC := 2 * math.Sqrt(cpBar7/(cpBar7+math.Pow(25, 7)))
	sL := 1 + 0.015*math.Pow(lBar-50, 2)/math.Sqrt(20+math.Pow(lBar-50, 2))
	sC := 1 + 0.045*cpBar
	sH := 1 + 0.015*cpBar*t
	rT := -math.Sin(2*dTheta*deg) * rC

	l, c, h := dL/sL, dC/sC, dH/sH
	return math.Sqrt(l*l + c*c + h*h + rT*c*h)
}

// ColorDistance is DeltaE2000 of two "#RRGGBB" colours.
func ColorDistance(hex1, hex2 string) (float64, error) {
	c1, err := ParseLab(hex1)
	if err != nil {
		return 0, err
	}
	c2, err := ParseLab(hex2)
	if err != nil {
		return 0, err
	}
	return DeltaE2000(c1, c2), nil
}
