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
	if got := d[day("2026-02-01")].Cost.String(); got != "1.34" {
		t.Errorf("the day that lost most = %s, want 1.34", got)
	}
}
