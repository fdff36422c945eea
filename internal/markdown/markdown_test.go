package markdown

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// testValues are what a report page might offer; hostile returns its
// argument, so tests can feed any text through a placeholder.
func testValues() Values {
	return Values{
		"month_to_date": Const("$12,345.67"),
		"budget": OneArg(func(slug string) (string, error) {
			if slug != "deep-space-telemetry" {
				return "", fmt.Errorf("unknown category %q", slug)
			}
			return "$4,200.00", nil
		}),
		"hostile": OneArg(func(s string) (string, error) { return s, nil }),
		"join":    func(args []string) (string, error) { return strings.Join(args, "+"), nil },
	}
}

func TestRender(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // exact HTML
	}{
		{
			name: "no placeholder",
			src:  "Plain *text*.",
			want: "<p>Plain <em>text</em>.</p>\n",
		},
		{
			name: "placeholder without arguments",
			src:  "Spend this month: {{< month_to_date >}}.",
			want: "<p>Spend this month: $12,345.67.</p>\n",
		},
		{
			name: "quoted argument",
			src:  `Budget {{< budget "deep-space-telemetry" >}} per month.`,
			want: "<p>Budget $4,200.00 per month.</p>\n",
		},
		{
			name: "bare argument and no spaces",
			src:  `{{<budget deep-space-telemetry>}}`,
			want: "<p>$4,200.00</p>\n",
		},
		{
			name: "several arguments with escapes",
			src:  `{{< join a "b c" "d\"e" >}}`,
			want: "<p>a+b c+d&quot;e</p>\n",
		},
		{
			name: "two placeholders on one line and one on the next",
			src:  "{{< month_to_date >}} of {{< budget \"deep-space-telemetry\" >}}\n{{< month_to_date >}}",
			want: "<p>$12,345.67 of $4,200.00\n$12,345.67</p>\n",
		},
		{
			name: "placeholder in a table cell",
			src:  "| category | budget |\n|---|---|\n| telemetry | {{< budget \"deep-space-telemetry\" >}} |",
			want: "<table>\n<thead>\n<tr>\n<th>category</th>\n<th>budget</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>telemetry</td>\n<td>$4,200.00</td>\n</tr>\n</tbody>\n</table>\n",
		},
		{
			name: "typographer",
			src:  `"Quoted" -- and... so on`,
			want: "<p>&ldquo;Quoted&rdquo; &ndash; and&hellip; so on</p>\n",
		},
		{
			name: "heading ids",
			src:  "## Month to date",
			want: "<h2 id=\"month-to-date\">Month to date</h2>\n",
		},
		{
			name: "placeholder in a code span is left alone",
			src:  "Write `{{< nope >}}` for the figure.",
			want: "<p>Write <code>{{&lt; nope &gt;}}</code> for the figure.</p>\n",
		},
		{
			name: "placeholder in a double-backtick code span",
			src:  "``a ` {{< nope >}}``",
			want: "<p><code>a ` {{&lt; nope &gt;}}</code></p>\n",
		},
		{
			name: "placeholder in a fenced code block is left alone",
			src:  "```\n{{< nope \"x\" >}}\n```\nthen {{< month_to_date >}}",
			want: "<pre><code>{{&lt; nope &quot;x&quot; &gt;}}\n</code></pre>\n<p>then $12,345.67</p>\n",
		},
		{
			name: "placeholder in an indented code block is left alone",
			src:  "Text.\n\n    {{< nope >}}\n",
			want: "<p>Text.</p>\n<pre><code>{{&lt; nope &gt;}}\n</code></pre>\n",
		},
		{
			name: "escaped backtick does not open a code span",
			src:  "\\`{{< month_to_date >}}\\`",
			want: "<p>`$12,345.67`</p>\n",
		},
		{
			name: "comment form prints the placeholder",
			src:  `Write {{</* budget "x" */>}} in prose.`,
			want: "<p>Write {{&lt; budget &quot;x&quot; &gt;}} in prose.</p>\n",
		},
		{
			name: "braces without the opening angle are text",
			src:  "{{ not a placeholder }} and {< nor this >}",
			want: "<p>{{ not a placeholder }} and {&lt; nor this &gt;}</p>\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Render([]byte(tc.src), testValues(), "content/report.md")
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if string(got) != tc.want {
				t.Errorf("Render(%q)\n got: %q\nwant: %q", tc.src, got, tc.want)
			}
		})
	}
}

