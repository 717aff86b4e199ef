package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"parley/models"
	"parley/models/markup"
)

// welcomeComments counts every stored comment of the welcome post, whatever
// its status.
func (e *env) welcomeComments() int {
	e.t.Helper()
	ctx := context.Background()
	th, err := e.store.Thread(ctx, models.DefaultSiteID, welcomePage)
	if err != nil {
		e.t.Fatal(err)
	}
	flat, err := e.store.ThreadComments(ctx, th.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(flat)
}

func TestPreviewAPIRendersLikeAPostedComment(t *testing.T) {
	e := newEnv(t)
	src := "**Hi** _there_, see https://example.com and `x < y`\n\n> quoted\n\n<script>alert(1)</script>\n\n[bad](javascript:alert(1))\n\n![pic](https://example.com/p.png)"
	resp := e.postJSON(nil, "/api/v1/preview", map[string]string{"body": src})
	wantStatus(t, resp, http.StatusOK)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
	var out struct{ HTML string }
	decode(t, resp.Body, &out)
	want, err := markup.New().Comment(src)
	if err != nil {
		t.Fatal(err)
	}
	if out.HTML != want {
		t.Errorf("preview HTML differs from a posted comment's:\n got %s\nwant %s", out.HTML, want)
	}
	wantContains(t, out.HTML, "<strong>Hi</strong>", "<em>there</em>", "<blockquote>", "&lt;script&gt;",
		`href="https://example.com"`, `rel="nofollow`)
	wantNotContains(t, out.HTML, "<script", `href="javascript`, "<img")

	// Nothing was stored.
	if n := e.welcomeComments(); n != 0 {
		t.Errorf("the preview stored %d comments", n)
	}
}

func TestPreviewAPIRefusesBadRequests(t *testing.T) {
	e := newEnv(t)
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/api/v1/preview", strings.NewReader("body=hi"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	wantStatus(t, e.do(nil, req), http.StatusUnsupportedMediaType)

	for _, body := range []string{"", "  \n\t "} {
		resp := e.postJSON(nil, "/api/v1/preview", map[string]string{"body": body})
		wantStatus(t, resp, http.StatusUnprocessableEntity)
		var out struct {
			Code   string
			Fields map[string]string
		}
		decode(t, resp.Body, &out)
		if out.Code != "invalid" || out.Fields["body"] == "" {
			t.Errorf("empty body answered %s", resp.Body)
		}
	}

	long := e.postJSON(nil, "/api/v1/preview", map[string]string{"body": strings.Repeat("a", 10001)})
	wantStatus(t, long, http.StatusUnprocessableEntity)
	wantContains(t, long.Body, "at most 10000 characters")

	huge := e.postJSON(nil, "/api/v1/preview", map[string]string{"body": strings.Repeat("\x01", 40000)})
	wantStatus(t, huge, http.StatusRequestEntityTooLarge)

	bad := e.postJSON(nil, "/api/v1/preview", []int{1})
	wantStatus(t, bad, http.StatusBadRequest)
}

func TestPreviewAPICORSFollowsTheNamedSite(t *testing.T) {
	e := newEnv(t)
	e.addBlogSite(models.ModerationPre)
	send := func(origin string) response {
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/api/v1/preview",
			strings.NewReader(`{"site":"blog","body":"*hi*"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", origin)
		return e.do(nil, req)
	}
	ok := send(blogOrigin)
	wantStatus(t, ok, http.StatusOK)
	if got := ok.Header.Get("Access-Control-Allow-Origin"); got != blogOrigin {
		t.Errorf("Access-Control-Allow-Origin = %q for the site's origin", got)
	}
	if ok.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Error("CORS must not allow credentials")
	}
	other := send("https://evil.example")
	if got := other.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("Access-Control-Allow-Origin = %q for a foreign origin", got)
	}
}

func TestPreviewBlogFormWithoutJavaScript(t *testing.T) {
	e := newEnv(t)
	form := url.Values{"author": {"Ann <b>"}, "email": {"ann@example.com"}, "website": {"https://ann.example"},
		"body": {"Hello **world** <script>x()</script>"}, "preview": {"1"}}
	resp := e.postForm(e.client(), welcomePage+"/comments", form)
	wantStatus(t, resp, http.StatusOK)
	wantContains(t, resp.Body, `id="comment-preview"`, "<strong>world</strong>", "&lt;script&gt;x()&lt;/script&gt;",
		`value="Ann &lt;b&gt;"`, `value="ann@example.com"`, `value="https://ann.example"`,
		"Hello **world** &lt;script&gt;x()&lt;/script&gt;</textarea>")
	wantNotContains(t, resp.Body, "<script>x()", `id="comment-preview" class="comment-preview" aria-labelledby="comment-preview-title" hidden`)
	if n := e.welcomeComments(); n != 0 {
		t.Errorf("the preview stored %d comments", n)
	}

	// A preview of nothing says so on the field and keeps the rest.
	empty := e.postForm(e.client(), welcomePage+"/comments", url.Values{"author": {"Ann"}, "body": {" "}, "preview": {"1"}})
	wantStatus(t, empty, http.StatusUnprocessableEntity)
	wantContains(t, empty.Body, `id="body-error"`, "Write something to preview.", "Please check the marked field below.", `aria-describedby="body-hint body-error"`, `value="Ann"`)

	// The same form without the preview button posts as before.
	delete(form, "preview")
	form.Set("author", "Ann")
	posted := e.postForm(e.client(), welcomePage+"/comments", form)
	wantStatus(t, posted, http.StatusSeeOther)
	if n := e.welcomeComments(); n != 1 {
		t.Errorf("after posting there are %d comments, want 1", n)
	}
}

func TestPreviewEmbedFormWithoutJavaScript(t *testing.T) {
	e := newEnv(t)
	e.addBlogSite(models.ModerationPost)
	page := "/2024/05/preview.html"
	resp := e.postEmbed(embedURL(page), url.Values{"author": {"Ann"}, "body": {"_quiet_ [link](https://example.org)"},
		"preview": {"1"}})
	wantStatus(t, resp, http.StatusOK)
	wantContains(t, resp.Body, "<em>quiet</em>", `href="https://example.org"`, `value="Ann"`,
		"_quiet_ [link](https://example.org)</textarea>", `formaction="/embed/comments?`)
	// Previewing never creates the page's thread.
	e.noThread(page)
}

func TestPreviewFormShowsFormattingHelp(t *testing.T) {
	e := newEnv(t)
	resp := e.get(nil, welcomePage)
	wantStatus(t, resp, http.StatusOK)
	wantContains(t, resp.Body, `<details class="format-help">`, "<summary>Formatting help</summary>",
		`name="preview"`, "formnovalidate", `aria-describedby="body-hint"`, `role="status"`, "preview.", ".js")
	// Without a preview the box is there for the script, but hidden.
	wantContains(t, resp.Body, `aria-labelledby="comment-preview-title" hidden`)
}
