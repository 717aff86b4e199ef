package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"parley/models"
)

// The moderation queue's pages are cached whole, like reader pages, under
// the queue's version (store.QueueVersion), which triggers move with every
// change to comments, threads or sites. A queue page otherwise depends only
// on what the key holds: the query (tab, filters, cursor, and so the page's
// return address), the language, the moderator's role (the layout's menu)
// and the current minute (times read "3 minutes ago"). Nothing on it is
// one moderator's own: no name, no token (the admin is protected by
// cross-origin checks, not by tokens in forms).

// queuePageKey names the rendering of the queue page a request asks for.
func (s *Server) queuePageKey(c *gin.Context, version int64) string {
	role := ""
	if m, ok := c.Get(moderatorKey); ok {
		role = m.(models.Moderator).Role
	}
	return "queue|" + strconv.FormatInt(version, 10) + "|" + s.tr(c).Lang() + "|" + role + "|" +
		strconv.FormatInt(time.Now().Unix()/60, 10) + "|" + c.Request.URL.RequestURI()
}

// queueCaching returns how the queue page of this request is cached: served
// (true) when the cache holds it, else the key to keep it under once
// rendered (nil when the cache is off or the version cannot be read, in
// which case the page is rendered as if there were no cache). release is
// called once the page is written.
func (s *Server) queueCaching(c *gin.Context) (pc *pageCaching, served bool, release func()) {
	if s.cache.max == 0 || c.Request.Method != http.MethodGet {
		return nil, false, noRelease
	}
	version, err := s.store.QueueVersion(c.Request.Context())
	if err != nil {
		s.log.Warn("queue version", "err", err, "request_id", requestID(c))
		return nil, false, noRelease
	}
	key := s.queuePageKey(c, version)
	hit, release := s.cache.claim(c.Request.Context(), key)
	if hit != nil {
		s.writeWholePage(c, http.StatusOK, hit)
		return nil, true, noRelease
	}
	return &pageCaching{key: key}, false, release
}

// writeWholePage answers with a page cached whole, gzipped once for every
// client that accepts it.
func (s *Server) writeWholePage(c *gin.Context, status int, page *rendered) {
	if isAdminPath(c.Request.URL.Path) {
		c.Header("Cache-Control", "no-store")
	}
	s.writeParts(c, status, page.etag, []segment{{cached: page}})
}
