package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"parley/models"
	"parley/models/store"
)

// The Email section of the settings page: the signed-in moderator's own
// notification setting, the state of the outbox, and a test email.
const (
	mailTestKey     = "mail_test_result"
	mailTestTimeout = 15 * time.Second
)

// mailTestResult is what the test email's SMTP conversation came to.
type mailTestResult struct {
	OK    bool
	To    string
	Steps []string
	Error string
}

// mailPanel is the data of views/partials/mail_settings.html.
type mailPanel struct {
	Configured bool
	Server     string // the SMTP server, without password
	From       string
	Email      string // the signed-in moderator's address
	Mode       string // their effective notification mode
	Stats      store.OutboxStats
	Saved      bool
	Test       *mailTestResult
}

// mailPanel gathers the Email section for the settings page. A failure to
// read the outbox is logged and shows as an empty outbox rather than
// costing the moderator the whole page.
func (s *Server) mailPanel(c *gin.Context) mailPanel {
	mod := currentModerator(c)
	p := mailPanel{Configured: s.mail != nil, Email: mod.Email, Mode: mod.NotifyMode(), Saved: c.Query("mail") == "saved"}
	if s.mail != nil {
		p.Server, p.From = s.mail.Transport.String(), s.mail.From.String()
	}
	stats, err := s.store.OutboxStats(c.Request.Context())
	if err != nil {
		s.log.Error("mail: outbox stats", "err", err)
	}
	p.Stats = stats
	if v, ok := c.Get(mailTestKey); ok {
		if r, ok := v.(mailTestResult); ok {
			p.Test = &r
		}
	}
	return p
}

// saveNotifyMode sets how the signed-in moderator hears about held comments.
func (s *Server) saveNotifyMode(c *gin.Context) {
	mod := currentModerator(c)
	mode := c.PostForm("notify")
	if !models.ValidNotifyMode(mode) {
		s.failT(c, http.StatusUnprocessableEntity, "bad_notify", "mail.bad_notify")
		return
	}
	ctx := c.Request.Context()
	before := mod.NotifyMode()
	if err := s.store.SetNotifyMode(ctx, mod.ID, mode); err != nil {
		s.serverError(c, err)
		return
	}
	actor := actorOf(c)
	if err := s.store.AddAudit(ctx, &models.AuditEntry{ModeratorID: actor.ModeratorID, Actor: actor.Name,
		Action: "settings", Before: before, After: mode, Note: "own email notifications"}); err != nil {
		s.serverError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/settings?mail=saved#email")
}

// sendTestMail sends one email to the signed-in moderator at once, not
// through the outbox, and shows the settings page with how the SMTP
// conversation went: each step, or the server's own error text.
func (s *Server) sendTestMail(c *gin.Context) {
	mod := currentModerator(c)
	res := mailTestResult{To: mod.Email}
	if s.mail == nil {
		res.Error = s.tr(c).T("mail.test_off")
	} else {
		ctx, cancel := context.WithTimeout(c.Request.Context(), mailTestTimeout)
		defer cancel()
		tr := s.modMailLanguage(mod)
		body := tr.T("email.test.body", "url", s.cfg.BaseURL, "email", mod.Email) + "\n\n" + tr.T("email.test.works") + "\n"
		msg := s.mail.NewOutboxMessage(mod.Email, tr.T("email.test.subject"), body)
		msg.CreatedAt = s.now()
		receipt, err := s.mail.Deliver(ctx, *msg)
		res.Steps = receipt.Steps
		if err != nil {
			res.Error = err.Error()
			s.log.Warn("mail: test email failed", "to", mod.Email, "err", err)
		} else {
			res.OK = true
		}
	}
	c.Set(mailTestKey, res)
	s.settingsPage(c)
}
