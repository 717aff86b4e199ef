package handlers

import (
	"net/http"
	"sync"

	"github.com/gorilla/sessions"
)

// maxRememberedCookies bounds sessionCookies; when it is full it starts
// over, which costs each signed-in moderator one more decode.
const maxRememberedCookies = 1024

// sessionCookies reads the session id out of a moderator's session cookie,
// remembering what each cookie value decoded to. Decoding one (its HMAC,
// its AES, then gob, which builds its decoder anew for every value) was a
// quarter of the CPU of a moderator's request. The value is signed with
// keys fixed for the life of the server, so the same bytes always decode
// to the same id; whether that session still stands is asked of the store
// on every request (requireModerator), so a remembered id never outlives
// its session.
type sessionCookies struct {
	store *sessions.CookieStore
	mu    sync.Mutex
	ids   map[string]string
}

func newSessionCookies(store *sessions.CookieStore) *sessionCookies {
	return &sessionCookies{store: store, ids: make(map[string]string)}
}

// id returns the session id the request's session cookie holds; "" when it
// has none or the cookie does not decode.
func (sc *sessionCookies) id(r *http.Request) string {
	cookie, err := r.Cookie(sessionCookie)
	if err != nil || cookie.Value == "" {
		return ""
	}
	sc.mu.Lock()
	id, ok := sc.ids[cookie.Value]
	sc.mu.Unlock()
	if ok {
		return id
	}
	sess, err := sc.store.Get(r, sessionCookie)
	if err != nil {
		return ""
	}
	id, _ = sess.Values[sessionIDKey].(string)
	if id == "" {
		return ""
	}
	sc.mu.Lock()
	if len(sc.ids) >= maxRememberedCookies {
		clear(sc.ids)
	}
	sc.ids[cookie.Value] = id
	sc.mu.Unlock()
	return id
}
