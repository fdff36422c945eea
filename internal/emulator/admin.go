package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/novadynamics/stellar-budget/internal/budget"
)

// adminRoutes registers the emulator's own endpoints, which no Databricks
// has: faults, and changes to the system tables' data.
func (s *Server) adminRoutes() {
	s.handleAdmin("GET /emulator/admin/faults", s.getFaults)
	s.handleAdmin("POST /emulator/admin/faults", s.setFaults)
	s.handleAdmin("DELETE /emulator/admin/faults", s.clearFaults)
	s.handleAdmin("POST /emulator/admin/corrections", s.correctUsage)
	s.handleAdmin("POST /emulator/admin/sql", s.execSQL)
}

func (s *Server) getFaults(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.faults())
}

// setFaults replaces the faults the body names (a whole field: a request
// fault's count and path_prefix together) and keeps the others.
func (s *Server) setFaults(w http.ResponseWriter, r *http.Request) {
	var change map[string]json.RawMessage
	if !readJSON(w, r, &change) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	next, err := mergeFaults(s.opts.Faults, change)
	if err != nil {
		invalid(w, "faults: %v", err)
		return
	}
	s.opts.Faults = next
	s.log.Info("faults changed", "faults", fmt.Sprintf("%+v", next))
	writeJSON(w, http.StatusOK, next)
}

// mergeFaults lays the named fields over current.
func mergeFaults(current Faults, change map[string]json.RawMessage) (Faults, error) {
	b, err := json.Marshal(current)
	if err != nil {
		return current, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return current, err
	}
	for k, v := range change {
		fields[k] = v
	}
	if b, err = json.Marshal(fields); err != nil {
		return current, err
	}
	var next Faults
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&next); err != nil {
		return current, err
	}
	return next, next.validate()
}

func (s *Server) clearFaults(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	s.opts.Faults = Faults{}
	s.mu.Unlock()
	s.log.Info("faults cleared")
	writeJSON(w, http.StatusOK, Faults{})
}

// correctionRequest asks for a late correction of one usage day.
type correctionRequest struct {
	UsageDate string `json:"usage_date"` // YYYY-MM-DD, the day corrected
	// Factor scales the day's net quantity: each record group is retracted
	// and restated at Factor times its quantity.
	Factor string `json:"factor"`
	// Category limits the correction to usage whose OperationalCategory
	// tag normalises to this value; empty corrects the whole day.
	Category string `json:"category"`
	// IngestionDate of the new records; empty is the emulated today.
	IngestionDate string `json:"ingestion_date"`
}

// correctionResponse says what a correction appended.
type correctionResponse struct {
	UsageDate     string `json:"usage_date"`
	IngestionDate string `json:"ingestion_date"`
	Groups        int    `json:"groups"`     // record groups corrected
	RowsAdded     int    `json:"rows_added"` // a RETRACTION and a RESTATEMENT per group
}

// correctUsage appends a late correction to system.billing.usage: for
// every group of records of the day with the same keys (workspace, SKU,
// hour, tags, metadata) and a non-zero net quantity, a RETRACTION of the
// net and a RESTATEMENT of Factor times it, both ingested on
// IngestionDate. The day's net becomes Factor times what it was.
func (s *Server) correctUsage(w http.ResponseWriter, r *http.Request) {
	var req correctionRequest
	if !readJSON(w, r, &req) {
		return
	}
	day, err := time.Parse(time.DateOnly, req.UsageDate)
	if err != nil {
		invalid(w, "usage_date %q: want YYYY-MM-DD.", req.UsageDate)
		return
	}
	factor, err := budget.ParseDecimal(req.Factor)
	if err != nil || factor.Sign() < 0 {
		invalid(w, "factor %q: want a decimal number of 0 or more, such as \"1.1\".", req.Factor)
		return
	}
	d := s.dialect(nil)
	ingestion := d.today
	if req.IngestionDate != "" {
		if ingestion, err = time.Parse(time.DateOnly, req.IngestionDate); err != nil {
			invalid(w, "ingestion_date %q: want YYYY-MM-DD.", req.IngestionDate)
			return
		}
	}
	if s.opts.SQL == nil {
		writeError(w, http.StatusNotImplemented, "NOT_IMPLEMENTED", "This emulator was started without a SQL engine: it has no usage to correct.")
		return
	}
	groups := correctionGroups(day, req.Category)
	_, _, rows, err := s.query(r, d, "SELECT count(*) FROM ("+groups+") AS g")
	if err != nil {
		writeError(w, http.StatusInternalServerError, "INTERNAL_ERROR", "correction: %v", err)
		return
	}
	n := 0
	if len(rows) == 1 && rows[0][0] != nil {
		fmt.Sscan(*rows[0][0], &n)
	}
	if err := s.exec(r, d, correctionInsert(groups, factor, ingestion)); err != nil {
		writeError(w, http.StatusInternalServerError, "INTERNAL_ERROR", "correction: %v", err)
		return
	}
	s.log.Info("appended a usage correction", "usage_date", req.UsageDate, "factor", factor.String(), "category", req.Category, "groups", n)
	writeJSON(w, http.StatusOK, correctionResponse{
		UsageDate: day.Format(time.DateOnly), IngestionDate: ingestion.Format(time.DateOnly), Groups: n, RowsAdded: 2 * n,
	})
}

