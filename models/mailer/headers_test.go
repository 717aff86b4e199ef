package mailer_test

import (
	"net/mail"
	"strings"
	"testing"
	"time"

	"parley/models"
	"parley/models/mailer"
)

func TestMailHeadersExtraAreWrittenCleanAndChecked(t *testing.T) {
	msg := mailer.Message{From: mail.Address{Name: "Parley", Address: "p@example.org"}, To: "a@example.com",
		Subject: "Hi", Body: "Body", MessageID: "<1@example.org>", Date: time.Unix(0, 0),
		Headers: []models.MailHeader{
			{Name: "List-Unsubscribe", Value: "<https://example.org/u/abc>\r\nBcc: evil@example.com"},
			{Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click"},
		}}
	raw, err := msg.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	m, _ := parse(t, raw)
	if got := m.Header.Get("List-Unsubscribe"); got != "<https://example.org/u/abc> Bcc: evil@example.com" {
		t.Errorf("List-Unsubscribe = %q", got)
	}
	if m.Header.Get("Bcc") != "" {
		t.Error("a header value added a header")
	}
	if got := m.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post = %q", got)
	}
	for _, bad := range []string{"", "Bad Name", "X:Y", "Ünï"} {
		msg.Headers = []models.MailHeader{{Name: bad, Value: "v"}}
		if _, err := msg.Bytes(); err == nil || !strings.Contains(err.Error(), "header name") {
			t.Errorf("name %q: err = %v", bad, err)
		}
	}
}
