package handlers

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"parley/models"
	"parley/models/store"
)

// Atom feeds (RFC 4287): a post's comments, a site's recent comments, and
// the blog's posts. Entry ids are tag URIs (RFC 4151) on the public host,
// dated by the entry's creation, so they never change when addresses do.
const (
	feedEntries   = 50
	atomMediaType = "application/atom+xml; charset=utf-8"
	feedMaxAge    = "public, max-age=300"
)

type atomFeed struct {
	XMLName   xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID        string      `xml:"id"`
	Title     string      `xml:"title"`
	Updated   string      `xml:"updated"`
	Links     []atomLink  `xml:"link"`
	Author    *atomPerson `xml:"author,omitempty"`
	Generator string      `xml:"generator"`
	Entries   []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomEntry struct {
	ID        string      `xml:"id"`
	Title     atomText    `xml:"title"`
	Updated   string      `xml:"updated"`
	Published string      `xml:"published"`
	Author    *atomPerson `xml:"author,omitempty"`
	Links     []atomLink  `xml:"link"`
	Content   atomText    `xml:"content"`
}

func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// tagID is a tag URI for one entry: tag:host,date:what.
func (s *Server) tagID(created time.Time, what string) string {
	host := "parley.invalid"
	if u, err := url.Parse(s.cfg.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return "tag:" + host + "," + created.UTC().Format("2006-01-02") + ":" + what
}

// postCommentsFeed is GET /posts/:slug/comments.atom.
func (s *Server) postCommentsFeed(c *gin.Context) {
	post, ok := s.publishedPost(c)
	if !ok {
		return
	}
	comments, err := s.store.RecentComments(c.Request.Context(), models.DefaultSiteID, post.ThreadID, feedEntries)
	if err != nil {
		s.serverError(c, err)
		return
	}
	site, err := s.store.Site(c.Request.Context(), models.DefaultSiteID)
	if err != nil {
		s.serverError(c, err)
		return
	}
	since := post.CreatedAt
	if post.PublishedAt != nil {
		since = *post.PublishedAt
	}
	tr := s.useSiteLanguage(c, site.Settings.Language)
	feed := atomFeed{
		ID:    s.cfg.BaseURL + c.Request.URL.Path,
		Title: tr.T("feed.post_comments", "title", post.Title),
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: s.cfg.BaseURL + c.Request.URL.Path},
			{Rel: "alternate", Type: "text/html", Href: s.cfg.BaseURL + post.PagePath() + "#comments-title"},
		},
	}
	s.writeCommentFeed(c, feed, site, comments, since)
}

// siteCommentsFeed is GET /comments.atom?site=S.
func (s *Server) siteCommentsFeed(c *gin.Context) {
	siteID := c.Query("site")
	if siteID == "" {
		s.fail(c, http.StatusBadRequest, "bad_request", "Name the site: /comments.atom?site=ID.")
		return
	}
	site, err := s.store.Site(c.Request.Context(), siteID)
	if errors.Is(err, models.ErrNotFound) {
		s.fail(c, http.StatusNotFound, "unknown_site", "There is no such site.")
		return
	} else if err != nil {
		s.serverError(c, err)
		return
	}
	comments, err := s.store.RecentComments(c.Request.Context(), site.ID, 0, feedEntries)
	if err != nil {
		s.serverError(c, err)
		return
	}
	self := s.cfg.BaseURL + "/comments.atom?site=" + url.QueryEscape(site.ID)
	tr := s.useSiteLanguage(c, site.Settings.Language)
	feed := atomFeed{
		ID:    self,
		Title: tr.T("feed.site_comments", "site", site.Name),
		Links: []atomLink{{Rel: "self", Type: "application/atom+xml", Href: self}},
	}
	if site.ID == models.DefaultSiteID {
		feed.Links = append(feed.Links, atomLink{Rel: "alternate", Type: "text/html", Href: s.cfg.BaseURL + "/"})
	} else if len(site.Origins) > 0 {
		feed.Links = append(feed.Links, atomLink{Rel: "alternate", Type: "text/html", Href: strings.TrimRight(site.Origins[0], "/") + "/"})
	}
	s.writeCommentFeed(c, feed, site, comments, site.CreatedAt)
}

