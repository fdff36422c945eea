package budget

import (
	"cmp"
	"slices"
)

// centStep is one cent in Decimal's fractional units.
const centStep = fracUnit / 100

// floorCents splits d into d rounded down to a whole cent and what is left,
// in fractional units (0 <= rest < one cent).
func (d Decimal) floorCents() (Decimal, int64) {
	rest := d.frac % centStep
	return Decimal{whole: d.whole, frac: d.frac - rest}, rest
}

// Cent is one US cent.
var Cent = Decimal{frac: centStep}

// AllocateCents rounds parts to whole cents so that they sum exactly to
// their own total rounded to cents (half away from zero): the largest
// remainder method. Every part is first rounded down; the cents still
// missing go one each to the parts that lost the most, ties to the earlier
// part. A breakdown rounded this way ties to the figure it breaks down, to
// the cent, which rounding each part on its own does not.
func AllocateCents(parts []Decimal) []Decimal {
	var total Decimal
	for _, p := range parts {
		total = total.Add(p)
	}
	return AllocateCentsTo(total.Round(2), parts)
}

// AllocateCentsTo rounds parts to whole cents summing exactly to target,
// which must be whole cents. Parts are rounded down, then the cents between
// their sum and target go one each to the parts with the largest
// remainders (ties to the earlier part), cycling when target asks for more
// cents than there are parts; a target below the sum takes cents back from
// the smallest remainders first.
func AllocateCentsTo(target Decimal, parts []Decimal) []Decimal {
	out := make([]Decimal, len(parts))
	if len(parts) == 0 {
		return out
	}
	rests := make([]int64, len(parts))
	var floors Decimal
	for i, p := range parts {
		out[i], rests[i] = p.floorCents()
		floors = floors.Add(out[i])
	}
	missing := target.Sub(floors)
	cents := missing.whole*100 + missing.frac/centStep
	order := make([]int, len(parts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rests[b], rests[a]) })
	step := Cent
	if cents < 0 {
		slices.Reverse(order)
		step, cents = Cent.Neg(), -cents
	}
	for i := int64(0); i < cents; i++ {
		j := order[i%int64(len(order))]
		out[j] = out[j].Add(step)
	}
	return out
}
