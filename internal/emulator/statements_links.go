package emulator

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/databricks/databricks-sdk-go/service/sql"
)

// DefaultLinkLifetime is how long an external link can be fetched: the
// service's links last at most 15 minutes.
const DefaultLinkLifetime = 15 * time.Minute

// resultFiles is where external links point: outside /api, as the
// service's point to cloud storage, and outside the token check.
const resultFiles = "/storage/results/"

// The EXTERNAL_LINKS form of a result chunk: no data_array, one link.
type (
	linkedChunk struct {
		ExternalLinks []externalLink `json:"external_links,omitempty"`
	}
	externalLink struct {
		ChunkIndex            int    `json:"chunk_index"`
		RowOffset             int64  `json:"row_offset"`
		RowCount              int64  `json:"row_count"`
		ByteCount             int64  `json:"byte_count"`
		ExternalLink          string `json:"external_link"`
		Expiration            string `json:"expiration"`
		NextChunkIndex        *int   `json:"next_chunk_index,omitempty"`
		NextChunkInternalLink string `json:"next_chunk_internal_link,omitempty"`
	}
)

func newLinkKey() []byte {
	k := make([]byte, 32)
	rand.Read(k)
	return k
}

// linkedChunk is chunk n with a fresh link to its rows, on the host the
// request came to; an empty result has no link. The caller holds s.mu.
func (s *Server) linkedChunk(st *statement, n int, r *http.Request) *linkedChunk {
	if len(st.rows) == 0 {
		return &linkedChunk{}
	}
	c := s.chunk(st, n)
	lifetime := s.opts.LinkLifetime
	if lifetime <= 0 {
		lifetime = DefaultLinkLifetime
	}
	expires := s.now().Add(lifetime).Truncate(time.Millisecond)
	q := url.Values{"expires": {strconv.FormatInt(expires.UnixMilli(), 10)}, "signature": {s.linkSignature(st.id, strconv.Itoa(n), expires.UnixMilli())}}
	link := (&url.URL{Scheme: "http", Host: r.Host, Path: fmt.Sprintf("%s%s/%d", resultFiles, st.id, n), RawQuery: q.Encode()}).String()
	return &linkedChunk{ExternalLinks: []externalLink{{
		ChunkIndex: c.ChunkIndex, RowOffset: c.RowOffset, RowCount: c.RowCount, ByteCount: c.ByteCount,
		ExternalLink: link, Expiration: expires.UTC().Format("2006-01-02T15:04:05.000Z"),
		NextChunkIndex: c.NextChunkIndex, NextChunkInternalLink: c.NextChunkInternalLink,
	}}}
}

// linkSignature signs a link to chunk n of statement id until expires
// (Unix milliseconds, so tests can use short lifetimes), as a presigned URL
// carries its credential.
func (s *Server) linkSignature(id, n string, expires int64) string {
	m := hmac.New(sha256.New, s.linkKey)
	fmt.Fprintf(m, "%s/%s/%d", id, n, expires)
	return hex.EncodeToString(m.Sum(nil))
}

// linkRoutes serves the files external links point to. They skip the
// middleware: storage takes no workspace token and injects no API faults.
func (s *Server) linkRoutes() {
	s.mux.HandleFunc("GET "+resultFiles+"{id}/{n}", s.getResultFile)
}

// getResultFile answers a link as S3 answers a presigned URL: a request
// that also carries an Authorization header is 400 InvalidArgument, a
// wrong signature 403 SignatureDoesNotMatch, an expired link 403
// AccessDenied "Request has expired", a chunk that is gone 404 NoSuchKey.
func (s *Server) getResultFile(w http.ResponseWriter, r *http.Request) {
	id, n := r.PathValue("id"), r.PathValue("n")
	if r.Header.Get("Authorization") != "" {
		storageError(w, http.StatusBadRequest, "InvalidArgument", "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified")
		return
	}
	expires, err := strconv.ParseInt(r.URL.Query().Get("expires"), 10, 64)
	sig, _ := hex.DecodeString(r.URL.Query().Get("signature"))
	want, _ := hex.DecodeString(s.linkSignature(id, n, expires))
	if err != nil || !hmac.Equal(sig, want) {
		storageError(w, http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
		return
	}
	s.mu.Lock()
	now := s.now()
	s.expireStatements()
	st := s.statements[id]
	chunk, err := strconv.Atoi(n)
	var rows [][]*string
	found := st != nil && st.state == sql.StatementStateSucceeded && err == nil && chunk >= 0 && chunk < s.chunkCount(len(st.rows))
	if found {
		rows = s.chunk(st, chunk).DataArray
	}
	s.mu.Unlock()
	switch {
	case now.UnixMilli() > expires:
		storageError(w, http.StatusForbidden, "AccessDenied", "Request has expired")
	case !found:
		storageError(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
	default:
		b, _ := json.Marshal(rows) // strings and nulls always marshal; byte_count is its length
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	}
}

// storageError is S3's XML error body.
func storageError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message></Error>\n", code, message)
}
