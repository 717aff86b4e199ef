package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"parley/models"
)

// Limits on what the embedding page tells Parley about itself.
const (
	maxPageKeyLen    = 500
	maxPageURLLen    = 1000
	maxPageTitleRune = 300
)

// embedContext is what the embed iframe knows about the page it sits on. It
// travels in the iframe's query string and in its form's action, so the
// thread and the form work without any script.
type embedContext struct {
	Site  models.Site
	Page  string // the page key
	Title string // the embedding page's title
	URL   string // the embedding page's address, on one of the site's origins
	Theme embedTheme
	// Thread is the page's thread as read with the site; zero when the
	// page has none yet.
	Thread models.Thread
}

// query is the context as the /embed URL carries it.
func (e embedContext) query() url.Values {
	q := url.Values{"site": {e.Site.ID}, "page": {e.Page}, "url": {e.URL}}
	if e.Title != "" {
		q.Set("title", e.Title)
	}
	e.Theme.addTo(q)
	return q
}

// linkQuery is the context as the thread's own links carry it (reply,
// flag, vote, permalink, sort, more): without the page title, which only a
// new thread needs and which has one by the time it has comments, and
// with '/' and ':' as they are, which RFC 3986 allows in a query. Every
// comment repeats it five times, so it is most of an embed page's weight
// beyond the comments themselves.
func (e embedContext) linkQuery() string {
	q := e.query()
	q.Del("title")
	return linkQueryEscapes.Replace(q.Encode())
}

// hostCommentAnchor starts the fragment of a comment's permalink on the
// embed's host page ("#parley-comment-12"): embed.js opens the thread at
// that comment and scrolls the page to it. The prefix keeps clear of the
// host's own ids (WordPress, for one, has its own #comment-12).
const hostCommentAnchor = "#parley-comment-"

// linkQueryEscapes undoes url.QueryEscape for '/' and ':'. An escaped
// percent sign is %25, so "%2F" and "%3A" in its output can only be
// escapes of those two.
var linkQueryEscapes = strings.NewReplacer("%2F", "/", "%3A", ":")

// frameAncestors lists who may frame the thread: Parley itself (the admin's
// preview) and the site's origins.
func (e embedContext) frameAncestors() string {
	list := []string{"'self'"}
	for _, o := range e.Site.Origins {
		if n, ok := NormalizeOrigin(o); ok {
			list = append(list, n)
		}
	}
	return strings.Join(list, " ")
}

// embedProblem is why the iframe shows a message instead of a thread.
type embedProblem struct {
	status int
	msg    string
}

// embedView is the data of views/embed.html.
type embedView struct {
	Theme   embedTheme
	Title   string
	Problem string
	Thread  threadView
}

// validPageKey accepts a path-like page key ("/2024/05/post.html?p=1").
func validPageKey(p string) bool {
	return strings.HasPrefix(p, "/") && len(p) <= maxPageKeyLen && utf8.ValidString(p) &&
		strings.IndexFunc(p, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) < 0
}

