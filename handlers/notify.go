package handlers

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"parley/models"
	"parley/models/mailer"
	"parley/models/store"
)

// Limits of the moderator emails.
const (
	mailBodyRunes    = 3000 // a longer comment is cut in the email; the link page shows it all
	digestMaxListed  = 25   // comments listed in full in one digest
	notifyEnqueueMax = 5 * time.Second
)

// newMailer configures outgoing mail; nil when it is off.
func newMailer(cfg Config) (*mailer.Mailer, error) {
	local := ""
	if u, err := url.Parse(cfg.BaseURL); err == nil {
		local = u.Hostname()
	}
	// The error names the setting to fix; that is all the context it needs.
	return mailer.New(cfg.SMTPURL, cfg.MailFrom, local)
}

// notifyHeld queues one email for every moderator who wants one per held
// comment. It runs after the comment is stored and only writes to the
// outbox, so the reader never waits on a mail server; a failure is logged
// and does not undo the comment.
func (s *Server) notifyHeld(ctx context.Context, site models.Site, thread models.Thread, c models.Comment) {
	if s.mail == nil || c.Status != models.StatusPending {
		return
	}
	// The comment is stored: queue its mail even if the reader hangs up now.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), notifyEnqueueMax)
	defer cancel()
	mods, err := s.store.MailRecipients(ctx, models.NotifyEach)
	if err != nil {
		s.log.Error("mail: moderators to notify", "comment", c.ID, "err", err)
		return
	}
	if len(mods) == 0 {
		return
	}
	item := store.QueueItem{Comment: c, SiteID: thread.SiteID, Page: thread.Page, ThreadTitle: thread.Title}
	expires := s.now().Add(modLinkLifetime)
	var msgs []*models.OutboxMessage
	for _, mod := range mods {
		var b strings.Builder
		fmt.Fprintf(&b, "A comment on %s is waiting for moderation.\n\n", mailer.OneLine(site.Name))
		s.writeHeldComment(&b, item, site, mod, expires)
		s.writeMailFooter(&b, expires, "one email per held comment")
		subject := fmt.Sprintf("Held comment by %s on %s", clip(item.Author, 60), clip(threadName(item), 80))
		msgs = append(msgs, s.mail.NewOutboxMessage(mod.Email, subject, b.String()))
	}
	if err := s.store.EnqueueMail(ctx, msgs...); err != nil {
		s.log.Error("mail: queue held-comment emails", "comment", c.ID, "err", err)
	}
}

