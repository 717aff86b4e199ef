package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"parley/handlers"
	"parley/models"
)

func TestIndexListsPostsWithCountWording(t *testing.T) {
	e := newEnv(t)
	wantContains(t, e.get(nil, "/").Body, `href="/posts/welcome"`, "No comments")
	a, _ := e.comment("Ann", "one", 0)
	e.approve(a)
	wantContains(t, e.get(nil, "/").Body, "1 comment<")
	var ids []uint
	for i := 0; i < 11; i++ {
		id, _ := e.comment("Ann", fmt.Sprint("more ", i), 0)
		ids = append(ids, id)
	}
	e.approve(ids...)
	wantContains(t, e.get(nil, "/").Body, "12 comments")
}

func TestFormPostHeldShowsNoticeOnlyToAuthor(t *testing.T) {
	e := newEnv(t)
	resp := e.postForm(nil, welcomePage+"/comments", url.Values{"author": {"Ann"}, "email": {"ann@example.com"}, "body": {"Held **please**"}})
	wantStatus(t, resp, http.StatusSeeOther)
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, welcomePage+"?pending=") || !strings.HasSuffix(loc, "#pending") {
		t.Fatalf("Location = %q", loc)
	}
	own := e.get(nil, loc)
	wantStatus(t, own, http.StatusOK)
	wantContains(t, own.Body, "awaiting moderation", "Held <strong>please</strong>")
	public := e.get(nil, welcomePage)
	wantNotContains(t, public.Body, "Held <strong>please</strong>", "awaiting moderation")
	forged := e.get(nil, welcomePage+"?pending=1.forged")
	wantNotContains(t, forged.Body, "Held <strong>please</strong>")
}

func TestFormPostPublishedRedirectsToAnchor(t *testing.T) {
	e := newEnv(t)
	e.setModeration(models.ModerationPost)
	resp := e.postForm(nil, welcomePage+"/comments", url.Values{"author": {"Ann"}, "website": {"https://ann.example"}, "body": {"Hi there"}})
	wantStatus(t, resp, http.StatusSeeOther)
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, welcomePage+"#comment-") {
		t.Fatalf("Location = %q", loc)
	}
	id := strings.TrimPrefix(loc, welcomePage+"#comment-")
	page := e.get(nil, welcomePage).Body
	wantContains(t, page, `id="comment-`+id+`"`,
		`<a class="author" href="https://ann.example" rel="nofollow ugc noopener noreferrer">Ann</a>`,
		`href="?reply=`+id+`#comment-form"`, `href="/posts/welcome?comment=`+id+`#comment-`+id+`"`, `<time datetime="`, `UTC`)
}

func TestFormErrorsKeepInputWith422(t *testing.T) {
	e := newEnv(t)
	long := strings.Repeat("x", 65)
	tests := []struct {
		name  string
		form  url.Values
		field string
		msg   string
	}{
		{"empty body", url.Values{"author": {"Ann"}, "body": {"   \n\t "}}, "body", "Please write a comment."},
		{"no author", url.Values{"author": {""}, "body": {"hi"}}, "author", "Please give your name."},
		{"long author", url.Values{"author": {long}, "body": {"hi"}}, "author", "at most 64 characters"},
		{"bad email", url.Values{"author": {"Ann"}, "email": {"not-an-email"}, "body": {"hi"}}, "email", "does not look like an email"},
		{"javascript website", url.Values{"author": {"Ann"}, "website": {"javascript:alert(1)"}, "body": {"hi"}}, "website", "https://"},
		{"relative website", url.Values{"author": {"Ann"}, "website": {"/me"}, "body": {"hi"}}, "website", "https://"},
		{"long body", url.Values{"author": {"Ann"}, "body": {strings.Repeat("é", 10001)}}, "body", "at most 10000 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.form.Set("email", tt.form.Get("email"))
			resp := e.postForm(nil, welcomePage+"/comments", tt.form)
			wantStatus(t, resp, http.StatusUnprocessableEntity)
			wantContains(t, resp.Body, `id="`+tt.field+`-error"`, tt.msg, `aria-invalid="true"`)
			if a := tt.form.Get("author"); a != "" && len(a) < 64 {
				wantContains(t, resp.Body, `value="`+a+`"`)
			}
		})
	}
	counts, _ := e.store.QueueCounts(t.Context(), "")
	if counts[models.StatusPending] != 0 {
		t.Fatalf("invalid comments were stored: %v", counts)
	}
}

