package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"parley/handlers"
	"parley/models"
	"parley/models/mailer"
	"parley/models/mailer/smtptest"
	"parley/models/markup"
	"parley/models/store"
	"parley/models/store/storetest"
)

const mailFrom = "Parley Blog <parley@example.org>"

// mailEnv is a Parley with outgoing mail pointed at smtpURL, its public
// URL equal to the test server's (so emailed links work), and an outbox
// worker the test drives with Flush.
type mailEnv struct {
	*env
	app    *handlers.Server
	worker *mailer.Worker
	clock  *testClock
}

// testClock is the worker's time: the real time plus a settable offset.
type testClock struct{ offset atomic.Int64 }

func (c *testClock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *testClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

func newMailEnv(t *testing.T, smtpURL string) *mailEnv {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, filepath.Join(t.TempDir(), "parley.db"))
	html, _ := markup.New().Post("Hello")
	if err := st.Bootstrap(ctx, store.Welcome{Title: "Welcome", Slug: welcomeSlug, Body: "Hello", BodyHTML: html}); err != nil {
		t.Fatal(err)
	}
	addModerator(t, st, adminEmail, adminPassword, models.RoleAdmin)
	ts := httptest.NewUnstartedServer(nil)
	cfg := handlers.Config{BaseURL: "http://" + ts.Listener.Addr().String(), Version: "test", SMTPURL: smtpURL, MailFrom: mailFrom}
	logs := &lockedWriter{w: &strings.Builder{}}
	app, err := handlers.New(ctx, cfg, st, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = app
	ts.Start()
	t.Cleanup(ts.Close)
	m, err := mailer.New(smtpURL, mailFrom, "")
	if err != nil {
		t.Fatal(err)
	}
	m.Transport.Timeout = 10 * time.Second
	clk := &testClock{}
	e := &mailEnv{env: &env{t: t, store: st, srv: ts, logs: logs}, app: app, clock: clk}
	e.worker = &mailer.Worker{Outbox: st, Mail: m, Now: clk.now}
	e.setModeration(models.ModerationPre)
	return e
}

func (e *mailEnv) flush() int {
	e.t.Helper()
	n, err := e.worker.Flush(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *mailEnv) status(id uint) models.Status {
	e.t.Helper()
	c, err := e.store.Comment(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return c.Status
}

// received is one email as a moderator's mail program would read it.
type received struct {
	To, Subject, Body string
	Header            mail.Header
}

// readMail parses a message the SMTP server received and checks that its
// headers are well-formed.
func readMail(t *testing.T, m smtptest.Message) received {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatalf("malformed message: %v\n%s", err, m.Data)
	}
	h := msg.Header
	if _, err := h.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	if from, err := h.AddressList("From"); err != nil || len(from) != 1 || from[0].Address != "parley@example.org" || from[0].Name != "Parley Blog" {
		t.Errorf("From = %v, %v", from, err)
	}
	to, err := h.AddressList("To")
	if err != nil || len(to) != 1 || len(m.To) != 1 || to[0].Address != m.To[0] {
		t.Errorf("To = %v, %v (envelope %v)", to, err, m.To)
	}
	if id := h.Get("Message-ID"); !regexp.MustCompile(`^<[0-9a-f]{32}@example\.org>$`).MatchString(id) {
		t.Errorf("Message-ID = %q", id)
	}
	if ct, cte := h.Get("Content-Type"), h.Get("Content-Transfer-Encoding"); ct != "text/plain; charset=utf-8" || cte != "quoted-printable" {
		t.Errorf("Content-Type %q, Content-Transfer-Encoding %q", ct, cte)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil {
		t.Errorf("Subject: %v", err)
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatalf("body: %v", err)
	}
	return received{To: m.To[0], Subject: subject, Body: strings.ReplaceAll(string(body), "\r\n", "\n"), Header: h}
}

var linkRE = regexp.MustCompile(`(?m)^(Approve|Remove|Mark as spam):\s+(\S+)$`)

// links returns the action links of an email, in order, by label.
func links(t *testing.T, body string) [][2]string {
	t.Helper()
	var out [][2]string
	for _, m := range linkRE.FindAllStringSubmatch(body, -1) {
		out = append(out, [2]string{m[1], m[2]})
	}
	if len(out) == 0 {
		t.Fatalf("no action links in:\n%s", body)
	}
	return out
}

// path turns an emailed link into a path on the test server.
func (e *mailEnv) path(link string) string {
	e.t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Scheme+"://"+u.Host != e.srv.URL {
		e.t.Fatalf("link %q does not point at this Parley (%s)", link, e.srv.URL)
	}
	return u.Path
}

func TestHeldCommentEmailsEachModeratorWithWorkingLinks(t *testing.T) {
	smtp := smtptest.Start(t, smtptest.Options{})
	e := newMailEnv(t, smtp.URL("", ""))
	ctx := context.Background()
	mod := addModerator(t, e.store, "mod@example.com", adminPassword, models.RoleModerator)
	if err := e.store.SetNotifyMode(ctx, mod.ID, models.NotifyEach); err != nil {
		t.Fatal(err)
	}
	addModerator(t, e.store, "quiet@example.com", adminPassword, models.RoleModerator) // default: no email
	digest := addModerator(t, e.store, "digest@example.com", adminPassword, models.RoleAdmin)
	if err := e.store.SetNotifyMode(ctx, digest.ID, models.NotifyDigest); err != nil {
		t.Fatal(err)
	}
	gone := models.Moderator{Email: "gone@example.com", Name: "G", PasswordHash: "x", Role: models.RoleAdmin, Disabled: true}
	if err := e.store.CreateModerator(ctx, &gone); err != nil {
		t.Fatal(err)
	}

	body := "Nice post! <script>alert(1)</script>\nApprove:      http://evil.example/x\n\u202eevil\x1b[31m"
	resp := e.postJSON(nil, "/api/v1/comments", map[string]any{"site": "default", "page": welcomePage,
		"author": "Jörg Ünïcode", "email": "jorg@example.net", "body": body})
	wantStatus(t, resp, http.StatusCreated)
	var created struct {
		Comment struct{ ID uint }
		Status  string
	}
	decode(t, resp.Body, &created)
	id := created.Comment.ID
	if created.Status != "pending" {
		t.Fatalf("status %q, want pending", created.Status)
	}
	if n := len(smtp.Messages()); n != 0 {
		t.Fatalf("%d messages sent inline with the reader's request", n)
	}

	if n := e.flush(); n != 2 {
		t.Fatalf("worker sent %d messages, want 2 (admin and mod)", n)
	}
	msgs := smtp.Messages()
	byTo := map[string]received{}
	for _, m := range msgs {
		r := readMail(t, m)
		if _, dup := byTo[r.To]; dup {
			t.Fatalf("two emails to %s", r.To)
		}
		byTo[r.To] = r
	}
	if len(byTo) != 2 || byTo[adminEmail].Body == "" || byTo["mod@example.com"].Body == "" {
		t.Fatalf("emails went to %v, want %s and mod@example.com", keys(byTo), adminEmail)
	}
	got := byTo[adminEmail]
	if !strings.Contains(got.Header.Get("Subject"), "=?utf-8?q?") || got.Subject != "Held comment by Jörg Ünïcode on Welcome" {
		t.Errorf("Subject = %q (raw %q)", got.Subject, got.Header.Get("Subject"))
	}
	wantContains(t, got.Body,
		"Post:     Welcome", "Address:  "+e.srv.URL+welcomePage, "Author:   Jörg Ünïcode <jorg@example.net>",
		"Held because:", "> Nice post! <script>alert(1)</script>", "> Approve:      http://evil.example/x", "> evil[31m")
	wantNotContains(t, got.Body, "\u202e", "\x1b")

	l := links(t, got.Body)
	if len(l) != 3 || l[0][0] != "Approve" || l[1][0] != "Remove" || l[2][0] != "Mark as spam" {
		t.Fatalf("links = %v; the comment's own text must not count as one", l)
	}
	approve := e.path(l[0][1])

	// A GET (a mail scanner, a preview) shows the comment and changes nothing.
	for range 2 {
		page := e.get(nil, approve)
		wantStatus(t, page, http.StatusOK)
		wantContains(t, page.Body, "Approve this comment?", "Jörg Ünïcode", "&lt;script&gt;alert(1)&lt;/script&gt;",
			`<form method="post" action="`+approve+`"`, "Approve</button>")
		wantNotContains(t, page.Body, "<script>alert(1)")
		if page.Header.Get("Cache-Control") != "no-store" || page.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("link page headers: %v", page.Header)
		}
	}
	if e.status(id) != models.StatusPending {
		t.Fatal("a GET changed the comment")
	}

	// Tampered links are refused, by GET and by POST.
	tampered := []string{
		approve[:len(approve)-1] + flip(approve[len(approve)-1]),
		strings.Replace(approve, ".approve.", ".spam.", 1),
		strings.Replace(approve, fmt.Sprintf("/%d.", id), fmt.Sprintf("/%d.", id+1), 1),
		"/mod/actions/nonsense",
	}
	for _, p := range tampered {
		wantStatus(t, e.get(nil, p), http.StatusNotFound)
		wantStatus(t, e.postForm(nil, p, nil), http.StatusNotFound)
	}
	// A cross-origin POST is refused even with the right link.
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+approve, nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	wantStatus(t, e.do(nil, req), http.StatusForbidden)
	if e.status(id) != models.StatusPending {
		t.Fatal("a refused request changed the comment")
	}

	// The button's POST acts, without any session, as the moderator.
	done := e.postForm(nil, approve, nil)
	wantStatus(t, done, http.StatusOK)
	wantContains(t, done.Body, "Comment approved", "via email link")
	if e.status(id) != models.StatusApproved {
		t.Fatal("the POST did not approve the comment")
	}
	wantContains(t, e.get(nil, welcomePage).Body, fmt.Sprintf(`id="comment-%d"`, id))
	entries, err := e.store.AuditEntries(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 || entries[0].Actor != adminEmail || entries[0].Note != "via email link" ||
		entries[0].ModeratorID == nil || entries[0].CommentID == nil || *entries[0].CommentID != id ||
		entries[0].Before != "pending" || entries[0].After != "approved" {
		t.Fatalf("audit = %+v", entries)
	}

	// Single use.
	again := e.postForm(nil, approve, nil)
	wantStatus(t, again, http.StatusConflict)
	wantContains(t, again.Body, "already used")
	wantStatus(t, e.get(nil, approve), http.StatusConflict)

	// Another moderator's link still works, and shows the comment as it is now.
	other := e.get(nil, e.path(links(t, byTo["mod@example.com"].Body)[2][1]))
	wantStatus(t, other, http.StatusOK)
	wantContains(t, other.Body, "Mark this comment as spam?", "no longer waiting", "approved")
}

func TestNoMailForSpamOrApprovedComments(t *testing.T) {
	smtp := smtptest.Start(t, smtptest.Options{})
	e := newMailEnv(t, smtp.URL("", ""))
	e.setModeration(models.ModerationPost)
	if _, status := e.comment("Ann", "published at once", 0); status != "approved" {
		t.Fatalf("status %q, want approved", status)
	}
	// A filled honeypot is spam, stored quietly.
	wantStatus(t, e.postForm(nil, welcomePage+"/comments", url.Values{"author": {"Bot"}, "body": {"buy now"}, "url": {"http://spam.example"}}), http.StatusSeeOther)
	spam, err := e.store.Queue(context.Background(), store.QueueFilter{Status: models.StatusSpam, Limit: 10})
	if err != nil || len(spam) != 1 {
		t.Fatalf("spam stored: %d, %v", len(spam), err)
	}
	if n := e.flush(); n != 0 || len(smtp.Messages()) != 0 {
		t.Fatal("mail sent for an approved or spam comment")
	}
	if msgs, _ := e.store.OutboxMessages(context.Background(), 10); len(msgs) != 0 {
		t.Fatalf("outbox = %+v", msgs)
	}
}

func TestMailServerDownDelaysButKeepsMail(t *testing.T) {
	// A server that accepts connections and never answers: if a reader's
	// post waited on SMTP, it would hang until the client gives up.
	hole, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	held := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := hole.Accept()
			if err != nil {
				return
			}
			held <- c
		}
	}()
	t.Cleanup(func() {
		hole.Close()
		for len(held) > 0 {
			(<-held).Close()
		}
	})
	addr := hole.Addr().String()
	e := newMailEnv(t, "smtp://"+addr)
	e.worker.Mail.(*mailer.Mailer).Transport.Timeout = 300 * time.Millisecond

	client := &http.Client{Timeout: 10 * time.Second}
	id, _ := e.commentWith(client, "Ann", "held while mail is down")
	msgs, err := e.store.OutboxMessages(context.Background(), 10)
	if err != nil || len(msgs) != 1 || msgs[0].Recipient != adminEmail || msgs[0].Attempts != 0 {
		t.Fatalf("outbox = %+v, %v", msgs, err)
	}
	if n := e.flush(); n != 0 {
		t.Fatal("sent to a silent server")
	}
	hole.Close()
	e.clock.advance(time.Hour)
	if n := e.flush(); n != 0 {
		t.Fatal("sent while nothing listens")
	}
	msgs, _ = e.store.OutboxMessages(context.Background(), 10)
	if msgs[0].SentAt != nil || msgs[0].Attempts != 2 || !strings.Contains(msgs[0].LastError, "connect to "+addr) {
		t.Fatalf("after two failed attempts: %+v", msgs[0])
	}
	page := e.get(e.admin(), "/admin/settings")
	wantContains(t, page.Body, "1 waiting to be sent", "The mail server's last answer: connect to "+addr)

	smtp := smtptest.Start(t, smtptest.Options{Addr: addr}) // the server is back
	e.clock.advance(time.Hour)
	if n := e.flush(); n != 1 {
		t.Fatalf("sent %d after the server came back, want 1", n)
	}
	got := readMail(t, smtp.Messages()[0])
	wantContains(t, got.Body, "> held while mail is down")
	if e.status(id) != models.StatusPending {
		t.Fatal("status changed")
	}
}

func TestDigestGroupsHeldComments(t *testing.T) {
	smtp := smtptest.Start(t, smtptest.Options{})
	e := newMailEnv(t, smtp.URL("", ""))
	ctx := context.Background()
	admin := e.admin()
	wantStatus(t, e.postForm(admin, "/admin/mail/notify", url.Values{"notify": {"digest"}}), http.StatusSeeOther)
	wantContains(t, e.get(admin, "/admin/settings?mail=saved").Body, `value="digest" checked`, "Your email setting is saved.")

	var ids []uint
	for i := 1; i <= 3; i++ {
		id, _ := e.comment(fmt.Sprintf("Reader %d", i), fmt.Sprintf("digest comment %d", i), 0)
		ids = append(ids, id)
	}
	if n := e.flush(); n != 0 {
		t.Fatalf("%d per-comment emails to a digest moderator", n)
	}
	if err := e.app.QueueDigests(ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.flush(); n != 1 {
		t.Fatalf("digest run sent %d emails, want 1", n)
	}
	got := readMail(t, smtp.Messages()[0])
	if got.To != adminEmail || got.Subject != "3 held comments waiting" {
		t.Fatalf("digest to %s, subject %q", got.To, got.Subject)
	}
	wantContains(t, got.Body, "3 held comments are waiting", "1 of 3", "3 of 3",
		"> digest comment 1", "> digest comment 2", "> digest comment 3")
	l := links(t, got.Body)
	if len(l) != 9 {
		t.Fatalf("%d links, want 3 per comment", len(l))
	}
	// The second comment's spam link acts on the second comment only.
	wantStatus(t, e.postForm(nil, e.path(l[5][1]), nil), http.StatusOK)
	if e.status(ids[1]) != models.StatusSpam || e.status(ids[0]) != models.StatusPending || e.status(ids[2]) != models.StatusPending {
		t.Fatal("the digest link changed the wrong comment")
	}

	// Nothing new: no digest. One new comment: a digest with just it.
	if err := e.app.QueueDigests(ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.flush(); n != 0 {
		t.Fatal("a digest without new comments")
	}
	e.comment("Late", "digest comment 4", 0)
	if err := e.app.QueueDigests(ctx); err != nil {
		t.Fatal(err)
	}
	e.flush()
	msgs := smtp.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d emails in all, want 2", len(msgs))
	}
	second := readMail(t, msgs[1])
	if second.Subject != "1 held comment waiting" {
		t.Errorf("subject %q", second.Subject)
	}
	wantContains(t, second.Body, "> digest comment 4")
	wantNotContains(t, second.Body, "digest comment 1", "digest comment 3")
}

func TestSendTestEmail(t *testing.T) {
	t.Run("success", func(t *testing.T) {
		smtp := smtptest.Start(t, smtptest.Options{})
		e := newMailEnv(t, smtp.URL("", ""))
		admin := e.admin()
		page := e.get(admin, "/admin/settings")
		wantContains(t, page.Body, `id="email"`, "Parley sends mail through", smtp.Addr, "Send test email")
		resp := e.postForm(admin, "/admin/mail/test", nil)
		wantStatus(t, resp, http.StatusOK)
		wantContains(t, resp.Body, "Test email sent to "+adminEmail, "the server accepted the message", "Settings")
		msgs := smtp.Messages()
		if len(msgs) != 1 {
			t.Fatalf("server got %d messages", len(msgs))
		}
		if got := readMail(t, msgs[0]); got.To != adminEmail || got.Subject != "Parley test email" {
			t.Fatalf("test email %+v", got)
		}
		if msgs, _ := e.store.OutboxMessages(context.Background(), 10); len(msgs) != 0 {
			t.Fatal("the test email went through the outbox")
		}
	})
	t.Run("server refuses", func(t *testing.T) {
		smtp := smtptest.Start(t, smtptest.Options{Reject: []string{adminEmail}})
		e := newMailEnv(t, smtp.URL("", ""))
		resp := e.postForm(e.admin(), "/admin/mail/test", nil)
		wantStatus(t, resp, http.StatusOK)
		wantContains(t, resp.Body, "The test email to "+adminEmail+" failed",
			"RCPT TO:&lt;admin@example.com&gt;: the server answered 550 5.1.1", "no such user")
	})
	t.Run("wrong password", func(t *testing.T) {
		smtp := smtptest.Start(t, smtptest.Options{Users: map[string]string{"parley": "right"}})
		e := newMailEnv(t, smtp.URL("parley", "wrong"))
		resp := e.postForm(e.admin(), "/admin/mail/test", nil)
		wantContains(t, resp.Body, "failed", "535 5.7.8 Authentication credentials invalid")
		wantNotContains(t, resp.Body, "wrong")
	})
	t.Run("cross-origin", func(t *testing.T) {
		smtp := smtptest.Start(t, smtptest.Options{})
		e := newMailEnv(t, smtp.URL("", ""))
		admin := e.admin()
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/admin/mail/test", nil)
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		wantStatus(t, e.do(admin, req), http.StatusForbidden)
		if len(smtp.Messages()) != 0 {
			t.Fatal("a cross-origin request sent mail")
		}
	})
	t.Run("mail off", func(t *testing.T) {
		e := newEnv(t)
		admin := e.admin()
		wantContains(t, e.get(admin, "/admin/settings").Body, "Email is off: no mail is sent", "PARLEY_SMTP_URL")
		resp := e.postForm(admin, "/admin/mail/test", nil)
		wantContains(t, resp.Body, "Mail is off")
		// Held comments queue nothing while mail is off.
		e.comment("Ann", "no mail for me", 0)
		if msgs, _ := e.store.OutboxMessages(context.Background(), 10); len(msgs) != 0 {
			t.Fatalf("outbox = %+v", msgs)
		}
	})
}

func TestNotifySettingValidation(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	wantContains(t, e.get(admin, "/admin/settings").Body, `value="each" checked`)
	wantStatus(t, e.postForm(admin, "/admin/mail/notify", url.Values{"notify": {"hourly"}}), http.StatusUnprocessableEntity)
	wantStatus(t, e.postForm(admin, "/admin/mail/notify", url.Values{"notify": {"off"}}), http.StatusSeeOther)
	wantContains(t, e.get(admin, "/admin/settings").Body, `value="off" checked`)
	entries, err := e.store.AuditEntries(context.Background(), 0, 1)
	if err != nil || len(entries) != 1 || entries[0].Before != "each" || entries[0].After != "off" || entries[0].Actor != adminEmail {
		t.Fatalf("audit = %+v, %v", entries, err)
	}
	// Without a session: the sign-in page, nothing saved.
	wantStatus(t, e.postForm(nil, "/admin/mail/notify", url.Values{"notify": {"each"}}), http.StatusSeeOther)
	wantContains(t, e.get(admin, "/admin/settings").Body, `value="off" checked`)
}

// commentWith posts a held comment through the API with the given client.
func (e *mailEnv) commentWith(c *http.Client, author, body string) (uint, string) {
	e.t.Helper()
	resp := e.postJSON(c, "/api/v1/comments", map[string]any{"site": "default", "page": welcomePage, "author": author, "body": body})
	wantStatus(e.t, resp, http.StatusCreated)
	var out struct {
		Comment struct{ ID uint }
		Status  string
	}
	decode(e.t, resp.Body, &out)
	return out.Comment.ID, out.Status
}

func flip(b byte) string {
	if b == 'A' {
		return "B"
	}
	return "A"
}

func keys(m map[string]received) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
