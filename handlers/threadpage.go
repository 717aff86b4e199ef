package handlers

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"parley/models"
	"parley/models/store"
)

// Paging of the HTML thread.
const (
	htmlPageLimit = 50 // top-level comments per page
	shownReplies  = 10 // direct replies shown before a "more replies" link
	// sortCookie remembers a reader's sort order on Parley's own pages.
	sortCookie = "parley_sort"
)

// pageRequest is what a reader asks of a thread page in the query string.
type pageRequest struct {
	Sort     string
	After    *models.Cursor
	Comment  uint // a permalink: open the page that holds this comment
	Fragment bool // answer with the comments only, for the script
}

// readPageRequest reads ?sort, ?cursor, ?comment and ?fragment. Without a
// valid ?sort the remembered one (fallback) or oldest applies; a bad
// cursor or comment id opens the first page.
func readPageRequest(c *gin.Context, fallback string) pageRequest {
	req := pageRequest{Sort: c.Query("sort"), Fragment: c.Query("fragment") == "1"}
	if !models.ValidSort(req.Sort) {
		req.Sort = fallback
	}
	if !models.ValidSort(req.Sort) {
		req.Sort = models.SortOldest
	}
	if raw := c.Query("cursor"); raw != "" {
		req.After, _ = decodeCursor(raw, req.Sort)
	}
	for _, p := range []string{"comment", "reply"} {
		if id, err := strconv.ParseUint(c.Query(p), 10, 64); err == nil && req.Comment == 0 {
			req.Comment = uint(id)
		}
	}
	return req
}

