package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"parley/models"
	"parley/models/store"
)

// The privacy pages: each site's note on what Parley keeps and for how
// long, and a reader's way to their own comments. A reader asks by email;
// the signed link that arrives lists every comment written with that
// address, offers them as JSON, and erases them all.
const (
	privacyPurpose         = "privacy"
	privacyLinkLifetime    = 24 * time.Hour
	privacyRequestsPerHour = 5
	privacyListMax         = 1000
)

// privacyView is the data of views/privacy.html.
type privacyView struct {
	Site          models.Site
	RetentionDays int // 0 keeps IP addresses as long as the comment
	EditMinutes   int
	Gravatar      bool
	MailOn        bool
	Sent          string // the address a link was sent to (or would be)
	Email         string
	Problem       string // a catalog key
	WaitMinutes   int    // for privacy.too_many
}

// privacySite loads the site a privacy page is for: ?site=, else the blog.
func (s *Server) privacySite(c *gin.Context, id string) (models.Site, bool) {
	if id == "" {
		id = models.DefaultSiteID
	}
	site, err := s.store.Site(c.Request.Context(), id)
	if errors.Is(err, models.ErrNotFound) {
		s.fail(c, http.StatusNotFound, "unknown_site", "There is no such site.")
		return site, false
	} else if err != nil {
		s.serverError(c, err)
		return site, false
	}
	return site, true
}

func (s *Server) newPrivacyView(site models.Site) privacyView {
	st := site.Settings.Normalized()
	return privacyView{Site: site, RetentionDays: int(st.IPRetention() / (24 * time.Hour)),
		EditMinutes: int(st.EditWindow() / time.Minute), Gravatar: st.Gravatar, MailOn: s.mail != nil}
}

// privacyPage is GET /privacy?site=S.
func (s *Server) privacyPage(c *gin.Context) {
	site, ok := s.privacySite(c, c.Query("site"))
	if !ok {
		return
	}
	s.render(c, http.StatusOK, "privacy", pageData{Title: s.tr(c).T("privacy.title"), Data: s.newPrivacyView(site)})
}

// privacyRequest is POST /privacy: email a link to the address's comments.
// The answer is the same whether or not the address wrote any, so the
// page tells nobody who comments here.
func (s *Server) privacyRequest(c *gin.Context) {
	site, ok := s.privacySite(c, c.PostForm("site"))
	if !ok {
		return
	}
	view := s.newPrivacyView(site)
	view.Email = strings.TrimSpace(c.PostForm("email"))
	status := http.StatusOK
	a, err := mail.ParseAddress(view.Email)
	switch {
	case !view.MailOn:
		view.Problem = "privacy.no_mail"
		status = http.StatusServiceUnavailable
	case len(view.Email) > maxEmailLen || err != nil || a.Address != view.Email:
		view.Problem = "privacy.bad_email"
		status = http.StatusUnprocessableEntity
	default:
		if ok, wait := s.privacyAllowed(c.ClientIP(), view.Email); !ok {
			retryAfter(c, wait)
			view.Problem, view.WaitMinutes = "privacy.too_many", int(wait.Minutes())+1
			status = http.StatusTooManyRequests
			break
		}
		lang := s.i18n.Negotiate(models.LanguageAuto, c.GetHeader("Accept-Language"))
		if err := s.sendPrivacyLink(c.Request.Context(), site, view.Email, lang); err != nil {
			s.serverError(c, err)
			return
		}
		view.Sent, view.Email = view.Email, ""
	}
	s.render(c, status, "privacy", pageData{Title: s.tr(c).T("privacy.title"), Data: view})
}

// privacyAllowed counts a request against both the sender's IP address
// and the email address asked about.
func (s *Server) privacyAllowed(ip, email string) (bool, time.Duration) {
	now := s.now()
	if ok, wait := s.privacyLimiter.allow("privacy-ip:"+ipKey(ip), now); !ok {
		return false, wait
	}
	return s.privacyLimiter.allow("privacy-email:"+strings.ToLower(email), now)
}

// sendPrivacyLink queues the email with the signed link, only when the
// address wrote comments; nobody else is mailed by strangers' requests.
// It is written in the site's fixed language or else in lang, the asker's.
func (s *Server) sendPrivacyLink(ctx context.Context, site models.Site, email, lang string) error {
	items, err := s.store.CommentsByEmail(ctx, email)
	if err != nil || len(items) == 0 {
		return err
	}
	expires := s.now().Add(privacyLinkLifetime)
	link := s.cfg.BaseURL + "/privacy/comments/" + s.signer.sign(privacyPurpose,
		encodeEmail(email)+"."+strconv.FormatInt(expires.Unix(), 10))
	tr := s.readerMailLanguage(site, lang)
	siteName := clip(site.Name, 100)
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", tr.T("email.privacy.asked", "site", siteName))
	fmt.Fprintf(&b, "%s\n%s\n\n", tr.T("email.privacy.see"), link)
	fmt.Fprintf(&b, "%s\n", tr.T("email.privacy.until", "time", tr.LongTime(expires)))
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), notifyEnqueueMax)
	defer cancel()
	return s.store.EnqueueMail(ctx, s.mail.NewOutboxMessage(email, tr.T("email.privacy.subject", "site", siteName), b.String()))
}

