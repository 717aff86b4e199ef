// Package smtptest runs a small SMTP server on 127.0.0.1 for tests. It
// speaks real SMTP (EHLO/HELO, STARTTLS and implicit TLS with a self-signed
// certificate made on the fly, AUTH PLAIN, MAIL, RCPT, DATA with
// dot-unstuffing, RSET, NOOP, QUIT), records what it receives, and can be
// told to refuse the first messages with a temporary error.
package smtptest

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Options shape the server's behaviour.
type Options struct {
	// Addr to listen on; empty picks a free port on 127.0.0.1.
	Addr string
	// STARTTLS offers STARTTLS after EHLO.
	STARTTLS bool
	// ImplicitTLS speaks TLS from the first byte, like smtps on port 465.
	ImplicitTLS bool
	// RequireTLS refuses MAIL FROM on an unencrypted connection.
	RequireTLS bool
	// Users, when set, offers AUTH PLAIN and requires it; user → password.
	Users map[string]string
	// FailFirst answers the first N messages with 451 at the end of DATA.
	FailFirst int
	// Reject answers RCPT TO for these addresses with 550.
	Reject []string
}

// Message is one message the server accepted.
type Message struct {
	Helo string
	From string
	To   []string
	Data []byte // as sent, dot-unstuffed, lines ending in CRLF
	TLS  bool
	User string // who signed in with AUTH; empty without
}

// Server is a running test SMTP server.
type Server struct {
	// Addr is host:port the server listens on.
	Addr string
	// Roots trusts the server's certificate; use it as tls.Config.RootCAs.
	Roots *x509.CertPool

	opts    Options
	tlsConf *tls.Config
	ln      net.Listener

	mu       sync.Mutex
	messages []Message
	failed   int
	conns    map[net.Conn]bool
	closed   bool
	wg       sync.WaitGroup
}

// Start runs a server until the test ends (or Close).
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	cert, roots, err := selfSigned()
	if err != nil {
		t.Fatalf("smtptest: certificate: %v", err)
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	s := &Server{
		Roots:   roots,
		opts:    opts,
		tlsConf: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		conns:   map[net.Conn]bool{},
	}
	// A port that was just released may linger briefly; retry a little.
	for i := 0; ; i++ {
		s.ln, err = net.Listen("tcp", addr)
		if err == nil || i == 50 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	s.Addr = s.ln.Addr().String()
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(s.Close)
	return s
}

// URL returns an smtp:// (or smtps://) URL for the server, with user and
// password when user is not empty.
func (s *Server) URL(user, password string) string {
	scheme := "smtp"
	if s.opts.ImplicitTLS {
		scheme = "smtps"
	}
	u := url.URL{Scheme: scheme, Host: s.Addr}
	if user != "" {
		u.User = url.UserPassword(user, password)
	}
	return u.String()
}

// ClientTLS returns a client TLS configuration that trusts the server.
func (s *Server) ClientTLS() *tls.Config {
	return &tls.Config{RootCAs: s.Roots, MinVersion: tls.VersionTLS12}
}

// Messages returns a copy of what the server has accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Wait returns the accepted messages once there are at least n, failing
// the test if that takes longer than timeout.
func (s *Server) Wait(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msgs := s.Messages()
		if len(msgs) >= n {
			return msgs
		}
		if time.Now().After(deadline) {
			t.Fatalf("smtptest: %d message(s) after %s, want %d", len(msgs), timeout, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Close stops listening, drops open connections and waits for them.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.ln.Close()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			conn.Close()
			return
		}
		s.conns[conn] = true
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, conn)
				s.mu.Unlock()
				conn.Close()
			}()
			s.serve(conn)
		}()
	}
}

// nextFails reports whether the next message must be refused, counting it.
func (s *Server) nextFails() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed < s.opts.FailFirst {
		s.failed++
		return true
	}
	return false
}

func (s *Server) record(m Message) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, m)
	return len(s.messages)
}

func (s *Server) rejects(addr string) bool {
	for _, r := range s.opts.Reject {
		if strings.EqualFold(r, addr) {
			return true
		}
	}
	return false
}

// session is the state of one connection.
type session struct {
	conn net.Conn
	r    *bufio.Reader
	w    *bufio.Writer
	tls  bool
	helo string
	user string
	from string
	to   []string
	mail bool
}

func (ss *session) reply(lines ...string) error {
	for _, l := range lines {
		ss.w.WriteString(l)
		ss.w.WriteString("\r\n")
	}
	return ss.w.Flush()
}

func (ss *session) resetTransaction() {
	ss.from, ss.to, ss.mail = "", nil, false
}
