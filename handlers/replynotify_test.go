package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"parley/models"
	"parley/models/mailer/smtptest"
	"parley/models/store"
)

const readerEmail = "alice@example.com"

// replyEnv is a mail environment whose worker also queues reply emails, as
// "parley serve" wires it.
func replyEnv(t *testing.T) (*mailEnv, *smtptest.Server) {
	smtp := smtptest.Start(t, smtptest.Options{})
	e := newMailEnv(t, smtp.URL("", ""))
	e.worker.Prepare = e.app.QueueReplyMail
	return e, smtp
}

// mailTo flushes the outbox and returns the messages addressed to who, in
// the order they arrived.
func (e *mailEnv) mailTo(smtp *smtptest.Server, who string) []received {
	e.t.Helper()
	e.flush()
	var out []received
	for _, m := range smtp.Messages() {
		if len(m.To) == 1 && m.To[0] == who {
			out = append(out, readMail(e.t, m))
		}
	}
	return out
}

// replyComment posts a comment through the API and returns its id.
func (e *mailEnv) replyComment(author, email, body string, parent uint, notify bool) uint {
	e.t.Helper()
	req := map[string]any{"site": "default", "page": welcomePage, "author": author, "email": email, "body": body, "notify": notify}
	if parent != 0 {
		req["parent_id"] = parent
	}
	resp := e.postJSON(e.client(), "/api/v1/comments", req)
	if resp.StatusCode != http.StatusCreated {
		e.t.Fatalf("create comment: %d %s\nlog:\n%s", resp.StatusCode, resp.Body, e.logText())
	}
	var out struct{ Comment struct{ ID uint } }
	decode(e.t, resp.Body, &out)
	return out.Comment.ID
}

var confirmRE = regexp.MustCompile(`(?m)^Confirm:\s+(\S+)$`)

