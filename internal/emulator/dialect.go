package emulator

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// EngineSystemCatalog is the DuckDB catalog that holds what Databricks
// calls the system catalog: DuckDB reserves the name "system", so the
// translator renames the first part of every three-part name
// system.<schema>.<table>, and an Engine attaches its system tables under
// this name.
const EngineSystemCatalog = "databricks_system"

// dialect translates a statement in the Databricks SQL dialect the project
// uses into DuckDB SQL. It works on tokens, so string literals, quoted
// identifiers and comments are never rewritten by accident:
//
//   - `quoted` identifiers become "quoted"; 'strings' and "strings" (both
//     string literals in Databricks) are decoded with Databricks' backslash
//     escapes, adjacent literals joined, and written DuckDB's way;
//   - system.<schema>.<table> names the EngineSystemCatalog;
//   - types in CAST(... AS type), TRY_CAST and ::type: STRING, LONG,
//     SHORT, BYTE, BINARY, TIMESTAMP_NTZ/LTZ, ARRAY<t>, MAP<k, v>,
//     STRUCT<name: t, ...>;
//   - current_date()/current_date and current_timestamp()/now() are the
//     emulated clock's (Options.AsOf), not the host's, the date in the
//     session time zone; current_timezone() is the session's;
//   - TIMESTAMP (as a type, in TIMESTAMP '...' literals and parameters) is
//     an instant, as in Databricks: DuckDB's TIMESTAMPTZ, read in the
//     session time zone; TIMESTAMP_NTZ is DuckDB's TIMESTAMP;
//   - functions whose DuckDB namesake differs: concat (null if any argument
//     is null), nvl, date_add, date_sub, datediff, to_date, to_timestamp,
//     convert_timezone, dayofweek (1 = Sunday), size, collect_list;
//   - named parameters :name take their values, typed, from the request.
//
// DATE'...' literals, map subscripts custom_tags['Key'],
// struct fields a.b.`default`, GROUP BY ALL, GROUPING SETS, GROUPING(),
// translate, chr and hour() mean the same in DuckDB and pass through.
type dialect struct {
	today  time.Time      // current_date()
	now    time.Time      // current_timestamp()
	zone   *time.Location // the session time zone
	params map[string]param
	// trail is the agent trail's table (Options.TraceTable), whose
	// catalog is renamed EngineTrailCatalog; nil when there is none.
	trail *trailTable
}

// param is a named parameter of a request: its value (nil is NULL) and
// its Databricks type (empty is STRING).
type param struct {
	value *string
	typ   string
}

// SQLError is a statement Databricks would refuse, with its error class
// (e.g. PARSE_SYNTAX_ERROR) and message.
type SQLError struct {
	Class   string
	Message string
}

func (e *SQLError) Error() string {
	if e.Class == "" {
		return e.Message
	}
	return "[" + e.Class + "] " + e.Message
}

func syntaxError(format string, args ...any) *SQLError {
	return &SQLError{Class: "PARSE_SYNTAX_ERROR", Message: fmt.Sprintf(format, args...) + " SQLSTATE: 42601"}
}

type tokenKind int

const (
	tokSpace  tokenKind = iota // whitespace and comments
	tokWord                    // identifier or keyword, as written
	tokQuoted                  // `quoted identifier`; value is the name
	tokString                  // string literal; value is the decoded text
	tokNumber
	tokParam // :name; value is the name
	tokPunct // operator or punctuation
)

type token struct {
	kind  tokenKind
	text  string // the source text
	value string // decoded (quoted identifiers, strings, parameters)
}

// is reports whether t is the keyword or punctuation s (case-insensitive).
func (t token) is(s string) bool {
	return (t.kind == tokWord || t.kind == tokPunct) && strings.EqualFold(t.text, s)
}

// ident is the identifier t names, and whether it is one.
func (t token) ident() (string, bool) {
	switch t.kind {
	case tokWord:
		return t.text, true
	case tokQuoted:
		return t.value, true
	}
	return "", false
}