// privacyCommentsView is the data of views/privacy_comments.html.
type privacyCommentsView struct {
	Outcome  string // list, erased, expired, invalid
	Email    string
	Token    string
	Comments []store.QueueItem
	Erased   int
	Expires  time.Time
}

// privacyEmail checks a link's token and returns its address; the view's
// outcome says what is wrong otherwise.
func (s *Server) privacyEmail(c *gin.Context) (string, privacyCommentsView, bool) {
	token := c.Param("token")
	view := privacyCommentsView{Outcome: "invalid", Token: token}
	v, ok := s.signer.verify(privacyPurpose, token)
	if !ok {
		return "", view, false
	}
	enc, exp, ok := strings.Cut(v, ".")
	sec, err := strconv.ParseInt(exp, 10, 64)
	email, valid := decodeEmail(enc)
	if !ok || err != nil || !valid {
		return "", view, false
	}
	view.Expires, view.Email = time.Unix(sec, 0).UTC(), email
	if s.now().After(view.Expires) {
		view.Outcome = "expired"
		return "", view, false
	}
	view.Outcome = "list"
	return email, view, true
}

func (s *Server) renderPrivacyComments(c *gin.Context, view privacyCommentsView) {
	status, title := http.StatusOK, "privacy.list.title"
	switch view.Outcome {
	case "invalid":
		status, title = http.StatusNotFound, "subscription.title.invalid"
	case "expired":
		status, title = http.StatusGone, "subscription.title.expired"
	case "erased":
		title = "privacy.list.erased_title"
	}
	s.renderPrivate(c, status, "privacy_comments", pageData{Title: s.tr(c).T(title), Data: view})
}

// privacyComments is GET /privacy/comments/:token.
func (s *Server) privacyComments(c *gin.Context) {
	email, view, ok := s.privacyEmail(c)
	if ok {
		items, err := s.store.CommentsByEmail(c.Request.Context(), email)
		if err != nil {
			s.serverError(c, err)
			return
		}
		if len(items) > privacyListMax {
			items = items[:privacyListMax]
		}
		view.Comments = items
	}
	s.renderPrivacyComments(c, view)
}

// exportedComment is one comment in a reader's download: everything
// Parley keeps about it.
type exportedComment struct {
	ID        uint       `json:"id"`
	Site      string     `json:"site"`
	Page      string     `json:"page"`
	Title     string     `json:"title,omitempty"`
	ParentID  *uint      `json:"parent_id,omitempty"`
	Author    string     `json:"author"`
	Email     string     `json:"email"`
	Website   string     `json:"website,omitempty"`
	Body      string     `json:"body"`
	Status    string     `json:"status"`
	Notify    bool       `json:"notify_replies"`
	IP        string     `json:"ip,omitempty"`
	UserAgent string     `json:"user_agent,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	EditedAt  *time.Time `json:"edited_at,omitempty"`
}

// privacyExport is GET /privacy/comments/:token/export.json.
func (s *Server) privacyExport(c *gin.Context) {
	email, view, ok := s.privacyEmail(c)
	if !ok {
		s.renderPrivacyComments(c, view)
		return
	}
	items, err := s.store.CommentsByEmail(c.Request.Context(), email)
	if err != nil {
		s.serverError(c, err)
		return
	}
	out := make([]exportedComment, 0, len(items))
	for _, it := range items {
		out = append(out, exportedComment{ID: it.ID, Site: it.SiteID, Page: it.Page, Title: it.ThreadTitle, ParentID: it.ParentID,
			Author: it.Author, Email: it.Email, Website: it.Website, Body: it.Body, Status: string(it.Status),
			Notify: it.NotifyReplies, IP: it.IP, UserAgent: it.UserAgent, CreatedAt: it.CreatedAt.UTC(), EditedAt: it.EditedAt})
	}
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Disposition", `attachment; filename="parley-comments.json"`)
	c.JSON(http.StatusOK, gin.H{"email": email, "exported_at": s.now().UTC(), "comments": out})
}

// privacyDelete is POST /privacy/comments/:token/delete: erase them all.
func (s *Server) privacyDelete(c *gin.Context) {
	email, view, ok := s.privacyEmail(c)
	if ok {
		n, err := s.store.EraseCommentsByEmail(c.Request.Context(), email, store.Actor{Name: "reader (privacy request)"})
		if err != nil {
			s.serverError(c, err)
			return
		}
		view.Outcome, view.Erased = "erased", n
	}
	s.renderPrivacyComments(c, view)
}