// writeCommentFeed fills the entries of a comment feed and sends it. An
// empty feed is dated since (the post's or the site's start).
func (s *Server) writeCommentFeed(c *gin.Context, feed atomFeed, site models.Site, comments []store.FeedComment, since time.Time) {
	feed.Generator = "Parley"
	updated := since
	for _, fc := range comments {
		changed := fc.CreatedAt
		if fc.EditedAt != nil && fc.EditedAt.After(changed) {
			changed = *fc.EditedAt
		}
		if changed.After(updated) {
			updated = changed
		}
		where := store.QueueItem{Comment: fc.Comment, SiteID: fc.SiteID, Page: fc.Page, ThreadTitle: fc.ThreadTitle}
		e := atomEntry{
			ID:        s.tagID(fc.CreatedAt, fmt.Sprintf("comment-%d", fc.ID)),
			Title:     atomText{Type: "text", Body: s.tr(c).T("feed.entry", "name", fc.Author, "page", threadName(where))},
			Updated:   atomTime(changed),
			Published: atomTime(fc.CreatedAt),
			Author:    &atomPerson{Name: fc.Author, URI: fc.Website},
			Content:   atomText{Type: "html", Body: fc.HTML},
		}
		page := s.pageURL(where, site)
		if page == "" {
			page = fc.ThreadURL
		}
		if page != "" {
			e.Links = []atomLink{{Rel: "alternate", Type: "text/html", Href: fmt.Sprintf("%s#comment-%d", page, fc.ID)}}
		}
		feed.Entries = append(feed.Entries, e)
	}
	feed.Updated = atomTime(updated)
	s.sendFeed(c, feed, updated)
}

// postsFeed is GET /feed.atom: the blog's newest published posts.
func (s *Server) postsFeed(c *gin.Context) {
	ctx := c.Request.Context()
	site, err := s.store.Site(ctx, models.DefaultSiteID)
	if err != nil {
		s.serverError(c, err)
		return
	}
	posts, err := s.store.PublishedPosts(ctx, models.DefaultSiteID, 0, feedEntries)
	if err != nil {
		s.serverError(c, err)
		return
	}
	self := s.cfg.BaseURL + "/feed.atom"
	feed := atomFeed{
		ID: self, Title: site.Name, Generator: "Parley",
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: self},
			{Rel: "alternate", Type: "text/html", Href: s.cfg.BaseURL + "/"},
		},
		// Posts have no author of their own; the feed's author covers them.
		Author: &atomPerson{Name: site.Name},
	}
	updated := site.CreatedAt
	for _, p := range posts {
		published := p.CreatedAt
		if p.PublishedAt != nil {
			published = *p.PublishedAt
		}
		changed := p.UpdatedAt
		if published.After(changed) {
			changed = published
		}
		if changed.After(updated) {
			updated = changed
		}
		feed.Entries = append(feed.Entries, atomEntry{
			ID:        s.tagID(p.CreatedAt, fmt.Sprintf("post-%d", p.ID)),
			Title:     atomText{Type: "text", Body: p.Title},
			Updated:   atomTime(changed),
			Published: atomTime(published),
			Links:     []atomLink{{Rel: "alternate", Type: "text/html", Href: s.cfg.BaseURL + p.PagePath()}},
			Content:   atomText{Type: "html", Body: p.BodyHTML},
		})
	}
	feed.Updated = atomTime(updated)
	s.sendFeed(c, feed, updated)
}

// sendFeed writes a feed with validators, so readers that poll get a 304
// while nothing changed.
func (s *Server) sendFeed(c *gin.Context, feed atomFeed, updated time.Time) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(&buf).Encode(feed); err != nil {
		s.serverError(c, fmt.Errorf("feed: %w", err))
		return
	}
	sum := sha256.Sum256(buf.Bytes())
	h := c.Writer.Header()
	h.Set("Content-Type", atomMediaType)
	h.Set("Cache-Control", feedMaxAge)
	h.Set("ETag", `"`+base64.RawURLEncoding.EncodeToString(sum[:12])+`"`)
	http.ServeContent(c.Writer, c.Request, "", updated, bytes.NewReader(buf.Bytes()))
}
