package handlers

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"parley/models/store"
)

// listCursor reads the before parameter of a list of posts: the id of the
// last post of the page before, or 0 for the first page. When the
// parameter is there and not an id it answers 400 and returns false.
func (s *Server) listCursor(c *gin.Context) (uint, bool) {
	raw, ok := c.GetQuery("before")
	if !ok {
		return 0, true
	}
	id, err := strconv.ParseUint(raw, 10, 64)
	if err != nil || id == 0 {
		s.failT(c, http.StatusBadRequest, "bad_cursor", "posts.bad_cursor")
		return 0, false
	}
	return uint(id), true
}

// olderLink trims posts, read with a limit of size+1, to size and returns
// the link to the page after them at path, or "" when none is left.
func olderLink(posts []store.PostWithThread, size int, path string) ([]store.PostWithThread, string) {
	if len(posts) <= size {
		return posts, ""
	}
	posts = posts[:size]
	return posts, path + "?before=" + strconv.FormatUint(uint64(posts[size-1].ID), 10)
}
