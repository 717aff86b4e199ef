package mailer

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
	"unicode"

	"parley/models"
)

// Message is one plain-text email.
type Message struct {
	From      mail.Address
	To        string // one recipient address
	Subject   string
	Body      string // plain text; any line ending
	MessageID string // with angle brackets
	Date      time.Time
	// Headers are extra headers written after the standard ones; a name
	// that is not a plain header name is refused.
	Headers []models.MailHeader
}

// Bytes renders the message: RFC 5322 headers (the subject Q-encoded when
// it is not ASCII, long headers folded), a UTF-8 text/plain body in
// quoted-printable, and CRLF line endings throughout.
func (m Message) Bytes() ([]byte, error) {
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return nil, fmt.Errorf("mailer: recipient %q: %w", m.To, err)
	}
	if m.From.Address == "" {
		return nil, fmt.Errorf("mailer: no sender address")
	}
	var b bytes.Buffer
	header := func(name, value string) {
		b.WriteString(fold(name + ": " + value))
		b.WriteString("\r\n")
	}
	header("Date", m.Date.Format(time.RFC1123Z))
	header("From", m.From.String())
	header("To", to.String())
	header("Subject", mime.QEncoding.Encode("utf-8", OneLine(m.Subject)))
	header("Message-ID", m.MessageID)
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	header("Auto-Submitted", "auto-generated")
	for _, h := range m.Headers {
		if !validHeaderName(h.Name) {
			return nil, fmt.Errorf("mailer: header name %q", h.Name)
		}
		header(h.Name, OneLine(h.Value))
	}
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	body := strings.ReplaceAll(strings.ReplaceAll(m.Body, "\r\n", "\n"), "\r", "\n")
	if _, err := qp.Write([]byte(body)); err != nil {
		return nil, fmt.Errorf("mailer: encode body: %w", err)
	}
	if err := qp.Close(); err != nil {
		return nil, fmt.Errorf("mailer: encode body: %w", err)
	}
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes(), nil
}

// validHeaderName accepts the printable ASCII names RFC 5322 allows,
// without a colon.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if r <= ' ' || r > '~' || r == ':' {
			return false
		}
	}
	return true
}

// fold breaks a header line longer than 78 characters at spaces, as RFC
// 5322 allows; encoded words are separated by spaces, so they fold too.
func fold(line string) string {
	const limit = 78
	if len(line) <= limit {
		return line
	}
	var out strings.Builder
	cur := 0
	for i, word := range strings.Split(line, " ") {
		switch {
		case i == 0:
		case cur+1+len(word) > limit:
			out.WriteString("\r\n")
			cur = 0
			fallthrough
		default:
			out.WriteByte(' ')
			cur++
		}
		out.WriteString(word)
		cur += len(word)
	}
	return out.String()
}

// OneLine makes s safe for a header or a one-line field of a plain-text
// mail: control characters and invisible direction overrides become
// spaces, runs of spaces collapse, and the ends are trimmed.
func OneLine(s string) string {
	return strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || isBidiControl(r) {
			return ' '
		}
		return r
	}, s)), " ")
}

// PlainText makes multi-line text from a stranger safe to show in a
// plain-text mail: line breaks are kept, tabs become spaces, and other
// control characters and direction overrides (which could disguise what
// a line says) are dropped.
func PlainText(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t':
			return ' '
		case unicode.IsControl(r) || isBidiControl(r):
			return -1
		}
		return r
	}, s)
}

// isBidiControl reports the invisible formatting characters that reorder
// or hide text: direction marks, embeddings, overrides and isolates.
func isBidiControl(r rune) bool {
	switch {
	case r == '\u061c', r == '\u200e', r == '\u200f':
		return true
	case r >= '\u202a' && r <= '\u202e':
		return true
	case r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

// NewMessageID returns a unique Message-ID in the sender's domain.
func NewMessageID(from mail.Address) string {
	buf := make([]byte, 16)
	_, _ = rand.Read(buf) // crypto/rand.Read never fails
	domain := "parley.invalid"
	if i := strings.LastIndexByte(from.Address, '@'); i >= 0 && i+1 < len(from.Address) {
		domain = from.Address[i+1:]
	}
	return "<" + hex.EncodeToString(buf) + "@" + domain + ">"
}
