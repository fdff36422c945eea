package warehouse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/databricks/databricks-sdk-go/service/sql"
)

// linkAttempts is how often a chunk's download is tried in all, fresh
// links for expired ones included.
const linkAttempts = 5

// newLinkClient is the client of external links: plain HTTP(S) with no
// credentials of its own, and a bound on a storage host that does not
// answer.
func newLinkClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = time.Minute
	return &http.Client{Transport: t}
}

// chunkPosition is a chunk's index and the next one's (0: none), from its
// external link or, for rows inline, from the chunk itself.
func chunkPosition(data *sql.ResultData) (index, next int) {
	if len(data.ExternalLinks) > 0 {
		return data.ExternalLinks[0].ChunkIndex, data.ExternalLinks[0].NextChunkIndex
	}
	return data.ChunkIndex, data.NextChunkIndex
}

// chunk asks the warehouse for result chunk n (and so a fresh link to it).
func (x *executor) chunk(ctx context.Context, step, id string, n int) (*sql.ResultData, error) {
	chunk, err := retryCall(ctx, x.retry, x.log, step+": fetch chunk", func() (*sql.ResultData, error) {
		return x.api.GetStatementResultChunkN(ctx, sql.GetStatementResultChunkNRequest{StatementId: id, ChunkIndex: n})
	})
	if err != nil {
		return nil, fmt.Errorf("%s: result chunk %d: %w", step, n, err)
	}
	return chunk, nil
}

// chunkRows are a chunk's rows: downloaded from its external link, or
// inline (an empty result has neither).
func (x *executor) chunkRows(ctx context.Context, step, id string, data *sql.ResultData) ([][]string, error) {
	if len(data.ExternalLinks) == 0 {
		return data.DataArray, nil
	}
	link := data.ExternalLinks[0]
	wait := x.retry.backoff
	for attempt := 1; ; attempt++ {
		rows, status, err := x.download(ctx, link)
		switch {
		case err == nil:
			return rows, nil
		case ctx.Err() != nil:
			return nil, fmt.Errorf("%s: result chunk %d: %w", step, link.ChunkIndex, ctx.Err())
		case attempt >= linkAttempts:
			return nil, fmt.Errorf("%s: result chunk %d: %w (gave up after %d attempts)", step, link.ChunkIndex, err, attempt)
		case status == http.StatusForbidden:
			// Links last minutes: one that waited behind slow chunks has
			// expired. Asking for the chunk again gives a fresh one.
			x.log.Info("result link refused (403, most likely expired): asking for a fresh one", "step", step, "chunk", link.ChunkIndex, "expiration", link.Expiration)
			fresh, err := x.chunk(ctx, step, id, link.ChunkIndex)
			if err != nil {
				return nil, err
			}
			if len(fresh.ExternalLinks) == 0 {
				return nil, fmt.Errorf("%s: result chunk %d came again without a link", step, link.ChunkIndex)
			}
			link = fresh.ExternalLinks[0]
		case status == 0 || status >= http.StatusInternalServerError:
			x.log.Warn("retrying", "call", step+": download chunk", "chunk", link.ChunkIndex, "attempt", attempt, "of", linkAttempts, "after", wait, "err", err)
			if err := sleep(ctx, wait); err != nil {
				return nil, fmt.Errorf("%s: result chunk %d: %w", step, link.ChunkIndex, err)
			}
			wait *= 2
		default:
			return nil, fmt.Errorf("%s: result chunk %d: %w", step, link.ChunkIndex, err)
		}
	}
}

// download fetches one external link without the workspace's credentials
// (only the headers the link names) and reads its JSON_ARRAY rows, a null
// as empty text as the SDK reads inline ones. It returns the HTTP status
// of a refusal (0 when there was no answer). Its errors never carry the
// link: the URL is a credential.
func (x *executor) download(ctx context.Context, link sql.ExternalLink) ([][]string, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link.ExternalLink, nil)
	if err != nil {
		return nil, -1, errors.New("download: the external link is not a URL")
	}
	for k, v := range link.HttpHeaders {
		req.Header.Set(k, v)
	}
	resp, err := x.links.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, 0, fmt.Errorf("download: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, resp.StatusCode, fmt.Errorf("download: cloud storage answered %s", resp.Status)
	}
	var raw [][]*string
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		return nil, 0, fmt.Errorf("download: %w", err)
	}
	rows := make([][]string, len(raw))
	for i, r := range raw {
		rows[i] = make([]string, len(r))
		for j, v := range r {
			if v != nil {
				rows[i][j] = *v
			}
		}
	}
	return rows, http.StatusOK, nil
}
