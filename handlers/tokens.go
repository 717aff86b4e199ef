package handlers

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// signer makes and checks short HMAC-signed tokens. The newest key signs;
// every key verifies, so rotation does not break tokens in flight.
type signer struct {
	keys [][]byte
	// lastStamp is the form stamp of the latest second one was asked for:
	// every page with a form carries one, and it changes once a second.
	lastStamp atomic.Pointer[secondStamp]
}

// secondStamp is the form stamp of one second.
type secondStamp struct {
	sec   int64
	stamp string
}

func (s *signer) mac(key []byte, purpose, value string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// sign returns value.signature, bound to purpose.
func (s *signer) sign(purpose, value string) string {
	return value + "." + s.mac(s.keys[0], purpose, value)
}

// verify returns the value of a token signed for purpose.
func (s *signer) verify(purpose, token string) (string, bool) {
	i := strings.LastIndexByte(token, '.')
	if i < 0 {
		return "", false
	}
	value, sig := token[:i], token[i+1:]
	for _, k := range s.keys {
		if hmac.Equal([]byte(sig), []byte(s.mac(k, purpose, value))) {
			return value, true
		}
	}
	return "", false
}

// formStamp signs the time a comment form was served.
func (s *signer) formStamp(now time.Time) string {
	sec := now.Unix()
	if last := s.lastStamp.Load(); last != nil && last.sec == sec {
		return last.stamp
	}
	stamp := s.sign("form", strconv.FormatInt(sec, 10))
	s.lastStamp.Store(&secondStamp{sec: sec, stamp: stamp})
	return stamp
}

// formAge returns how long ago a signed stamp was made; false for a stamp
// that is missing, forged or from the future.
func (s *signer) formAge(stamp string, now time.Time) (time.Duration, bool) {
	v, ok := s.verify("form", stamp)
	if !ok {
		return 0, false
	}
	sec, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, false
	}
	age := now.Sub(time.Unix(sec, 0))
	return age, age >= 0
}

// newEditToken returns a random token for the reader and the hash to store.
func newEditToken() (token, hash string, err error) {
	buf := make([]byte, 24)
	if _, err := rand.Read(buf); err != nil {
		return "", "", err
	}
	token = base64.RawURLEncoding.EncodeToString(buf)
	return token, hashToken(token), nil
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
