package handlers_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"parley/handlers/browsertest"
	"parley/models"
)

// TestPreviewInTheBrowser previews a comment without JavaScript (the form
// posts, the server answers with the preview and the input kept) and with
// it (in place, announced), and screenshots the form with the formatting
// help open on a 360 px phone in light and dark.
func TestPreviewInTheBrowser(t *testing.T) {
	browser := browsertest.New(t)
	e := newEnv(t)
	e.addBlogSite(models.ModerationPost)
	const text = "Hello **world**, see https://example.com\n\n> a quote\n\n- one\n- two <b>not bold</b>"

	t.Run("no script", func(t *testing.T) {
		ctx := browsertest.Tab(t, browser)
		if err := browsertest.NoScript(ctx, true); err != nil {
			t.Fatal(err)
		}
		step(t, ctx, "preview without script",
			chromedp.Navigate(e.srv.URL+welcomePage),
			chromedp.SetValue(chromedp.ID("author"), "Ann"),
			chromedp.SetValue(chromedp.ID("body"), text),
			chromedp.Click(chromedp.CSS("button[name=preview]")),
			chromedp.WaitVisible(chromedp.CSS("#comment-preview strong")))
		if got := evalString(t, ctx, `location.hash + " " + document.getElementById("author").value + " " + document.querySelector("#comment-preview .comment-text").innerHTML.includes("&lt;b&gt;not bold&lt;/b&gt;")`); got != "#comment-preview Ann true" {
			t.Errorf("after the no-script preview: %q", got)
		}
		if got := evalString(t, ctx, `document.getElementById("body").value`); got != text {
			t.Errorf("the comment field holds %q, want the reader's text kept", got)
		}
		if n := e.welcomeComments(); n != 0 {
			t.Errorf("previewing stored %d comments", n)
		}
		// Posting from the preview page still works.
		step(t, ctx, "post after preview", chromedp.Click(chromedp.CSS("#comment-form button[type=submit]:not([name])")),
			chromedp.WaitVisible(chromedp.ID("pending")))
		if n := e.welcomeComments(); n != 1 {
			t.Errorf("after posting there are %d comments, want 1", n)
		}
	})

	for _, scheme := range []string{"light", "dark"} {
		t.Run("phone "+scheme, func(t *testing.T) {
			ctx := browsertest.Tab(t, browser)
			if err := browsertest.ColorScheme(ctx, scheme); err != nil {
				t.Fatal(err)
			}
			if err := browsertest.Viewport(ctx, 360, 740, true); err != nil {
				t.Fatal(err)
			}
			step(t, ctx, "preview with script",
				chromedp.Navigate(e.srv.URL+welcomePage),
				chromedp.Click(chromedp.CSS(".format-help summary")),
				chromedp.SetValue(chromedp.ID("body"), text),
				chromedp.Click(chromedp.CSS("button[name=preview]")),
				chromedp.WaitVisible(chromedp.CSS("#comment-preview strong")))
			waitTrue(t, ctx, `document.getElementById("preview-status").textContent !== ""`)
			if got := evalString(t, ctx, `location.pathname + location.hash`); got != welcomePage {
				t.Errorf("the script preview left the page for %q", got)
			}
			if got := evalString(t, ctx, `String(document.documentElement.scrollWidth <= 360)`); got != "true" {
				t.Errorf("the form is wider than a 360 px phone")
			}
			// An empty comment is not sent; the reader is told.
			step(t, ctx, "empty preview", chromedp.Evaluate[chromedp.Void](`document.getElementById("body").value = ""`),
				chromedp.Click(chromedp.CSS("button[name=preview]")))
			waitTrue(t, ctx, `document.getElementById("preview-status").textContent === "Write something to preview."`)
			step(t, ctx, "preview again", chromedp.SetValue(chromedp.ID("body"), text),
				chromedp.Click(chromedp.CSS("button[name=preview]")),
				chromedp.WaitVisible(chromedp.CSS("#comment-preview strong")),
				chromedp.ScrollIntoView(chromedp.ID("comment-form")))
			browsertest.Screenshot(t, ctx, "preview-phone-"+scheme)

			// The embed previews the same way, from inside its frame.
			step(t, ctx, "embed preview",
				chromedp.Navigate(e.srv.URL+embedURL("/2024/05/preview.html", "theme", scheme)),
				chromedp.SetValue(chromedp.ID("body"), "_in the embed_"),
				chromedp.Click(chromedp.CSS("button[name=preview]")),
				chromedp.WaitVisible(chromedp.CSS("#comment-preview em")))
			browsertest.Screenshot(t, ctx, "preview-embed-phone-"+scheme)
		})
	}
}
