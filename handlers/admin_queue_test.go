package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"parley/handlers"
	"parley/models"
)

// heldComment stores a pending comment on a page of a site with reasons.
func (e *env) heldComment(site, page, author, email, body string, codes ...string) uint {
	e.t.Helper()
	ctx := context.Background()
	th, err := e.store.EnsureThread(ctx, site, page, "Page "+page, "")
	if err != nil {
		e.t.Fatal(err)
	}
	c := models.Comment{ThreadID: th.ID, Author: author, Email: email, Body: body, HTML: "<p>" + body + "</p>", Status: models.StatusPending, IP: "203.0.113.9"}
	for _, code := range codes {
		c.Reasons = append(c.Reasons, models.Reason{Code: code, Text: "Reason " + code})
	}
	if err := e.store.CreateComment(ctx, &c, 5); err != nil {
		e.t.Fatal(err)
	}
	return c.ID
}

// postJSONForm posts a form as the queue's script does: asking for JSON.
func (e *env) postScripted(c *http.Client, path string, form url.Values) response {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return e.do(c, req)
}

func TestQueueFilters(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		admin := e.admin()
		if err := e.store.CreateSite(t.Context(), &models.Site{ID: "notes", Name: "Notes", Settings: models.DefaultSiteSettings()}); err != nil {
			t.Fatal(err)
		}
		e.heldComment("default", welcomePage, "Ann", "ann@example.com", "Cheap PILLS here", "links")
		e.heldComment("default", welcomePage, "Bob", "bob@example.com", "A kind word", "pre_moderation")
		e.heldComment("notes", "/notes/1", "Cy", "cy@example.com", "Pills again, on notes", "hold_word")

		cases := []struct {
			query     string
			want, not []string
		}{
			{"", []string{"Cheap PILLS", "A kind word", "Pills again"}, nil},
			{"?q=pills", []string{"Cheap PILLS", "Pills again"}, []string{"A kind word"}},
			{"?author=BOB@example.com", []string{"A kind word"}, []string{"Cheap PILLS", "Pills again"}},
			{"?reason=links", []string{"Cheap PILLS"}, []string{"A kind word", "Pills again"}},
			{"?site=notes", []string{"Pills again"}, []string{"Cheap PILLS", "A kind word"}},
			{"?site=default&page=" + url.QueryEscape(welcomePage), []string{"Cheap PILLS", "A kind word"}, []string{"Pills again"}},
			{"?page=/notes/1", []string{"Pills again"}, []string{"Cheap PILLS"}},
			{"?site=notes&page=/nowhere", []string{"No comment matches these filters."}, []string{"Pills again"}},
			{"?status=approved&q=pills", []string{"Nothing here."}, []string{"Cheap PILLS"}},
		}
		for _, tc := range cases {
			resp := e.get(admin, "/admin/queue"+tc.query)
			wantStatus(t, resp, http.StatusOK)
			wantContains(t, resp.Body, tc.want...)
			wantNotContains(t, resp.Body, tc.not...)
		}
		// Filters survive switching tabs and following an author link.
		page := e.get(admin, "/admin/queue?q=pills&reason=links").Body
		wantContains(t, page, `href="/admin/queue?q=pills&amp;reason=links&amp;status=spam"`,
			`href="/admin/queue?author=Ann&amp;q=pills&amp;reason=links&amp;status=pending"`, `value="pills"`)
		for _, bad := range []string{"?reason=x%27%20OR%201", "?before=abc", "?status=nope", "?q=" + strings.Repeat("x", 201)} {
			wantStatus(t, e.get(admin, "/admin/queue"+bad), http.StatusBadRequest)
		}
	})
}

func TestQueuePagesWithKeysetCursor(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	var ids []uint
	for i := 0; i < 53; i++ {
		ids = append(ids, e.heldComment("default", welcomePage, "Reader", "", fmt.Sprintf("comment-%02d.", i)))
	}
	first := e.get(admin, "/admin/queue?q=comment")
	wantContains(t, first.Body, "comment-52.", "comment-03.", fmt.Sprintf(`href="/admin/queue?before=%d&amp;q=comment&amp;status=pending"`, ids[3]))
	wantNotContains(t, first.Body, "comment-02.")
	second := e.get(admin, fmt.Sprintf("/admin/queue?before=%d&q=comment&status=pending", ids[3]))
	wantContains(t, second.Body, "comment-02.", "comment-00.", "← Newest")
	wantNotContains(t, second.Body, "comment-03.", "Older comments")
}