// cleanTitle collapses whitespace, drops control characters and keeps at
// most maxPageTitleRune characters.
func cleanTitle(t string) string {
	if !utf8.ValidString(t) {
		return ""
	}
	t = strings.Join(strings.FieldsFunc(t, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	if r := []rune(t); len(r) > maxPageTitleRune {
		t = string(r[:maxPageTitleRune])
	}
	return t
}

// readEmbedContext reads and checks the embed's query: the site exists, the
// page key is sound, and the embedding page (its url parameter and, when
// the browser sends one, its Referer) is on one of the site's origins.
func (s *Server) readEmbedContext(c *gin.Context) (embedContext, *embedProblem, error) {
	ec := embedContext{Page: c.Query("page"), Title: cleanTitle(c.Query("title")), Theme: readTheme(c)}
	siteID := c.Query("site")
	if siteID == "" || ec.Page == "" {
		return ec, &embedProblem{http.StatusBadRequest, "This comment thread is missing its site or page. Check the embed snippet."}, nil
	}
	if !validPageKey(ec.Page) {
		return ec, &embedProblem{http.StatusBadRequest, "The page key must be a path that starts with / (at most 500 characters)."}, nil
	}
	head, err := s.store.ThreadHead(c.Request.Context(), siteID, ec.Page)
	if errors.Is(err, models.ErrNotFound) {
		return ec, &embedProblem{http.StatusNotFound, fmt.Sprintf("Parley has no site %q. Check data-site in the embed snippet.", siteID)}, nil
	} else if err != nil {
		return ec, nil, err
	}
	site, err := s.siteAsOf(c.Request.Context(), siteID, head.SiteUpdated)
	if err != nil {
		return ec, nil, err
	}
	ec.Site, ec.Thread = site, head.Thread
	if site.ID == models.DefaultSiteID && head.Thread.ID == 0 {
		// Parley's own blog has a thread for each post and makes none for
		// other pages, so a form here could never be sent.
		return ec, &embedProblem{http.StatusNotFound,
			"This page has no comment thread: on Parley's own blog, comments go under its posts."}, nil
	}
	if ec.Title == "" { // the thread's own links leave the title out
		ec.Title = head.Thread.Title
	}
	s.useSiteLanguage(c, site.Settings.Language)

	// Requests from Parley itself (reply links, the redirect after posting,
	// the admin's preview) carry its own origin; any other embedder that
	// names itself must be one of the site's origins.
	refOrigin := ""
	if c.GetHeader("Sec-Fetch-Site") != "same-origin" {
		if o, ok := urlOrigin(c.Request.Referer()); ok && !s.isOwnOrigin(c.Request, o) {
			refOrigin = o
			if !siteAllowsNormalized(site, o) {
				return ec, notEnabled(o), nil
			}
		}
	}
	raw := c.Query("url")
	if raw == "" && refOrigin != "" {
		raw = refOrigin + ec.Page
	}
	u, err := url.Parse(raw)
	if err != nil || raw == "" || len(raw) > maxPageURLLen || u.User != nil {
		return ec, &embedProblem{http.StatusForbidden, "Comments are not enabled here: the page's address is missing or not valid."}, nil
	}
	origin, ok := originOf(u)
	if !ok || !siteAllowsNormalized(site, origin) {
		return ec, notEnabled(origin), nil
	}
	u.Fragment, u.RawFragment = "", ""
	ec.URL = u.String()
	return ec, nil, nil
}

func notEnabled(origin string) *embedProblem {
	if origin == "" {
		origin = "this address"
	}
	return &embedProblem{http.StatusForbidden, fmt.Sprintf(
		"Comments are not enabled for pages on %s. The site owner can add this origin to the site in Parley's admin.", origin)}
}

// embedPage is GET /embed: the thread of one page of a site, for the iframe
// that embed.js puts on the page. Reading never creates a thread.
func (s *Server) embedPage(c *gin.Context) {
	ec, ok := s.embedContextFor(c)
	if !ok {
		return
	}
	served, release := s.serveEmbedFromCache(c, ec)
	defer release()
	if served {
		return
	}
	form := commentForm{}
	if id, err := strconv.ParseUint(c.Query("reply"), 10, 64); err == nil {
		form.ParentID = uint(id)
	}
	s.renderEmbed(c, http.StatusOK, ec, form)
}

// renderEmbed shows the page's thread (empty until its first comment) with
// the form in the given state.
func (s *Server) renderEmbed(c *gin.Context, status int, ec embedContext, form commentForm) {
	ctx := c.Request.Context()
	req := readPageRequest(c, models.SortOldest)
	mine, viewer := s.mineComment(ctx, c.Query("mine"))
	if req.Comment == 0 {
		// After posting, open the page with the new comment; a form shown
		// again opens its parent's page.
		req.Comment = max(mine, form.ParentID)
	}
	if viewer == "" {
		// A loader may pass the reader's stored key to show them their own
		// shadow-held comments; a forged key shows nothing extra.
		viewer = s.commenterKey(c, c.Query("viewer"))
	}
	thread := ec.Thread
	linkQuery := ec.linkQuery()
	links := threadLinks{base: "/embed?" + linkQuery + "&", anchor: "#comments-title",
		vote:      func(id string) string { return "/embed/comments/" + id + "/vote?" + linkQuery },
		permalink: func(id string) string { return ec.URL + hostCommentAnchor + id }}
	partial := "thread-body"
	if req.Fragment {
		partial = "thread-page"
	}
	tv, body, err := s.threadBody(c, threadBodyRequest{view: "embed", partial: partial, base: links.base,
		thread: thread, site: ec.Site, viewer: viewer, req: req, cursor: c.Query("cursor")},
		func() (threadView, error) {
			paged := pagedThread{Req: req}
			if thread.ID != 0 {
				var err error
				if paged, err = s.loadPagedThread(ctx, thread.ID, viewer, req); err != nil {
					return threadView{}, err
				}
			}
			tv := threadView{Comments: toCommentViews(paged.Roots, "")}
			setReplyLinks(tv.Comments, linkQuery)
			tv.useGravatars(ec.Site.Settings)
			finishThread(&tv, paged, links, ec.Site.Settings)
			return tv, nil
		})
	if err != nil {
		s.serverError(c, err)
		return
	}
	if req.Fragment {
		s.writeThreadFragment(c, "embed", tv, body)
		return
	}
	tv.Page, tv.Count = ec.Page, thread.Count
	if c.Query("flagged") != "" {
		tv.Notice = "Thank you for the report. A moderator will take a look."
	} else if c.Query("deleted") != "" {
		tv.Notice = "Your comment was deleted."
	}
	tv.Flag = s.flagFormFor(ctx, thread.ID, c.Query("flag"),
		func(id string) string { return "/embed/comments/" + id + "/flag?" + linkQuery },
		func(id string) string { return "/embed?" + linkQuery + "#comment-" + id })
	form.Action = "/embed/comments?" + ec.query().Encode()
	form.PrivacyURL = "/privacy?site=" + url.QueryEscape(ec.Site.ID)
	if form.Stamp == "" {
		form.Stamp = s.signer.formStamp(s.now())
	}
	form.Closed = thread.Closed
	if auto, err := s.closeIfDue(ctx, ec.Site, &thread); err != nil {
		s.serverError(c, err)
		return
	} else if auto {
		form.Closed, form.AutoCloseDays = true, ec.Site.Settings.AutoCloseDays
	}
	if form.ParentID != 0 {
		if form.ReplyTo = s.replyAuthor(ctx, thread.ID, form.ParentID); form.ReplyTo == "" {
			form.ParentID = 0
		}
	}
	form.Edits = s.embedOwnEdit(ctx, thread.ID, ec.Site, ec.query(), c.Query("edit"))
	tv.Form = form
	if token := c.Query("pending"); token != "" {
		tv.Pending = s.pendingComment(ctx, thread.ID, token)
		tv.useGravatars(ec.Site.Settings)
	}
	allowGravatarImages(c, ec.Site.Settings)
	var pc *pageCaching
	if status == http.StatusOK && body != nil && plainRead(c) {
		pc = &pageCaching{key: embedPageKey(c, ec, s.tr(c).Lang(), form.Closed), stamp: tv.Form.Stamp}
		tv.Form.Stamp = stampMarker
	}
	slot := tv.useBody(body)
	s.writeEmbed(c, status, ec.frameAncestors(), embedView{Theme: ec.Theme, Title: ec.Title, Thread: tv}, slot, pc)
}

// mineComment returns the comment named by a signed "mine" token from the
// redirect after posting, and its commenter key, so its author sees the
// thread as they would on Parley's own pages (a shadow-banned author sees
// their own comment as public).
func (s *Server) mineComment(ctx context.Context, token string) (uint, string) {
	v, ok := s.signer.verify("mine", token)
	if !ok {
		return 0, ""
	}
	id, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, ""
	}
	c, err := s.store.Comment(ctx, uint(id))
	if err != nil {
		return 0, ""
	}
	return c.ID, c.CommenterKey
}

// setReplyLinks points every reply link and flag form at the embed itself,
// with the thread's link query (see embedContext.linkQuery).
func setReplyLinks(list []commentView, linkQuery string) {
	for i := range list {
		id := strconv.FormatUint(uint64(list[i].ID), 10)
		if !list[i].Removed {
			list[i].FlagAction = "/embed/comments/" + id + "/flag?" + linkQuery
			list[i].FlagHref = "/embed?" + linkQuery + "&flag=" + id + "#flag-form"
		}
		list[i].ReplyHref = "/embed?" + linkQuery + "&reply=" + id + "#comment-form"
		setReplyLinks(list[i].Replies, linkQuery)
	}
}

// embedFormContext checks that a form post inside the iframe is
// same-origin and reads its embed context; on false it has answered.
func (s *Server) embedFormContext(c *gin.Context, crossOrigin string) (embedContext, bool) {
	if err := http.NewCrossOriginProtection().Check(c.Request); err != nil {
		s.embedProblemPage(c, readTheme(c), &embedProblem{http.StatusForbidden, crossOrigin})
		return embedContext{}, false
	}
	return s.embedContextFor(c)
}

// embedContextFor reads the embed context of a request; on false it has
// answered with the problem page (or a server error).
func (s *Server) embedContextFor(c *gin.Context) (embedContext, bool) {
	ec, problem, err := s.readEmbedContext(c)
	if err != nil {
		s.serverError(c, err)
		return ec, false
	}
	if problem != nil {
		s.embedProblemPage(c, ec.Theme, problem)
		return ec, false
	}
	return ec, true
}

// embedFlag is POST /embed/comments/:id/flag: the flag form inside the
// iframe. It answers with a 303 back to the thread and a thank-you note.
func (s *Server) embedFlag(c *gin.Context) {
	ec, ok := s.embedFormContext(c, "Reports can only be sent from Parley's own form.")
	if !ok {
		return
	}
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil {
		s.embedProblemPage(c, ec.Theme, &embedProblem{http.StatusNotFound, "There is no such comment."})
		return
	}
	req := flagRequest{Reason: c.PostForm("reason"), Note: c.PostForm("note")}
	reader := s.readerID(s.commenterKey(c, c.PostForm("commenter_key")), c.ClientIP())
	_, err = s.flagComment(c.Request.Context(), uint(id), req, reader)
	var verr *models.ValidationError
	switch {
	case errors.As(err, &verr):
		s.embedProblemPage(c, ec.Theme, &embedProblem{http.StatusUnprocessableEntity, verr.Error()})
	case isNotFound(err):
		s.embedProblemPage(c, ec.Theme, &embedProblem{http.StatusNotFound, "There is no such comment."})
	case err != nil:
		s.serverError(c, err)
	default:
		q := ec.query()
		q.Set("flagged", c.Param("id"))
		c.Redirect(http.StatusSeeOther, "/embed?"+q.Encode()+"#comment-"+c.Param("id"))
	}
}

// embedProblemPage shows a message in the iframe. Any page may frame it:
// it holds no thread and no form, and the reader of a page that is not
// allowed should see why instead of a blocked frame.
func (s *Server) embedProblemPage(c *gin.Context, theme embedTheme, p *embedProblem) {
	s.writeEmbed(c, p.status, "*", embedView{Theme: theme, Problem: p.msg}, nil, nil)
}

// writeEmbed renders views/embed.html, framable only by ancestors.
func (s *Server) writeEmbed(c *gin.Context, status int, ancestors string, view embedView, slot *threadSlot, pc *pageCaching) {
	buf := s.cache.buffer()
	defer s.cache.release(buf)
	if err := s.views.executePartialIn(buf, s.tr(c).Lang(), "embed", "embed-page", view); err != nil {
		s.log.Error("render failed", "view", "embed", "err", err)
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("Something went wrong on our side.\n"))
		return
	}
	embedHeaders(c, ancestors)
	if pc != nil {
		s.finishCachedPage(c, status, buf.Bytes(), slot, pc)
		return
	}
	s.writeHTML(c, status, buf.Bytes(), slot)
}

