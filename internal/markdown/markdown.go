// Package markdown renders the Markdown bodies of content/ to HTML, after
// replacing placeholders with numbers from the data, so no figure in the
// prose is ever typed by hand.
//
// # Writing placeholders
//
// A placeholder is written like a Hugo shortcode, on one line:
//
//	Spend this month is {{< month_to_date >}}.
//	Telemetry has used {{< budget "deep-space-telemetry" >}} of its budget.
//
// The name comes first (a letter, then letters, digits, '_' or '-'),
// followed by any number of arguments, each either a double-quoted string
// with Go escapes ("deep-space-telemetry", "a \"quoted\" word") or a bare
// word without spaces or quotes. Which names exist, and which arguments
// each takes, is up to the caller (see [Values] and [Names]); an unknown
// name, arguments a value rejects, a malformed or an unclosed placeholder
// is an error naming the file, the line and the placeholder:
//
//	content/report.md:12: unknown placeholder "mtd" (known: budget, forecast, month_to_date)
//
// A placeholder is replaced by its value as literal text: Markdown and HTML
// characters in a value are escaped, line breaks become spaces and white
// space around it is dropped, so a value can never add markup, a heading or
// a script to a page.
//
// Placeholders inside code are left alone: in a code span (`{{< budget >}}`),
// a fenced code block or an indented code block the text is shown exactly
// as written. To show a placeholder literally in prose, write it as a
// comment, as in Hugo: {{</* budget "x" */>}} is printed as
// {{< budget "x" >}}.
//
// # Rendering
//
// The Markdown is CommonMark with the GitHub extensions (tables,
// strikethrough, autolinks, task lists), typographic punctuation (curly
// quotes, dashes, ellipses) and heading ids. Raw HTML in the source is not
// rendered: goldmark's safe default replaces it with an HTML comment, and
// links to javascript: and similar URLs are dropped.
package markdown

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"sort"
	"strconv"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// Values are the placeholders a document may use, by name. A value receives
// the placeholder's arguments and returns the text to insert, or an error
// when the arguments are wrong (an unknown category, a missing argument);
// the error is reported with the file and line of the placeholder.
type Values map[string]func(args []string) (string, error)

