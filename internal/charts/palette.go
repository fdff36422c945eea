package charts

// The colours of the charts. Every colour of a figure has at least 3:1
// contrast on white (WCAG 1.4.11, non-text contrast), and any two colours
// that can meet on a page (two categories, a category and the unattributed
// grey or the budget's dark grey, two resource types, a resource type and a
// category) are at least 15 apart in CIEDE2000, so they are told apart at
// a glance. TestPaletteDistances holds the palettes to both.
//
// The category palette starts from Okabe and Ito's colour-blind safe set
// (blue, vermillion, bluish green, reddish purple) with Paul Tol's dark
// colours after it, each moved as little as these rules need. Seen with
// protanopia or deuteranopia (Machado et al. 2009), the first seven stay
// about 15 apart too (TestPaletteColourBlind). The figures are the
// contrast on white and the lightness L*.
var palette = [...]string{
	"#0C87FF", // blue, 3.5:1, L* 57
	"#B43306", // vermillion, 6.2:1, L* 41
	"#009F75", // bluish green, 3.4:1, L* 58
	"#CF78A8", // reddish purple, 3.0:1, L* 61
	"#B78703", // ochre, 3.2:1, L* 59
	"#362D8D", // indigo, 11.0:1, L* 26
	"#751E45", // wine, 10.4:1, L* 27
	"#067533", // green, 5.8:1, L* 43
	"#A84596", // purple, 5.3:1, L* 45
	"#8A5103", // brown, 6.4:1, L* 40
}

// resourcePalette colours the resource types of a category (all-purpose
// compute, jobs, SQL, ...). It shares no colour with the categories, so a
// resource-type chart next to a category's own charts never reads as
// another category.
var resourcePalette = [...]string{
	"#068490", // teal, 4.5:1
	"#C6185A", // raspberry, 5.7:1
	"#6C4B3F", // umber, 7.7:1
	"#5D9324", // leaf green, 3.7:1
	"#7E3FDB", // violet, 5.8:1
	"#456084", // slate blue, 6.4:1
	"#7B7509", // olive, 4.8:1
	"#D8605A", // coral, 3.7:1
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

// ResourceColor is the colour of the resource type at position i of a
// resource-type chart; past the palette's eight colours they repeat.
func ResourceColor(i int) string {
	if i < 0 {
		return UnattributedColor
	}
	return resourcePalette[i%len(resourcePalette)]
}
