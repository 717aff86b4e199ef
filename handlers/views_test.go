package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

// TestEveryViewRenders opens each page once, signed in where needed, so a
// template that drifts from its data fails here rather than in production.
func TestEveryViewRenders(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	id, _ := e.comment("Ann", "Hello **there**", 0)
	e.approve(id)
	e.comment("Bob", "held one", 0)
	pages := []struct {
		client *http.Client
		path   string
		status int
		marker string
	}{
		{nil, "/", 200, "Blog"},
		{nil, welcomePage, 200, fmt.Sprintf(`id="comment-%d"`, id)},
		{nil, "/posts/missing", 404, "There is nothing here."},
		{nil, "/admin/login", 200, "Sign in"},
		{admin, "/admin/queue", 200, "held one"},
		{admin, "/admin/queue?status=approved", 200, "Hello <strong>there</strong>"},
		{admin, "/admin/audit", 200, "pending → approved"},
		{admin, "/admin/posts", 200, "Welcome"},
		{admin, "/admin/posts/new", 200, "New post"},
		{admin, "/admin/posts/1/edit", 200, "Edit post"},
		{admin, "/admin/settings", 200, "Pre-moderation"},
		{admin, "/admin/password", 200, "Change password"},
		{admin, fmt.Sprintf("/admin/comments/%d/edit", id), 200, "Note for the audit log"},
	}
	for _, p := range pages {
		resp := e.get(p.client, p.path)
		wantStatus(t, resp, p.status)
		wantContains(t, resp.Body, p.marker, "</html>")
	}
	bad := e.postForm(admin, "/admin/queue?status=nope", url.Values{})
	wantStatus(t, bad, http.StatusMethodNotAllowed)
	wantStatus(t, e.get(admin, "/admin/queue?status=nope"), http.StatusBadRequest)
}
