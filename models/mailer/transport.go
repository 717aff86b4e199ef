// Package mailer sends Parley's email: an SMTP client on net/smtp, the
// building of well-formed plain-text messages, and the outbox worker that
// delivers queued messages with retries. It knows nothing of the database
// beyond the Outbox interface, which the store implements.
package mailer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strings"
	"time"
)

// Default ports when the URL names none.
const (
	defaultSubmissionPort = "587" // smtp://: message submission, STARTTLS when offered
	defaultImplicitTLS    = "465" // smtps://: TLS from the first byte
	defaultTimeout        = 30 * time.Second
)

// Transport talks SMTP to one server.
type Transport struct {
	Host        string // the server's name, checked against its certificate
	Addr        string // host:port to dial
	ImplicitTLS bool   // smtps: TLS from the start; otherwise STARTTLS when offered
	Username    string // empty: no AUTH
	Password    string
	LocalName   string        // sent with EHLO; "localhost" when empty
	TLSConfig   *tls.Config   // nil: the system's roots and ServerName Host
	Timeout     time.Duration // bound on one whole conversation; 30s when zero
}

// ParseURL reads smtp://user:pass@host:port (STARTTLS when the server
// offers it, plain otherwise) or smtps://user:pass@host:port (TLS from the
// start). The port defaults to 587 and 465.
func ParseURL(raw string) (*Transport, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("mailer: SMTP URL: %w", err)
	}
	t := &Transport{}
	port := ""
	switch strings.ToLower(u.Scheme) {
	case "smtp":
		port = defaultSubmissionPort
	case "smtps":
		t.ImplicitTLS, port = true, defaultImplicitTLS
	default:
		return nil, fmt.Errorf("mailer: SMTP URL: want smtp:// or smtps://, got %q", u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, errors.New("mailer: SMTP URL: no host")
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("mailer: SMTP URL: want only scheme, user, password, host and port")
	}
	if p := u.Port(); p != "" {
		port = p
	}
	t.Host = u.Hostname()
	t.Addr = net.JoinHostPort(t.Host, port)
	if u.User != nil {
		t.Username = u.User.Username()
		t.Password, _ = u.User.Password()
	}
	return t, nil
}

// String describes the transport without its password.
func (t *Transport) String() string {
	mode := "STARTTLS when offered"
	if t.ImplicitTLS {
		mode = "TLS"
	}
	s := t.Addr + " (" + mode
	if t.Username != "" {
		s += ", user " + t.Username
	}
	return s + ")"
}

// Receipt lists what happened in one SMTP conversation, for people.
type Receipt struct {
	Steps []string
}

func (r *Receipt) add(format string, args ...any) {
	r.Steps = append(r.Steps, fmt.Sprintf(format, args...))
}

// Send delivers one message. from is the envelope sender; msg is the whole
// message with headers, lines ending in CRLF. The conversation ends after
// Timeout or when ctx ends, whichever comes first.
func (t *Transport) Send(ctx context.Context, from string, to []string, msg []byte) (Receipt, error) {
	var r Receipt
	timeout := t.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := t.dial(ctx)
	if err != nil {
		return r, fmt.Errorf("connect to %s: %w", t.Addr, err)
	}
	defer conn.Close()
	if d, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(d)
	}
	// Closing the connection is the only way to interrupt net/smtp.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if t.ImplicitTLS {
		r.add("connected to %s with TLS", t.Addr)
	} else {
		r.add("connected to %s", t.Addr)
	}

	c, err := smtp.NewClient(conn, t.Host)
	if err != nil {
		return r, stepErr("greeting from "+t.Addr, err)
	}
	defer c.Close()
	local := t.LocalName
	if local == "" {
		local = "localhost"
	}
	if err := c.Hello(local); err != nil {
		return r, stepErr("EHLO", err)
	}
	if !t.ImplicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(t.tlsConfig()); err != nil {
				return r, stepErr("STARTTLS", err)
			}
			r.add("STARTTLS: connection encrypted")
		} else {
			r.add("the server offers no STARTTLS: sending without encryption")
		}
	}
	if t.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return r, errors.New("AUTH: the server does not offer authentication, but the SMTP URL has a user name")
		}
		if err := c.Auth(smtp.PlainAuth("", t.Username, t.Password, t.Host)); err != nil {
			return r, stepErr("AUTH PLAIN as "+t.Username, err)
		}
		r.add("signed in as %s", t.Username)
	}
	if err := c.Mail(from); err != nil {
		return r, stepErr("MAIL FROM:<"+from+">", err)
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt); err != nil {
			return r, stepErr("RCPT TO:<"+rcpt+">", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return r, stepErr("DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return r, stepErr("DATA", err)
	}
	if err := w.Close(); err != nil {
		return r, stepErr("end of DATA", err)
	}
	r.add("the server accepted the message for %s", strings.Join(to, ", "))
	// The message is delivered; a failed QUIT changes nothing.
	_ = c.Quit()
	return r, nil
}

func (t *Transport) dial(ctx context.Context) (net.Conn, error) {
	d := &net.Dialer{}
	if !t.ImplicitTLS {
		return d.DialContext(ctx, "tcp", t.Addr)
	}
	td := &tls.Dialer{NetDialer: d, Config: t.tlsConfig()}
	return td.DialContext(ctx, "tcp", t.Addr)
}

func (t *Transport) tlsConfig() *tls.Config {
	var cfg *tls.Config
	if t.TLSConfig != nil {
		cfg = t.TLSConfig.Clone()
	} else {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = t.Host
	}
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	return cfg
}

// ReplyError is an SMTP server's refusal: the step it answered and its
// reply code and text, as the server wrote them.
type ReplyError struct {
	Step string
	Code int
	Text string
}

func (e *ReplyError) Error() string {
	return fmt.Sprintf("%s: the server answered %d %s", e.Step, e.Code, e.Text)
}

// stepErr names the step that failed and keeps the server's own words.
func stepErr(step string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) {
		return &ReplyError{Step: step, Code: te.Code, Text: OneLine(te.Msg)}
	}
	return fmt.Errorf("%s: %w", step, err)
}