func TestRepliesNestAndDepthIsCapped(t *testing.T) {
	e := newEnv(t)
	e.setModeration(models.ModerationPost)
	parent, _ := e.comment("Root", "root", 0)
	chain := []uint{parent}
	for i := 0; i < 6; i++ {
		resp := e.postForm(nil, welcomePage+"/comments", url.Values{"author": {"R"}, "body": {fmt.Sprint("reply ", i)}, "parent_id": {fmt.Sprint(chain[len(chain)-1])}})
		wantStatus(t, resp, http.StatusSeeOther)
		var id uint
		fmt.Sscanf(resp.Header.Get("Location"), welcomePage+"#comment-%d", &id)
		chain = append(chain, id)
	}
	var got struct {
		Comments []struct {
			ID      uint
			Replies []json5
		}
	}
	decode(t, e.get(nil, "/api/v1/comments?site=default&page="+welcomePage).Body, &got)
	depth, node := 0, got.Comments[0].Replies
	for len(node) > 0 {
		depth++
		node = node[0].Replies
	}
	if depth != 5 {
		t.Fatalf("reply depth = %d, want capped at 5", depth)
	}
	sixth, _ := e.store.Comment(t.Context(), chain[6])
	if sixth.Depth != 5 || *sixth.ParentID != chain[4] {
		t.Fatalf("too-deep reply: depth %d parent %d, want depth 5 under %d", sixth.Depth, *sixth.ParentID, chain[4])
	}
}

// json5 is a reply node, recursively.
type json5 struct {
	ID      uint
	Replies []json5
}

func TestReplyFormWithoutJavaScript(t *testing.T) {
	e := newEnv(t)
	id, _ := e.comment("Ann", "parent", 0)
	e.approve(id)
	page := e.get(nil, fmt.Sprintf("%s?reply=%d", welcomePage, id)).Body
	wantContains(t, page, fmt.Sprintf(`name="parent_id" value="%d"`, id), `Replying to <strong class="reply-author">Ann</strong>`)
	bad := e.get(nil, welcomePage+"?reply=999999").Body
	wantContains(t, bad, `name="parent_id" value=""`)
}

func TestRemovedParentKeepsRepliesReadable(t *testing.T) {
	e := newEnv(t)
	parent, _ := e.comment("Ann", "parent text", 0)
	e.approve(parent)
	child, _ := e.comment("Bob", "child text", parent)
	e.approve(child)
	if _, err := e.store.SetStatus(t.Context(), []uint{parent}, models.StatusRemoved, adminActor(), ""); err != nil {
		t.Fatal(err)
	}
	page := e.get(nil, welcomePage).Body
	wantContains(t, page, "This comment was removed.", "child text", fmt.Sprintf(`id="comment-%d"`, child))
	wantNotContains(t, page, "parent text")
	api := e.get(nil, "/api/v1/comments?site=default&page="+welcomePage).Body
	wantContains(t, api, fmt.Sprintf(`{"id":%d,"removed":true,"replies":[{"id":%d,`, parent, child), `"count":1`)
	wantNotContains(t, api, "parent text", `"author":"Ann"`)
}

func TestClosedPostRefusesComments(t *testing.T) {
	e := newEnv(t)
	post, _ := e.store.PostBySlug(t.Context(), "default", welcomeSlug)
	if err := e.store.SetThreadClosed(t.Context(), post.ThreadID, true); err != nil {
		t.Fatal(err)
	}
	wantContains(t, e.get(nil, welcomePage).Body, "Comments are closed on this post.")
	resp := e.postForm(nil, welcomePage+"/comments", url.Values{"author": {"Ann"}, "body": {"late"}})
	wantStatus(t, resp, http.StatusForbidden)
	wantContains(t, resp.Body, "Comments are closed")
	api := e.postJSON(nil, "/api/v1/comments", map[string]any{"site": "default", "page": welcomePage, "author": "A", "body": "b"})
	wantStatus(t, api, http.StatusForbidden)
	wantContains(t, api.Body, `"code":"thread_closed"`)
}