func TestQueuePageIsReadyForTheKeyboard(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	id := e.heldComment("default", welcomePage, "Ann", "", "hello")
	queue := e.get(admin, "/admin/queue").Body
	wantContains(t, queue,
		`<script src="/static/admin.`, `role="status" aria-live="polite"`, "data-key-hints",
		fmt.Sprintf(`<li class="queue-item" id="q-%d">`, id), fmt.Sprintf(`<p class="queue-meta" id="q-%d-who">`, id),
		fmt.Sprintf(`<div class="comment-text" id="q-%d-text">`, id),
		`<kbd>j</kbd>/<kbd>k</kbd> move`, `<dialog id="key-help"`,
		fmt.Sprintf(`formaction="/admin/comments/%d/approve"`, id), fmt.Sprintf(`formaction="/admin/comments/%d/ban"`, id))
	wantNotContains(t, queue, "onclick", "onkeydown", "<script>")
	wantNotContains(t, e.get(nil, "/").Body, "/static/admin.")
	wantNotContains(t, e.get(nil, "/admin/login").Body, "/static/admin.")
	js := e.get(nil, "/static/admin.js")
	wantStatus(t, js, http.StatusOK)
	wantContains(t, js.Body, "X-Parley-Audit-Ids", `say("no_bans")`, `say("left"`, "aria-labelledby")
	// The script's words come from the page, in the moderator's language.
	wantContains(t, queue, `data-text="{`, "Banning is not available", "left.")
}

func TestScriptedActionsReturnAuditIDsAndCanBeUndone(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		admin := e.admin()
		a := e.heldComment("default", welcomePage, "Ann", "", "one")
		b := e.heldComment("default", welcomePage, "Bob", "", "two")
		c := e.heldComment("default", welcomePage, "Cy", "", "three")

		resp := e.postScripted(admin, fmt.Sprintf("/admin/comments/%d/approve", a), url.Values{"note": {"fine"}})
		wantStatus(t, resp, http.StatusNoContent)
		approveID := resp.Header.Get("X-Parley-Audit-Ids")
		if approveID == "" || strings.Contains(approveID, ",") {
			t.Fatalf("audit ids of one approve = %q", approveID)
		}
		resp = e.postScripted(admin, "/admin/comments/bulk", url.Values{"action": {"spam"}, "ids": {fmt.Sprint(b), fmt.Sprint(c)}})
		wantStatus(t, resp, http.StatusNoContent)
		bulkIDs := strings.Split(resp.Header.Get("X-Parley-Audit-Ids"), ",")
		if len(bulkIDs) != 2 {
			t.Fatalf("audit ids of a bulk spam = %q", bulkIDs)
		}
		// Approving an approved comment changes nothing and writes no entry.
		resp = e.postScripted(admin, fmt.Sprintf("/admin/comments/%d/approve", a), nil)
		wantStatus(t, resp, http.StatusNoContent)
		if got := resp.Header.Get("X-Parley-Audit-Ids"); got != "" {
			t.Fatalf("a change to the same status wrote entries %q", got)
		}

		undo := e.postScripted(admin, "/admin/audit/"+approveID+"/undo", nil)
		wantStatus(t, undo, http.StatusOK)
		var out struct {
			AuditID   uint   `json:"audit_id"`
			CommentID uint   `json:"comment_id"`
			Status    string `json:"status"`
		}
		decode(t, undo.Body, &out)
		if out.CommentID != a || out.Status != "pending" || out.AuditID == 0 {
			t.Fatalf("undo answered %+v", out)
		}
		if got, _ := e.store.Comment(t.Context(), a); got.Status != models.StatusPending {
			t.Fatalf("after undo comment %d is %s", a, got.Status)
		}
		again := e.postScripted(admin, "/admin/audit/"+approveID+"/undo", nil)
		wantStatus(t, again, http.StatusConflict)
		wantContains(t, again.Body, fmt.Sprintf("comment #%d is pending now, not approved", a), `"code":"conflict"`)

		// From the audit log, without JavaScript: a form post and a 303 back.
		audit := e.get(admin, "/admin/audit").Body
		wantContains(t, audit, "/admin/audit/"+bulkIDs[0]+"/undo", "undo of entry #"+approveID, "fine")
		wantNotContains(t, audit, `action="/admin/audit/`+approveID+`/undo"`)
		form := e.postForm(admin, "/admin/audit/"+bulkIDs[1]+"/undo", url.Values{"return": {"/admin/audit"}})
		wantStatus(t, form, http.StatusSeeOther)
		loc := form.Header.Get("Location")
		if !strings.HasPrefix(loc, "/admin/audit?undone=") {
			t.Fatalf("undo form went to %q", loc)
		}
		wantContains(t, e.get(admin, loc).Body, fmt.Sprintf("Undone: comment #%d is pending again.", c))
		refused := e.postForm(admin, "/admin/audit/"+bulkIDs[1]+"/undo", nil)
		wantStatus(t, refused, http.StatusConflict)
		wantContains(t, refused.Body, "Not undone: comment #", "</html>")
		evil := e.postForm(admin, "/admin/audit/"+bulkIDs[0]+"/undo", url.Values{"return": {"https://evil.example/"}})
		wantStatus(t, evil, http.StatusSeeOther)
		if loc := evil.Header.Get("Location"); !strings.HasPrefix(loc, "/admin/audit?") {
			t.Fatalf("unsafe return followed: %q", loc)
		}

		settings := models.AuditEntry{Actor: "x", Action: "settings", Before: "pre", After: "post"}
		if err := e.store.AddAudit(t.Context(), &settings); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, e.postScripted(admin, fmt.Sprintf("/admin/audit/%d/undo", settings.ID), nil), http.StatusUnprocessableEntity)
		wantStatus(t, e.postScripted(admin, "/admin/audit/999999/undo", nil), http.StatusNotFound)
		wantStatus(t, e.postScripted(admin, "/admin/audit/nope/undo", nil), http.StatusNotFound)
		wantStatus(t, e.get(admin, "/admin/audit/"+approveID+"/undo"), http.StatusMethodNotAllowed)
		wantStatus(t, e.postScripted(admin, fmt.Sprintf("/admin/comments/%d/approve", a), url.Values{"note": {strings.Repeat("n", 501)}}), http.StatusBadRequest)

		cross, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/admin/audit/"+bulkIDs[0]+"/undo", nil)
		cross.Header.Set("Sec-Fetch-Site", "cross-site")
		wantStatus(t, e.do(admin, cross), http.StatusForbidden)
		wantStatus(t, e.postScripted(nil, "/admin/audit/"+bulkIDs[0]+"/undo", nil), http.StatusUnauthorized)
	})
}

