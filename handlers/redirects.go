package handlers

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"parley/models"
)

// noRoute answers addresses no route knows: an old address of an imported
// Blogger post or page (/2010/05/title.html) with a permanent redirect to
// its new one (/posts/title), anything else with the 404 page.
func (s *Server) noRoute(c *gin.Context) {
	if s.redirectOld(c) {
		return
	}
	s.notFound(c)
}

// redirectOld sends a 301 for a known old address of the blog and reports
// whether it did. The query string is not part of the match (Blogger adds
// ?m=1 for phones) and is not carried over.
func (s *Server) redirectOld(c *gin.Context) bool {
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
		return false
	}
	// Normalized the way imported page keys are (importer.PageKey).
	path := (&url.URL{Path: c.Request.URL.Path}).EscapedPath()
	if len(path) > 500 {
		return false
	}
	to, err := s.store.Redirect(c.Request.Context(), models.DefaultSiteID, path)
	if err != nil {
		if !isNotFound(err) {
			s.log.Error("redirect lookup failed", "path", path, "err", err)
		}
		return false
	}
	c.Header("Cache-Control", "public, max-age=86400")
	c.Redirect(http.StatusMovedPermanently, to)
	return true
}
