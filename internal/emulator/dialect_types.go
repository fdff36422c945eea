package emulator

import (
	"strconv"
	"strings"

	"github.com/databricks/databricks-sdk-go/service/sql"
)

// columnOf describes a result column in Databricks' terms, from the DuckDB
// type the engine reported.
func columnOf(name, duckType string, position int) columnInfo {
	c := columnInfo{Name: name, Position: position}
	c.TypeName, c.TypeText = databricksType(duckType)
	if c.TypeName == sql.ColumnInfoTypeNameDecimal {
		p, s := decimalArgs(c.TypeText)
		c.TypePrecision, c.TypeScale = &p, &s
	}
	return c
}

// databricksType maps a DuckDB type to Databricks' type_name and
// type_text (BIGINT is LONG by name, BIGINT by text, as Databricks
// writes it).
func databricksType(duck string) (sql.ColumnInfoTypeName, string) {
	t := strings.TrimSpace(duck)
	upper := strings.ToUpper(t)
	switch {
	case strings.HasSuffix(upper, "[]"):
		_, elem := databricksType(t[:len(t)-2])
		return sql.ColumnInfoTypeNameArray, "ARRAY<" + elem + ">"
	case strings.HasPrefix(upper, "MAP("):
		args := splitTypeArgs(t[4 : len(t)-1])
		if len(args) == 2 {
			_, k := databricksType(args[0])
			_, v := databricksType(args[1])
			return sql.ColumnInfoTypeNameMap, "MAP<" + k + ", " + v + ">"
		}
		return sql.ColumnInfoTypeNameMap, "MAP<STRING, STRING>"
	case strings.HasPrefix(upper, "STRUCT("):
		var fields []string
		for _, f := range splitTypeArgs(t[7 : len(t)-1]) {
			fname, ftype := splitField(f)
			_, ft := databricksType(ftype)
			fields = append(fields, fname+": "+ft)
		}
		return sql.ColumnInfoTypeNameStruct, "STRUCT<" + strings.Join(fields, ", ") + ">"
	case strings.HasPrefix(upper, "DECIMAL"):
		if upper == "DECIMAL" {
			return sql.ColumnInfoTypeNameDecimal, "DECIMAL(18,3)"
		}
		return sql.ColumnInfoTypeNameDecimal, strings.ReplaceAll(upper, " ", "")
	case upper == "HUGEINT", upper == "UHUGEINT", upper == "UBIGINT":
		return sql.ColumnInfoTypeNameDecimal, "DECIMAL(38,0)"
	case strings.HasPrefix(upper, "TIMESTAMP"):
		return sql.ColumnInfoTypeNameTimestamp, "TIMESTAMP"
	}
	switch upper {
	case "VARCHAR", "UUID", "JSON", "TIME", "BIT":
		return sql.ColumnInfoTypeNameString, "STRING"
	case "BIGINT", "UINTEGER":
		return sql.ColumnInfoTypeNameLong, "BIGINT"
	case "INTEGER", "USMALLINT":
		return sql.ColumnInfoTypeNameInt, "INT"
	case "SMALLINT", "UTINYINT":
		return sql.ColumnInfoTypeNameShort, "SMALLINT"
	case "TINYINT":
		return sql.ColumnInfoTypeNameByte, "TINYINT"
	case "DOUBLE":
		return sql.ColumnInfoTypeNameDouble, "DOUBLE"
	case "FLOAT":
		return sql.ColumnInfoTypeNameFloat, "FLOAT"
	case "BOOLEAN":
		return sql.ColumnInfoTypeNameBoolean, "BOOLEAN"
	case "DATE":
		return sql.ColumnInfoTypeNameDate, "DATE"
	case "BLOB":
		return sql.ColumnInfoTypeNameBinary, "BINARY"
	case "INTERVAL":
		return sql.ColumnInfoTypeNameInterval, "INTERVAL"
	case `"NULL"`, "NULL":
		return sql.ColumnInfoTypeNameNull, "VOID"
	}
	return sql.ColumnInfoTypeNameString, "STRING"
}

// decimalArgs reads precision and scale from DECIMAL(p,s).
func decimalArgs(text string) (int, int) {
	inner := strings.TrimSuffix(strings.TrimPrefix(text, "DECIMAL("), ")")
	ps, ss, _ := strings.Cut(inner, ",")
	p, _ := strconv.Atoi(ps)
	s, _ := strconv.Atoi(ss)
	return p, s
}

// splitTypeArgs splits a DuckDB type's arguments at top-level commas.
func splitTypeArgs(s string) []string {
	var out []string
	depth, start := 0, 0
	inQuote := false
	for i, r := range s {
		switch {
		case r == '"':
			inQuote = !inQuote
		case inQuote:
		case r == '(':
			depth++
		case r == ')':
			depth--
		case r == ',' && depth == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// splitField splits a DuckDB struct field, `name TYPE` or `"name" TYPE`.
func splitField(f string) (string, string) {
	if strings.HasPrefix(f, `"`) {
		for i := 1; i < len(f); i++ {
			if f[i] == '"' {
				if i+1 < len(f) && f[i+1] == '"' {
					i++
					continue
				}
				return strings.ReplaceAll(f[1:i], `""`, `"`), strings.TrimSpace(f[i+1:])
			}
		}
	}
	name, typ, _ := strings.Cut(f, " ")
	return name, typ
}
