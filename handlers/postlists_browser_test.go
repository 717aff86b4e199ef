package handlers_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"parley/handlers/browsertest"
)

// TestPostListPagesInTheBrowser opens the second page of the blog's home
// page and of the admin's posts, wide and light and on a dark phone, follows
// the older link with a click, checks no page is wider than its window and
// screenshots each.
func TestPostListPagesInTheBrowser(t *testing.T) {
	browser := browsertest.New(t)
	e := newEnv(t)
	addPosts(t, e, 64)
	tab := browsertest.Tab(t, browser)
	signIn(t, tab, e)
	for _, look := range []struct {
		name   string
		width  int64
		mobile bool
		scheme string
	}{{"1280-light", 1280, false, "light"}, {"360-dark", 360, true, "dark"}} {
		if err := browsertest.Viewport(tab, look.width, 900, look.mobile); err != nil {
			t.Fatal(err)
		}
		if err := browsertest.ColorScheme(tab, look.scheme); err != nil {
			t.Fatal(err)
		}
		for _, list := range []struct{ name, path, want string }{
			{"home", "/", "Post 43"},
			{"admin-posts", "/admin/posts", "Post 13"},
		} {
			step(t, tab, "open "+list.path, chromedp.Navigate(e.srv.URL+list.path), chromedp.WaitVisible(chromedp.CSS(`a[rel="next"]`)))
			step(t, tab, "follow the older link", chromedp.Click(`a[rel="next"]`), chromedp.WaitVisible(chromedp.CSS(".pager")))
			if got := evalString(t, tab, `document.querySelector("table a, .post-list h2 a").textContent`); got != list.want {
				t.Errorf("%s: the older page starts with %q, want %q", list.name, got, list.want)
			}
			if got := evalString(t, tab, `String(document.documentElement.scrollWidth <= window.innerWidth)`); got != "true" {
				t.Errorf("%s at %d px: the page is wider than the window", list.name, look.width)
			}
			browsertest.Screenshot(t, tab, "posts-"+list.name+"-older-"+look.name)
		}
	}
}
