package handlers

import (
	"log/slog"
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
	ctx := c.Request.Context()
	h := s.log.Handler()
	if !h.Enabled(ctx, slog.LevelInfo) {
		return
	}
	// The record is made here rather than by Logger.LogAttrs, which looks
	// up its caller's program counter on every call (the handler never
	// prints it), and with typed attributes: the key-value form boxed each
	// number.
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
	r.AddAttrs(
		slog.String("method", c.Request.Method),
		slog.String("path", c.Request.URL.Path),
		slog.Int("status", c.Writer.Status()),
		slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
		slog.Int("bytes", c.Writer.Size()),
		slog.String("request_id", requestID(c)),
	)
	_ = h.Handle(ctx, r) // as Logger.LogAttrs does, a failed write is not the request's
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

// securityHeaderValues are the headers every page and file carries. The
// embed page replaces frame-ancestors with its site's origins.
var securityHeaderValues = map[string]string{
	"Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
		"connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'",
	"X-Content-Type-Options":     "nosniff",
	"Referrer-Policy":            "strict-origin-when-cross-origin",
	"X-Frame-Options":            "DENY",
	"Permissions-Policy":         "camera=(), microphone=(), geolocation=(), interest-cohort=()",
	"Cross-Origin-Opener-Policy": "same-origin",
}

// apiSecurityHeaderValues are the headers of the JSON API's answers, as
// OWASP's REST Security Cheat Sheet lists them. JSON is never a document a
// browser renders, so the policies that act on documents (referrer,
// permissions, opener) have nothing to act on, and the CSP allows nothing
// at all. Fewer and shorter headers are also cheaper on the busiest
// routes: each one is copied, sorted and written by net/http and parsed by
// the client on every answer.
var apiSecurityHeaderValues = map[string]string{
	"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
	"X-Content-Type-Options":  "nosniff",
	"X-Frame-Options":         "DENY",
}

// securityHeaders sets securityHeaderValues, or apiSecurityHeaderValues on
// the API, on every response. Each response gets its own one-value slices,
// as Header.Set would make them, but all in one allocation instead of one
// per header.
func securityHeaders(c *gin.Context) {
	set := securityHeaderValues
	if isAPIPath(c.Request.URL.Path) {
		set = apiSecurityHeaderValues
	}
	h := c.Writer.Header()
	values := make([]string, 0, len(set))
	for k, v := range set {
		values = append(values, v)
		h[k] = values[len(values)-1 : len(values) : len(values)]
	}
	c.Next()
}

// limitBody caps how much of a request body a handler may read.
func limitBody(c *gin.Context) {
	if c.Request.Body == http.NoBody { // most GETs: nothing to limit
		c.Next()
		return
	}
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