// embedHeaders lets the embed's page be framed by the given ancestors.
func embedHeaders(c *gin.Context, ancestors string) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", framedPolicy(h.Get("Content-Security-Policy"), ancestors))
	h.Del("X-Frame-Options")
	h["Cache-Control"] = noCacheValues
}

// framedPolicies remembers withFrameAncestors's answers. The embed is
// served under a few policies (one per site, with and without Gravatar);
// splitting and joining one for every request cost 3.6% of a cached
// embed's CPU.
var framedPolicies = newBytesMemo[string](maxRememberedOrigins)

// framedPolicy is withFrameAncestors(csp, sources), made once per pair.
// Neither a policy nor a source list holds a newline.
func framedPolicy(csp, sources string) string {
	return framedPolicies.getOrMake(csp+"\n"+sources, func(key string) string {
		csp, sources, _ := strings.Cut(key, "\n")
		return withFrameAncestors(csp, sources)
	})
}

// withFrameAncestors replaces the frame-ancestors directive of a CSP.
func withFrameAncestors(csp, sources string) string {
	var out []string
	for _, d := range strings.Split(csp, ";") {
		if d = strings.TrimSpace(d); d != "" && !strings.HasPrefix(d, "frame-ancestors") {
			out = append(out, d)
		}
	}
	return strings.Join(append(out, "frame-ancestors "+sources), "; ")
}

