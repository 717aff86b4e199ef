package handlers

import (
	"context"
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
	Pager postPager
}

// indexPageSize is how many posts the blog's home page lists at a time.
const indexPageSize = 20

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
	before, ok := s.listCursor(c)
	if !ok {
		return
	}
	posts, err := s.store.PublishedPosts(c.Request.Context(), models.DefaultSiteID, before, indexPageSize+1)
	if err != nil {
		s.serverError(c, err)
		return
	}
	var view indexView
	posts, view.Pager = pagePosts(posts, indexPageSize, "/", before)
	view.Posts = make([]postSummary, len(posts))
	for i, p := range posts {
		view.Posts[i] = postSummary{PostWithThread: p, Excerpt: excerpt(p.BodyHTML, 220)}
	}
	s.render(c, http.StatusOK, "index", pageData{Title: s.tr(c).T("index.title"), Data: view})
}

type postView struct {
	Post   store.PostWithThread
	Thread threadView
}

func (s *Server) postPage(c *gin.Context) {
	served, release := s.servePostFromCache(c)
	defer release()
	if served {
		return
	}
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
	ctx := c.Request.Context()
	req := readPageRequest(c, s.blogSort(c))
	if req.Comment == 0 {
		req.Comment = form.ParentID // a form shown again opens its parent's page
	}
	site, err := s.siteAsOf(ctx, post.SiteID, post.SiteUpdated)
	if err != nil {
		s.serverError(c, err)
		return
	}
	s.useSiteLanguage(c, site.Settings.Language)
	viewer := s.commenterKey(c, "")
	partial := "thread-body"
	if req.Fragment {
		partial = "thread-page"
	}
	links := threadLinks{base: post.PagePath() + "?", anchor: "#comments",
		vote: func(id string) string { return post.PagePath() + "/comments/" + id + "/vote" }}
	tv, body, err := s.threadBody(c, threadBodyRequest{view: "post", partial: partial, base: links.base,
		thread: post.Thread(), site: site, viewer: viewer, req: req, cursor: c.Query("cursor")},
		func() (threadView, error) {
			paged, err := s.loadPagedThread(ctx, post.ThreadID, viewer, req)
			if err != nil {
				return threadView{}, err
			}
			tv := threadView{Comments: toCommentViews(paged.Roots, post.PagePath()+"/comments")}
			tv.useGravatars(site.Settings)
			finishThread(&tv, paged, links, site.Settings)
			return tv, nil
		})
	if err != nil {
		s.serverError(c, err)
		return
	}
	if req.Fragment {
		s.writeThreadFragment(c, "post", tv, body)
		return
	}
	tv.Page, tv.Count = post.PagePath(), post.Count
	view := postView{Post: post, Thread: tv}
	if c.Query("flagged") != "" {
		view.Thread.Notice = "Thank you for the report. A moderator will take a look."
	} else if c.Query("deleted") != "" {
		view.Thread.Notice = "Your comment was deleted."
	}
	view.Thread.Flag = s.flagFormFor(ctx, post.ThreadID, c.Query("flag"),
		func(id string) string { return post.PagePath() + "/comments/" + id + "/flag" },
		func(id string) string { return post.PagePath() + "#comment-" + id })
	form.Action = post.PagePath() + "/comments"
	form.PrivacyURL = "/privacy"
	if form.Stamp == "" {
		form.Stamp = s.signer.formStamp(s.now())
	}
	form.Closed = post.Closed
	if form.ParentID != 0 {
		if form.ReplyTo = s.replyAuthor(ctx, post.ThreadID, form.ParentID); form.ReplyTo == "" {
			form.ParentID = 0
		}
	}
	view.Thread.Form = form
	if token := c.Query("pending"); token != "" {
		view.Thread.Pending = s.pendingComment(ctx, post.ThreadID, token)
		view.Thread.useGravatars(site.Settings)
	}
	if !post.Closed && autoClosed(site.Settings, postStart(post.Post), s.now()) {
		view.Thread.Form.Closed, view.Thread.Form.AutoCloseDays = true, site.Settings.AutoCloseDays
	}
	view.Thread.Form.Edits = s.blogOwnEdits(c, post.ThreadID, site, post.PagePath())
	allowGravatarImages(c, site.Settings)
	var pc *pageCaching
	if status == http.StatusOK && body != nil && plainRead(c) {
		key := postPageKey(post.ID, post.UpdatedAt, post.Thread(), site, s.tr(c).Lang(), req.Sort, c.Request.URL.RawQuery, view.Thread.Form.Closed)
		pc = &pageCaching{key: key, stamp: view.Thread.Form.Stamp}
		view.Thread.Form.Stamp = stampMarker
	}
	slot := view.Thread.useBody(body)
	s.render(c, status, "post", pageData{Title: post.Title, Description: excerpt(post.BodyHTML, 160), Data: view, thread: slot, cache: pc})
}

// pendingComment finds the reader's own held comment named by a signed
// token from the redirect after posting, so only its author sees it.
func (s *Server) pendingComment(ctx context.Context, threadID uint, token string) *commentView {
	v, ok := s.signer.verify("pending", token)
	if !ok {
		return nil
	}
	id, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return nil
	}
	// By id, not from the page: a held comment is on no page of the thread.
	c, err := s.store.Comment(ctx, uint(id))
	if err != nil || c.ThreadID != threadID || c.Status != models.StatusPending {
		return nil
	}
	return &commentView{ID: c.ID, Author: c.Author, Website: c.Website, HTML: c.HTML,
		CreatedAt: c.CreatedAt, Pending: true, Avatar: avatarURL(c.Email, c.Author), gravatar: gravatarFor(c.Email)}
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
	if wantsPreview(c) {
		if status, ok := s.previewInto(c, &form); ok {
			s.renderPost(c, status, post, form)
		}
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
	s.setEditCookie(c, post.PagePath(), created)
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
