package emulator

import (
	"strings"
	"testing"

	"github.com/databricks/databricks-sdk-go/service/sql"
)

// TestSessionTimeZone: statements run in Options.SessionTimeZone as on a
// workspace that sets one: TIMESTAMP values come back in it with their
// offset, hour() and literals without an offset read it, and
// convert_timezone('UTC', ...) gives the UTC hour whatever the zone.
func TestSessionTimeZone(t *testing.T) {
	const q = `SELECT usage_start_time, hour(usage_start_time) AS h, hour(convert_timezone('UTC', usage_start_time)) AS utc_h,
  usage_start_time = TIMESTAMP '2026-11-22 17:00:00' AS local, current_timezone() AS tz
FROM system.billing.usage WHERE usage_start_time = TIMESTAMP '2026-11-23 01:00:00+00:00' LIMIT 1`
	for _, tc := range []struct {
		zone string
		want []string
	}{
		{"", []string{"2026-11-23T01:00:00.000Z", "1", "1", "false", "UTC"}},
		{"America/Los_Angeles", []string{"2026-11-22T17:00:00.000-08:00", "17", "1", "true", "America/Los_Angeles"}},
		{"Asia/Kolkata", []string{"2026-11-23T06:30:00.000+05:30", "6", "1", "false", "Asia/Kolkata"}},
	} {
		t.Run(tc.zone, func(t *testing.T) {
			env := startSQL(t, sqlTables(t), Options{SessionTimeZone: tc.zone})
			resp := env.execute(t, env.unified, q, "30s")
			if resp.Status.State != sql.StatementStateSucceeded {
				t.Fatalf("state %s %+v", resp.Status.State, resp.Status.Error)
			}
			if len(resp.Result.DataArray) != 1 || strings.Join(resp.Result.DataArray[0], " ") != strings.Join(tc.want, " ") {
				t.Errorf("rows %v, want %v", resp.Result.DataArray, tc.want)
			}
			if got := resp.Manifest.Schema.Columns[0].TypeText; got != "TIMESTAMP" {
				t.Errorf("usage_start_time is %s, want TIMESTAMP", got)
			}
		})
	}
	if _, err := New(Options{SessionTimeZone: "Mars/Olympus_Mons"}); err == nil || !strings.Contains(err.Error(), "IANA") {
		t.Errorf("an unknown zone: %v", err)
	}
}
