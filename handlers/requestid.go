package handlers

import (
	"crypto/rand"
	"encoding/hex"

	"github.com/gin-gonic/gin"
)

// requestIDKey is where the request id lives in the gin context.
const requestIDKey = "parley.request_id"

// requestIDHeader names the response header that carries the request id.
const requestIDHeader = "X-Request-Id"

// assignRequestID gives every request a fresh random id, sent back in
// X-Request-Id and written in its log lines. An incoming X-Request-Id is
// never reused: a client could otherwise forge or collide ids in the logs.
func (s *Server) assignRequestID(c *gin.Context) {
	id := newRequestID()
	c.Set(requestIDKey, id)
	c.Writer.Header().Set(requestIDHeader, id)
	c.Next()
}

// requestID returns the id assignRequestID gave the request, or "".
func requestID(c *gin.Context) string {
	return c.GetString(requestIDKey)
}

// newRequestID returns 16 random bytes in hex.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}
