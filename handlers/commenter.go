package handlers

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// A commenter key identifies a browser, not a person: it is a random id,
// signed so nobody can forge someone else's. Parley's own pages keep it in
// a cookie; the embed keeps it in its own storage and sends it along.
// Trust and key bans follow the key, never a typed name or email.
const (
	commenterCookie    = "parley_commenter"
	commenterKeyMaxAge = 2 * 365 * 24 * time.Hour
)

// newCommenterKey returns a fresh key id and the signed token that carries it.
func (s *Server) newCommenterKey() (id, token string, err error) {
	buf := make([]byte, 16)
	if _, err := rand.Read(buf); err != nil {
		return "", "", err
	}
	id = base64.RawURLEncoding.EncodeToString(buf)
	return id, s.signer.sign("commenter", id), nil
}

// commenterKey returns the key id of the request: from an explicit token
// (JSON field, form field or query) when given, else from the cookie. A
// forged or missing token gives "".
func (s *Server) commenterKey(c *gin.Context, explicit string) string {
	token := explicit
	if token == "" {
		if ck, err := c.Cookie(commenterCookie); err == nil {
			token = ck
		}
	}
	if token == "" {
		return ""
	}
	id, ok := s.signer.verify("commenter", token)
	if !ok {
		return ""
	}
	return id
}

// setCommenterCookie stores the signed key for Parley's own pages.
func (s *Server) setCommenterCookie(c *gin.Context, token string) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name:     commenterCookie,
		Value:    token,
		Path:     "/",
		MaxAge:   int(commenterKeyMaxAge / time.Second),
		HttpOnly: true,
		Secure:   s.cfg.SecureCookies,
		SameSite: http.SameSiteLaxMode,
	})
}

// readerID names a reader for counting distinct flags: their commenter key,
// else a hash of their address group (never the address itself).
func (s *Server) readerID(key, ip string) string {
	if key != "" {
		return "k:" + key
	}
	sum := sha256.Sum256([]byte("reader\x00" + ipKey(ip)))
	return "ip:" + hex.EncodeToString(sum[:12])
}
