package webhook

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var cats = []CategoryName{
	{"EXOPLANET_RESEARCH", "exoplanet-research"},
	{"DEEP_SPACE", "deep-space"},
	{"DEEP_SPACE_TELEMETRY", "deep-space-telemetry"},
	{"EXPLORATORY_MISSIONS", "missions"},
}

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeSQLAlert(t *testing.T) {
	cases := []struct {
		file      string
		key       string
		triggered bool
		category  string
		err       error
	}{
		{"sql-alert-triggered.json", "sql-alert/9876543210987654/2026-12-05T08:00:12.345Z", true, "EXOPLANET_RESEARCH", nil},
		{"sql-alert-ok.json", "sql-alert/9876543210987654/2026-12-05T09:00:00Z", false, "EXOPLANET_RESEARCH", nil},
		{"sql-alert-minimal.json", "sql-alert/42/sha256:", true, "DEEP_SPACE_TELEMETRY", nil},
		{"sql-alert-legacy.json", "", false, "", ErrLegacy},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			e, err := DecodeSQLAlert(read(t, tc.file))
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(e.Key, tc.key) || e.Triggered != tc.triggered || e.Source != SourceSQLAlert {
				t.Errorf("event %+v", e)
			}
			if got, err := Category(e, cats); got != tc.category || err != nil {
				t.Errorf("Category = %q, %v; want %q", got, err, tc.category)
			}
		})
	}
}

func TestSQLAlertKeyDependsOnEvaluationNotDelivery(t *testing.T) {
	body := read(t, "sql-alert-triggered.json")
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	v["url_base"] = "https://other"
	again, _ := json.MarshalIndent(v, "", "\t")
	a, _ := DecodeSQLAlert(body)
	b, _ := DecodeSQLAlert(again)
	if a.Key != b.Key {
		t.Errorf("one evaluation, two keys: %q, %q", a.Key, b.Key)
	}
	later := strings.Replace(string(body), "2026-12-05T08:00:12.345Z", "2026-12-05T09:00:12.345Z", 1)
	c, _ := DecodeSQLAlert([]byte(later))
	if c.Key == a.Key {
		t.Error("a later evaluation has the same key")
	}
}

func TestDecodeSQLAlertRefuses(t *testing.T) {
	for name, body := range map[string]string{
		"not json":   `{`,
		"other":      `{"event": "job_run_failed", "alert": {}}`,
		"no alert":   `{"event": "alert_state_change"}`,
		"no id":      `{"event": "alert_state_change", "alert": {"alert": {"name": "x"}}}`,
		"no nesting": `{"event": "alert_state_change", "alert": {"title": "x"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			if e, err := DecodeSQLAlert([]byte(body)); err == nil {
				t.Fatalf("accepted: %+v", e)
			}
		})
	}
}

func TestCategory(t *testing.T) {
	cases := []struct{ text, want, err string }{
		{"EXOPLANET_RESEARCH over 90%", "EXOPLANET_RESEARCH", ""},
		{"budget: exoplanet-research", "EXOPLANET_RESEARCH", ""},
		{"Deep space telemetry", "DEEP_SPACE_TELEMETRY", ""},
		{"deep space", "DEEP_SPACE", ""},
		{"missions spend", "EXPLORATORY_MISSIONS", ""},
		{"exoplanet researchers", "", "name no category"},
		{"deep space and exoplanet research", "", "names DEEP_SPACE and EXOPLANET_RESEARCH"},
		{"", "", "name no category"},
	}
	for _, tc := range cases {
		t.Run(tc.text, func(t *testing.T) {
			got, err := Category(Event{Source: SourceSQLAlert, Texts: []string{tc.text}}, cats)
			if tc.err == "" && (err != nil || got != tc.want) || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, ErrNoCategory)) {
				t.Errorf("Category = %q, %v; want %q / %q", got, err, tc.want, tc.err)
			}
		})
	}
	if _, err := Category(Event{Source: SourceStellar, Category: "NOPE"}, cats); !errors.Is(err, ErrNoCategory) {
		t.Errorf("unknown Stellar category: %v", err)
	}
}

func TestDecodeStellar(t *testing.T) {
	good := StellarEvent{Event: StellarEventName, Key: "threshold/EXOPLANET_RESEARCH/2026-12/90", Category: "EXOPLANET_RESEARCH",
		Kind: "threshold", Threshold: 90, Time: "2026-12-03", Value: "4712.00", Budget: "5200.00", AsOf: "2026-12-05T08:00:00Z"}
	b, _ := json.Marshal(good)
	e, err := DecodeStellar(b)
	if err != nil || e.Key != "stellar/"+good.Key || !e.Triggered || e.Category != good.Category {
		t.Fatalf("DecodeStellar = %+v, %v", e, err)
	}
	for name, body := range map[string]string{
		"unknown field": strings.Replace(string(b), `"kind"`, `"kindd"`, 1),
		"missing key":   strings.Replace(string(b), good.Key, "", 1),
		"wrong event":   strings.Replace(string(b), StellarEventName, "other", 1),
		"bad time":      strings.Replace(string(b), "2026-12-03", "3 Dec", 1),
		"two values":    string(b) + string(b),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := DecodeStellar([]byte(body)); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func FuzzDecodeSQLAlert(f *testing.F) {
	for _, name := range []string{"sql-alert-triggered.json", "sql-alert-ok.json", "sql-alert-minimal.json", "sql-alert-legacy.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := DecodeSQLAlert(body)
		if err != nil {
			return
		}
		if !strings.HasPrefix(e.Key, "sql-alert/") || e.Source != SourceSQLAlert {
			t.Fatalf("decoded %+v", e)
		}
		_, _ = Category(e, cats)
	})
}

func FuzzDecodeStellar(f *testing.F) {
	f.Add([]byte(`{"event":"budget_alert","key":"k","category":"C","kind":"threshold","time":"2026-12-01"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := DecodeStellar(body)
		if err == nil && (e.Key == "stellar/" || e.Category == "" || !e.Triggered) {
			t.Fatalf("decoded %+v", e)
		}
	})
}
