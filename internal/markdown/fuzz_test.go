package markdown

import (
	"strings"
	"testing"
)

// FuzzRender feeds arbitrary documents through the placeholder scanner and
// goldmark. Whatever the input, Render must not panic, and its output must
// not contain a script element: neither the source nor a value (the
// "hostile" placeholder echoes its arguments, the "script" one returns a
// script element) can add markup. More seeds are in testdata/fuzz/FuzzRender.
func FuzzRender(f *testing.F) {
	for _, seed := range []string{
		"",
		"Spend {{< month_to_date >}} of {{< budget \"deep-space-telemetry\" >}}.",
		"{{< hostile \"<script>alert(1)</script>\" >}}",
		"{{< script >}}",
		"<script>alert(1)</script>",
		"`{{< nope >}}` and ``{{< nope >}}``",
		"```\n{{< nope >}}\n```",
		"    {{< nope >}}",
		"{{</* budget \"x\" */>}}",
		"{{< budget \"x",
		"{{< \"\\q\" >}}",
		"{{<{{<>}}>}}",
		"| a |\n|---|\n| {{< hostile \"|<script>|\" >}} |",
		"[x]({{< hostile \"javascript:alert(1)\" >}})",
		"[x](<{{< script >}}>)",
		"<{{< hostile \"script\" >}}>",
		"\\{{< month_to_date >}}",
		"{{< join a \"b\" c >}}\r\n{{< month_to_date >}}",
	} {
		f.Add(seed)
	}
	values := testValues()
	values["script"] = Const("<script>alert(1)</script>")
	f.Fuzz(func(t *testing.T, src string) {
		html, err := Render([]byte(src), values, "fuzz.md")
		if err != nil {
			if html != "" {
				t.Errorf("Render(%q) returned HTML with error %v", src, err)
			}
			return
		}
		if strings.Contains(strings.ToLower(string(html)), "<script") {
			t.Errorf("Render(%q) = %q, contains a script element", src, html)
		}
	})
}
