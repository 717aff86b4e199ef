package handlers

import (
	"net/http"

	"github.com/gorilla/sessions"
)

// maxRememberedCookies bounds the cookie values sessionCookies keeps.
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
	ids   *bytesMemo[string]
}

func newSessionCookies(store *sessions.CookieStore) *sessionCookies {
	return &sessionCookies{store: store, ids: newBytesMemo[string](maxRememberedCookies)}
}

// id returns the session id the request's session cookie holds; "" when it
// has none or the cookie does not decode.
func (sc *sessionCookies) id(r *http.Request) string {
	cookie, err := r.Cookie(sessionCookie)
	if err != nil || cookie.Value == "" {
		return ""
	}
	if id, ok := sc.ids.get(cookie.Value); ok {
		return id
	}
	sess, err := sc.store.Get(r, sessionCookie)
	if err != nil {
		return ""
	}
	id, _ := sess.Values[sessionIDKey].(string)
	if id != "" {
		sc.ids.put(cookie.Value, id)
	}
	return id
}
