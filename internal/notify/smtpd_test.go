package notify

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// smtpServer is a real SMTP server on 127.0.0.1 (emersion/go-smtp) that
// keeps the messages it accepts.
type smtpServer struct {
	Host string
	Port int

	// Set before the first message:
	user, pass string            // when set, AUTH PLAIN is required
	reject     func(n int) error // answers the DATA of the n-th message (from 1), nil to accept
	hangUp     func(n int) bool  // closes the connection instead of answering DATA
	delay      time.Duration     // before accepting a message
	onAccept   func(m received)  // called for each accepted message
	clientTLS  *tls.Config       // trusts the server's certificate
	server     *smtp.Server

	mu        sync.Mutex
	msgs      []received
	dataCalls int
	authed    []string
}

// received is one accepted message.
type received struct {
	From string
	To   []string
	Data []byte
	Keys []string // the X-Stellar-Budget-Alert header's
	At   time.Time
}

type smtpOption func(*smtpServer)

func withAuth(user, pass string) smtpOption {
	return func(s *smtpServer) { s.user, s.pass = user, pass }
}

func withReject(f func(n int) error) smtpOption { return func(s *smtpServer) { s.reject = f } }

func withDelay(d time.Duration) smtpOption { return func(s *smtpServer) { s.delay = d } }

// startSMTP starts a server speaking mode's TLS (none, starttls or tls)
// and stops it when the test ends.
func startSMTP(t testing.TB, mode TLSMode, opts ...smtpOption) *smtpServer {
	t.Helper()
	s := &smtpServer{}
	for _, o := range opts {
		o(s)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &smtpSession{s: s, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxRecipients = 50
	srv.ErrorLog = discardLogger{}
	var l net.Listener
	var err error
	switch mode {
	case TLSNone:
		l, err = net.Listen("tcp", "127.0.0.1:0")
	case TLSStartTLS:
		srv.TLSConfig, s.clientTLS = testCertificates(t)
		l, err = net.Listen("tcp", "127.0.0.1:0")
	case TLSImplicit:
		srv.TLSConfig, s.clientTLS = testCertificates(t)
		l, err = tls.Listen("tcp", "127.0.0.1:0", srv.TLSConfig)
	}
	if err != nil {
		t.Fatal(err)
	}
	s.server = srv
	s.Host = "127.0.0.1"
	s.Port = l.Addr().(*net.TCPAddr).Port
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s
}

// config is an SMTPConfig that reaches the server.
func (s *smtpServer) config(mode TLSMode) SMTPConfig {
	return SMTPConfig{
		Host: s.Host, Port: s.Port, From: "stellar-budget@novadynamics.test",
		Username: s.user, Password: s.pass, TLS: mode, TLSConfig: s.clientTLS,
		Timeout: 5 * time.Second,
	}
}

func (s *smtpServer) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

// counts is how many messages each alert key got.
func (s *smtpServer) counts() map[string]int {
	m := map[string]int{}
	for _, r := range s.messages() {
		for _, k := range r.Keys {
			m[k]++
		}
	}
	return m
}

func (s *smtpServer) attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dataCalls
}

type smtpSession struct {
	s      *smtpServer
	conn   *smtp.Conn
	authed bool
	from   string
	to     []string
}

func (se *smtpSession) AuthMechanisms() []string {
	if se.s.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (se *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != se.s.user || pass != se.s.pass {
			return smtp.ErrAuthFailed
		}
		se.authed = true
		se.s.mu.Lock()
		se.s.authed = append(se.s.authed, user)
		se.s.mu.Unlock()
		return nil
	}), nil
}

func (se *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if se.s.user != "" && !se.authed {
		return smtp.ErrAuthRequired
	}
	se.from = from
	return nil
}

func (se *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.to = append(se.to, to)
	return nil
}

func (se *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	se.s.mu.Lock()
	se.s.dataCalls++
	n := se.s.dataCalls
	se.s.mu.Unlock()
	if se.s.hangUp != nil && se.s.hangUp(n) {
		se.conn.Conn().Close()
		return errors.New("hung up")
	}
	if se.s.reject != nil {
		if err := se.s.reject(n); err != nil {
			return err
		}
	}
	if se.s.delay > 0 {
		time.Sleep(se.s.delay)
	}
	m := received{From: se.from, To: append([]string(nil), se.to...), Data: b, At: time.Now()}
	if msg, err := mail.ReadMessage(bytes.NewReader(b)); err == nil {
		m.Keys = strings.Split(msg.Header.Get(AlertHeader), ", ")
	}
	se.s.mu.Lock()
	se.s.msgs = append(se.s.msgs, m)
	se.s.mu.Unlock()
	if se.s.onAccept != nil {
		se.s.onAccept(m)
	}
	return nil
}

func (se *smtpSession) Reset()        { se.from, se.to = "", nil }
func (se *smtpSession) Logout() error { return nil }

// tempFail is a 4xx answer: try again later.
var tempFail = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}

// permFail is a 5xx answer: never.
var permFail = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Relaying denied"}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}
func (discardLogger) Println(...any)        {}

// testCertificates makes a CA-less self-signed certificate for 127.0.0.1
// and returns the server's TLS config and a client config that trusts it.
func testCertificates(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool}
}

// parsed is a received message taken apart.
type parsed struct {
	Subject string
	To      []string
	Text    string
	HTML    string
	Header  mail.Header
}

func parseMessage(t testing.TB, data []byte) parsed {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("read message: %v", err)
	}
	var p parsed
	p.Header = msg.Header
	dec := new(mime.WordDecoder)
	if p.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatalf("decode subject: %v", err)
	}
	to, err := msg.Header.AddressList("To")
	if err != nil {
		t.Fatalf("To: %v", err)
	}
	for _, a := range to {
		p.To = append(p.To, a.Address)
	}
	var walk func(ctype string, body io.Reader)
	walk = func(ctype string, body io.Reader) {
		mt, params, err := mime.ParseMediaType(ctype)
		if err != nil {
			t.Fatalf("content type %q: %v", ctype, err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				part, err := mr.NextPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatalf("next part: %v", err)
				}
				walk(part.Header.Get("Content-Type"), part) // quoted-printable is decoded by the reader
			}
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		switch mt { // line ends as the bodies were written
		case "text/plain":
			p.Text = strings.ReplaceAll(string(b), "\r\n", "\n")
		case "text/html":
			p.HTML = strings.ReplaceAll(string(b), "\r\n", "\n")
		}
	}
	walk(msg.Header.Get("Content-Type"), msg.Body)
	return p
}
