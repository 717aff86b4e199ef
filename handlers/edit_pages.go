package handlers

import (
	"bytes"
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

// Pages to edit or delete one's own comment without JavaScript. The edit
// token itself never travels in a URL (where it would reach history and
// proxy logs): on Parley's own blog the form post leaves it in a cookie
// scoped to the post's path for the edit window; in the embed (a
// third-party frame, where cookies are unreliable) the redirect after
// posting carries a signed grant for that one comment that expires with
// the window. Scripts use the token itself with the JSON API.

// editCookiePrefix names the blog's per-comment edit cookies.
const editCookiePrefix = "parley_edit_"

// ownEdit is a link to change one of the reader's recent comments, shown
// with the comment form (the per-reader part of the page).
type ownEdit struct {
	ID      uint
	Href    string
	Minutes int // whole minutes left, at least 1
}

// editPageView is the data of views/comment_edit.html, on the blog and in
// the embed.
type editPageView struct {
	ID           uint
	Body         string
	Action       string
	DeleteAction string
	Back         string // the thread, anchored at the comment
	Grant        string // the embed's signed grant, posted back
	Minutes      int
	Errors       map[string]string
	Problem      string
	Theme        embedTheme // the embed's theme
	Title        string
}

func minutesLeft(until, now time.Time) int {
	return max(1, int(until.Sub(now).Minutes()+0.999))
}

// setEditCookie keeps a new comment's edit token for the blog's no-script
// edit page, for as long as the site's edit window. Scripts may read it
// (static/edit.js moves it into storage); it goes to no other path.
func (s *Server) setEditCookie(c *gin.Context, path string, created createdComment) {
	window := created.Site.Settings.EditWindow()
	if window <= 0 || created.EditToken == "" {
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name: editCookiePrefix + strconv.FormatUint(uint64(created.Comment.ID), 10), Value: created.EditToken,
		Path: path, MaxAge: int(window / time.Second), Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearEditCookie(c *gin.Context, path string, id uint) {
	http.SetCookie(c.Writer, &http.Cookie{Name: editCookiePrefix + strconv.FormatUint(uint64(id), 10), Value: "",
		Path: path, MaxAge: -1, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
}

// blogOwnEdits lists the reader's comments of this thread that its edit
// cookies still open, for the notice above the form.
func (s *Server) blogOwnEdits(c *gin.Context, threadID uint, site models.Site, path string) []ownEdit {
	var out []ownEdit
	now := s.now()
	for _, ck := range c.Request.Cookies() {
		raw, ok := strings.CutPrefix(ck.Name, editCookiePrefix)
		if !ok {
			continue
		}
		id, err := strconv.ParseUint(raw, 10, 64)
		if err != nil {
			continue
		}
		// By id, not from the page on show: the page may come from the
		// cache, and the comment may be on another page or still held.
		cm, err := s.store.Comment(c.Request.Context(), uint(id))
		if err != nil || cm.ThreadID != threadID {
			continue
		}
		until := cm.CreatedAt.Add(site.Settings.EditWindow())
		if site.Settings.EditWindow() > 0 && now.Before(until) && cm.Status != models.StatusRemoved {
			out = append(out, ownEdit{ID: cm.ID, Href: fmt.Sprintf("%s/comments/%d/edit", path, cm.ID), Minutes: minutesLeft(until, now)})
		}
	}
	return out
}

// blogEditTarget checks the blog's edit cookie for the comment in the URL
// and that the comment belongs to the post; on false it has answered.
func (s *Server) blogEditTarget(c *gin.Context, post store.PostWithThread) (editTarget, bool) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return editTarget{}, false
	}
	token := ""
	if ck, err := c.Request.Cookie(editCookiePrefix + strconv.FormatUint(id, 10)); err == nil {
		token = ck.Value
	}
	t, err := s.ownComment(c.Request.Context(), uint(id), token)
	if err == nil && t.Thread.ID != post.ThreadID {
		err = models.ErrNotFound
	}
	if err != nil {
		s.editPageError(c, err)
		return t, false
	}
	return t, true
}

func (s *Server) editPageError(c *gin.Context, err error) {
	var denied *editDenied
	switch {
	case errors.As(err, &denied):
		msg := denied.msg
		if denied == errBadEditToken {
			msg = "This comment can only be changed from the browser that posted it, within the edit window."
		}
		s.fail(c, http.StatusForbidden, denied.code, msg)
	case isNotFound(err):
		s.notFound(c)
	default:
		s.serverError(c, err)
	}
}

// blogEditPage is GET /posts/:slug/comments/:id/edit.
func (s *Server) blogEditPage(c *gin.Context) {
	post, ok := s.publishedPost(c)
	if !ok {
		return
	}
	t, ok := s.blogEditTarget(c, post)
	if !ok {
		return
	}
	s.renderBlogEdit(c, http.StatusOK, post, t, t.Comment.Body, nil, "")
}

func (s *Server) renderBlogEdit(c *gin.Context, status int, post store.PostWithThread, t editTarget, body string, errs map[string]string, problem string) {
	base := fmt.Sprintf("%s/comments/%d", post.PagePath(), t.Comment.ID)
	view := editPageView{ID: t.Comment.ID, Body: body, Action: base + "/edit", DeleteAction: base + "/delete",
		Back: fmt.Sprintf("%s#comment-%d", post.PagePath(), t.Comment.ID), Minutes: minutesLeft(t.Until, s.now()),
		Errors: errs, Problem: problem, Title: post.Title}
	s.render(c, status, "comment_edit", pageData{Title: s.tr(c).T("cedit.title"), Data: view})
}

// blogEdit is POST /posts/:slug/comments/:id/edit.
func (s *Server) blogEdit(c *gin.Context) {
	post, ok := s.publishedPost(c)
	if !ok || !s.sameOriginForm(c) {
		return
	}
	t, ok := s.blogEditTarget(c, post)
	if !ok {
		return
	}
	body := c.PostForm("body")
	edited, shadow, err := s.readerEdit(c.Request.Context(), t, body, c.ClientIP(), c.Request.UserAgent())
	if err != nil {
		if status, errs, problem, ok := s.editFormProblem(c, err); ok {
			s.renderBlogEdit(c, status, post, t, body, errs, problem)
		}
		return
	}
	if publicStatus(edited, shadow) == string(models.StatusApproved) {
		c.Redirect(http.StatusSeeOther, fmt.Sprintf("%s#comment-%d", post.PagePath(), edited.ID))
		return
	}
	token := s.signer.sign("pending", strconv.FormatUint(uint64(edited.ID), 10))
	c.Redirect(http.StatusSeeOther, post.PagePath()+"?pending="+token+"#pending")
}

// blogDelete is POST /posts/:slug/comments/:id/delete.
func (s *Server) blogDelete(c *gin.Context) {
	post, ok := s.publishedPost(c)
	if !ok || !s.sameOriginForm(c) {
		return
	}
	t, ok := s.blogEditTarget(c, post)
	if !ok {
		return
	}
	if err := s.readerDelete(c.Request.Context(), t); err != nil {
		s.editPageError(c, err)
		return
	}
	s.clearEditCookie(c, post.PagePath(), t.Comment.ID)
	c.Redirect(http.StatusSeeOther, post.PagePath()+"?deleted=1#comments")
}

// sameOriginForm refuses a form posted from another origin; on false it
// has answered.
func (s *Server) sameOriginForm(c *gin.Context) bool {
	if err := http.NewCrossOriginProtection().Check(c.Request); err != nil {
		s.fail(c, http.StatusForbidden, "cross_origin", "Comments can only be changed from Parley's own form.")
		return false
	}
	return true
}

// editFormProblem turns an edit's error into what the edit page shows;
// false when it was a server error, already answered.
func (s *Server) editFormProblem(c *gin.Context, err error) (int, map[string]string, string, bool) {
	var verr *models.ValidationError
	var denied *editDenied
	switch {
	case errors.As(err, &verr):
		return http.StatusUnprocessableEntity, verr.Fields, "", true
	case errors.As(err, &denied):
		return http.StatusForbidden, nil, denied.msg, true
	case isNotFound(err):
		return http.StatusNotFound, nil, "This comment can no longer be changed by its author.", true
	}
	form := commentForm{}
	status, ok := s.formProblem(c, &form, err)
	return status, form.Errors, form.Problem, ok
}

// editGrant signs the right to change comment id until the window ends,
// for the embed's no-script pages.
func (s *Server) editGrant(id uint, until time.Time) string {
	return s.signer.sign("edit", fmt.Sprintf("%d.%d", id, until.Unix()))
}

// checkGrant reports whether grant opens comment id now.
func (s *Server) checkGrant(id uint, grant string) bool {
	v, ok := s.signer.verify("edit", grant)
	if !ok {
		return false
	}
	idPart, untilPart, ok := strings.Cut(v, ".")
	until, err := strconv.ParseInt(untilPart, 10, 64)
	return ok && err == nil && idPart == strconv.FormatUint(uint64(id), 10) && s.now().Unix() < until
}

// renderEditPage writes the edit page in the embed's frame.
func (s *Server) renderEmbedEdit(c *gin.Context, status int, ec embedContext, view editPageView) {
	var buf bytes.Buffer
	if err := s.views.executePartialIn(&buf, s.tr(c).Lang(), "comment_edit", "embed-edit-page", view); err != nil {
		s.serverError(c, err)
		return
	}
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", withFrameAncestors(h.Get("Content-Security-Policy"), ec.frameAncestors()))
	h.Del("X-Frame-Options")
	h.Set("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}
