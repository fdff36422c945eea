package webhook

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// CategoryName is what a category is known by: its tag_value and slug.
type CategoryName struct {
	TagValue string
	Slug     string
}

// ErrNoCategory is an event that names no configured category.
var ErrNoCategory = errors.New("no category")

// Category finds the category e is about and returns its tag_value. A
// Stellar event names it exactly. A SQL alert's name and custom summary
// are searched for a tag_value or slug as whole words, case and
// separators ignored ("Exoplanet research over 90%" names
// EXOPLANET_RESEARCH); when one match is part of a longer one
// (DEEP_SPACE in DEEP_SPACE_TELEMETRY), the longer wins; two distinct
// categories are an error, as is none (ErrNoCategory).
func Category(e Event, cats []CategoryName) (string, error) {
	if e.Source == SourceStellar {
		for _, c := range cats {
			if c.TagValue == e.Category {
				return c.TagValue, nil
			}
		}
		return "", fmt.Errorf("%w: %q is not a configured category", ErrNoCategory, e.Category)
	}
	text := " " + words(strings.Join(e.Texts, " | ")) + " "
	type hit struct{ tag, name string }
	var hits []hit
	for _, c := range cats {
		for _, n := range []string{c.TagValue, c.Slug} {
			if w := words(n); w != "" && strings.Contains(text, " "+w+" ") {
				hits = append(hits, hit{c.TagValue, w})
				break
			}
		}
	}
	var found []string
	for _, h := range hits {
		shadowed := false
		for _, o := range hits {
			if o.tag != h.tag && len(o.name) > len(h.name) && strings.Contains(" "+o.name+" ", " "+h.name+" ") {
				shadowed = true
			}
		}
		if !shadowed {
			found = append(found, h.tag)
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("%w: the alert's name and custom summary name no category's tag_value or slug", ErrNoCategory)
	case 1:
		return found[0], nil
	}
	slices.Sort(found)
	return "", fmt.Errorf("%w: the alert names %s; name one", ErrNoCategory, strings.Join(found, " and "))
}

// words lower-cases s and turns every run of other characters than
// letters and digits into one space.
func words(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}
