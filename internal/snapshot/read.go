package snapshot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"time"
)

// MaxSize is the largest snapshot Read accepts: a division of thousands
// of owners writes a few megabytes; anything far beyond is not a snapshot.
const MaxSize = 64 << 20

// maxProblems is how many problems an error lists before it counts the
// rest.
const maxProblems = 5

// VersionError is a snapshot of another schema version than this
// package's. Use errors.As to tell it from a damaged file.
type VersionError struct {
	Got  int // the document's schema_version
	Want int // SchemaVersion
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("schema_version is %d, this reader reads %d (build the site and read it with the same version of Stellar Budget)", e.Got, e.Want)
}

// Read decodes a snapshot from r and checks it: its schema_version is
// SchemaVersion (else a *VersionError), it is one JSON object of at most
// MaxSize bytes, and every value is in its documented form (see the
// package documentation). Fields it does not know are ignored: a newer
// build of the same schema version may add some.
func Read(r io.Reader) (*Snapshot, error) {
	s, err := read(r)
	if err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	return s, nil
}

// ReadFile reads the snapshot at path, as Read does; its errors name the
// file.
func ReadFile(path string) (*Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	defer f.Close()
	s, err := read(f)
	if err != nil {
		return nil, fmt.Errorf("read snapshot %s: %w", path, err)
	}
	return s, nil
}

func read(r io.Reader) (*Snapshot, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxSize {
		return nil, fmt.Errorf("larger than %d MiB: not a snapshot", MaxSize>>20)
	}
	// The version first: a document of another version may not decode
	// into this one's types, and its error should say why.
	var head struct {
		SchemaVersion *json.RawMessage `json:"schema_version"`
	}
	if err := decodeOne(b, &head); err != nil {
		return nil, err
	}
	if head.SchemaVersion == nil {
		return nil, errors.New("no schema_version: not a Stellar Budget snapshot")
	}
	var version int
	if err := json.Unmarshal(*head.SchemaVersion, &version); err != nil {
		return nil, fmt.Errorf("schema_version %s is not a whole number", *head.SchemaVersion)
	}
	if version != SchemaVersion {
		return nil, &VersionError{Got: version, Want: SchemaVersion}
	}
	var s Snapshot
	if err := decodeOne(b, &s); err != nil {
		return nil, err
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	return &s, nil
}

// decodeOne decodes b into v and refuses anything after the one value.
func decodeOne(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field == "" {
			return fmt.Errorf("a JSON %s, not an object", typeErr.Value)
		}
		return fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("invalid JSON: more after the snapshot's object")
	}
	return nil
}

// problems gathers what is wrong with a snapshot, each at its JSON path.
type problems []string

func (p *problems) add(path, format string, args ...any) {
	*p = append(*p, path+": "+fmt.Sprintf(format, args...))
}

func (p problems) err() error {
	switch {
	case len(p) == 0:
		return nil
	case len(p) > maxProblems:
		return fmt.Errorf("%s (and %d more problems)", strings.Join(p[:maxProblems], "; "), len(p)-maxProblems)
	}
	return errors.New(strings.Join(p, "; "))
}

// checker is a value type with a canonical form.
type checker interface{ check() error }

