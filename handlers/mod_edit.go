package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"parley/models"
	"parley/models/store"
)

// modEditView is the data of views/admin_comment_edit.html.
type modEditView struct {
	Comment models.Comment
	Thread  models.Thread
	Body    string
	Note    string
	Return  string
	Errors  map[string]string
}

// modComment loads the comment named in the URL; on false it has answered.
func (s *Server) modComment(c *gin.Context) (models.Comment, bool) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return models.Comment{}, false
	}
	cm, err := s.store.Comment(c.Request.Context(), uint(id))
	if isNotFound(err) {
		s.notFound(c)
		return cm, false
	} else if err != nil {
		s.serverError(c, err)
		return cm, false
	}
	return cm, true
}

// modReturn is where a moderator goes back to: the queue tab of the
// comment's status, at the comment, unless the form names a page.
func modReturn(raw string, cm models.Comment) string {
	if back := safeNext(raw); back != "" {
		return back
	}
	return fmt.Sprintf("/admin/queue?status=%s#q-%d", url.QueryEscape(string(cm.Status)), cm.ID)
}

// modEditPage is GET /admin/comments/:id/edit: any comment's text, with a
// note for the audit log.
func (s *Server) modEditPage(c *gin.Context) {
	cm, ok := s.modComment(c)
	if !ok {
		return
	}
	s.renderModEdit(c, http.StatusOK, cm, cm.Body, "", c.Query("return"), nil)
}

func (s *Server) renderModEdit(c *gin.Context, status int, cm models.Comment, body, note, ret string, errs map[string]string) {
	th, err := s.store.ThreadByID(c.Request.Context(), cm.ThreadID)
	if err != nil {
		s.serverError(c, err)
		return
	}
	view := modEditView{Comment: cm, Thread: th, Body: body, Note: note, Return: modReturn(ret, cm), Errors: errs}
	s.render(c, status, "admin_comment_edit", pageData{Title: s.tr(c).T("modedit.title", "id", cm.ID), Data: view})
}

// modEdit is POST /admin/comments/:id/edit: a moderator's edit keeps the
// comment's status and is in the audit log with the note.
func (s *Server) modEdit(c *gin.Context) {
	cm, ok := s.modComment(c)
	if !ok {
		return
	}
	body, note, ret := c.PostForm("body"), strings.TrimSpace(c.PostForm("note")), c.PostForm("return")
	errs := map[string]string{}
	if err := validateEditBody(body); err != nil {
		errs = err.(*models.ValidationError).Fields
	}
	if utf8.RuneCountInString(note) > maxNoteRunes {
		errs["note"] = fmt.Sprintf("The note can have at most %d characters.", maxNoteRunes)
	}
	if len(errs) > 0 {
		s.renderModEdit(c, http.StatusUnprocessableEntity, cm, body, note, ret, errs)
		return
	}
	if body != cm.Body {
		html, err := s.markup.Comment(body)
		if err != nil {
			s.serverError(c, err)
			return
		}
		_, err = s.store.EditComment(c.Request.Context(), cm.ID, store.CommentEdit{Body: body, HTML: html,
			Actor: actorOf(c), Note: note, At: s.now()})
		if err != nil {
			s.serverError(c, err)
			return
		}
	}
	c.Redirect(http.StatusSeeOther, modReturn(ret, cm))
}

// pinAction is POST /admin/comments/:id/pin and /unpin.
func (s *Server) pinAction(c *gin.Context) {
	cm, ok := s.modComment(c)
	if !ok {
		return
	}
	if err := s.store.SetPinned(c.Request.Context(), cm.ID, c.Param("action") == "pin", actorOf(c)); err != nil {
		s.serverError(c, err)
		return
	}
	s.backToQueue(c)
}
