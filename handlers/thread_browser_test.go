package handlers_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"parley/handlers/browsertest"
	"parley/models"
)

// TestThreadBrowserVotesAndMoreComments: on Parley's own post page, "More
// comments" appends the next page in place, a vote counts without leaving
// the page and the reader's vote shows as pressed after a reload; then the
// same in the embed on another origin, whose iframe grows with the thread.
func TestThreadBrowserVotesAndMoreComments(t *testing.T) {
	w := newEmbedWorld(t, models.ModerationPost)
	ctx := browsertest.Within(t, w.browser, 120*time.Second)
	post, err := w.store.PostBySlug(context.Background(), models.DefaultSiteID, welcomeSlug)
	if err != nil {
		t.Fatal(err)
	}
	seedBrowserThread(t, w, post.ThreadID, 60)

	top := `document.querySelectorAll("#comment-list > .comment").length`
	w.do(ctx, chromedp.Navigate(w.parley+"/posts/welcome"))
	w.wait(ctx, top+` === 50 && document.readyState === "complete"`)
	w.do(ctx, chromedp.Click(chromedp.CSS(".more-comments a")))
	w.wait(ctx, top+` === 60 && document.querySelector(".more-comments") === null`)
	if got := eval[string](t, ctx, `location.pathname + location.search`); got != "/posts/welcome" {
		t.Errorf("More comments navigated to %s; it should load in place", got)
	}

	// Vote on the first comment with the button.
	first := eval[string](t, ctx, `document.querySelector("#comment-list > .comment").id`)
	id, _ := strconv.Atoi(first[len("comment-"):])
	w.do(ctx, chromedp.Click(chromedp.CSS("#"+first+" .vote-up")))
	w.wait(ctx, `document.querySelector("#`+first+` [data-score]").textContent === "1" && document.querySelector("#`+first+` .vote-up").getAttribute("aria-pressed") === "true"`)
	c, err := w.store.Comment(context.Background(), uint(id))
	if err != nil || c.Score != 1 {
		t.Fatalf("stored score %d, %v", c.Score, err)
	}
	// Voting again changes nothing; the pressed state survives a reload.
	w.do(ctx, chromedp.Click(chromedp.CSS("#"+first+" .vote-up")))
	w.do(ctx, chromedp.Reload())
	w.wait(ctx, `document.readyState === "complete" && document.querySelector("#`+first+` .vote-up").getAttribute("aria-pressed") === "true" && document.querySelector("#`+first+` .vote-down").getAttribute("aria-pressed") === "false"`)
	if c, _ := w.store.Comment(context.Background(), uint(id)); c.Score != 1 || c.Upvotes != 1 {
		t.Errorf("after a repeated vote: score %d, upvotes %d", c.Score, c.Upvotes)
	}
	w.do(ctx, chromedp.Click(chromedp.CSS(`.thread-sort a[data-sort="top"]`)))
	w.wait(ctx, `document.readyState === "complete" && document.querySelector("#comment-list > .comment").id === "`+first+`"`)

	for _, v := range []struct {
		name, scheme string
		width        int64
		mobile       bool
	}{{"light", "light", 1000, false}, {"dark", "dark", 1000, false}, {"phone", "light", 360, true}, {"phone-dark", "dark", 360, true}} {
		if err := browsertest.ColorScheme(ctx, v.scheme); err != nil {
			t.Fatal(err)
		}
		if err := browsertest.Viewport(ctx, v.width, 900, v.mobile); err != nil {
			t.Fatal(err)
		}
		w.do(ctx, chromedp.Navigate(w.parley+"/posts/welcome?comment="+strconv.Itoa(id)))
		w.wait(ctx, `document.readyState === "complete"`)
		if v.mobile && eval[bool](t, ctx, `document.documentElement.scrollWidth > document.documentElement.clientWidth`) {
			t.Errorf("%s: the thread is wider than the screen", v.name)
		}
		w.do(ctx, chromedp.ScrollIntoView(chromedp.CSS("#comments")))
		browsertest.Screenshot(t, ctx, "thread-votes-"+v.name)
		viewportShot(t, ctx, "thread-votes-view-"+v.name)
	}
	if err := browsertest.ColorScheme(ctx, "light"); err != nil {
		t.Fatal(err)
	}
	if err := browsertest.Viewport(ctx, 1000, 900, false); err != nil {
		t.Fatal(err)
	}

	// The embed on another origin: more comments in place, and the iframe
	// (sized by frame.js through ResizeObserver) grows with them.
	page := "/posts/long.html"
	thread, err := w.store.EnsureThread(context.Background(), blogSite, page, "Long", w.blog+page)
	if err != nil {
		t.Fatal(err)
	}
	seedBrowserThread(t, w, thread.ID, 55)
	w.do(ctx, chromedp.Navigate(w.blog+page))
	w.waitFrame(ctx, `document.readyState === "complete" && `+top+` === 50`)
	before := w.waitSized(ctx)
	if !frameEval[bool](t, w, ctx, `(() => { document.querySelector(".more-comments a").click(); return true; })()`) {
		t.Fatal("no More comments link in the embed")
	}
	w.waitFrame(ctx, top+` === 55`)
	if after := w.waitSized(ctx); after <= before {
		t.Errorf("the iframe stayed %dpx tall after more comments (was %d)", after, before)
	}
	// A vote inside the iframe goes through the API with the frame's storage.
	frameEval[bool](t, w, ctx, `(() => { document.querySelector("#comment-list .vote-up").click(); return true; })()`)
	w.waitFrame(ctx, `document.querySelector("#comment-list [data-score]").textContent === "1"`)
	browsertest.Screenshot(t, ctx, "thread-embed-more")

	// The embed remembers the sort in its storage: after choosing Newest,
	// a later plain visit shows newest first, swapped in place.
	frameEval[bool](t, w, ctx, `(() => { document.querySelector('.thread-sort a[data-sort="newest"]').click(); return true; })()`)
	w.waitFrame(ctx, `location.search.includes("sort=newest") && document.readyState === "complete"`)
	newest := frameEval[string](t, w, ctx, `document.querySelector("#comment-list > .comment").id`)
	w.do(ctx, chromedp.Navigate(w.blog+page))
	w.waitFrame(ctx, `!location.search.includes("sort=") && document.querySelector('.thread-sort a[aria-current]').dataset.sort === "newest" && document.querySelector("#comment-list > .comment").id === "`+newest+`"`)
	w.waitSized(ctx)
}

