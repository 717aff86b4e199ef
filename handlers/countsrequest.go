package handlers

import (
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"
)

// Bounds of Server.countsBodies, which remembers what counts request
// bodies decoded to: how many bodies it keeps and the largest it keeps.
// Every reader of a blog's index page asks for the counts of the same
// pages, so the same bytes arrive again and again, and decoding their JSON
// was a third of the CPU of a counts request whose answer was already
// cached.
const (
	maxRememberedCountsBodies = 256
	maxRememberedCountsBody   = 16 << 10
)

// countsQuery is a decoded counts request and the digest of its pages, by
// which the render cache names its answer. Its Pages are shared by every
// request that sent the same body: read them, never change them.
type countsQuery struct {
	req    countsRequest
	digest [sha256.Size]byte
}

// readCountsQuery reads a counts request's JSON body, from what the same
// bytes decoded to before when it can. It answers the client itself (415,
// 413 or 400, as decodeJSON does) and returns false when the body is not
// a counts request.
func (s *Server) readCountsQuery(c *gin.Context) (countsQuery, bool) {
	if !s.wantJSON(c) {
		return countsQuery{}, false
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		if tooLarge(err) {
			s.fail(c, http.StatusRequestEntityTooLarge, "too_large", "The request is too large.")
		} else {
			s.fail(c, http.StatusBadRequest, "bad_json", "The body could not be read.")
		}
		return countsQuery{}, false
	}
	if q, ok := s.countsBodies.get(string(body)); ok {
		return q, true
	}
	var q countsQuery
	if err := json.Unmarshal(body, &q.req); err != nil {
		s.fail(c, http.StatusBadRequest, "bad_json", "The body is not valid JSON of the expected shape.")
		return countsQuery{}, false
	}
	h := sha256.New()
	for _, p := range q.req.Pages {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	h.Sum(q.digest[:0])
	if len(body) <= maxRememberedCountsBody {
		s.countsBodies.put(string(body), q)
	}
	return q, true
}
