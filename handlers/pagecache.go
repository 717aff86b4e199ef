package handlers

import (
	"bytes"
	"context"
	"hash/fnv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"parley/models"
)

// Whole reader pages (a post with its thread, the embed) are cached too,
// for the plain read that most readers make: no form being shown again, no
// notice, no edit link of their own. The one part that changes on every
// request, the form's signed stamp, is rendered as stampMarker and put in
// when the page is written, so the page is otherwise served as it was
// rendered once per thread version.
const stampMarker = "parley-form-stamp-placeholder"

// plainPageParams are the query parameters a cacheable reader page may
// carry; any other (pending, edit, reply, mine, viewer, …) makes the page
// the reader's own.
var plainPageParams = map[string]bool{
	"sort": true, "cursor": true, "comment": true,
	"site": true, "page": true, "url": true, "title": true, "theme": true, "accent": true, "font": true,
}

// plainRead reports whether a request reads a reader page as anyone would.
func plainRead(c *gin.Context) bool {
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
		return false
	}
	// The keys alone, without building url.Values: this runs on every
	// cached read.
	for rest := c.Request.URL.RawQuery; rest != ""; {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		if pair == "" {
			continue
		}
		key, _, _ := strings.Cut(pair, "=")
		if k, err := url.QueryUnescape(key); err != nil || !plainPageParams[k] {
			return false
		}
	}
	for _, ck := range c.Request.Cookies() {
		if strings.HasPrefix(ck.Name, editCookiePrefix) {
			return false
		}
	}
	return true
}

// pageKey names a whole cached page: the thread's rendering (threadKey),
// what else the page shows (extra), the language, the request's query as
// it came (a query written in another order or encoding makes an entry of
// its own, which costs memory but is never wrong) and the minute.
func pageKey(kind string, t models.Thread, site models.Site, lang, rawQuery string, extra ...string) string {
	parts := append([]string{lang, rawQuery, strconv.FormatInt(time.Now().Unix()/60, 10)}, extra...)
	return threadKey("page|"+kind, t, site, parts...)
}

// cachedPage returns a cached page's two halves around the stamp. On a
// miss the caller is the one request rendering the page (see claim) and
// calls release once the page is written.
func (s *Server) cachedPage(ctx context.Context, key string) (before, after *rendered, release func()) {
	before, release = s.cache.claim(ctx, key+"|a")
	if before == nil {
		return nil, nil, release
	}
	if after = s.cache.get(key + "|b"); after == nil {
		return nil, nil, release
	}
	return before, after, release
}

// keepPage caches a page rendered with the stamp marker in its form, and
// returns its halves; nil when the page holds no single marker.
func (s *Server) keepPage(key string, page []byte) (before, after *rendered) {
	i := bytes.Index(page, []byte(stampMarker))
	if i < 0 || bytes.Contains(page[i+len(stampMarker):], []byte(stampMarker)) {
		return nil, nil
	}
	// The halves are copied: page is a pooled buffer.
	return s.cache.put(key+"|a", bytes.Clone(page[:i])), s.cache.put(key+"|b", bytes.Clone(page[i+len(stampMarker):]))
}

// writeStamped writes a cached page with this request's form stamp. Its
// weak entity tag is the page's, whatever the stamp.
func (s *Server) writeStamped(c *gin.Context, status int, before, after *rendered, stamp string) {
	h := fnv.New64a()
	h.Write([]byte(before.etag))
	h.Write([]byte(after.etag))
	etag := `W/"f` + strconv.FormatUint(h.Sum64(), 36) + `"`
	s.writeParts(c, status, etag, []segment{{cached: before}, {fresh: []byte(stamp)}, {cached: after}})
}

// pageCaching asks render to keep the page it renders: the page was
// rendered with stampMarker in place of stamp, or holds no stamp at all
// when stamp is empty (the moderation queue).
type pageCaching struct {
	key   string
	stamp string
}