// seedBrowserThread puts n approved top-level comments on a thread, a
// minute apart, the third of each three with a reply.
func seedBrowserThread(t *testing.T, w *embedWorld, threadID uint, n int) {
	t.Helper()
	base := time.Now().UTC().Add(-time.Duration(n+1) * time.Minute)
	var cs []models.Comment
	var parents []int
	for i := range n {
		cs = append(cs, models.Comment{ThreadID: threadID, Author: []string{"Mira", "Tomás", "Ann"}[i%3], Body: "b",
			HTML: fmt.Sprintf("<p>Comment number %d: the view from the ridge is worth every step.</p>", i), Status: models.StatusApproved,
			CreatedAt: base.Add(time.Duration(i) * time.Minute)})
		parents = append(parents, -1)
		if i%3 == 2 {
			cs = append(cs, models.Comment{ThreadID: threadID, Author: "Jo", Body: "r", HTML: "<p>Agreed, and the café is open on weekends.</p>",
				Status: models.StatusApproved, CreatedAt: base.Add(time.Duration(i)*time.Minute + time.Second)})
			parents = append(parents, len(cs)-2)
		}
	}
	if err := w.store.SeedComments(context.Background(), cs, parents, 5); err != nil {
		t.Fatal(err)
	}
}

// viewportShot keeps what the reader sees without scrolling (the full page
// of a long thread is too tall to look at) when PARLEY_SCREENSHOTS is set.
func viewportShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("PARLEY_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
