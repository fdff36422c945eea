package gate

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Role is what a caller may do.
type Role string

const (
	// Viewer may ask (predict_cost).
	Viewer Role = "viewer"
	// Operator may also act (scale_cluster, slack_alert).
	Operator Role = "operator"
)

// Allows reports whether r covers need: an operator may do what a viewer
// may.
func (r Role) Allows(need Role) bool {
	return r == Operator || (r == Viewer && need == Viewer)
}

// Caller is who made a request, as the trail records it: never the
// credential itself.
type Caller struct {
	Name string // "token:viewer#2", "identity:ana@example.com", "webhook:basic", ...
	Role Role
}

// Tokens maps bearer tokens to roles (STELLAR_AGENT_TOKENS).
type Tokens struct {
	entries []tokenEntry
}

type tokenEntry struct {
	sum  [32]byte // SHA-256 of the token, so comparing takes the same time for every candidate
	role Role
	name string
}

// ParseTokens reads "viewer:<token>,operator:<token>,...": several of each
// role; a token shorter than 16 characters, an unknown role or one token
// given twice is an error that names the entry by position, never by value.
func ParseTokens(s string) (Tokens, error) {
	var t Tokens
	seen := map[[32]byte]bool{}
	count := map[Role]int{}
	for i, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		role, tok, ok := strings.Cut(item, ":")
		r := Role(strings.TrimSpace(role))
		if !ok || (r != Viewer && r != Operator) {
			return Tokens{}, fmt.Errorf("STELLAR_AGENT_TOKENS entry %d: want viewer:<token> or operator:<token>", i+1)
		}
		tok = strings.TrimSpace(tok)
		if len(tok) < 16 {
			return Tokens{}, fmt.Errorf("STELLAR_AGENT_TOKENS entry %d: the token is shorter than 16 characters", i+1)
		}
		sum := sha256.Sum256([]byte(tok))
		if seen[sum] {
			return Tokens{}, fmt.Errorf("STELLAR_AGENT_TOKENS entry %d: the same token is given twice", i+1)
		}
		seen[sum] = true
		count[r]++
		t.entries = append(t.entries, tokenEntry{sum: sum, role: r, name: fmt.Sprintf("token:%s#%d", r, count[r])})
	}
	return t, nil
}

// Len is how many tokens are configured.
func (t Tokens) Len() int { return len(t.entries) }

// Lookup finds the caller a bearer token belongs to. Every entry is
// compared, in constant time, whatever matches.
func (t Tokens) Lookup(token string) (Caller, bool) {
	if token == "" {
		return Caller{}, false
	}
	sum := sha256.Sum256([]byte(token))
	var found Caller
	hit := 0
	for _, e := range t.entries {
		eq := subtle.ConstantTimeCompare(sum[:], e.sum[:])
		if eq == 1 {
			found = Caller{Name: e.name, Role: e.role}
		}
		hit |= eq
	}
	return found, hit == 1
}

// Bearer returns the token of an "Authorization: Bearer <token>" header.
func Bearer(r *http.Request) (string, bool) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return "", false
	}
	return strings.TrimSpace(tok), true
}

// Basic checks HTTP Basic credentials against user and password in
// constant time; both must be set.
func Basic(r *http.Request, user, password string) bool {
	u, p, ok := r.BasicAuth()
	if !ok || user == "" || password == "" {
		return false
	}
	us, ps := sha256.Sum256([]byte(u)), sha256.Sum256([]byte(p))
	wu, wp := sha256.Sum256([]byte(user)), sha256.Sum256([]byte(password))
	return subtle.ConstantTimeCompare(us[:], wu[:])&subtle.ConstantTimeCompare(ps[:], wp[:]) == 1
}

// SignatureHeader is the header the generator signs its own events with.
const SignatureHeader = "Stellar-Signature"

// MaxSignatureAge is how old a signed event may be.
const MaxSignatureAge = 5 * time.Minute

// Sign returns the Stellar-Signature value of body at t:
// t=<unix>,v1=<hex HMAC-SHA256 of "<unix>.<body>">.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// VerifySignature checks a Stellar-Signature header value against body at
// now: the MAC must match one v1 value and t be at most MaxSignatureAge
// old (or as far in the future, for clock skew). The error says which
// check failed, never the expected value.
func VerifySignature(secret []byte, header string, body []byte, now time.Time) error {
	if len(secret) == 0 {
		return fmt.Errorf("no signing secret is configured")
	}
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return fmt.Errorf("%s is not t=<unix>,v1=<hex>", SignatureHeader)
	}
	want := mac(secret, ts, body)
	ok := 0
	for _, s := range sigs {
		ok |= subtle.ConstantTimeCompare(s, want)
	}
	if ok != 1 {
		return fmt.Errorf("%s does not match the body", SignatureHeader)
	}
	if age := now.Sub(time.Unix(unix, 0)); age > MaxSignatureAge || age < -MaxSignatureAge {
		return fmt.Errorf("%s is from %s, more than %s from now", SignatureHeader, time.Unix(unix, 0).UTC().Format(time.RFC3339), MaxSignatureAge)
	}
	return nil
}