// TestRenderHostile checks that values and raw HTML in the source never
// become markup.
func TestRenderHostile(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		want      string // exact HTML, or "" to check only absent
		forbidden []string
	}{
		{
			name: "emphasis in a value stays text",
			src:  `{{< hostile "*x* _y_ **z**" >}}`,
			want: "<p>*x* _y_ **z**</p>\n",
		},
		{
			name: "HTML in a value is escaped",
			src:  `{{< hostile "<b>bold</b>" >}}`,
			want: "<p>&lt;b&gt;bold&lt;/b&gt;</p>\n",
		},
		{
			name:      "script in a value is escaped",
			src:       `x {{< hostile "<script>alert(1)</script>" >}}`,
			want:      "<p>x &lt;script&gt;alert(1)&lt;/script&gt;</p>\n",
			forbidden: []string{"<script"},
		},
		{
			name:      "link in a value stays text",
			src:       `{{< hostile "[click](javascript:alert(1))" >}}`,
			want:      "<p>[click](javascript:alert(1))</p>\n",
			forbidden: []string{"<a"},
		},
		{
			name: "entity in a value is shown as written",
			src:  `{{< hostile "&amp; &lt;" >}}`,
			want: "<p>&amp;amp; &amp;lt;</p>\n",
		},
		{
			name: "heading marker in a value at the start of a line",
			src:  `{{< hostile "# big" >}}`,
			want: "<p># big</p>\n",
		},
		{
			name: "list marker in a value",
			src:  `{{< hostile "1. one" >}}`,
			want: "<p>1. one</p>\n",
		},
		{
			name: "line breaks in a value cannot start a block",
			src:  "{{< hostile \"a\\n\\n    code\\n# h\" >}}",
			want: "<p>a      code # h</p>\n",
		},
		{
			name: "leading spaces in a value cannot make code",
			src:  "\n{{< hostile \"        x\" >}}",
			want: "<p>x</p>\n",
		},
		{
			name: "pipe in a value stays in its table cell",
			src:  "| a | b |\n|---|---|\n| {{< hostile \"x | y\" >}} | z |",
			want: "<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>x | y</td>\n<td>z</td>\n</tr>\n</tbody>\n</table>\n",
		},
		{
			name: "placeholder syntax in a value is not expanded again",
			src:  `{{< hostile "{{< month_to_date >}}" >}}`,
			want: "<p>{{&lt; month_to_date &gt;}}</p>\n",
		},
		{
			name:      "raw HTML block in the source is omitted",
			src:       "<script>alert(1)</script>\n\ntext",
			forbidden: []string{"<script", "alert"},
		},
		{
			name:      "inline raw HTML in the source is omitted",
			src:       "a <img src=x onerror=alert(1)> b",
			forbidden: []string{"<img", "onerror"},
		},
		{
			name:      "javascript link in the source is dropped",
			src:       "[click](javascript:alert(1))",
			forbidden: []string{"javascript:"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Render([]byte(tc.src), testValues(), "content/report.md")
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if tc.want != "" && string(got) != tc.want {
				t.Errorf("Render(%q)\n got: %q\nwant: %q", tc.src, got, tc.want)
			}
			for _, f := range tc.forbidden {
				if strings.Contains(strings.ToLower(string(got)), f) {
					t.Errorf("Render(%q) = %q, contains %q", tc.src, got, f)
				}
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		firstLine int
		want      string // the whole message
		is        error
	}{
		{
			name: "unknown placeholder",
			src:  "Intro.\n\nSpend: {{< mtd >}}.",
			want: `content/report.md:3: unknown placeholder "mtd" (known: budget, hostile, join, month_to_date)`,
			is:   ErrUnknown,
		},
		{
			name:      "line counted from the body's first line",
			src:       "\n{{< mtd >}}",
			firstLine: 6,
			want:      `content/report.md:7: unknown placeholder "mtd" (known: budget, hostile, join, month_to_date)`,
			is:        ErrUnknown,
		},
		{
			name: "value rejects its argument",
			src:  `{{< budget "warp-drive" >}}`,
			want: `content/report.md:1: {{< budget "warp-drive" >}}: unknown category "warp-drive"`,
		},
		{
			name: "missing argument",
			src:  "a\nb {{< budget >}}",
			want: `content/report.md:2: {{< budget >}}: takes one argument, got 0`,
		},
		{
			name: "argument to a constant",
			src:  `{{< month_to_date "x" >}}`,
			want: `content/report.md:1: {{< month_to_date "x" >}}: takes no arguments, got 1`,
		},
		{
			name: "unterminated at end of line",
			src:  "a\n{{< budget \"x\"\n>}}",
			want: `content/report.md:2: unterminated placeholder "{{< budget \"x\"" (close it with >}} on the same line)`,
			is:   ErrUnterminated,
		},
		{
			name: "unterminated at end of file",
			src:  "{{<",
			want: `content/report.md:1: unterminated placeholder "{{<" (close it with >}} on the same line)`,
			is:   ErrUnterminated,
		},
		{
			name: "unterminated quote",
			src:  `{{< budget "x >}}`,
			want: `content/report.md:1: unterminated placeholder "{{< budget \"x >}}" (close it with >}} on the same line)`,
			is:   ErrUnterminated,
		},
		{
			name: "unterminated comment",
			src:  `{{</* budget >}}`,
			want: `content/report.md:1: unterminated placeholder "{{</* budget >}}" (close it with >}} on the same line)`,
			is:   ErrUnterminated,
		},
		{
			name: "no name",
			src:  `{{< >}}`,
			want: `content/report.md:1: {{< >}}: malformed placeholder: no name`,
			is:   ErrSyntax,
		},
		{
			name: "name starting with a digit",
			src:  `{{< 9lives >}}`,
			want: `content/report.md:1: {{< 9lives >}}: malformed placeholder: name "9lives" must be a letter followed by letters, digits, '_' or '-'`,
			is:   ErrSyntax,
		},
		{
			name: "quoted name",
			src:  `{{< "budget" >}}`,
			want: `content/report.md:1: {{< "budget" >}}: malformed placeholder: write the name budget without quotes`,
			is:   ErrSyntax,
		},
		{
			name: "bad escape in a quoted argument",
			src:  `{{< budget "\q" >}} rest`,
			want: `content/report.md:1: {{< budget "\q" >}}: malformed placeholder: argument "\q" is not a valid quoted string`,
			is:   ErrSyntax,
		},
		{
			name: "every error is reported",
			src:  "{{< a >}}\n\n{{< b >}}",
			want: "content/report.md:1: unknown placeholder \"a\" (known: budget, hostile, join, month_to_date)\n" +
				"content/report.md:3: unknown placeholder \"b\" (known: budget, hostile, join, month_to_date)",
			is: ErrUnknown,
		},
		{
			name: "long placeholder is shortened",
			src:  `{{< hostile "` + strings.Repeat("x", 100),
			want: `content/report.md:1: unterminated placeholder "{{< hostile \"` + strings.Repeat("x", 47) + `…" (close it with >}} on the same line)`,
			is:   ErrUnterminated,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			first := tc.firstLine
			if first == 0 {
				first = 1
			}
			_, err := RenderAt([]byte(tc.src), testValues(), "content/report.md", first)
			if err == nil {
				t.Fatalf("RenderAt(%q): no error, want %q", tc.src, tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("RenderAt(%q) error\n got: %s\nwant: %s", tc.src, err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("errors.Is(%v, %v) = false", err, tc.is)
			}
			var e *Error
			if !errors.As(err, &e) || e.File != "content/report.md" {
				t.Errorf("errors.As(%v, *Error) = %v, %+v", err, errors.As(err, &e), e)
			}
		})
	}
}

func TestRenderNoValues(t *testing.T) {
	_, err := Render([]byte("{{< x >}}"), nil, "content/_index.md")
	want := `content/_index.md:1: unknown placeholder "x" (no placeholders are defined)`
	if err == nil || err.Error() != want {
		t.Errorf("Render with nil values: %v, want %s", err, want)
	}
}

func TestNames(t *testing.T) {
	tests := []struct {
		name   string
		values Values
		want   []string
	}{
		{"nil", nil, []string{}},
		{"sorted", testValues(), []string{"budget", "hostile", "join", "month_to_date"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Names(tc.values); !slices.Equal(got, tc.want) {
				t.Errorf("Names = %q, want %q", got, tc.want)
			}
		})
	}
}
