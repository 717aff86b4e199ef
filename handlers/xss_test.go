package handlers_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"parley/models"
)

// hostile are payloads that must never reach a page as markup.
var hostile = []string{
	`<script>alert("xss")</script>`,
	`<img src=x onerror=alert(1)>`,
	`"><svg onload=alert(1)>`,
	`[click](javascript:alert(1))`,
	`<a href="javascript:alert(1)">x</a>`,
	`<iframe src="https://evil.example"></iframe>`,
	"`</code><script>alert(1)</script>`",
	`[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
	`<style>body{display:none}</style>`,
	`' onmouseover='alert(1)`,
}

// dangerousMarkup parses HTML and returns the first element or attribute
// that could run script or restyle the page, or "" when there is none.
// Parley's own script tags (src under /static/) are allowed.
func dangerousMarkup(body string) string {
	z := html.NewTokenizer(strings.NewReader(body))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "iframe", "object", "embed", "style", "svg", "math", "base", "meta", "link":
				if tok.Data == "link" && attr(tok, "rel") == "stylesheet" && strings.HasPrefix(attr(tok, "href"), "/static/") {
					continue
				}
				if tok.Data == "link" && attr(tok, "rel") == "alternate" && attr(tok, "type") == "application/atom+xml" &&
					strings.HasPrefix(attr(tok, "href"), "/") && strings.HasSuffix(attr(tok, "href"), ".atom") {
					continue // Parley's own feeds
				}
				if tok.Data == "meta" && attr(tok, "http-equiv") == "" {
					continue
				}
				return tok.String()
			case "script":
				if !strings.HasPrefix(attr(tok, "src"), "/static/") {
					return tok.String()
				}
			}
			for _, a := range tok.Attr {
				val := strings.ToLower(strings.TrimSpace(a.Val))
				if strings.HasPrefix(a.Key, "on") || a.Key == "style" || a.Key == "srcdoc" ||
					(a.Key == "href" || a.Key == "src" || a.Key == "action" || a.Key == "formaction") &&
						(strings.HasPrefix(val, "javascript:") || strings.HasPrefix(val, "data:") || strings.HasPrefix(val, "vbscript:")) {
					return tok.String()
				}
			}
		}
	}
}

func attr(tok html.Token, key string) string {
	for _, a := range tok.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// TestHostileInputNeverRendersAsMarkup pushes hostile payloads through the
// body, author and website of every write path, then checks every place a
// comment is shown: the post page, the API and the admin queue.
func TestHostileInputNeverRendersAsMarkup(t *testing.T) {
	e := newEnv(t)
	e.setModeration(models.ModerationPost)
	for _, p := range hostile {
		// Body and author through the form and the API; website is refused
		// unless it is an http(s) URL, so hostile ones are tried too.
		e.postForm(nil, welcomePage+"/comments", url.Values{"author": {truncateRunes(p, 64)}, "body": {p}})
		e.postJSON(nil, "/api/v1/comments", map[string]any{"site": "default", "page": welcomePage, "author": truncateRunes(p, 64), "body": p})
		for _, w := range []string{p, "https://example.com/" + p, `https://example.com/"onmouseover="alert(1)`} {
			form := e.postForm(nil, welcomePage+"/comments", url.Values{"author": {"W"}, "website": {w}, "body": {"site"}})
			if form.StatusCode == http.StatusUnprocessableEntity {
				checkPage(t, "form error page", form.Body)
			}
			e.postJSON(nil, "/api/v1/comments", map[string]any{"site": "default", "page": welcomePage, "author": "W", "website": w, "body": "site"})
		}
	}
	page := e.get(nil, welcomePage)
	wantStatus(t, page, http.StatusOK)
	if dangerousMarkup(`<p><img src="x" onerror="alert(1)"></p>`) == "" || dangerousMarkup(`<a href="javascript:x">`) == "" {
		t.Fatal("the markup checker misses known-bad markup")
	}
	if !strings.Contains(page.Body, "&lt;script&gt;") {
		t.Fatal("hostile comments are missing from the page; the test proves nothing")
	}
	checkPage(t, "post page", page.Body)
	checkPage(t, "index", e.get(nil, "/").Body)

	api := e.get(nil, "/api/v1/comments?site=default&limit=100&page="+welcomePage)
	var tree struct {
		Comments []struct {
			Author, Website, HTML string
		}
	}
	if err := json.Unmarshal([]byte(api.Body), &tree); err != nil {
		t.Fatal(err)
	}
	if len(tree.Comments) < len(hostile) {
		t.Fatalf("only %d comments in the API", len(tree.Comments))
	}
	for _, c := range tree.Comments {
		if dangerousMarkup(c.HTML) != "" {
			t.Errorf("API html carries markup: %q", c.HTML)
		}
		if c.Website != "" && !strings.HasPrefix(c.Website, "https://") && !strings.HasPrefix(c.Website, "http://") {
			t.Errorf("API website %q is not http(s)", c.Website)
		}
	}
	admin := e.admin()
	for _, status := range []string{"approved", "pending", "spam"} {
		checkPage(t, "queue "+status, e.get(admin, "/admin/queue?status="+status).Body)
	}
}

// checkPage fails when a page holds markup that would run script.
func checkPage(t *testing.T, where, body string) {
	t.Helper()
	if m := dangerousMarkup(body); m != "" {
		t.Errorf("%s renders hostile markup %s", where, m)
	}
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}
