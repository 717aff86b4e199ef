package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"parley/models"
	"parley/models/store"
)

const maxFlagNote = 500

type flagRequest struct {
	Reason       string `json:"reason"`
	Note         string `json:"note"`
	CommenterKey string `json:"commenter_key"`
}

// flagComment records a reader's flag; at the site's threshold of distinct
// readers the comment goes to the flagged queue.
func (s *Server) flagComment(ctx context.Context, id uint, req flagRequest, reader string) (store.FlagResult, error) {
	if !models.ValidFlagReason(req.Reason) {
		return store.FlagResult{}, &models.ValidationError{Fields: map[string]string{"reason": "Choose spam, abuse, off-topic or other."}}
	}
	note := strings.TrimSpace(req.Note)
	if utf8.RuneCountInString(note) > maxFlagNote || !utf8.ValidString(note) {
		return store.FlagResult{}, &models.ValidationError{Fields: map[string]string{"note": fmt.Sprintf("A note can have at most %d characters.", maxFlagNote)}}
	}
	c, err := s.store.Comment(ctx, id)
	if err != nil {
		return store.FlagResult{}, err
	}
	thread, err := s.store.ThreadByID(ctx, c.ThreadID)
	if err != nil {
		return store.FlagResult{}, err
	}
	site, err := s.currentSite(ctx, thread.SiteID)
	if err != nil {
		return store.FlagResult{}, err
	}
	return s.store.AddFlag(ctx, &models.Flag{CommentID: id, Reader: reader, Reason: req.Reason, Note: note},
		site.Settings.Rules.FlagThreshold)
}

// apiFlag is POST /api/v1/comments/:id/flag → 202.
func (s *Server) apiFlag(c *gin.Context) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil {
		s.fail(c, http.StatusNotFound, "not_found", "There is no such comment.")
		return
	}
	var req flagRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	reader := s.readerID(s.commenterKey(c, req.CommenterKey), c.ClientIP())
	res, err := s.flagComment(c.Request.Context(), uint(id), req, reader)
	var verr *models.ValidationError
	switch {
	case errors.As(err, &verr):
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, errorBody{Error: verr.Error(), Code: "invalid", Field: verr.Fields})
	case isNotFound(err):
		s.fail(c, http.StatusNotFound, "not_found", "There is no such comment.")
	case err != nil:
		s.serverError(c, err)
	default:
		c.JSON(http.StatusAccepted, gin.H{"status": "received", "flags": res.Flags})
	}
}

// flagForm is the no-JavaScript flag button under each comment.
func (s *Server) flagForm(c *gin.Context) {
	post, ok := s.publishedPost(c)
	if !ok {
		return
	}
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	req := flagRequest{Reason: c.PostForm("reason"), Note: c.PostForm("note")}
	_, err = s.flagComment(c.Request.Context(), uint(id), req, s.readerID(s.commenterKey(c, ""), c.ClientIP()))
	var verr *models.ValidationError
	switch {
	case errors.As(err, &verr):
		s.fail(c, http.StatusUnprocessableEntity, "invalid", verr.Error())
	case isNotFound(err):
		s.notFound(c)
	case err != nil:
		s.serverError(c, err)
	default:
		c.Redirect(http.StatusSeeOther, fmt.Sprintf("%s?flagged=%d#comment-%d", post.PagePath(), id, id))
	}
}
