package main

import (
	"bytes"
	"io"
	"mime/quotedprintable"
	"net/http"
	"net/mail"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"parley/models/mailer/smtptest"
)

// TestServeMailsModerators: parley serve starts the outbox worker, a held
// comment reaches the admin by SMTP with a link back to this Parley, and
// the worker stops cleanly with the server.
func TestServeMailsModerators(t *testing.T) {
	smtp := smtptest.Start(t, smtptest.Options{})
	db := filepath.Join(t.TempDir(), "parley.db")
	s := startServer(t, db, "PARLEY_SMTP_URL="+smtp.URL("", ""), "PARLEY_MAIL_FROM=Parley <parley@example.org>")
	s.waitForLog(t, "mail worker started")
	if c := s.newJSONComment(t, "Ann", "hold me for the admin", 0); c.Status != "pending" {
		t.Fatalf("status %q, want pending on a fresh site", c.Status)
	}
	msgs := smtp.Wait(t, 1, 20*time.Second)
	if len(msgs) != 1 || msgs[0].To[0] != testAdminEmail {
		t.Fatalf("received %+v", msgs)
	}
	m, err := mail.ReadMessage(bytes.NewReader(msgs[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`(?m)^Approve:\s+(\S+)\r?$`).FindSubmatch(body)
	if link == nil || !strings.HasPrefix(string(link[1]), s.Base+"/mod/actions/") {
		t.Fatalf("no approve link to %s in:\n%s", s.Base, body)
	}
	page := s.get(t, nil, strings.TrimPrefix(string(link[1]), s.Base))
	if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, "Approve this comment?") {
		t.Fatalf("link page: %d %.300s", page.StatusCode, page.Body)
	}
	s.Stop()
}

func TestServeRefusesHalfAMailConfig(t *testing.T) {
	db := filepath.Join(t.TempDir(), "parley.db")
	_, stderr, code := runCLI(t, []string{"PARLEY_DB=" + db, "PARLEY_ADDR=" + freeAddr(t), "PARLEY_SMTP_URL=smtp://127.0.0.1:2525"}, "serve")
	if code == 0 || !strings.Contains(stderr, "PARLEY_MAIL_FROM is not") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	_, stderr, code = runCLI(t, []string{"PARLEY_DB=" + db, "PARLEY_ADDR=" + freeAddr(t), "PARLEY_SMTP_URL=http://x", "PARLEY_MAIL_FROM=p@example.org"}, "serve")
	if code == 0 || !strings.Contains(stderr, "PARLEY_SMTP_URL") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
}
