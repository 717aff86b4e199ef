package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"parley/models"
)

// errDownvotesOff is a downvote on a site that turned downvotes off.
var errDownvotesOff = errors.New("downvotes are turned off on this site")

// voteRequest is the JSON body of a vote.
type voteRequest struct {
	Value int `json:"value"`
	// CommenterKey is the signed key the embed keeps in its own storage;
	// Parley's own pages send the cookie instead.
	CommenterKey string `json:"commenter_key"`
	// Site lets the CORS layer answer the site's origins at once; the
	// comment's own site is checked either way.
	Site string `json:"site"`
}

// voterID names a reader for votes: their commenter key, else a hash of
// their address and user agent (never the address itself).
func voterID(key, ip, userAgent string) string {
	if key != "" {
		return key
	}
	sum := sha256.Sum256([]byte(ip + userAgent))
	return hex.EncodeToString(sum[:])
}

// vote records a reader's vote on a public comment and returns the score
// and the comment's site. A comment that is not public is not found.
func (s *Server) vote(ctx context.Context, id uint64, value int, voter string) (int, models.Site, error) {
	c, err := s.store.Comment(ctx, uint(id))
	if err != nil {
		return 0, models.Site{}, err
	}
	if c.Status != models.StatusApproved {
		return 0, models.Site{}, fmt.Errorf("vote on comment %d: %w", id, models.ErrNotFound)
	}
	thread, err := s.store.ThreadByID(ctx, c.ThreadID)
	if err != nil {
		return 0, models.Site{}, err
	}
	site, err := s.currentSite(ctx, thread.SiteID)
	if err != nil {
		return 0, site, err
	}
	if value < 0 && site.Settings.NoDownvotes {
		return 0, site, errDownvotesOff
	}
	score, err := s.store.Vote(ctx, uint(id), voter, value)
	return score, site, err
}

// apiVote is POST /api/v1/comments/:id/vote {"value": 1|-1} → 200 {"score"}.
// A repeated vote changes nothing and answers the same; a vote of the other
// value switches the reader's vote.
func (s *Server) apiVote(c *gin.Context) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil {
		s.fail(c, http.StatusNotFound, "not_found", "There is no such comment.")
		return
	}
	var req voteRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	if req.Value != 1 && req.Value != -1 {
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, errorBody{Error: "value must be 1 or -1.", Code: "invalid",
			Field: map[string]string{"value": "Vote 1 (up) or -1 (down)."}})
		return
	}
	voter := voterID(s.commenterKey(c, req.CommenterKey), c.ClientIP(), c.Request.UserAgent())
	score, site, err := s.vote(c.Request.Context(), id, req.Value, voter)
	if site.ID != "" {
		// The body may not have named the site; answer its origins anyway.
		if o := c.GetHeader("Origin"); o != "" && siteAllowsOrigin(site, o) {
			c.Header("Access-Control-Allow-Origin", o)
		}
	}
	switch {
	case errors.Is(err, errDownvotesOff):
		s.fail(c, http.StatusForbidden, "downvotes_off", "Downvotes are turned off on this site.")
	case isNotFound(err):
		s.fail(c, http.StatusNotFound, "not_found", "There is no such comment.")
	case err != nil:
		s.serverError(c, err)
	default:
		c.JSON(http.StatusOK, gin.H{"score": score})
	}
}

// voteFormValue reads the no-JavaScript vote form's value ("1" or "-1").
func voteFormValue(c *gin.Context) (int, bool) {
	switch c.PostForm("value") {
	case "1":
		return 1, true
	case "-1":
		return -1, true
	}
	return 0, false
}

// voteForm is POST /posts/:slug/comments/:id/vote, the vote buttons without
// JavaScript on Parley's own pages: 303 back to the comment.
func (s *Server) voteForm(c *gin.Context) {
	post, ok := s.publishedPost(c)
	if !ok {
		return
	}
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	value, valid := voteFormValue(c)
	if err != nil {
		s.notFound(c)
		return
	}
	if !valid {
		s.fail(c, http.StatusUnprocessableEntity, "invalid", "Vote up or down.")
		return
	}
	voter := voterID(s.commenterKey(c, ""), c.ClientIP(), c.Request.UserAgent())
	_, site, err := s.vote(c.Request.Context(), id, value, voter)
	if err == nil && site.ID != models.DefaultSiteID {
		err = models.ErrNotFound // a comment of another site has no place on this page
	}
	switch {
	case errors.Is(err, errDownvotesOff):
		s.fail(c, http.StatusForbidden, "downvotes_off", "Downvotes are turned off on this site.")
	case isNotFound(err):
		s.notFound(c)
	case err != nil:
		s.serverError(c, err)
	default:
		c.Redirect(http.StatusSeeOther, fmt.Sprintf("%s?comment=%d#comment-%d", post.PagePath(), id, id))
	}
}

// embedVote is POST /embed/comments/:id/vote: the vote buttons inside the
// iframe without JavaScript. Same-origin only, like the iframe's other forms.
func (s *Server) embedVote(c *gin.Context) {
	ec, ok := s.embedFormContext(c, "Votes can only be sent from Parley's own buttons.")
	if !ok {
		return
	}
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	value, valid := voteFormValue(c)
	if err != nil {
		s.embedProblemPage(c, ec.Theme, &embedProblem{http.StatusNotFound, "There is no such comment."})
		return
	}
	if !valid {
		s.embedProblemPage(c, ec.Theme, &embedProblem{http.StatusUnprocessableEntity, "Vote up or down."})
		return
	}
	voter := voterID(s.commenterKey(c, c.PostForm("commenter_key")), c.ClientIP(), c.Request.UserAgent())
	_, site, err := s.vote(c.Request.Context(), id, value, voter)
	if err == nil && site.ID != ec.Site.ID {
		err = models.ErrNotFound
	}
	switch {
	case errors.Is(err, errDownvotesOff):
		s.embedProblemPage(c, ec.Theme, &embedProblem{http.StatusForbidden, "Downvotes are turned off on this site."})
	case isNotFound(err):
		s.embedProblemPage(c, ec.Theme, &embedProblem{http.StatusNotFound, "There is no such comment."})
	case err != nil:
		s.serverError(c, err)
	default:
		q := ec.query()
		q.Set("comment", c.Param("id"))
		c.Redirect(http.StatusSeeOther, "/embed?"+q.Encode()+"#comment-"+c.Param("id"))
	}
}
