package handlers_test

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"parley/models"
)

const (
	blogOrigin = "https://blog.example.com"
	blogSite   = "blog"
)

// addBlogSite registers the embedding site "blog" on blogOrigin.
func (e *env) addBlogSite(mode string) {
	e.t.Helper()
	site := models.Site{ID: blogSite, Name: "Ann's blog", Origins: []string{blogOrigin, "http://localhost:4000"},
		Settings: models.DefaultSiteSettings()}
	site.Settings.Moderation = mode
	if err := e.store.CreateSite(context.Background(), &site); err != nil {
		e.t.Fatal(err)
	}
}

// embedURL is the iframe address embed.js builds for a page of the blog.
func embedURL(page string, extra ...string) string {
	q := url.Values{"site": {blogSite}, "page": {page}, "url": {blogOrigin + page}, "title": {"A post"}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return "/embed?" + q.Encode()
}

func (e *env) getWith(path string, header ...string) response {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return e.do(nil, req)
}

func (e *env) noThread(page string) {
	e.t.Helper()
	if _, err := e.store.Thread(context.Background(), blogSite, page); !errors.Is(err, models.ErrNotFound) {
		e.t.Errorf("page %s has a thread (err %v); it must not", page, err)
	}
}

func TestEmbedFrameAncestors(t *testing.T) {
	e := newEnv(t)
	e.addBlogSite(models.ModerationPre)
	resp := e.get(nil, embedURL("/2024/hello.html"))
	wantStatus(t, resp, http.StatusOK)
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.HasSuffix(csp, "frame-ancestors 'self' https://blog.example.com http://localhost:4000") ||
		strings.Count(csp, "frame-ancestors") != 1 || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("embed CSP = %q", csp)
	}
	if xfo := resp.Header.Get("X-Frame-Options"); xfo != "" {
		t.Errorf("embed has X-Frame-Options %q", xfo)
	}
	wantContains(t, resp.Body, `id="comments-title"`, "No comments", `id="comment-form"`,
		`action="/embed/comments?page=%2F2024%2Fhello.html&amp;site=blog&amp;title=A&#43;post&amp;url=https%3A%2F%2Fblog.example.com%2F2024%2Fhello.html"`)
	e.noThread("/2024/hello.html")

	// Every other page still refuses to be framed.
	for _, p := range []string{"/", welcomePage, "/admin/login", "/embed/theme.css?accent=%23ff0000"} {
		r := e.get(nil, p)
		if !strings.Contains(r.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") || r.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: CSP %q, X-Frame-Options %q", p, r.Header.Get("Content-Security-Policy"), r.Header.Get("X-Frame-Options"))
		}
	}
}

func TestEmbedOriginChecks(t *testing.T) {
	e := newEnv(t)
	e.addBlogSite(models.ModerationPre)
	page := "/p.html"
	q := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return "/embed?" + v.Encode()
	}
	cases := []struct {
		name    string
		path    string
		referer string
		status  int
		marker  string
	}{
		{"allowed", embedURL(page), blogOrigin + "/", 200, `id="comment-form"`},
		{"second origin", q("site", blogSite, "page", page, "url", "http://localhost:4000"+page), "", 200, `id="comment-form"`},
		{"origin from Referer", q("site", blogSite, "page", page), blogOrigin + "/", 200, `id="comment-form"`},
		{"page on another origin", q("site", blogSite, "page", page, "url", "https://evil.example"+page), "", 403,
			"Comments are not enabled for pages on https://evil.example."},
		{"lying url, honest Referer", embedURL(page), "https://evil.example/x", 403, "pages on https://evil.example."},
		{"no url, no Referer", q("site", blogSite, "page", page), "", 403, "address is missing or not valid"},
		{"url with user info", q("site", blogSite, "page", page, "url", "https://u:p@blog.example.com/p.html"), "", 403, "not valid"},
		{"javascript url", q("site", blogSite, "page", page, "url", "javascript:alert(1)"), "", 403, "not enabled"},
		{"default site has no origins", q("site", "default", "page", welcomePage, "url", blogOrigin+page), "", 403, "not enabled"},
		{"unknown site", q("site", "nope", "page", page, "url", blogOrigin+page), "", 404, "Parley has no site &#34;nope&#34;"},
		{"no page", q("site", blogSite), "", 400, "missing its site or page"},
		{"page key not a path", q("site", blogSite, "page", "p.html", "url", blogOrigin+page), "", 400, "must be a path"},
		{"page key with a newline", q("site", blogSite, "page", "/a\nb", "url", blogOrigin+page), "", 400, "must be a path"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := e.getWith(c.path, "Referer", c.referer)
			wantStatus(t, resp, c.status)
			wantContains(t, resp.Body, c.marker)
			if c.status != 200 {
				wantNotContains(t, resp.Body, `id="comment-form"`)
				// The message must show in whatever page framed it.
				if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasSuffix(csp, "frame-ancestors *") {
					t.Errorf("CSP = %q", csp)
				}
			}
		})
	}
	e.noThread(page)
}