// blogSort returns the sort a reader of Parley's own pages asked for and
// remembers it in a cookie; without ?sort it is the remembered one.
func (s *Server) blogSort(c *gin.Context) string {
	if want := c.Query("sort"); models.ValidSort(want) {
		if ck, err := c.Cookie(sortCookie); err != nil || ck != want {
			http.SetCookie(c.Writer, &http.Cookie{Name: sortCookie, Value: want, Path: "/", MaxAge: int(365 * 24 * time.Hour / time.Second),
				HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
		}
		return want
	}
	return rememberedSort(c)
}

// rememberedSort is the sort a blog reader asked for or remembered,
// without remembering anything new.
func rememberedSort(c *gin.Context) string {
	if want := c.Query("sort"); models.ValidSort(want) {
		return want
	}
	if ck, err := c.Cookie(sortCookie); err == nil && models.ValidSort(ck) {
		return ck
	}
	return models.SortOldest
}

// pagedThread is one page of a thread as a reader sees it.
type pagedThread struct {
	Req   pageRequest
	Roots []*models.Node
	Flat  []models.Comment // the page's comments, for avatars
	Next  *models.Cursor
}

// loadPagedThread loads the page the request names: the one after its
// cursor, or for a permalink the one that holds the comment.
func (s *Server) loadPagedThread(ctx context.Context, threadID uint, viewer string, req pageRequest) (pagedThread, error) {
	p := pagedThread{Req: req}
	q := store.PageQuery{Sort: req.Sort, After: req.After, Limit: htmlPageLimit, Viewer: viewer}
	if req.Comment != 0 && req.After == nil {
		after, err := s.store.PageOf(ctx, threadID, req.Comment, q)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return p, err
		}
		q.After, p.Req.After = after, after
	}
	page, err := s.store.ThreadPage(ctx, threadID, q)
	if err != nil {
		return p, err
	}
	p.Flat, p.Next = page.Comments, page.Next
	p.Roots, _ = models.BuildTree(asSeenBy(page.Comments, viewer), req.Sort)
	return p, nil
}

// threadLinks builds a thread's links: base is the page's address with its
// query so far ("/posts/x?" or "/embed?site=…&"), anchor where a new page
// scrolls to, and vote the no-JavaScript vote form's action for an id.
// permalink, when set, makes each comment's permalink instead: a link to
// another page, which opens as the whole window (the embed's host page).
type threadLinks struct {
	base      string
	anchor    string
	vote      func(id string) string
	permalink func(id string) string
}

func (l threadLinks) href(q url.Values, anchor string) string {
	return l.base + q.Encode() + anchor
}

// sortLink is one of "Oldest · Newest · Top" above the thread.
type sortLink struct {
	Value   string
	Href    string
	Current bool
}

// finishThread adds what paging, sorting and voting need to a thread view:
// the sort links, the "more comments" link, and on every comment its score,
// vote form, permalink and reply link; long reply lists are cut to
// shownReplies with a link to the rest, except under the permalink's root.
func finishThread(tv *threadView, p pagedThread, l threadLinks, settings models.SiteSettings) {
	tv.Sort, tv.Downvotes = p.Req.Sort, !settings.NoDownvotes
	for _, v := range []string{models.SortOldest, models.SortNewest, models.SortTop} {
		tv.Sorts = append(tv.Sorts, sortLink{Value: v, Href: l.href(url.Values{"sort": {v}}, l.anchor), Current: v == p.Req.Sort})
	}
	if p.Next != nil {
		q := url.Values{"sort": {p.Req.Sort}, "cursor": {*encodeCursor(p.Req.Sort, p.Next)}}
		tv.NextHref = l.href(q, l.anchor)
		q.Set("fragment", "1")
		tv.NextFragment = l.href(q, "")
	}
	if p.Req.After != nil {
		tv.FirstHref = l.href(url.Values{"sort": {p.Req.Sort}}, l.anchor)
	}
	expand := uint(0)
	if p.Req.Comment != 0 {
		for _, r := range p.Roots {
			if holds(r, p.Req.Comment) {
				expand = r.Comment.ID
			}
		}
	}
	for i := range tv.Comments {
		top := &tv.Comments[i]
		if n := len(top.Replies); n > shownReplies && top.ID != expand {
			first := strconv.FormatUint(uint64(top.Replies[shownReplies].ID), 10)
			top.HiddenReplies = n - shownReplies
			top.MoreRepliesHref = l.href(url.Values{"sort": {p.Req.Sort}, "comment": {first}}, "#comment-"+first)
			top.MoreRepliesFragment = l.href(url.Values{"sort": {p.Req.Sort}, "comment": {first}, "fragment": {"1"}}, "")
			top.Replies = top.Replies[:shownReplies]
		}
	}
	decorate(tv.Comments, l, tv.Downvotes)
}

// decorate sets the permalink and vote form of every comment in a list and
// under it.
func decorate(list []commentView, l threadLinks, downvotes bool) {
	for i := range list {
		v := &list[i]
		id := strconv.FormatUint(uint64(v.ID), 10)
		if l.permalink != nil {
			v.Permalink, v.PermalinkTarget = l.permalink(id), "_top"
		} else {
			v.Permalink = l.href(url.Values{"comment": {id}}, "#comment-"+id)
		}
		if !v.Removed {
			// The reply link (?reply=ID) opens the page that holds the
			// comment by itself; see readPageRequest.
			v.VoteAction, v.Downvote = l.vote(id), downvotes
		}
		decorate(v.Replies, l, downvotes)
	}
}

// holds reports whether the comment id is n or under it.
func holds(n *models.Node, id uint) bool {
	if n.Comment.ID == id {
		return true
	}
	for _, r := range n.Replies {
		if holds(r, id) {
			return true
		}
	}
	return false
}

// writeThreadFragment answers the script that loads more comments in place
// with the page's comments and its "more comments" link, no layout: the
// cached rendering when there is one, else tv rendered now.
func (s *Server) writeThreadFragment(c *gin.Context, view string, tv threadView, cached *rendered) {
	if cached != nil {
		s.serveRendered(c, cached, "text/html; charset=utf-8")
		return
	}
	var buf bytes.Buffer
	if err := s.views.executePartialIn(&buf, s.tr(c).Lang(), view, "thread-page", tv); err != nil {
		s.serverError(c, err)
		return
	}
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
}

// replyAuthor returns the name of the public comment a reply form answers,
// or "" when it is not a public comment of the thread.
func (s *Server) replyAuthor(ctx context.Context, threadID, parentID uint) string {
	p, err := s.store.Comment(ctx, parentID)
	if err != nil || p.ThreadID != threadID || p.Status != models.StatusApproved {
		return ""
	}
	return p.Author
}
