package content

import (
	"errors"
	"strings"
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
		return document{body: text}, nil
	}
	for offset := 0; offset <= len(rest); {
		line, _, found := strings.Cut(rest[offset:], "\n")
		if isDelimiter(line) {
			body := ""
			if end := offset + len(line) + 1; end < len(rest) {
				body = rest[end:]
			}
			return document{hasFrontMatter: true, yaml: rest[:offset], body: body}, nil
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
// indentation of its first line, which Markdown gives meaning to.
func narrative(body string) string {
	body = strings.TrimRight(body, " \t\n")
	for {
		line, rest, found := strings.Cut(body, "\n")
		if !found || strings.TrimSpace(line) != "" {
			return body
		}
		body = rest
	}
}