// tokenize splits Databricks SQL into tokens.
func tokenize(src string) ([]token, error) {
	var toks []token
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRuneInString(src[i:])
		start := i
		switch {
		case unicode.IsSpace(r):
			for i < len(src) {
				r, size := utf8.DecodeRuneInString(src[i:])
				if !unicode.IsSpace(r) {
					break
				}
				i += size
			}
			toks = append(toks, token{kind: tokSpace, text: src[start:i]})
		case strings.HasPrefix(src[i:], "--"):
			end := strings.IndexByte(src[i:], '\n')
			if end < 0 {
				end = len(src) - i
			}
			i += end
			toks = append(toks, token{kind: tokSpace, text: src[start:i]})
		case strings.HasPrefix(src[i:], "/*"):
			// Databricks nests bracketed comments.
			depth := 0
			for {
				switch {
				case i >= len(src):
					return nil, syntaxError("Unclosed bracketed comment.")
				case strings.HasPrefix(src[i:], "/*"):
					depth++
					i += 2
				case strings.HasPrefix(src[i:], "*/"):
					depth--
					i += 2
				default:
					i++
				}
				if depth == 0 {
					break
				}
			}
			toks = append(toks, token{kind: tokSpace, text: src[start:i]})
		case r == '\'' || r == '"':
			v, n, err := readString(src[i:], false)
			if err != nil {
				return nil, err
			}
			i += n
			toks = append(toks, token{kind: tokString, text: src[start:i], value: v})
		case (r == 'r' || r == 'R') && i+1 < len(src) && (src[i+1] == '\'' || src[i+1] == '"'):
			v, n, err := readString(src[i+1:], true)
			if err != nil {
				return nil, err
			}
			i += 1 + n
			toks = append(toks, token{kind: tokString, text: src[start:i], value: v})
		case r == '`':
			var b strings.Builder
			i++
			for {
				end := strings.IndexByte(src[i:], '`')
				if end < 0 {
					return nil, syntaxError("Unclosed quoted identifier at or near %s.", src[start:min(len(src), start+20)])
				}
				b.WriteString(src[i : i+end])
				i += end + 1
				if i < len(src) && src[i] == '`' { // `` is a backtick
					b.WriteByte('`')
					i++
					continue
				}
				break
			}
			toks = append(toks, token{kind: tokQuoted, text: src[start:i], value: b.String()})
		case r >= '0' && r <= '9' || r == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9':
			i = scanNumber(src, i)
			toks = append(toks, token{kind: tokNumber, text: src[start:i]})
		case isWordStart(r):
			for i < len(src) {
				r, size := utf8.DecodeRuneInString(src[i:])
				if !isWordStart(r) && !unicode.IsDigit(r) {
					break
				}
				i += size
			}
			toks = append(toks, token{kind: tokWord, text: src[start:i]})
		case r == ':' && i+1 < len(src) && src[i+1] != ':' && !(len(toks) > 0 && toks[len(toks)-1].text == ":"):
			j := i + 1
			for j < len(src) {
				r, size := utf8.DecodeRuneInString(src[j:])
				if !isWordStart(r) && !unicode.IsDigit(r) {
					break
				}
				j += size
			}
			if j == i+1 { // a lone colon, as in STRUCT<a: INT>
				i++
				toks = append(toks, token{kind: tokPunct, text: ":"})
				continue
			}
			i = j
			toks = append(toks, token{kind: tokParam, text: src[start:i], value: src[start+1 : i]})
		default:
			n := size
			for _, op := range []string{"<=>", "::", "<=", ">=", "<>", "!=", "==", "||", "->"} {
				if strings.HasPrefix(src[i:], op) {
					n = len(op)
					break
				}
			}
			i += n
			toks = append(toks, token{kind: tokPunct, text: src[start:i]})
		}
	}
	return toks, nil
}

func isWordStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }

// scanNumber returns the end of the number starting at i: digits, a
// fraction, an exponent, and a type suffix (10L, 1.5BD, 2D) if any.
func scanNumber(src string, i int) int {
	digits := func() {
		for i < len(src) && src[i] >= '0' && src[i] <= '9' {
			i++
		}
	}
	digits()
	if i < len(src) && src[i] == '.' {
		i++
		digits()
	}
	if i+1 < len(src) && (src[i] == 'e' || src[i] == 'E') {
		j := i + 1
		if src[j] == '+' || src[j] == '-' {
			j++
		}
		if j < len(src) && src[j] >= '0' && src[j] <= '9' {
			i = j
			digits()
		}
	}
	for _, suffix := range []string{"BD", "L", "S", "Y", "D", "F"} {
		if len(src)-i >= len(suffix) && strings.EqualFold(src[i:i+len(suffix)], suffix) {
			end := i + len(suffix)
			if end == len(src) || !isWordStart(rune(src[end])) && !(src[end] >= '0' && src[end] <= '9') {
				return end
			}
		}
	}
	return i
}

