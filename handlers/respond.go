package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"parley/models"
)

// errorBody is the JSON shape of every API error.
type errorBody struct {
	Error string            `json:"error"`
	Code  string            `json:"code"`
	Field map[string]string `json:"fields,omitempty"`
}

func apiErr(msg, code string) errorBody { return errorBody{Error: msg, Code: code} }

// wantsJSON reports whether the response should be JSON: API routes and
// scripted admin calls that ask for it.
func wantsJSON(c *gin.Context) bool {
	return isAPIPath(c.Request.URL.Path) ||
		strings.Contains(c.GetHeader("Accept"), "application/json")
}

// fail answers an error in the form the client expects. On an HTML page a
// message that is in the English catalog word for word is translated.
func (s *Server) fail(c *gin.Context, status int, code, msg string) {
	if wantsJSON(c) {
		c.AbortWithStatusJSON(status, apiErr(msg, code))
		return
	}
	s.renderError(c, status, s.tr(c).FromEnglish(msg))
}

// serverError logs err once and answers a generic 500 (or 503 when the
// database is overloaded or gone).
func (s *Server) serverError(c *gin.Context, err error) {
	s.log.Error("request failed", "method", c.Request.Method, "path", c.Request.URL.Path, "err", err, "request_id", requestID(c))
	s.failT(c, http.StatusInternalServerError, "internal", "error.internal")
}

// tooLarge reports whether err came from the body size limit.
func tooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

func (s *Server) notFound(c *gin.Context) {
	s.failT(c, http.StatusNotFound, "not_found", "error.not_found")
}

func (s *Server) methodNotAllowed(c *gin.Context) {
	s.failT(c, http.StatusMethodNotAllowed, "method_not_allowed", "error.method_not_allowed")
}

// retryAfter sets Retry-After in whole seconds, at least one.
func retryAfter(c *gin.Context, d time.Duration) {
	secs := int((d + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	c.Header("Retry-After", strconv.Itoa(secs))
}

// errorPage is the data of the error view.
type errorPage struct {
	Status  int
	Message string
}

// pageData is what every view gets: the layout's fields plus the page's own.
type pageData struct {
	Title       string
	Description string
	Moderator   *models.Moderator
	CSRFOK      bool
	Notice      string
	Data        any
	// thread is the cached comment list the page holds, if any.
	thread *threadSlot
	// cache, when set, keeps the whole page (see pagecache.go).
	cache *pageCaching
}

// render executes a view into a buffer first, so a template error becomes a
// clean 500 instead of half a page.
func (s *Server) render(c *gin.Context, status int, view string, data pageData) {
	if m, ok := c.Get(moderatorKey); ok {
		mod := m.(models.Moderator)
		data.Moderator = &mod
	}
	buf := s.cache.buffer()
	defer s.cache.release(buf)
	if err := s.views.executeIn(buf, s.tr(c).Lang(), view, data); err != nil {
		s.log.Error("render failed", "view", view, "err", err)
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("Something went wrong on our side.\n"))
		return
	}
	if isAdminPath(c.Request.URL.Path) {
		c.Header("Cache-Control", "no-store")
	} else {
		c.Header("Cache-Control", "no-cache")
	}
	if data.cache != nil {
		s.finishCachedPage(c, status, buf.Bytes(), data.thread, data.cache)
		return
	}
	s.writeHTML(c, status, buf.Bytes(), data.thread)
}

func isNotFound(err error) bool { return errors.Is(err, models.ErrNotFound) }