// embedComment is POST /embed/comments: the iframe's comment form. It goes
// through the same createComment path as every other comment and answers
// with a 303 back to the iframe, carrying the reader's edit token (and a new
// commenter key) in the fragment for the iframe's script to keep.
func (s *Server) embedComment(c *gin.Context) {
	ec, ok := s.embedFormContext(c, "Comments can only be sent from Parley's comment form.")
	if !ok {
		return
	}
	if err := c.Request.ParseForm(); err != nil {
		p := &embedProblem{http.StatusBadRequest, "The form could not be read."}
		if tooLarge(err) {
			p = &embedProblem{http.StatusRequestEntityTooLarge, "Your comment is too large."}
		}
		s.embedProblemPage(c, ec.Theme, p)
		return
	}
	in, form, ok := s.readCommentForm(c, ec.Site.ID, ec.Page, c.PostForm("commenter_key"))
	in.PageTitle, in.PageURL = ec.Title, ec.URL
	if !ok {
		s.renderEmbed(c, http.StatusUnprocessableEntity, ec, form)
		return
	}
	if wantsPreview(c) {
		if status, ok := s.previewInto(c, &form); ok {
			s.renderEmbed(c, status, ec, form)
		}
		return
	}
	created, err := s.createComment(c.Request.Context(), in)
	if err != nil {
		if status, ok := s.formProblem(c, &form, err); ok {
			s.renderEmbed(c, status, ec, form)
		}
		return
	}
	id := strconv.FormatUint(uint64(created.Comment.ID), 10)
	q, anchor := ec.query(), "comment-"+id
	if created.Comment.Status == models.StatusApproved || created.Shadow {
		// Approved and shadow-banned comments answer alike; "mine" lets
		// the author see their own comment either way.
		q.Set("mine", s.signer.sign("mine", id))
	} else {
		q.Set("pending", s.signer.sign("pending", id))
		anchor = "pending"
	}
	if w := created.Site.Settings.EditWindow(); w > 0 {
		q.Set("edit", s.editGrant(created.Comment.ID, created.Comment.CreatedAt.Add(w)))
	}
	fragment := anchor + "&edit=" + id + "." + created.EditToken
	if created.CommenterToken != "" {
		fragment += "&key=" + created.CommenterToken
	}
	c.Redirect(http.StatusSeeOther, "/embed?"+q.Encode()+"#"+fragment)
}

