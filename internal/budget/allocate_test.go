package budget

import (
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func decimals(t *testing.T, ss ...string) []Decimal {
	t.Helper()
	out := make([]Decimal, len(ss))
	for i, s := range ss {
		out[i] = MustDecimal(s)
	}
	return out
}

func TestAllocateCents(t *testing.T) {
	tests := []struct {
		name  string
		parts []string
		want  []string
	}{
		{"exact cents stay", []string{"1.25", "2.50"}, []string{"1.25", "2.5"}},
		// The case: three thirds of a cent each round down alone.
		{"remainder to the largest", []string{"0.333", "0.333", "0.334"}, []string{"0.33", "0.33", "0.34"}},
		{"ties to the earlier part", []string{"0.005", "0.005"}, []string{"0.01", "0"}},
		{"negative parts", []string{"-0.004", "1.006"}, []string{"0", "1"}},
		{"retraction below zero", []string{"-1.236", "-0.004"}, []string{"-1.24", "0"}},
		{"empty", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := AllocateCents(decimals(t, tc.parts...))
			want := decimals(t, tc.want...)
			if !slices.EqualFunc(got, want, func(a, b Decimal) bool { return a.Cmp(b) == 0 }) {
				t.Errorf("AllocateCents(%v) = %v, want %v", tc.parts, got, want)
			}
		})
	}
}

// TestAllocateCentsTies checks the invariants on random breakdowns: every
// part is whole cents, within a cent of its exact value, and the parts sum
// to their exact total rounded once.
func TestAllocateCentsTies(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		parts := make([]Decimal, 1+rng.IntN(40))
		var total Decimal
		for i := range parts {
			micro := rng.Int64N(2_000_000_000) - 200_000_000 // -200 .. 1800 USD, to the micro-dollar
			parts[i] = MustDecimal(big.NewRat(micro, 1_000_000).FloatString(6))
			total = total.Add(parts[i])
		}
		got := AllocateCents(parts)
		var sum Decimal
		for i, g := range got {
			if g.Round(2).Cmp(g) != 0 {
				t.Fatalf("part %d = %s is not whole cents", i, g)
			}
			if d := g.Sub(parts[i]); d.Cmp(Cent) >= 0 || d.Cmp(Cent.Neg()) <= 0 {
				t.Fatalf("part %d: %s is a cent or more from %s", i, g, parts[i])
			}
			sum = sum.Add(g)
		}
		if sum.Cmp(total.Round(2)) != 0 {
			t.Fatalf("parts sum to %s, want %s (total %s)", sum, total.Round(2), total)
		}
	}
}

func TestAllocateCentsTo(t *testing.T) {
	got := AllocateCentsTo(MustDecimal("1.00"), decimals(t, "0.10", "0.20"))
	if got[0].String() != "0.45" || got[1].String() != "0.55" {
		t.Errorf("more cents than parts: got %v, want [0.45 0.55]", got)
	}
	got = AllocateCentsTo(MustDecimal("0.29"), decimals(t, "0.104", "0.209"))
	if got[0].String() != "0.09" || got[1].String() != "0.2" {
		t.Errorf("target below the floors: got %v, want [0.09 0.2]", got)
	}
}

func TestBudgetFor(t *testing.T) {
	month := func(s string) time.Time {
		m, err := time.Parse("2006-01", s)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	c := Category{
		MonthlyBudget: MustDecimal("4200"),
		BudgetHistory: []BudgetChange{
			{From: month("2025-11"), USD: MustDecimal("3000")},
			{From: month("2026-06"), USD: MustDecimal("3800")},
		},
	}
	tests := []struct {
		name, month, current, want string
	}{
		{"before the first entry: the oldest known", "2025-08", "2026-11", "3000"},
		{"first entry", "2025-11", "2026-11", "3000"},
		{"until the next entry", "2026-05", "2026-11", "3000"},
		{"last entry until the current month", "2026-10", "2026-11", "3800"},
		{"current month", "2026-11", "2026-11", "4200"},
		{"a past report keeps its budget", "2026-03", "2026-03", "3000"},
		{"a past report after the last entry", "2026-07", "2026-07", "4200"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.BudgetFor(month(tc.month), month(tc.current)); got.String() != tc.want {
				t.Errorf("BudgetFor(%s, %s) = %s, want %s", tc.month, tc.current, got, tc.want)
			}
		})
	}
	plain := Category{MonthlyBudget: MustDecimal("100")}
	if got := plain.BudgetFor(month("2020-01"), month("2026-11")); got.String() != "100" {
		t.Errorf("no history: %s, want 100", got)
	}
}
