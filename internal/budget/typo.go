package budget

import "strings"

// A tag value is a near miss of a category's tag_value when the two differ
// under NormalizeTag but are within a few edits once case and separators
// are ignored: "Exploratory Mision" or "EXPLORATORYMISSIONS" for
// EXPLORATORY_MISSIONS. Short values get one edit, so "TBD" is no near
// miss of anything.
const (
	maxTagEdits      = 2
	maxShortTagEdits = 1
	shortTag         = 8 // letters and digits, separators left out
)

// NearTag reports whether value is a near miss of tagValue: probably the
// same tag mistyped, which attribution does not match.
func NearTag(value, tagValue string) bool {
	if NormalizeTag(value) == NormalizeTag(tagValue) {
		return false
	}
	a, b := tagLetters(value), tagLetters(tagValue)
	limit := maxTagEdits
	if min(len(a), len(b)) < shortTag {
		limit = maxShortTagEdits
	}
	return editDistance(a, b, limit) <= limit
}

// tagLetters is a tag value upper-cased with its separators (space, '-'
// and '_') left out.
func tagLetters(v string) []rune {
	return []rune(strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '_' {
			return -1
		}
		return r
	}, strings.ToUpper(v)))
}

// editDistance is the Levenshtein distance between a and b, or limit+1 as
// soon as it is known to exceed limit.
func editDistance(a, b []rune, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			cur[j] = min(sub, prev[j]+1, cur[j-1]+1)
			best = min(best, cur[j])
		}
		if best > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