// postEmbed sends the iframe's form as a browser in the iframe would.
func (e *env) postEmbed(embed string, form url.Values) response {
	e.t.Helper()
	u, err := url.Parse(embed)
	if err != nil {
		e.t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/embed/comments?"+u.RawQuery, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Referer", e.srv.URL+embed)
	return e.do(nil, req)
}

var fragmentPattern = regexp.MustCompile(`#(comment-\d+|pending)&edit=(\d+)\.([A-Za-z0-9_-]{20,})(?:&key=([A-Za-z0-9_.-]+))?$`)

func TestEmbedFirstCommentCreatesThread(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		e.addBlogSite(models.ModerationPre)
		page := "/2024/05/first.html"
		resp := e.postEmbed(embedURL(page), url.Values{"author": {"Ann"}, "body": {"First!"}})
		wantStatus(t, resp, http.StatusSeeOther)
		loc := resp.Header.Get("Location")
		m := fragmentPattern.FindStringSubmatch(loc)
		if !strings.HasPrefix(loc, "/embed?") || m == nil || m[1] != "pending" || m[4] == "" {
			t.Fatalf("Location = %q", loc)
		}
		wantContains(t, loc, "site=blog", "page=%2F2024%2F05%2Ffirst.html", "pending=")

		ctx := context.Background()
		thread, err := e.store.Thread(ctx, blogSite, page)
		if err != nil {
			t.Fatalf("no thread after the first comment: %v", err)
		}
		if thread.Title != "A post" || thread.URL != blogOrigin+page || thread.PostID != nil {
			t.Errorf("thread = %+v", thread)
		}
		flat, err := e.store.ThreadComments(ctx, thread.ID)
		if err != nil || len(flat) != 1 || flat[0].Status != models.StatusPending || fmt.Sprint(flat[0].ID) != m[2] {
			t.Fatalf("comments = %+v, %v", flat, err)
		}
		key := flat[0].CommenterKey

		// The redirect shows the author their held comment, and nobody else.
		held := e.get(nil, strings.SplitN(loc, "#", 2)[0])
		wantStatus(t, held, http.StatusOK)
		wantContains(t, held.Body, "awaiting moderation", "First!")
		wantNotContains(t, e.get(nil, embedURL(page)).Body, "First!")

		e.approve(flat[0].ID)
		shown := e.get(nil, embedURL(page))
		wantContains(t, shown.Body, fmt.Sprintf(`id="comment-%d"`, flat[0].ID), "First!", "1 comment")

		// A reply, with the key the iframe keeps, reuses the commenter key.
		reply := e.postEmbed(embedURL(page), url.Values{"author": {"Ann"}, "body": {"And a reply"},
			"parent_id": {m[2]}, "commenter_key": {m[4]}})
		wantStatus(t, reply, http.StatusSeeOther)
		if rm := fragmentPattern.FindStringSubmatch(reply.Header.Get("Location")); rm == nil || rm[4] != "" {
			t.Errorf("reply Location = %q; a known key is not sent again", reply.Header.Get("Location"))
		}
		flat, _ = e.store.ThreadComments(ctx, thread.ID)
		if len(flat) != 2 || flat[1].CommenterKey != key || flat[1].ParentID == nil || *flat[1].ParentID != flat[0].ID {
			t.Errorf("reply = %+v", flat[len(flat)-1])
		}
	})
}

