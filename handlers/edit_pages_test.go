package handlers_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"parley/models"
)

// postSameOrigin sends a form as the browser would from a Parley page.
func (e *env) postSameOrigin(c *http.Client, path string, form url.Values) response {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return e.do(c, req)
}

var editLinkPattern = regexp.MustCompile(`class="own-edit-link" href="([^"]+)"`)

func TestEditBlogNoScript(t *testing.T) {
	clock := &testClock{}
	e := newEnv(t, withClock(clock))
	e.setModeration(models.ModerationPost)
	clock.advance(-10 * time.Second) // the form's stamp is old enough
	reader := e.client()
	page := e.get(reader, welcomePage)
	stamp := regexp.MustCompile(`name="stamp" value="([^"]+)"`).FindStringSubmatch(page.Body)
	clock.advance(10 * time.Second)
	resp := e.postSameOrigin(reader, welcomePage+"/comments", url.Values{"author": {"Ann"}, "body": {"Frist"}, "stamp": {stamp[1]}})
	wantStatus(t, resp, http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, welcomePage+"#comment-") {
		t.Fatalf("Location = %q", loc)
	}
	wantNotContains(t, resp.Header.Get("Location"), "edit", "token")

	// Only the author sees the link to change it; the thread is the same.
	mine := e.get(reader, welcomePage)
	link := editLinkPattern.FindStringSubmatch(mine.Body)
	if link == nil {
		t.Fatalf("no edit link for the author:\n%s", mine.Body)
	}
	wantNotContains(t, e.get(nil, welcomePage).Body, "own-edit-link")
	edit := html.UnescapeString(link[1])
	wantNotContains(t, edit, "token", "grant")

	form := e.get(reader, edit)
	wantStatus(t, form, http.StatusOK)
	wantContains(t, form.Body, "Edit your comment", ">Frist</textarea>", "Delete this comment")
	wantStatus(t, e.get(nil, edit), http.StatusForbidden) // another browser

	wantStatus(t, e.postSameOrigin(reader, edit, url.Values{"body": {""}}), http.StatusUnprocessableEntity)
	resp = e.postSameOrigin(reader, edit, url.Values{"body": {"First, *really*"}})
	wantStatus(t, resp, http.StatusSeeOther)
	after := e.get(nil, welcomePage)
	wantContains(t, after.Body, "First, <em>really</em>", `class="edited"`)
	wantNotContains(t, after.Body, "Frist")

	// Cross-origin posts and other browsers change nothing.
	wantStatus(t, e.postForm(nil, edit, url.Values{"body": {"hijack"}}), http.StatusForbidden)

	del := strings.TrimSuffix(edit, "/edit") + "/delete"
	resp = e.postSameOrigin(reader, del, url.Values{})
	wantStatus(t, resp, http.StatusSeeOther)
	gone := e.get(reader, resp.Header.Get("Location"))
	wantContains(t, gone.Body, "Your comment was deleted.")
	wantNotContains(t, gone.Body, "really", "own-edit-link")

	// After the window the link is gone and the page refuses.
	e.postSameOrigin(reader, welcomePage+"/comments", url.Values{"author": {"Ann"}, "body": {"Second"}, "stamp": {stamp[1]}})
	second := editLinkPattern.FindStringSubmatch(e.get(reader, welcomePage).Body)
	if second == nil {
		t.Fatal("no edit link for the second comment")
	}
	clock.advance(16 * time.Minute)
	if m := editLinkPattern.FindStringSubmatch(e.get(reader, welcomePage).Body); m != nil {
		t.Errorf("edit link shown after the window: %s", m[1])
	}
	wantStatus(t, e.get(reader, html.UnescapeString(second[1])), http.StatusForbidden)
}

func TestEditEmbedNoScript(t *testing.T) {
	e := newEnv(t)
	e.addBlogSite(models.ModerationPost)
	page := "/post.html"
	resp := e.postEmbed(embedURL(page), url.Values{"author": {"Bo"}, "body": {"Embedded words"}})
	wantStatus(t, resp, http.StatusSeeOther)
	loc := resp.Header.Get("Location")
	m := fragmentPattern.FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("Location = %q", loc)
	}
	query := strings.SplitN(loc, "#", 2)[0]
	if strings.Contains(query, m[3]) {
		t.Fatal("the edit token travels in the query")
	}
	shown := e.get(nil, query)
	link := editLinkPattern.FindStringSubmatch(shown.Body)
	if link == nil {
		t.Fatalf("no edit link after posting:\n%s", shown.Body)
	}
	edit := html.UnescapeString(link[1])
	wantContains(t, edit, "/embed/comments/"+m[2]+"/edit?", "grant=", "site=blog")
	wantNotContains(t, e.get(nil, embedURL(page)).Body, "own-edit-link")

	form := e.get(nil, edit)
	wantStatus(t, form, http.StatusOK)
	wantContains(t, form.Body, ">Embedded words</textarea>", `name="grant"`)
	action := html.UnescapeString(regexp.MustCompile(`class="comment-form edit-form" method="post" action="([^"]+)"`).FindStringSubmatch(form.Body)[1])
	grant := regexp.MustCompile(`name="grant" value="([^"]+)"`).FindStringSubmatch(form.Body)[1]

	forged := e.postSameOrigin(nil, action, url.Values{"grant": {"1.forged"}, "body": {"x"}})
	wantStatus(t, forged, http.StatusForbidden)
	resp = e.postSameOrigin(nil, action, url.Values{"grant": {html.UnescapeString(grant)}, "body": {"Embedded, edited"}})
	wantStatus(t, resp, http.StatusSeeOther)
	wantContains(t, e.get(nil, embedURL(page)).Body, "Embedded, edited", `class="edited"`)

	del := strings.Replace(action, "/edit?", "/delete?", 1)
	resp = e.postSameOrigin(nil, del, url.Values{"grant": {html.UnescapeString(grant)}})
	wantStatus(t, resp, http.StatusSeeOther)
	wantNotContains(t, e.get(nil, embedURL(page)).Body, "Embedded, edited")
}

