package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"testing"
	"time"

	"parley/models"
)

// addPosts stores n published posts a minute apart, oldest first, after
// the welcome post, and returns their titles newest first.
func addPosts(t *testing.T, e *env, n int) []string {
	t.Helper()
	base := time.Now().UTC().Add(time.Hour)
	var titles []string
	for i := range n {
		at := base.Add(time.Duration(i) * time.Minute)
		p := models.Post{SiteID: models.DefaultSiteID, Slug: fmt.Sprintf("post-%02d", i), Title: fmt.Sprintf("Post %02d", i),
			Body: "text", BodyHTML: "<p>text</p>", Published: true, PublishedAt: &at, CreatedAt: at, UpdatedAt: at}
		if err := e.store.CreatePost(context.Background(), &p); err != nil {
			t.Fatal(err)
		}
		titles = append([]string{p.Title}, titles...)
	}
	return titles
}

var (
	titlePattern = regexp.MustCompile(`>(Post \d\d|Welcome)</a>`)
	olderPattern = regexp.MustCompile(`href="([^"]*\?before=\d+)" rel="next"`)
)

// followPages reads a list from path through its older links and returns
// the titles of each page.
func followPages(t *testing.T, e *env, c *http.Client, path string) [][]string {
	t.Helper()
	var pages [][]string
	for range 10 {
		r := e.get(c, path)
		wantStatus(t, r, http.StatusOK)
		var titles []string
		for _, m := range titlePattern.FindAllStringSubmatch(r.Body, -1) {
			titles = append(titles, m[1])
		}
		pages = append(pages, titles)
		m := olderPattern.FindStringSubmatch(r.Body)
		if len(pages) > 1 {
			wantContains(t, r.Body, "Newest posts")
		}
		if m == nil {
			return pages
		}
		path = m[1]
	}
	t.Fatalf("more than 10 pages from %s", path)
	return nil
}

// TestPostListsComePageByPage follows the blog's home page and the admin's
// list of posts from the newest page to the oldest: every post once, in
// order, a page at a time, on both databases.
func TestPostListsComePageByPage(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		want := append(addPosts(t, e, 54), "Welcome")

		home := followPages(t, e, e.client(), "/")
		if got := []int{len(home[0]), len(home[1]), len(home[2])}; len(home) != 3 || !slices.Equal(got, []int{20, 20, 15}) {
			t.Fatalf("home pages hold %v posts", home)
		}
		if all := slices.Concat(home...); !slices.Equal(all, want) {
			t.Errorf("home pages list %v, want %v", all, want)
		}

		admin := e.admin()
		desk := followPages(t, e, admin, "/admin/posts")
		if len(desk) != 2 || len(desk[0]) != 50 || len(desk[1]) != 5 {
			t.Fatalf("admin pages hold %v", desk)
		}
		if all := slices.Concat(desk...); !slices.Equal(all, want) {
			t.Errorf("admin pages list %v, want %v", all, want)
		}
	})
}

// TestPostListCursors answers a cursor that is not an id with 400 and one
// that names no listed post with an empty page that leads back.
func TestPostListCursors(t *testing.T) {
	e := newEnv(t)
	admin := e.admin()
	draft := models.Post{SiteID: models.DefaultSiteID, Slug: "draft", Title: "A draft", Body: "x", BodyHTML: "<p>x</p>"}
	if err := e.store.CreatePost(context.Background(), &draft); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/?before=abc", "/?before=0", "/?before=-3", "/admin/posts?before=x", "/admin/posts?before="} {
		c := e.client()
		if path[1] == 'a' {
			c = admin
		}
		wantStatus(t, e.get(c, path), http.StatusBadRequest)
	}
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/?before=abc", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Language", "de")
	german := e.do(nil, req)
	wantStatus(t, german, http.StatusBadRequest)
	wantContains(t, german.Body, "Die angefragte Seite der Beiträge ist keine Zahl.")
	for _, c := range []struct {
		path   string
		client *http.Client
	}{
		{"/?before=999999", e.client()},
		{fmt.Sprintf("/?before=%d", draft.ID), e.client()}, // drafts are not on the blog's list
		{"/admin/posts?before=999999", admin},
	} {
		r := e.get(c.client, c.path)
		wantStatus(t, r, http.StatusOK)
		wantContains(t, r.Body, "There are no posts before that one.", "Newest posts")
		wantNotContains(t, r.Body, `rel="next"`)
	}
	first := e.get(e.client(), "/")
	wantContains(t, first.Body, "Welcome")
	wantNotContains(t, first.Body, "Newest posts", `rel="next"`)
}