func TestModeratorAccountsAreManagedByAdmins(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		admin := e.admin()
		page := e.get(admin, "/admin/moderators")
		wantStatus(t, page, http.StatusOK)
		wantContains(t, page.Body, adminEmail, "(you)", "Add a moderator", `href="/admin/moderators">Moderators</a>`)

		bad := e.postForm(admin, "/admin/moderators", url.Values{"email": {"not an email"}, "name": {""}, "role": {"owner"}, "password": {"short"}})
		wantStatus(t, bad, http.StatusUnprocessableEntity)
		wantContains(t, bad.Body, `id="email-error"`, `id="name-error"`, `id="role-error"`, `id="password-error"`, `value="not an email"`)
		add := url.Values{"email": {"mod@example.com"}, "name": {"Mo"}, "role": {"moderator"}, "password": {"moderator password"}}
		wantStatus(t, e.postForm(admin, "/admin/moderators", add), http.StatusSeeOther)
		dup := e.postForm(admin, "/admin/moderators", add)
		wantStatus(t, dup, http.StatusUnprocessableEntity)
		wantContains(t, dup.Body, "An account with this email exists already.")

		mod := e.loginAs("mod@example.com", "moderator password")
		wantStatus(t, e.get(mod, "/admin/queue"), http.StatusOK)
		wantNotContains(t, e.get(mod, "/admin/queue").Body, `href="/admin/moderators"`)
		wantStatus(t, e.get(mod, "/admin/moderators"), http.StatusForbidden)
		wantStatus(t, e.postForm(mod, "/admin/moderators", add), http.StatusForbidden)
		wantStatus(t, e.postForm(mod, "/admin/moderators/1/disable", nil), http.StatusForbidden)
		wantStatus(t, e.postForm(mod, "/admin/settings", url.Values{"site": {"default"}, "moderation": {"post"}}), http.StatusForbidden)

		m, err := e.store.ModeratorByEmail(t.Context(), "mod@example.com")
		if err != nil {
			t.Fatal(err)
		}
		me, _ := e.store.ModeratorByEmail(t.Context(), adminEmail)
		path := func(id uint, action string) string { return fmt.Sprintf("/admin/moderators/%d/%s", id, action) }

		wantStatus(t, e.postForm(admin, path(m.ID, "disable"), nil), http.StatusSeeOther)
		wantStatus(t, e.get(mod, "/admin/queue"), http.StatusSeeOther)
		wantStatus(t, e.postForm(nil, "/admin/login", url.Values{"email": {"mod@example.com"}, "password": {"moderator password"}}), http.StatusUnauthorized)
		wantContains(t, e.get(admin, "/admin/moderators").Body, "Disabled", "Enable")
		wantStatus(t, e.postForm(admin, path(m.ID, "enable"), nil), http.StatusSeeOther)
		mod = e.loginAs("mod@example.com", "moderator password")

		wantStatus(t, e.postForm(admin, path(m.ID, "password"), url.Values{"password": {"short"}}), http.StatusUnprocessableEntity)
		wantStatus(t, e.postForm(admin, path(m.ID, "password"), url.Values{"password": {"a brand new password"}}), http.StatusSeeOther)
		wantStatus(t, e.get(mod, "/admin/queue"), http.StatusSeeOther)
		wantStatus(t, e.postForm(nil, "/admin/login", url.Values{"email": {"mod@example.com"}, "password": {"moderator password"}}), http.StatusUnauthorized)
		mod = e.loginAs("mod@example.com", "a brand new password")

		wantStatus(t, e.postForm(admin, path(m.ID, "role"), url.Values{"role": {"admin"}}), http.StatusSeeOther)
		wantStatus(t, e.get(mod, "/admin/moderators"), http.StatusOK)
		wantStatus(t, e.postForm(admin, path(m.ID, "role"), url.Values{"role": {"root"}}), http.StatusBadRequest)

		self := e.postForm(admin, path(me.ID, "disable"), nil)
		wantStatus(t, self, http.StatusConflict)
		wantContains(t, self.Body, "You cannot disable your own account")
		wantStatus(t, e.postForm(admin, path(me.ID, "role"), url.Values{"role": {"moderator"}}), http.StatusConflict)
		wantContains(t, e.postForm(admin, path(me.ID, "password"), url.Values{"password": {"a long new password"}}).Body, "Change your own password")
		wantStatus(t, e.postForm(admin, path(999999, "disable"), nil), http.StatusNotFound)
		wantStatus(t, e.postForm(admin, path(m.ID, "delete"), nil), http.StatusNotFound)
		wantStatus(t, e.get(admin, "/admin/queue"), http.StatusOK)

		audit := e.get(admin, "/admin/audit").Body
		wantContains(t, audit, "add moderator", "disable moderator", "enabled → disabled", "enable moderator",
			"reset password", "change role", "moderator → admin", "account mod@example.com")
	})
}

