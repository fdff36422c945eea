package emulator

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // session zones do not depend on the host's zoneinfo
)

// SessionZone reads a session time zone (Options.SessionTimeZone): an
// IANA zone name; empty is UTC.
func SessionZone(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		return nil, fmt.Errorf("session time zone %q: want an IANA zone name such as UTC or America/Los_Angeles", name)
	}
	return loc, nil
}

// zonedType reports whether a DuckDB type holds instants: Databricks'
// TIMESTAMP, which it renders in the session time zone.
func zonedType(typ string) bool {
	t := strings.ToUpper(typ)
	return strings.HasPrefix(t, "TIMESTAMP WITH TIME ZONE") || t == "TIMESTAMPTZ"
}

// inSession renders the instants of rows, which the engine writes in UTC,
// in the session time zone with its offset, as Databricks' JSON_ARRAY
// writes a TIMESTAMP (2026-11-22T17:00:00.000-08:00; Z in UTC).
func (s *Server) inSession(types []string, rows [][]*string) error {
	for i, typ := range types {
		if !zonedType(typ) {
			continue
		}
		for _, r := range rows {
			if r[i] == nil {
				continue
			}
			t, err := time.Parse(time.RFC3339Nano, *r[i])
			if err != nil {
				return fmt.Errorf("engine timestamp %q: %w", *r[i], err)
			}
			v := t.In(s.zone).Format("2006-01-02T15:04:05.000Z07:00")
			r[i] = &v
		}
	}
	return nil
}