// check checks every value's form, then what spans values.
func (s *Snapshot) check() error {
	var p problems
	checkValues(&p, "", reflect.ValueOf(s).Elem())
	if len(p) > 0 {
		return p.err() // the rest reads these values
	}
	if s.AsOf == "" {
		p.add("as_of", "missing")
	}
	if s.GeneratedAt == "" {
		p.add("generated_at", "missing")
	}
	asOf := s.AsOf.Time()
	slugs, tags := map[string]bool{}, map[string]bool{}
	for i, c := range s.Categories {
		at := fmt.Sprintf("categories[%d]", i)
		switch {
		case c.Slug == "" || c.TagValue == "":
			p.add(at, "no slug or tag_value")
		case slugs[c.Slug] || tags[c.TagValue]:
			p.add(at, "slug %q or tag_value %q is another category's", c.Slug, c.TagValue)
		}
		slugs[c.Slug], tags[c.TagValue] = true, true
		for _, owner := range slices.Sorted(maps.Keys(c.Allowances)) {
			if c.Allowances[owner].Decimal().Sign() < 0 {
				p.add(fmt.Sprintf("%s.allowances[%q]", at, owner), "%s is negative", c.Allowances[owner])
			}
		}
		c.Daily.check(&p, at+".daily", asOf)
		seen := map[string]bool{}
		for j, o := range c.OwnerDaily {
			oat := fmt.Sprintf("%s.owner_daily[%d]", at, j)
			if o.Owner == "" || seen[o.Owner] {
				p.add(oat, "owner %q is empty or listed twice", o.Owner)
			}
			seen[o.Owner] = true
			o.Daily.check(&p, oat+".daily", asOf)
		}
	}
	owners := map[string]bool{}
	for i, o := range s.Owners {
		at := fmt.Sprintf("owners[%d]", i)
		if o.Owner == "" || owners[o.Owner] {
			p.add(at, "owner %q is empty or listed twice", o.Owner)
		}
		owners[o.Owner] = true
		o.Daily.check(&p, at+".daily", asOf)
	}
	type clusterKey struct{ workspace, id string }
	clusters := map[clusterKey]bool{}
	for i, c := range s.Clusters {
		at := fmt.Sprintf("clusters[%d]", i)
		k := clusterKey{c.Workspace, c.ID}
		if c.ID == "" || c.RatedOn == "" || clusters[k] {
			p.add(at, "cluster %q has no id or rated_on, or is listed twice", c.ID)
		}
		clusters[k] = true
	}
	return p.err()
}

// check checks that the days are consecutive and end by the as-of date.
func (s Series) check(p *problems, at string, asOf time.Time) {
	var prev time.Time
	for _, d := range s.Days {
		day := d.Date.Time()
		switch {
		case day.IsZero():
			p.add(fmt.Sprintf("%s.days[%q]", at, d.Date), "no date")
			return
		case !prev.IsZero() && !day.Equal(prev.AddDate(0, 0, 1)):
			p.add(fmt.Sprintf("%s.days[%q]", at, d.Date), "does not follow %s (want every day once, oldest first)", prev.Format(time.DateOnly))
			return
		case day.After(asOf):
			p.add(fmt.Sprintf("%s.days[%q]", at, d.Date), "is after as_of %s", asOf.Format(time.DateOnly))
			return
		}
		prev = day
	}
	if s.LastDayPartial && len(s.Days) == 0 {
		p.add(at, "last_day_partial without a day")
	}
}

// checkValues walks v, checking every value that has a canonical form;
// at is v's JSON path.
func checkValues(p *problems, at string, v reflect.Value) {
	if v.Kind() == reflect.Pointer {
		if !v.IsNil() {
			checkValues(p, at, v.Elem())
		}
		return
	}
	if c, ok := v.Interface().(checker); ok {
		if err := c.check(); err != nil {
			p.add(at, "%v", err)
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" {
				name = f.Name
			}
			checkValues(p, strings.TrimPrefix(at+"."+name, "."), v.Field(i))
		}
	case reflect.Slice:
		if days, ok := v.Interface().(Days); ok {
			for _, d := range days {
				if err := d.Date.check(); err != nil {
					p.add(at, "%v", err)
				}
				checkValues(p, fmt.Sprintf("%s[%q]", at, d.Date), reflect.ValueOf(d.Cost))
			}
			return
		}
		for i := range v.Len() {
			checkValues(p, fmt.Sprintf("%s[%d]", at, i), v.Index(i))
		}
	case reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			checkValues(p, fmt.Sprintf("%s[%q]", at, k.String()), v.MapIndex(k))
		}
	}
}
