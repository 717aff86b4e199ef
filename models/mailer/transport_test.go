package mailer_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"parley/models"
	"parley/models/mailer"
	"parley/models/mailer/smtptest"
)

func TestParseURL(t *testing.T) {
	good := []struct {
		raw, addr, user, pass string
		implicit              bool
	}{
		{"smtp://mail.example.com", "mail.example.com:587", "", "", false},
		{"smtp://u%40x:p%3Aw@mail.example.com:2525", "mail.example.com:2525", "u@x", "p:w", false},
		{"smtps://u:p@mail.example.com", "mail.example.com:465", "u", "p", true},
		{"SMTPS://[::1]:4650/", "[::1]:4650", "", "", true},
	}
	for _, g := range good {
		tr, err := mailer.ParseURL(g.raw)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", g.raw, err)
			continue
		}
		if tr.Addr != g.addr || tr.Username != g.user || tr.Password != g.pass || tr.ImplicitTLS != g.implicit {
			t.Errorf("ParseURL(%q) = %+v", g.raw, tr)
		}
		if strings.Contains(tr.String(), "p:w") {
			t.Errorf("String() shows the password: %s", tr)
		}
	}
	for _, bad := range []string{"", "http://x", "smtp://", "smtp://host/path", "smtp://host?x=1", "::"} {
		if _, err := mailer.ParseURL(bad); err == nil {
			t.Errorf("ParseURL(%q) accepted", bad)
		}
	}
}

func TestNewNeedsBothSettings(t *testing.T) {
	if m, err := mailer.New("", "", ""); m != nil || err != nil {
		t.Fatalf("no settings: %v, %v; want mail off", m, err)
	}
	for _, c := range [][2]string{{"smtp://x", ""}, {"", "a@b.c"}, {"ftp://x", "a@b.c"}, {"smtp://x", "not an address"}} {
		if _, err := mailer.New(c[0], c[1], ""); err == nil {
			t.Errorf("New(%q, %q) accepted", c[0], c[1])
		}
	}
	m, err := mailer.New("smtp://x:25", "Parley <p@example.org>", "blog.example.org")
	if err != nil || m.From.Address != "p@example.org" || m.Transport.LocalName != "blog.example.org" {
		t.Fatalf("New = %+v, %v", m, err)
	}
}

// send delivers one message through a transport made from the server's URL.
func send(t *testing.T, srv *smtptest.Server, user, pass string, trust bool, to string) (mailer.Receipt, error) {
	t.Helper()
	m, err := mailer.New(srv.URL(user, pass), "Parley <parley@example.org>", "test.example")
	if err != nil {
		t.Fatal(err)
	}
	if trust {
		m.Transport.TLSConfig = srv.ClientTLS()
	}
	m.Transport.Timeout = 10 * time.Second
	msg := m.NewOutboxMessage(to, "Grüße", "Hi.\n.a line with a leading dot\n..and two\n")
	return m.Deliver(context.Background(), *msg)
}

func TestTransportPaths(t *testing.T) {
	users := map[string]string{"parley": "s3cret pass"}
	cases := []struct {
		name       string
		opts       smtptest.Options
		user, pass string
		wantTLS    bool
		wantStep   string
	}{
		{"plain", smtptest.Options{}, "", "", false, "offers no STARTTLS"},
		{"plain with AUTH on loopback", smtptest.Options{Users: users}, "parley", "s3cret pass", false, "signed in as parley"},
		{"STARTTLS", smtptest.Options{STARTTLS: true, RequireTLS: true}, "", "", true, "STARTTLS: connection encrypted"},
		{"STARTTLS with AUTH", smtptest.Options{STARTTLS: true, RequireTLS: true, Users: users}, "parley", "s3cret pass", true, "signed in as parley"},
		{"implicit TLS", smtptest.Options{ImplicitTLS: true, Users: users}, "parley", "s3cret pass", true, "with TLS"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := smtptest.Start(t, tc.opts)
			r, err := send(t, srv, tc.user, tc.pass, true, "mod@example.com")
			if err != nil {
				t.Fatalf("send: %v (steps %q)", err, r.Steps)
			}
			if !strings.Contains(strings.Join(r.Steps, "\n"), tc.wantStep) {
				t.Errorf("steps %q lack %q", r.Steps, tc.wantStep)
			}
			msgs := srv.Messages()
			if len(msgs) != 1 {
				t.Fatalf("server got %d messages", len(msgs))
			}
			got := msgs[0]
			if got.TLS != tc.wantTLS || got.User != tc.user || got.From != "parley@example.org" ||
				len(got.To) != 1 || got.To[0] != "mod@example.com" || got.Helo != "test.example" {
				t.Errorf("received %+v", got)
			}
			_, body := parse(t, got.Data)
			if body = strings.ReplaceAll(body, "\r\n", "\n"); !strings.Contains(body, "\n.a line with a leading dot\n..and two") {
				t.Errorf("dot-stuffing lost lines: %q", body)
			}
		})
	}
}

func TestTransportErrorsCarryServerText(t *testing.T) {
	users := map[string]string{"parley": "right"}
	t.Run("wrong password", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.Options{STARTTLS: true, Users: users})
		_, err := send(t, srv, "parley", "wrong", true, "mod@example.com")
		if err == nil || !strings.Contains(err.Error(), "535 5.7.8 Authentication credentials invalid") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("rejected recipient", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.Options{Reject: []string{"gone@example.com"}})
		r, err := send(t, srv, "", "", false, "gone@example.com")
		if err == nil || !strings.Contains(err.Error(), "550 5.1.1") || !strings.Contains(err.Error(), "RCPT TO:<gone@example.com>") {
			t.Fatalf("err = %v", err)
		}
		if len(r.Steps) == 0 {
			t.Error("no steps recorded before the failure")
		}
	})
	t.Run("temporary failure", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.Options{FailFirst: 1})
		if _, err := send(t, srv, "", "", false, "mod@example.com"); err == nil || !strings.Contains(err.Error(), "451") {
			t.Fatalf("err = %v", err)
		}
		if _, err := send(t, srv, "", "", false, "mod@example.com"); err != nil {
			t.Fatalf("second try: %v", err)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.Options{STARTTLS: true})
		_, err := send(t, srv, "", "", false, "mod@example.com")
		if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
			t.Fatalf("err = %v; a certificate nobody vouches for must not be accepted", err)
		}
		if len(srv.Messages()) != 0 {
			t.Fatal("message sent over an unverified connection")
		}
	})
	t.Run("user but no AUTH offered", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.Options{})
		if _, err := send(t, srv, "parley", "x", false, "mod@example.com"); err == nil || !strings.Contains(err.Error(), "AUTH") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("nobody listening", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		m, err := mailer.New("smtp://"+addr, "p@example.org", "")
		if err != nil {
			t.Fatal(err)
		}
		_, err = m.Deliver(context.Background(), models.OutboxMessage{Recipient: "a@example.com", Subject: "s", Body: "b"})
		if err == nil || !strings.Contains(err.Error(), "connect to "+addr) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestTransportHonoursContext(t *testing.T) {
	// A listener that accepts but never greets: only the context ends the wait.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	m, err := mailer.New("smtp://"+ln.Addr().String(), "p@example.org", "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := m.Deliver(ctx, models.OutboxMessage{Recipient: "a@example.com", Subject: "s", Body: "b"})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("delivery to a silent server succeeded")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Deliver ignored its context")
	}
}
