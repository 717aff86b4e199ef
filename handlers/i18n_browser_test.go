package handlers_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"parley/handlers/browsertest"
)

// acceptLanguage makes the tab's browser ask for lang.
func acceptLanguage(t *testing.T, ctx context.Context, lang string) {
	t.Helper()
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"Accept-Language": lang}}); err != nil {
		t.Fatal(err)
	}
}

// TestI18nAdminPagesInTheBrowser opens the moderation desk in German and
// Spanish, wide and on a phone, checks that the longer words do not push
// any page wider than the window, and screenshots each page.
func TestI18nAdminPagesInTheBrowser(t *testing.T) {
	browser := browsertest.New(t)
	e := newEnv(t)
	e.heldComment("default", welcomePage, "Ann", "", "Hallo")
	e.heldComment("default", welcomePage, "Bob", "", "Hola")
	tab := browsertest.Tab(t, browser)
	signIn(t, tab, e)

	// The queue's script announces in the moderator's language.
	acceptLanguage(t, tab, "de")
	step(t, tab, "open the queue", chromedp.Navigate(e.srv.URL+"/admin/queue"), chromedp.WaitVisible(chromedp.CSS("[data-key-hints]")))
	press(t, tab, "j", "")
	press(t, tab, "a", "Kommentar von Bob freigegeben. 1 übrig.")
	acceptLanguage(t, tab, "es")
	step(t, tab, "open the queue", chromedp.Navigate(e.srv.URL+"/admin/queue"), chromedp.WaitVisible(chromedp.CSS("[data-key-hints]")))
	press(t, tab, "j", "")
	press(t, tab, "x", "Comentario de Ann seleccionado. 1 seleccionado.")
	pages := []string{"dashboard", "queue", "bans", "sites", "sites/default", "settings", "moderators", "import", "audit", "posts", "password"}
	for _, lang := range []string{"de", "es"} {
		acceptLanguage(t, tab, lang)
		for _, width := range []int64{1280, 360} {
			if err := browsertest.Viewport(tab, width, 900, width < 500); err != nil {
				t.Fatal(err)
			}
			for _, p := range pages {
				step(t, tab, "open "+p, chromedp.Navigate(e.srv.URL+"/admin/"+p), chromedp.WaitVisible(chromedp.CSS("h1")))
				if got := evalString(t, tab, `document.documentElement.lang`); got != lang {
					t.Errorf("%s: lang=%q, want %q", p, got, lang)
				}
				if got := evalString(t, tab, `String(document.documentElement.scrollWidth <= window.innerWidth)`); got != "true" {
					t.Errorf("%s in %s at %d px: the page is wider than the window", p, lang, width)
				}
				browsertest.Screenshot(t, tab, "i18n-"+lang+"-"+strings.ReplaceAll(p, "/", "-")+"-"+map[bool]string{true: "360", false: "1280"}[width < 500])
			}
		}
	}

	// The blog's post page in German, dark, on a phone.
	acceptLanguage(t, tab, "de")
	if err := browsertest.ColorScheme(tab, "dark"); err != nil {
		t.Fatal(err)
	}
	if err := browsertest.Viewport(tab, 360, 800, true); err != nil {
		t.Fatal(err)
	}
	step(t, tab, "open the post", chromedp.Navigate(e.srv.URL+welcomePage), chromedp.WaitVisible(chromedp.CSS("#comment-form")))
	if got := evalString(t, tab, `document.querySelector(".comment-form .form-title").textContent`); got != "Kommentar schreiben" {
		t.Errorf("the form's title is %q", got)
	}
	if got := evalString(t, tab, `String(document.documentElement.scrollWidth <= window.innerWidth)`); got != "true" {
		t.Error("the German post page is wider than a phone")
	}
	browsertest.Screenshot(t, tab, "i18n-de-post-dark-360")
}
