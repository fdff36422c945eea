package budget

import (
	"testing"
	"time"
)

func TestDaily(t *testing.T) {
	day := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	d := Daily{}
	for _, f := range []struct{ date, cost string }{
		{"2026-01-31", "0.004"}, {"2026-02-01", "1.333"}, {"2026-02-01", "0.001"}, {"2026-02-02", "1.333"}, {"2026-02-03", "1.333"},
	} {
		d.AddFact(Fact{Date: day(f.date), Cost: MustDecimal(f.cost), DBUs: MustDecimal("1")})
	}
	if got := d.Sum(day("2026-02-01"), day("2026-02-02")); got.Cost.String() != "2.667" || got.DBUs.String() != "3" {
		t.Errorf("Sum = %+v, want cost 2.667 over 3 DBUs", got)
	}
	if got := d.Months()[day("2026-02-01")].Cost.String(); got != "4" {
		t.Errorf("February = %s, want 4", got)
	}
	d.RoundCents()
	if feb := d.Sum(day("2026-02-01"), day("2026-02-28")).Cost.String(); feb != "4" {
		t.Errorf("February's rounded days sum to %s, want its total 4.00", feb)
	}
	if jan := d[day("2026-01-31")].Cost.String(); jan != "0" {
		t.Errorf("January's one day rounds to %s, want 0", jan)
	}
	// Month to date: 1.334 -> 1.33, 2.667 -> 2.67, 4.000 -> 4.00.
	for _, want := range []struct{ date, cost string }{{"2026-02-01", "1.33"}, {"2026-02-02", "1.34"}, {"2026-02-03", "1.33"}} {
		if got := d[day(want.date)].Cost.String(); got != want.cost {
			t.Errorf("%s = %s, want %s: its month to date rounded less the day before's", want.date, got, want.cost)
		}
	}
}

// TestDailyPastDaysStay adds days to a month one at a time: the days
// already rounded keep their cents, and every month to date is its exact
// total rounded once.
func TestDailyPastDaysStay(t *testing.T) {
	costs := []string{"0.004", "1.335", "0.333", "2.005", "-0.507", "0.996", "0.125"}
	var before Daily
	for n := 1; n <= len(costs); n++ {
		d := Daily{}
		exact := Decimal{}
		for i, c := range costs[:n] {
			d.AddFact(Fact{Date: time.Date(2026, 3, 1+i, 0, 0, 0, 0, time.UTC), Cost: MustDecimal(c)})
		}
		d.RoundCents()
		shown := Decimal{}
		for i, c := range costs[:n] {
			date := time.Date(2026, 3, 1+i, 0, 0, 0, 0, time.UTC)
			exact, shown = exact.Add(MustDecimal(c)), shown.Add(d[date].Cost)
			if shown.Cmp(exact.Round(2)) != 0 {
				t.Errorf("%d days: month to date %s on day %d is %s, want %s", n, exact, i+1, shown, exact.Round(2))
			}
			if i < n-1 && d[date].Cost.Cmp(before[date].Cost) != 0 {
				t.Errorf("day %d is %s with %d days, %s with %d", i+1, d[date].Cost, n, before[date].Cost, n-1)
			}
		}
		before = d
	}
}
