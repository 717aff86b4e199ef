package handlers

import (
	"crypto/rand"
	"encoding/hex"

	"github.com/gin-gonic/gin"
)

// requestIDHeader names the response header that carries the request id,
// in canonical form. The header is also where the id is kept for the
// request's log lines: keeping it in the gin context as well cost every
// request a map of its own.
const requestIDHeader = "X-Request-Id"

// assignRequestID gives every request a fresh random id, sent back in
// X-Request-Id and written in its log lines. An incoming X-Request-Id is
// never reused: a client could otherwise forge or collide ids in the logs.
func (s *Server) assignRequestID(c *gin.Context) {
	c.Writer.Header()[requestIDHeader] = []string{newRequestID()}
	c.Next()
}

// requestID returns the id assignRequestID gave the request, or "".
func requestID(c *gin.Context) string {
	if v := c.Writer.Header()[requestIDHeader]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// newRequestID returns 16 random bytes in hex.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}