func TestEmbedPostModeration(t *testing.T) {
	e := newEnv(t)
	e.addBlogSite(models.ModerationPost)
	page := "/post.html"
	resp := e.postEmbed(embedURL(page, "theme", "dark"), url.Values{"author": {"Bo"}, "body": {"Visible at once"}})
	wantStatus(t, resp, http.StatusSeeOther)
	loc := resp.Header.Get("Location")
	if m := fragmentPattern.FindStringSubmatch(loc); m == nil || !strings.HasPrefix(m[1], "comment-") {
		t.Fatalf("Location = %q", loc)
	}
	wantContains(t, loc, "mine=", "theme=dark")
	after := e.get(nil, strings.SplitN(loc, "#", 2)[0])
	wantContains(t, after.Body, "Visible at once", `data-theme="dark"`)
	// Reply links keep the embed's context, so replying works without script.
	re := regexp.MustCompile(`class="reply" href="([^"]+)"`)
	link := re.FindStringSubmatch(after.Body)
	if link == nil {
		t.Fatal("no reply link")
	}
	href := html.UnescapeString(link[1])
	wantContains(t, href, "/embed?", "site=blog", "reply=", "theme=dark", "#comment-form")
	// The thread's links leave out the title (the thread has one) and keep
	// the page's address readable: every comment repeats them five times.
	wantContains(t, href, "page=/post.html", "url=https://blog.example.com/post.html")
	wantNotContains(t, href, "title=")
	form := e.get(nil, href)
	wantStatus(t, form, http.StatusOK)
	wantContains(t, form.Body, "Replying to <strong class=\"reply-author\">Bo</strong>", `name="parent_id" value="1"`,
		"<title>Comments · A post</title>")
	// A reply sent from that page lands in the same thread.
	action := regexp.MustCompile(`id="comment-form" class="comment-form" method="post" action="([^"]+)"`).FindStringSubmatch(form.Body)
	if action == nil {
		t.Fatal("no comment form on the reply page")
	}
	resp = e.postEmbed(html.UnescapeString(action[1]), url.Values{"author": {"Cy"}, "body": {"A reply without script"}, "parent_id": {"1"}})
	wantStatus(t, resp, http.StatusSeeOther)
	after = e.get(nil, strings.SplitN(resp.Header.Get("Location"), "#", 2)[0])
	wantContains(t, after.Body, "Visible at once", "A reply without script")
}

func TestEmbedCommentRefusals(t *testing.T) {
	e := newEnv(t)
	e.addBlogSite(models.ModerationPre)
	page := "/refused.html"

	// A page on an origin that is not allowed gets no thread.
	bad := "/embed?" + url.Values{"site": {blogSite}, "page": {page}, "url": {"https://evil.example" + page}}.Encode()
	resp := e.postEmbed(bad, url.Values{"author": {"Eve"}, "body": {"mint a thread"}})
	wantStatus(t, resp, http.StatusForbidden)
	wantContains(t, resp.Body, "not enabled for pages on https://evil.example")

	// Another origin cannot post the iframe's form.
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/embed/comments?"+strings.TrimPrefix(embedURL(page), "/embed?"),
		strings.NewReader("author=Eve&body=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	wantStatus(t, e.do(nil, req), http.StatusForbidden)

	// Mistakes come back in the iframe with the reader's text kept.
	resp = e.postEmbed(embedURL(page), url.Values{"author": {""}, "body": {"kept text"}})
	wantStatus(t, resp, http.StatusUnprocessableEntity)
	wantContains(t, resp.Body, "Please give your name.", "kept text")
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'self' https://blog.example.com") {
		t.Errorf("CSP = %q", csp)
	}
	e.noThread(page)

	// The JSON API cannot mint one without an allowed Origin either.
	api := e.postJSON(nil, "/api/v1/comments", map[string]any{"site": blogSite, "page": page, "author": "Eve", "body": "x"})
	wantStatus(t, api, http.StatusNotFound)
	e.noThread(page)
}