// usageKeys are the columns a correction keeps from the records it
// corrects.
var usageKeys = []string{
	"account_id", "workspace_id", "sku_name", "cloud", "usage_start_time", "usage_end_time", "usage_date",
	"custom_tags", "usage_unit", "usage_metadata", "identity_metadata", "billing_origin_product",
	"product_features", "usage_type",
}

// correctionGroups selects the day's record groups with their net
// quantity, in the Databricks dialect.
func correctionGroups(day time.Time, category string) string {
	where := "usage_date = DATE'" + day.Format(time.DateOnly) + "'"
	if category != "" {
		norm := strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToUpper(strings.TrimSpace(category)))
		where += " AND translate(upper(trim(custom_tags['OperationalCategory'])), ' -', '__') = " + sparkString(norm)
	}
	return "SELECT " + strings.Join(usageKeys, ", ") + ", CAST(sum(usage_quantity) AS DECIMAL(38,18)) AS net" +
		" FROM system.billing.usage WHERE " + where + " GROUP BY ALL HAVING sum(usage_quantity) <> 0"
}

// correctionInsert appends a RETRACTION and a RESTATEMENT per group.
func correctionInsert(groups string, factor budget.Decimal, ingestion time.Time) string {
	keys := make([]string, len(usageKeys))
	for i, k := range usageKeys {
		keys[i] = "g." + k
	}
	return "INSERT INTO system.billing.usage (record_id, " + strings.Join(usageKeys, ", ") +
		", usage_quantity, record_type, ingestion_date) SELECT CAST(uuid() AS STRING), " + strings.Join(keys, ", ") +
		", CASE k.record_type WHEN 'RETRACTION' THEN -g.net" +
		" ELSE CAST(CAST(g.net AS DECIMAL(28,10)) * CAST('" + factor.String() + "' AS DECIMAL(18,8)) AS DECIMAL(38,18)) END" +
		", k.record_type, DATE'" + ingestion.Format(time.DateOnly) + "'" +
		" FROM (" + groups + ") AS g CROSS JOIN (VALUES ('RETRACTION'), ('RESTATEMENT')) AS k (record_type)"
}

// sparkString writes s as a Databricks string literal.
func sparkString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// sqlRequest is the body of /emulator/admin/sql.
type sqlRequest struct {
	Statement string `json:"statement"`
}

// execSQL runs a statement in the Databricks dialect that changes the
// system tables, such as an INSERT of hand-made usage records.
func (s *Server) execSQL(w http.ResponseWriter, r *http.Request) {
	var req sqlRequest
	if !readJSON(w, r, &req) {
		return
	}
	if s.opts.SQL == nil {
		writeError(w, http.StatusNotImplemented, "NOT_IMPLEMENTED", "This emulator was started without a SQL engine.")
		return
	}
	if err := s.exec(r, s.dialect(nil), req.Statement); err != nil {
		serr := statementErrorOf(err, req.Statement)
		writeError(w, http.StatusBadRequest, string(serr.ErrorCode), "%s", serr.Message)
		return
	}
	s.log.Info("ran an admin statement")
	writeJSON(w, http.StatusOK, struct{}{})
}

// query translates and runs a Databricks statement on the engine.
func (s *Server) query(r *http.Request, d *dialect, databricksSQL string) ([]string, []string, [][]*string, error) {
	q, err := d.translate(databricksSQL)
	if err != nil {
		return nil, nil, nil, err
	}
	return s.opts.SQL.Query(r.Context(), s.zone.String(), q)
}

// exec translates and runs a Databricks statement that returns no rows.
func (s *Server) exec(r *http.Request, d *dialect, databricksSQL string) error {
	q, err := d.translate(databricksSQL)
	if err != nil {
		return err
	}
	return s.opts.SQL.Exec(r.Context(), s.zone.String(), q)
}
