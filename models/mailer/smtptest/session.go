package smtptest

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"time"
)

const (
	maxLine = 4096
	maxData = 10 << 20
)

var errTooLong = errors.New("line too long")

// serve runs the SMTP conversation of one connection.
func (s *Server) serve(conn net.Conn) {
	ss := &session{conn: conn}
	if s.opts.ImplicitTLS {
		tc := tls.Server(conn, s.tlsConf)
		if err := tc.Handshake(); err != nil {
			return
		}
		ss.conn, ss.tls = tc, true
	}
	ss.r, ss.w = bufio.NewReader(ss.conn), bufio.NewWriter(ss.conn)
	if ss.reply("220 127.0.0.1 ESMTP smtptest ready") != nil {
		return
	}
	for {
		_ = ss.conn.SetDeadline(time.Now().Add(30 * time.Second))
		line, err := readLine(ss.r, maxLine)
		if errors.Is(err, errTooLong) {
			if ss.reply("500 5.5.2 Line too long") != nil {
				return
			}
			continue
		}
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		if quit, err := s.command(ss, strings.ToUpper(verb), strings.TrimSpace(arg)); quit || err != nil {
			return
		}
	}
}

// command answers one command; quit ends the connection.
func (s *Server) command(ss *session, verb, arg string) (quit bool, err error) {
	switch verb {
	case "EHLO":
		if arg == "" {
			return false, ss.reply("501 5.5.4 EHLO needs a domain")
		}
		ss.helo = arg
		ss.resetTransaction()
		lines := []string{"250-127.0.0.1 greets " + arg, "250-8BITMIME", "250-SIZE 10485760"}
		if s.opts.STARTTLS && !ss.tls {
			lines = append(lines, "250-STARTTLS")
		}
		if len(s.opts.Users) > 0 {
			lines = append(lines, "250-AUTH PLAIN")
		}
		return false, ss.reply(append(lines, "250 HELP")...)
	case "HELO":
		if arg == "" {
			return false, ss.reply("501 5.5.4 HELO needs a domain")
		}
		ss.helo = arg
		ss.resetTransaction()
		return false, ss.reply("250 127.0.0.1")
	case "STARTTLS":
		return false, s.startTLS(ss)
	case "AUTH":
		return false, s.auth(ss, arg)
	case "MAIL":
		return false, s.mailFrom(ss, arg)
	case "RCPT":
		return false, s.rcptTo(ss, arg)
	case "DATA":
		return false, s.data(ss)
	case "RSET":
		ss.resetTransaction()
		return false, ss.reply("250 2.0.0 OK")
	case "NOOP":
		return false, ss.reply("250 2.0.0 OK")
	case "QUIT":
		_ = ss.reply("221 2.0.0 Bye")
		return true, nil
	case "VRFY":
		return false, ss.reply("252 2.5.2 Cannot VRFY user")
	}
	return false, ss.reply("502 5.5.2 Command not recognized")
}

func (s *Server) startTLS(ss *session) error {
	if !s.opts.STARTTLS || ss.tls {
		return ss.reply("502 5.5.1 STARTTLS not available")
	}
	if ss.helo == "" {
		return ss.reply("503 5.5.1 EHLO first")
	}
	if err := ss.reply("220 2.0.0 Ready to start TLS"); err != nil {
		return err
	}
	tc := tls.Server(ss.conn, s.tlsConf)
	if err := tc.Handshake(); err != nil {
		return err
	}
	// RFC 3207: the client starts over with EHLO after the handshake.
	ss.conn, ss.tls, ss.helo, ss.user = tc, true, "", ""
	ss.resetTransaction()
	ss.r, ss.w = bufio.NewReader(tc), bufio.NewWriter(tc)
	return nil
}