// commentThread finds the thread a new comment goes to. Every post of
// Parley's own blog has its thread already; other sites get one on first
// use, but only for a page on one of their origins: the page URL the embed
// form carries, or the Origin an API request was allowed for.
func (s *Server) commentThread(ctx context.Context, site models.Site, in newComment) (models.Thread, error) {
	// The head is a prepared statement and, while nothing is written,
	// remembered; the thread through GORM was 5% of a new comment's CPU.
	head, err := s.store.ThreadHead(ctx, site.ID, in.Page)
	if err == nil && head.Thread.ID != 0 {
		return head.Thread, nil
	}
	if err == nil {
		err = fmt.Errorf("thread %s%s: %w", site.ID, in.Page, models.ErrNotFound)
	}
	if site.ID == models.DefaultSiteID || !errors.Is(err, models.ErrNotFound) {
		return models.Thread{}, err
	}
	pageURL := in.PageURL
	if pageURL == "" {
		if o := pageOrigin(ctx); o != "" {
			pageURL = o + in.Page
		}
	}
	origin, ok := urlOrigin(pageURL)
	if !ok || len(pageURL) > maxPageURLLen || !validPageKey(in.Page) || !siteAllowsOrigin(site, origin) {
		return models.Thread{}, fmt.Errorf("thread %s%s: %w: %w", site.ID, in.Page, models.ErrNotFound, models.ErrForbiddenPage)
	}
	return s.store.EnsureThread(ctx, site.ID, in.Page, cleanTitle(in.PageTitle), pageURL)
}