func TestEditModeratorWithNote(t *testing.T) {
	e := newEnv(t)
	id, _ := e.comment("Ann", "Call me at 555-1234", 0)
	e.approve(id)
	before := e.thread()
	admin := e.admin()
	page := e.get(admin, "/admin/queue?status=approved")
	wantContains(t, page.Body, "/admin/comments/"+itoa(id)+"/edit", "/admin/comments/"+itoa(id)+"/pin")
	form := e.get(admin, "/admin/comments/"+itoa(id)+"/edit")
	wantStatus(t, form, http.StatusOK)
	wantContains(t, form.Body, ">Call me at 555-1234</textarea>", `name="note"`)

	resp := e.postSameOrigin(admin, "/admin/comments/"+itoa(id)+"/edit", url.Values{"body": {"Call me [number removed]"}, "note": {"phone number removed"}})
	wantStatus(t, resp, http.StatusSeeOther)
	c, _ := e.store.Comment(context.Background(), id)
	if c.Status != models.StatusApproved || c.EditedAt == nil || !strings.Contains(c.HTML, "[number removed]") {
		t.Errorf("after moderator edit: %+v", c)
	}
	if th := e.thread(); th.Version <= before.Version || th.Count != before.Count {
		t.Errorf("thread: %+v → %+v", before, th)
	}
	audit := e.get(admin, "/admin/audit")
	wantContains(t, audit.Body, "phone number removed")
	wantContains(t, e.get(nil, welcomePage).Body, "[number removed]", `class="edited"`)
	wantStatus(t, e.postSameOrigin(admin, "/admin/comments/"+itoa(id)+"/edit", url.Values{"body": {" "}}), http.StatusUnprocessableEntity)
	// Readers cannot reach it.
	wantStatus(t, e.get(e.client(), "/admin/comments/"+itoa(id)+"/edit"), http.StatusSeeOther)
}

func TestEditPinnedFirst(t *testing.T) {
	e := newEnv(t)
	a, _ := e.comment("Ann", "Oldest one", 0)
	b, _ := e.comment("Bo", "Middle one", 0)
	c, _ := e.comment("Cy", "Newest one", 0)
	e.approve(a, b, c)
	admin := e.admin()
	before := e.thread()
	wantStatus(t, e.postSameOrigin(admin, "/admin/comments/"+itoa(b)+"/pin", url.Values{}), http.StatusSeeOther)
	if th := e.thread(); th.Version <= before.Version {
		t.Error("pinning did not move the thread's version")
	}
	body := e.get(nil, welcomePage).Body
	if i, j := strings.Index(body, "Middle one"), strings.Index(body, "Oldest one"); i < 0 || j < 0 || i > j {
		t.Errorf("pinned comment not first in the page")
	}
	wantContains(t, body, `badge pinned`)
	for _, sort := range []string{"oldest", "newest", "top"} {
		resp := e.get(nil, "/api/v1/comments?site=default&page="+welcomePage+"&sort="+sort)
		var out struct {
			Comments []struct {
				ID     uint
				Pinned bool
			}
		}
		decode(t, resp.Body, &out)
		if len(out.Comments) != 3 || out.Comments[0].ID != b || !out.Comments[0].Pinned || out.Comments[1].Pinned {
			t.Errorf("sort %s: %+v", sort, out.Comments)
		}
		// Paging one at a time sees every comment once.
		seen, cursor := []uint{}, ""
		for range 5 {
			path := "/api/v1/comments?site=default&page=" + welcomePage + "&sort=" + sort + "&limit=1"
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			var pg struct {
				Comments   []struct{ ID uint }
				NextCursor *string `json:"next_cursor"`
			}
			decode(t, e.get(nil, path).Body, &pg)
			for _, cm := range pg.Comments {
				seen = append(seen, cm.ID)
			}
			if pg.NextCursor == nil {
				break
			}
			cursor = *pg.NextCursor
		}
		if len(seen) != 3 || seen[0] != b {
			t.Errorf("sort %s paged: %v", sort, seen)
		}
	}
	wantStatus(t, e.postSameOrigin(admin, "/admin/comments/"+itoa(b)+"/unpin", url.Values{}), http.StatusSeeOther)
	body = e.get(nil, welcomePage).Body
	if strings.Index(body, "Middle one") > strings.Index(body, "Newest one") || strings.Index(body, "Oldest one") > strings.Index(body, "Middle one") {
		t.Error("unpinned comment not back in its place")
	}
	audit := e.get(admin, "/admin/audit").Body
	wantContains(t, audit, "pin", "unpin")
}