// readString reads the literal that starts src (with its quote) and returns
// its value and length. Databricks reads backslash escapes unless the
// literal is raw (r'...').
func readString(src string, raw bool) (string, int, error) {
	quote := src[0]
	var b strings.Builder
	for i := 1; i < len(src); {
		c := src[i]
		switch {
		case c == quote:
			return b.String(), i + 1, nil
		case c == '\\' && !raw && i+1 < len(src):
			i++
			switch e := src[i]; e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'b':
				b.WriteByte('\b')
			case '0':
				b.WriteByte(0)
			case 'Z':
				b.WriteByte(26)
			case '%', '_':
				// Kept with their backslash: they are LIKE escapes.
				b.WriteByte('\\')
				b.WriteByte(e)
			case 'u':
				if i+4 < len(src) {
					var r rune
					if _, err := fmt.Sscanf(src[i+1:i+5], "%04x", &r); err == nil {
						b.WriteRune(r)
						i += 5
						continue
					}
				}
				b.WriteByte(e)
			default:
				b.WriteByte(e)
			}
			i++
		case c == '\\' && raw && i+1 < len(src) && src[i+1] == quote:
			b.WriteString(src[i : i+2])
			i += 2
		default:
			b.WriteByte(c)
			i++
		}
	}
	return "", 0, syntaxError("Unclosed string literal at or near %s.", strings.TrimSpace(src[:min(len(src), 20)]))
}

// duckString writes s as a DuckDB string literal.
func duckString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// duckIdent writes name as a DuckDB quoted identifier.
func duckIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// translate turns one Databricks statement into DuckDB SQL.
func (d *dialect) translate(src string) (string, error) {
	toks, err := tokenize(src)
	if err != nil {
		return "", err
	}
	// One statement per request, as the statement execution API takes;
	// a trailing semicolon is allowed.
	for i, t := range toks {
		if t.is(";") {
			if next := skipSpace(toks, i+1); next < len(toks) {
				return "", syntaxError("Syntax error at or near '%s': one statement per request.", toks[next].text)
			}
			toks = toks[:i]
			break
		}
	}
	if skipSpace(toks, 0) == len(toks) {
		return "", syntaxError("Syntax error at or near end of input.")
	}
	return d.emit(toks)
}

// skipSpace returns the index of the first token at or after i that is
// not whitespace or a comment.
func skipSpace(toks []token, i int) int {
	for i < len(toks) && toks[i].kind == tokSpace {
		i++
	}
	return i
}

// prevSolid returns the index of the last token before i that is not
// whitespace, or -1.
func prevSolid(toks []token, i int) int {
	for i--; i >= 0 && toks[i].kind == tokSpace; i-- {
	}
	return i
}

// emit writes toks as DuckDB SQL.
func (d *dialect) emit(toks []token) (string, error) {
	var b strings.Builder
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch t.kind {
		case tokSpace:
			if strings.HasPrefix(t.text, "--") || strings.HasPrefix(t.text, "/*") {
				b.WriteByte(' ')
				continue
			}
			b.WriteString(t.text)
		case tokQuoted:
			if catalog, ok := d.engineCatalog(toks, i); ok {
				b.WriteString(catalog)
				continue
			}
			b.WriteString(duckIdent(t.value))
		case tokString:
			// Databricks joins adjacent literals: 'a' 'b' is 'ab'.
			v := t.value
			for j := skipSpace(toks, i+1); j < len(toks) && toks[j].kind == tokString; j = skipSpace(toks, i+1) {
				v += toks[j].value
				i = j
			}
			b.WriteString(duckString(v))
		case tokNumber:
			b.WriteString(duckNumber(t.text))
		case tokParam:
			lit, err := d.param(t.value)
			if err != nil {
				return "", err
			}
			b.WriteString(lit)
		case tokPunct:
			b.WriteString(t.text)
			if t.text == "::" {
				typ, next, err := d.parseType(toks, i+1)
				if err != nil {
					return "", err
				}
				b.WriteString(typ)
				i = next - 1
			}
		case tokWord:
			next, err := d.emitWord(&b, toks, i)
			if err != nil {
				return "", err
			}
			i = next - 1
		}
	}
	return b.String(), nil
}

