package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"parley/models"
	"parley/models/store"
)

func TestAdminNeedsSession(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{"/admin", "/admin/queue", "/admin/audit", "/admin/posts", "/admin/settings"} {
		resp := e.get(nil, p)
		wantStatus(t, resp, http.StatusSeeOther)
		if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/admin/login") {
			t.Errorf("%s redirects to %q", p, loc)
		}
	}
	resp := e.postForm(nil, "/admin/comments/1/approve", nil)
	wantStatus(t, resp, http.StatusSeeOther)
}

func TestLoginFailuresLookTheSameAndAreThrottled(t *testing.T) {
	e := newEnv(t)
	wrong := e.postForm(nil, "/admin/login", url.Values{"email": {adminEmail}, "password": {"nope"}})
	unknown := e.postForm(nil, "/admin/login", url.Values{"email": {"ghost@example.com"}, "password": {"nope"}})
	wantStatus(t, wrong, http.StatusUnauthorized)
	wantStatus(t, unknown, http.StatusUnauthorized)
	msg := "The email or password is not right."
	wantContains(t, wrong.Body, msg)
	wantContains(t, unknown.Body, msg)
	e.postForm(nil, "/admin/login", url.Values{"email": {adminEmail}, "password": {"nope"}})
	e.postForm(nil, "/admin/login", url.Values{"email": {adminEmail}, "password": {"nope"}})
	throttled := e.postForm(nil, "/admin/login", url.Values{"email": {adminEmail}, "password": {adminPassword}})
	wantStatus(t, throttled, http.StatusTooManyRequests)
	if throttled.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	wantContains(t, throttled.Body, "Too many failed sign-ins")
}

// TestLoginOfARestoredModerator: a moderator who came back from a dump has
// no password until "parley admin passwd" sets one; signing in as them is
// a wrong password like any other, not a server error.
func TestLoginOfARestoredModerator(t *testing.T) {
	e := newEnv(t)
	dump := `{"format":"parley-export","version":2,"moderators":[{"id":7,"email":"back@example.com","name":"Back","role":"moderator"}]}`
	res, err := e.store.ImportDump(context.Background(), strings.NewReader(dump), store.DumpImportOptions{})
	if err != nil || res.Moderators != 1 {
		t.Fatalf("import: %+v, %v", res, err)
	}
	for _, password := range []string{"", "!restored-without-password", "anything at all"} {
		r := e.postForm(nil, "/admin/login", url.Values{"email": {"back@example.com"}, "password": {password}})
		wantStatus(t, r, http.StatusUnauthorized)
		wantContains(t, r.Body, "The email or password is not right.")
	}
}

func TestLoginCookieAndSafeRedirect(t *testing.T) {
	e := newEnv(t)
	resp := e.postForm(nil, "/admin/login", url.Values{"email": {"ADMIN@example.com "}, "password": {adminPassword}, "next": {"//evil.example/x"}})
	wantStatus(t, resp, http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); loc != "/admin" {
		t.Fatalf("Location = %q", loc)
	}
	cookie := resp.Header.Get("Set-Cookie")
	for _, attr := range []string{"parley_session=", "Path=/admin", "HttpOnly", "SameSite=Lax", "Max-Age="} {
		if !strings.Contains(cookie, attr) {
			t.Errorf("cookie %q lacks %s", cookie, attr)
		}
	}
	resp = e.postForm(nil, "/admin/login", url.Values{"email": {adminEmail}, "password": {adminPassword}, "next": {"/admin/audit"}})
	if loc := resp.Header.Get("Location"); loc != "/admin/audit" {
		t.Fatalf("Location = %q", loc)
	}
}