func TestEditAutoClose(t *testing.T) {
	clock := &testClock{}
	e := newEnv(t, withClock(clock))
	e.setModeration(models.ModerationPost)
	ctx := context.Background()
	site, _ := e.store.Site(ctx, models.DefaultSiteID)
	site.Settings.AutoCloseDays = 3
	if err := e.store.SaveSite(ctx, &site); err != nil {
		t.Fatal(err)
	}
	e.comment("Ann", "Early bird", 0)
	list := e.get(nil, "/api/v1/comments?site=default&page="+welcomePage)
	wantContains(t, list.Body, `"closed":false`)

	clock.advance(4 * 24 * time.Hour)
	page := e.get(nil, welcomePage)
	wantContains(t, page.Body, "Comments closed automatically 3 days after publication.")
	wantNotContains(t, page.Body, `<form id="comment-form"`)
	wantContains(t, e.get(nil, "/api/v1/comments?site=default&page="+welcomePage).Body, `"closed":true`)
	resp := e.postJSON(nil, "/api/v1/comments", map[string]any{"site": "default", "page": welcomePage, "author": "Late", "body": "Too late"})
	wantStatus(t, resp, http.StatusForbidden)
	wantContains(t, resp.Body, "thread_closed")
	form := e.postSameOrigin(nil, welcomePage+"/comments", url.Values{"author": {"Late"}, "body": {"Too late"}})
	wantStatus(t, form, http.StatusForbidden)

	// Off again: the thread takes comments.
	site.Settings.AutoCloseDays = 0
	if err := e.store.SaveSite(ctx, &site); err != nil {
		t.Fatal(err)
	}
	wantContains(t, e.get(nil, "/api/v1/comments?site=default&page="+welcomePage).Body, `"closed":false`)
}

func TestEditSettingsForms(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	page := e.get(admin, "/admin/settings")
	wantContains(t, page.Body, `name="edit_window" value="15m"`, `name="auto_close_days"`, `name="ip_retention_days"`,
		`<option value="de"`, `name="downvotes"`, `name="gravatar"`)

	bad := e.postSameOrigin(admin, "/admin/sites/default", url.Values{"name": {"Blog"}, "edit_window": {"soon"},
		"auto_close_days": {"-2"}, "language": {"xx"}, "downvotes": {"maybe"}})
	wantStatus(t, bad, http.StatusUnprocessableEntity)
	wantContains(t, bad.Body, "like 15m or 1h30m", "Auto-close needs", "Choose auto or one of", "Choose on or off.", `value="soon"`)

	resp := e.postSameOrigin(admin, "/admin/sites/default", url.Values{"name": {"Blog"}, "edit_window": {"1h30m"},
		"auto_close_days": {"30"}, "language": {"de"}, "downvotes": {"off"}, "gravatar": {"on"}, "ip_retention_days": {"7"}})
	wantStatus(t, resp, http.StatusSeeOther)
	site, _ := e.store.Site(context.Background(), models.DefaultSiteID)
	s := site.Settings
	if s.EditWindowSeconds != 5400 || s.AutoCloseDays != 30 || s.Language != "de" || !s.NoDownvotes || !s.Gravatar || s.IPRetentionDays != 7 {
		t.Fatalf("settings after the site form: %+v", s)
	}
	edit := e.get(admin, "/admin/sites/default")
	wantContains(t, edit.Body, `name="edit_window" value="1h30m"`, `<option value="de" selected>`, `value="30"`)

	// The settings page keeps them, and sets them too.
	moderation := url.Values{"site": {"default"}, "moderation": {"post"}, "max_depth": {"5"}, "max_links": {"2"},
		"old_post_days": {"0"}, "trust_after": {"1"}, "flag_threshold": {"3"}, "edit_window": {"off"}, "ip_retention_days": {"0"}}
	wantStatus(t, e.postSameOrigin(admin, "/admin/settings", moderation), http.StatusSeeOther)
	site, _ = e.store.Site(context.Background(), models.DefaultSiteID)
	s = site.Settings
	if s.EditWindow() != 0 || s.IPRetention() != 0 || s.Language != "de" || s.AutoCloseDays != 30 || s.Moderation != models.ModerationPost {
		t.Errorf("settings after the settings form: %+v", s)
	}
	wantContains(t, e.get(admin, "/admin/settings").Body, `name="edit_window" value="off"`)
}
