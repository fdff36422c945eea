package emulator

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/databricks/databricks-sdk-go/service/sql"
)

// linkedQuery has a result of several hundred bytes a row, in many chunks.
const linkedQuery = "SELECT record_id, usage_date, sku_name, custom_tags['OperationalCategory'] AS category FROM system.billing.usage WHERE usage_date >= DATE'2026-11-01' ORDER BY record_id"

func TestInlineLimit(t *testing.T) {
	env := startSQL(t, sqlTables(t), Options{InlineLimit: 4 << 10})
	resp := env.execute(t, env.unified, linkedQuery, "50s")
	if resp.Status.State != sql.StatementStateFailed || resp.Manifest != nil || resp.Result != nil {
		t.Fatalf("state %s, manifest %v: want FAILED without a result", resp.Status.State, resp.Manifest)
	}
	if e := resp.Status.Error; e.ErrorCode != sql.ServiceErrorCodeBadRequest ||
		!strings.HasPrefix(e.Message, "Inline byte limit exceeded. Statements executed with disposition=INLINE can have a result size of at most 4096 bytes.") ||
		!strings.Contains(e.Message, "disposition=EXTERNAL_LINKS") {
		t.Errorf("error %+v, want the service's BAD_REQUEST about the inline byte limit", e)
	}
	// Under the limit (row_limit keeps it small) the result is served.
	small, err := env.unified.StatementExecution.ExecuteStatement(context.Background(), sql.ExecuteStatementRequest{
		WarehouseId: env.emu.DefaultWarehouseID(), Statement: linkedQuery, WaitTimeout: "50s", RowLimit: 5,
	})
	if err != nil || small.Status.State != sql.StatementStateSucceeded || len(small.Result.DataArray) != 5 || !small.Manifest.Truncated {
		t.Fatalf("row_limit 5: %v %+v", err, small)
	}
}

func TestExternalLinks(t *testing.T) {
	tables := sqlTables(t)
	env := startSQL(t, tables, Options{ChunkRows: 40, InlineLimit: 4 << 10})
	_, _, want, err := tables.Query(context.Background(), "UTC", strings.ReplaceAll(linkedQuery, "system.", EngineSystemCatalog+"."))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := env.unified.StatementExecution.ExecuteStatement(context.Background(), sql.ExecuteStatementRequest{
		WarehouseId: env.emu.DefaultWarehouseID(), Statement: linkedQuery, WaitTimeout: "50s",
		Disposition: sql.DispositionExternalLinks, Format: sql.FormatJsonArray,
	})
	if err != nil || resp.Status.State != sql.StatementStateSucceeded {
		t.Fatalf("execute: %v %+v", err, resp)
	}
	m := resp.Manifest
	if m.TotalRowCount != int64(len(want)) || m.TotalChunkCount < 5 || len(m.Chunks) != m.TotalChunkCount {
		t.Fatalf("manifest: %d rows in %d chunks, want %d rows in 5 or more", m.TotalRowCount, m.TotalChunkCount, len(want))
	}
	var got [][]*string
	var first sql.ExternalLink
	for data := resp.Result; ; {
		if len(data.DataArray) != 0 || len(data.ExternalLinks) != 1 {
			t.Fatalf("chunk: %d inline rows, %d links; want 0 and 1", len(data.DataArray), len(data.ExternalLinks))
		}
		link := data.ExternalLinks[0]
		if link.ChunkIndex == 0 {
			first = link
		}
		u, err := url.Parse(link.ExternalLink)
		if err != nil || "http://"+u.Host != env.emu.URL || strings.HasPrefix(u.Path, "/api/") || u.Query().Get("signature") == "" {
			t.Fatalf("link %q: want the emulator's host, a path outside /api, a signature", link.ExternalLink)
		}
		if exp, err := time.Parse(time.RFC3339, link.Expiration); err != nil || time.Until(exp) < 10*time.Minute || time.Until(exp) > DefaultLinkLifetime {
			t.Errorf("expiration %q, want about 15 minutes on", link.Expiration)
		}
		status, body := fetchLink(t, link.ExternalLink, "")
		if status != http.StatusOK || int64(len(body)) != link.ByteCount || link.RowOffset != int64(len(got)) {
			t.Fatalf("chunk %d: %d, %d bytes (byte_count %d), row_offset %d after %d rows", link.ChunkIndex, status, len(body), link.ByteCount, link.RowOffset, len(got))
		}
		var rows [][]*string
		if err := json.Unmarshal(body, &rows); err != nil || int64(len(rows)) != link.RowCount {
			t.Fatalf("chunk %d: %d rows (%v), row_count %d", link.ChunkIndex, len(rows), err, link.RowCount)
		}
		got = append(got, rows...)
		if link.NextChunkInternalLink == "" {
			break
		}
		data, err = env.unified.StatementExecution.GetStatementResultChunkN(context.Background(), sql.GetStatementResultChunkNRequest{StatementId: resp.StatementId, ChunkIndex: link.NextChunkIndex})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("read %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		if *got[i][0] != *want[i][0] {
			t.Fatalf("row %d: %s, want %s", i, *got[i][0], *want[i][0])
		}
	}

	t.Run("refused with the workspace token", func(t *testing.T) {
		status, body := fetchLink(t, first.ExternalLink, "Bearer "+DefaultToken)
		if status != http.StatusBadRequest || !strings.Contains(string(body), "<Code>InvalidArgument</Code>") {
			t.Errorf("%d %s, want 400 InvalidArgument", status, body)
		}
	})
	t.Run("refused with another signature", func(t *testing.T) {
		status, body := fetchLink(t, strings.Replace(first.ExternalLink, "signature=", "signature=00", 1), "")
		if status != http.StatusForbidden || !strings.Contains(string(body), "SignatureDoesNotMatch") {
			t.Errorf("%d %s, want 403 SignatureDoesNotMatch", status, body)
		}
	})
	t.Run("refused once expired, a fresh link works", func(t *testing.T) {
		env.emu.mu.Lock()
		env.emu.now = func() time.Time { return time.Now().Add(DefaultLinkLifetime + time.Minute) }
		env.emu.mu.Unlock()
		status, body := fetchLink(t, first.ExternalLink, "")
		if status != http.StatusForbidden || !strings.Contains(string(body), "Request has expired") {
			t.Errorf("%d %s, want 403 AccessDenied: Request has expired", status, body)
		}
		fresh, err := env.unified.StatementExecution.GetStatementResultChunkN(context.Background(), sql.GetStatementResultChunkNRequest{StatementId: resp.StatementId, ChunkIndex: 0})
		if err != nil {
			t.Fatal(err)
		}
		if status, _ := fetchLink(t, fresh.ExternalLinks[0].ExternalLink, ""); status != http.StatusOK {
			t.Errorf("a fresh link: %d, want 200", status)
		}
	})
}

// fetchLink GETs a link as a client of cloud storage does, with the
// Authorization header auth when it is set.
func fetchLink(t *testing.T, link, auth string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, link, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}