func (s *Server) auth(ss *session, arg string) error {
	if len(s.opts.Users) == 0 {
		return ss.reply("502 5.5.1 AUTH not available")
	}
	if ss.helo == "" {
		return ss.reply("503 5.5.1 EHLO first")
	}
	if ss.user != "" {
		return ss.reply("503 5.5.1 Already authenticated")
	}
	mech, initial, _ := strings.Cut(arg, " ")
	if !strings.EqualFold(mech, "PLAIN") {
		return ss.reply("504 5.5.4 Unrecognized authentication type")
	}
	if initial == "" {
		if err := ss.reply("334 "); err != nil {
			return err
		}
		line, err := readLine(ss.r, maxLine)
		if err != nil {
			return err
		}
		initial = line
	}
	if initial == "*" {
		return ss.reply("501 5.0.0 Authentication cancelled")
	}
	raw, err := base64.StdEncoding.DecodeString(initial)
	if err != nil {
		return ss.reply("501 5.5.2 Cannot decode response")
	}
	parts := strings.Split(string(raw), "\x00")
	if len(parts) != 3 {
		return ss.reply("501 5.5.2 Malformed PLAIN response")
	}
	if want, ok := s.opts.Users[parts[1]]; !ok || want != parts[2] {
		return ss.reply("535 5.7.8 Authentication credentials invalid")
	}
	ss.user = parts[1]
	return ss.reply("235 2.7.0 Authentication successful")
}

func (s *Server) mailFrom(ss *session, arg string) error {
	switch {
	case ss.helo == "":
		return ss.reply("503 5.5.1 EHLO first")
	case ss.mail:
		return ss.reply("503 5.5.1 Sender already given")
	case s.opts.RequireTLS && !ss.tls:
		return ss.reply("530 5.7.0 Must issue a STARTTLS command first")
	case len(s.opts.Users) > 0 && ss.user == "":
		return ss.reply("530 5.7.0 Authentication required")
	}
	addr, ok := pathArg(arg, "FROM:")
	if !ok {
		return ss.reply("501 5.5.4 Syntax: MAIL FROM:<address>")
	}
	ss.from, ss.mail = addr, true
	return ss.reply("250 2.1.0 OK")
}

func (s *Server) rcptTo(ss *session, arg string) error {
	if !ss.mail {
		return ss.reply("503 5.5.1 MAIL first")
	}
	addr, ok := pathArg(arg, "TO:")
	if !ok || addr == "" {
		return ss.reply("501 5.5.4 Syntax: RCPT TO:<address>")
	}
	if s.rejects(addr) {
		return ss.reply("550 5.1.1 <" + addr + ">: Recipient address rejected: no such user")
	}
	ss.to = append(ss.to, addr)
	return ss.reply("250 2.1.5 OK")
}

func (s *Server) data(ss *session) error {
	if len(ss.to) == 0 {
		return ss.reply("503 5.5.1 RCPT first")
	}
	if err := ss.reply("354 End data with <CR><LF>.<CR><LF>"); err != nil {
		return err
	}
	var buf bytes.Buffer
	for {
		line, err := readLine(ss.r, maxData)
		if err != nil {
			return err
		}
		if line == "." {
			break
		}
		// Dot-unstuffing (RFC 5321 4.5.2).
		line = strings.TrimPrefix(line, ".")
		if buf.Len()+len(line) > maxData {
			return ss.reply("552 5.3.4 Message too big")
		}
		buf.WriteString(line)
		buf.WriteString("\r\n")
	}
	msg := Message{Helo: ss.helo, From: ss.from, To: ss.to, Data: buf.Bytes(), TLS: ss.tls, User: ss.user}
	ss.resetTransaction()
	if s.nextFails() {
		return ss.reply("451 4.3.0 Temporary failure, try again later")
	}
	n := s.record(msg)
	return ss.reply(fmt.Sprintf("250 2.0.0 OK: queued as %d", n))
}

// pathArg reads "FROM:<addr> params" (or TO:) and returns addr.
func pathArg(arg, prefix string) (string, bool) {
	if len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) {
		return "", false
	}
	rest := strings.TrimSpace(arg[len(prefix):])
	if !strings.HasPrefix(rest, "<") {
		return "", false
	}
	end := strings.IndexByte(rest, '>')
	if end < 0 {
		return "", false
	}
	return rest[1:end], true
}

// readLine reads one line without its CRLF (or bare LF). A line longer than
// max is consumed and reported as errTooLong.
func readLine(r *bufio.Reader, max int) (string, error) {
	var b []byte
	for {
		chunk, isPrefix, err := r.ReadLine()
		if err != nil {
			return "", err
		}
		if len(b)+len(chunk) <= max {
			b = append(b, chunk...)
		} else {
			b = b[:0:0]
			max = -1
		}
		if !isPrefix {
			break
		}
	}
	if max < 0 {
		return "", errTooLong
	}
	return string(b), nil
}

// selfSigned makes a certificate for 127.0.0.1 and localhost, valid for a
// day, and a pool that trusts it.
func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "smtptest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}