// QueueDigests queues, for every moderator who chose the digest, one email
// listing the comments held since their last digest that still wait. The
// mail worker calls it periodically; with mail off it does nothing.
func (s *Server) QueueDigests(ctx context.Context) error {
	if s.mail == nil {
		return nil
	}
	mods, err := s.store.MailRecipients(ctx, models.NotifyDigest)
	if err != nil || len(mods) == 0 {
		return err
	}
	sites, err := s.store.Sites(ctx)
	if err != nil {
		return err
	}
	byID := make(map[string]models.Site, len(sites))
	for _, site := range sites {
		byID[site.ID] = site
	}
	for _, mod := range mods {
		if err := s.queueDigest(ctx, mod, byID); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) queueDigest(ctx context.Context, mod models.Moderator, sites map[string]models.Site) error {
	from, err := s.store.DigestCursor(ctx, mod.ID)
	if err != nil {
		return err
	}
	items, total, newest, err := s.store.HeldAfter(ctx, from, digestMaxListed)
	if err != nil || total == 0 {
		return err
	}
	expires := s.now().Add(modLinkLifetime)
	var b strings.Builder
	word, verb := "comments", "are"
	if total == 1 {
		word, verb = "comment", "is"
	}
	fmt.Fprintf(&b, "%d held %s %s waiting for moderation.\n", total, word, verb)
	for i, item := range items {
		fmt.Fprintf(&b, "\n==== %d of %d ====\n\n", i+1, total)
		s.writeHeldComment(&b, item, sites[item.SiteID], mod, expires)
	}
	if more := total - int64(len(items)); more > 0 {
		fmt.Fprintf(&b, "\n…and %d more in the queue: %s/admin/queue\n", more, s.cfg.BaseURL)
	}
	s.writeMailFooter(&b, expires, "a digest of held comments")
	subject := fmt.Sprintf("%d held %s waiting", total, word)
	msg := s.mail.NewOutboxMessage(mod.Email, subject, b.String())
	if _, err := s.store.AdvanceDigest(ctx, mod.ID, from, newest, msg); err != nil {
		return err
	}
	return nil
}

// writeHeldComment writes one comment as plain text for a moderator's
// email: where and who, why it was held, the text quoted, and the signed
// links. Everything the commenter wrote is cleaned of control characters
// and quoted, so it cannot pass for Parley's own lines.
func (s *Server) writeHeldComment(b *strings.Builder, item store.QueueItem, site models.Site, mod models.Moderator, expires time.Time) {
	c := item.Comment
	fmt.Fprintf(b, "Post:     %s\n", clip(threadName(item), 200))
	if u := s.pageURL(item, site); u != "" {
		fmt.Fprintf(b, "Address:  %s\n", u)
	}
	if site.ID != "" && site.ID != models.DefaultSiteID {
		fmt.Fprintf(b, "Site:     %s\n", mailer.OneLine(site.Name))
	}
	author := mailer.OneLine(c.Author)
	if c.Email != "" {
		author += " <" + mailer.OneLine(c.Email) + ">"
	}
	fmt.Fprintf(b, "Author:   %s\n", author)
	if c.Website != "" {
		fmt.Fprintf(b, "Website:  %s\n", mailer.OneLine(c.Website))
	}
	fmt.Fprintf(b, "Written:  %s\n", c.CreatedAt.UTC().Format("2 January 2006 at 15:04 UTC"))
	if len(c.Reasons) > 0 {
		b.WriteString("Held because:\n")
		for _, r := range c.Reasons {
			line := mailer.OneLine(r.Text)
			if d := mailer.OneLine(r.Detail); d != "" {
				line += " (" + d + ")"
			}
			fmt.Fprintf(b, "  - %s\n", line)
		}
	}
	b.WriteString("\nThe comment:\n\n")
	text := strings.TrimSpace(mailer.PlainText(c.Body))
	if utf8.RuneCountInString(text) > mailBodyRunes {
		text = string([]rune(text)[:mailBodyRunes]) + " […]\n[Cut here; the approve link's page shows the whole comment.]"
	}
	for _, line := range strings.Split(text, "\n") {
		b.WriteString(strings.TrimRight("> "+line, " "))
		b.WriteByte('\n')
	}
	b.WriteString("\n")
	for _, action := range []string{"approve", "remove", "spam"} {
		verb, _ := actionWords(action)
		link := s.modActionLink(modAction{CommentID: c.ID, Action: action, ModeratorID: mod.ID, Expires: expires})
		fmt.Fprintf(b, "%-14s%s\n", verb+":", link)
	}
}

// writeMailFooter explains the links and how to change the setting.
func (s *Server) writeMailFooter(b *strings.Builder, expires time.Time, setting string) {
	fmt.Fprintf(b, "\n-- \nEach link opens a page that shows the comment and asks you to confirm;\n"+
		"opening it changes nothing. A link works once, until %s.\n"+
		"The queue: %s/admin/queue\n"+
		"You get this because your email setting is %q; change it at\n%s/admin/settings#email\n",
		expires.UTC().Format("2 January 2006 at 15:04 UTC"), s.cfg.BaseURL, setting, s.cfg.BaseURL)
}

// pageURL is the address of a comment's page: a thread key that is a full
// URL, a post of Parley's own blog, or a path on the site's first origin.
func (s *Server) pageURL(item store.QueueItem, site models.Site) string {
	page := mailer.OneLine(item.Page)
	switch {
	case strings.HasPrefix(page, "https://") || strings.HasPrefix(page, "http://"):
		return page
	case item.SiteID == models.DefaultSiteID:
		return s.cfg.BaseURL + page
	case strings.HasPrefix(page, "/") && len(site.Origins) > 0:
		return strings.TrimRight(site.Origins[0], "/") + page
	}
	return ""
}

func threadName(item store.QueueItem) string {
	if t := mailer.OneLine(item.ThreadTitle); t != "" {
		return t
	}
	return mailer.OneLine(item.Page)
}

// clip cleans s to one line of at most n runes.
func clip(s string, n int) string {
	s = mailer.OneLine(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return strings.TrimSpace(string([]rune(s)[:n-1])) + "…"
}
