package report

import (
	"strings"
	"testing"
)

func TestSummarySentencesComeFromTheFigures(t *testing.T) {
	r := mustBuild(t, division(), sample(), asOf)
	text := strings.Join(r.Summary, " ")
	for _, want := range []string{
		"In March 2026 to date (10 of 31 days) the division has spent $1,000.00 of its $1,300.00 monthly budget (76.9 %).",
		r.Totals.Forecast.Value.USD(),
		"No category is over budget or projected to end over it.",
		"Worth watching: Alpha (91.0 % used",
		"The biggest mover is Alpha",
		"$60.00 (6.0 %) of this month's spend carries no valid category tag.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
}

func TestBiggestMover(t *testing.T) {
	data := sample()
	data.Facts = append(data.Facts, fact("2026-02-08", "ALPHA", "o1@x", "100"))
	r := mustBuild(t, division(), data, asOf)
	if m, ok := biggestMover(r.Comparisons); !ok || m.Slug != "alpha" {
		t.Errorf("biggest mover = %+v, %v; want alpha", m, ok)
	}
	for _, tc := range []struct {
		name   string
		cs     []Comparison
		want   string
		wantOK bool
	}{
		{"none", nil, "", false},
		{"nothing moved", []Comparison{{Slug: "a"}, {Slug: "b"}}, "", false},
		{"a fall beats a smaller rise", []Comparison{{Slug: "a", Change: dec("50")}, {Slug: "b", Change: dec("-80")}}, "b", true},
		{"unattributed and division never move", []Comparison{{Slug: "a", Change: dec("1")}, {Name: "Division", Change: dec("500")}}, "a", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, ok := biggestMover(tc.cs)
			if ok != tc.wantOK || m.Slug != tc.want {
				t.Errorf("biggestMover = %q, %v; want %q, %v", m.Slug, ok, tc.want, tc.wantOK)
			}
		})
	}
}
