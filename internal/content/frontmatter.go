package content

import (
	"errors"
	"strings"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// frontMatterOffset is how many file lines come before the front matter's
// first line (the opening "---"), to turn YAML's line numbers into the file's.
const frontMatterOffset = 1

// errUnterminated is returned by splitFrontMatter when the opening "---" has
// no closing partner.
var errUnterminated = errors.New("unterminated front matter")

// document is a Markdown file split into its YAML front matter and its body.
type document struct {
	hasFrontMatter bool
	yaml           string // between the "---" lines; "" when absent
	body           string // the rest, line endings normalised to "\n"
	bodyLine       int    // the line of the file the body starts on
}

// splitFrontMatter splits a Markdown file in the Hugo way: front matter only
// when the very first line is "---", ending at the next "---" line. Editors
// leave a BOM, CRLF line endings and trailing blanks on the delimiters, so
// those are tolerated; a file without front matter is all body.
func splitFrontMatter(data []byte) (document, error) {
	text := strings.TrimPrefix(string(data), "\uFEFF")
	// Normalise line endings before anything counts lines, so YAML's line
	// numbers match what an editor shows.
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")

	first, rest, _ := strings.Cut(text, "\n")
	if !isDelimiter(first) {
		return document{body: text, bodyLine: 1}, nil
	}
	for offset := 0; offset <= len(rest); {
		line, _, found := strings.Cut(rest[offset:], "\n")
		if isDelimiter(line) {
			body := ""
			if end := offset + len(line) + 1; end < len(rest) {
				body = rest[end:]
			}
			bodyLine := strings.Count(rest[:offset], "\n") + 3 // the two delimiters and the YAML
			return document{hasFrontMatter: true, yaml: rest[:offset], body: body, bodyLine: bodyLine}, nil
		}
		if !found {
			break
		}
		offset += len(line) + 1
	}
	return document{}, errUnterminated
}

func isDelimiter(line string) bool {
	return strings.TrimRight(line, " \t") == "---"
}

// narrative trims the blank lines around a Markdown body but keeps the
// indentation of its first line, which Markdown gives meaning to. It
// records the file and the line the trimmed text starts on, so placeholder
// errors in it name the right place.
func (d document) narrative(file string) budget.Narrative {
	body, line := strings.TrimRight(d.body, " \t\n"), d.bodyLine
	for {
		first, rest, found := strings.Cut(body, "\n")
		if !found || strings.TrimSpace(first) != "" {
			return budget.Narrative{Markdown: body, File: file, Line: line}
		}
		body, line = rest, line+1
	}
}
