package warehouse

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/novadynamics/stellar-budget/internal/attribution"
)

func date(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestColumn(t *testing.T) {
	tests := []struct {
		name string
		col  attribution.Column
		want string
	}{
		{"plain", attribution.Column{Name: "usage_date", Source: "usage_date", Kind: attribution.KindDate},
			"CAST(usage_date AS DATE) AS usage_date"},
		{"hour", attribution.Column{Name: "usage_hour", Source: "usage_start_time", Kind: attribution.KindHour},
			"CAST(hour(convert_timezone('UTC', usage_start_time)) AS INT) AS usage_hour"},
		{"map subscript", attribution.Column{Name: "tag_owner", Source: "custom_tags", Path: []string{"Owner"}, Kind: attribution.KindText},
			"CAST(custom_tags['Owner'] AS STRING) AS tag_owner"},
		{"map key with a quote", attribution.Column{Name: "t", Source: "custom_tags", Path: []string{"it's"}, Kind: attribution.KindText},
			"CAST(custom_tags[concat('it', chr(39), 's')] AS STRING) AS t"},
		{"struct field", attribution.Column{Name: "run_as", Source: "identity_metadata", Path: []string{"run_as"}, Kind: attribution.KindText},
			"CAST(identity_metadata.run_as AS STRING) AS run_as"},
		{"reserved key", attribution.Column{Name: "price_default", Source: "pricing", Path: []string{"default"}, Kind: attribution.KindDecimal},
			"CAST(pricing.`default` AS DECIMAL(38,18)) AS price_default"},
		{"nested struct", attribution.Column{Name: "price_effective_list", Source: "pricing", Path: []string{"effective_list", "default"}, Kind: attribution.KindDecimal},
			"CAST(pricing.effective_list.`default` AS DECIMAL(38,18)) AS price_effective_list"},
		{"boolean", attribution.Column{Name: "is_serverless", Source: "product_features", Path: []string{"is_serverless"}, Kind: attribution.KindBool},
			"CAST(product_features.is_serverless AS BOOLEAN) AS is_serverless"},
		{"odd name", attribution.Column{Name: "x", Source: "a`b c", Kind: attribution.KindTimestamp},
			"CAST(`a``b c` AS TIMESTAMP) AS x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := column(tc.col); got != tc.want {
				t.Errorf("column = %s\nwant      %s", got, tc.want)
			}
		})
	}
}

// TestEveryColumnIsCast holds the relations to the contract: every
// canonical column appears once, cast to its kind's type.
func TestEveryColumnIsCast(t *testing.T) {
	for _, tc := range []struct {
		name string
		rel  string
		cols []attribution.Column
	}{
		{"usage", usageRelation(pull{From: date("2026-01-01"), To: date("2026-01-31")}), attribution.UsageColumns},
		{"prices", priceRelation(), attribution.PriceColumns},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if n := strings.Count(tc.rel, "CAST("); n != len(tc.cols) {
				t.Errorf("%d casts, want %d:\n%s", n, len(tc.cols), tc.rel)
			}
			for _, c := range tc.cols {
				if !strings.Contains(tc.rel, " AS "+c.Kind.SQLType()+") AS "+c.Name+",") && !strings.Contains(tc.rel, " AS "+c.Kind.SQLType()+") AS "+c.Name+"\n") {
					t.Errorf("%s is not cast to %s", c.Name, c.Kind.SQLType())
				}
			}
		})
	}
}

func TestPullFilter(t *testing.T) {
	from, to := date("2025-10-01"), date("2026-11-23")
	touched := "usage_date IN (SELECT usage_date FROM system.billing.usage WHERE ingestion_date >= DATE '2026-11-20')"
	window := "  WHERE usage_date BETWEEN DATE '2025-10-01' AND DATE '2026-11-23'"
	tests := []struct {
		name string
		p    pull
		want string
	}{
		{"full", pull{From: from, To: to}, window},
		{"incremental within the cache", pull{From: from, To: to, Since: date("2026-11-20"), Have: from, HaveTo: to},
			window + "\n    AND " + touched},
		{"incremental, window moved on", pull{From: from, To: to, Since: date("2026-11-20"), Have: date("2025-09-01"), HaveTo: date("2026-11-22")},
			window + "\n    AND (" + touched + " OR usage_date > DATE '2026-11-22')"},
		{"incremental, window starts earlier", pull{From: from, To: to, Since: date("2026-11-20"), Have: date("2025-11-01"), HaveTo: to},
			window + "\n    AND (" + touched + " OR usage_date < DATE '2025-11-01')"},
		{"cut partway through the last day", pull{From: from, To: to, Through: to.Add(8 * time.Hour)},
			window + " AND usage_end_time <= TIMESTAMP '2026-11-23 08:00:00+00:00'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.where(); got != tc.want {
				t.Errorf("where =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	a, err := fingerprint([]string{"A", "B"})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := fingerprint([]string{"A", "B"})
	other, _ := fingerprint([]string{"A", "C"})
	if a != again {
		t.Error("fingerprint is not stable")
	}
	if a == other {
		t.Error("fingerprint ignores the categories")
	}
	if _, err := fingerprint(nil); err == nil {
		t.Error("no categories: want an error")
	}
}

// TestStatementsParse checks every kind of statement the source sends with
// sqlglot's Databricks dialect (the integration test checks those actually
// sent).
func TestStatementsParse(t *testing.T) {
	tags := []string{"DEEP_SPACE_TELEMETRY", `it's \ odd`}
	from, to := date("2025-10-01"), date("2026-11-23")
	statements := map[string]string{"watermark": watermarkStatement, "spellings": spellingsStatement(from)}
	for name, p := range map[string]pull{
		"full":        {From: from, To: to},
		"incremental": {From: from, To: to, Since: date("2026-11-20"), Have: date("2025-11-01"), HaveTo: date("2026-11-22")},
		"cut":         {From: from, To: to, Since: date("2026-11-20"), Have: date("2025-11-01"), HaveTo: date("2026-11-22"), Through: to.Add(8 * time.Hour)},
	} {
		q, err := attributionStatement(p, tags)
		if err != nil {
			t.Fatal(err)
		}
		statements[name] = q
	}
	for name, q := range statements {
		t.Run(name, func(t *testing.T) { checkDatabricksSQL(t, q) })
	}
	t.Run("rejects bad SQL", func(t *testing.T) {
		if err := parseDatabricksSQL("SELECT a FROM b WHERE x IN (SELECT"); err == nil {
			t.Error("sqlglot accepted a broken statement")
		}
	})
}

// checkDatabricksSQL fails the test unless sqlglot parses q as Databricks
// SQL (Debian's python3-sqlglot).
func checkDatabricksSQL(t *testing.T, q string) {
	t.Helper()
	if err := parseDatabricksSQL(q); err != nil {
		t.Errorf("not valid Databricks SQL: %v\n%s", err, q)
	}
}

func parseDatabricksSQL(q string) error {
	cmd := exec.Command("/usr/bin/python3", "-c",
		`import sqlglot,sys; sqlglot.parse(sys.stdin.read(), read="databricks", error_level=sqlglot.ErrorLevel.RAISE)`)
	cmd.Stdin = strings.NewReader(q)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		return fmt.Errorf("sqlglot: %w: %s", err, lines[len(lines)-1])
	}
	return nil
}
