package handlers

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// Body limits: a comment is at most 64 KiB of markdown plus a few short
// fields; a post edited in the admin may be larger.
const (
	maxBodyBytes      = 128 << 10
	maxAdminBodyBytes = 2 << 20
)

// accessLog writes one line per request: method, path, status, duration.
// Never the query string or body, which may hold what readers wrote.
func (s *Server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	s.log.Info("request",
		"method", c.Request.Method,
		"path", c.Request.URL.Path,
		"status", c.Writer.Status(),
		"duration_ms", float64(time.Since(start).Microseconds())/1000,
		"bytes", c.Writer.Size(),
		"request_id", requestID(c),
	)
}

// recoverPanics turns a panic into a logged 500 instead of a dropped connection.
func (s *Server) recoverPanics(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic serving request", "path", c.Request.URL.Path, "panic", v, "request_id", requestID(c))
			if !c.Writer.Written() {
				s.fail(c, http.StatusInternalServerError, "internal", "Something went wrong on our side.")
			}
			c.Abort()
		}
	}()
	c.Next()
}

// securityHeaders sets the headers every response carries. The embed page
// replaces frame-ancestors with its site's origins.
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "+
		"connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	c.Next()
}

// limitBody caps how much of a request body a handler may read.
func limitBody(c *gin.Context) {
	limit := int64(maxBodyBytes)
	if strings.HasPrefix(c.Request.URL.Path, "/admin/posts") {
		limit = maxAdminBodyBytes
	}
	if c.Request.URL.Path == "/admin/import" {
		limit = maxImportBytes // streamed to a temporary file, see admin_import.go
		allowLongUpload(c)
	}
	if c.Request.ContentLength > limit {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 0)
		if wantsJSON(c) {
			c.AbortWithStatusJSON(http.StatusRequestEntityTooLarge, apiErr("The request is too large.", "too_large"))
		} else {
			c.Data(http.StatusRequestEntityTooLarge, "text/plain; charset=utf-8", []byte("The request is too large.\n"))
			c.Abort()
		}
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	c.Next()
}
