package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"parley/models"
	"parley/models/moderation"
)

// readCommentForm reads the comment form, the same on Parley's own pages
// and in the embed. It returns the comment to create and the form state to
// show again if something is wrong; ok is false when the form itself is
// unusable (a parent id that is not a number), with the problem set.
func (s *Server) readCommentForm(c *gin.Context, siteID, page, explicitKey string) (newComment, commentForm, bool) {
	in := newComment{
		SiteID:       siteID,
		Page:         page,
		Author:       c.PostForm("author"),
		Email:        c.PostForm("email"),
		Website:      c.PostForm("website"),
		Body:         c.PostForm("body"),
		Notify:       c.PostForm("notify") != "",
		FromForm:     true,
		Honeypot:     c.PostForm("url"),
		FormStamp:    c.PostForm("stamp"),
		IP:           c.ClientIP(),
		UserAgent:    c.Request.UserAgent(),
		CommenterKey: s.commenterKey(c, explicitKey),
	}
	in.AcceptLanguage = c.GetHeader("Accept-Language")
	form := commentForm{Author: in.Author, Email: in.Email, Website: in.Website, Body: in.Body, Notify: in.Notify}
	if _, ok := s.signer.formAge(in.FormStamp, s.now()); ok {
		// A form shown again after a mistake keeps its first stamp, so a
		// quick corrected resend is not mistaken for a bot.
		form.Stamp = in.FormStamp
	}
	if p := c.PostForm("parent_id"); p != "" && p != "0" {
		id, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			form.Problem = "The comment you are replying to is not available."
			return in, form, false
		}
		pid := uint(id)
		in.ParentID, form.ParentID = &pid, pid
	}
	return in, form, true
}

// formProblem puts what went wrong with a new comment into the form and
// returns the status to answer with; false when it was a server error,
// already answered.
func (s *Server) formProblem(c *gin.Context, form *commentForm, err error) (int, bool) {
	var verr *models.ValidationError
	var limited errRateLimited
	var refusal *moderation.Refusal
	switch {
	case errors.As(err, &verr):
		form.Errors = verr.Fields
	case errors.As(err, &limited):
		retryAfter(c, limited.wait)
		form.Problem = fmt.Sprintf("You are commenting faster than this site allows. Please wait %d seconds and send again.",
			int(limited.wait.Seconds()+1))
		return http.StatusTooManyRequests, true
	case errors.Is(err, models.ErrBadParent):
		form.Problem = "The comment you are replying to is not available any more."
		form.ParentID = 0
	case errors.Is(err, models.ErrThreadClosed):
		form.Problem = "Comments are closed here."
		return http.StatusForbidden, true
	case errors.Is(err, models.ErrForbiddenPage):
		form.Problem = "Comments are not enabled for this page."
		return http.StatusForbidden, true
	case errors.Is(err, models.ErrNotFound): // a page of Parley's own blog that is not a post
		form.Problem = "This page has no comment thread."
		return http.StatusNotFound, true
	case errors.As(err, &refusal):
		form.Problem = refusal.Message
		return refusalStatus(refusal), true
	case tooLarge(err):
		form.Problem = "Your comment is too large."
		return http.StatusRequestEntityTooLarge, true
	default:
		s.serverError(c, err)
		return 0, false
	}
	return http.StatusUnprocessableEntity, true
}