// engineCatalog is the engine's catalog for the catalog name at toks[i]
// when it opens the three-part name of a system table or of the agent
// trail's table.
func (d *dialect) engineCatalog(toks []token, i int) (string, bool) {
	switch {
	case d.isSystemCatalog(toks, i):
		return EngineSystemCatalog, true
	case d.trail != nil && d.trail.at(toks, i):
		return EngineTrailCatalog, true
	}
	return "", false
}

// isSystemCatalog reports whether toks[i] is "system" opening a
// three-part name system.<schema>.<table>.
func (d *dialect) isSystemCatalog(toks []token, i int) bool {
	name, ok := toks[i].ident()
	if !ok || !strings.EqualFold(name, "system") {
		return false
	}
	if p := prevSolid(toks, i); p >= 0 && toks[p].is(".") {
		return false
	}
	j := i
	for part := 0; part < 2; part++ {
		j = skipSpace(toks, j+1)
		if j >= len(toks) || !toks[j].is(".") {
			return false
		}
		j = skipSpace(toks, j+1)
		if j >= len(toks) {
			return false
		}
		if _, ok := toks[j].ident(); !ok {
			return false
		}
	}
	return true
}

// duckNumber drops a Databricks type suffix, casting where it matters.
func duckNumber(n string) string {
	upper := strings.ToUpper(n)
	switch {
	case strings.HasSuffix(upper, "BD"):
		return "CAST('" + n[:len(n)-2] + "' AS DECIMAL(38," + fmt.Sprint(fractionDigits(n[:len(n)-2])) + "))"
	case strings.HasSuffix(upper, "L"):
		return "CAST(" + n[:len(n)-1] + " AS BIGINT)"
	case strings.HasSuffix(upper, "S"):
		return "CAST(" + n[:len(n)-1] + " AS SMALLINT)"
	case strings.HasSuffix(upper, "Y"):
		return "CAST(" + n[:len(n)-1] + " AS TINYINT)"
	case strings.HasSuffix(upper, "D"):
		return "CAST(" + n[:len(n)-1] + " AS DOUBLE)"
	case strings.HasSuffix(upper, "F"):
		return "CAST(" + n[:len(n)-1] + " AS FLOAT)"
	}
	return n
}

func fractionDigits(n string) int {
	if _, frac, ok := strings.Cut(n, "."); ok {
		return len(frac)
	}
	return 0
}

// emitWord writes the word at toks[i] and whatever it governs, returning
// the index of the next token to emit.
func (d *dialect) emitWord(b *strings.Builder, toks []token, i int) (int, error) {
	t := toks[i]
	word := strings.ToLower(t.text)
	open := skipSpace(toks, i+1)
	call := open < len(toks) && toks[open].is("(")
	if p := prevSolid(toks, i); p >= 0 && toks[p].is(".") {
		b.WriteString(t.text) // a field or column name, never a function
		return i + 1, nil
	}
	if catalog, ok := d.engineCatalog(toks, i); ok {
		b.WriteString(catalog)
		return i + 1, nil
	}
	switch word {
	case "current_date", "curdate":
		if call {
			end, _, err := callArgs(toks, open)
			if err != nil {
				return 0, err
			}
			i = end - 1
		}
		b.WriteString("DATE " + duckString(d.today.Format(time.DateOnly)))
		return i + 1, nil
	case "current_timezone":
		if call {
			end, _, err := callArgs(toks, open)
			if err != nil {
				return 0, err
			}
			b.WriteString(duckString(d.zone.String()))
			return end, nil
		}
	case "timestamp":
		// A TIMESTAMP '...' literal: an instant, read in the session zone
		// unless it carries an offset.
		if next := skipSpace(toks, i+1); next < len(toks) && toks[next].kind == tokString {
			b.WriteString("TIMESTAMPTZ")
			return i + 1, nil
		}
	case "current_timestamp", "now":
		if !call && word == "now" {
			break
		}
		if call {
			end, _, err := callArgs(toks, open)
			if err != nil {
				return 0, err
			}
			i = end - 1
		}
		b.WriteString("TIMESTAMPTZ " + duckString(d.now.UTC().Format("2006-01-02 15:04:05.000000")+"+00"))
		return i + 1, nil
	case "cast", "try_cast":
		if call {
			return d.emitCast(b, toks, i, open)
		}
	}
	if call {
		if rewrite, ok := functionRewrites[word]; ok {
			end, args, err := callArgs(toks, open)
			if err != nil {
				return 0, err
			}
			out := make([]string, len(args))
			for k, a := range args {
				if out[k], err = d.emit(a); err != nil {
					return 0, err
				}
				out[k] = strings.TrimSpace(out[k])
			}
			s, err := rewrite(t.text, out)
			if err != nil {
				return 0, err
			}
			b.WriteString(s)
			return end, nil
		}
	}
	b.WriteString(t.text)
	return i + 1, nil
}

