package handlers

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"parley/handlers/i18n"
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
		tr := s.modMailLanguage(mod)
		var b strings.Builder
		fmt.Fprintf(&b, "%s\n\n", tr.T("email.held.intro", "site", mailer.OneLine(site.Name)))
		s.writeHeldComment(&b, tr, item, site, mod, expires)
		s.writeMailFooter(&b, tr, expires, tr.T("email.setting.each"))
		subject := tr.T("email.held.subject", "author", clip(item.Author, 60), "post", clip(threadName(item), 80))
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
	tr := s.modMailLanguage(mod)
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", tr.N("email.digest.intro", int(total)))
	for i, item := range items {
		fmt.Fprintf(&b, "\n==== %s ====\n\n", tr.T("email.digest.item", "i", i+1, "total", total))
		s.writeHeldComment(&b, tr, item, sites[item.SiteID], mod, expires)
	}
	if more := total - int64(len(items)); more > 0 {
		fmt.Fprintf(&b, "\n%s\n", tr.N("email.digest.more", int(more), "link", s.cfg.BaseURL+"/admin/queue"))
	}
	s.writeMailFooter(&b, tr, expires, tr.T("email.setting.digest"))
	subject := tr.N("email.digest.subject", int(total))
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
func (s *Server) writeHeldComment(b *strings.Builder, tr *i18n.Translator, item store.QueueItem, site models.Site, mod models.Moderator, expires time.Time) {
	c := item.Comment
	author := mailer.OneLine(c.Author)
	if c.Email != "" {
		author += " <" + mailer.OneLine(c.Email) + ">"
	}
	fields := [][2]string{{"email.field.post", clip(threadName(item), 200)}, {"email.field.address", s.pageURL(item, site)}}
	if site.ID != "" && site.ID != models.DefaultSiteID {
		fields = append(fields, [2]string{"email.field.site", mailer.OneLine(site.Name)})
	}
	fields = append(fields, [2]string{"email.field.author", author}, [2]string{"email.field.website", mailer.OneLine(c.Website)},
		[2]string{"email.field.written", tr.LongTime(c.CreatedAt)})
	writeFields(b, tr, fields, 2)
	if len(c.Reasons) > 0 {
		fmt.Fprintf(b, "%s\n", tr.T("email.held.because"))
		for _, r := range c.Reasons {
			line := mailer.OneLine(reasonText(tr, r))
			if d := mailer.OneLine(reasonDetail(tr, r)); d != "" {
				line += " (" + d + ")"
			}
			fmt.Fprintf(b, "  - %s\n", line)
		}
	}
	fmt.Fprintf(b, "\n%s\n\n", tr.T("email.held.comment"))
	text := strings.TrimSpace(mailer.PlainText(c.Body))
	if utf8.RuneCountInString(text) > mailBodyRunes {
		text = string([]rune(text)[:mailBodyRunes]) + " […]\n" + tr.T("email.held.cut")
	}
	for _, line := range strings.Split(text, "\n") {
		b.WriteString(strings.TrimRight("> "+line, " "))
		b.WriteByte('\n')
	}
	b.WriteString("\n")
	var links [][2]string
	for _, action := range []string{"approve", "remove", "spam"} {
		link := s.modActionLink(modAction{CommentID: c.ID, Action: action, ModeratorID: mod.ID, Expires: expires})
		links = append(links, [2]string{"modact.verb." + action, link})
	}
	writeFields(b, tr, links, 1)
}

// writeFields writes "Label:  value" lines, gap spaces after the longest
// label, with the values lined up; fields without a value are left out.
func writeFields(b *strings.Builder, tr *i18n.Translator, fields [][2]string, gap int) {
	width := 0
	for _, f := range fields {
		width = max(width, utf8.RuneCountInString(tr.T(f[0]))+1+gap)
	}
	for _, f := range fields {
		if f[1] == "" {
			continue
		}
		label := tr.T(f[0]) + ":"
		fmt.Fprintf(b, "%s%s%s\n", label, strings.Repeat(" ", width-utf8.RuneCountInString(label)), f[1])
	}
}

// writeMailFooter explains the links and how to change the setting.
func (s *Server) writeMailFooter(b *strings.Builder, tr *i18n.Translator, expires time.Time, setting string) {
	fmt.Fprintf(b, "\n-- \n%s\n%s\n%s\n%s\n%s\n",
		tr.T("email.footer.links"), tr.T("email.footer.once", "time", tr.LongTime(expires)),
		tr.T("email.footer.queue", "link", s.cfg.BaseURL+"/admin/queue"),
		tr.T("email.footer.why", "setting", setting), s.cfg.BaseURL+"/admin/settings#email")
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
