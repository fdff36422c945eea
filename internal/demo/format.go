package demo

import (
	"fmt"
	"strconv"
	"sync"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// seed is the demo's fixed random seed: the same inputs give the same
// records on every machine.
const seed = 0x5AD_2026_DE30

// microTables holds 0.000xxx and 0.xxx000 as Decimals, so a quantity in
// micro-DBUs becomes a Decimal with two additions instead of a parse.
var microTables = sync.OnceValue(func() *[2][1000]budget.Decimal {
	t := new([2][1000]budget.Decimal)
	for i := range 1000 {
		t[0][i] = budget.MustDecimal(fmt.Sprintf("0.000%03d", i))
		t[1][i] = budget.MustDecimal(fmt.Sprintf("0.%03d", i))
	}
	return t
})

// microDecimal returns micro/10^6 exactly.
func microDecimal(micro int64) budget.Decimal {
	neg := micro < 0
	if neg {
		micro = -micro
	}
	t := microTables()
	frac := micro % 1_000_000
	d := budget.DecimalFromInt(micro / 1_000_000).Add(t[1][frac/1000]).Add(t[0][frac%1000])
	if neg {
		return d.Neg()
	}
	return d
}

// mix is the splitmix64 finaliser: it turns a counter into well-spread bits
// for ids, without consuming the random source the plan depends on.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

const hexDigits = "0123456789abcdef"

// uuid formats two words as a version-4 style UUID in one allocation.
func uuid(hi, lo uint64) string {
	var b [36]byte
	hi = hi&^(0xf<<12) | 0x4<<12 // version 4
	lo = lo&^(0x3<<62) | 0x2<<62 // RFC 4122 variant
	pos := 0
	for _, w := range [2]uint64{hi, lo} {
		for nib := 15; nib >= 0; nib-- {
			if pos == 8 || pos == 13 || pos == 18 || pos == 23 {
				b[pos] = '-'
				pos++
			}
			b[pos] = hexDigits[(w>>(4*nib))&0xf]
			pos++
		}
	}
	return string(b[:])
}

// resourceID returns the id of the stream's j-th resource (cluster, job,
// warehouse, pipeline or endpoint). Ids are cached for the indexes a run
// uses, up to a bound, so memory stays flat however many rows are asked for.
func (s *stream) resourceID(j int) string {
	if j < len(s.ids) {
		return s.ids[j]
	}
	id := s.formatID(j)
	if j == len(s.ids) && j < maxCachedIDs {
		s.ids = append(s.ids, id)
	}
	return id
}

const maxCachedIDs = 1024

func (s *stream) formatID(j int) string {
	h := mix(s.key + uint64(j))
	switch s.product.resource {
	case cluster:
		// Databricks cluster ids look like 0314-092817-a1b2c3d4.
		return fmt.Sprintf("%02d%02d-%02d%02d%02d-%08x", 1+h%12, 1+(h>>8)%28, (h>>16)%24, (h>>24)%60, (h>>32)%60, h>>32)
	case jobCluster, serverlessJob:
		return strconv.Itoa(1_000_000 + s.index*10_000 + j)
	case warehouse:
		return fmt.Sprintf("%016x", h)
	case pipeline:
		return uuid(h, mix(h))
	}
	if j == 0 {
		return s.name
	}
	return s.name + "-" + strconv.Itoa(j)
}
