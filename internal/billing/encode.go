package billing

import (
	"slices"
	"time"
	"unicode/utf8"
)

// The export writers build each row by appending to one reused buffer:
// json.Marshal of the nested columns cost ~45 allocations a record, which
// made writing a 10-million-row export take minutes.

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string, escaping what JSON requires.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendJSONNullable appends s as a JSON string, or null when empty.
func appendJSONNullable(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendJSONString(b, s)
}

func appendJSONBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

// field appends `"name":` preceded by a comma unless it is the first.
func field(b []byte, name string, first bool) []byte {
	if !first {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, name...)
	return append(b, '"', ':')
}

// appendTags appends a tag map as a JSON object with sorted keys (so output
// does not depend on map order), or null for a nil map. keys is scratch.
func appendTags(b []byte, tags map[string]string, keys *[]string) []byte {
	if tags == nil {
		return append(b, "null"...)
	}
	*keys = (*keys)[:0]
	for k := range tags {
		*keys = append(*keys, k)
	}
	slices.Sort(*keys)
	b = append(b, '{')
	for i, k := range *keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, tags[k])
	}
	return append(b, '}')
}

func appendMetadata(b []byte, m UsageMetadata) []byte {
	b = append(b, '{')
	b = appendJSONNullable(field(b, "cluster_id", true), m.ClusterID)
	b = appendJSONNullable(field(b, "job_id", false), m.JobID)
	b = appendJSONNullable(field(b, "warehouse_id", false), m.WarehouseID)
	b = appendJSONNullable(field(b, "dlt_pipeline_id", false), m.DLTPipelineID)
	b = appendJSONNullable(field(b, "node_type", false), m.NodeType)
	b = appendJSONNullable(field(b, "job_run_id", false), m.JobRunID)
	b = appendJSONNullable(field(b, "notebook_id", false), m.NotebookID)
	b = appendJSONNullable(field(b, "endpoint_name", false), m.EndpointName)
	return append(b, '}')
}

func appendIdentity(b []byte, id IdentityMetadata) []byte {
	b = append(b, '{')
	b = appendJSONNullable(field(b, "run_as", true), id.RunAs)
	b = appendJSONNullable(field(b, "owned_by", false), id.OwnedBy)
	b = appendJSONNullable(field(b, "created_by", false), id.CreatedBy)
	return append(b, '}')
}

func appendFeatures(b []byte, f ProductFeatures) []byte {
	b = append(b, '{')
	b = appendJSONBool(field(b, "is_serverless", true), f.IsServerless)
	b = appendJSONBool(field(b, "is_photon", false), f.IsPhoton)
	b = appendJSONNullable(field(b, "jobs_tier", false), f.JobsTier)
	b = appendJSONNullable(field(b, "sql_tier", false), f.SQLTier)
	b = appendJSONNullable(field(b, "dlt_tier", false), f.DLTTier)
	return append(b, '}')
}

func appendPricing(b []byte, p ListPrice) []byte {
	b = append(b, '{')
	b = appendJSONString(field(b, "default", true), p.Default.String())
	b = field(b, "promotional", false)
	if p.Promotional == nil {
		b = append(b, "null"...)
	} else {
		b = appendJSONString(append(b, `{"default":`...), p.Promotional.String())
		b = append(b, '}')
	}
	if p.EffectiveList != nil {
		b = appendJSONString(append(field(b, "effective_list", false), `{"default":`...), p.EffectiveList.String())
		b = append(b, '}')
	}
	return append(b, '}')
}

func appendTime(b []byte, t time.Time) []byte { return t.UTC().AppendFormat(b, timeLayout) }

func appendDate(b []byte, t time.Time) []byte { return t.AppendFormat(b, dateLayout) }

// appendCSVField appends one RFC 4180 field, quoted when it must be.
func appendCSVField(b []byte, s []byte) []byte {
	quote := len(s) > 0 && (s[0] == ' ' || s[0] == '\t')
	for _, c := range s {
		if c == ',' || c == '"' || c == '\n' || c == '\r' {
			quote = true
			break
		}
	}
	if !quote {
		return append(b, s...)
	}
	b = append(b, '"')
	for _, c := range s {
		if c == '"' {
			b = append(b, '"')
		}
		b = append(b, c)
	}
	return append(b, '"')
}
