package handlers

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"parley/models"
	"parley/models/moderation"
	"parley/models/store"
)

// editDenied says why a reader may not change a comment; it answers 403.
type editDenied struct{ msg, code string }

func (e *editDenied) Error() string { return e.msg }

var (
	errBadEditToken = &editDenied{"This comment cannot be changed with this edit token.", "bad_edit_token"}
	errWindowClosed = &editDenied{"The time for changing this comment has passed.", "edit_window_closed"}
	errNotEditable  = &editDenied{"This comment can no longer be changed by its author.", "not_editable"}
)

// editTarget is a comment its author may change, with what judging and
// storing an edit need.
type editTarget struct {
	Comment models.Comment
	Thread  models.Thread
	Site    models.Site
	Until   time.Time // the end of the edit window
}

// editTargetByID loads comment id and the site's edit window, without any
// credential check; a missing comment is models.ErrNotFound.
func (s *Server) editTargetByID(ctx context.Context, id uint) (editTarget, error) {
	var t editTarget
	var err error
	if t.Comment, err = s.store.Comment(ctx, id); err != nil {
		return t, err
	}
	if t.Thread, err = s.store.ThreadByID(ctx, t.Comment.ThreadID); err != nil {
		return t, err
	}
	if t.Site, err = s.store.Site(ctx, t.Thread.SiteID); err != nil {
		return t, err
	}
	t.Until = t.Comment.CreatedAt.Add(t.Site.Settings.EditWindow())
	return t, nil
}

// ownComment returns comment id when token is its edit token, the site's
// edit window is still open and the comment is still the author's to
// change. The token is compared in constant time, by its hash.
func (s *Server) ownComment(ctx context.Context, id uint, token string) (editTarget, error) {
	t, err := s.editTargetByID(ctx, id)
	if err != nil {
		return t, err
	}
	want := t.Comment.EditTokenHash
	if token == "" || want == "" || subtle.ConstantTimeCompare([]byte(hashToken(token)), []byte(want)) != 1 {
		return t, errBadEditToken
	}
	return t, s.checkEditable(t)
}

// checkEditable checks the window and the comment's status.
func (s *Server) checkEditable(t editTarget) error {
	if t.Site.Settings.EditWindow() <= 0 || !s.now().Before(t.Until) {
		return errWindowClosed
	}
	if !authorOwns(t.Comment) {
		return errNotEditable
	}
	return nil
}

// authorOwns reports whether a comment is still its author's to change:
// pending, approved or flagged (a flagged one stays flagged), or held for a
// shadow ban the author must not notice. Spam and removed comments are the
// moderators'.
func authorOwns(c models.Comment) bool {
	switch c.Status {
	case models.StatusApproved, models.StatusPending, models.StatusFlagged:
		return true
	case models.StatusSpam:
		return hasReason(c.Reasons, moderation.CodeShadowBan)
	}
	return false
}

// validateEditBody checks a new comment text with the same limits as a
// new comment.
func validateEditBody(body string) error {
	v := &models.ValidationError{}
	switch {
	case !utf8.ValidString(body):
		v.Add("body", "This contains characters that are not valid text.")
	case strings.TrimSpace(body) == "":
		v.Add("body", "Please write a comment.")
	case len(body) > maxBodyBytes64 || utf8.RuneCountInString(body) > maxBodyRunes:
		v.Add("body", fmt.Sprintf("A comment can have at most %d characters.", maxBodyRunes))
	}
	return v.Err()
}

// readerEdit puts an author's new text through the moderation rules again
// and stores it. An edit that a rule holds leaves public view until a
// moderator approves it. shadow reports a shadow-banned author, who is
// answered as if the comment were public.
func (s *Server) readerEdit(ctx context.Context, t editTarget, body, ip, userAgent string) (c models.Comment, shadow bool, err error) {
	if err := validateEditBody(body); err != nil {
		return t.Comment, false, err
	}
	if body == t.Comment.Body {
		return t.Comment, hasReason(t.Comment.Reasons, moderation.CodeShadowBan), nil
	}
	html, err := s.markup.Comment(body)
	if err != nil {
		return t.Comment, false, err
	}
	if _, err := s.closeIfDue(ctx, t.Site, &t.Thread); err != nil {
		return t.Comment, false, err
	}
	in := newComment{SiteID: t.Site.ID, Page: t.Thread.Page, ParentID: t.Comment.ParentID,
		Author: t.Comment.Author, Email: t.Comment.Email, Website: t.Comment.Website, Body: body,
		IP: ip, UserAgent: userAgent, CommenterKey: t.Comment.CommenterKey}
	verdict, err := s.judge(ctx, t.Site, t.Thread, in, html)
	if err != nil {
		return t.Comment, false, err
	}
	if verdict.Refusal != nil {
		return t.Comment, false, verdict.Refusal
	}
	edited, err := s.store.EditComment(ctx, t.Comment.ID, store.CommentEdit{
		Body: body, HTML: html, Status: verdict.Status, Reasons: verdict.Reasons, Editable: authorOwns,
		Actor: store.Actor{Name: readerActor(t.Comment.Author)}, At: s.now(),
	})
	if err != nil {
		return t.Comment, false, err
	}
	if t.Comment.Status != models.StatusPending {
		s.notifyHeld(ctx, t.Site, t.Thread, edited)
	}
	return edited, verdict.Shadow, nil
}

