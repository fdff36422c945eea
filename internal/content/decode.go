package content

import (
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// decoder checks one file's front matter against its schema. It works on
// yaml.Node rather than decoding into structs, because nodes carry the line
// of every value and let one pass report every problem, not just the first.
type decoder struct {
	file string
	errs []error
}

// mapping is a YAML mapping whose keys have been checked against a schema.
type mapping struct {
	node   *yaml.Node
	prefix string // "policy." for nested mappings, so errors name the full field
	values map[string]*yaml.Node
}

func (d *decoder) fail(n *yaml.Node, field, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Line: fileLine(n), Field: field, Msg: fmt.Sprintf(format, args...)})
}

// fileLine is the file line of n; problems without a node of their own point
// at the opening "---".
func fileLine(n *yaml.Node) int {
	if n == nil || n.Line == 0 {
		return 1
	}
	return n.Line + frontMatterOffset
}

// document splits data, reporting an unclosed front matter, or a missing one
// when required.
func (d *decoder) document(data []byte, required bool) (document, bool) {
	doc, err := splitFrontMatter(data)
	switch {
	case errors.Is(err, errUnterminated):
		d.errs = append(d.errs, &Error{File: d.file, Line: 1, Err: err,
			Msg: `front matter opened with "---" is never closed (add a "---" line after the last field)`})
		return doc, false
	case required && !doc.hasFrontMatter:
		d.errs = append(d.errs, &Error{File: d.file, Line: 1,
			Msg: `missing front matter (start the file with a "---" line, the fields, then another "---" line)`})
		return doc, false
	}
	return doc, true
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parse reads front matter text into its top-level mapping, keeping only the
// keys in known. It returns false when there is nothing to check further.
func (d *decoder) parse(src string, known ...string) (mapping, bool) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		msg, line := err.Error(), 1
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			n, _ := strconv.Atoi(m[1])
			msg, line = m[2], n+frontMatterOffset
		}
		msg = strings.TrimPrefix(msg, "yaml: ")
		d.errs = append(d.errs, &Error{File: d.file, Line: line, Msg: "invalid YAML: " + msg + " (check indentation, colons and quotes)", Err: err})
		return mapping{}, false
	}
	root := &yaml.Node{Kind: yaml.MappingNode} // empty front matter has no fields, not a syntax error
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		root = resolve(doc.Content[0])
	}
	if root.Kind != yaml.MappingNode {
		d.fail(root, "", "front matter is %s (want fields as `name: value` lines)", describe(root))
		return mapping{}, false
	}
	return d.fields(root, "", known...), true
}

// fields checks that mapping n holds only the keys in known, each once:
// unknown keys are usually typos, and silently ignoring them would drop a
// setting the user believes is in force.
func (d *decoder) fields(n *yaml.Node, prefix string, known ...string) mapping {
	m := mapping{node: n, prefix: prefix, values: map[string]*yaml.Node{}}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := resolve(n.Content[i]), resolve(n.Content[i+1])
		name := prefix + key.Value
		switch {
		case !slices.Contains(known, key.Value):
			d.fail(key, name, "unknown field%s (known fields: %s)", suggest(key.Value, known), strings.Join(known, ", "))
		case m.values[key.Value] != nil:
			d.fail(key, name, "given twice, first on line %d (keep one)", fileLine(m.values[key.Value]))
		default:
			m.values[key.Value] = value
		}
	}
	return m
}

// need returns the value of a required field, or nil after reporting it
// missing at the mapping that should hold it.
func (d *decoder) need(m mapping, key, example string) *yaml.Node {
	if n := m.values[key]; n != nil {
		return n
	}
	d.fail(m.node, m.prefix+key, "missing (add e.g. `%s: %s`)", key, example)
	return nil
}

// nested returns the required mapping under key with its keys checked.
func (d *decoder) nested(m mapping, key, example string, known ...string) (mapping, bool) {
	n := d.need(m, key, example)
	if n == nil {
		return mapping{}, false
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, m.prefix+key, "is %s (want fields indented below it: %s)", describe(n), strings.Join(known, ", "))
		return mapping{}, false
	}
	return d.fields(n, m.prefix+key+".", known...), true
}

func (d *decoder) text(n *yaml.Node, field, want string) (string, bool) {
	if !isValue(n) {
		d.fail(n, field, "is %s (want %s)", describe(n), want)
		return "", false
	}
	return strings.TrimSpace(n.Value), true
}

// integer reads the scalar's text, so 8 and "8" mean the same and YAML's
// octal and hex spellings are not silently accepted.
func (d *decoder) integer(n *yaml.Node, field string, lo, hi int, unit string) (int, bool) {
	if !isValue(n) {
		d.fail(n, field, "is %s (want a whole number of %s from %d to %d)", describe(n), unit, lo, hi)
		return 0, false
	}
	v, err := strconv.Atoi(strings.TrimSpace(n.Value))
	if err != nil {
		d.fail(n, field, "%q is not a whole number (want %s from %d to %d)", n.Value, unit, lo, hi)
		return 0, false
	}
	if v < lo || v > hi {
		d.fail(n, field, "%d is out of range (want %s from %d to %d)", v, unit, lo, hi)
		return 0, false
	}
	return v, true
}

