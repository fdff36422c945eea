package charts

// palette is Okabe and Ito's colour-blind safe set, with the three colours
// that are too light on white (orange, sky blue, yellow) darkened or swapped
// for Paul Tol's, so every colour has at least 3:1 contrast on white (WCAG
// 1.4.11, non-text contrast; the ratio is in the comment and tested). No grey:
// grey is kept for the unattributed bucket.
var palette = [...]string{
	"#0072B2", // blue, 5.2:1
	"#D55E00", // vermillion, 3.9:1
	"#009E73", // bluish green, 3.4:1
	"#CC79A7", // reddish purple, 3.1:1
	"#B26B00", // orange (Okabe-Ito #E69F00 darkened), 4.2:1
	"#332288", // indigo (Tol), 12.2:1
	"#997700", // ochre (Tol's dark yellow), 4.2:1
	"#882255", // wine (Tol), 8.7:1
	"#117733", // green (Tol), 5.7:1
	"#AA4499", // purple (Tol), 5.3:1
}

// UnattributedColor is the grey of spend that belongs to no category
// (untagged or an unknown tag value), 5.1:1 on white.
const UnattributedColor = "#6E6E6E"

// BudgetColor draws budgets, forecasts' reference lines and other figures
// that are not a category's spend, 12.6:1 on white.
const BudgetColor = "#333333"

// CategoryColor is the colour of the category at position i in the
// division's configuration, so a category has the same colour on every
// chart. Past the palette's ten colours the colours repeat; a negative i
// gets UnattributedColor.
func CategoryColor(i int) string {
	if i < 0 {
		return UnattributedColor
	}
	return palette[i%len(palette)]
}