func TestEmbedTheme(t *testing.T) {
	e := newEnv(t)
	e.addBlogSite(models.ModerationPre)
	resp := e.get(nil, embedURL("/t.html", "theme", "dark", "accent", "#C05", "font", `Iowan Old Style, "Source Sans 3", serif`))
	wantContains(t, resp.Body, `<html lang="en" data-theme="dark">`, `<meta name="color-scheme" content="dark">`,
		`href="/embed/theme.css?accent=%23cc0055&amp;font=%22Iowan&#43;Old&#43;Style%22%2C&#43;%22Source&#43;Sans&#43;3%22%2C&#43;serif"`)
	auto := e.get(nil, embedURL("/t.html", "theme", "sepia", "accent", "red;}body{display:none", "font", "x;}"))
	wantContains(t, auto.Body, `data-theme="auto"`, `content="light dark"`)
	wantNotContains(t, auto.Body, "theme.css", "display:none")

	css := e.get(nil, "/embed/theme.css?accent=%23ffcc00&font=Georgia,serif")
	wantStatus(t, css, http.StatusOK)
	if ct := css.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("Content-Type = %q", ct)
	}
	wantContains(t, css.Body, ":root[data-theme] {", "--accent: #ffcc00", "--accent-fg: #111111", `--font: "Georgia", serif`)
	dark := e.get(nil, "/embed/theme.css?accent=%23123456")
	wantContains(t, dark.Body, "--accent-fg: #ffffff")
	for _, evil := range []string{"accent=%23fff%3B%7D&font=a%7Bb", "font=Arial;}*{x:y", "font=url(x)", "accent=blue"} {
		if r := e.get(nil, "/embed/theme.css?"+evil); strings.TrimSpace(r.Body) != "" {
			t.Errorf("theme.css?%s = %q, want nothing", evil, r.Body)
		}
	}
}

func TestEmbedHundredCommentThreadRenders(t *testing.T) {
	e := newEnv(t)
	e.addBlogSite(models.ModerationPost)
	page := "/long.html"
	seedComments(t, e, page, 100)
	resp := e.get(nil, embedURL(page))
	wantStatus(t, resp, http.StatusOK)
	wantContains(t, resp.Body, "100 comments")
	// The first page: 50 top-level comments and the 5 replies under them,
	// then a plain link to the rest.
	if n := strings.Count(resp.Body, `class="comment"`); n != 55 {
		t.Errorf("%d comments rendered, want 55", n)
	}
	wantContains(t, resp.Body, "More comments")
}