// finishCachedPage writes a page rendered for the cache: the page (with its
// comment list put in) is kept in halves around the stamp marker, then
// written with the real stamp.
func (s *Server) finishCachedPage(c *gin.Context, status int, page []byte, slot *threadSlot, pc *pageCaching) {
	full := page
	if slot != nil {
		if i := bytes.Index(page, []byte(threadBodyMarker)); i >= 0 {
			full = make([]byte, 0, len(page)+len(slot.body.body))
			full = append(append(append(full, page[:i]...), slot.body.body...), page[i+len(threadBodyMarker):]...)
		}
	}
	if pc.stamp == "" {
		s.writeWholePage(c, status, s.cache.put(pc.key, bytes.Clone(full)))
		return
	}
	if before, after := s.keepPage(pc.key, full); before != nil {
		s.writeStamped(c, status, before, after, pc.stamp)
		return
	}
	c.Data(status, htmlContentType, bytes.ReplaceAll(full, []byte(stampMarker), []byte(pc.stamp)))
}

// postPageKey names a cached post page.
func postPageKey(postID uint, postUpdated time.Time, t models.Thread, site models.Site, lang, sort, rawQuery string, closed bool) string {
	return pageKey("post", t, site, lang, rawQuery, strconv.FormatUint(uint64(postID), 10),
		strconv.FormatInt(postUpdated.UnixNano(), 10), sort, strconv.FormatBool(closed))
}

// servePostFromCache answers a plain read of a post page from the cache,
// after one small query; false when it cannot (then nothing is written,
// and release is called once the full path has written the page).
func (s *Server) servePostFromCache(c *gin.Context) (served bool, release func()) {
	if !plainRead(c) || s.cache.max == 0 {
		return false, noRelease
	}
	ctx := c.Request.Context()
	head, err := s.store.PostHead(ctx, models.DefaultSiteID, c.Param("slug"))
	if err != nil || !head.Published {
		return false, noRelease // the full path answers 404 or the error
	}
	site, err := s.siteAsOf(ctx, models.DefaultSiteID, head.SiteUpdated)
	if err != nil {
		return false, noRelease
	}
	if shared, err := s.sharedView(ctx, head.Thread.ID, s.commenterKey(c, "")); err != nil || !shared {
		return false, noRelease
	}
	s.useSiteLanguage(c, site.Settings.Language)
	post := models.Post{PublishedAt: head.PublishedAt, CreatedAt: head.CreatedAt}
	closed := head.Thread.Closed || autoClosed(site.Settings, postStart(post), s.now())
	key := postPageKey(head.PostID, head.UpdatedAt, head.Thread, site, s.tr(c).Lang(), rememberedSort(c), c.Request.URL.RawQuery, closed)
	before, after, release := s.cachedPage(ctx, key)
	if before == nil {
		return false, release
	}
	s.blogSort(c) // remembers a chosen sort, as the full path does
	allowGravatarImages(c, site.Settings)
	c.Header("Cache-Control", "no-cache")
	s.writeStamped(c, http.StatusOK, before, after, s.signer.formStamp(s.now()))
	return true, release
}

// embedPageKey names a cached embed page. The page's address may come from
// the Referer rather than the query, so it is part of the key.
func embedPageKey(c *gin.Context, ec embedContext, lang string, closed bool) string {
	return pageKey("embed", ec.Thread, ec.Site, lang, c.Request.URL.RawQuery, ec.URL, strconv.FormatBool(closed))
}

// serveEmbedFromCache answers a plain read of the embed from the cache;
// false when it cannot (then nothing is written, and release is called once
// the full path has written the page).
func (s *Server) serveEmbedFromCache(c *gin.Context, ec embedContext) (served bool, release func()) {
	if !plainRead(c) || s.cache.max == 0 || ec.Thread.ID == 0 {
		return false, noRelease
	}
	thread := ec.Thread
	if _, err := s.closeIfDue(c.Request.Context(), ec.Site, &thread); err != nil {
		return false, noRelease
	}
	before, after, release := s.cachedPage(c.Request.Context(), embedPageKey(c, ec, s.tr(c).Lang(), thread.Closed))
	if before == nil {
		return false, release
	}
	allowGravatarImages(c, ec.Site.Settings)
	embedHeaders(c, ec.frameAncestors())
	s.writeStamped(c, http.StatusOK, before, after, s.signer.formStamp(s.now()))
	return true, release
}