// Names returns the names of values, sorted.
func Names(values Values) []string {
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Const is a value without arguments that always inserts s.
func Const(s string) func(args []string) (string, error) {
	return func(args []string) (string, error) {
		if len(args) != 0 {
			return "", fmt.Errorf("takes no arguments, got %d", len(args))
		}
		return s, nil
	}
}

// OneArg is a value that takes exactly one argument, such as a category
// slug, and inserts what lookup returns for it.
func OneArg(lookup func(arg string) (string, error)) func(args []string) (string, error) {
	return func(args []string) (string, error) {
		if len(args) != 1 {
			return "", fmt.Errorf("takes one argument, got %d", len(args))
		}
		return lookup(args[0])
	}
}

// Errors a caller can branch on with errors.Is; they arrive wrapped in an
// [*Error].
var (
	ErrUnknown      = errors.New("unknown placeholder")
	ErrUnterminated = errors.New("unterminated placeholder")
	ErrSyntax       = errors.New("malformed placeholder")
)

// Error is a problem with one placeholder.
type Error struct {
	File        string
	Line        int    // 1-based, in the file
	Placeholder string // as written, shortened when long
	Err         error
}

func (e *Error) Error() string {
	if errors.Is(e.Err, ErrUnknown) || errors.Is(e.Err, ErrUnterminated) {
		// These messages already quote the placeholder.
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s:%d: %s: %v", e.File, e.Line, e.Placeholder, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

var md = goldmark.New(
	goldmark.WithExtensions(extension.GFM, extension.Typographer),
	goldmark.WithParserOptions(parser.WithAutoHeadingID()),
)

// Render expands the placeholders in src (see the package doc) and renders
// the result as HTML. file names the source in errors, and line numbers
// count from the first line of src; see [RenderAt] for a body that starts
// further down its file, after front matter. All placeholder errors are
// reported, joined, not only the first.
func Render(src []byte, values Values, file string) (template.HTML, error) {
	return RenderAt(src, values, file, 1)
}

// RenderAt is [Render] for a body whose first line is line firstLine of
// file, so errors give the line an editor shows.
func RenderAt(src []byte, values Values, file string, firstLine int) (template.HTML, error) {
	expanded, err := expand(src, values, file, firstLine)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := md.Convert(expanded, &buf); err != nil {
		return "", fmt.Errorf("render %s: %w", file, err)
	}
	// goldmark escapes all text and omits raw HTML, so its output is safe
	// to place in a page as is.
	return template.HTML(buf.String()), nil
}

// span is a byte range [start, stop) of the source.
type span struct{ start, stop int }

// codeSpans returns the ranges of src that Markdown shows as code, where
// placeholders are not expanded. It asks goldmark's own parser, so code
// spans, fenced and indented blocks are found exactly as they will be
// rendered, lists and block quotes included.
func codeSpans(src []byte) []span {
	doc := md.Parser().Parse(text.NewReader(src))
	var spans []span
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.CodeSpan:
			var s *span
			for c := n.FirstChild(); c != nil; c = c.NextSibling() {
				t, ok := c.(*ast.Text)
				if !ok {
					continue
				}
				if s == nil {
					spans = append(spans, span{t.Segment.Start, t.Segment.Stop})
					s = &spans[len(spans)-1]
				}
				s.stop = t.Segment.Stop
			}
			return ast.WalkSkipChildren, nil
		case *ast.CodeBlock, *ast.FencedCodeBlock:
			if lines := n.Lines(); lines.Len() > 0 {
				spans = append(spans, span{lines.At(0).Start, lines.At(lines.Len() - 1).Stop})
			}
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return spans
}

func inCode(spans []span, offset int) bool {
	for _, s := range spans {
		if offset >= s.start && offset < s.stop {
			return true
		}
	}
	return false
}

const (
	openDelim    = "{{<"
	closeDelim   = ">}}"
	commentOpen  = "/*"
	commentClose = "*/"
)

// expand replaces every placeholder outside code with its escaped value.
func expand(src []byte, values Values, file string, firstLine int) ([]byte, error) {
	first := bytes.Index(src, []byte(openDelim))
	if first < 0 {
		return src, nil
	}
	code := codeSpans(src)
	var (
		out  bytes.Buffer
		errs []error
		line = firstLine
		done = 0 // src[:done] is copied or replaced
	)
	out.Grow(len(src))
	for at := first; at >= 0; {
		line += bytes.Count(src[done:at], []byte("\n"))
		out.Write(src[done:at])
		done = at
		if inCode(code, at) {
			out.WriteString(openDelim)
			done = at + len(openDelim)
		} else {
			p, err := scan(src, at)
			if err != nil {
				errs = append(errs, &Error{File: file, Line: line, Placeholder: shorten(p.text), Err: err})
			} else if value, err := p.value(values); err != nil {
				errs = append(errs, &Error{File: file, Line: line, Placeholder: shorten(p.text), Err: err})
			} else {
				out.WriteString(escape(value))
			}
			done = p.end
		}
		next := bytes.Index(src[done:], []byte(openDelim))
		if next < 0 {
			break
		}
		at = done + next
	}
	out.Write(src[done:])
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out.Bytes(), nil
}

// placeholder is one scanned {{< ... >}}.
type placeholder struct {
	text    string // as written
	end     int    // offset just after it in the source
	name    string
	args    []string
	comment bool // {{</* ... */>}}: print the inside literally
}

func (p placeholder) value(values Values) (string, error) {
	if p.comment {
		return p.name, nil
	}
	f, ok := values[p.name]
	if !ok {
		known := "no placeholders are defined"
		if len(values) > 0 {
			known = "known: " + strings.Join(Names(values), ", ")
		}
		return "", fmt.Errorf("%w %q (%s)", ErrUnknown, p.name, known)
	}
	return f(p.args)
}

// scan reads the placeholder starting at src[at:], which begins with "{{<".
// A placeholder ends on its own line. On error, end is where scanning
// resumes: after the rest of the line, so one mistake gives one error.
func scan(src []byte, at int) (placeholder, error) {
	lineEnd := len(src)
	if i := bytes.IndexAny(src[at:], "\r\n"); i >= 0 {
		lineEnd = at + i
	}
	rest := src[at+len(openDelim) : lineEnd]
	unterminated := func() (placeholder, error) {
		text := string(src[at:lineEnd])
		return placeholder{text: text, end: lineEnd},
			fmt.Errorf("%w %s (close it with %s on the same line)", ErrUnterminated, strconv.Quote(shorten(text)), closeDelim)
	}

	// The comment form prints its inside literally: {{</* x */>}}.
	if trimmed := bytes.TrimLeft(rest, " \t"); bytes.HasPrefix(trimmed, []byte(commentOpen)) {
		inner := trimmed[len(commentOpen):]
		i := bytes.Index(inner, []byte(commentClose+closeDelim))
		if i < 0 {
			return unterminated()
		}
		end := at + len(openDelim) + (len(rest) - len(inner)) + i + len(commentClose+closeDelim)
		inner = bytes.TrimSpace(inner[:i])
		return placeholder{
			text: string(src[at:end]), end: end, comment: true,
			name: openDelim + " " + string(inner) + " " + closeDelim,
		}, nil
	}

	var (
		words      []string
		nameQuoted bool // a name is a bare word; "budget" is a mistake
	)
	i := 0
	for {
		for i < len(rest) && (rest[i] == ' ' || rest[i] == '\t') {
			i++
		}
		if i == len(rest) {
			return unterminated()
		}
		if bytes.HasPrefix(rest[i:], []byte(closeDelim)) {
			i += len(closeDelim)
			break
		}
		if rest[i] == '"' {
			j := i + 1
			for j < len(rest) && rest[j] != '"' {
				if rest[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(rest) {
				return unterminated()
			}
			word, err := strconv.Unquote(string(rest[i : j+1]))
			if err != nil {
				end := at + len(openDelim) + j + 1
				if k := bytes.Index(rest[j+1:], []byte(closeDelim)); k >= 0 {
					end += k + len(closeDelim)
				}
				return placeholder{text: string(src[at:end]), end: end},
					fmt.Errorf("%w: argument %s is not a valid quoted string", ErrSyntax, rest[i:j+1])
			}
			nameQuoted = nameQuoted || len(words) == 0
			words = append(words, word)
			i = j + 1
			continue
		}
		j := i
		for j < len(rest) && rest[j] != ' ' && rest[j] != '\t' && rest[j] != '"' && !bytes.HasPrefix(rest[j:], []byte(closeDelim)) {
			j++
		}
		words = append(words, string(rest[i:j]))
		i = j
	}
	p := placeholder{text: string(src[at : at+len(openDelim)+i]), end: at + len(openDelim) + i}
	if len(words) == 0 {
		return p, fmt.Errorf("%w: no name", ErrSyntax)
	}
	if nameQuoted {
		return p, fmt.Errorf("%w: write the name %s without quotes", ErrSyntax, words[0])
	}
	if !validName(words[0]) {
		return p, fmt.Errorf("%w: name %q must be a letter followed by letters, digits, '_' or '-'", ErrSyntax, words[0])
	}
	p.name, p.args = words[0], words[1:]
	return p, nil
}

func validName(name string) bool {
	for i, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case i > 0 && (r >= '0' && r <= '9' || r == '_' || r == '-'):
		default:
			return false
		}
	}
	return name != ""
}

// shorten keeps error messages on one readable line.
func shorten(s string) string {
	const limit = 60
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// escape turns a value into Markdown that renders as exactly its text: every
// ASCII punctuation character is backslash-escaped (CommonMark allows that
// for all of them, and it defeats emphasis, links, HTML, entities, table
// pipes and list or heading markers), line breaks become spaces and the
// surrounding white space goes, so a value cannot start a new block.
func escape(value string) string {
	value = strings.TrimSpace(strings.Map(func(r rune) rune {
		switch r {
		case '\n', '\r', '\t', '\v', '\f':
			return ' '
		}
		return r
	}, value))
	var b strings.Builder
	b.Grow(len(value) + len(value)/4)
	for i := 0; i < len(value); i++ {
		c := value[i]
		if isASCIIPunct(c) {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isASCIIPunct(c byte) bool {
	return c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~'
}