// readerDelete removes an author's own comment.
func (s *Server) readerDelete(ctx context.Context, t editTarget) error {
	return s.store.DeleteOwnComment(ctx, t.Comment.ID, store.Actor{Name: readerActor(t.Comment.Author)}, authorOwns)
}

func readerActor(author string) string { return truncate("reader "+author, 200) }

// editRequest is the JSON body of PATCH /api/v1/comments/:id.
type editRequest struct {
	Body string `json:"body"`
}

// editResponse answers an edit like a create: the comment and whether it
// is public ("approved") or waits for a moderator ("pending").
type editResponse struct {
	Comment commentDTO `json:"comment"`
	Status  string     `json:"status"`
}

// publicStatus is the status a reader is told: spam answers like a held
// comment, and a shadow-banned author is told it is public.
func publicStatus(c models.Comment, shadow bool) string {
	if c.Status == models.StatusApproved || shadow {
		return string(models.StatusApproved)
	}
	return string(models.StatusPending)
}

// apiOwnComment reads the id and X-Edit-Token and checks them; on false it
// has answered.
func (s *Server) apiOwnComment(c *gin.Context) (editTarget, bool) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil {
		s.fail(c, http.StatusNotFound, "not_found", "There is no such comment.")
		return editTarget{}, false
	}
	t, err := s.ownComment(c.Request.Context(), uint(id), strings.TrimSpace(c.GetHeader("X-Edit-Token")))
	if err != nil {
		s.apiEditError(c, err)
		return t, false
	}
	return t, true
}

// apiEditComment is PATCH /api/v1/comments/:id.
func (s *Server) apiEditComment(c *gin.Context) {
	t, ok := s.apiOwnComment(c)
	if !ok {
		return
	}
	var req editRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	edited, shadow, err := s.readerEdit(c.Request.Context(), t, req.Body, c.ClientIP(), c.Request.UserAgent())
	if err != nil {
		s.apiEditError(c, err)
		return
	}
	dto := commentToDTO(edited)
	dto.Avatar = siteAvatar(t.Site.Settings, edited.Email, edited.Author)
	c.JSON(http.StatusOK, editResponse{Comment: dto, Status: publicStatus(edited, shadow)})
}

// sourceResponse is the text an author edits and when they no longer can.
type sourceResponse struct {
	Body          string    `json:"body"`
	EditableUntil time.Time `json:"editable_until"`
}

// apiCommentSource is GET /api/v1/comments/:id/source: the markdown of
// one's own comment, for an edit box, with the same token check.
func (s *Server) apiCommentSource(c *gin.Context) {
	t, ok := s.apiOwnComment(c)
	if !ok {
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, sourceResponse{Body: t.Comment.Body, EditableUntil: t.Until.UTC()})
}

// apiDeleteComment is DELETE /api/v1/comments/:id.
func (s *Server) apiDeleteComment(c *gin.Context) {
	t, ok := s.apiOwnComment(c)
	if !ok {
		return
	}
	if err := s.readerDelete(c.Request.Context(), t); err != nil {
		s.apiEditError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) apiEditError(c *gin.Context, err error) {
	var denied *editDenied
	switch {
	case errors.As(err, &denied):
		s.fail(c, http.StatusForbidden, denied.code, denied.msg)
	case isNotFound(err):
		// The comment left the author's hands (a moderator removed it)
		// between the check and the change, or never existed.
		s.fail(c, http.StatusNotFound, "not_found", "There is no such comment.")
	default:
		s.apiCreateError(c, err)
	}
}
