package handlers

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"parley/models"
	"parley/models/mailer"
	"parley/models/store"
)

// Reply notifications: a reader who leaves an email and ticks "Email me
// replies" gets one confirmation email the first time (double opt-in);
// once confirmed, every approved reply to their comments is emailed with a
// one-click unsubscribe link (RFC 8058). The store marks which replies to
// announce in the transaction that approves them; QueueReplyMail turns
// those marks into outbox messages.
const (
	replyConfirmPurpose  = "reply-confirm"
	replyUnsubPurpose    = "reply-unsub"
	replyConfirmLifetime = 7 * 24 * time.Hour
	replyMailBatch       = 50
)

// requestReplies runs after a comment that asked for replies is stored:
// the first time an address asks (and at most once a day until it
// confirms), it queues the confirmation email. A comment judged spam sends
// none, so bots cannot mail strangers through Parley. A failure is logged;
// the comment stands. lang is the reader's own language, kept for their
// reply emails; the site's fixed language, if any, still wins.
func (s *Server) requestReplies(ctx context.Context, site models.Site, c models.Comment, lang string) {
	if s.mail == nil || !c.NotifyReplies || c.Email == "" || c.Status == models.StatusSpam {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), notifyEnqueueMax)
	defer cancel()
	send, err := s.store.RequestReplies(ctx, c.Email, lang, s.now())
	if err != nil || !send {
		if err != nil {
			s.log.Error("mail: reply subscription", "comment", c.ID, "err", err)
		}
		return
	}
	expires := s.now().Add(replyConfirmLifetime)
	link := s.cfg.BaseURL + "/replies/confirm/" + s.signer.sign(replyConfirmPurpose,
		encodeEmail(c.Email)+"."+strconv.FormatInt(expires.Unix(), 10))
	tr := s.readerMailLanguage(site, lang)
	siteName := clip(site.Name, 100)
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", tr.T("email.hello", "name", clip(c.Author, 64)))
	fmt.Fprintf(&b, "%s\n", tr.T("email.confirm.asked", "site", siteName))
	fmt.Fprintf(&b, "%s\n\n", tr.T("email.confirm.please"))
	fmt.Fprintf(&b, "%s\n\n", tr.T("email.confirm.link", "link", link))
	fmt.Fprintf(&b, "%s\n", tr.T("email.confirm.until", "time", tr.LongTime(expires)))
	fmt.Fprintf(&b, "%s\n", tr.T("email.confirm.ignore"))
	msg := s.mail.NewOutboxMessage(c.Email, tr.T("email.confirm.subject", "site", siteName), b.String())
	if err := s.store.EnqueueMail(ctx, msg); err != nil {
		s.log.Error("mail: queue reply confirmation", "comment", c.ID, "err", err)
	}
}

// QueueReplyMail puts the email of every announced reply into the outbox.
// The mail worker calls it before each delivery pass; each notice is
// closed in the transaction that queues its email, so with several
// instances every reply is still emailed once.
func (s *Server) QueueReplyMail(ctx context.Context) error {
	if s.mail == nil {
		return nil
	}
	items, err := s.store.PendingReplyMail(ctx, replyMailBatch)
	if err != nil {
		return err
	}
	sites := map[string]models.Site{}
	for _, item := range items {
		var msg *models.OutboxMessage
		if item.Send {
			site, ok := sites[item.Thread.SiteID]
			if !ok {
				if site, err = s.store.Site(ctx, item.Thread.SiteID); err != nil && !isNotFound(err) {
					return err
				}
				sites[item.Thread.SiteID] = site
			}
			msg = s.replyMessage(item, site)
		}
		if _, err := s.store.QueueReplyMail(ctx, item.Reply.ID, msg); err != nil {
			return err
		}
	}
	return nil
}

// replyMessage is the email about one reply: plain text, the reply's
// words quoted and cleaned of control characters, a link to it, and the
// unsubscribe link also in the List-Unsubscribe headers.
func (s *Server) replyMessage(item store.ReplyMail, site models.Site) *models.OutboxMessage {
	r, p := item.Reply, item.Parent
	where := store.QueueItem{Comment: r, SiteID: item.Thread.SiteID, Page: item.Thread.Page, ThreadTitle: item.Thread.Title}
	link := s.pageURL(where, site)
	if link == "" {
		link = mailer.OneLine(item.Thread.URL)
	}
	if link != "" {
		link += "#comment-" + strconv.FormatUint(uint64(r.ID), 10)
	}
	unsub := s.unsubscribeLink(p.Email)
	tr := s.readerMailLanguage(site, item.Language)
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", tr.T("email.hello", "name", clip(p.Author, 64)))
	fmt.Fprintf(&b, "%s\n\n", tr.T("email.reply.intro", "author", clip(r.Author, 64), "post", clip(threadName(where), 120)))
	text := strings.TrimSpace(mailer.PlainText(r.Body))
	if utf8.RuneCountInString(text) > mailBodyRunes {
		text = string([]rune(text)[:mailBodyRunes]) + " […]"
	}
	for _, line := range strings.Split(text, "\n") {
		b.WriteString(strings.TrimRight("> "+line, " "))
		b.WriteByte('\n')
	}
	if link != "" {
		fmt.Fprintf(&b, "\n%s\n%s\n", tr.T("email.reply.read"), link)
	}
	fmt.Fprintf(&b, "\n-- \n%s\n", tr.T("email.reply.why", "box", tr.T("replies.notify"), "site", clip(site.Name, 100)))
	fmt.Fprintf(&b, "%s\n%s\n", tr.T("email.reply.stop"), unsub)
	subject := tr.T("email.reply.subject", "author", clip(r.Author, 60), "post", clip(threadName(where), 80))
	msg := s.mail.NewOutboxMessage(p.Email, subject, b.String())
	msg.Headers = []models.MailHeader{
		{Name: "List-Unsubscribe", Value: "<" + unsub + ">"},
		{Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click"},
	}
	return msg
}

// unsubscribeLink is the signed address that turns an email's reply
// notifications off. It does not expire: old emails must keep working.
func (s *Server) unsubscribeLink(email string) string {
	return s.cfg.BaseURL + "/replies/unsubscribe/" + s.signer.sign(replyUnsubPurpose, encodeEmail(email))
}

// encodeEmail makes a lower-cased address safe inside a token.
func encodeEmail(email string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strings.ToLower(strings.TrimSpace(email))))
}

