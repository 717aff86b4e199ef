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
		s.failT(c, http.StatusBadRequest, "bad_cursor", "postlist.bad_cursor")
		return 0, false
	}
	return uint(id), true
}

// postPager is the foot of a list of posts shown a page at a time
// (partials/post_pager.html).
type postPager struct {
	// Newest links to the list's first page, from every page after it.
	Newest string
	// Older links to the next page of older posts; "" on the last page.
	Older string
	// Empty is set on a later page that holds no post: its cursor named
	// none of the list's posts.
	Empty bool
}

// pagePosts trims posts, read with a limit of size+1 after the post before
// (0 for the first page), to size and returns the pager of the list at path.
func pagePosts(posts []store.PostWithThread, size int, path string, before uint) ([]store.PostWithThread, postPager) {
	var pager postPager
	if before > 0 {
		pager.Newest, pager.Empty = path, len(posts) == 0
	}
	if len(posts) > size {
		posts = posts[:size]
		pager.Older = path + "?before=" + strconv.FormatUint(uint64(posts[size-1].ID), 10)
	}
	return posts, pager
}
