package gate

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

func TestRead(t *testing.T) {
	big := strings.Repeat("x", MaxBody+1)
	cases := []struct {
		name, method, ctype, body string
		status                    int
	}{
		{"post json", "POST", "application/json", `{}`, 0},
		{"charset", "POST", "application/json; charset=utf-8", `{}`, 0},
		{"get", "GET", "application/json", ``, 405},
		{"put before size", "PUT", "application/json", big, 405},
		{"too large before type", "POST", "text/plain", big, 413},
		{"exactly the cap", "POST", "application/json", strings.Repeat(" ", MaxBody), 0},
		{"no type", "POST", "", `{}`, 415},
		{"form", "POST", "application/x-www-form-urlencoded", `a=b`, 415},
		{"bad media", "POST", "application/json;;", `{}`, 415},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "/", strings.NewReader(tc.body))
			if tc.ctype != "" {
				r.Header.Set("Content-Type", tc.ctype)
			}
			w := httptest.NewRecorder()
			body, err := Read(w, r)
			if tc.status == 0 {
				if err != nil || string(body) != tc.body {
					t.Fatalf("Read = %d bytes, %v; want the body", len(body), err)
				}
				return
			}
			var p *Problem
			if !errors.As(err, &p) || p.Status != tc.status {
				t.Fatalf("Read error %v, want status %d", err, tc.status)
			}
			Fail(w, err)
			if w.Code != tc.status {
				t.Errorf("written status %d, want %d", w.Code, tc.status)
			}
			if tc.status == 405 && w.Header().Get("Allow") != "POST" {
				t.Errorf("405 without Allow: POST")
			}
			var out struct{ Error Problem }
			if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || out.Error.Status != tc.status || out.Error.Message == "" {
				t.Errorf("problem body %s (%v)", w.Body, err)
			}
		})
	}
}

func TestFailHidesInternalErrors(t *testing.T) {
	w := httptest.NewRecorder()
	Fail(w, errors.New("dial tcp 10.0.0.1: token dapi123 refused"))
	if w.Code != 500 || strings.Contains(w.Body.String(), "dapi123") {
		t.Fatalf("got %d %s", w.Code, w.Body)
	}
}

func TestDecode(t *testing.T) {
	type args struct {
		Owner string `json:"owner"`
		Days  int    `json:"horizon_days"`
	}
	cases := []struct{ name, body, want string }{
		{"ok", `{"owner":"a@b.c","horizon_days":3}`, ""},
		{"empty", ` `, "empty"},
		{"not json", `{"owner":`, "ends early"},
		{"syntax", `{"owner" 1}`, "not JSON at byte"},
		{"unknown field", `{"owner":"a","cluster":"x"}`, `unknown field "cluster"`},
		{"wrong type", `{"horizon_days":"3"}`, "horizon_days: a JSON string where a number is expected"},
		{"two values", `{} {}`, "more than one"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var a args
			err := Decode([]byte(tc.body), &a)
			if tc.want == "" {
				if err != nil || a.Owner != "a@b.c" || a.Days != 3 {
					t.Fatalf("Decode = %+v, %v", a, err)
				}
				return
			}
			var p *Problem
			if !errors.As(err, &p) || p.Status != 400 || !strings.Contains(p.Message, tc.want) {
				t.Fatalf("Decode error %v, want 400 containing %q", err, tc.want)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	const v1, v2, op = "viewer-token-0000001", "viewer-token-0000002", "operator-token-00001"
	tok, err := ParseTokens(" viewer:" + v1 + ", operator:" + op + ",viewer:" + v2 + ",")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		token string
		want  Caller
		ok    bool
	}{
		{v1, Caller{"token:viewer#1", Viewer}, true},
		{v2, Caller{"token:viewer#2", Viewer}, true},
		{op, Caller{"token:operator#1", Operator}, true},
		{"viewer-token-0000003", Caller{}, false},
		{"", Caller{}, false},
	} {
		if got, ok := tok.Lookup(tc.token); ok != tc.ok || got != tc.want {
			t.Errorf("Lookup(%q) = %v, %v; want %v, %v", tc.token, got, ok, tc.want, tc.ok)
		}
	}
	for _, bad := range []string{"admin:" + v1, "viewer:short", v1, "viewer:" + v1 + ",operator:" + v1} {
		_, err := ParseTokens(bad)
		if err == nil || strings.Contains(err.Error(), v1) {
			t.Errorf("ParseTokens(%q) = %v; want an error that does not echo the token", bad, err)
		}
	}
	if !Operator.Allows(Viewer) || !Operator.Allows(Operator) || !Viewer.Allows(Viewer) || Viewer.Allows(Operator) || Role("").Allows(Viewer) {
		t.Error("Allows is wrong")
	}
}

func TestBasic(t *testing.T) {
	for _, tc := range []struct {
		name, user, pass string
		ok               bool
	}{
		{"right", "databricks", "s3cret-password", true},
		{"wrong password", "databricks", "s3cret-passwore", false},
		{"wrong user", "databrick", "s3cret-password", false},
		{"none", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", nil)
			if tc.user != "" {
				r.SetBasicAuth(tc.user, tc.pass)
			}
			if got := Basic(r, "databricks", "s3cret-password"); got != tc.ok {
				t.Errorf("Basic = %v, want %v", got, tc.ok)
			}
		})
	}
	r := httptest.NewRequest("POST", "/", nil)
	r.SetBasicAuth("", "")
	if Basic(r, "", "") {
		t.Error("empty configured credentials accepted")
	}
}

func TestSignature(t *testing.T) {
	secret := []byte("whsec-0123456789")
	body := []byte(`{"kind":"budget_threshold"}`)
	at := time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
	h := Sign(secret, at, body)
	if !strings.HasPrefix(h, "t=1796457600,v1=") {
		t.Fatalf("Sign = %q", h)
	}
	cases := []struct {
		name   string
		secret []byte
		header string
		body   []byte
		now    time.Time
		want   string
	}{
		{"valid", secret, h, body, at.Add(time.Minute), ""},
		{"two v1, one right", secret, h + ",v1=00ff", body, at, ""},
		{"old", secret, h, body, at.Add(MaxSignatureAge + time.Second), "more than"},
		{"future", secret, h, body, at.Add(-MaxSignatureAge - time.Second), "more than"},
		{"edited body", secret, h, []byte(`{"kind":"budget_threshold "}`), at, "does not match"},
		{"other secret", []byte("whsec-other"), h, body, at, "does not match"},
		{"garbage", secret, "v1=zz", body, at, "not t=<unix>"},
		{"no secret", nil, h, body, at, "no signing secret"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifySignature(tc.secret, tc.header, tc.body, tc.now)
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("VerifySignature = %v, want %q", err, tc.want)
			}
		})
	}
}

