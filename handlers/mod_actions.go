package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"parley/models"
	"parley/models/store"
)

// Emailed moderation links: GET /mod/actions/:token shows the comment and
// one button; only the button's POST acts. The signed token is the
// authority (no session needed), and it works once and until it expires.
const (
	modActionPurpose = "mod-action"
	modLinkLifetime  = 7 * 24 * time.Hour
	modActionsPath   = "/mod/actions/"
)

// modAction is what an emailed link stands for: one action on one comment
// by one moderator, until Expires.
type modAction struct {
	CommentID   uint
	Action      string
	ModeratorID uint
	Expires     time.Time
}

// emailActionStatus maps the actions an email offers to the status each
// sets; nothing else can be signed into a link.
func emailActionStatus(action string) (models.Status, bool) {
	switch action {
	case "approve":
		return models.StatusApproved, true
	case "remove":
		return models.StatusRemoved, true
	case "spam":
		return models.StatusSpam, true
	}
	return "", false
}

func (a modAction) value() string {
	return fmt.Sprintf("%d.%s.%d.%d", a.CommentID, a.Action, a.ModeratorID, a.Expires.Unix())
}

// modActionLink returns the absolute URL of a signed link.
func (s *Server) modActionLink(a modAction) string {
	return s.cfg.BaseURL + modActionsPath + s.signer.sign(modActionPurpose, a.value())
}

// parseModAction checks a token's signature and reads it; the hash names
// the token in the used-token table. Expiry is the caller's to check.
func (s *Server) parseModAction(token string) (modAction, string, bool) {
	var a modAction
	value, ok := s.signer.verify(modActionPurpose, token)
	if !ok {
		return a, "", false
	}
	parts := strings.Split(value, ".")
	if len(parts) != 4 {
		return a, "", false
	}
	cid, err1 := strconv.ParseUint(parts[0], 10, 64)
	mid, err2 := strconv.ParseUint(parts[2], 10, 64)
	exp, err3 := strconv.ParseInt(parts[3], 10, 64)
	if _, known := emailActionStatus(parts[1]); err1 != nil || err2 != nil || err3 != nil || !known {
		return a, "", false
	}
	a = modAction{CommentID: uint(cid), Action: parts[1], ModeratorID: uint(mid), Expires: time.Unix(exp, 0).UTC()}
	return a, hashToken(value), true
}

// modActionView is the data of views/mod_action.html.
type modActionView struct {
	Outcome   string // confirm, done, unchanged, used, expired, invalid, disabled, gone
	Action    string
	Kind      string // approve, remove or spam: the action as the page words it
	Verb      string // "Approve", in the reader's language
	Done      string // "approved"
	Token     string
	Moderator string
	Item      store.QueueItem
	Expires   time.Time
}

// modActionStatus is the HTTP status of each outcome.
func modActionStatus(outcome string) int {
	switch outcome {
	case "invalid", "gone":
		return http.StatusNotFound
	case "expired":
		return http.StatusGone
	case "used":
		return http.StatusConflict
	case "disabled":
		return http.StatusForbidden
	}
	return http.StatusOK
}

// loadModAction checks a link and loads what its page shows. The view's
// outcome is "confirm" when the link may be used, else what is wrong.
func (s *Server) loadModAction(ctx context.Context, token string) (modActionView, modAction, string, error) {
	view := modActionView{Token: token}
	a, hash, ok := s.parseModAction(token)
	if !ok {
		view.Outcome = "invalid"
		return view, a, "", nil
	}
	view.Action, view.Expires = a.Action, a.Expires
	if !s.now().Before(a.Expires) {
		view.Outcome = "expired"
		return view, a, hash, nil
	}
	mod, err := s.store.MailModerator(ctx, a.ModeratorID)
	if isNotFound(err) || err == nil && mod.Disabled {
		view.Outcome = "disabled"
		return view, a, hash, nil
	} else if err != nil {
		return view, a, hash, err
	}
	view.Moderator = mod.Email
	used, err := s.store.TokenUsed(ctx, hash)
	if err != nil {
		return view, a, hash, err
	}
	item, err := s.commentWithThread(ctx, a.CommentID)
	if isNotFound(err) {
		view.Outcome = "gone"
		return view, a, hash, nil
	} else if err != nil {
		return view, a, hash, err
	}
	view.Item = item
	if used {
		view.Outcome = "used"
		return view, a, hash, nil
	}
	view.Outcome = "confirm"
	return view, a, hash, nil
}