func TestReplyNotifyConfirmReplyUnsubscribe(t *testing.T) {
	e, smtp := replyEnv(t)
	ctx := context.Background()
	admin := e.admin()

	// Alice asks for replies: one confirmation email, nothing else.
	alice := e.replyComment("Alice", readerEmail, "First!", 0, true)
	if c, _ := e.store.Comment(ctx, alice); !c.NotifyReplies {
		t.Fatal("NotifyReplies not stored")
	}
	got := e.mailTo(smtp, readerEmail)
	if len(got) != 1 || !strings.Contains(got[0].Subject, "Confirm reply emails") {
		t.Fatalf("want one confirmation, got %+v", got)
	}
	m := confirmRE.FindStringSubmatch(got[0].Body)
	if m == nil {
		t.Fatalf("no confirm link in:\n%s", got[0].Body)
	}
	confirm := e.path(m[1])
	// Asking again the same day sends no second confirmation.
	e.replyComment("Alice", strings.ToUpper(readerEmail), "Again", 0, true)
	if got := e.mailTo(smtp, readerEmail); len(got) != 1 {
		t.Fatalf("second confirmation sent: %d mails", len(got))
	}
	// Opening the link confirms nothing; the button does.
	page := e.get(nil, confirm)
	wantStatus(t, page, http.StatusOK)
	wantContains(t, page.Body, readerEmail, `<form method="post" action="`+confirm+`"`)
	if page.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q", page.Header.Get("Cache-Control"))
	}
	if sub, err := e.store.Subscriber(ctx, readerEmail); err != nil || sub.ConfirmedAt != nil {
		t.Fatalf("confirmed by GET: %+v %v", sub, err)
	}
	wantContains(t, e.postForm(nil, confirm, nil).Body, "Reply emails confirmed")
	if sub, err := e.store.Subscriber(ctx, readerEmail); err != nil || sub.ConfirmedAt == nil {
		t.Fatalf("not confirmed: %+v %v", sub, err)
	}
	wantStatus(t, e.get(nil, confirm[:len(confirm)-2]+"xx"), http.StatusNotFound)
	e.approve(alice)

	// A held reply sends nothing until a moderator approves it.
	body := "Thanks <b>Alice</b> & co\u202e!\nSecond line <script>x</script>"
	bob := e.replyComment("Bob <b>", "bob@example.com", body, alice, false)
	if got := e.mailTo(smtp, readerEmail); len(got) != 1 {
		t.Fatalf("held reply emailed: %d mails", len(got))
	}
	wantStatus(t, e.postForm(admin, fmt.Sprintf("/admin/comments/%d/approve", bob), nil), http.StatusSeeOther)
	got = e.mailTo(smtp, readerEmail)
	if len(got) != 2 {
		t.Fatalf("want the reply email, got %d mails", len(got))
	}
	r := got[1]
	if r.Subject != "Bob <b> replied to your comment on Welcome" {
		t.Errorf("Subject = %q", r.Subject)
	}
	unsub := strings.TrimSuffix(strings.TrimPrefix(r.Header.Get("List-Unsubscribe"), "<"), ">")
	if !strings.HasPrefix(unsub, e.srv.URL+"/replies/unsubscribe/") {
		t.Errorf("List-Unsubscribe = %q", r.Header.Get("List-Unsubscribe"))
	}
	if v := r.Header.Get("List-Unsubscribe-Post"); v != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post = %q", v)
	}
	wantContains(t, r.Body, "Hello Alice,", "> Thanks <b>Alice</b> & co!\n> Second line <script>x</script>\n",
		fmt.Sprintf("%s%s#comment-%d\n", e.srv.URL, welcomePage, bob), unsub+"\n")
	if strings.ContainsRune(r.Body, '\u202e') || strings.Contains(r.Body, "&amp;") {
		t.Errorf("reply text not plain and clean:\n%s", r.Body)
	}

	// Removing and restoring the reply (undo) sends no second email; nor
	// does Alice replying to herself.
	entries, err := e.store.Moderate(ctx, []uint{bob}, models.StatusRemoved, adminActor(), "")
	if err != nil || len(entries) != 1 {
		t.Fatal(entries, err)
	}
	if _, err := e.store.Undo(ctx, entries[0].ID, adminActor()); err != nil {
		t.Fatal(err)
	}
	self := e.replyComment("Alice", readerEmail, "Replying to myself", alice, false)
	e.approve(self)
	if got := e.mailTo(smtp, readerEmail); len(got) != 2 {
		t.Fatalf("want no new mail, got %d", len(got))
	}

	// One-click unsubscribe as a mail program sends it: a POST, no cookies.
	req, _ := http.NewRequest(http.MethodPost, unsub, strings.NewReader("List-Unsubscribe=One-Click"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	wantContains(t, e.do(&http.Client{}, req).Body, "Reply emails stopped")
	carol := e.replyComment("Carol", "carol@example.com", "Me too", alice, false)
	e.approve(carol)
	if got := e.mailTo(smtp, readerEmail); len(got) != 2 {
		t.Fatalf("mail after unsubscribe: %d", len(got))
	}
	if c, _ := e.store.Comment(ctx, alice); c.NotifyReplies {
		t.Error("unsubscribe left NotifyReplies on")
	}
	wantContains(t, e.get(nil, e.path(unsub)).Body, "Stop reply emails")
}

func TestReplyNotifyFormCheckboxNeedsEmail(t *testing.T) {
	e, smtp := replyEnv(t)
	ctx := context.Background()
	wantContains(t, e.get(nil, welcomePage).Body, `name="notify"`, "Email me replies", `href="/privacy"`)
	// Without an email the box means nothing; with one it is kept.
	resp := e.postForm(e.client(), welcomePage+"/comments", url.Values{"author": {"Dan"}, "body": {"No address"}, "notify": {"1"}})
	wantStatus(t, resp, http.StatusSeeOther)
	resp = e.postForm(e.client(), welcomePage+"/comments", url.Values{"author": {"Eve"}, "email": {"eve@example.com"}, "body": {"With address"}, "notify": {"1"}})
	wantStatus(t, resp, http.StatusSeeOther)
	items, err := e.store.Queue(ctx, store.QueueFilter{Status: models.StatusPending})
	if err != nil || len(items) != 2 {
		t.Fatal(items, err)
	}
	for _, it := range items {
		if it.NotifyReplies != (it.Email != "") {
			t.Errorf("%s: NotifyReplies = %v", it.Author, it.NotifyReplies)
		}
	}
	if got := e.mailTo(smtp, "eve@example.com"); len(got) != 1 {
		t.Fatalf("want a confirmation for Eve, got %d", len(got))
	}
	// A form shown again after a mistake keeps the box ticked.
	resp = e.postForm(e.client(), welcomePage+"/comments", url.Values{"author": {""}, "email": {"eve@example.com"}, "body": {"x"}, "notify": {"1"}})
	wantStatus(t, resp, http.StatusUnprocessableEntity)
	wantContains(t, resp.Body, `name="notify" value="1" checked`)
}

func TestReplyNotifyPublishedReplyIsMailedAtOnce(t *testing.T) {
	e, smtp := replyEnv(t)
	ctx := context.Background()
	e.setModeration(models.ModerationPost)
	alice := e.replyComment("Alice", readerEmail, "Published at once", 0, true)
	if _, err := e.store.ConfirmReplies(ctx, readerEmail, time.Now()); err != nil {
		t.Fatal(err)
	}
	bob := e.replyComment("Bob", "bob@example.com", "A published reply", alice, false)
	if c, _ := e.store.Comment(ctx, bob); c.Status != models.StatusApproved {
		t.Fatalf("reply is %s", c.Status)
	}
	got := e.mailTo(smtp, readerEmail)
	if len(got) != 2 || !strings.Contains(got[1].Body, "> A published reply\n") ||
		!strings.Contains(got[1].Body, fmt.Sprintf("#comment-%d\n", bob)) {
		t.Fatalf("want confirmation and reply mail, got %d: %+v", len(got), got)
	}
}