// A text or author search reads a window of the tab's newest comments per
// page; when the window ends before a page is full, the page says how far
// it searched and links to the comments below it.
func TestQueueSearchReadsOneWindowAndLinksToTheNext(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		admin := e.admin()
		var ids []uint
		for i := range 9 {
			body := fmt.Sprintf("plain-%d", i)
			if i < 2 {
				body = fmt.Sprintf("needle-%d", i)
			}
			ids = append(ids, e.heldComment("default", welcomePage, "Reader", "", body))
		}
		// Windows of 3, newest first: ids 8–6, then 5–3, then 2–0.
		first := e.get(admin, "/admin/queue?q=needle")
		wantStatus(t, first, http.StatusOK)
		older := fmt.Sprintf(`href="/admin/queue?before=%d&amp;q=needle&amp;status=pending" data-search-older`, ids[6])
		wantContains(t, first.Body, "No comment matches these filters among the newest of this tab.",
			fmt.Sprintf("read 3 comments at a time; this page searched down to comment #%d.", ids[6]), older)
		wantNotContains(t, first.Body, "needle-", "Older comments")

		second := e.get(admin, fmt.Sprintf("/admin/queue?before=%d&q=needle&status=pending", ids[6]))
		wantContains(t, second.Body, fmt.Sprintf("down to comment #%d.", ids[3]), "← Newest")

		last := e.get(admin, fmt.Sprintf("/admin/queue?before=%d&q=needle&status=pending", ids[3]))
		wantContains(t, last.Body, "needle-1", "needle-0")
		wantNotContains(t, last.Body, "data-search-older", "data-scanned", "plain-")

		// A page's own comments have an index: no window, however many.
		whole := e.get(admin, "/admin/queue?site=default&q=needle&page="+url.QueryEscape(welcomePage))
		wantContains(t, whole.Body, "needle-1", "needle-0")
		wantNotContains(t, whole.Body, "data-search-older")
		// Nor is there one without a text or author filter.
		wantNotContains(t, e.get(admin, "/admin/queue").Body, "data-search-older", "data-scanned")
	}, func(c *handlers.Config) { c.QueueScanWindow = 3 })
}