func TestQueueActionsAuditAndReturnPath(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		admin := e.admin()
		a, _ := e.comment("Ann", "first <b>x</b>", 0)
		b, _ := e.comment("Bob", "second", 0)
		c, _ := e.comment("Cy", "third", 0)
		queue := e.get(admin, "/admin/queue")
		wantStatus(t, queue, http.StatusOK)
		wantContains(t, queue.Body, "Pending <span class=\"count\" data-n=\"3\">3</span>", "127.0.0.1", "Pre-moderation")

		back := "/admin/queue?status=pending&before=99"
		resp := e.postForm(admin, fmt.Sprintf("/admin/comments/%d/approve", a), url.Values{"return": {back}})
		wantStatus(t, resp, http.StatusSeeOther)
		if resp.Header.Get("Location") != back {
			t.Fatalf("back to %q, want %q", resp.Header.Get("Location"), back)
		}
		wantContains(t, e.get(nil, welcomePage).Body, fmt.Sprintf(`id="comment-%d"`, a))

		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+fmt.Sprintf("/admin/comments/%d/spam", b), nil)
		req.Header.Set("Accept", "application/json")
		wantStatus(t, e.do(admin, req), http.StatusNoContent)

		resp = e.postForm(admin, "/admin/comments/bulk", url.Values{"action": {"remove"}, "ids": {fmt.Sprint(a), fmt.Sprint(c)}, "return": {"https://evil.example"}})
		wantStatus(t, resp, http.StatusSeeOther)
		if resp.Header.Get("Location") != "/admin/queue" {
			t.Fatalf("unsafe return followed: %q", resp.Header.Get("Location"))
		}
		wantStatus(t, e.postForm(admin, fmt.Sprintf("/admin/comments/%d/restore", c), nil), http.StatusSeeOther)
		wantStatus(t, e.postForm(admin, "/admin/comments/999999/approve", nil), http.StatusNotFound)
		wantStatus(t, e.postForm(admin, fmt.Sprintf("/admin/comments/%d/publish", c), nil), http.StatusNotFound)
		wantStatus(t, e.postForm(admin, "/admin/comments/bulk", url.Values{"action": {"nuke"}, "ids": {"1"}}), http.StatusBadRequest)

		for id, want := range map[uint]models.Status{a: models.StatusRemoved, b: models.StatusSpam, c: models.StatusPending} {
			got, _ := e.store.Comment(t.Context(), id)
			if got.Status != want {
				t.Errorf("comment %d is %s, want %s", id, got.Status, want)
			}
		}
		audit := e.get(admin, "/admin/audit").Body
		wantContains(t, audit, adminEmail, "pending → approved", "pending → spam", "approved → removed", "removed → pending")
		wantContains(t, e.get(admin, "/admin/queue?status=spam").Body, "second")
	})
}

func TestAdminRefusesCrossOriginAndGET(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	id, _ := e.comment("Ann", "x", 0)
	for _, h := range []map[string]string{{"Sec-Fetch-Site": "cross-site"}, {"Origin": "http://evil.example"}} {
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+fmt.Sprintf("/admin/comments/%d/approve", id), strings.NewReader(""))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range h {
			req.Header.Set(k, v)
		}
		wantStatus(t, e.do(admin, req), http.StatusForbidden)
	}
	resp := e.get(admin, fmt.Sprintf("/admin/comments/%d/approve", id))
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET on an action: %d", resp.StatusCode)
	}
	got, _ := e.store.Comment(t.Context(), id)
	if got.Status != models.StatusPending {
		t.Fatalf("status changed to %s", got.Status)
	}
	// Same-origin browser requests pass.
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+fmt.Sprintf("/admin/comments/%d/approve", id), strings.NewReader(""))
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	wantStatus(t, e.do(admin, req), http.StatusSeeOther)
}

func TestLogoutRevokesCopiedCookie(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	u, _ := url.Parse(e.srv.URL + "/admin")
	copied := e.client()
	copied.Jar.SetCookies(u, admin.Jar.Cookies(u))
	wantStatus(t, e.get(copied, "/admin/queue"), http.StatusOK)
	wantStatus(t, e.postForm(admin, "/admin/logout", nil), http.StatusSeeOther)
	resp := e.get(copied, "/admin/queue")
	wantStatus(t, resp, http.StatusSeeOther)
	if !strings.HasPrefix(resp.Header.Get("Location"), "/admin/login") {
		t.Fatalf("copied cookie still works: %q", resp.Header.Get("Location"))
	}
}

func TestPasswordChangeRevokesOtherSessions(t *testing.T) {
	e := newEnv(t)
	here, there := e.admin(), e.admin()
	bad := e.postForm(here, "/admin/password", url.Values{"current": {"wrong"}, "new": {"a new long password"}})
	wantStatus(t, bad, http.StatusUnprocessableEntity)
	short := e.postForm(here, "/admin/password", url.Values{"current": {adminPassword}, "new": {"short"}})
	wantStatus(t, short, http.StatusUnprocessableEntity)
	ok := e.postForm(here, "/admin/password", url.Values{"current": {adminPassword}, "new": {"a new long password"}})
	wantStatus(t, ok, http.StatusOK)
	wantStatus(t, e.get(here, "/admin/queue"), http.StatusOK)
	wantStatus(t, e.get(there, "/admin/queue"), http.StatusSeeOther)
	e.loginAs(adminEmail, "a new long password")
}