func withIdentity(ctx context.Context, user string) context.Context {
	lc := &lambdacontext.LambdaContext{}
	if user != "" {
		lc.ClientContext.Custom = map[string]string{"netlify": base64.StdEncoding.EncodeToString([]byte(`{"identity":{"url":"https://x/.netlify/identity"},"user":` + user + `}`))}
	}
	return lambdacontext.NewContext(ctx, lc)
}

func TestAuthenticate(t *testing.T) {
	tokens, err := ParseTokens("viewer:viewer-token-0000001,operator:operator-token-00001")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, user, bearer string
		want               Caller
		status             int
	}{
		{"operator identity", `{"email":"Ana@Nova.Example","app_metadata":{"roles":["viewer","operator"]}}`, "", Caller{"identity:ana@nova.example", Operator}, 0},
		{"viewer identity beats token", `{"email":"bo@nova.example","app_metadata":{"roles":["viewer"]}}`, "operator-token-00001", Caller{"identity:bo@nova.example", Viewer}, 0},
		{"identity without role", `{"email":"cy@nova.example","app_metadata":{"roles":["editor"]}}`, "", Caller{}, 403},
		{"token", "", "operator-token-00001", Caller{"token:operator#1", Operator}, 0},
		{"unknown token", "", "operator-token-00002", Caller{}, 401},
		{"nothing", "", "", Caller{}, 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", nil)
			r = r.WithContext(withIdentity(r.Context(), tc.user))
			if tc.bearer != "" {
				r.Header.Set("Authorization", "Bearer "+tc.bearer)
			}
			got, err := Authenticate(r, tokens)
			var p *Problem
			switch {
			case tc.status == 0 && (err != nil || got != tc.want):
				t.Fatalf("Authenticate = %v, %v; want %v", got, err, tc.want)
			case tc.status != 0 && (!errors.As(err, &p) || p.Status != tc.status):
				t.Fatalf("Authenticate error %v, want %d", err, tc.status)
			}
		})
	}
}

func FuzzVerifySignature(f *testing.F) {
	secret := []byte("whsec-0123456789")
	at := time.Unix(1796457600, 0)
	f.Add(Sign(secret, at, []byte("{}")), []byte("{}"))
	f.Add("t=,v1=", []byte(""))
	f.Add("t=99999999999999999999,v1=ab", []byte("x"))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		if VerifySignature(secret, header, body, at) != nil {
			return
		}
		// Accepted: the header must carry the body's MAC for its own t.
		for _, part := range strings.Split(header, ",") {
			if k, v, _ := strings.Cut(strings.TrimSpace(part), "="); k == "t" {
				unix, _ := strconv.ParseInt(v, 10, 64)
				if want := Sign(secret, time.Unix(unix, 0), body); strings.Contains(strings.ToLower(header), want[strings.Index(want, "v1="):]) {
					return
				}
			}
		}
		t.Fatalf("accepted %q for %q", header, body)
	})
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"tool":"predict_cost","arguments":{}}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var v struct {
			Tool      string          `json:"tool"`
			Arguments json.RawMessage `json:"arguments"`
		}
		err := Decode(data, &v)
		var p *Problem
		if err != nil && (!errors.As(err, &p) || p.Status != http.StatusBadRequest) {
			t.Fatalf("Decode error %v is not a 400 problem", err)
		}
	})
}
