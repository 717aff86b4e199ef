package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"testing"

	"parley/models"
)

func TestAdminSites(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	list := e.get(admin, "/admin/sites")
	wantStatus(t, list, http.StatusOK)
	wantContains(t, list.Body, "Parley blog", "<code>default</code>", "Add a site", `href="/admin/sites"`)

	resp := e.postForm(admin, "/admin/sites", url.Values{"id": {"travel"}, "name": {"Ann's travels"},
		"origins": {"https://Travel.example.com/\nhttp://localhost:4000\nhttps://travel.example.com"}, "moderation": {"smart"}})
	wantStatus(t, resp, http.StatusSeeOther)
	if loc := resp.Header.Get("Location"); loc != "/admin/sites/travel?saved=1" {
		t.Fatalf("Location = %q", loc)
	}
	site, err := e.store.Site(context.Background(), "travel")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"https://travel.example.com", "http://localhost:4000"}; !reflect.DeepEqual(site.Origins, want) ||
		site.Name != "Ann's travels" || site.Settings.Moderation != models.ModerationSmart {
		t.Errorf("site = %+v", site)
	}

	page := e.get(admin, "/admin/sites/travel?saved=1")
	wantStatus(t, page, http.StatusOK)
	wantContains(t, page.Body, "Site saved.",
		`&lt;script src=&#34;http://127.0.0.1/static/embed.js&#34; data-site=&#34;travel&#34; async&gt;&lt;/script&gt;`,
		`&lt;div id=&#34;parley-thread&#34;&gt;&lt;/div&gt;`, `data-parley-count=&#34;/my-post.html&#34;`,
		`data-url="https://travel.example.com/"`, `<script src="/static/embed.js" data-site="travel" data-theme="auto" async>`,
		`href="/admin/settings?site=travel"`)
	wantContains(t, e.get(admin, "/admin/sites/travel?theme=dark").Body, `data-theme="dark" async`)

	resp = e.postForm(admin, "/admin/sites/travel", url.Values{"name": {"Travels"}, "origins": {"https://travel.example.com"}})
	wantStatus(t, resp, http.StatusSeeOther)
	site, _ = e.store.Site(context.Background(), "travel")
	if site.Name != "Travels" || !reflect.DeepEqual(site.Origins, []string{"https://travel.example.com"}) {
		t.Errorf("after save: %+v", site)
	}
	wantContains(t, e.get(admin, "/admin/audit").Body, "add_site", "save_site")

	// The embed follows the saved origins at once.
	embed := "/embed?" + url.Values{"site": {"travel"}, "page": {"/"}, "url": {"http://localhost:4000/"}}.Encode()
	wantStatus(t, e.get(nil, embed), http.StatusForbidden)
}

func TestAdminSitesCountThreadsAndComments(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.addBlogSite(models.ModerationPost)
		seedComments(t, e, "/one.html", 3)
		seedComments(t, e, "/two.html", 2)
		if _, err := e.store.EnsureThread(context.Background(), blogSite, "/empty.html", "", blogOrigin+"/empty.html"); err != nil {
			t.Fatal(err)
		}
		body := e.get(e.admin(), "/admin/sites").Body
		row := regexp.MustCompile(`(?s)<code>blog</code>.*?<td>(\d+)</td>\s*<td>(\d+)</td>`).FindStringSubmatch(body)
		if row == nil || row[1] != "3" || row[2] != "5" {
			t.Errorf("blog row: %q; want 3 threads, 5 comments", row)
		}
	})
}

func TestAdminSitesRefusesBadInput(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	cases := []struct {
		path  string
		form  url.Values
		field string
	}{
		{"/admin/sites", url.Values{"id": {"Bad Id"}, "name": {"X"}, "moderation": {"pre"}}, "Use 1 to 64 lowercase letters"},
		{"/admin/sites", url.Values{"id": {"default"}, "name": {"X"}, "moderation": {"pre"}}, "exists already"},
		{"/admin/sites", url.Values{"id": {"x"}, "name": {"X"}, "moderation": {"sometimes"}}, "Choose pre-moderation"},
		{"/admin/sites", url.Values{"id": {"x"}, "name": {""}, "moderation": {"pre"}}, "Give the site a name"},
		{"/admin/sites", url.Values{"id": {"x"}, "name": {"X"}, "moderation": {"pre"}, "origins": {"https://ok.example\nblog.example.com/path"}},
			"Not an origin: blog.example.com/path"},
		{"/admin/sites/default", url.Values{"name": {"Blog"}, "origins": {"https://*.example.com"}}, "Not an origin"},
	}
	for _, c := range cases {
		resp := e.postForm(admin, c.path, c.form)
		wantStatus(t, resp, http.StatusUnprocessableEntity)
		wantContains(t, resp.Body, c.field)
	}
	if _, err := e.store.Site(context.Background(), "x"); err == nil {
		t.Error("a refused form created a site")
	}
	wantStatus(t, e.get(admin, "/admin/sites/nope"), http.StatusNotFound)

	// Moderators see the sites but cannot change them.
	addModerator(t, e.store, "mod@example.com", "another long password", models.RoleModerator)
	mod := e.loginAs("mod@example.com", "another long password")
	wantContains(t, e.get(mod, "/admin/sites").Body, "Only admins can add and change sites.")
	wantStatus(t, e.postForm(mod, "/admin/sites", url.Values{"id": {"y"}, "name": {"Y"}, "moderation": {"pre"}}), http.StatusForbidden)
	wantStatus(t, e.postForm(mod, "/admin/sites/default", url.Values{"name": {"Mine"}}), http.StatusForbidden)
	// Signed-out visitors are sent to sign in.
	wantStatus(t, e.get(nil, "/admin/sites"), http.StatusSeeOther)
}