func TestModeratorsCannotChangeSettings(t *testing.T) {
	e := newEnv(t)
	addModerator(t, e.store, "mod@example.com", "moderator password", models.RoleModerator)
	mod := e.loginAs("mod@example.com", "moderator password")
	wantContains(t, e.get(mod, "/admin/settings").Body, "Only admins can change settings.")
	wantStatus(t, e.postForm(mod, "/admin/settings", url.Values{"site": {"default"}, "moderation": {"post"}, "max_depth": {"3"}}), http.StatusForbidden)

	admin := e.admin()
	bad := settingsForm("sometimes")
	bad.Set("max_depth", "99")
	wantStatus(t, e.postForm(admin, "/admin/settings", bad), http.StatusUnprocessableEntity)
	wantStatus(t, e.postForm(admin, "/admin/settings", settingsForm("post")), http.StatusSeeOther)
	_, status := e.comment("Ann", "published at once", 0)
	if status != "approved" {
		t.Fatalf("after switching to post-moderation the status is %q", status)
	}
	wantContains(t, e.get(admin, "/admin/audit").Body, "settings", "pre → post")
}

func TestPostEditor(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	preview := e.postForm(admin, "/admin/posts", url.Values{"title": {"Second post"}, "body": {"Some **bold** text"}, "preview": {"1"}})
	wantStatus(t, preview, http.StatusOK)
	wantContains(t, preview.Body, "<strong>bold</strong>", `value="Second post"`)

	invalid := e.postForm(admin, "/admin/posts", url.Values{"title": {""}, "slug": {"Bad Slug"}, "body": {""}})
	wantStatus(t, invalid, http.StatusUnprocessableEntity)
	wantContains(t, invalid.Body, `id="title-error"`, `id="slug-error"`, `id="body-error"`)

	created := e.postForm(admin, "/admin/posts", url.Values{"title": {"Second post"}, "body": {"Text"}, "published": {"on"}})
	wantStatus(t, created, http.StatusSeeOther)
	edit := created.Header.Get("Location")
	wantContains(t, e.get(admin, edit).Body, "Saved.", `value="second-post"`)
	wantContains(t, e.get(nil, "/").Body, `href="/posts/second-post"`)

	dup := e.postForm(admin, "/admin/posts", url.Values{"title": {"Again"}, "slug": {"second-post"}, "body": {"x"}})
	wantStatus(t, dup, http.StatusUnprocessableEntity)
	wantContains(t, dup.Body, "Another post already uses this address.")

	action := strings.TrimSuffix(strings.SplitN(edit, "?", 2)[0], "/edit")
	wantStatus(t, e.postForm(admin, action, url.Values{"title": {"Second post"}, "slug": {"second-post"}, "body": {"Text"}, "closed": {"on"}}), http.StatusSeeOther)
	wantStatus(t, e.get(nil, "/posts/second-post"), http.StatusNotFound)
	wantNotContains(t, e.get(nil, "/").Body, "/posts/second-post")
	wantContains(t, e.get(admin, "/admin/posts").Body, "Draft · closed")
	wantStatus(t, e.get(admin, "/admin/posts/99999/edit"), http.StatusNotFound)
}

// settingsForm is the full settings form with defaults and the given mode.
func settingsForm(mode string) url.Values {
	return url.Values{"site": {"default"}, "moderation": {mode}, "max_depth": {"5"}, "max_links": {"2"},
		"old_post_days": {"0"}, "trust_after": {"1"}, "flag_threshold": {"3"}, "hold_words": {""}, "block_words": {""}}
}

func TestModeratorsCannotEditPosts(t *testing.T) {
	e := newEnv(t)
	addModerator(t, e.store, "mod@example.com", "moderator password", models.RoleModerator)
	mod := e.loginAs("mod@example.com", "moderator password")
	wantStatus(t, e.get(mod, "/admin/posts"), http.StatusForbidden)
	wantStatus(t, e.postForm(mod, "/admin/posts", url.Values{"title": {"x"}, "body": {"y"}}), http.StatusForbidden)
	wantNotContains(t, e.get(mod, "/admin/queue").Body, `href="/admin/posts"`)
}
