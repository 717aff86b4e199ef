package handlers

import (
	"errors"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"parley/models"
	"parley/models/store"
)

type indexView struct {
	Posts []postSummary
}

type postSummary struct {
	store.PostWithThread
	Excerpt string
}

var tagPattern = regexp.MustCompile(`<[^>]*>`)

var firstParagraph = regexp.MustCompile(`(?s)<p>(.*?)</p>`)

// excerpt returns the first words of a post's first paragraph.
func excerpt(bodyHTML string, limit int) string {
	if m := firstParagraph.FindStringSubmatch(bodyHTML); m != nil {
		bodyHTML = m[1]
	}
	text := strings.Join(strings.Fields(html.UnescapeString(tagPattern.ReplaceAllString(bodyHTML, " "))), " ")
	if utf8.RuneCountInString(text) <= limit {
		return text
	}
	cut := []rune(text)[:limit]
	if i := strings.LastIndexByte(string(cut), ' '); i > limit/2 {
		return string(cut)[:i] + "…"
	}
	return string(cut) + "…"
}

func (s *Server) index(c *gin.Context) {
	posts, err := s.store.PublishedPosts(c.Request.Context(), models.DefaultSiteID, 100)
	if err != nil {
		s.serverError(c, err)
		return
	}
	view := indexView{Posts: make([]postSummary, len(posts))}
	for i, p := range posts {
		view.Posts[i] = postSummary{PostWithThread: p, Excerpt: excerpt(p.BodyHTML, 220)}
	}
	s.render(c, http.StatusOK, "index", pageData{Title: "Blog", Data: view})
}

type postView struct {
	Post   store.PostWithThread
	Thread threadView
}

func (s *Server) postPage(c *gin.Context) {
	post, ok := s.publishedPost(c)
	if !ok {
		return
	}
	form := commentForm{}
	if id, err := strconv.ParseUint(c.Query("reply"), 10, 64); err == nil {
		form.ParentID = uint(id)
	}
	s.renderPost(c, http.StatusOK, post, form)
}

// publishedPost loads the post named in the URL, answering 404 for drafts.
func (s *Server) publishedPost(c *gin.Context) (store.PostWithThread, bool) {
	post, err := s.store.PostBySlug(c.Request.Context(), models.DefaultSiteID, c.Param("slug"))
	if errors.Is(err, models.ErrNotFound) || err == nil && !post.Published {
		s.notFound(c)
		return post, false
	}
	if err != nil {
		s.serverError(c, err)
		return post, false
	}
	return post, true
}

// renderPost shows a post with its thread and the form in the given state.
func (s *Server) renderPost(c *gin.Context, status int, post store.PostWithThread, form commentForm) {
	flat, err := s.store.ThreadComments(c.Request.Context(), post.ThreadID)
	if err != nil {
		s.serverError(c, err)
		return
	}
	roots, count := models.BuildTree(asSeenBy(flat, s.commenterKey(c, "")), models.SortOldest)
	view := postView{Post: post, Thread: threadView{Page: post.PagePath(), Count: count,
		Comments: toCommentViews(roots, post.PagePath()+"/comments")}}
	if c.Query("flagged") != "" {
		view.Thread.Notice = "Thank you for the report. A moderator will take a look."
	}
	form.Action = post.PagePath() + "/comments"
	if form.Stamp == "" {
		form.Stamp = s.signer.formStamp(s.now())
	}
	form.Closed = post.Closed
	if form.ParentID != 0 {
		if author, ok := findAuthor(view.Thread.Comments, form.ParentID); ok {
			form.ReplyTo = author
		} else {
			form.ParentID = 0
		}
	}
	view.Thread.Form = form
	if token := c.Query("pending"); token != "" {
		view.Thread.Pending = s.pendingComment(flat, token)
	}
	s.render(c, status, "post", pageData{Title: post.Title, Description: excerpt(post.BodyHTML, 160), Data: view})
}

// pendingComment finds the reader's own held comment named by a signed
// token from the redirect after posting, so only its author sees it.
func (s *Server) pendingComment(flat []models.Comment, token string) *commentView {
	v, ok := s.signer.verify("pending", token)
	if !ok {
		return nil
	}
	id, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return nil
	}
	for _, c := range flat {
		if uint64(c.ID) == id && c.Status == models.StatusPending {
			return &commentView{ID: c.ID, Author: c.Author, Website: c.Website, HTML: c.HTML,
				CreatedAt: c.CreatedAt, Pending: true, Avatar: avatarURL(c.Email, c.Author)}
		}
	}
	return nil
}

// postCommentForm takes the no-JavaScript comment form: 303 back to the
// post on success, 422 with the form and messages on bad input.
func (s *Server) postCommentForm(c *gin.Context) {
	post, ok := s.publishedPost(c)
	if !ok {
		return
	}
	if err := c.Request.ParseForm(); err != nil {
		if tooLarge(err) {
			s.fail(c, http.StatusRequestEntityTooLarge, "too_large", "Your comment is too large.")
			return
		}
		s.fail(c, http.StatusBadRequest, "bad_request", "The form could not be read.")
		return
	}
	in, form, ok := s.readCommentForm(c, models.DefaultSiteID, post.PagePath(), "")
	if !ok {
		s.renderPost(c, http.StatusUnprocessableEntity, post, form)
		return
	}
	created, err := s.createComment(c.Request.Context(), in)
	if err != nil {
		s.formError(c, post, form, err)
		return
	}
	if created.CommenterToken != "" {
		s.setCommenterCookie(c, created.CommenterToken)
	}
	if created.Comment.Status == models.StatusApproved || created.Shadow {
		c.Redirect(http.StatusSeeOther, fmt.Sprintf("%s#comment-%d", post.PagePath(), created.Comment.ID))
		return
	}
	token := s.signer.sign("pending", strconv.FormatUint(uint64(created.Comment.ID), 10))
	c.Redirect(http.StatusSeeOther, post.PagePath()+"?pending="+token+"#pending")
}

// formError re-renders the post with the reader's input and what went wrong.
func (s *Server) formError(c *gin.Context, post store.PostWithThread, form commentForm, err error) {
	if status, ok := s.formProblem(c, &form, err); ok {
		s.renderPost(c, status, post, form)
	}
}
