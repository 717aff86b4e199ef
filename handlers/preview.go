package handlers

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// maxPreviewBytes bounds a preview request: a comment of the longest
// allowed length, with room for JSON escapes.
const maxPreviewBytes = 2 * maxBodyBytes64

// previewRequest is the JSON body of POST /api/v1/preview. Site is optional
// and only names whose origins CORS lets in, as elsewhere in the API.
type previewRequest struct {
	Site string `json:"site"`
	Body string `json:"body"`
}

// previewResponse carries the comment's HTML, sanitized exactly as a posted
// comment's would be.
type previewResponse struct {
	HTML string `json:"html"`
}

// renderPreview renders comment markdown through the same converter and
// allowlist as a posted comment. problem is a message for the reader when
// the body cannot be a comment (empty, too long, not text).
func (s *Server) renderPreview(body string) (html, problem string, err error) {
	switch {
	case !utf8.ValidString(body):
		return "", "This contains characters that are not valid text.", nil
	case strings.TrimSpace(body) == "":
		return "", "Write something to preview.", nil
	case len(body) > maxBodyBytes64 || utf8.RuneCountInString(body) > maxBodyRunes:
		return "", fmt.Sprintf("A comment can have at most %d characters.", maxBodyRunes), nil
	}
	html, err = s.markup.Comment(body)
	if err != nil {
		return "", "", fmt.Errorf("preview: %w", err)
	}
	return html, "", nil
}

// apiPreview is POST /api/v1/preview {"body"} → {"html"}: the comment as it
// would look once posted. Nothing is stored.
func (s *Server) apiPreview(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxPreviewBytes)
	var req previewRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	html, problem, err := s.renderPreview(req.Body)
	if err != nil {
		s.serverError(c, err)
		return
	}
	if problem != "" {
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity,
			errorBody{Error: problem, Code: "invalid", Field: map[string]string{"body": problem}})
		return
	}
	c.JSON(http.StatusOK, previewResponse{HTML: html})
}

// wantsPreview reports whether the comment form was sent with its Preview
// button rather than to post.
func wantsPreview(c *gin.Context) bool {
	return c.PostForm("preview") != ""
}

// previewInto puts the preview of the form's body into the form, or the
// reason there is none onto the body field, and returns the status to show
// the form again with. ok is false when it was a server error, answered.
func (s *Server) previewInto(c *gin.Context, form *commentForm) (int, bool) {
	html, problem, err := s.renderPreview(form.Body)
	if err != nil {
		s.serverError(c, err)
		return 0, false
	}
	if problem != "" {
		form.Errors = map[string]string{"body": problem}
		return http.StatusUnprocessableEntity, true
	}
	form.Preview = html
	return http.StatusOK, true
}
