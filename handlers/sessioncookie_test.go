package handlers

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

func TestSessionCookiesDecodeOnceAndRefuseForgeries(t *testing.T) {
	keys := [][]byte{securecookie.GenerateRandomKey(32), securecookie.GenerateRandomKey(32)}
	cs := newCookieStore(keys, false)
	sc := newSessionCookies(cs)
	cookieFor := func(id string) string {
		t.Helper()
		v, err := securecookie.EncodeMulti(sessionCookie, map[any]any{sessionIDKey: id}, cs.Codecs...)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	request := func(value string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/admin/queue", nil)
		if value != "" {
			r.AddCookie(&http.Cookie{Name: sessionCookie, Value: value})
		}
		return r
	}

	good := cookieFor("session-1")
	for i := range 2 {
		if got := sc.id(request(good)); got != "session-1" {
			t.Fatalf("read %d: id %q, want session-1", i, got)
		}
	}
	if sc.ids.len() != 1 {
		t.Fatalf("%d cookies remembered, want 1", sc.ids.len())
	}
	other := sessions.NewCookieStore(securecookie.GenerateRandomKey(32), securecookie.GenerateRandomKey(32))
	forged, err := securecookie.EncodeMulti(sessionCookie, map[any]any{sessionIDKey: "session-1"}, other.Codecs...)
	if err != nil {
		t.Fatal(err)
	}
	for name, value := range map[string]string{"none": "", "forged": forged, "tampered": good[:len(good)-2] + "xx", "garbage": "abc"} {
		if got := sc.id(request(value)); got != "" {
			t.Errorf("%s cookie: id %q, want none", name, got)
		}
	}
	if sc.ids.len() != 1 {
		t.Fatalf("%d cookies remembered after the refused ones, want 1", sc.ids.len())
	}

	for i := range maxRememberedCookies + 5 {
		if got := sc.id(request(cookieFor(fmt.Sprint("s", i)))); got != fmt.Sprint("s", i) {
			t.Fatalf("cookie %d: id %q", i, got)
		}
	}
	if n := sc.ids.len(); n > maxRememberedCookies {
		t.Fatalf("%d cookies remembered, bound %d", n, maxRememberedCookies)
	}
}
