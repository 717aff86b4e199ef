package mailer_test

import (
	"bytes"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"parley/models/mailer"
)

// parse reads a rendered message back with the standard library and fails
// on anything malformed.
func parse(t *testing.T, raw []byte) (*mail.Message, string) {
	t.Helper()
	if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
		t.Fatalf("message has a bare LF:\n%q", raw)
	}
	for _, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 78 {
			t.Errorf("line longer than 78 characters: %q", line)
		}
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse message: %v\n%s", err, raw)
	}
	if got := m.Header.Get("Content-Transfer-Encoding"); got != "quoted-printable" {
		t.Fatalf("Content-Transfer-Encoding = %q", got)
	}
	body, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	if err != nil {
		t.Fatalf("decode body: %v", err)
	}
	return m, string(body)
}

func TestMessageHeadersAreWellFormed(t *testing.T) {
	from := mail.Address{Name: "Parley Blög", Address: "parley@example.org"}
	date := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	long := strings.Repeat("Ünïcødé subject that goes on and on ", 4)
	cases := []struct {
		name, subject, body string
	}{
		{"ascii", "Held comment by Ann", "Hello.\nSecond line.\n"},
		{"non-ascii subject", "Kommentar von Jörg zu „Grüße“", "Grüße aus Köln — ünïcødé body ✓\n"},
		{"long subject folds", long, strings.Repeat("long body line without breaks ", 20)},
		{"dots and CRLF", "dots", ".leading dot\r\n..two dots\r\n.\r\nend"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			msg := mailer.Message{From: from, To: "mod@example.com", Subject: tc.subject, Body: tc.body,
				MessageID: mailer.NewMessageID(from), Date: date}
			raw, err := msg.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			m, body := parse(t, raw)
			if d, err := m.Header.Date(); err != nil || !d.Equal(date) {
				t.Errorf("Date = %v, %v; want %v", d, err, date)
			}
			if got, err := m.Header.AddressList("From"); err != nil || len(got) != 1 || *got[0] != from {
				t.Errorf("From = %v, %v", got, err)
			}
			if got, err := m.Header.AddressList("To"); err != nil || len(got) != 1 || got[0].Address != "mod@example.com" {
				t.Errorf("To = %v, %v", got, err)
			}
			id := m.Header.Get("Message-Id")
			if !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@example.org>") {
				t.Errorf("Message-ID = %q", id)
			}
			subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
			if err != nil || subject != strings.TrimSpace(tc.subject) {
				t.Errorf("Subject decodes to %q (%v), want %q", subject, err, tc.subject)
			}
			if !isASCII(string(raw)) {
				t.Errorf("message is not 7-bit clean")
			}
			if ct := m.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			if m.Header.Get("Mime-Version") != "1.0" || m.Header.Get("Auto-Submitted") != "auto-generated" {
				t.Errorf("MIME-Version / Auto-Submitted missing: %v", m.Header)
			}
			want := strings.ReplaceAll(tc.body, "\r\n", "\n")
			if got := strings.ReplaceAll(body, "\r\n", "\n"); strings.TrimRight(got, "\n") != strings.TrimRight(want, "\n") {
				t.Errorf("body = %q, want %q", got, want)
			}
		})
	}
}

func TestMessageSubjectCannotInjectHeaders(t *testing.T) {
	from := mail.Address{Address: "parley@example.org"}
	msg := mailer.Message{From: from, To: "mod@example.com", Subject: "hi\r\nBcc: victim@example.net\nX-Evil: 1",
		Body: "x", MessageID: "<a@b>", Date: time.Now()}
	raw, err := msg.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	m, _ := parse(t, raw)
	if m.Header.Get("Bcc") != "" || m.Header.Get("X-Evil") != "" {
		t.Fatalf("header injected: %v", m.Header)
	}
	if got := m.Header.Get("Subject"); got != "hi Bcc: victim@example.net X-Evil: 1" {
		t.Errorf("Subject = %q", got)
	}
}

func TestMessageRefusesBadRecipient(t *testing.T) {
	msg := mailer.Message{From: mail.Address{Address: "p@example.org"}, To: "a@b.c\r\nBcc: x@y.z", Subject: "s", Body: "b"}
	if _, err := msg.Bytes(); err == nil {
		t.Fatal("a recipient with CRLF was accepted")
	}
}

func TestPlainTextAndOneLine(t *testing.T) {
	cases := []struct{ in, plain, one string }{
		{"a\r\nb\rc\n", "a\nb\nc\n", "a b c"},
		{"tab\there", "tab here", "tab here"},
		{"bell\x07 esc\x1b[31mred", "bell esc[31mred", "bell esc [31mred"},
		{"gnp.exe\u202eevil", "gnp.exeevil", "gnp.exe evil"},
		{"iso\u2066late\u2069 \u200fmark", "isolate mark", "iso late mark"},
	}
	for _, c := range cases {
		if got := mailer.PlainText(c.in); got != c.plain {
			t.Errorf("PlainText(%q) = %q, want %q", c.in, got, c.plain)
		}
		if got := mailer.OneLine(c.in); got != c.one {
			t.Errorf("OneLine(%q) = %q, want %q", c.in, got, c.one)
		}
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] > 127 {
			return false
		}
	}
	return true
}