// functionRewrites are the functions whose DuckDB namesake differs, by
// lower-case name; each gets its arguments already translated.
var functionRewrites = map[string]func(name string, args []string) (string, error){
	"concat": func(_ string, args []string) (string, error) {
		if len(args) == 0 {
			return "''", nil
		}
		parts := make([]string, len(args))
		for i, a := range args {
			parts[i] = "CAST(" + a + " AS VARCHAR)"
		}
		// || is null when any side is, as Databricks' concat.
		return "(" + strings.Join(parts, " || ") + ")", nil
	},
	"nvl": func(_ string, args []string) (string, error) {
		if len(args) != 2 {
			return "", wrongArgs("nvl", 2, len(args))
		}
		return "coalesce(" + args[0] + ", " + args[1] + ")", nil
	},
	"date_add": func(_ string, args []string) (string, error) {
		if len(args) != 2 {
			return "", wrongArgs("date_add", 2, len(args))
		}
		return "(CAST(" + args[0] + " AS DATE) + CAST(" + args[1] + " AS INTEGER))", nil
	},
	"date_sub": func(_ string, args []string) (string, error) {
		if len(args) != 2 {
			return "", wrongArgs("date_sub", 2, len(args))
		}
		return "(CAST(" + args[0] + " AS DATE) - CAST(" + args[1] + " AS INTEGER))", nil
	},
	"datediff": func(_ string, args []string) (string, error) {
		switch len(args) {
		case 2: // datediff(end, start) in days
			return "date_diff('day', CAST(" + args[1] + " AS DATE), CAST(" + args[0] + " AS DATE))", nil
		case 3: // datediff(unit, start, end)
			return "date_diff(" + duckString(strings.ToLower(strings.Trim(args[0], `'"`))) + ", " + args[1] + ", " + args[2] + ")", nil
		}
		return "", wrongArgs("datediff", 2, len(args))
	},
	"to_date": func(_ string, args []string) (string, error) {
		switch len(args) {
		case 1:
			return "CAST(" + args[0] + " AS DATE)", nil
		case 2:
			return "CAST(strptime(" + args[0] + ", " + sparkDateFormat(args[1]) + ") AS DATE)", nil
		}
		return "", wrongArgs("to_date", 1, len(args))
	},
	"to_timestamp": func(_ string, args []string) (string, error) {
		switch len(args) {
		case 1:
			return "CAST(" + args[0] + " AS TIMESTAMPTZ)", nil
		case 2: // the text's wall time, in the session zone
			return "CAST(strptime(" + args[0] + ", " + sparkDateFormat(args[1]) + ") AS TIMESTAMPTZ)", nil
		}
		return "", wrongArgs("to_timestamp", 1, len(args))
	},
	// convert_timezone([source,] target, ts) is ts's wall time (in source,
	// by default the session zone) in target, a TIMESTAMP_NTZ.
	"convert_timezone": func(_ string, args []string) (string, error) {
		switch len(args) {
		case 2:
			return "timezone(" + args[0] + ", CAST(" + args[1] + " AS TIMESTAMPTZ))", nil
		case 3:
			return "timezone(" + args[1] + ", timezone(" + args[0] + ", CAST(" + args[2] + " AS TIMESTAMP)))", nil
		}
		return "", wrongArgs("convert_timezone", 2, len(args))
	},
	"dayofweek": func(_ string, args []string) (string, error) {
		if len(args) != 1 {
			return "", wrongArgs("dayofweek", 1, len(args))
		}
		return "(dayofweek(" + args[0] + ") + 1)", nil
	},
	"size": func(_ string, args []string) (string, error) {
		if len(args) != 1 {
			return "", wrongArgs("size", 1, len(args))
		}
		return "coalesce(len(" + args[0] + "), -1)", nil
	},
	"collect_list": func(_ string, args []string) (string, error) {
		if len(args) != 1 {
			return "", wrongArgs("collect_list", 1, len(args))
		}
		return "list(" + args[0] + ")", nil
	},
}