func TestDraftsAndUnknownPostsAre404(t *testing.T) {
	e := newEnv(t)
	wantStatus(t, e.get(nil, "/posts/nope"), http.StatusNotFound)
	wantStatus(t, e.postForm(nil, "/posts/nope/comments", url.Values{"author": {"a"}, "body": {"b"}}), http.StatusNotFound)
}

func TestHoneypotAndFastFormsAreSpamButLookHeld(t *testing.T) {
	e := newEnv(t, func(c *handlers.Config) { c.FormMinTime = 3 * 1e9 })
	e.setModeration(models.ModerationPost)
	page := e.get(nil, welcomePage).Body
	stamp := between(page, `name="stamp" value="`, `"`)
	for name, form := range map[string]url.Values{
		"honeypot": {"author": {"Bot"}, "body": {"buy"}, "url": {"http://spam.example"}, "stamp": {stamp}},
		"too fast": {"author": {"Bot"}, "body": {"buy now"}, "stamp": {stamp}},
		"no stamp": {"author": {"Bot"}, "body": {"buy later"}},
	} {
		resp := e.postForm(nil, welcomePage+"/comments", form)
		wantStatus(t, resp, http.StatusSeeOther)
		if !strings.Contains(resp.Header.Get("Location"), "?pending=") {
			t.Errorf("%s: Location %q, want the held notice", name, resp.Header.Get("Location"))
		}
	}
	counts, _ := e.store.QueueCounts(t.Context(), "")
	if counts[models.StatusSpam] != 3 {
		t.Fatalf("spam count = %v, want 3", counts)
	}
	queue := e.get(e.admin(), "/admin/queue?status=spam").Body
	wantContains(t, queue, "Spam trap filled", "Form sent too fast")
}

func between(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	s = s[i+len(start):]
	j := strings.Index(s, end)
	if j < 0 {
		return ""
	}
	return s[:j]
}

// TestPostPageIsConstantQueries counts the queries of a page rendered
// afresh, so the render cache is off.
func TestPostPageIsConstantQueries(t *testing.T) {
	e := newEnv(t, func(c *handlers.Config) { c.RenderCacheBytes = -1 })
	var n atomic.Int64
	if err := e.store.OnStatement(func(string) { n.Add(1) }); err != nil {
		t.Fatal(err)
	}
	count := func() int64 {
		n.Store(0)
		wantStatus(t, e.get(nil, welcomePage), http.StatusOK)
		return n.Load()
	}
	count() // the first request reads the site; later ones keep it
	base := count()
	var ids []uint
	for i := 0; i < 30; i++ {
		id, _ := e.comment("A", fmt.Sprint("c", i), 0)
		ids = append(ids, id)
		r, _ := e.comment("B", fmt.Sprint("r", i), 0)
		ids = append(ids, r)
	}
	e.approve(ids...)
	if got := count(); got != base {
		t.Fatalf("post page ran %d queries with 60 comments, %d with none", got, base)
	}
}

func TestSecurityHeadersAndAccessLog(t *testing.T) {
	e := newEnv(t)
	e.postForm(nil, welcomePage+"/comments", url.Values{"author": {"Ann"}, "body": {"secret body text"}})
	resp := e.get(nil, welcomePage)
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("missing header %s", h)
		}
	}
	logs := e.logText()
	wantContains(t, logs, "method=POST", "path="+welcomePage+"/comments", "status=303", "duration_ms=")
	wantNotContains(t, logs, "secret body text")
}