// boolean accepts only true and false; YAML 1.1's yes/no/on/off are too easy
// to misread in a setting that decides whether clusters are really stopped.
func (d *decoder) boolean(n *yaml.Node, field string) (bool, bool) {
	if n.Kind == yaml.ScalarNode {
		switch strings.ToLower(strings.TrimSpace(n.Value)) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	d.fail(n, field, "is %s (want true or false)", describe(n))
	return false, false
}

// money parses a budget: a positive amount (see amount).
func (d *decoder) money(n *yaml.Node, field string) (budget.Decimal, bool) {
	return d.amount(n, field, true)
}

// amount parses the scalar's text exactly into a Decimal, in whole cents,
// positive or, unless positive is set, zero: going through a float would
// turn 0.1 into 0.1000000000000000055511151231257827.
func (d *decoder) amount(n *yaml.Node, field string, positive bool) (budget.Decimal, bool) {
	want := "want a positive amount in USD, e.g. 4200"
	if !positive {
		want = "want an amount in USD of 0 or more, e.g. 1500"
	}
	if !isValue(n) {
		d.fail(n, field, "is %s (%s)", describe(n), want)
		return budget.Decimal{}, false
	}
	v, err := budget.ParseDecimal(n.Value)
	if err != nil {
		d.fail(n, field, "%v (%s)", err, want)
		return budget.Decimal{}, false
	}
	switch {
	case positive && v.Sign() <= 0:
		d.fail(n, field, "%s is not positive (%s)", v, want)
		return budget.Decimal{}, false
	case v.Sign() < 0:
		d.fail(n, field, "%s is negative (%s)", v, want)
		return budget.Decimal{}, false
	}
	if v.Round(2).Cmp(v) != 0 {
		d.fail(n, field, "%s has more than 2 decimal places (want whole cents, e.g. 4200.50)", v)
		return budget.Decimal{}, false
	}
	return v, true
}

// probability reads a number from 0 to 1.
func (d *decoder) probability(n *yaml.Node, field string) (float64, bool) {
	const want = "want a probability from 0 to 1, e.g. 0.5"
	if !isValue(n) {
		d.fail(n, field, "is %s (%s)", describe(n), want)
		return 0, false
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(n.Value), 64)
	if err != nil || v < 0 || v > 1 {
		d.fail(n, field, "%q is out of range (%s)", n.Value, want)
		return 0, false
	}
	return v, true
}

const monthLayout = "2006-01"

// month reads a calendar month written YYYY-MM as its first day, UTC.
func (d *decoder) month(n *yaml.Node, field string) (time.Time, bool) {
	const want = "want a month as YYYY-MM, e.g. 2025-11"
	if !isValue(n) {
		d.fail(n, field, "is %s (%s)", describe(n), want)
		return time.Time{}, false
	}
	m, err := time.Parse(monthLayout, strings.TrimSpace(n.Value))
	if err != nil {
		d.fail(n, field, "%q is not a month (%s)", n.Value, want)
		return time.Time{}, false
	}
	return m, true
}

// list returns the elements of a sequence, reporting anything else.
func (d *decoder) list(n *yaml.Node, field, example string) ([]*yaml.Node, bool) {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, field, "is %s (want a list, e.g. %s)", describe(n), example)
		return nil, false
	}
	items := make([]*yaml.Node, len(n.Content))
	for i, item := range n.Content {
		items[i] = resolve(item)
	}
	return items, true
}

// emails reads a list of email addresses; required lists must not be empty.
func (d *decoder) emails(n *yaml.Node, field string, required bool) ([]string, bool) {
	const example = "[first.last@novadynamics.test]"
	items, ok := d.list(n, field, example)
	if !ok {
		return nil, false
	}
	if required && len(items) == 0 {
		d.fail(n, field, "is empty (want at least one address, e.g. %s)", example)
		return nil, false
	}
	out := make([]string, 0, len(items))
	for i, item := range items {
		name := fmt.Sprintf("%s[%d]", field, i)
		s, valid := d.text(item, name, "an email address, e.g. first.last@novadynamics.test")
		if valid && !plausibleEmail(s) {
			d.fail(item, name, "%q is not an email address (want e.g. first.last@novadynamics.test)", s)
			valid = false
		}
		ok = ok && valid
		out = append(out, s)
	}
	return out, ok
}

// plausibleEmail accepts a bare address with a dotted domain. Deliverability
// is the mail server's business; this only catches typos and display names.
func plausibleEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	_, domain, _ := strings.Cut(s, "@")
	return strings.Contains(strings.Trim(domain, "."), ".") && !strings.Contains(domain, "..")
}

// isValue reports whether n is a non-empty scalar.
func isValue(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag != "!!null" && strings.TrimSpace(n.Value) != ""
}

// resolve follows an alias to the node it names, so anchors in front matter
// behave like copies of the text.
func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// describe names what a node holds, for "is X (want Y)" messages.
func describe(n *yaml.Node) string {
	switch {
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case !isValue(n):
		return "empty"
	default:
		return strconv.Quote(n.Value)
	}
}
