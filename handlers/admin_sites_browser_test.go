package handlers_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"parley/handlers/browsertest"
	"parley/models"
)

// TestAdminSitePreview signs in, opens a site's page and checks that the
// live preview shows the site's thread through the real embed.js, sized to
// its content, in light and dark and on a phone.
func TestAdminSitePreview(t *testing.T) {
	w := newEmbedWorld(t, models.ModerationPre)
	seedBrowserComments(t, w, "/", 2)
	ctx := browsertest.Within(t, w.browser, 90*time.Second)
	w.do(ctx, chromedp.Navigate(w.parley+"/admin/login"),
		chromedp.SendKeys(chromedp.ID("email"), adminEmail),
		chromedp.SendKeys(chromedp.ID("password"), adminPassword+"\r"),
		chromedp.WaitVisible(chromedp.CSS(".admin-nav")),
		chromedp.Navigate(w.parley+"/admin/sites"),
		chromedp.WaitVisible(chromedp.CSS(".sites-table")))
	browsertest.Screenshot(t, ctx, "admin-sites")

	for _, c := range []struct {
		name, scheme string
		width        int64
		mobile       bool
	}{{"light", "light", 1280, false}, {"dark", "dark", 1280, false}, {"phone", "light", 375, true}, {"phone-dark", "dark", 375, true}} {
		if err := browsertest.ColorScheme(ctx, c.scheme); err != nil {
			t.Fatal(err)
		}
		if err := browsertest.Viewport(ctx, c.width, 900, c.mobile); err != nil {
			t.Fatal(err)
		}
		w.do(ctx, chromedp.Navigate(w.parley+"/admin/sites/blog"), chromedp.WaitVisible(chromedp.CSS("pre.snippet")))
		w.do(ctx, chromedp.ScrollIntoView(chromedp.CSS(".site-preview")))
		w.waitFrame(ctx, `document.readyState === "complete" && document.querySelectorAll(".comment").length === 2`)
		w.wait(ctx, `document.querySelector(".preview-frame iframe").offsetHeight > 400`)
		if c.mobile {
			if eval[bool](t, ctx, `document.documentElement.scrollWidth > document.documentElement.clientWidth`) {
				t.Errorf("%s: the site page is wider than the screen", c.name)
			}
		}
		browsertest.Screenshot(t, ctx, "admin-site-"+c.name)
	}
}
