// Package gate holds the checks every request to a Stellar Budget function
// passes before the function decides anything, in the order a caller is
// told about them:
//
//  1. method: only POST (405, with Allow: POST);
//  2. size: the body is capped at MaxBody bytes (413);
//  3. content type: application/json, any charset parameter (415);
//  4. authentication: the function's own scheme (401);
//  5. role: decided from what the request asks to do before its arguments
//     are decoded (403);
//  6. arguments: strict JSON (400 for what is not JSON or has unknown or
//     mistyped fields, 422 for well-formed JSON that asks for something the
//     function will not do).
//
// Steps 1-3 are Read; 4 and 5 belong to each function (Basic, Signature,
// Tokens, Identity); 6 is Decode. Every refusal is written by Fail as a
// JSON problem ({"error": {"status", "code", "message"}}); a message never
// holds a secret, and a token or password is never echoed.
package gate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// MaxBody is the largest request body a function reads.
const MaxBody = 1 << 20

// Problem is a refusal: an HTTP status, a stable code and a message for
// the caller.
type Problem struct {
	Status  int    `json:"status"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (p *Problem) Error() string { return fmt.Sprintf("%d %s: %s", p.Status, p.Code, p.Message) }

// Refuse builds a Problem.
func Refuse(status int, code, format string, args ...any) *Problem {
	return &Problem{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Fail writes err as a JSON problem: a *Problem (or one wrapped) with its
// status, anything else as a 500 whose message says only that the function
// failed, since an internal error may name what a caller must not see.
func Fail(w http.ResponseWriter, err error) {
	var p *Problem
	if !errors.As(err, &p) {
		p = &Problem{Status: http.StatusInternalServerError, Code: "internal", Message: "the function failed; its log has the cause"}
	}
	if p.Status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", http.MethodPost)
	}
	if p.Status == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="stellar-budget"`)
	}
	WriteJSON(w, p.Status, struct {
		Error *Problem `json:"error"`
	}{p})
}

// WriteJSON writes v as the JSON answer with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"status":500,"code":"internal","message":"the answer could not be encoded"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// Read applies checks 1-3 and returns the body.
func Read(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.Method != http.MethodPost {
		return nil, Refuse(http.StatusMethodNotAllowed, "method_not_allowed", "%s is not allowed; send POST", r.Method)
	}
	if r.ContentLength > MaxBody {
		return nil, tooLarge()
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nil, tooLarge()
		}
		return nil, Refuse(http.StatusBadRequest, "unreadable_body", "the request body could not be read")
	}
	ct := r.Header.Get("Content-Type")
	media, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || media != "application/json" {
		return nil, Refuse(http.StatusUnsupportedMediaType, "unsupported_media_type", "Content-Type %q is not accepted; send application/json", Clip(ct, 80))
	}
	return body, nil
}

func tooLarge() *Problem {
	return Refuse(http.StatusRequestEntityTooLarge, "body_too_large", "the body is over %d bytes", MaxBody)
}

// Decode decodes one JSON value from data into v strictly: unknown fields,
// a wrong type, trailing data or an empty body are a 400 naming the field.
func Decode(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return Refuse(http.StatusBadRequest, "bad_json", "the body is empty; send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return Refuse(http.StatusBadRequest, "bad_json", "%s", describe(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return Refuse(http.StatusBadRequest, "bad_json", "the body holds more than one JSON value")
	}
	return nil
}

// describe says what is wrong with JSON in a caller's terms.
func describe(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("not JSON at byte %d: %s", syn.Offset, syn.Error())
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "the body"
		}
		return fmt.Sprintf("%s: a JSON %s where %s is expected", field, typ.Value, kindOf(typ.Type.Kind().String()))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends early"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	return Clip(err.Error(), 200)
}

func kindOf(k string) string {
	switch k {
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "a number"
	case "bool":
		return "true or false"
	}
	return "a " + k
}

// Clip shortens s to n bytes for a message, marking the cut.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