func decodeEmail(v string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || len(b) == 0 || len(b) > maxEmailLen || !utf8.Valid(b) {
		return "", false
	}
	return string(b), true
}

// subscriptionView is the data of views/subscription.html.
type subscriptionView struct {
	Kind    string // confirm or unsubscribe
	Outcome string // ask, done, already, expired, invalid
	Email   string
	Action  string // where the button posts
}

// parseConfirm reads a confirmation token: the address and the expiry.
func (s *Server) parseConfirm(token string) (string, time.Time, bool) {
	v, ok := s.signer.verify(replyConfirmPurpose, token)
	if !ok {
		return "", time.Time{}, false
	}
	enc, exp, ok := strings.Cut(v, ".")
	sec, err := strconv.ParseInt(exp, 10, 64)
	email, valid := decodeEmail(enc)
	if !ok || err != nil || !valid {
		return "", time.Time{}, false
	}
	return email, time.Unix(sec, 0), true
}

// replyConfirm is GET and POST /replies/confirm/:token. GET shows the
// button (link scanners that open it confirm nothing); POST confirms.
func (s *Server) replyConfirm(c *gin.Context) {
	token := c.Param("token")
	view := subscriptionView{Kind: "confirm", Outcome: "invalid", Action: "/replies/confirm/" + token}
	email, expires, ok := s.parseConfirm(token)
	switch {
	case !ok:
	case s.now().After(expires):
		view.Outcome = "expired"
	case c.Request.Method == http.MethodGet:
		view.Outcome, view.Email = "ask", email
		if sub, err := s.store.Subscriber(c.Request.Context(), email); err == nil && sub.ConfirmedAt != nil {
			view.Outcome = "already"
		}
	default:
		changed, err := s.store.ConfirmReplies(c.Request.Context(), email, s.now())
		if err != nil {
			s.serverError(c, err)
			return
		}
		view.Outcome, view.Email = "done", email
		if !changed {
			view.Outcome = "already"
		}
	}
	s.renderSubscription(c, view)
}

// replyUnsubscribe is GET and POST /replies/unsubscribe/:token. GET asks;
// POST turns notifications off, also as the one-click POST a mail program
// sends for List-Unsubscribe-Post (RFC 8058), which carries no cookies.
func (s *Server) replyUnsubscribe(c *gin.Context) {
	token := c.Param("token")
	view := subscriptionView{Kind: "unsubscribe", Outcome: "invalid", Action: "/replies/unsubscribe/" + token}
	v, ok := s.signer.verify(replyUnsubPurpose, token)
	email, valid := decodeEmail(v)
	switch {
	case !ok || !valid:
	case c.Request.Method == http.MethodGet:
		view.Outcome, view.Email = "ask", email
	default:
		changed, err := s.store.Unsubscribe(c.Request.Context(), email, s.now())
		if err != nil {
			s.serverError(c, err)
			return
		}
		view.Outcome, view.Email = "done", email
		if !changed {
			view.Outcome = "already"
		}
	}
	s.renderSubscription(c, view)
}

// renderSubscription renders the confirm and unsubscribe pages. The URL
// holds a token, so the page is not stored nor sent on as a Referer.
func (s *Server) renderSubscription(c *gin.Context, view subscriptionView) {
	titles := map[string]string{
		"confirm/ask": "subscription.title.confirm_ask", "confirm/done": "subscription.title.confirm_done",
		"confirm/already": "subscription.title.confirm_already", "confirm/expired": "subscription.title.expired",
		"unsubscribe/ask": "subscription.title.unsub_ask", "unsubscribe/done": "subscription.title.unsub_done",
		"unsubscribe/already": "subscription.title.unsub_already",
	}
	key, ok := titles[view.Kind+"/"+view.Outcome]
	if !ok {
		key = "subscription.title.invalid"
	}
	status := http.StatusOK
	switch view.Outcome {
	case "invalid":
		status = http.StatusNotFound
	case "expired":
		status = http.StatusGone
	}
	s.renderPrivate(c, status, "subscription", pageData{Title: s.tr(c).T(key), Data: view})
}

// renderPrivate renders a page whose address holds a secret token: never
// stored, never sent on as a Referer, never indexed.
func (s *Server) renderPrivate(c *gin.Context, status int, view string, data pageData) {
	var buf bytes.Buffer
	if err := s.views.executeIn(&buf, s.tr(c).Lang(), view, data); err != nil {
		s.log.Error("render failed", "view", view, "err", err)
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("Something went wrong on our side.\n"))
		return
	}
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}