// TestAPIAnswersCarryTheAPIHeaders checks the JSON API's security headers
// (OWASP's REST Security Cheat Sheet): a CSP that allows nothing, nosniff
// and no framing, without the policies that only act on documents.
func TestAPIAnswersCarryTheAPIHeaders(t *testing.T) {
	e := newEnv(t)
	resp := e.get(nil, "/api/v1/comments?site=default&page="+url.QueryEscape(welcomePage))
	wantStatus(t, resp, http.StatusOK)
	want := map[string]string{
		"Content-Security-Policy":    "default-src 'none'; frame-ancestors 'none'",
		"X-Content-Type-Options":     "nosniff",
		"X-Frame-Options":            "DENY",
		"Referrer-Policy":            "",
		"Permissions-Policy":         "",
		"Cross-Origin-Opener-Policy": "",
	}
	for h, v := range want {
		if got := resp.Header.Get(h); got != v {
			t.Errorf("API answer: %s = %q, want %q", h, got, v)
		}
	}
	page := e.get(nil, welcomePage)
	for h := range want {
		if page.Header.Get(h) == "" {
			t.Errorf("page: missing header %s", h)
		}
	}
	if csp := page.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'self'") {
		t.Errorf("page CSP = %q", csp)
	}
}

func TestHealthz(t *testing.T) {
	e := newEnv(t)
	resp := e.get(nil, "/healthz")
	wantStatus(t, resp, http.StatusOK)
	if strings.TrimSpace(resp.Body) != `{"status":"ok"}` {
		t.Fatalf("body = %s", resp.Body)
	}
	e.store.Close()
	wantStatus(t, e.get(nil, "/healthz"), http.StatusServiceUnavailable)
}

func TestStaticAssetsAreHashedAndCached(t *testing.T) {
	e := newEnv(t)
	page := e.get(nil, "/").Body
	css := between(page, `<link rel="stylesheet" href="`, `"`)
	if !strings.HasPrefix(css, "/static/app.") || css == "/static/app.css" {
		t.Fatalf("stylesheet URL %q is not content-hashed", css)
	}
	resp := e.get(nil, css)
	wantStatus(t, resp, http.StatusOK)
	if !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("headers = %v", resp.Header)
	}
	wantStatus(t, e.get(nil, "/static/nope.css"), http.StatusNotFound)
	for name, want := range map[string]string{
		"/static/app.css": "text/css; charset=utf-8", "/static/embed.js": "text/javascript; charset=utf-8",
		"/static/reader.js": "text/javascript; charset=utf-8",
	} {
		resp := e.get(nil, name)
		wantStatus(t, resp, http.StatusOK)
		if got := resp.Header.Get("Content-Type"); got != want {
			t.Errorf("%s: Content-Type %q, want %q", name, got, want)
		}
	}
}

// TestReadRoutesAnswerHEAD: link checkers and monitors ask with HEAD; the
// public pages, feeds, files and the thread API answer it as they answer
// GET, without the body.
func TestReadRoutesAnswerHEAD(t *testing.T) {
	e := newEnv(t)
	e.postForm(nil, welcomePage+"/comments", url.Values{"author": {"Ann"}, "body": {"A first comment"}})
	index := e.get(nil, "/")
	asset := between(index.Body, `<link rel="stylesheet" href="`, `"`)
	if asset == "" {
		t.Fatal("no stylesheet on the index page")
	}
	for _, path := range []string{"/", welcomePage, welcomePage + "/comments.atom", "/feed.atom",
		"/healthz", asset, "/static/embed.js", "/api/v1/comments?site=default&page=" + url.QueryEscape(welcomePage)} {
		// Both plain: Go's client asks for gzip on a GET (and then drops
		// the length), never on a HEAD.
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
		req.Header.Set("Accept-Encoding", "identity")
		get := e.do(nil, req)
		wantStatus(t, get, http.StatusOK)
		req, _ = http.NewRequest(http.MethodHead, e.srv.URL+path, nil)
		head := e.do(nil, req)
		if head.StatusCode != http.StatusOK || head.Body != "" {
			t.Errorf("HEAD %s: status %d, %d bytes of body", path, head.StatusCode, len(head.Body))
			continue
		}
		for _, h := range []string{"Content-Type", "Content-Length", "ETag"} {
			if got, want := head.Header.Get(h), get.Header.Get(h); got != want {
				t.Errorf("HEAD %s: %s %q, GET has %q", path, h, got, want)
			}
		}
	}
}
