package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"parley/handlers/browsertest"
	"parley/models"
)

// seedBlogComments puts one approved comment per author on a blog page.
func (e *env) seedBlogComments(page string, authors ...string) {
	e.t.Helper()
	for _, a := range authors {
		e.approve(e.heldComment(blogSite, page, a, "", "Ein langes Wort: Donaudampfschifffahrtsgesellschaftskapitänsmütze."))
	}
}

// TestI18nEmbedFollowsReader: with "auto" the iframe speaks the reader's
// language; a site fixed to Spanish speaks Spanish to everyone.
func TestI18nEmbedFollowsReader(t *testing.T) {
	e := newEnv(t)
	e.addBlogSite(models.ModerationPost)
	e.seedBlogComments("/p/1", "Ann")

	r := e.getWith(embedURL("/p/1"), "Accept-Language", "de-DE,de;q=0.9,en;q=0.8")
	wantStatus(t, r, http.StatusOK)
	wantContains(t, r.Body, `<html lang="de"`, "<title>Kommentare · A post</title>", "1 Kommentar<", "Kommentar schreiben", `<label for="author">Name</label>`,
		"Kommentar senden", "Antworten", "gerade eben")
	wantNotContains(t, r.Body, "Leave a comment", "Post comment")
	// The scripts' words are on the page, in German.
	wantContains(t, r.Body, `data-parley-text="{`, "Ihren Kommentar bearbeiten")

	r = e.getWith(embedURL("/p/2"), "Accept-Language", "de")
	wantContains(t, r.Body, "Keine Kommentare", "Schreiben Sie den ersten Kommentar.")

	// Problems shown in the frame are German too.
	r = e.getWith("/embed?site=&page=", "Accept-Language", "de")
	wantContains(t, r.Body, `<html lang="de"`, "Dieser Diskussion fehlt die Website oder die Seite.")
	r = e.getWith("/embed?site=nope&page=/p/1", "Accept-Language", "de")
	wantContains(t, r.Body, "Parley kennt keine Website &#34;nope&#34;.")

	e.setSiteLanguage(blogSite, "es")
	r = e.getWith(embedURL("/p/1"), "Accept-Language", "de")
	wantContains(t, r.Body, `<html lang="es"`, "1 comentario<", "Deja un comentario", "Publicar comentario", "Responder")
	wantNotContains(t, r.Body, "Kommentar")
	if v := r.Header.Values("Vary"); slices.Contains(v, "Accept-Language") {
		t.Errorf("a fixed language still varies on Accept-Language: %v", v)
	}
}

// TestI18nEmbedInTheBrowser shows the embed on a foreign blog in German and
// Spanish, wide and on a 360 px phone: long German words must not push the
// thread wider than the frame, and the blog's counts use the same words.
func TestI18nEmbedInTheBrowser(t *testing.T) {
	w := newEmbedWorld(t, models.ModerationPost)
	ctx := browsertest.Within(t, w.browser, 120*time.Second)
	seedBrowserComments(t, w, "/posts/sprachen.html", 3)
	post := w.blog + "/posts/sprachen.html"
	for _, lang := range []string{"de", "es"} {
		acceptLanguage(t, ctx, lang)
		for _, width := range []int64{1000, 360} {
			if err := browsertest.Viewport(ctx, width, 900, width < 500); err != nil {
				t.Fatal(err)
			}
			w.do(ctx, chromedp.Navigate(post))
			w.waitFrame(ctx, `document.readyState === "complete" && document.getElementById("comment-form") !== null`)
			w.waitSized(ctx)
			if got := frameEval[string](t, w, ctx, `document.documentElement.lang`); got != lang {
				t.Errorf("the frame's lang is %q, want %q", got, lang)
			}
			title := frameEval[string](t, w, ctx, `document.getElementById("comments-title").textContent`)
			if want := map[string]string{"de": "3 Kommentare", "es": "3 comentarios"}[lang]; title != want {
				t.Errorf("%s: the thread title is %q, want %q", lang, title, want)
			}
			if frameEval[bool](t, w, ctx, `document.documentElement.scrollWidth > document.documentElement.clientWidth`) {
				t.Errorf("%s at %d px: the thread is wider than its frame", lang, width)
			}
			browsertest.Screenshot(t, ctx, "i18n-embed-"+lang+"-"+map[bool]string{true: "360", false: "1000"}[width < 500])
		}
	}

	// A German reader's own new comment gets its edit buttons in German:
	// the script's words come from the page.
	acceptLanguage(t, ctx, "de")
	w.do(ctx, chromedp.Navigate(post))
	w.waitFrame(ctx, `document.readyState === "complete" && document.getElementById("comment-form") !== null`)
	w.typeInFrame(ctx, "body", "Danke für die Donaudampfschifffahrtsgesellschaftskapitänsmütze!")
	w.typeInFrame(ctx, "author", "Maximiliane Schwarzenberger-Hohenlohe")
	w.do(ctx, chromedp.KeyEvent("\r"))
	w.waitFrame(ctx, `[...document.querySelectorAll(".own-actions button")].map(b => b.textContent).join(",") === "Bearbeiten,Löschen"`)
	if frameEval[bool](t, w, ctx, `document.documentElement.scrollWidth > document.documentElement.clientWidth`) {
		t.Error("a long German word pushes the thread wider than its frame")
	}
	browsertest.Screenshot(t, ctx, "i18n-embed-de-own-comment-360")
}

// TestI18nPostPage: the blog's post page words its thread, form, counts
// and dates in the reader's language.
func TestI18nPostPage(t *testing.T) {
	e := newEnv(t)
	id, _ := e.comment("Ann", "Hallo", 0)
	e.approve(id)
	r := e.getLang(nil, welcomePage, "de")
	wantContains(t, r.Body, `<html lang="de">`, `>1 Kommentar</a>`, `class="thread-title">1 Kommentar</h2>`,
		"Kommentar schreiben", "Kommentar senden", "Hilfe zur Formatierung", "gerade eben")
	if !regexp.MustCompile(`<time datetime="[^"]+">\d{1,2}\. (Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember) \d{4}</time>`).MatchString(r.Body) {
		t.Error("the post's date is not in German")
	}
	r = e.getLang(nil, welcomePage, "es-ES,es;q=0.9")
	wantContains(t, r.Body, `<html lang="es">`, `class="thread-title">1 comentario</h2>`, "Deja un comentario")
	if !regexp.MustCompile(`>\d{1,2} de (enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre) de \d{4}</time>`).MatchString(r.Body) {
		t.Error("the post's date is not in Spanish")
	}

	// A form error comes back in the reader's language.
	form := url.Values{"author": {""}, "body": {"Hallo"}}
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+welcomePage+"/comments", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Language", "de")
	r = e.do(nil, req)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantContains(t, r.Body, "Bitte geben Sie Ihren Namen an.", "Bitte prüfen Sie das markierte Feld unten.")
}
