package handlers_test

// Browser tests of the embed: Parley on one 127.0.0.1 port, a static "blog"
// on another (a different origin) with the two-line snippet, and a third
// origin the site does not list. They need PARLEY_TEST_CHROMIUM.

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"parley/handlers"
	"parley/handlers/browsertest"
	"parley/models"
	"parley/models/markup"
	"parley/models/store"
	"parley/models/store/storetest"
)

// embedWorld is Parley plus two foreign origins, and a browser.
type embedWorld struct {
	t       *testing.T
	store   *store.Store
	parley  string // Parley's base URL
	blog    string // the blog's origin, registered for the site
	other   string // an origin the site does not list
	browser context.Context
}

func newEmbedWorld(t *testing.T, mode string) *embedWorld {
	t.Helper()
	browser := browsertest.New(t)
	ctx := context.Background()
	st := storetest.Open(t, filepath.Join(t.TempDir(), "parley.db"))
	html, _ := markup.New().Post("Hello from Parley's own blog.")
	if err := st.Bootstrap(ctx, store.Welcome{Title: "Welcome", Slug: welcomeSlug, Body: "Hello from Parley's own blog.", BodyHTML: html}); err != nil {
		t.Fatal(err)
	}
	addModerator(t, st, adminEmail, adminPassword, models.RoleAdmin)

	ts := httptest.NewUnstartedServer(nil)
	w := &embedWorld{t: t, store: st, parley: "http://" + ts.Listener.Addr().String(), browser: browser}
	srv, err := handlers.New(ctx, handlers.Config{BaseURL: w.parley, Version: "test"}, st, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = srv
	ts.Start()
	t.Cleanup(ts.Close)

	blog := httptest.NewServer(w.blogHandler())
	t.Cleanup(blog.Close)
	other := httptest.NewServer(w.blogHandler())
	t.Cleanup(other.Close)
	w.blog, w.other = blog.URL, other.URL

	site := models.Site{ID: blogSite, Name: "Ann's blog", Origins: []string{w.blog}, Settings: models.DefaultSiteSettings()}
	site.Settings.Moderation = mode
	if err := st.CreateSite(ctx, &site); err != nil {
		t.Fatal(err)
	}
	return w
}

var blogPage = template.Must(template.New("post").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · Ann's blog</title>
<style>
body { font: 18px/1.6 Georgia, serif; max-width: 40rem; margin: 0 auto; padding: 1.5rem 1rem; color: #222; background: #fff; }
h1 { font-size: 2rem; line-height: 1.2; } nav a { color: #7a2e12; } .spacer { height: 3000px; }
@media (prefers-color-scheme: dark) { body { color: #ddd; background: #111; } nav a { color: #f0a080; } }
</style></head>
<body><nav><a href="/">Ann's blog</a></nav>
<article><h1>{{.Title}}</h1>
<p>This is a static page on another origin. Readers comment below without leaving it: the thread comes from Parley in an iframe.</p>
<p>Morbi at lectus et nunc porta tincidunt. Integer vitae leo ut magna posuere dignissim.</p></article>
{{if .Multi}}<h2>Part one</h2><div data-parley-thread data-page="/part-one"></div><div class="spacer"></div>
<h2>Part two</h2><div data-parley-thread data-page="/part-two"></div>
{{else}}<h2 id="comments">Comments</h2>
<div id="{{or .Target "parley-thread"}}"></div>{{end}}
<script src="{{.Parley}}/static/embed.js" data-site="blog"{{with .Theme}} data-theme="{{.}}"{{end}}{{with .Accent}} data-accent="{{.}}"{{end}}{{with .Font}} data-font="{{.}}"{{end}}{{with .Target}} data-target="{{.}}"{{end}} async></script>
</body></html>`))

var blogIndex = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ann's blog</title></head>
<body><h1>Ann's blog</h1><ul>
<li><a href="/posts/hello.html">Hello</a> · <a id="count-hello" href="/posts/hello.html#comments" data-parley-count="/posts/hello.html">Comments</a></li>
<li><a href="/posts/second.html">Second</a> · <span id="count-second" data-parley-count="/posts/second.html" data-zero="Noch keine Kommentare">…</span></li>
<li><a href="/posts/big.html">Big</a> · <span id="count-big" data-parley-count="/posts/big.html">…</span>
 · <span id="count-big-es" lang="es" data-parley-count="/posts/big.html" data-many="{n} comentarios">…</span></li>
</ul>
<script src="{{.Parley}}/static/count.js" data-site="blog" async></script>
</body></html>`))

// blogHandler serves the static blog: an index with counts and posts with
// the snippet; ?theme=, ?accent=, ?font= and ?target= go onto the script tag.
func (w *embedWorld) blogHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(rw http.ResponseWriter, r *http.Request) {
		if err := blogIndex.Execute(rw, map[string]string{"Parley": w.parley}); err != nil {
			w.t.Error(err)
		}
	})
	mux.HandleFunc("GET /", func(rw http.ResponseWriter, r *http.Request) {
		name := strings.TrimSuffix(filepath.Base(r.URL.Path), ".html")
		data := map[string]any{"Parley": w.parley, "Title": strings.ToUpper(name[:1]) + name[1:],
			"Multi": name == "multi"}
		for _, k := range []string{"Theme", "Accent", "Font", "Target"} {
			data[k] = r.URL.Query().Get(strings.ToLower(k))
		}
		if err := blogPage.Execute(rw, data); err != nil {
			w.t.Error(err)
		}
	})
	return mux
}

// frame is the URL prefix of Parley's embed frames.
func (w *embedWorld) frame() string { return w.parley + "/embed?" }

func (w *embedWorld) do(ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	w.t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		w.t.Fatal(err)
	}
}

func (w *embedWorld) waitFrame(ctx context.Context, expr string) {
	w.t.Helper()
	if err := browsertest.WaitFrame(ctx, w.frame(), expr); err != nil {
		w.t.Fatal(err)
	}
}

func (w *embedWorld) wait(ctx context.Context, expr string) {
	w.t.Helper()
	if err := browsertest.Wait(ctx, expr); err != nil {
		w.t.Fatal(err)
	}
}

func frameEval[T any](t *testing.T, w *embedWorld, ctx context.Context, expr string) T {
	t.Helper()
	v, err := browsertest.FrameEval[T](ctx, w.frame(), expr)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// typeInFrame focuses a field inside the iframe and types into it with
// real key events.
func (w *embedWorld) typeInFrame(ctx context.Context, id, text string) {
	w.t.Helper()
	if !frameEval[bool](w.t, w, ctx, fmt.Sprintf(`(() => { const el = document.getElementById(%q); el.focus(); return document.activeElement === el; })()`, id)) {
		w.t.Fatalf("could not focus #%s in the iframe", id)
	}
	w.do(ctx, chromedp.KeyEvent(text))
}

// frameHeights returns the iframe's height on the host page and the height
// of the thread inside it.
func (w *embedWorld) frameHeights(ctx context.Context) (outer, inner int) {
	w.t.Helper()
	outer = eval[int](w.t, ctx, `document.querySelector("#parley-thread iframe").offsetHeight`)
	inner = frameEval[int](w.t, w, ctx, `Math.ceil(document.documentElement.getBoundingClientRect().height)`)
	return outer, inner
}

// waitSized waits until the host page has sized the iframe to its content.
func (w *embedWorld) waitSized(ctx context.Context) int {
	w.t.Helper()
	var outer, inner int
	for ctx.Err() == nil {
		if outer, inner = w.frameHeights(ctx); outer == inner && inner > 0 {
			return outer
		}
		time.Sleep(100 * time.Millisecond)
	}
	w.t.Fatalf("the iframe is %dpx tall on the page, its content %dpx", outer, inner)
	return 0
}

func (w *embedWorld) threadComments(page string) []models.Comment {
	w.t.Helper()
	ctx := context.Background()
	thread, err := w.store.Thread(ctx, blogSite, page)
	if err != nil {
		w.t.Fatalf("thread of %s: %v", page, err)
	}
	flat, err := w.store.ThreadComments(ctx, thread.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return flat
}

// waitStatus waits until a comment has the status, polling the database.
func (w *embedWorld) waitStatus(ctx context.Context, id uint, want models.Status) {
	w.t.Helper()
	for {
		c, err := w.store.Comment(context.Background(), id)
		if err == nil && c.Status == want {
			return
		}
		select {
		case <-ctx.Done():
			w.t.Fatalf("comment %d is %s, want %s", id, c.Status, want)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func TestEmbedOnForeignBlog(t *testing.T) {
	w := newEmbedWorld(t, models.ModerationPre)
	ctx := browsertest.Within(t, w.browser, 90*time.Second)
	post := w.blog + "/posts/hello.html"

	// The thread loads in the iframe, sized to its content.
	w.do(ctx, chromedp.Navigate(post))
	w.waitFrame(ctx, `document.getElementById("comment-form") !== null && document.readyState === "complete"`)
	empty := w.waitSized(ctx)
	src := eval[string](t, ctx, `document.querySelector("#parley-thread iframe").src`)
	for _, want := range []string{"site=blog", "page=%2Fposts%2Fhello.html", "url=" + url.QueryEscape(w.blog+"/posts/hello.html")} {
		if !strings.Contains(src, want) {
			t.Errorf("iframe src %q lacks %q", src, want)
		}
	}
	w.noThreadYet("/posts/hello.html")
	browsertest.Screenshot(t, ctx, "embed-empty")

	// A reader types a comment and sends it with Enter.
	w.typeInFrame(ctx, "body", "Lovely post! Greetings from another origin.")
	w.typeInFrame(ctx, "author", "Ann Reader")
	w.do(ctx, chromedp.KeyEvent("\r"))
	w.waitFrame(ctx, `document.getElementById("pending") !== null && location.hash === "#pending"`)
	if !frameEval[bool](t, w, ctx, `localStorage.getItem("parley:key") !== null && Object.keys(JSON.parse(localStorage.getItem("parley:edit"))).length === 1`) {
		t.Error("the iframe did not keep the edit token and commenter key in its storage")
	}
	if cookies := frameEval[string](t, w, ctx, `document.cookie`); cookies != "" {
		t.Errorf("the embed set cookies %q; it must not depend on them", cookies)
	}
	flat := w.threadComments("/posts/hello.html")
	if len(flat) != 1 || flat[0].Status != models.StatusPending || flat[0].Author != "Ann Reader" {
		t.Fatalf("comments = %+v", flat)
	}
	first := flat[0]
	thread, _ := w.store.Thread(context.Background(), blogSite, "/posts/hello.html")
	if thread.Title != "Hello · Ann's blog" || thread.URL != post {
		t.Errorf("thread title %q, URL %q; want the embedding page's", thread.Title, thread.URL)
	}

	// A moderator approves it in the admin, in another tab.
	admin := browsertest.Tab(t, w.browser)
	actx := browsertest.Within(t, admin, 60*time.Second)
	w.do(actx, chromedp.Navigate(w.parley+"/admin/login"),
		chromedp.SendKeys(chromedp.ID("email"), adminEmail),
		chromedp.SendKeys(chromedp.ID("password"), adminPassword+"\r"),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#q-%d", first.ID))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf("#q-%d button.approve", first.ID))))
	w.waitStatus(actx, first.ID, models.StatusApproved)

	// The foreign page shows it after a reload, and the iframe grew.
	w.do(ctx, chromedp.Reload())
	w.waitFrame(ctx, fmt.Sprintf(`(document.getElementById("comment-%d") || {}).textContent?.includes("Greetings from another origin")`, first.ID))
	w.waitFrame(ctx, `document.readyState === "complete"`)
	if grown := w.waitSized(ctx); grown <= empty {
		t.Errorf("the iframe is %dpx with a comment, %dpx without; it should grow", grown, empty)
	}
	browsertest.Screenshot(t, ctx, "embed-light")

	// Replying inside the iframe keeps the commenter key from its storage.
	w.do(ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById("parley-thread").scrollIntoView()`))
	if !frameEval[bool](t, w, ctx, fmt.Sprintf(`(() => { document.querySelector("#comment-%d a.reply").click(); return !document.querySelector(".replying-to").hidden; })()`, first.ID)) {
		t.Fatal("Reply did not open the form under the comment")
	}
	w.typeInFrame(ctx, "body", "Thanks, me again.")
	w.typeInFrame(ctx, "author", "Ann Reader")
	w.do(ctx, chromedp.KeyEvent("\r"))
	w.waitFrame(ctx, `document.getElementById("pending") !== null`)
	flat = w.threadComments("/posts/hello.html")
	if len(flat) != 2 || flat[1].ParentID == nil || *flat[1].ParentID != first.ID || flat[1].CommenterKey != first.CommenterKey {
		t.Errorf("reply = %+v; want a reply to %d under key %q", flat[len(flat)-1], first.ID, first.CommenterKey)
	}

	// The blog's index shows the count from one request.
	w.do(ctx, chromedp.Navigate(w.blog+"/"))
	w.wait(ctx, `document.getElementById("count-hello").textContent === "1 comment"`)
	w.wait(ctx, `document.getElementById("count-second").textContent === "Noch keine Kommentare"`)
	browsertest.Screenshot(t, ctx, "embed-counts")
}

func (w *embedWorld) noThreadYet(page string) {
	w.t.Helper()
	if _, err := w.store.Thread(context.Background(), blogSite, page); !errors.Is(err, models.ErrNotFound) {
		w.t.Errorf("reading made a thread for %s (err %v)", page, err)
	}
}

func TestEmbedRefusesOtherOrigins(t *testing.T) {
	w := newEmbedWorld(t, models.ModerationPost)
	ctx := browsertest.Within(t, w.browser, 60*time.Second)

	// The same snippet on an origin the site does not list: a clear
	// message in the iframe, no form, no thread.
	w.do(ctx, chromedp.Navigate(w.other+"/posts/hello.html"))
	w.waitFrame(ctx, `(document.querySelector(".embed-problem") || {}).textContent?.includes("Comments are not enabled for pages on `+w.other+`")`)
	if frameEval[bool](t, w, ctx, `document.getElementById("comment-form") !== null`) {
		t.Error("a page on another origin got a comment form")
	}
	browsertest.Screenshot(t, ctx, "embed-refused")
	w.noThreadYet("/posts/hello.html")

	// A page there that frames the thread of an allowed page directly,
	// hiding where it comes from, is refused by the browser: the thread's
	// frame-ancestors name only the site's origins.
	framed := fmt.Sprintf(`(() => { const f = document.createElement("iframe"); f.name = "sneaky"; f.referrerPolicy = "no-referrer";
		f.src = %q; document.body.appendChild(f); return true; })()`,
		w.parley+"/embed?site=blog&page=%2Fposts%2Fhello.html&url="+w.blog+"%2Fposts%2Fhello.html")
	if !eval[bool](t, ctx, framed) {
		t.Fatal("could not add the iframe")
	}
	for {
		frames, err := browsertest.Frames(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if f := frames["sneaky"]; f != nil && f.URL != "" && f.URL != "about:blank" {
			if !strings.HasPrefix(f.URL, "chrome-error:") {
				t.Errorf("the framed thread loaded as %s; the browser should have refused it", f.URL)
			}
			break
		}
		if ctx.Err() != nil {
			t.Fatal("the sneaky iframe never finished loading")
		}
		time.Sleep(100 * time.Millisecond)
	}
	w.noThreadYet("/posts/hello.html")
}

func TestEmbedTheming(t *testing.T) {
	w := newEmbedWorld(t, models.ModerationPost)
	ctx := browsertest.Within(t, w.browser, 90*time.Second)
	seedBrowserComments(t, w, "/posts/themed.html", 3)
	const darkSoft, lightSoft = "rgb(32, 35, 40)", "rgb(243, 241, 237)"
	formBG := `getComputedStyle(document.getElementById("comment-form")).backgroundColor`
	check := func(name, url, scheme, want string) {
		t.Helper()
		if err := browsertest.ColorScheme(ctx, scheme); err != nil {
			t.Fatal(err)
		}
		w.do(ctx, chromedp.Navigate(url))
		w.waitFrame(ctx, `document.readyState === "complete" && document.getElementById("comment-form") !== null`)
		w.waitSized(ctx)
		if got := frameEval[string](t, w, ctx, formBG); got != want {
			t.Errorf("%s: the form's background is %s, want %s", name, got, want)
		}
		browsertest.Screenshot(t, ctx, "embed-"+name)
	}
	post := w.blog + "/posts/themed.html"
	check("dark", post+"?theme=dark", "light", darkSoft)
	check("auto-dark", post, "dark", darkSoft)
	check("light-forced", post+"?theme=light", "dark", lightSoft)
	check("auto-light", post, "light", lightSoft)

	// The owner's accent color and font reach the thread, with readable
	// text on the button.
	check("accent", post+"?accent=%23ffcc00&font=Georgia,%20serif", "light", lightSoft)
	button := frameEval[[]string](t, w, ctx, `(() => { const s = getComputedStyle(document.querySelector("#comment-form button")); return [s.backgroundColor, s.color, getComputedStyle(document.body).fontFamily]; })()`)
	if button[0] != "rgb(255, 204, 0)" || button[1] != "rgb(17, 17, 17)" || button[2] != `Georgia, serif` {
		t.Errorf("button colors and font = %q", button)
	}

	// On a phone the thread fits the width.
	if err := browsertest.Viewport(ctx, 375, 812, true); err != nil {
		t.Fatal(err)
	}
	check("phone", post, "light", lightSoft)
	if overflow := frameEval[bool](t, w, ctx, `document.documentElement.scrollWidth > document.documentElement.clientWidth`); overflow {
		t.Error("the thread is wider than a phone")
	}
	check("phone-dark", post, "dark", darkSoft)
}

// seedBrowserComments puts n approved comments on a page of the blog site.
func seedBrowserComments(t *testing.T, w *embedWorld, page string, n int) {
	t.Helper()
	ctx := context.Background()
	thread, err := w.store.EnsureThread(ctx, blogSite, page, "Themed", w.blog+page)
	if err != nil {
		t.Fatal(err)
	}
	md := markup.New()
	texts := []string{"What a **lovely** walk. I did the same route last spring — the view from the ridge is worth every step.",
		"Thanks for the tip about the early train. Is the café at the top open in winter?",
		"> Is the café at the top open in winter?\n\nIt is, but only on weekends."}
	var ids []uint
	for i := 0; i < n; i++ {
		body := texts[i%len(texts)]
		html, err := md.Comment(body)
		if err != nil {
			t.Fatal(err)
		}
		c := models.Comment{ThreadID: thread.ID, Author: []string{"Mira", "Tomás", "Ann"}[i%3], Body: body, HTML: html,
			Status: models.StatusApproved, Website: "https://example.com"}
		if i%3 == 2 {
			c.ParentID = &ids[i-1] // answers the question before it
		}
		if err := w.store.CreateComment(ctx, &c, 5); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
}

func TestEmbedLazyMultipleAndSPA(t *testing.T) {
	w := newEmbedWorld(t, models.ModerationPost)
	ctx := browsertest.Within(t, w.browser, 60*time.Second)

	// Two threads on one page; the second, far below, loads on approach.
	w.do(ctx, chromedp.Navigate(w.blog+"/posts/multi.html"))
	w.waitFrame(ctx, `document.getElementById("comment-form") !== null`)
	frames := `[...document.querySelectorAll("iframe[data-parley]")].map(f => new URL(f.src).searchParams.get("page"))`
	if got := eval[[]string](t, ctx, frames); len(got) != 1 || got[0] != "/part-one" {
		t.Errorf("before scrolling, iframes for %q; want only /part-one", got)
	}
	w.do(ctx, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, document.body.scrollHeight)`))
	w.wait(ctx, frames+`.join() === "/part-one,/part-two"`)

	// Messages from anyone but Parley's iframes are ignored. Every height
	// the iframe takes meanwhile is watched, not only the last: its own
	// messages may still resize it while the second thread loads, and one
	// of them landing between the two posts must not read as a failure.
	ignored := `new Promise(done => {
		const f = document.querySelector("iframe[data-parley]"), heights = [f.style.height];
		const watch = new MutationObserver(() => heights.push(f.style.height));
		watch.observe(f, {attributes: true, attributeFilter: ["style"]});
		window.postMessage({parley: "height", h: 5}, "*");
		addEventListener("message", function probe(e) {
			if (e.data !== "probe") return;
			removeEventListener("message", probe);
			setTimeout(() => { watch.disconnect(); done(!heights.includes("5px") && f.style.height !== "5px"); }, 0);
		});
		window.postMessage("probe", "*");
	})`
	if !eval[bool](t, ctx, ignored) {
		t.Error("the host page's own message resized the iframe")
	}

	// data-target names another element to fill.
	w.do(ctx, chromedp.Navigate(w.blog+"/posts/target.html?target=comments-here"))
	w.wait(ctx, `document.querySelector("#comments-here iframe[data-parley]") !== null`)
	w.waitFrame(ctx, `document.getElementById("comment-form") !== null`)

	// A single-page app changes its path and asks for the new thread.
	w.do(ctx, chromedp.Navigate(w.blog+"/posts/app.html"))
	w.wait(ctx, `(document.querySelector("#parley-thread iframe") || {}).src?.includes("page=%2Fposts%2Fapp.html")`)
	w.do(ctx, chromedp.Evaluate[chromedp.Void](`history.pushState({}, "", "/posts/app/route-two.html"); Parley.reload()`))
	w.wait(ctx, `document.querySelector("#parley-thread iframe").src.includes("page=%2Fposts%2Fapp%2Froute-two.html")`)
	w.do(ctx, chromedp.Evaluate[chromedp.Void](`Parley.load(document.getElementById("parley-thread"), {page: "/custom-key"})`))
	w.wait(ctx, `document.querySelectorAll("#parley-thread iframe").length === 1 && document.querySelector("#parley-thread iframe").src.includes("page=%2Fcustom-key")`)
	w.waitFrame(ctx, `document.getElementById("comment-form") !== null`)
}

func TestPostPageWithoutJavaScript(t *testing.T) {
	w := newEmbedWorld(t, models.ModerationPre)
	ctx := browsertest.Within(t, w.browser, 90*time.Second)
	if err := browsertest.NoScript(ctx, true); err != nil {
		t.Fatal(err)
	}
	post := w.parley + welcomePage
	w.do(ctx, chromedp.Navigate(post), chromedp.WaitVisible(chromedp.CSS(".post-body")))
	if text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".post-body"))); err != nil || !strings.Contains(text, "Parley's own blog") {
		t.Fatalf("post text %q, %v", text, err)
	}

	// Commenting: the form posts and the held comment shows to its author.
	w.do(ctx, chromedp.SendKeys(chromedp.ID("body"), "Written without JavaScript."),
		chromedp.SendKeys(chromedp.ID("author"), "Nomi"),
		chromedp.Click(chromedp.CSS("#comment-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("pending")))
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if !strings.Contains(loc, "?pending=") {
		t.Errorf("after posting: %s", loc)
	}
	parent := w.lastComment(models.DefaultSiteID, welcomePage)
	w.approve(parent)

	// Reading: approved, it is on the page for everyone.
	w.do(ctx, chromedp.Navigate(post), chromedp.WaitVisible(chromedp.ID(fmt.Sprintf("comment-%d", parent))))

	// Replying: the Reply link is a plain link to the form with the parent.
	w.do(ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf("#comment-%d a.reply", parent))),
		chromedp.WaitVisible(chromedp.CSS(".replying-to")))
	loc, _ = chromedp.Run(ctx, chromedp.Location())
	if !strings.Contains(loc, fmt.Sprintf("?reply=%d#comment-form", parent)) {
		t.Errorf("the Reply link went to %s; script would have opened the form in place", loc)
	}
	w.do(ctx, chromedp.SendKeys(chromedp.ID("body"), "A reply, also without JavaScript."),
		chromedp.SendKeys(chromedp.ID("author"), "Nomi"),
		chromedp.Click(chromedp.CSS("#comment-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("pending")))
	reply := w.lastComment(models.DefaultSiteID, welcomePage)
	w.approve(reply)
	w.do(ctx, chromedp.Navigate(post),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("#comment-%d .replies #comment-%d", parent, reply))))
	browsertest.Screenshot(t, ctx, "post-nojs")

	// The embed's own page works the same way without script.
	page := "/posts/nojs.html"
	embed := w.parley + "/embed?site=blog&page=" + page + "&url=" + w.blog + page
	w.do(ctx, chromedp.Navigate(embed),
		chromedp.SendKeys(chromedp.ID("body"), "From the embed, no script."),
		chromedp.SendKeys(chromedp.ID("author"), "Nomi"),
		chromedp.Click(chromedp.CSS("#comment-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("pending")))
	if flat := w.threadComments(page); len(flat) != 1 {
		t.Errorf("embed without script: %d comments", len(flat))
	}
}

func (w *embedWorld) approve(id uint) {
	w.t.Helper()
	if _, err := w.store.SetStatus(context.Background(), []uint{id}, models.StatusApproved, store.Actor{Name: "test"}, ""); err != nil {
		w.t.Fatal(err)
	}
}

// lastComment returns the id of the newest comment of a page.
func (w *embedWorld) lastComment(site, page string) uint {
	w.t.Helper()
	thread, err := w.store.Thread(context.Background(), site, page)
	if err != nil {
		w.t.Fatal(err)
	}
	flat, err := w.store.ThreadComments(context.Background(), thread.ID)
	if err != nil || len(flat) == 0 {
		w.t.Fatalf("no comments on %s: %v", page, err)
	}
	return flat[len(flat)-1].ID
}

// TestCountsGroupDigitsAsTheirWords: count.js writes a big count with the
// digit grouping of the language its words are in: Parley's words in the
// site's language, a page's own words in the page's.
func TestCountsGroupDigitsAsTheirWords(t *testing.T) {
	w := newEmbedWorld(t, models.ModerationPost)
	ctx := browsertest.Within(t, w.browser, 60*time.Second)
	bg := context.Background()
	thread, err := w.store.EnsureThread(bg, blogSite, "/posts/big.html", "Big", w.blog+"/posts/big.html")
	if err != nil {
		t.Fatal(err)
	}
	const n = 12345
	cs, parents := make([]models.Comment, n), make([]int, n)
	for i := range cs {
		cs[i] = models.Comment{ThreadID: thread.ID, Author: "Reader", Body: "Hi", HTML: "<p>Hi</p>", Status: models.StatusApproved}
		parents[i] = -1
	}
	if err := w.store.SeedComments(bg, cs, parents, 5); err != nil {
		t.Fatal(err)
	}

	w.do(ctx, chromedp.Navigate(w.blog+"/"))
	w.wait(ctx, `document.getElementById("count-big").textContent === "12,345 comments"`)
	w.wait(ctx, `document.getElementById("count-big-es").textContent === "12.345 comentarios"`)

	site, err := w.store.Site(bg, blogSite)
	if err != nil {
		t.Fatal(err)
	}
	site.Settings.Language = "de"
	if err := w.store.SaveSite(bg, &site); err != nil {
		t.Fatal(err)
	}
	w.do(ctx, chromedp.Reload())
	w.wait(ctx, `document.getElementById("count-big").textContent === "12.345 Kommentare"`)
	w.wait(ctx, `document.getElementById("count-big-es").textContent === "12.345 comentarios"`)
	w.wait(ctx, `document.getElementById("count-second").textContent === "Noch keine Kommentare"`)
	browsertest.Screenshot(t, ctx, "counts-grouped")
}

// TestEmbedPermalinkOpensTheCommentOnTheHostPage: a comment's permalink is
// an address on the blog (#parley-comment-ID); opened there, the thread
// opens at that comment, on its page, and the blog scrolls to it. Clicking
// a permalink in the thread goes there as the whole window.
func TestEmbedPermalinkOpensTheCommentOnTheHostPage(t *testing.T) {
	w := newEmbedWorld(t, models.ModerationPost)
	ctx := browsertest.Within(t, w.browser, 60*time.Second)
	page := "/posts/long.html"
	seedBrowserComments(t, w, page, 90) // 60 top-level comments: the last ones are on the second page
	var target uint                     // the newest top-level comment: on the thread's second page
	for _, c := range w.threadComments(page) {
		if c.ParentID == nil {
			target = max(target, c.ID)
		}
	}
	q := url.Values{"site": {blogSite}, "page": {page}, "url": {w.blog + page}}
	resp, err := http.Get(w.parley + "/embed?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	firstPage, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(firstPage), fmt.Sprintf(`id="comment-%d"`, target)) {
		t.Fatalf("comment %d is on the thread's first page; the test needs it further on", target)
	}

	w.do(ctx, chromedp.Navigate(fmt.Sprintf("%s%s#parley-comment-%d", w.blog, page, target)))
	w.waitFrame(ctx, fmt.Sprintf(`document.getElementById("comment-%d") !== null`, target))
	if src := eval[string](t, ctx, `document.querySelector("#parley-thread iframe").src`); !strings.Contains(src, fmt.Sprintf("comment=%d", target)) {
		t.Errorf("iframe src %s does not ask for comment %d", src, target)
	}
	// The frame's scroll message moved the blog to the comment: it is at
	// the top of the window (embed.js leaves 16 px above it).
	w.waitSized(ctx)
	w.wait(ctx, `window.scrollY > 0`)
	frameTop := eval[float64](t, ctx, `document.querySelector("#parley-thread iframe").getBoundingClientRect().top`)
	inFrame := frameEval[float64](t, w, ctx, fmt.Sprintf(`document.getElementById("comment-%d").getBoundingClientRect().top`, target))
	if at := frameTop + inFrame; at < 0 || at > 40 {
		t.Errorf("comment %d is %.0f px from the top of the window, want about 16", target, at)
	}

	// The first comment's permalink, clicked for real, opens the blog at it.
	first := w.threadComments(page)[0].ID
	w.do(ctx, chromedp.Navigate(w.blog+page))
	w.waitFrame(ctx, fmt.Sprintf(`document.getElementById("comment-%d") !== null`, first))
	w.waitSized(ctx)
	link := fmt.Sprintf(`document.querySelector("#comment-%d .permalink")`, first)
	if got := frameEval[string](t, w, ctx, link+`.getAttribute("href") + " " + `+link+`.target`); got != fmt.Sprintf("%s%s#parley-comment-%d _top", w.blog, page, first) {
		t.Fatalf("permalink = %q", got)
	}
	w.do(ctx, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, document.querySelector("#parley-thread iframe").getBoundingClientRect().top + scrollY)`))
	frameAt := eval[[]float64](t, ctx, `(r => [r.left, r.top])(document.querySelector("#parley-thread iframe").getBoundingClientRect())`)
	at := frameEval[[]float64](t, w, ctx, `(r => [r.left + 4, r.top + r.height / 2])(`+link+`.getBoundingClientRect())`)
	w.do(ctx, chromedp.MouseClickXY(frameAt[0]+at[0], frameAt[1]+at[1]))
	w.wait(ctx, fmt.Sprintf(`location.hash === "#parley-comment-%d" && document.querySelector("#parley-thread iframe").src.includes("comment=%d")`, first, first))
	w.waitFrame(ctx, fmt.Sprintf(`document.getElementById("comment-%d") !== null`, first))
}