// seedComments puts n approved comments, every tenth a reply, on a page
// of the blog site through the store.
func seedComments(t *testing.T, e *env, page string, n int) {
	t.Helper()
	ctx := context.Background()
	thread, err := e.store.EnsureThread(ctx, blogSite, page, "Long", blogOrigin+page)
	if err != nil {
		t.Fatal(err)
	}
	var ids []uint
	for i := 0; i < n; i++ {
		c := models.Comment{ThreadID: thread.ID, Author: fmt.Sprintf("Reader %d", i), Email: fmt.Sprintf("r%d@example.com", i),
			Body:   "A thoughtful comment with *some* markdown, number " + fmt.Sprint(i),
			HTML:   "<p>A thoughtful comment with <em>some</em> markdown, number " + fmt.Sprint(i) + "</p>",
			Status: models.StatusApproved}
		if i%10 == 9 {
			c.ParentID = &ids[len(ids)-1]
		}
		if err := e.store.CreateComment(ctx, &c, 5); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
}

// TestEmbedShowsShadowBannedAuthorTheirOwnComments: with the reader's
// signed key in ?viewer=, a shadow-banned author sees their comments there.
func TestEmbedShowsShadowBannedAuthorTheirOwnComments(t *testing.T) {
	e := newEnv(t)
	e.addBlogSite(models.ModerationPost)
	page := "/post.html"
	first := e.postEmbed(embedURL(page), url.Values{"author": {"Troll"}, "body": {"first words"}})
	wantStatus(t, first, http.StatusSeeOther)
	key := between(first.Header.Get("Location")+"&", "&key=", "&")
	key, _ = url.QueryUnescape(key)
	if key == "" {
		t.Fatalf("no commenter key in %q", first.Header.Get("Location"))
	}
	firstComment, _ := e.store.Comment(t.Context(), 1)
	if _, err := e.store.CreateBan(t.Context(), &models.Ban{Kind: models.BanKey, Value: firstComment.CommenterKey, Shadow: true},
		adminActor(), nil, models.Commenter{}); err != nil {
		t.Fatal(err)
	}
	second := e.postEmbed(embedURL(page), url.Values{"author": {"Troll"}, "body": {"shadow words"}, "commenter_key": {key}})
	wantStatus(t, second, http.StatusSeeOther)
	wantContains(t, e.get(nil, embedURL(page, "viewer", key)).Body, "shadow words")
	wantNotContains(t, e.get(nil, embedURL(page)).Body, "shadow words")
	wantNotContains(t, e.get(nil, embedURL(page, "viewer", key+"x")).Body, "shadow words")
}

func TestEmbedFlagFormWithoutJavaScript(t *testing.T) {
	e := newEnv(t)
	e.addBlogSite(models.ModerationPost)
	page := "/post.html"
	wantStatus(t, e.postEmbed(embedURL(page), url.Values{"author": {"Bo"}, "body": {"flag me"}}), http.StatusSeeOther)
	body := e.get(nil, embedURL(page)).Body
	// The comment's flag link keeps the embed's context and opens the form.
	link := html.UnescapeString(between(body, `<a class="flag" href="`, `"`))
	if !strings.HasPrefix(link, "/embed?") || !strings.Contains(link, "flag=1") || !strings.Contains(link, "site=blog") ||
		!strings.HasSuffix(link, "#flag-form") {
		t.Fatalf("flag link = %q", link)
	}
	body = e.get(nil, strings.TrimSuffix(link, "#flag-form")).Body
	action := html.UnescapeString(between(body, `<form method="post" action="`, `"`))
	if !strings.HasPrefix(action, "/embed/comments/1/flag?") || !strings.Contains(action, "site=blog") {
		t.Fatalf("flag form action = %q", action)
	}
	wantContains(t, body, "Report the comment by Bo to the moderators.")
	flag := func(reason string) response {
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+action, strings.NewReader(url.Values{"reason": {reason}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Referer", e.srv.URL+embedURL(page))
		return e.do(nil, req)
	}
	resp := flag("spam")
	wantStatus(t, resp, http.StatusSeeOther)
	wantContains(t, e.get(nil, resp.Header.Get("Location")).Body, "Thank you for the report")
	wantStatus(t, flag("meh"), http.StatusUnprocessableEntity)
}

// TestEmbedOfTheOwnBlogOutsideItsPosts: Parley's own blog keeps a thread
// for each post and makes none for other pages, so embedding it on another
// page says so at once, and a form sent anyway gets a clear 404, not a 500.
func TestEmbedOfTheOwnBlogOutsideItsPosts(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	site, err := e.store.Site(ctx, models.DefaultSiteID)
	if err != nil {
		t.Fatal(err)
	}
	site.Origins = []string{blogOrigin}
	if err := e.store.SaveSite(ctx, &site); err != nil {
		t.Fatal(err)
	}
	q := url.Values{"site": {models.DefaultSiteID}, "page": {"/hello.html"}, "url": {blogOrigin + "/hello.html"}}
	page := e.getWith("/embed?"+q.Encode(), "Referer", blogOrigin+"/hello.html")
	wantStatus(t, page, http.StatusNotFound)
	wantContains(t, page.Body, "This page has no comment thread")
	wantNotContains(t, page.Body, `id="comment-form"`)

	resp := e.postEmbed("/embed?"+q.Encode(), url.Values{"author": {"Ann"}, "body": {"Hello"}})
	wantStatus(t, resp, http.StatusNotFound)
	wantContains(t, resp.Body, "This page has no comment thread")

	// A post of the blog embeds as before.
	q.Set("page", welcomePage)
	q.Set("url", blogOrigin+welcomePage)
	wantStatus(t, e.getWith("/embed?"+q.Encode(), "Referer", blogOrigin+welcomePage), http.StatusOK)
}