func (s *Server) commentWithThread(ctx context.Context, id uint) (store.QueueItem, error) {
	c, err := s.store.Comment(ctx, id)
	if err != nil {
		return store.QueueItem{}, err
	}
	t, err := s.store.ThreadByID(ctx, c.ThreadID)
	if err != nil {
		return store.QueueItem{}, err
	}
	return store.QueueItem{Comment: c, SiteID: t.SiteID, Page: t.Page, ThreadTitle: t.Title}, nil
}

// modActionPage answers GET: it shows the comment and the button, and
// changes nothing, so mail scanners that fetch links do no harm.
func (s *Server) modActionPage(c *gin.Context) {
	view, _, _, err := s.loadModAction(c.Request.Context(), c.Param("token"))
	if err != nil {
		s.serverError(c, err)
		return
	}
	s.renderModAction(c, view)
}

// modActionConfirm answers the button's POST: it uses the link up and sets
// the status through the same store path as the queue, with an audit
// entry naming the moderator.
func (s *Server) modActionConfirm(c *gin.Context) {
	// The link is the authority, but the form is only ever posted from its
	// own page: refuse cross-origin posts as /admin does.
	if err := http.NewCrossOriginProtection().Check(c.Request); err != nil {
		s.fail(c, http.StatusForbidden, "cross_origin", "Cross-origin request refused.")
		return
	}
	ctx := c.Request.Context()
	view, a, hash, err := s.loadModAction(ctx, c.Param("token"))
	if err != nil {
		s.serverError(c, err)
		return
	}
	if view.Outcome != "confirm" {
		s.renderModAction(c, view)
		return
	}
	status, _ := emailActionStatus(a.Action)
	err = s.store.UseToken(ctx, &models.UsedToken{Hash: hash, ModeratorID: a.ModeratorID, CommentID: a.CommentID,
		Action: a.Action, UsedAt: s.now().UTC(), ExpiresAt: a.Expires})
	if errors.Is(err, models.ErrConflict) {
		view.Outcome = "used"
		s.renderModAction(c, view)
		return
	} else if err != nil {
		s.serverError(c, err)
		return
	}
	modID := a.ModeratorID
	changed, err := s.store.SetStatus(ctx, []uint{a.CommentID}, status,
		store.Actor{ModeratorID: &modID, Name: view.Moderator}, "via email link")
	if err != nil {
		// Let the moderator try again: the link did nothing.
		if rerr := s.store.ReleaseToken(context.WithoutCancel(ctx), hash); rerr != nil {
			err = errors.Join(err, rerr)
		}
		s.serverError(c, err)
		return
	}
	view.Outcome = "done"
	if changed == 0 {
		view.Outcome = "unchanged"
	}
	view.Item.Status = status
	s.renderModAction(c, view)
}

// renderModAction renders the link page. The URL holds the token, so the
// page is never stored and never sends it on as a Referer.
func (s *Server) renderModAction(c *gin.Context, view modActionView) {
	tr := s.tr(c)
	view.Kind = view.Action
	if view.Kind != "approve" && view.Kind != "remove" {
		view.Kind = "spam"
	}
	view.Verb, view.Done = tr.T("modact.verb."+view.Kind), tr.T("modact.did."+view.Kind)
	title := tr.T("modact.title."+view.Outcome, "done", view.Done)
	if view.Outcome == "confirm" {
		title = tr.T("modact.ask." + view.Kind)
	}
	var buf strings.Builder
	if err := s.views.executeIn(&buf, tr.Lang(), "mod_action", pageData{Title: title, Data: view}); err != nil {
		s.log.Error("render failed", "view", "mod_action", "err", err)
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("Something went wrong on our side.\n"))
		return
	}
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	c.Data(modActionStatus(view.Outcome), "text/html; charset=utf-8", []byte(buf.String()))
}
