package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"parley/models"
)

// embedOwnEdit is the link, shown with the iframe's form right after
// posting, to the no-script edit page of the comment the grant names.
func (s *Server) embedOwnEdit(ctx context.Context, threadID uint, site models.Site, q url.Values, grant string) []ownEdit {
	raw, _, _ := strings.Cut(grant, ".")
	id, err := strconv.ParseUint(raw, 10, 64)
	if grant == "" || err != nil || threadID == 0 {
		return nil
	}
	// By id: the page on show may come from the cache.
	if cm, err := s.store.Comment(ctx, uint(id)); err == nil && cm.ThreadID == threadID {
		if cm.Status == models.StatusRemoved || !s.checkGrant(cm.ID, grant) {
			return nil
		}
		until := cm.CreatedAt.Add(site.Settings.EditWindow())
		if site.Settings.EditWindow() <= 0 || !s.now().Before(until) {
			return nil
		}
		q := cloneValues(q)
		q.Set("grant", grant)
		return []ownEdit{{ID: cm.ID, Href: fmt.Sprintf("/embed/comments/%d/edit?%s", cm.ID, q.Encode()), Minutes: minutesLeft(until, s.now())}}
	}
	return nil
}

func cloneValues(q url.Values) url.Values {
	out := make(url.Values, len(q))
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// embedEditTarget checks the grant (query or form) for the comment in the
// URL and that the comment is on the embed's page; on false it has
// answered in the frame.
func (s *Server) embedEditTarget(c *gin.Context, ec embedContext) (editTarget, string, bool) {
	problem := func(status int, msg string) (editTarget, string, bool) {
		s.embedProblemPage(c, ec.Theme, &embedProblem{status, msg})
		return editTarget{}, "", false
	}
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil {
		return problem(http.StatusNotFound, "There is no such comment.")
	}
	grant := c.PostForm("grant")
	if grant == "" {
		grant = c.Query("grant")
	}
	if !s.checkGrant(uint(id), grant) {
		return problem(http.StatusForbidden, "This comment can only be changed right after posting it, within the edit window.")
	}
	t, err := s.editTargetByID(c.Request.Context(), uint(id))
	if err == nil && (t.Site.ID != ec.Site.ID || t.Thread.Page != ec.Page) {
		err = models.ErrNotFound
	}
	if err == nil {
		err = s.checkEditable(t)
	}
	var denied *editDenied
	switch {
	case isNotFound(err):
		return problem(http.StatusNotFound, "There is no such comment.")
	case errors.As(err, &denied):
		return problem(http.StatusForbidden, denied.msg)
	case err != nil:
		s.serverError(c, err)
		return t, "", false
	}
	return t, grant, true
}

func (s *Server) embedEditView(ec embedContext, t editTarget, grant, body string) editPageView {
	q := ec.query().Encode()
	back := ec.query()
	return editPageView{ID: t.Comment.ID, Body: body, Grant: grant, Theme: ec.Theme, Title: ec.Title,
		Action:       fmt.Sprintf("/embed/comments/%d/edit?%s", t.Comment.ID, q),
		DeleteAction: fmt.Sprintf("/embed/comments/%d/delete?%s", t.Comment.ID, q),
		Back:         fmt.Sprintf("/embed?%s#comment-%d", back.Encode(), t.Comment.ID),
		Minutes:      minutesLeft(t.Until, s.now())}
}

// embedEditPage is GET /embed/comments/:id/edit.
func (s *Server) embedEditPage(c *gin.Context) {
	ec, ok := s.embedContextFor(c)
	if !ok {
		return
	}
	t, grant, ok := s.embedEditTarget(c, ec)
	if !ok {
		return
	}
	s.renderEmbedEdit(c, http.StatusOK, ec, s.embedEditView(ec, t, grant, t.Comment.Body))
}

// embedEdit is POST /embed/comments/:id/edit.
func (s *Server) embedEdit(c *gin.Context) {
	ec, ok := s.embedFormContext(c, "Comments can only be changed from Parley's own form.")
	if !ok {
		return
	}
	t, grant, ok := s.embedEditTarget(c, ec)
	if !ok {
		return
	}
	body := c.PostForm("body")
	edited, shadow, err := s.readerEdit(c.Request.Context(), t, body, c.ClientIP(), c.Request.UserAgent())
	if err != nil {
		if status, errs, problem, ok := s.editFormProblem(c, err); ok {
			view := s.embedEditView(ec, t, grant, body)
			view.Errors, view.Problem = errs, problem
			s.renderEmbedEdit(c, status, ec, view)
		}
		return
	}
	id := strconv.FormatUint(uint64(edited.ID), 10)
	q, anchor := ec.query(), "comment-"+id
	if publicStatus(edited, shadow) == string(models.StatusApproved) {
		q.Set("mine", s.signer.sign("mine", id))
	} else {
		q.Set("pending", s.signer.sign("pending", id))
		anchor = "pending"
	}
	q.Set("edit", grant)
	c.Redirect(http.StatusSeeOther, "/embed?"+q.Encode()+"#"+anchor)
}

// embedDelete is POST /embed/comments/:id/delete.
func (s *Server) embedDelete(c *gin.Context) {
	ec, ok := s.embedFormContext(c, "Comments can only be changed from Parley's own form.")
	if !ok {
		return
	}
	t, _, ok := s.embedEditTarget(c, ec)
	if !ok {
		return
	}
	if err := s.readerDelete(c.Request.Context(), t); err != nil {
		if isNotFound(err) {
			s.embedProblemPage(c, ec.Theme, &embedProblem{http.StatusNotFound, "There is no such comment."})
			return
		}
		s.serverError(c, err)
		return
	}
	q := ec.query()
	q.Set("deleted", "1")
	c.Redirect(http.StatusSeeOther, "/embed?"+q.Encode()+"#comments-title")
}