func wrongArgs(fn string, want, got int) error {
	return &SQLError{Class: "WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
		Message: fmt.Sprintf("The `%s` requires %d parameters but the actual number is %d. SQLSTATE: 42605", fn, want, got)}
}

// sparkDateFormat turns a Databricks datetime pattern literal (already a
// DuckDB string) into a strptime format, for the common letters.
func sparkDateFormat(lit string) string {
	if !strings.HasPrefix(lit, "'") {
		return lit
	}
	r := strings.NewReplacer("yyyy", "%Y", "MM", "%m", "dd", "%d", "HH", "%H", "mm", "%M", "ss", "%S", "SSS", "%g")
	return r.Replace(lit)
}

// callArgs splits the call whose "(" is toks[open] into its top-level
// arguments, returning the index after the closing ")".
func callArgs(toks []token, open int) (int, [][]token, error) {
	var args [][]token
	depth, start := 0, open+1
	for j := open; j < len(toks); j++ {
		switch {
		case toks[j].is("("):
			depth++
		case toks[j].is(")"):
			depth--
			if depth == 0 {
				if skipSpace(toks, start) < j || len(args) > 0 {
					args = append(args, toks[start:j])
				}
				return j + 1, args, nil
			}
		case toks[j].is(",") && depth == 1:
			args = append(args, toks[start:j])
			start = j + 1
		}
	}
	return 0, nil, syntaxError("Syntax error at or near end of input: missing ')'.")
}

// emitCast writes CAST(expr AS type) with the type translated.
func (d *dialect) emitCast(b *strings.Builder, toks []token, i, open int) (int, error) {
	end, _, err := callArgs(toks, open)
	if err != nil {
		return 0, err
	}
	// The whole inside: a comma may belong to the type (MAP<K, V>).
	arg := toks[open+1 : end-1]
	// The last top-level AS separates the expression from the type.
	depth, as := 0, -1
	for j, t := range arg {
		switch {
		case t.is("("):
			depth++
		case t.is(")"):
			depth--
		case t.is("as") && depth == 0:
			as = j
		}
	}
	if as < 0 {
		return 0, syntaxError("Syntax error at or near ')': CAST needs AS and a type.")
	}
	expr, err := d.emit(arg[:as])
	if err != nil {
		return 0, err
	}
	typ, next, err := d.parseType(arg, as+1)
	if err != nil {
		return 0, err
	}
	if rest := skipSpace(arg, next); rest < len(arg) {
		return 0, syntaxError("Syntax error at or near '%s'.", arg[rest].text)
	}
	b.WriteString(toks[i].text + "(" + strings.TrimSpace(expr) + " AS " + typ + ")")
	return end, nil
}

// scalarTypes maps Databricks type names to DuckDB's where they differ.
var scalarTypes = map[string]string{
	"string":        "VARCHAR",
	"long":          "BIGINT",
	"short":         "SMALLINT",
	"byte":          "TINYINT",
	"binary":        "BLOB",
	"timestamp":     "TIMESTAMPTZ",
	"timestamp_ntz": "TIMESTAMP",
	"timestamp_ltz": "TIMESTAMPTZ",
	"void":          "NULL",
	"real":          "FLOAT",
}

// parseType reads a Databricks type starting at toks[i] and returns it in
// DuckDB's spelling and the index after it.
func (d *dialect) parseType(toks []token, i int) (string, int, error) {
	i = skipSpace(toks, i)
	if i >= len(toks) {
		return "", 0, syntaxError("Syntax error at or near end of input: a type is missing.")
	}
	name, ok := toks[i].ident()
	if !ok {
		return "", 0, syntaxError("Syntax error at or near '%s': a type is expected.", toks[i].text)
	}
	i++
	lower := strings.ToLower(name)
	next := skipSpace(toks, i)
	angle := next < len(toks) && toks[next].is("<")
	switch {
	case lower == "array" && angle:
		elem, j, err := d.parseType(toks, next+1)
		if err != nil {
			return "", 0, err
		}
		j, err = expect(toks, j, ">")
		return elem + "[]", j, err
	case lower == "map" && angle:
		key, j, err := d.parseType(toks, next+1)
		if err != nil {
			return "", 0, err
		}
		if j, err = expect(toks, j, ","); err != nil {
			return "", 0, err
		}
		val, j, err := d.parseType(toks, j)
		if err != nil {
			return "", 0, err
		}
		j, err = expect(toks, j, ">")
		return "MAP(" + key + ", " + val + ")", j, err
	case lower == "struct" && angle:
		var fields []string
		j := next + 1
		for {
			j = skipSpace(toks, j)
			if j < len(toks) && toks[j].is(">") {
				break
			}
			if j >= len(toks) {
				return "", 0, syntaxError("Syntax error at or near end of input: unclosed STRUCT<.")
			}
			field, ok := toks[j].ident()
			if !ok {
				return "", 0, syntaxError("Syntax error at or near '%s': a field name is expected.", toks[j].text)
			}
			j = skipSpace(toks, j+1)
			if j < len(toks) && toks[j].is(":") {
				j++
			}
			typ, after, err := d.parseType(toks, j)
			if err != nil {
				return "", 0, err
			}
			fields = append(fields, duckIdent(field)+" "+typ)
			j = skipSpace(toks, after)
			if j < len(toks) && toks[j].is("comment") {
				j = skipSpace(toks, j+1) + 1 // the comment's string
			}
			j = skipSpace(toks, j)
			if j < len(toks) && toks[j].is(",") {
				j++
			}
		}
		return "STRUCT(" + strings.Join(fields, ", ") + ")", j + 1, nil
	}
	typ := name
	if mapped, ok := scalarTypes[lower]; ok {
		typ = mapped
	}
	if next < len(toks) && toks[next].is("(") { // DECIMAL(38,18), VARCHAR(10)
		end, args, err := callArgs(toks, next)
		if err != nil {
			return "", 0, err
		}
		parts := make([]string, len(args))
		for k, a := range args {
			s, err := d.emit(a)
			if err != nil {
				return "", 0, err
			}
			parts[k] = strings.TrimSpace(s)
		}
		return typ + "(" + strings.Join(parts, ",") + ")", end, nil
	}
	return typ, i, nil
}

// expect consumes the punctuation p at or after toks[i].
func expect(toks []token, i int, p string) (int, error) {
	i = skipSpace(toks, i)
	if i >= len(toks) || !toks[i].is(p) {
		at := "end of input"
		if i < len(toks) {
			at = "'" + toks[i].text + "'"
		}
		return 0, syntaxError("Syntax error at or near %s: %q expected.", at, p)
	}
	return i + 1, nil
}

// param is the literal of the named parameter, typed as the request says
// (STRING when it does not).
func (d *dialect) param(name string) (string, error) {
	p, ok := d.params[name]
	if !ok {
		return "", &SQLError{Class: "UNBOUND_SQL_PARAMETER",
			Message: fmt.Sprintf("Found the unbound parameter: %s. Please, fix `args` and provide a mapping of the parameter to either a SQL literal or collection constructor functions such as `map()`, `array()`, `struct()`. SQLSTATE: 42P02", name)}
	}
	typ := strings.ToUpper(strings.TrimSpace(p.typ))
	if typ == "" {
		typ = "STRING"
	}
	if p.value == nil {
		return "CAST(NULL AS " + d.typeText(typ) + ")", nil
	}
	switch typ {
	case "STRING":
		return duckString(*p.value), nil
	case "DATE":
		return "DATE " + duckString(*p.value), nil
	case "TIMESTAMP":
		return "TIMESTAMPTZ " + duckString(*p.value), nil
	}
	return "CAST(" + duckString(*p.value) + " AS " + d.typeText(typ) + ")", nil
}

// typeText is a parameter's type in DuckDB's spelling.
func (d *dialect) typeText(typ string) string {
	toks, err := tokenize(typ)
	if err != nil {
		return "VARCHAR"
	}
	s, _, err := d.parseType(toks, 0)
	if err != nil {
		return "VARCHAR"
	}
	return s
}
